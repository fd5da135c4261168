"""What the dashboards and the public transparency page show, read from the rollup tables (never the raw rows,
except the handful of recent comments and the live count of open cases) and turned into indices by the same pure
functions as the reports (:mod:`reports.metrics.sipas`) and scores (the cached :func:`reports.scoring.engine.score`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, extract, func, or_, select
from sqlalchemy.orm import Session

from survey_app.models import (
    AdminUnit,
    Case,
    CaseState,
    Counter,
    Officer,
    RollupAnswerMonth,
    RollupCase,
    RollupCaseLatency,
    RollupCaseMonth,
    RollupRating,
    RollupResponse,
    RollupResponseCount,
    RollupResponseMonth,
    ScoreCache,
    ScoreSubmission,
    ServiceCentre,
    SurveyAnswer,
    SurveyResponse,
)
from survey_app.timeutil import utcnow

from .metrics.sipas import CriterionIndex, SipasResult, criterion, sipas
from .queries import local_midnight
from .rollup_cache import rollup_rows

#: Channels as people call them.
CHANNEL_LABELS = {"qr": "Mã QR", "web": "Trang web", "kiosk": "Máy đánh giá", "paper": "Phiếu giấy",
                  "app": "Ứng dụng", "hotline": "Đường dây nóng", "zalo": "Zalo", "facebook": "Facebook",
                  "email": "Thư điện tử", "box": "Hòm thư góp ý", "reception": "Tiếp công dân",
                  "collection": "Thu thập hằng tuần", "open311": "Ứng dụng (Open311)"}
DIMENSIONS = {"centre": "Trung tâm", "counter": "Quầy", "officer": "Công chức", "channel": "Kênh đánh giá",
              "field": "Lĩnh vực thủ tục", "group.age": "Độ tuổi", "group.gender": "Giới tính",
              "group.first_visit": "Lần đầu đến trung tâm"}
OPEN_STATES = tuple(s.value for s in CaseState if s.type == "open")
DUE_SOON = timedelta(days=3)


@dataclass(frozen=True)
class Period:
    """Local days, both ends included; the commune (None: the whole city) and optionally one centre."""

    start: date
    end: date
    unit_id: int | None = None
    centre_id: int | None = None

    def day_conditions(self, table) -> list:
        conds = [table.day >= self.start, table.day <= self.end]
        if self.unit_id is not None:
            conds.append(table.unit_id == self.unit_id)
        if self.centre_id is not None and hasattr(table, "centre_id"):
            conds.append(table.centre_id == self.centre_id)
        return conds


def months_between(start: date, end: date) -> list[tuple[int, int]]:
    months, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


# -- satisfaction --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthPoint:
    year: int
    month: int
    responses: int
    result: SipasResult

    @property
    def label(self) -> str:
        return f"{self.month:02d}/{self.year}"


def valid_responses(session: Session, questionnaire_id: int, p: Period, by=None) -> dict:
    """{group: responses (suspicious excluded)} from the response counts; group is () when ``by`` is None."""
    r = RollupResponseCount
    columns = list(by or [])
    rows = rollup_rows(session, select(*columns, func.sum(r.counted))
                           .where(*p.day_conditions(r), r.questionnaire_id == questionnaire_id)
                           .group_by(*columns))
    return {tuple(row[:-1]): int(row[-1] or 0) for row in rows}


def suspicious_count(session: Session, questionnaire_id: int, p: Period) -> int:
    r = RollupResponseCount
    return int(rollup_rows(session, select(func.coalesce(func.sum(r.suspicious), 0)).where(
        *p.day_conditions(r), r.questionnaire_id == questionnaire_id))[0][0])


def unconfirmed_count(session: Session, questionnaire_id: int, p: Period) -> int:
    """Paper forms stored but not counted: waiting for the second-person check, or found wrong by it."""
    r = RollupResponseCount
    return int(rollup_rows(session, select(func.coalesce(func.sum(r.unconfirmed), 0)).where(
        *p.day_conditions(r), r.questionnaire_id == questionnaire_id))[0][0])


@dataclass(frozen=True)
class CommuneSatisfaction:
    overall: SipasResult
    responses: int
    months: list[MonthPoint]
    centres: list[tuple]


def commune_satisfaction(session: Session, definition, questionnaire_id: int, p: Period) -> CommuneSatisfaction:
    """The period's SIPAS, month by month and centre by centre, from one GROUP BY over the commune's daily rows
    (and one over its response counts): the three views are sums of the same small result."""
    a, r = RollupResponse, RollupResponseCount
    ay, am = extract("year", a.day), extract("month", a.day)
    rows = rollup_rows(session, select(ay, am, a.centre_id, a.question_key, a.value, func.sum(a.count))
                           .where(*p.day_conditions(a), a.questionnaire_id == questionnaire_id)
                           .group_by(ay, am, a.centre_id, a.question_key, a.value))
    ry, rm = extract("year", r.day), extract("month", r.day)
    counted = rollup_rows(session, select(ry, rm, r.centre_id, func.sum(r.counted))
                              .where(*p.day_conditions(r), r.questionnaire_id == questionnaire_id)
                              .group_by(ry, rm, r.centre_id))
    total: dict = defaultdict(lambda: defaultdict(int))
    by_month: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    by_centre: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for y, m, centre, key, value, count in rows:
        y, m, value, count = int(y), int(m), int(value), int(count)
        total[key][value] += count
        by_month[(y, m)][key][value] += count
        by_centre[centre][key][value] += count
    month_n: dict = defaultdict(int)
    centre_n: dict = defaultdict(int)
    for y, m, centre, n in counted:
        month_n[(int(y), int(m))] += int(n or 0)
        centre_n[centre] += int(n or 0)
    names = dict(session.execute(select(ServiceCentre.id, ServiceCentre.name)
                                 .where(ServiceCentre.id.in_(list(by_centre) or [0]))).all())
    return CommuneSatisfaction(
        overall=sipas(definition, total, sum(month_n.values())), responses=sum(month_n.values()),
        months=[MonthPoint(y, m, month_n.get((y, m), 0), sipas(definition, by_month.get((y, m), {}),
                                                                month_n.get((y, m), 0)))
                for y, m in months_between(p.start, p.end)],
        centres=sorted(((names.get(c, "?"), centre_n.get(c, 0), sipas(definition, counts, centre_n.get(c, 0)))
                        for c, counts in by_centre.items()), key=lambda t: t[0]))


@dataclass(frozen=True)
class Breakdown:
    key: str
    label: str
    rating: CriterionIndex

    @property
    def share(self) -> float | None:
        return self.rating.share


def ratings_by(session: Session, definition, questionnaire_id: int, p: Period, dimension: str) -> list[Breakdown]:
    """The overall rating's satisfaction share for each value of a breakdown (counter, officer, channel, …)."""
    r = RollupRating
    rows = rollup_rows(session, select(r.key, r.value, func.sum(r.count))
                           .where(*p.day_conditions(r), r.questionnaire_id == questionnaire_id,
                                  r.dimension == dimension).group_by(r.key, r.value))
    counts: dict[str, dict[int, int]] = defaultdict(dict)
    for key, value, count in rows:
        counts[key][int(value)] = int(count)
    labels = _breakdown_labels(session, definition, dimension, list(counts))
    out = [Breakdown(k, labels.get(k, k or "Không rõ"), criterion(k, labels.get(k, k), v)) for k, v in counts.items()]
    order = list(labels)  # an answer's options in the questionnaire's order; names and numbers alphabetically
    if dimension.startswith("group."):
        return sorted(out, key=lambda b: order.index(b.key) if b.key in order else len(order))
    return sorted(out, key=lambda b: (b.key in ("0", ""), b.label))


def _breakdown_labels(session: Session, definition, dimension: str, keys: list[str]) -> dict[str, str]:
    ids = [int(k) for k in keys if k.isdigit() and k != "0"]
    if dimension == "counter":
        rows = session.execute(select(Counter.id, Counter.number, Counter.label).where(Counter.id.in_(ids or [0])))
        return {"0": "Không gắn quầy", **{str(i): f"Quầy {n}" + (f" – {lb}" if lb else "") for i, n, lb in rows}}
    if dimension == "officer":
        rows = session.execute(select(Officer.id, Officer.full_name).where(Officer.id.in_(ids or [0])))
        return {"0": "Không gắn công chức", **{str(i): name for i, name in rows}}
    if dimension == "channel":
        return {k: CHANNEL_LABELS.get(k, k) for k in keys}
    if dimension == "field":
        return {"": "Không rõ (phiếu không ghi mã hồ sơ)"}
    question = definition.questions.get(dimension)
    if question is not None:
        return {str(value): text for value, text in sorted(question.choices("vi"))}
    return {}


def lowest_criteria(result: SipasResult, limit: int = 5) -> list[CriterionIndex]:
    criteria = [c for e in result.elements for c in e.criteria if c.share is not None]
    return sorted(criteria, key=lambda c: (c.share, -c.n))[:limit]


@dataclass(frozen=True)
class Comment:
    at: datetime
    overall: int | None
    text: str


RECENT = timedelta(days=30)


def recent_comments(session: Session, questionnaire_id: int, p: Period, negative_only: bool = False,
                    limit: int = 20) -> list[Comment]:
    """The newest comments of the period's last 30 days (a few raw rows, newest first), phone numbers and e-mail
    addresses hidden. The window keeps the read to one commune's recent responses at any scale."""
    since = max(p.start, p.end - RECENT)
    from survey_app.text import scrub

    r, text = SurveyResponse, SurveyAnswer
    query = (select(r.answered_at, r.overall_rating, text.text)
             .join(text, and_(text.response_id == r.id, text.question_key.in_(("comment", "overall.why")),
                              text.text.is_not(None), text.text != ""))
             .where(r.questionnaire_id == questionnaire_id, r.counted,
                    r.answered_at >= local_midnight(since), r.answered_at < local_midnight(p.end + timedelta(days=1)))
             .order_by(r.answered_at.desc(), r.id.desc()).limit(limit))
    if p.unit_id is not None:
        query = query.where(r.unit_id == p.unit_id)
    if p.centre_id is not None:
        query = query.where(r.centre_id == p.centre_id)
    if negative_only:
        query = query.where(r.overall_rating.between(1, 2))
    return [Comment(at, int(v) if v is not None else None, scrub(t)) for at, v, t in session.execute(query)]


# -- feedback handling ---------------------------------------------------------------------------------------------


@dataclass
class FeedbackStats:
    received: int = 0
    answered: int = 0
    answered_on_time: int = 0
    published: int = 0
    rated: int = 0
    rated_unhappy: int = 0
    open: int = 0
    due_soon: int = 0
    overdue: int = 0
    median_days: float | None = None
    weekly: dict[date, dict[str, int]] = field(default_factory=dict)

    @property
    def on_time_share(self) -> float | None:
        return self.answered_on_time / self.answered if self.answered else None

    @property
    def published_share(self) -> float | None:
        return self.published / self.answered if self.answered else None

    @property
    def late(self) -> int:
        return self.answered - self.answered_on_time

    @property
    def happy_share(self) -> float | None:
        return (self.rated - self.rated_unhappy) / self.rated if self.rated else None


def median_from_histogram(histogram: dict[int, int]) -> float | None:
    total = sum(histogram.values())
    if not total:
        return None
    ordered = sorted(histogram.items())
    position, seen = (total - 1) / 2, 0
    low = high = None
    for value, count in ordered:
        if low is None and seen + count > int(position):
            low = value
        if seen + count > int(position + 0.5):
            high = value
            break
        seen += count
    return (low + high) / 2


def open_cases(session: Session, unit_ids: list[int] | None, now: datetime | None = None) -> dict[int, tuple]:
    """{unit: (open, due within 3 days, overdue)} live from the cases (the deadline passes without a row changing)."""
    now = now or utcnow()
    c = Case
    conds = [c.state.in_(OPEN_STATES)]
    if unit_ids is not None:
        conds.append(c.unit_id.in_(unit_ids))
    overdue = func.sum(case((c.due_at < now, 1), else_=0))
    soon = func.sum(case((and_(c.due_at >= now, c.due_at < now + DUE_SOON), 1), else_=0))
    rows = session.execute(select(c.unit_id, func.count(), soon, overdue).where(*conds).group_by(c.unit_id)).all()
    return {u: (int(n), int(s or 0), int(o or 0)) for u, n, s, o in rows}


def feedback(session: Session, p: Period) -> FeedbackStats:
    r = RollupCase
    totals = rollup_rows(session, select(
        func.coalesce(func.sum(r.received), 0), func.coalesce(func.sum(r.answered), 0),
        func.coalesce(func.sum(r.answered_on_time), 0), func.coalesce(func.sum(r.published), 0),
        func.coalesce(func.sum(r.rated), 0), func.coalesce(func.sum(r.rated_unhappy), 0))
        .where(*p.day_conditions(r)))[0]
    stats = FeedbackStats(*[int(v) for v in totals])
    for day, channel, n in rollup_rows(session, select(r.day, r.channel, func.sum(r.received))
                                           .where(*p.day_conditions(r)).group_by(r.day, r.channel)):
        monday = day - timedelta(days=day.weekday())
        week = stats.weekly.setdefault(monday, {})
        week[channel] = week.get(channel, 0) + int(n)
    latency = RollupCaseLatency
    histogram = dict(rollup_rows(session, select(latency.days, func.sum(latency.count))
                                     .where(*p.day_conditions(latency)).group_by(latency.days)))
    stats.median_days = median_from_histogram({int(k): int(v) for k, v in histogram.items()})
    live = open_cases(session, [p.unit_id] if p.unit_id is not None else None)
    stats.open = sum(v[0] for v in live.values())
    stats.due_soon = sum(v[1] for v in live.values())
    stats.overdue = sum(v[2] for v in live.values())
    return stats


# -- the city ------------------------------------------------------------------------------------------------------


@dataclass
class CommuneRow:
    unit: AdminUnit
    responses: int = 0
    satisfaction: float | None = None
    cases: int = 0
    answered: int = 0
    answered_on_time: int = 0
    self_score: float | None = None
    self_level: str | None = None
    score_at: datetime | None = None
    #: items of the self-score still blank
    blank: int | None = None
    appraised: float | None = None
    appraised_level: str | None = None
    rated: int = 0
    rated_unhappy: int = 0
    open: int = 0
    open_overdue: int = 0

    @property
    def happy_share(self) -> float | None:
        return (self.rated - self.rated_unhappy) / self.rated if self.rated else None

    @property
    def on_time_share(self) -> float | None:
        return self.answered_on_time / self.answered if self.answered else None

    @property
    def level(self) -> str | None:
        return self.appraised_level or self.self_level


def month_conditions(table, start: date, end: date) -> list:
    months = months_between(start, end)
    return [or_(*[and_(table.year == y, table.month == m) for y, m in months])]


def satisfaction_by_unit(session: Session, definition, questionnaire_id: int, start: date, end: date
                         ) -> dict[int, SipasResult]:
    """SIPAS per commune over whole months (the monthly rollup: 114 communes in one small GROUP BY)."""
    a = RollupAnswerMonth
    counts = _shares(rollup_rows(session, select(a.unit_id, a.question_key, func.sum(a.satisfied), func.sum(a.valid))
                                     .where(*month_conditions(a, start, end), a.questionnaire_id == questionnaire_id)
                                     .group_by(a.unit_id, a.question_key)))
    return {unit: sipas(definition, per_unit, 0) for unit, per_unit in counts.items()}


def _shares(rows) -> dict:
    """{group: {question: counts}} from (group, question, satisfied, valid) rows, as the counts SIPAS reads: the
    satisfied answers as 5, the other valid ones as 1. The indices (shares) are exact; the mean score is not known
    at this grain and is not shown on the pages that use it."""
    out: dict = defaultdict(dict)
    for group, key, satisfied, valid in rows:
        out[group][key] = {5: int(satisfied or 0), 1: int(valid or 0) - int(satisfied or 0)}
    return out


def city_rows(session: Session, definition, questionnaire_id: int, year: int, start: date, end: date
              ) -> list[CommuneRow]:
    units = session.execute(select(AdminUnit).where(AdminUnit.parent_id.is_not(None), AdminUnit.active.is_(True))
                            .order_by(AdminUnit.name)).scalars().all()
    rows = {u.id: CommuneRow(u) for u in units}
    rm = RollupResponseMonth
    for unit_id, n in rollup_rows(session, select(rm.unit_id, func.sum(rm.counted))
                                      .where(*month_conditions(rm, start, end), rm.questionnaire_id == questionnaire_id)
                                      .group_by(rm.unit_id)):
        if unit_id in rows:
            rows[unit_id].responses = int(n or 0)
    for unit_id, result in satisfaction_by_unit(session, definition, questionnaire_id, start, end).items():
        if unit_id in rows:
            rows[unit_id].satisfaction = result.index
    c = RollupCaseMonth
    for unit_id, received, answered, on_time, rated, unhappy in rollup_rows(session,
            select(c.unit_id, func.sum(c.received), func.sum(c.answered), func.sum(c.answered_on_time),
                   func.sum(c.rated), func.sum(c.rated_unhappy))
            .where(*month_conditions(c, start, end)).group_by(c.unit_id)):
        if unit_id in rows:
            row = rows[unit_id]
            row.cases, row.answered, row.answered_on_time = int(received), int(answered), int(on_time)
            row.rated, row.rated_unhappy = int(rated or 0), int(unhappy or 0)
    for unit_id, (open_count, _soon, overdue) in open_cases(session, None).items():
        if unit_id in rows:
            rows[unit_id].open, rows[unit_id].open_overdue = open_count, overdue
    for unit_id, total, level, computed_at, blank in session.execute(
            select(ScoreCache.unit_id, ScoreCache.total, ScoreCache.level, ScoreCache.computed_at, ScoreCache.blank)
            .where(ScoreCache.year == year)).all():  # not the cached items: totals are all this table shows
        if unit_id in rows:
            rows[unit_id].self_score, rows[unit_id].self_level, rows[unit_id].score_at = total, level, computed_at
            rows[unit_id].blank = blank
    for sub in session.execute(select(ScoreSubmission).where(ScoreSubmission.year == year)).scalars():
        if sub.unit_id in rows and sub.locked:
            rows[sub.unit_id].appraised, rows[sub.unit_id].appraised_level = sub.appraised_total, sub.appraised_level
    return list(rows.values())


def city_trend(session: Session, definition, questionnaire_id: int, start: date, end: date) -> list[tuple]:
    """(month label, responses, SIPAS index, cases received) for every month, city-wide."""
    a = RollupAnswerMonth
    counts = _shares(rollup_rows(session, select(a.year * 100 + a.month, a.question_key, func.sum(a.satisfied),
                                            func.sum(a.valid))
                                     .where(*month_conditions(a, start, end), a.questionnaire_id == questionnaire_id)
                                     .group_by(a.year, a.month, a.question_key)))
    r = RollupResponseMonth
    responses = {(int(y), int(m)): int(n or 0) for y, m, n in rollup_rows(session,
        select(r.year, r.month, func.sum(r.counted))
        .where(*month_conditions(r, start, end), r.questionnaire_id == questionnaire_id).group_by(r.year, r.month))}
    c = RollupCaseMonth
    cases = {(int(y), int(m)): int(n or 0) for y, m, n in rollup_rows(session,
        select(c.year, c.month, func.sum(c.received)).where(*month_conditions(c, start, end))
        .group_by(c.year, c.month))}
    out = []
    for y, m in months_between(start, end):
        result = sipas(definition, counts.get(y * 100 + m, {}), responses.get((y, m), 0))
        out.append((f"{m:02d}/{y}", responses.get((y, m), 0), result.index, cases.get((y, m), 0)))
    return out

