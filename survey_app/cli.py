"""Command-line interface: ``flask --app survey_app <command>``. Each command is one transaction."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .extensions import db
from .models import AdminUnit, Role


def resolve_unit(code: str) -> AdminUnit:
    unit = db.session.execute(select(AdminUnit).where(AdminUnit.code == code)).scalar_one_or_none()
    if unit is None or unit.is_city:
        raise click.ClickException(
            f"Không tìm thấy xã/phường/đặc khu có mã “{code}”. Xem danh sách: flask --app survey_app units list"
        )
    return unit


units_cli = AppGroup("units", help="Đơn vị hành chính (xã, phường, đặc khu).")


@units_cli.command("list")
def units_list() -> None:
    """In danh sách đơn vị, mỗi dòng một đơn vị, mã đứng đầu."""
    query = select(AdminUnit).where(AdminUnit.parent_id.is_not(None)).order_by(AdminUnit.code)
    for unit in db.session.execute(query).scalars():
        click.echo(f"{unit.code}\t{unit.full_name}")


@units_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def units_import(path: Path) -> None:
    """Nhập danh sách đơn vị từ CSV (cột: mã, tên, loại[, dân số]); chỉ áp dụng khi mọi dòng hợp lệ."""
    from .services.units_import import import_units

    report = import_units(path.read_bytes())
    if not report.ok:
        db.session.rollback()
        for error in report.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"Không nhập: {len(report.errors)} lỗi. Chưa có thay đổi nào được lưu.")
    db.session.commit()
    click.echo(f"Đã nhập: {report.created} mới, {report.updated} cập nhật, {report.unchanged} không đổi.")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Tạo dữ liệu mẫu (chạy lại không thay đổi gì) và in thông tin đăng nhập."""
    from .services.demo import load_demo

    logins = load_demo(Path(current_app.config.get("INSTANCE_DIR") or current_app.instance_path))
    db.session.commit()
    click.echo("Dữ liệu mẫu đã sẵn sàng. Tài khoản:")
    for login in logins:
        password = login.password or "(đã đổi, không in)"
        click.echo(f"  {login.username:<16} {password:<16} {login.role.label} – {login.unit_name}")


users_cli = AppGroup("users", help="Tài khoản cán bộ.")


@users_cli.command("create")
@click.option("--username", required=True)
@click.option("--name", "full_name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--unit", "unit_code", default=None, help="Mã đơn vị (bỏ trống với vai trò cấp thành phố).")
@click.password_option()
def users_create(username: str, full_name: str, role: str, unit_code: str | None, password: str) -> None:
    """Tạo tài khoản cán bộ."""
    from .services.accounts import AccountError, create_user

    unit = resolve_unit(unit_code) if unit_code else None
    try:
        create_user(None, username=username, full_name=full_name, password=password, role=Role(role),
                    unit_id=unit.id if unit else None)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Đã tạo tài khoản {username}.")


def register(app: Flask) -> None:
    app.cli.add_command(units_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
