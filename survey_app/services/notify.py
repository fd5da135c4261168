"""Notifications to citizens: written to the ``notifications`` outbox in the request's transaction, sent later
by the worker's schedule (:mod:`survey_app.services.delivery`) through the senders of
:mod:`survey_app.services.senders` (SMTP e-mail, SMS and Zalo ZNS gateways).

A message says no more than the public tracking page (the tracking code, the state, dates, the commune's name and
the tracking link); an answer that is not public goes to the citizen's own contact only. Messages keep their
diacritics.
"""

from __future__ import annotations

from flask import current_app, has_request_context, url_for

from ..extensions import db
from ..models import AdminUnit, Case, Notification
from ..text import scrub
from ..timeutil import format_date
from . import public_cases


def tracking_link(tracking_code: str) -> str:
    """The public tracking page of a case: on ``HAILONG_PUBLIC_URL``, else on the request's host."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return f"{base.rstrip('/')}/tra-cuu?code={tracking_code}"
    if has_request_context():
        return url_for("feedback.lookup", code=tracking_code, _external=True)
    return ""


def phone_medium() -> str:
    """Zalo ZNS when its gateway is configured (most citizens use Zalo), else SMS."""
    return "zalo" if current_app.config.get("ZALO_GATEWAY_URL") else "sms"


def _enqueue(case: Case, body: str) -> None:
    if not case.consent_notify:
        return
    unit = db.session.get(AdminUnit, case.unit_id)
    link = tracking_link(case.tracking_code)
    text = body + (f" Theo dõi: {link}" if link else "") + f"\n— UBND {unit.full_name}"
    subject = f"UBND {unit.full_name}: phản ánh {case.tracking_code}"
    for medium, recipient in ((phone_medium(), case.citizen_phone), ("email", case.citizen_email)):
        if recipient:
            db.session.add(Notification(case_id=case.id, unit_id=case.unit_id, medium=medium, recipient=recipient,
                                        subject=subject[:200], body=text))


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

