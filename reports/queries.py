"""The SQL that reads survey data for indices: counts grouped in the database, never rows in Python."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from survey_app.models import Case, SurveyAnswer, SurveyResponse
from survey_app.timeutil import LOCAL_TZ

#: Answers that make a response count as dissatisfied for QĐ 766: overall 1–2, result late, harassment.
DISSATISFIED = [("overall", (1, 2)), ("tt01.on_time", (3,)), ("tt01.harassment", (1,))]


@dataclass(frozen=True)
class SurveyFilter:
    """Which responses count. Dates are local (Asia/Ho_Chi_Minh) days, both ends included."""

    questionnaire_id: int
    unit_ids: tuple[int, ...] | None = None
    centre_id: int | None = None
    counter_id: int | None = None
    officer_id: int | None = None
    channel: str | None = None
    start: date | None = None
    end: date | None = None
    include_suspicious: bool = False
    #: Paper forms not (yet) confirmed by the second-person check are left out unless asked for.
    include_unconfirmed: bool = False

    def conditions(self) -> list:
        r = SurveyResponse
        conds = [r.questionnaire_id == self.questionnaire_id]
        if not self.include_suspicious:
            conds.append(r.suspicious.is_(False))
        if not self.include_unconfirmed:
            conds.append(~r.unconfirmed)
        if self.unit_ids is not None:
            conds.append(r.unit_id.in_(self.unit_ids))
        if self.centre_id is not None:
            conds.append(r.centre_id == self.centre_id)
        if self.counter_id is not None:
            conds.append(r.counter_id == self.counter_id)
        if self.officer_id is not None:
            conds.append(r.officer_id == self.officer_id)
        if self.channel is not None:
            conds.append(r.channel == self.channel)
        if self.start is not None:
            conds.append(r.answered_at >= local_midnight(self.start))
        if self.end is not None:
            conds.append(r.answered_at < local_midnight(self.end + timedelta(days=1)))
        return conds


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=LOCAL_TZ)


def response_count(session: Session, f: SurveyFilter) -> int:
    return int(session.execute(select(func.count()).select_from(SurveyResponse).where(*f.conditions())).scalar())


def answer_counts(session: Session, f: SurveyFilter) -> dict[str, dict[int, int]]:
    """{question_key: {value: count}} over the filtered responses."""
    a, r = SurveyAnswer, SurveyResponse
    rows = session.execute(
        select(a.question_key, a.value, func.count())
        .join(r, r.id == a.response_id)
        .where(*f.conditions(), a.value.is_not(None))
        .group_by(a.question_key, a.value)
    ).all()
    counts: dict[str, dict[int, int]] = {}
    for key, value, count in rows:
        counts.setdefault(key, {})[int(value)] = int(count)
    return counts


def qd766_counts(session: Session, f: SurveyFilter) -> tuple[int, int]:
    """(responses with an overall rating, those among them counted as dissatisfied).

    The overall rating is the response's own copy of it; the dissatisfied answers an uncorrelated ``IN`` subquery,
    evaluated once (a hash semi-join on PostgreSQL, an ephemeral index on SQLite) rather than once per response.
    """
    r, a = SurveyResponse, SurveyAnswer
    bad = select(a.response_id).where(
        or_(*[and_(a.question_key == key, a.value.in_(values)) for key, values in DISSATISFIED]))
    rated = select(func.count()).select_from(r).where(*f.conditions(), r.overall_rating.between(1, 5))
    dissatisfied = rated.where(r.id.in_(bad))
    return int(session.execute(rated).scalar()), int(session.execute(dissatisfied).scalar())


#: Survey questions whose free text is read for topics.
TEXT_QUESTIONS = ("comment", "overall.why")


def _comment_of(answer):
    """A comment among a commune's answers. The key is compared as an expression (``key || ''``) that no index
    serves, so the plan starts from the commune's responses (their (unit, day) index) and reaches their answers by
    response, whatever the statistics say: the plan from the question-key index read every commune's comments
    (1,3 s instead of 0,09 s for one commune of the city's data, after its statistics had been refreshed)."""
    return and_((answer.question_key + "").in_(TEXT_QUESTIONS), answer.text.is_not(None))


def free_texts(session: Session, unit_id: int, start: date, end: date,
               limit: int = 5000) -> list[tuple[str, date, str]]:
    """(text, local day, "survey" | "case") of a commune's survey comments and feedback in the period, newest first.

    Suspicious survey responses are left out, as from every index.
    """
    r, a = SurveyResponse, SurveyAnswer
    surveys = session.execute(
        select(a.text, r.answered_day).join(r, r.id == a.response_id)
        .where(r.unit_id == unit_id, r.suspicious.is_(False), _comment_of(a), r.answered_day >= start,
               r.answered_day <= end)
        .order_by(r.answered_day.desc()).limit(limit)).all()
    cases = session.execute(
        select(Case.content, Case.received_day)
        .where(Case.unit_id == unit_id, Case.received_day >= start, Case.received_day <= end)
        .order_by(Case.received_day.desc()).limit(limit)).all()
    return [(text, day, "survey") for text, day in surveys] + [(text, day, "case") for text, day in cases]


def free_texts_fingerprint(session: Session, unit_id: int, start: date, end: date) -> str:
    """Changes whenever a text of :func:`free_texts` is added or removed (counts and newest ids of both sources)."""
    r, a = SurveyResponse, SurveyAnswer
    surveys = session.execute(
        select(func.count(), func.max(a.id)).join(r, r.id == a.response_id)
        .where(r.unit_id == unit_id, r.suspicious.is_(False), _comment_of(a), r.answered_day >= start,
               r.answered_day <= end)).one()
    cases = session.execute(
        select(func.count(), func.max(Case.id))
        .where(Case.unit_id == unit_id, Case.received_day >= start, Case.received_day <= end)).one()
    return f"s{surveys[0]}:{surveys[1] or 0}/c{cases[0]}:{cases[1] or 0}"
