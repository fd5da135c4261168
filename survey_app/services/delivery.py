"""The outbox's delivery: claim waiting messages atomically, send each through its medium's sender, record the
outcome at once, retry temporary failures with backoff and record permanent ones with their reason.

Nothing is sent twice: a row is claimed by one conditional UPDATE (``pending`` → ``sending``) before it is sent
and marked ``sent`` in its own transaction right after. A claim left behind by a worker that stopped mid-send is
not sent again (it may have left): it is marked failed with that reason for staff to check.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from ..models import AdminUnit, Case, Notification
from ..models.cases import CaseState
from ..timeutil import utcnow
from . import senders as senders_module
from .notify import tracking_link
from .senders import DeliveryError, OutgoingMessage, PermanentFailure, Sender, TemporaryFailure

log = logging.getLogger("hailong.delivery")

#: Tries before a temporary failure becomes permanent, and the wait after each try.
MAX_ATTEMPTS = 5
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
#: A claim older than this belongs to a worker that stopped while sending.
STALE_CLAIM = timedelta(minutes=15)


@dataclass
class DeliveryResult:
    sent: int = 0
    retry: int = 0
    failed: int = 0


def backoff(attempts: int) -> timedelta:
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


def claim(session: Session, now: datetime, limit: int) -> list[int]:
    """Claim up to ``limit`` messages that are due (committed); returns their ids, oldest first."""
    engine = session.get_bind()
    me = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"[:120]
    n = Notification
    with engine.begin() as conn:
        conn.execute(update(n).where(n.status == "sending", n.claimed_at < now - STALE_CLAIM).values(
            status="failed", failed_at=now,
            error="Bị gián đoạn khi đang gửi (máy xử lý dừng): không gửi lại để tránh gửi hai lần, hãy kiểm tra."))
    with engine.begin() as conn:
        ids = conn.execute(select(n.id).where(n.status == "pending", or_(n.next_attempt_at.is_(None),
                                                                         n.next_attempt_at <= now))
                           .order_by(n.id).limit(limit)).scalars().all()
        if not ids:
            return []
        conn.execute(update(n).where(n.id.in_(ids), n.status == "pending")
                     .values(status="sending", claimed_by=me, claimed_at=now))
    with engine.begin() as conn:
        return list(conn.execute(select(n.id).where(n.id.in_(ids), n.status == "sending", n.claimed_by == me)
                                 .order_by(n.id)).scalars())


def _message(session: Session, row: Notification) -> OutgoingMessage:
    data: dict = {}
    if row.case_id is not None:
        case = session.get(Case, row.case_id)
        unit = session.get(AdminUnit, case.unit_id)
        data = {"tracking_code": case.tracking_code, "status": CaseState(case.state).label,
                "commune": unit.full_name, "link": tracking_link(case.tracking_code)}
    return OutgoingMessage(medium=row.medium, recipient=row.recipient, subject=row.subject or "Hài Lòng",
                           body=row.body, reference=f"hailong-{row.id}", data=data)


def _record(session: Session, row_id: int, **values) -> None:
    with session.get_bind().begin() as conn:
        conn.execute(update(Notification).where(Notification.id == row_id).values(**values))


def deliver_pending(session: Session, now: datetime | None = None, limit: int = 200,
                    senders: dict[str, Sender] | None = None) -> DeliveryResult:
    """Send what is due in the outbox; every outcome is committed as it happens."""
    now = now or utcnow()
    senders = senders if senders is not None else senders_module.from_config(current_app.config)
    result = DeliveryResult()
    down: dict[str, str] = {}
    for row_id in claim(session, now, limit):
        row = session.get(Notification, row_id)
        session.refresh(row)
        attempts = row.attempts + 1
        if row.medium in down:  # this medium's server is unreachable right now: the message waits, untried
            _record(session, row_id, status="pending", claimed_by=None, claimed_at=None,
                    next_attempt_at=now + backoff(1), error=down[row.medium][:300])
            result.retry += 1
            continue
        sender = senders.get(row.medium)
        try:
            if sender is None:
                raise PermanentFailure(f"Chưa cấu hình bộ gửi {row.medium} "
                                       f"({senders_module.SETTING.get(row.medium, 'NOTIFICATION_SENDER')}).")
            sender.send(_message(session, row))
        except TemporaryFailure as exc:
            reason = str(exc)[:300]
            if attempts >= MAX_ATTEMPTS:
                _record(session, row_id, status="failed", attempts=attempts, failed_at=utcnow(),
                        error=f"Thất bại sau {attempts} lần thử: {reason}"[:300])
                result.failed += 1
            else:
                _record(session, row_id, status="pending", attempts=attempts, claimed_by=None, claimed_at=None,
                        next_attempt_at=now + backoff(attempts), error=reason)
                result.retry += 1
            down[row.medium] = reason
            log.warning("notification %s (%s) not sent, attempt %s: %s", row_id, row.medium, attempts, reason)
        except DeliveryError as exc:
            _record(session, row_id, status="failed", attempts=attempts, failed_at=utcnow(), error=str(exc)[:300])
            result.failed += 1
            log.warning("notification %s (%s) failed: %s", row_id, row.medium, exc)
        except Exception as exc:  # a broken adapter must not stop the queue; the row keeps the cause
            _record(session, row_id, status="failed", attempts=attempts, failed_at=utcnow(),
                    error=f"Lỗi bộ gửi: {type(exc).__name__}: {exc}"[:300])
            result.failed += 1
            log.exception("notification %s: sender error", row_id)
        else:
            _record(session, row_id, status="sent", attempts=attempts, sent_at=utcnow(), error=None)
            result.sent += 1
        session.expire(row)
    return result
