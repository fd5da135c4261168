"""Command-line interface: ``flask --app survey_app <command>``. Each command is one transaction."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .extensions import db
from .models import AdminUnit, Role
from .numbers import number_vi, size_vi


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
    from reports.jobs import run_refresh

    from .services.demo import load_demo
    from .services.demo_data import (
        CasePlan,
        DossierPlan,
        SurveyPlan,
        generate_annual_survey,
        generate_cases,
        generate_dossiers,
        generate_survey_responses,
        seed_answer_templates,
    )
    from .timeutil import local_today

    logins = load_demo(Path(current_app.config.get("INSTANCE_DIR") or current_app.instance_path))
    today = local_today()
    start = today.replace(month=1, day=1)
    days = (today - start).days + 1
    generate_dossiers(db.session, DossierPlan(start=start, days=days, per_day=25))
    generate_survey_responses(db.session, SurveyPlan(start=start, days=days, per_day=6, kiosk_share=0.3))
    generate_cases(db.session, CasePlan(start=start, days=days, per_day=1.2))
    seed_answer_templates(db.session)
    generate_annual_survey(db.session, today.year, per_unit=160)
    db.session.commit()
    run_refresh(db.session)
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


qr_cli = AppGroup("qr", help="Mã QR khảo sát.")


@qr_cli.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--unit", "unit_code", default=None, help="Chỉ xuất cho một đơn vị (mã).")
def qr_export(directory: Path, unit_code: str | None) -> None:
    """Xuất mã QR (PNG, SVG), áp phích A4 và thẻ A6 (PDF) của mọi trung tâm và quầy vào DIRECTORY."""
    from .models import ServiceCentre
    from .services import audit, qr
    from .surveys import printing
    from .surveys.qrcodes import qr_png, qr_svg
    from .text import slug

    query = select(ServiceCentre).where(ServiceCentre.active.is_(True)).order_by(ServiceCentre.unit_id)
    if unit_code:
        query = query.where(ServiceCentre.unit_id == resolve_unit(unit_code).id)
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        raise click.ClickException(
            "Chưa đặt HAILONG_PUBLIC_URL (địa chỉ công khai của hệ thống, ví dụ https://hailong.haiphong.gov.vn): "
            "mã QR in ra phải trỏ đúng địa chỉ người dân truy cập được. Không xuất tệp nào.")
    if not base.startswith(("https://", "http://")):
        raise click.ClickException(f"HAILONG_PUBLIC_URL “{base}” phải bắt đầu bằng https:// (hoặc http://).")
    centres = list(db.session.execute(query).scalars())
    written = 0
    with current_app.test_request_context(base_url=base):
        tokens = qr.ensure_tokens(centres)
        db.session.commit()
        for token in tokens:
            folder = directory / token.centre.unit.code / slug(token.centre.name)
            folder.mkdir(parents=True, exist_ok=True)
            stem = f"quay-{token.counter.number:02d}" if token.counter else "trung-tam"
            item = qr.poster_item(token)
            url = item.url
            (folder / f"{stem}.png").write_bytes(qr_png(url))
            (folder / f"{stem}.svg").write_bytes(qr_svg(url))
            (folder / f"{stem}_ap-phich-A4.pdf").write_bytes(printing.poster_pdf(item))
            (folder / f"{stem}_the-A6.pdf").write_bytes(printing.card_pdf(item))
            (folder / f"{stem}.url.txt").write_text(url + "\n", encoding="utf-8")
            written += 1
        for unit_id in sorted({centre.unit_id for centre in centres}):
            audit.record(None, "export", "qr_poster", None, unit_id=unit_id, detail={"directory": str(directory)})
        db.session.commit()
        for centre in centres:
            items = [qr.poster_item(t) for t in tokens if t.centre_id == centre.id and t.counter is not None]
            if items:
                (directory / centre.unit.code / slug(centre.name) / "tat-ca-cac-quay_A4.pdf").write_bytes(
                    printing.sheet_pdf(items, f"Thẻ QR các quầy – {centre.name}"))
    click.echo(f"Đã xuất {written} mã QR của {len(centres)} trung tâm vào {directory}.")


notifications_cli = AppGroup("notifications", help="Thông báo cho người dân (hộp thư đi).")


@notifications_cli.command("send")
def notifications_send() -> None:
    """Gửi ngay các thông báo đến lượt (máy xử lý nền cũng tự gửi mỗi phút)."""
    from .services.delivery import deliver_pending

    result = deliver_pending(db.session)
    db.session.commit()
    click.echo(f"Đã gửi {result.sent} thông báo, {result.retry} chờ gửi lại, {result.failed} thất bại.")


reports_cli = AppGroup("reports", help="Tổng hợp số liệu, chấm điểm, hồ sơ minh chứng.")


@reports_cli.command("refresh")
@click.option("--full", is_flag=True, help="Tính lại toàn bộ thay vì chỉ những ngày có thay đổi.")
def reports_refresh(full: bool) -> None:
    """Cập nhật các bảng tổng hợp (chạy định kỳ bằng cron / systemd timer)."""
    from reports.jobs import LockBusy, run_refresh

    try:
        report = run_refresh(db.session, full)
    except LockBusy as exc:
        raise click.ClickException("Một lần cập nhật khác đang chạy; bỏ qua lần này.") from exc
    kind = "toàn bộ" if report.full else f"{report.days} ngày-đơn vị có thay đổi"
    click.echo(f"Đã cập nhật ({kind})" + (": " + ", ".join(f"{k} {v} dòng" for k, v in report.rows.items())
                                         if report.rows else "."))


@reports_cli.command("import-dossiers")
@click.option("--unit", "unit_code", required=True, help="Mã đơn vị.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def reports_import_dossiers(unit_code: str, path: Path) -> None:
    """Nhập tệp hồ sơ (CSV/XLSX) xuất từ hệ thống một cửa; chỉ áp dụng khi mọi dòng hợp lệ."""
    from .services import dossier_import

    unit = resolve_unit(unit_code)
    if path.stat().st_size > dossier_import.MAX_BYTES:
        raise click.ClickException(f"Tệp lớn hơn {dossier_import.MAX_BYTES // 1024 // 1024} MB: hãy xuất theo "
                                   "từng tháng hoặc quý rồi nhập lần lượt. Chưa có thay đổi nào được lưu.")
    report = dossier_import.parse(path.read_bytes(), path.name, unit.id)
    if report.errors:
        db.session.rollback()
        for error in report.errors[:200]:
            click.echo(str(error), err=True)
        raise click.ClickException(f"Không nhập: {len(report.errors)} lỗi. Chưa có thay đổi nào được lưu.")
    dossier_import.apply(report, unit.id, path.name, None)
    db.session.commit()
    for warning in report.warnings[:200]:
        click.echo(f"Cảnh báo – {warning}", err=True)
    click.echo(f"Đã nhập {unit.full_name}: {report.created} hồ sơ mới, {report.updated} cập nhật, "
               f"{report.unchanged} không đổi" + (f"; {len(report.warnings)} cảnh báo" if report.warnings else "")
               + ".")


@reports_cli.command("score")
@click.option("--unit", "unit_code", required=True)
@click.option("--year", type=int, required=True)
@click.option("--as-of", "as_of", default=None, help="Tính đến ngày (dd/mm/yyyy); mặc định hôm nay.")
@click.option("--json", "as_json", is_flag=True, help="In JSON.")
def reports_score(unit_code: str, year: int, as_of: str | None, as_json: bool) -> None:
    """In bảng điểm của đơn vị: điểm từng mục, giải thích, tổng và mức xếp loại."""
    import json

    from reports.scoring.engine import score

    from .timeutil import parse_date

    unit = resolve_unit(unit_code)
    day = parse_date(as_of) if as_of else None
    if as_of and day is None:
        raise click.ClickException("Ngày --as-of không hợp lệ (dd/mm/yyyy).")
    result = score(db.session, unit, year, day)
    if as_json:
        from reports.scoring.provenance import score_dict

        click.echo(json.dumps(score_dict(db.session, result), ensure_ascii=False, indent=1, default=str))
        return
    click.echo(f"{result.table.title} – {unit.full_name} – năm {year} (số liệu tính đến "
               f"{result.end.strftime('%d/%m/%Y')})")
    if result.asof is not None and result.asof.capped:
        click.echo(f"! Ngày yêu cầu {result.asof.requested.strftime('%d/%m/%Y')} chưa đến (hoặc ngoài năm): chỉ tính "
                   f"những gì đã có đến {result.end.strftime('%d/%m/%Y')}.")
    for note in result.discrepancies:
        click.echo(f"! {note}")
    for item in result.items:
        points = "  –  " if item.points is None else f"{number_vi(item.points, 2, keep_zeros=True):>5}"
        click.echo(f"{item.item.code:<9} {points}/{number_vi(item.item.points):<4} {item.explanation}")
    for criterion in result.criteria:
        click.echo(f"{criterion.text}: {number_vi(criterion.points)}/{number_vi(criterion.max)}")
    click.echo(f"TỔNG: {number_vi(result.total)}/100 – {result.level_name}")
    for reason in result.disqualified:
        click.echo(f"Không đạt chuẩn do: {reason}")


@reports_cli.command("topics")
@click.option("--unit", "unit_code", required=True, help="Mã đơn vị.")
@click.option("--from", "start_text", required=True, help="Từ ngày (dd/mm/yyyy).")
@click.option("--to", "end_text", required=True, help="Đến ngày (dd/mm/yyyy).")
@click.option("--json", "as_json", is_flag=True, help="In JSON.")
def reports_topics(unit_code: str, start_text: str, end_text: str, as_json: bool) -> None:
    """Các chủ đề người dân nói đến trong góp ý khảo sát và phản ánh: số lượng, xu hướng, ví dụ."""
    import json

    from reports.topics import commune_topics

    from .timeutil import parse_date

    unit = resolve_unit(unit_code)
    start, end = parse_date(start_text), parse_date(end_text)
    if start is None or end is None:
        raise click.ClickException("Ngày --from/--to không hợp lệ (dd/mm/yyyy).")
    if end < start:
        raise click.ClickException("Ngày --to phải sau ngày --from.")
    report = commune_topics(db.session, unit.id, start, end)
    db.session.commit()
    if as_json:
        click.echo(json.dumps({"unit": unit.code, **report.as_dict()}, ensure_ascii=False, indent=1))
        return
    click.echo(f"Chủ đề góp ý, phản ánh – {unit.full_name} – {start.strftime('%d/%m/%Y')} đến "
               f"{end.strftime('%d/%m/%Y')}: {report.texts} ý kiến, {report.unassigned} không thuộc chủ đề nào.")
    if not report.topics:
        click.echo("Chưa đủ ý kiến để nhóm thành chủ đề.")
    for topic in report.topics:
        click.echo(f"- {topic.label}: {topic.count} ý kiến ({topic.trend}: {topic.first_half} → {topic.second_half})")
        for example in topic.examples:
            click.echo(f"    “{example}”")


@reports_cli.command("guidance")
@click.option("--unit", "unit_code", required=True)
@click.option("--year", type=int, required=True)
@click.option("--as-of", "as_of", default=None, help="Tính đến ngày (dd/mm/yyyy); mặc định hôm nay.")
@click.option("--json", "as_json", is_flag=True, help="In JSON.")
def reports_guidance(unit_code: str, year: int, as_of: str | None, as_json: bool) -> None:
    """Lộ trình đạt chuẩn: dự báo cuối năm, việc cần làm tuần này và con đường ngắn nhất lên mức tiếp theo."""
    import json

    from reports.scoring.guidance import guidance, guidance_lines

    from .timeutil import parse_date

    unit = resolve_unit(unit_code)
    day = parse_date(as_of) if as_of else None
    if as_of and day is None:
        raise click.ClickException("Ngày --as-of không hợp lệ (dd/mm/yyyy).")
    result = guidance(db.session, unit, year, day)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=1, default=str))
        return
    for line in guidance_lines(result):
        click.echo(line)


@reports_cli.command("dossier")
@click.option("--unit", "unit_code", required=True, help="Mã đơn vị.")
@click.option("--year", type=int, required=True)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Thư mục ghi các tệp.")
@click.option("--as-of", "as_of", default=None, help="Tính đến ngày (dd/mm/yyyy); mặc định hôm nay.")
def reports_dossier(unit_code: str, year: int, out_dir: Path, as_of: str | None) -> None:
    """Ghi hồ sơ đánh giá: bảng tự chấm điểm (XLSX, DOCX, PDF), bảng tổng hợp khảo sát, dự thảo báo cáo và tờ
    trình, tài liệu minh chứng (ZIP, mỗi tiêu chí một thư mục) vào OUT."""
    from reports.dossier import build, collect

    from .timeutil import parse_date

    unit = resolve_unit(unit_code)
    day = parse_date(as_of) if as_of else None
    if as_of and day is None:
        raise click.ClickException("Ngày --as-of không hợp lệ (dd/mm/yyyy).")
    out_dir.mkdir(parents=True, exist_ok=True)
    bundle = collect(db.session, unit, year, day)
    files = build(bundle, lambda percent, message: click.echo(f"  {percent:3d}% {message}", err=True))
    for name, data in files.items():
        (out_dir / name).write_bytes(data)
        click.echo(f"{out_dir / name}\t{size_vi(len(data))}")
    click.echo(f"Đã ghi {len(files)} tệp: {unit.full_name}, năm {year}, {number_vi(bundle.score.total)}/100 – "
               f"{bundle.score.level}.")


jobs_cli = AppGroup("jobs", help="Việc chạy nền (tạo hồ sơ minh chứng…).")


@jobs_cli.command("work")
@click.option("--once", is_flag=True, help="Chạy hết hàng đợi rồi dừng (thay vì chạy liên tục; không chạy lịch).")
@click.option("--no-schedule", is_flag=True, help="Chỉ chạy việc nền, không chạy các việc định kỳ.")
def jobs_work(once: bool, no_schedule: bool) -> None:
    """Máy xử lý nền: chạy các việc nền đang chờ và các việc định kỳ (xem: jobs schedule); chạy như một dịch vụ
    (systemd, Docker) bên cạnh gunicorn. Dừng bằng Ctrl+C hoặc SIGTERM."""
    import signal

    from reports import schedule
    from reports.background import work

    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    scheduler = None
    if not once and not no_schedule:
        scheduler = schedule.start(current_app._get_current_object())
        click.echo(f"Đã bật lịch chạy định kỳ: {', '.join(job.name for job in schedule.PERIODIC)}.")
    try:
        count = work(db.session, once=once, log=click.echo)
    except KeyboardInterrupt:  # Ctrl+C or the service manager stopping it: a running job is taken over later
        click.echo("Dừng.")
        return
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)
    click.echo(f"Đã chạy {count} việc.")


@jobs_cli.command("schedule")
def jobs_schedule() -> None:
    """In các việc định kỳ: chu kỳ, lần chạy gần nhất, kết quả, lần chạy tới."""
    from reports import schedule

    from .timeutil import format_datetime

    outcomes = {"ok": "thành công", "failed": "LỖI", "skipped": "bỏ qua", "running": "đang chạy"}
    for row in schedule.status(db.session):
        minutes = int(row.job.interval.total_seconds() // 60)
        every = f"{minutes // 60} giờ" if minutes >= 60 and minutes % 60 == 0 else f"{minutes} phút"
        last = row.last
        click.echo(f"{row.job.name:<14} mỗi {every:<8} "
                   f"lần gần nhất: {format_datetime(last.started_at) if last else 'chưa chạy':<16} "
                   f"kết quả: {outcomes[last.outcome] if last else '—':<11} "
                   f"lần tới: {format_datetime(row.next_run)}")
        click.echo(f"{'':<14} {row.job.label}" + (f" — {last.message}" if last and last.message else ""))


@jobs_cli.command("run")
@click.argument("name")
def jobs_run(name: str) -> None:
    """Chạy ngay một việc định kỳ (NAME như trong jobs schedule), có khóa như khi chạy theo lịch."""
    from reports import schedule

    job = schedule.BY_NAME.get(name)
    if job is None:
        raise click.ClickException(f"Không có việc định kỳ “{name}”. Xem: flask --app survey_app jobs schedule")
    outcome = schedule.run_tick(db.session, job, slot=-schedule.manual_slot())
    click.echo(f"{name}: {outcome}")
    if outcome == "failed":
        raise click.ClickException("Việc định kỳ bị lỗi; xem nhật ký.")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """Sao lưu toàn bộ (cơ sở dữ liệu, tệp đã tải lên, khóa bí mật) vào tệp PATH (.tar)."""
    from .backup import BackupError, backup

    instance = Path(current_app.config.get("INSTANCE_DIR") or current_app.instance_path)
    try:
        manifest = backup(db.engine, instance, path)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = sum(manifest["rows"].values())
    click.echo(f"Đã sao lưu {manifest['backend']} ({len(manifest['rows'])} bảng, {rows} dòng) vào {path} "
               f"({path.stat().st_size} byte).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Thay toàn bộ dữ liệu hiện có (khi cơ sở dữ liệu không trống).")
@with_appcontext
def restore_command(path: Path, force: bool) -> None:
    """Khôi phục từ bản sao lưu PATH; dừng web và máy xử lý nền trước. Hoặc khôi phục trọn vẹn, hoặc không đổi gì."""
    from .backup import BackupError, restore

    instance = Path(current_app.config.get("INSTANCE_DIR") or current_app.instance_path)
    db.session.remove()
    try:
        report = restore(db.engine, instance, path, force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Đã khôi phục {report.backend}: {report.tables} bảng, {report.rows} dòng, phiên bản lược đồ "
               f"{report.revision}. Số dòng từng bảng khớp bản sao lưu.")


def register(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(reports_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(notifications_cli)
    app.cli.add_command(qr_cli)
    app.cli.add_command(units_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_command)
