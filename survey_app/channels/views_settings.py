"""Commune administrators connect their Zalo OA and Facebook Page; staff answer a case on its channel.

Secrets are write-only: a blank field keeps what is stored, and a stored value is never shown again.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.roles import can_administer, can_write, staff_required
from ..extensions import db
from ..models import Case, ChannelAccount, Platform
from ..services import audit, channels, secretbox
from ..services import cases as case_service
from ..services.scoping import get_scoped_or_404, visible_units
from ..text import clean

bp = Blueprint("channels", __name__, url_prefix="/admin/channels")
SECRET_FIELDS = ("secret", "verify_token", "access_token")


def _unit_id() -> int:
    units = visible_units(current_user)
    wanted = request.values.get("unit_id", type=int)
    if not current_user.city_wide:
        return current_user.unit_id
    if wanted in {u.id for u in units}:
        return wanted
    if request.method == "POST" or not units:
        abort(404)
    return units[0].id


def webhook_url(platform: str, unit_code: str) -> str:
    path = url_for("webhooks.deliver", platform=platform, unit_code=unit_code)
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + path


def _readable(account: ChannelAccount | None, attr: str) -> bool | None:
    """True when stored and readable, False when stored under another SECRET_KEY, None when absent."""
    if account is None or getattr(account, attr) is None:
        return None
    try:
        secretbox.open_(getattr(account, attr))
    except secretbox.SecretUnreadable:
        return False
    return True


@bp.route("/", methods=["GET", "POST"])
@staff_required(can_administer)
def settings():
    unit_id = _unit_id()
    unit = next(u for u in visible_units(current_user) if u.id == unit_id)
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        platform = request.form.get("platform", "")
        if platform not in {p.value for p in Platform}:
            abort(400)
        follow_up = request.form.get("follow_up_hours", type=int)
        external_id, app_id = clean(request.form.get("external_id"))[:64], clean(request.form.get("app_id"))[:64]
        if follow_up is None or not 0 <= follow_up <= 720:
            errors[f"{platform}.follow_up_hours"] = "Thời gian gộp tin nhắn từ 0 đến 720 giờ."
        if not external_id:
            errors[f"{platform}.external_id"] = ("Vui lòng nhập OA ID." if platform == "zalo"
                                                 else "Vui lòng nhập Page ID.")
        if platform == "zalo" and not app_id:
            errors[f"{platform}.app_id"] = "Vui lòng nhập App ID của ứng dụng Zalo."
        account = channels.account_for(unit_id, platform)
        if not errors:
            if account is None:
                account = ChannelAccount(unit_id=unit_id, platform=platform)
                db.session.add(account)
            account.external_id, account.app_id, account.follow_up_hours = external_id, app_id, follow_up
            account.active = bool(request.form.get("active"))
            account.updated_by_id = current_user.id
            changed = []
            for name in SECRET_FIELDS:
                value = clean(request.form.get(name))[:1000]
                if value:
                    setattr(account, f"{name}_enc", secretbox.seal(value))
                    changed.append(name)
                elif request.form.get(f"clear_{name}"):
                    setattr(account, f"{name}_enc", None)
                    changed.append(name)
            db.session.flush()
            # the audit log names which secrets changed, never their values
            audit.record(current_user, "update", "channel_account", account.id, unit_id=unit_id,
                         detail={"platform": platform, "secrets_changed": changed, "active": account.active})
            db.session.commit()
            flash(f"Đã lưu cấu hình {Platform(platform).label}.", "success")
            return redirect(url_for(".settings", unit_id=unit_id), code=303)
        status = 400
    accounts = {p.value: channels.account_for(unit_id, p.value) for p in Platform}
    stored = {p: {name: _readable(a, f"{name}_enc") for name in SECRET_FIELDS} for p, a in accounts.items()}
    urls = {p.value: webhook_url(p.value, unit.code) for p in Platform}
    return render_template("channels/settings.html", unit=unit, units=visible_units(current_user),
                           accounts=accounts, stored=stored, urls=urls, errors=errors, values=request.form,
                           platforms=list(Platform)), status


@bp.route("/cases/<int:case_id>/reply", methods=["POST"])
@staff_required(can_write)
def reply(case_id: int):
    case_row = get_scoped_or_404(Case, case_id, current_user)
    try:
        channels.reply(current_user, case_row, request.form.get("reply", ""))
        db.session.commit()
    except case_service.CaseError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash("Đã gửi tin nhắn trả lời cho người dân.", "success")
    return redirect(url_for("inbox.detail", case_id=case_id), code=303)
