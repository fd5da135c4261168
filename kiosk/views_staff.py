"""Staff pages for kiosks: create, pair, rename, re-bind, revoke; last contact, what each tablet holds and what it
could not send; officer photos."""

from __future__ import annotations

import base64
import io

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from PIL import Image, UnidentifiedImageError
from sqlalchemy import func, select

from survey_app.auth.roles import can_administer, staff_required
from survey_app.extensions import db
from survey_app.models import Counter, Kiosk, Officer, ServiceCentre, SurveyResponse
from survey_app.services import kiosks
from survey_app.services.scoping import get_scoped_or_404, scoped
from survey_app.surveys.qrcodes import qr_png
from survey_app.timeutil import local_today, utcnow

bp = Blueprint("kiosk_staff", __name__, url_prefix="/admin/kiosks", template_folder="templates")

PHOTO_MAX = 2 * 1024 * 1024


def _pairing_view(kiosk: Kiosk, code: str):
    url = url_for("kiosk.page", _external=True)
    return render_template("kiosk/staff_pairing.html", kiosk=kiosk, code=code, url=url,
                           qr=base64.b64encode(qr_png(url)).decode())


@bp.route("/", methods=["GET", "POST"])
@staff_required()
def index():
    if request.method == "POST":
        if not current_user.can_administer:
            abort(403)
        centre = get_scoped_or_404(ServiceCentre, request.form.get("centre_id", type=int) or 0, current_user)
        counter_id = request.form.get("counter_id", type=int)
        counter = get_scoped_or_404(Counter, counter_id, current_user) if counter_id else None
        try:
            kiosk, code = kiosks.create(current_user, centre, counter, request.form.get("name", ""),
                                        request.form.get("scale", type=int) or 3)
        except kiosks.KioskError as exc:
            db.session.rollback()
            flash(str(exc), "error")
            return redirect(url_for(".index"))
        db.session.commit()
        return _pairing_view(kiosk, code)
    rows = db.session.execute(scoped(Kiosk, current_user).order_by(Kiosk.unit_id, Kiosk.name)).scalars().all()
    today = db.session.execute(
        select(SurveyResponse.kiosk_id, func.count()).where(SurveyResponse.kiosk_id.in_([k.id for k in rows]))
        .group_by(SurveyResponse.kiosk_id)).all() if rows else []
    centres = db.session.execute(scoped(ServiceCentre, current_user).where(ServiceCentre.active.is_(True))
                                 .order_by(ServiceCentre.name)).scalars().all()
    counters = db.session.execute(scoped(Counter, current_user).where(Counter.active.is_(True))
                                  .order_by(Counter.centre_id, Counter.number)).scalars().all()
    officers = db.session.execute(scoped(Officer, current_user).where(Officer.active.is_(True))
                                  .order_by(Officer.full_name)).scalars().all()
    today_local = local_today()
    silent = {k.id for k in rows if kiosks.is_silent(k, today_local)}
    return render_template("kiosk/staff_index.html", rows=rows, counts=dict(today), centres=centres,
                           counters=counters, officers=officers, now=utcnow(), silent=silent,
                           rejections=kiosks.open_rejections([k.id for k in rows]), labels=kiosks.LABELS)


@bp.route("/<int:kiosk_id>", methods=["POST"])
@staff_required(can_administer)
def update(kiosk_id: int):
    kiosk = get_scoped_or_404(Kiosk, kiosk_id, current_user)
    counter_id = request.form.get("counter_id", type=int)
    counter = get_scoped_or_404(Counter, counter_id, current_user) if counter_id else None
    try:
        kiosks.update(current_user, kiosk, request.form.get("name", ""), counter,
                      request.form.get("scale", type=int) or kiosk.scale, request.form.get("staff_pin"))
    except kiosks.KioskError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    db.session.commit()
    flash("Đã cập nhật máy đánh giá.", "success")
    return redirect(url_for(".index"))


@bp.route("/<int:kiosk_id>/pairing", methods=["POST"])
@staff_required(can_administer)
def pairing(kiosk_id: int):
    kiosk = get_scoped_or_404(Kiosk, kiosk_id, current_user)
    kiosk.active, kiosk.revoked_at = True, None
    code = kiosks.new_pairing_code(current_user, kiosk)
    db.session.commit()
    return _pairing_view(kiosk, code)


@bp.route("/<int:kiosk_id>/revoke", methods=["POST"])
@staff_required(can_administer)
def revoke(kiosk_id: int):
    kiosk = get_scoped_or_404(Kiosk, kiosk_id, current_user)
    kiosks.revoke(current_user, kiosk)
    db.session.commit()
    flash(f"Đã thu hồi “{kiosk.name}”. Máy không gửi được đánh giá nữa cho đến khi ghép nối lại.", "success")
    return redirect(url_for(".index"))


@bp.route("/<int:kiosk_id>/rejections/discard", methods=["POST"])
@staff_required(can_administer)
def discard(kiosk_id: int):
    """Give up on an item the tablet could not send, with a logged reason; the tablet drops it at next contact."""
    kiosk = get_scoped_or_404(Kiosk, kiosk_id, current_user)
    try:
        kiosks.discard(current_user, kiosk, request.form.get("client_id", ""), request.form.get("note", ""),
                       via="staff_page")
    except kiosks.KioskError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".index"))
    db.session.commit()
    flash("Đã loại bỏ đánh giá không gửi được; lý do đã được ghi nhật ký.", "success")
    return redirect(url_for(".index"))


@bp.route("/officers/<int:officer_id>/photo", methods=["POST"])
@staff_required(can_administer)
def officer_photo(officer_id: int):
    officer = get_scoped_or_404(Officer, officer_id, current_user)
    upload = request.files.get("photo")
    data = upload.read(PHOTO_MAX + 1) if upload else b""
    if not data:
        flash("Vui lòng chọn ảnh.", "error")
    elif len(data) > PHOTO_MAX:
        flash("Ảnh lớn hơn 2 MB.", "error")
    else:
        try:
            with Image.open(io.BytesIO(data)) as image:
                image = image.convert("RGB")
                image.thumbnail((480, 480))
                buffer = io.BytesIO()
                image.save(buffer, format="JPEG", quality=85)
        except (UnidentifiedImageError, OSError, ValueError):
            flash("Tệp không phải ảnh (JPEG, PNG).", "error")
        else:
            officer.photo, officer.photo_type = buffer.getvalue(), "image/jpeg"
            db.session.commit()
            flash(f"Đã cập nhật ảnh của {officer.full_name}.", "success")
    return redirect(url_for(".index"))
