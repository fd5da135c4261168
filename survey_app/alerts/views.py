"""Cảnh báo: the alerts addressed to the signed-in user, acknowledged here, and the messages of their commune
that could not be delivered (with the reason)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from ..auth.roles import staff_required
from ..extensions import db
from ..models import Notification, StaffAlert
from ..services import alerts
from ..services.audit import record

bp = Blueprint("alerts", __name__, url_prefix="/admin/alerts")


@bp.route("/")
@staff_required()
def index():
    query = alerts.visible_to(current_user)
    open_alerts = db.session.execute(query.where(StaffAlert.acknowledged_at.is_(None))
                                     .order_by(StaffAlert.created_at.desc(), StaffAlert.id.desc())
                                     .limit(300)).scalars().all()
    done = db.session.execute(query.where(StaffAlert.acknowledged_at.is_not(None))
                              .order_by(StaffAlert.acknowledged_at.desc()).limit(30)).scalars().all()
    failed = db.session.execute(
        select(Notification).where(Notification.unit_id == (current_user.unit_id or -1),
                                   Notification.status == "failed")
        .order_by(Notification.failed_at.desc()).limit(100)).scalars().all() if not current_user.city_wide else []
    return render_template("alerts/index.html", open_alerts=open_alerts, done=done, failed=failed,
                           kinds=alerts.KINDS)


@bp.route("/<int:alert_id>/ack", methods=["POST"])
@staff_required(lambda user: user.can_write)
def acknowledge(alert_id: int):
    alert = alerts.acknowledge(db.session, current_user, alert_id)
    if alert is None:
        abort(404)
    record(current_user, "acknowledge", "staff_alert", alert.id, unit_id=alert.unit_id, detail={"key": alert.key})
    db.session.commit()
    return redirect(url_for("alerts.index"))
