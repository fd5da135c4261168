"""Staff alerts: the situations a commune's staff must act on, raised by the worker's schedule.

Each alert has a unique key naming the situation ("case_overdue:42:2026-11-27"), so it is raised once however
often the checks run, on however many hosts. It goes to the users responsible in that commune only (the case's
assignee when there is one, else the commune's administrators and staff): in the in-app list, and by e-mail to
those who have an address (through the outbox, so delivery is retried like any message). Any of them can
acknowledge it. Flushes; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from ..models import (
    AdminUnit,
    ApologyLetter,
    Case,
    CollectionSession,
    Dossier,
    Kiosk,
    Notification,
    Role,
    StaffAlert,
    SurveyAnswer,
    SurveyResponse,
    User,
)
from ..models.cases import OPEN_STATES
from ..timeutil import as_utc, format_date, local_day, utcnow
from . import workdays

KINDS = {
    "new_case": "Phản ánh mới",
    "case_due_soon": "Sắp đến hạn trả lời",
    "case_overdue": "Quá hạn trả lời",
    "kiosk_silent": "Máy đánh giá mất liên lạc",
    "survey_alarm": "Đánh giá cần xem ngay",
    "no_collection": "Tuần chưa có buổi thu thập ý kiến",
    "apology_missing": "Hồ sơ quá hạn chưa có thư xin lỗi",
    "weekly_digest": "Bản tin tuần: lộ trình đạt chuẩn",
}
#: A case is "due soon" when its deadline falls within this many working days.
DUE_SOON_WORKING_DAYS = 3
#: How far back the event checks look (a worker stopped for a weekend still raises what happened).
LOOK_BACK = timedelta(days=3)
#: "Rất không hài lòng" on the five-level overall rating; "Có" to harassment or an unofficial payment.
VERY_UNHAPPY = 1
HARASSMENT_KEY, HARASSMENT_YES = "tt01.harassment", 1
RESPONSIBLE_ROLES = (Role.COMMUNE_ADMIN.value, Role.COMMUNE_STAFF.value)


@dataclass(frozen=True)
class Candidate:
    unit_id: int
    kind: str
    key: str
    title: str
    link: str = ""
    user_id: int | None = None
    #: the e-mail's text when it says more than the title (the weekly digest)
    body: str = ""


def _raise(session: Session, candidates: list[Candidate]) -> int:
    """Insert the alerts whose key is new and queue their e-mails; returns how many were raised."""
    if not candidates:
        return 0
    keys = [c.key for c in candidates]
    known: set[str] = set()
    for start in range(0, len(keys), 500):
        known.update(session.execute(select(StaffAlert.key).where(StaffAlert.key.in_(keys[start:start + 500])))
                     .scalars())
    raised = 0
    for c in candidates:
        if c.key in known:
            continue
        known.add(c.key)
        try:
            with session.begin_nested():
                session.add(StaffAlert(unit_id=c.unit_id, kind=c.kind, key=c.key, title=c.title[:300],
                                       link=c.link, user_id=c.user_id))
        except IntegrityError:  # raised meanwhile by another process
            continue
        _email(session, c)
        raised += 1
    session.flush()
    return raised


def raise_alerts(session: Session, candidates: list[Candidate]) -> int:
    """Raise alerts built elsewhere (the weekly digest of the schedule): once per key, like every check's."""
    return _raise(session, candidates)


def _city_id():
    """The city's own unit (the one without a parent): where its alerts, e.g. the city's weekly digest, are kept."""
    return select(AdminUnit.id).where(AdminUnit.parent_id.is_(None)).order_by(AdminUnit.id).limit(1)


def _city_unit_id(session: Session) -> int | None:
    return session.execute(_city_id()).scalar()


def responsible_users(session: Session, unit_id: int, user_id: int | None) -> list[User]:
    if unit_id == _city_unit_id(session):  # the city's own alerts go to the city-wide roles
        return list(session.execute(select(User).where(
            User.active.is_(True), User.unit_id.is_(None),
            User.role.in_((Role.CITY_ADMIN.value, Role.CITY_APPRAISER.value))).order_by(User.id)).scalars())
    query = select(User).where(User.active.is_(True), User.unit_id == unit_id)
    query = query.where(User.id == user_id) if user_id else query.where(User.role.in_(RESPONSIBLE_ROLES))
    return list(session.execute(query.order_by(User.id)).scalars())


def _email(session: Session, c: Candidate) -> None:
    from flask import current_app

    unit = session.get(AdminUnit, c.unit_id)
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    link = f"\nXem: {base}{c.link}" if base and c.link else ""
    for user in responsible_users(session, c.unit_id, c.user_id):
        if user.email:
            session.add(Notification(unit_id=c.unit_id, medium="email", recipient=user.email,
                                     subject=f"[Hài Lòng] {KINDS[c.kind]} – {unit.full_name}"[:200],
                                     body=f"{c.body or c.title}{link}\n— Hệ thống Hài Lòng, {unit.full_name}"))


# -- the checks ------------------------------------------------------------------------------------------------


def _case_link(case_id: int) -> str:
    return f"/admin/inbox/{case_id}"


def case_candidates(session: Session, now: datetime) -> list[Candidate]:
    """New cases, cases due within 3 working days, overdue cases (open ones only)."""
    out: list[Candidate] = []
    c = Case
    for case in session.execute(select(c).where(c.received_at >= now - LOOK_BACK, c.merged_into_id.is_(None))
                                .order_by(c.id)).scalars():
        out.append(Candidate(case.unit_id, "new_case", f"new_case:{case.id}",
                             f"Phản ánh mới {case.tracking_code}, hạn trả lời {format_date(case.due_at)}.",
                             _case_link(case.id), case.assignee_id))
    soon = workdays.end_of_local_day(workdays.add_working_days(local_day(now), DUE_SOON_WORKING_DAYS))
    for case in session.execute(select(c).where(c.state.in_(OPEN_STATES), c.due_at <= soon)
                                .order_by(c.id)).scalars():
        due = format_date(case.due_at)
        if as_utc(case.due_at) < now:
            out.append(Candidate(case.unit_id, "case_overdue", f"case_overdue:{case.id}:{local_day(case.due_at)}",
                                 f"Phản ánh {case.tracking_code} đã quá hạn trả lời (hạn {due}).",
                                 _case_link(case.id), case.assignee_id))
        else:
            out.append(Candidate(case.unit_id, "case_due_soon", f"case_due_soon:{case.id}:{local_day(case.due_at)}",
                                 f"Phản ánh {case.tracking_code} đến hạn trả lời ngày {due}.",
                                 _case_link(case.id), case.assignee_id))
    return out


def survey_candidates(session: Session, now: datetime) -> list[Candidate]:
    """Survey responses rated "Rất không hài lòng" or reporting harassment or an unofficial payment."""
    r, a = SurveyResponse, aliased(SurveyAnswer)
    alarm = or_(and_(a.question_key == "overall", a.value == VERY_UNHAPPY),
                and_(a.question_key == HARASSMENT_KEY, a.value == HARASSMENT_YES))
    rows = session.execute(select(r.id, r.unit_id, r.answered_at, func.max(a.question_key))
                           .join(a, a.response_id == r.id)
                           .where(r.received_at >= now - LOOK_BACK, r.suspicious.is_(False), alarm)
                           .group_by(r.id, r.unit_id, r.answered_at).order_by(r.id)).all()
    codes = dict(session.execute(select(AdminUnit.id, AdminUnit.code)).all())
    out = []
    for response_id, unit_id, answered_at, key in rows:
        what = ("báo bị gây phiền hà, sách nhiễu hoặc yêu cầu nộp tiền ngoài quy định" if key == HARASSMENT_KEY
                else "đánh giá “Rất không hài lòng”")
        out.append(Candidate(unit_id, "survey_alarm", f"survey_alarm:{response_id}",
                             f"Phiếu khảo sát ngày {format_date(answered_at)} {what}.",
                             f"/dashboard/{codes.get(unit_id, '')}"))
    return out


def _communes(session: Session) -> list[AdminUnit]:
    return list(session.execute(select(AdminUnit).where(AdminUnit.parent_id.is_not(None),
                                                        AdminUnit.active.is_(True)).order_by(AdminUnit.id)).scalars())


def kiosk_candidates(session: Session, now: datetime) -> list[Candidate]:
    """Paired kiosks that have not called in for more than a working day."""
    today = local_day(now)
    out = []
    for kiosk in session.execute(select(Kiosk).where(Kiosk.active.is_(True), Kiosk.revoked_at.is_(None),
                                                     Kiosk.device_hash.is_not(None))).scalars():
        seen = kiosk.last_seen_at or kiosk.paired_at
        if seen is None:
            continue
        seen_day = local_day(seen)
        # Silent for more than a working day: a whole working day passed between the last contact and today.
        if seen_day < today - timedelta(days=1) and workdays.working_days_between(
                seen_day + timedelta(days=1), today - timedelta(days=1)):
            out.append(Candidate(kiosk.unit_id, "kiosk_silent", f"kiosk_silent:{kiosk.id}:{seen.isoformat()}",
                                 f"Máy đánh giá “{kiosk.name}” không liên lạc từ {format_date(seen)}.",
                                 "/admin/kiosks/"))
    return out


def collection_candidates(session: Session, today: date) -> list[Candidate]:
    """On the week's last working day (or after), communes with no weekly collection session yet (item 1.2.d)."""
    monday = today - timedelta(days=today.weekday())
    sunday = monday + timedelta(days=6)
    if workdays.working_days_between(today + timedelta(days=1), sunday):
        return []  # working days remain this week
    year, week, _ = today.isocalendar()
    held = set(session.execute(select(CollectionSession.unit_id).where(
        CollectionSession.held_on.between(monday, sunday))).scalars())
    return [Candidate(unit.id, "no_collection", f"no_collection:{unit.id}:{year}-W{week:02d}",
                      f"Tuần {week}/{year} ({format_date(monday)}–{format_date(sunday)}) chưa có buổi thu thập ý "
                      "kiến qua MTTQ, các tổ chức chính trị - xã hội, tổ dân phố.", "/admin/inbox/collections")
            for unit in _communes(session) if unit.id not in held]


def apology_candidates(session: Session, now: datetime) -> list[Candidate]:
    """Dossiers that went past their due date in the last week without a sent apology letter (item 2.4.e)."""
    d = Dossier
    late = or_(d.settled_at > d.due_at, and_(d.settled_at.is_(None), d.due_at < now))
    letter = exists().where(ApologyLetter.dossier_id == d.id, ApologyLetter.sent_on.is_not(None))
    rows = session.execute(select(d.id, d.unit_id, d.code, d.due_at).where(
        d.due_at >= now - timedelta(days=7), d.due_at < now, late, ~letter).order_by(d.id)).all()
    return [Candidate(unit_id, "apology_missing", f"apology_missing:{dossier_id}",
                      f"Hồ sơ {code} quá hạn (hẹn trả {format_date(due)}) chưa có thư xin lỗi.",
                      f"/admin/dossiers/{unit_id}/late") for dossier_id, unit_id, code, due in rows]


def check_events(session: Session, now: datetime | None = None) -> int:
    """The frequent checks: cases (new, due soon, overdue) and alarming survey responses."""
    now = now or utcnow()
    return _raise(session, case_candidates(session, now) + survey_candidates(session, now))


def check_daily(session: Session, now: datetime | None = None) -> int:
    """The daily checks: silent kiosks, a week ending without a collection session, missing apology letters."""
    now = now or utcnow()
    return _raise(session, kiosk_candidates(session, now) + collection_candidates(session, local_day(now))
                  + apology_candidates(session, now))


# -- what a user sees --------------------------------------------------------------------------------------------


def visible_to(user: User):
    """The alerts addressed to ``user``: their commune's, and of those assigned to someone, only their own (the
    commune's administrators see all of their commune's). City-wide roles see the city's own (the weekly digest
    of all communes)."""
    if user.unit_id is None:
        return select(StaffAlert).where(StaffAlert.unit_id == _city_id().scalar_subquery())
    query = select(StaffAlert).where(StaffAlert.unit_id == user.unit_id)
    if user.role != Role.COMMUNE_ADMIN.value:
        query = query.where(or_(StaffAlert.user_id.is_(None), StaffAlert.user_id == user.id))
    return query


def open_count(session: Session, user: User) -> int:
    return session.execute(select(func.count()).select_from(
        visible_to(user).where(StaffAlert.acknowledged_at.is_(None)).subquery())).scalar()


def acknowledge(session: Session, user: User, alert_id: int) -> StaffAlert | None:
    alert = session.execute(visible_to(user).where(StaffAlert.id == alert_id)).scalar_one_or_none()
    if alert is not None and alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by_id = utcnow(), user.id
        session.flush()
    return alert

