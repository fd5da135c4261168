"""Notifications to citizens: written to the ``notifications`` outbox, sent by a pluggable sender.

No SMS gateway is reachable from here; the default sender writes to the log and marks the message sent.
Messages keep their diacritics; a gateway adapter that only takes GSM-7 may transliterate them.
Set ``NOTIFICATION_SENDER`` to a dotted path of a callable ``send(notification) -> None`` for a real gateway.
"""

from __future__ import annotations

import importlib
import logging

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Case, Notification
from ..text import scrub
from ..timeutil import format_date, utcnow
from . import public_cases

log = logging.getLogger("hailong.notify")


def _enqueue(case: Case, body: str) -> None:
    if not case.consent_notify:
        return
    if case.citizen_phone:
        db.session.add(Notification(case_id=case.id, medium="sms", recipient=case.citizen_phone, body=body))
    if case.citizen_email:
        db.session.add(Notification(case_id=case.id, medium="email", recipient=case.citizen_email, body=body))


def on_received(case: Case) -> None:
    view = public_cases.tracking_view(case)  # a message says no more than the tracking page
    _enqueue(case, f"UBND đã tiếp nhận phản ánh của Ông/Bà ngày {format_date(view.received_at)}. "
                   f"Mã tra cứu: {view.tracking_code}. Hạn trả lời: {format_date(view.due_at)}.")


def on_published(case: Case) -> None:
    view = public_cases.tracking_view(case)
    if public_cases.is_public(case):
        _enqueue(case, f"Phản ánh {view.tracking_code} đã có kết quả trả lời. Tra cứu bằng mã {view.tracking_code}.")
        return
    # Not public: the tracking page shows no answer, so the answer goes to the citizen's own contact only.
    _enqueue(case, f"Phản ánh {view.tracking_code} đã có kết quả trả lời (không công khai): "
                   f"{scrub(case.public_answer)[:600]}")


def log_sender(notification: Notification) -> None:
    log.info("notification %s to %s***: %s", notification.medium, notification.recipient[:3], notification.body)


def _sender():
    path = current_app.config.get("NOTIFICATION_SENDER") or "survey_app.services.notify:log_sender"
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def send_pending(limit: int = 500) -> tuple[int, int]:
    """Send what is waiting in the outbox; returns (sent, failed). Failures stay queued with the error."""
    send = _sender()
    sent = failed = 0
    rows = db.session.execute(
        select(Notification).where(Notification.sent_at.is_(None)).order_by(Notification.id).limit(limit)
    ).scalars()
    for notification in rows:
        try:
            send(notification)
        except Exception as exc:  # a gateway failure must not lose the message
            notification.error = str(exc)[:300]
            failed += 1
        else:
            notification.sent_at, notification.error = utcnow(), None
            sent += 1
    return sent, failed
