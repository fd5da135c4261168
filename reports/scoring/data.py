"""The SQL behind the rules: counts grouped in the database (mostly over the rollups), and the evidence rows.

Every read takes the communes it is for (a list of unit ids, or None for all of them) and answers per commune:
the city score runs each query once, grouped by commune, and one commune's score is the same query filtered to it
(see :mod:`.reads`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import (
    Integer,
    Select,
    and_,
    case,
    cast,
    exists,
    extract,
    false,
    func,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from reports.jobs import among, pairs_not_in_rollups
from survey_app.models import (
    DUTY_SHIFT_CHANNELS,
    ApologyLetter,
    BoxOpening,
    Case,
    CaseEvent,
    CollectionSession,
    Dossier,
    DutyShift,
    Questionnaire,
    RollupDossierSettlement,
    RollupResponseCount,
    RollupResponseMonth,
    ServiceCentre,
    SuggestionBox,
    SurveyResponse,
    UnitProfile,
)
from survey_app.models.types import local_date
from survey_app.timeutil import LOCAL_TZ, as_utc

from .asof import AsOf

#: which communes a query reads: a list of unit ids, or None for every commune (the one-pass city score)
Units = Sequence[int] | None
#: how many codes a sentence of the guidance names ("… và 12 hồ sơ khác")
FIRST_CODES = 5


def _in(column, units: Units):
    return true() if units is None else column.in_(list(units))


def profiles(session: Session, units: Units) -> dict[int, UnitProfile]:
    return {p.unit_id: p for p in session.execute(select(UnitProfile).where(_in(UnitProfile.unit_id, units))
                                                  ).scalars()}


def boxes_with_openings(session: Session, units: Units, asof: AsOf) -> dict[int, list[tuple]]:
    """Per commune: (box id, location kind, location name, installed on, openings in the period) for the boxes
    installed by the end of the period. A box taken down later still counts for the openings it had (its current
    ``active`` flag says nothing about the past); an inactive box without openings is left out."""
    openings = func.count(BoxOpening.id)
    rows = session.execute(
        select(SuggestionBox.unit_id, SuggestionBox.id, SuggestionBox.location_kind, SuggestionBox.location_name,
               SuggestionBox.installed_on, openings, SuggestionBox.active)
        .outerjoin(BoxOpening, and_(BoxOpening.box_id == SuggestionBox.id, BoxOpening.opened_on >= asof.start,
                                    BoxOpening.opened_on <= asof.end))
        .where(_in(SuggestionBox.unit_id, units), SuggestionBox.installed_on <= asof.end)
        .group_by(SuggestionBox.unit_id, SuggestionBox.id)
        .order_by(SuggestionBox.unit_id, SuggestionBox.location_kind, SuggestionBox.location_name)
    ).all()
    result: dict[int, list[tuple]] = {}
    for r in rows:
        if r[6] or r[5]:
            result.setdefault(r[0], []).append(tuple(r[1:6]))
    return result


#: the channels on duty on a day, as the bits of one number: computed per (commune, day) in the database, so a
#: year of rosters is one row per commune and day (a third of the rows), each read back as a shared frozenset
_DUTY_BITS = {channel: 1 << n for n, channel in enumerate(DUTY_SHIFT_CHANNELS)}
_DUTY_SETS = {mask: frozenset(c for c, bit in _DUTY_BITS.items() if mask & bit)
              for mask in range(1 << len(DUTY_SHIFT_CHANNELS))}


def _duty_by_day(session: Session, units: Units, *where) -> dict[int, dict[date, frozenset[str]]]:
    mask = sum(func.max(case((DutyShift.channel == channel, bit), else_=0)) for channel, bit in _DUTY_BITS.items())
    result: dict[int, dict[date, frozenset[str]]] = {}
    for unit_id, day, bits in session.execute(select(DutyShift.unit_id, DutyShift.day, mask)
                                              .where(_in(DutyShift.unit_id, units), *where)
                                              .group_by(DutyShift.unit_id, DutyShift.day)):
        days = result.get(unit_id)
        if days is None:
            days = result[unit_id] = {}
        days[day] = _DUTY_SETS[int(bits)]
    return result


def duty_channels_by_day(session: Session, units: Units, asof: AsOf) -> dict[int, dict[date, frozenset[str]]]:
    """Per commune, the channels someone was on duty for on each day of the period."""
    return _duty_by_day(session, units, DutyShift.day >= asof.start, DutyShift.day <= asof.end)


def duty_planned(session: Session, units: Units, after: date, until: date) -> dict[int, dict[date, frozenset[str]]]:
    """Per commune, the roster entered for the days after ``after`` up to ``until`` (the plan, not yet duty done)."""
    return _duty_by_day(session, units, DutyShift.day > after, DutyShift.day <= until)


def _weekday(day_column):
    """0 Monday … 6 Sunday (``dow`` is 0 Sunday on both databases)."""
    return (extract("dow", day_column) + 6) % 7


def _received(model, units: Units, asof: AsOf) -> list:
    """Received in the period and by the cutoff (a row received later the same day is not known yet)."""
    return [_in(model.unit_id, units), model.received_day >= asof.start, model.received_day <= asof.end,
            model.received_at <= asof.cutoff]


def cases_by_month(session: Session, units: Units, channels: Sequence[str], asof: AsOf
                   ) -> dict[int, dict[tuple, int]]:
    year, month = extract("year", Case.received_day), extract("month", Case.received_day)
    rows = session.execute(
        select(Case.unit_id, year, month, func.count())
        .where(*_received(Case, units, asof), Case.channel.in_(list(channels)))
        .group_by(Case.unit_id, year, month)
    ).all()
    result: dict[int, dict[tuple, int]] = {}
    for unit_id, y, m, n in rows:
        result.setdefault(unit_id, {})[(int(y), int(m))] = int(n)
    return result


@dataclass(frozen=True)
class CaseAsOf:
    """A case as it stood at the cutoff: its deadline then (extensions approved later are not yet known), its
    answer then (an answer later withdrawn by a reopening still counts; one given later does not)."""

    tracking_code: str
    channel: str
    received_at: datetime
    due_at: datetime
    answered_at: datetime | None
    published_at: datetime | None


#: the events that change what a case stood as: its answer (withdrawn by a reopening) and its deadline
ANSWER_EVENTS = ("answered", "reopened")
EXTENSION_EVENT = "extension_approved"


def _extended():
    """The case had a deadline extension approved (at any time: its deadline at the cutoff is read from the log)."""
    e = aliased(CaseEvent)
    return exists().where(e.case_id == Case.id, e.kind == EXTENSION_EVENT)


def cases_as_of(session: Session, units: Units, channels: Sequence[str], asof: AsOf,
                extended_only: bool = False, with_ids: bool = False) -> dict[int, list]:
    """Per commune, the cases of the channels received in the period, each as it stood at the cutoff (from its
    event log), oldest first: the evidence sheet's rows (one commune, on demand), and the few cases with an
    extended deadline that :func:`case_standing` judges one by one (``extended_only``; ``with_ids``: each as
    (case id, case))."""
    channels = list(channels)
    cases = session.execute(
        select(Case.id, Case.unit_id, Case.tracking_code, Case.channel, Case.received_at, Case.original_due_at,
               Case.due_at, Case.answered_at, Case.published_at)
        .where(*_received(Case, units, asof), Case.channel.in_(channels), _extended() if extended_only else true())
        .order_by(Case.received_at, Case.id)
    ).all()
    events: dict[int, list] = {}
    if cases:
        for case_id, kind, at, detail in session.execute(
                select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.at, CaseEvent.detail)
                .join(Case, Case.id == CaseEvent.case_id)
                .where(*_received(Case, units, asof), Case.channel.in_(channels),
                       _extended() if extended_only else true(),
                       CaseEvent.kind.in_((*ANSWER_EVENTS, EXTENSION_EVENT)))
                .order_by(CaseEvent.case_id, CaseEvent.at, CaseEvent.id)):
            events.setdefault(case_id, []).append((kind, as_utc(at), detail or {}))
    result: dict[int, list[CaseAsOf]] = {}
    for case_id, unit_id, code, channel, received, original_due, due, answered, published in cases:
        history = events.get(case_id, [])
        due_then = as_utc(due)
        if any(kind == EXTENSION_EVENT for kind, _, _ in history):
            due_then = as_utc(original_due)
            for kind, at, detail in history:
                if kind == EXTENSION_EVENT and at <= asof.cutoff and detail.get("new_due_at"):
                    due_then = as_utc(datetime.fromisoformat(detail["new_due_at"]))
        answered_then = asof.known(answered)
        if any(kind in ANSWER_EVENTS for kind, _, _ in history):
            answered_then = None
            for kind, at, _ in history:
                if at <= asof.cutoff:
                    answered_then = at if kind == "answered" else None
        one = CaseAsOf(code, channel, as_utc(received), due_then, answered_then, asof.known(published))
        result.setdefault(unit_id, []).append((case_id, one) if with_ids else one)
    return result


@dataclass(frozen=True)
class CaseStanding:
    """One commune's cases of some channels received in the period, judged as they stood at the cutoff (see
    :class:`CaseAsOf`): answered on time or late by their deadline then, open past it, or open and not yet due."""

    on_time: int = 0
    answered_late: int = 0
    open_past_due: int = 0
    not_yet_due: int = 0
    #: answered by the cutoff and published by then
    published: int = 0
    #: open at the cutoff and not yet due: (tracking code, due), soonest first
    open_cases: tuple[tuple[str, datetime], ...] = ()
    #: answered by the cutoff and not published by then: tracking codes, oldest first
    unpublished: tuple[str, ...] = ()

    @property
    def answered(self) -> int:
        return self.on_time + self.answered_late

    @property
    def decided(self) -> int:
        """Answered, or open past the deadline: the cases judged (open ones not yet due are left out)."""
        return self.answered + self.open_past_due

    def add(self, case: CaseAsOf, cutoff: datetime) -> CaseStanding:
        """These counts with one more case, judged in Python (what the database counts for the others); the
        caller places it in the lists."""
        if case.answered_at is not None:
            late = case.answered_at > case.due_at
            return replace(self, on_time=self.on_time + (not late), answered_late=self.answered_late + late,
                           published=self.published + (case.published_at is not None))
        if case.due_at < cutoff:
            return replace(self, open_past_due=self.open_past_due + 1)
        return replace(self, not_yet_due=self.not_yet_due + 1)


#: a commune without cases of the channels in the period
NO_CASES = CaseStanding()


def _standing(units: Units, channels: list[str], asof: AsOf) -> Select:
    """SQL: the cases of ``channels`` received in the period (those never extended), each with ``answered_then``:
    when it stood answered at the cutoff (NULL: open then). From its log when it has answer events (the last answer
    or reopening by the cutoff decides), else from its answer time if known by then. Each case's log is read
    through the (case, kind, time) index of its events (a few index entries per case), never by scanning the whole
    event log of every commune."""
    e = aliased(CaseEvent)
    answer_events = and_(e.case_id == Case.id, e.kind.in_(ANSWER_EVENTS))
    logged = exists().where(answer_events)
    last_then = (select(case((e.kind == "answered", e.at))).where(answer_events, e.at <= asof.cutoff)
                 .order_by(e.at.desc(), e.id.desc()).limit(1).correlate(Case).scalar_subquery())
    answered_then = case((logged, last_then), else_=case((Case.answered_at <= asof.cutoff, Case.answered_at)))
    return (select(Case.id, Case.unit_id, Case.tracking_code, Case.received_at, Case.due_at, Case.published_at,
                   answered_then.label("answered_then"))
            .where(*_received(Case, units, asof), Case.channel.in_(channels), ~_extended()))


def case_standing(session: Session, units: Units, channels: Sequence[str], asof: AsOf) -> dict[int, CaseStanding]:
    """Per commune, its cases of ``channels`` received in the period as they stood at the cutoff, counted in the
    database (the city's communes in one query, not a row per case in Python). A case whose deadline was extended
    has its deadline then in its log's JSON, which the two databases read differently: those few are judged one by
    one from :func:`cases_as_of`, with the same rule."""
    channels = list(channels)
    cutoff = asof.cutoff
    # one statement: the standing is worked out once (a CTE) and read three times: the counts per commune, the
    # open cases not yet due and the answered ones not yet published (the lists in the per-case reading's order)
    standing = _standing(units, channels, asof).cte("standing")
    c = standing.c
    answered = c.answered_then.is_not(None)
    on_time = and_(answered, c.answered_then <= c.due_at)
    blank = [cast(null(), Integer)] * 5  # typed, so the two databases agree on the union's columns
    lists_first = [
        select(literal("open"), c.unit_id, c.tracking_code, c.due_at, c.received_at, c.id, *blank)
        .where(~answered, c.due_at >= cutoff),
        select(literal("unpublished"), c.unit_id, c.tracking_code, cast(null(), c.due_at.type), c.received_at, c.id,
               *blank).where(answered, or_(c.published_at.is_(None), c.published_at > cutoff)),
        select(literal("counts"), c.unit_id, cast(null(), c.tracking_code.type), cast(null(), c.due_at.type),
               cast(null(), c.received_at.type), cast(null(), Integer),
               func.count(case((on_time, 1))), func.count(case((and_(answered, ~on_time), 1))),
               func.count(case((and_(~answered, c.due_at < cutoff), 1))),
               func.count(case((and_(~answered, c.due_at >= cutoff), 1))),
               func.count(case((and_(answered, c.published_at <= cutoff), 1)))).group_by(c.unit_id)]
    counts: dict[int, CaseStanding] = {}
    open_cases: dict[int, list] = {}
    unpublished: dict[int, list] = {}
    for kind, unit, code, due, received, case_id, *numbers in session.execute(union_all(*lists_first)):
        if kind == "counts":
            counts[unit] = CaseStanding(*(int(n) for n in numbers))
        elif kind == "open":
            open_cases.setdefault(unit, []).append(((as_utc(due), as_utc(received), case_id), code))
        else:
            unpublished.setdefault(unit, []).append(((as_utc(received), case_id), code))
    for unit, cases in cases_as_of(session, units, channels, asof, extended_only=True, with_ids=True).items():
        for case_id, one in cases:
            counts[unit] = counts.get(unit, NO_CASES).add(one, cutoff)
            if one.answered_at is None and one.due_at >= cutoff:
                open_cases.setdefault(unit, []).append(((one.due_at, one.received_at, case_id), one.tracking_code))
            elif one.answered_at is not None and one.published_at is None:
                unpublished.setdefault(unit, []).append(((one.received_at, case_id), one.tracking_code))
    return {unit: replace(c, open_cases=tuple((code, key[0]) for key, code in sorted(open_cases.get(unit, ()))),
                          unpublished=tuple(code for _, code in sorted(unpublished.get(unit, ()))))
            for unit, c in counts.items()}


def collection_days(session: Session, units: Units, start: date, asof: AsOf) -> dict[int, list[tuple]]:
    """Per commune, the collection sessions held from ``start`` (the Monday of the first ISO week) to the end of
    the period: (held on, organisation, collector, neighbourhood)."""
    c = CollectionSession
    result: dict[int, list[tuple]] = {}
    for unit_id, *row in session.execute(
            select(c.unit_id, c.held_on, c.organisation, c.collector, c.neighbourhood)
            .where(_in(c.unit_id, units), c.held_on >= start, c.held_on <= asof.end).order_by(c.held_on, c.id)):
        result.setdefault(unit_id, []).append(tuple(row))
    return result


def questionnaire_id(session: Session, code: str) -> int | None:
    return session.execute(select(Questionnaire.id).where(Questionnaire.code == code)).scalar()


def active_centres(session: Session, units: Units) -> dict[int, list[tuple[int, str]]]:
    result: dict[int, list[tuple[int, str]]] = {}
    for unit_id, centre_id, name in session.execute(
            select(ServiceCentre.unit_id, ServiceCentre.id, ServiceCentre.name)
            .where(_in(ServiceCentre.unit_id, units), ServiceCentre.active.is_(True)).order_by(ServiceCentre.name)):
        result.setdefault(unit_id, []).append((centre_id, name))
    return result


def _unknown_at_cutoff(units: Units, questionnaire: int, start: date, asof: AsOf) -> list:
    """Responses the rollups count today (grouped by the day they were answered) that were not yet known at the
    cutoff: stored after it (a kiosk tap queued offline, a paper form keyed later) or a paper form checked after
    it. Subtracted from the rollups' counts, so a score as of D counts what was known at the end of D."""
    r = SurveyResponse
    return [_in(r.unit_id, units), r.questionnaire_id == questionnaire, r.answered_day >= start,
            r.answered_day <= asof.end, r.counted,
            or_(r.received_at > asof.cutoff, and_(r.channel == "paper", r.checked_at > asof.cutoff))]


def responses_by_centre_month(session: Session, units: Units, questionnaire: int, asof: AsOf
                              ) -> dict[int, dict[tuple, int]]:
    """Per commune, {(centre id, year, month): valid responses known at the cutoff} from the rollups (suspicious
    ones and paper forms not yet checked excluded): the months over by the end of the period from the monthly
    rollup (a row per centre and month), the month in progress from the daily one."""
    result: dict[int, dict[tuple, int]] = {}
    if asof.empty:
        return result
    first_open = asof.end.replace(day=1)  # the month of the period's last day, unless that day ends it
    if (asof.end + timedelta(days=1)).month != asof.end.month:
        first_open = asof.end + timedelta(days=1)
    m = RollupResponseMonth
    whole_months = [and_(m.year == d.year, m.month == d.month) for d in _month_starts(asof.start, first_open)]
    r = RollupResponseCount
    year, month = extract("year", r.day), extract("month", r.day)
    in_progress = (select(r.unit_id, r.centre_id, year, month, func.sum(r.counted))
                   .where(_in(r.unit_id, units), r.questionnaire_id == questionnaire, r.day >= first_open,
                          r.day <= asof.end)
                   .group_by(r.unit_id, r.centre_id, year, month))
    parts = [in_progress]
    if whole_months:
        parts.append(select(m.unit_id, m.centre_id, m.year, m.month, func.sum(m.counted))
                     .where(_in(m.unit_id, units), m.questionnaire_id == questionnaire, or_(*whole_months))
                     .group_by(m.unit_id, m.centre_id, m.year, m.month))
    for u, c, y, mo, n in session.execute(union_all(*parts)):
        result.setdefault(u, {})[(int(c), int(y), int(mo))] = int(n)
    s = SurveyResponse
    late_year, late_month = extract("year", s.answered_day), extract("month", s.answered_day)
    for u, c, y, m, n in session.execute(
            select(s.unit_id, s.centre_id, late_year, late_month, func.count())
            .where(*_unknown_at_cutoff(units, questionnaire, asof.start, asof))
            .group_by(s.unit_id, s.centre_id, late_year, late_month)):
        counts = result.setdefault(u, {})
        key = (int(c), int(y), int(m))
        counts[key] = max(0, counts.get(key, 0) - int(n))
    return result


def _month_starts(first: date, until: date) -> list[date]:
    """The first days of the months from ``first``'s up to, not including, ``until`` (a first of a month)."""
    out, day = [], first.replace(day=1)
    while day < until:
        out.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return out


def valid_responses(session: Session, units: Units, questionnaire: int, start: date, asof: AsOf) -> dict[int, int]:
    """Per commune, the valid responses known at the cutoff from ``start`` (e.g. the first day of the survey's
    period) to the end of the period."""
    r = RollupResponseCount
    result = {int(u): int(n) for u, n in session.execute(
        select(r.unit_id, func.sum(r.counted))
        .where(_in(r.unit_id, units), r.questionnaire_id == questionnaire, r.day >= start, r.day <= asof.end)
        .group_by(r.unit_id))}
    s = SurveyResponse
    for u, n in session.execute(select(s.unit_id, func.count())
                                .where(*_unknown_at_cutoff(units, questionnaire, start, asof)).group_by(s.unit_id)):
        result[u] = max(0, result.get(u, 0) - int(n))
    return result


def response_rows(session: Session, unit_id: int, questionnaire: int, start: date, asof: AsOf) -> list[tuple]:
    """The rows behind one commune's count (evidence, read on demand, so never for every commune at once)."""
    return session.execute(
        select(SurveyResponse.id, SurveyResponse.answered_at, SurveyResponse.centre_id, SurveyResponse.channel,
               SurveyResponse.suspicious)
        .where(SurveyResponse.unit_id == unit_id, SurveyResponse.questionnaire_id == questionnaire,
               SurveyResponse.answered_day >= start, SurveyResponse.answered_day <= asof.end,
               SurveyResponse.answered_at <= asof.cutoff, SurveyResponse.received_at <= asof.cutoff)
        .order_by(SurveyResponse.answered_at)
    ).all()


def _judgeable(units: Units, asof: AsOf) -> list:
    """Dossiers received in the period, except those withdrawn or returned unprocessed (not judged)."""
    return [*_received(Dossier, units, asof), Dossier.judged]


def _settled_by(cutoff: datetime):
    return and_(Dossier.settled_at.is_not(None), Dossier.settled_at <= cutoff)


def _open_at(cutoff: datetime):
    return or_(Dossier.settled_at.is_(None), Dossier.settled_at > cutoff)


def _late_or_open(cutoff: datetime):
    """Implied by "late at the cutoff" and by "open at the cutoff", in the shape the indexes answer (the partial
    index of late dossiers, the index on the time of settlement): the few rows the late and open lists read are
    found there, not by reading the whole period."""
    return or_(Dossier.settled_at > Dossier.due_at, Dossier.settled_at.is_(None), Dossier.settled_at > cutoff)


def dossier_late_settled_condition(cutoff: datetime):
    """Settled by the cutoff, after its due date."""
    return and_(_settled_by(cutoff), Dossier.settled_at > Dossier.due_at)


def dossier_open_past_due_condition(cutoff: datetime):
    """Still open at the cutoff (a settlement after it is not known yet) and its due date has passed."""
    return and_(_open_at(cutoff), Dossier.due_at < cutoff)


def dossier_late_condition(cutoff: datetime):
    """Late at the cutoff: settled after the due date, or still open past it."""
    return or_(dossier_late_settled_condition(cutoff), dossier_open_past_due_condition(cutoff))


def dossier_decided_condition(cutoff: datetime):
    """Counted: settled by the cutoff, or still open past the due date (open dossiers not yet due are not judged)."""
    return or_(_settled_by(cutoff), Dossier.due_at < cutoff)


@dataclass(frozen=True)
class DossierCounts:
    """The dossiers received in the period, as they stood at the cutoff."""

    received: int
    #: settled, or open past the due date: the ones judged
    judged: int
    #: settled by the cutoff after their due date
    late_settled: int
    #: still open at the cutoff, past their due date
    open_past_due: int
    #: withdrawn or returned unprocessed ("Trạng thái" in the export): left out
    withdrawn: int = 0
    #: late ones with an apology letter sent by the end of the period (Tiêu chí 2.4.e)
    apologised: int = 0

    @property
    def late(self) -> int:
        return self.late_settled + self.open_past_due

    @property
    def not_yet_due(self) -> int:
        """Open and not yet due: left out, neither on time nor late yet."""
        return self.received - self.judged


def _with_letters(query, asof: AsOf):
    """``query`` over dossiers with each one's apology letter sent by the end of the period (at most one per
    dossier), joined once (a hash join, not a lookup per dossier): :data:`ApologyLetter.id` is NULL without one."""
    return query.outerjoin(ApologyLetter, and_(ApologyLetter.dossier_id == Dossier.id,
                                               ApologyLetter.sent_on <= asof.end))


#: a commune without dossiers in the period
NO_DOSSIERS = DossierCounts(0, 0, 0, 0)


def late_dossiers(session: Session, units: Units, asof: AsOf) -> dict[int, list[tuple]]:
    """Per commune: (id, code, procedure, received, due, settled as known at the cutoff or None, apology sent on
    or None)."""
    result: dict[int, list[tuple]] = {}
    for unit_id, i, code, proc, rec, due, done, sent in session.execute(
            select(Dossier.unit_id, Dossier.id, Dossier.code, Dossier.procedure, Dossier.received_at, Dossier.due_at,
                   Dossier.settled_at, ApologyLetter.sent_on)
            .outerjoin(ApologyLetter, ApologyLetter.dossier_id == Dossier.id)
            .where(*_judgeable(units, asof), _late_or_open(asof.cutoff), dossier_late_condition(asof.cutoff))
            .order_by(Dossier.received_at, Dossier.id)):
        result.setdefault(unit_id, []).append(
            (i, code, proc, rec, due, asof.known(done), sent if sent is not None and sent <= asof.end else None))
    return result


def fast_track_dossiers(session: Session, units: Units, asof: AsOf) -> dict[int, list[tuple]]:
    """Per commune: (code, procedure, received, settled as known at the cutoff or None)."""
    result: dict[int, list[tuple]] = {}
    for unit_id, code, proc, rec, done in session.execute(
            select(Dossier.unit_id, Dossier.code, Dossier.procedure, Dossier.received_at, Dossier.settled_at)
            .where(*_judgeable(units, asof), Dossier.fast_track.is_(True)).order_by(Dossier.received_at, Dossier.id)):
        result.setdefault(unit_id, []).append((code, proc, rec, asof.known(done)))
    return result


def home_dossiers(session: Session, units: Units, asof: AsOf) -> dict[int, list[tuple]]:
    """Per commune: (code, procedure, received, due, settled as known at the cutoff or None)."""
    result: dict[int, list[tuple]] = {}
    for unit_id, code, proc, rec, due, done in session.execute(
            select(Dossier.unit_id, Dossier.code, Dossier.procedure, Dossier.received_at, Dossier.due_at,
                   Dossier.settled_at)
            .where(*_judgeable(units, asof), Dossier.channel == "home").order_by(Dossier.received_at, Dossier.id)):
        result.setdefault(unit_id, []).append((code, proc, rec, due, asof.known(done)))
    return result


@dataclass(frozen=True)
class FastTrack:
    """A commune's fast-track dossiers (Tiêu chí 2.1) received in the period, by local weekday of receipt
    (0 Monday … 6 Sunday): how many, and how many settled the same local day by the cutoff."""

    received: dict[int, int]
    same_day: dict[int, int]

    @property
    def total(self) -> int:
        return sum(self.received.values())


NO_FAST_TRACK = FastTrack({}, {})


@dataclass(frozen=True)
class HomeService:
    """A commune's home-delivery requests (Tiêu chí 2.2) received in the period, as they stood at the cutoff."""

    requests: int = 0
    served: int = 0
    #: open at the cutoff and past the due date
    unserved: int = 0
    #: open and not yet due, and the soonest due date among them
    waiting: int = 0
    waiting_due: datetime | None = None


NO_HOME = HomeService()


@dataclass(frozen=True)
class DossierFigures:
    """What the dossier rules count for a commune: on time and late (2.8, 2.4.e), fast-track days (2.1), home
    service (2.2)."""

    counts: DossierCounts
    fast_track: FastTrack
    home: HomeService


def dossier_figures(session: Session, units: Units, asof: AsOf) -> dict[int, DossierFigures]:
    """Per commune (those with dossiers in the period): every count of every dossier rule.

    A dossier settled before the local day of the cutoff counts the same in every rule whatever the cutoff after
    it: those are read from :class:`RollupDossierSettlement` (a row per day of receipt and day of settlement),
    except the (day, commune) pairs changed since the last refresh. The rest (still open at the cutoff, settled on
    its day, received on its day, or in a changed pair) are read from the raw rows, found by the index on the time
    of settlement: each property a rule reads worked out once per dossier and the dossiers grouped by commune and
    those properties (a few dozen groups a commune). Together the two parts are every dossier of the period once.
    The late ones with an apology letter are counted from the letters' side (a few rows). The local day of a
    settlement is :func:`local_date` of its time (Vietnam's offset is fixed)."""
    c = asof.cutoff
    tallies: dict[int, _DossierTally] = {}
    raw = [*_received(Dossier, units, asof)]
    changed = pairs_not_in_rollups(session, units)
    if changed is not None and not asof.empty:
        today = c.astimezone(LOCAL_TZ).date()  # the cutoff's local day: settlements on it may come after it
        midnight = datetime.combine(today, datetime.min.time(), LOCAL_TZ).astimezone(UTC)
        r = RollupDossierSettlement
        weekday = _weekday(r.day)
        for unit_id, day, *sums in session.execute(
                select(r.unit_id, weekday, *(func.sum(column) for column in (
                    r.judged, r.withdrawn, r.late, r.home, r.fast, r.fast_same_day)))
                .where(_in(r.unit_id, units), r.day >= asof.start, r.day < today, r.settled_day < today,
                       ~among(r.day, r.unit_id, changed) if changed else true())
                .group_by(r.unit_id, weekday)):
            tallies.setdefault(unit_id, _DossierTally()).add_settled(int(day), *(int(n) for n in sums))
        raw.append(or_(Dossier.received_day >= today, Dossier.settled_at.is_(None), Dossier.settled_at >= midnight,
                       among(Dossier.received_day, Dossier.unit_id, changed) if changed else false()))
    fast = Dossier.fast_track.is_(True)
    weekday = _weekday(Dossier.received_day)
    properties = (
        Dossier.judged.label("judged"),
        _settled_by(c).label("settled"),
        (Dossier.settled_at > Dossier.due_at).label("after_due"),  # read only for the settled ones
        (Dossier.due_at < c).label("past_due"),
        (Dossier.channel == "home").label("home"),
        case((fast, weekday)).label("fast_weekday"),  # NULL unless fast track
        and_(fast, _settled_by(c), local_date(Dossier.settled_at) == Dossier.received_day).label("same_day"),
    )
    for unit_id, judged, settled, after_due, past_due, home, fast_weekday, same_day, n, soonest in session.execute(
            select(Dossier.unit_id, *properties, func.count(), func.min(Dossier.due_at))
            .where(*raw).group_by(Dossier.unit_id, *properties)):
        tally = tallies.setdefault(unit_id, _DossierTally())
        tally.add(bool(judged), bool(settled), bool(after_due), bool(past_due), bool(home),
                  None if fast_weekday is None else int(fast_weekday), bool(same_day), int(n), soonest)
    # the letters' side: the few late dossiers that have one, each reached by its key
    apologised = dict(session.execute(
        select(Dossier.unit_id, func.count()).select_from(ApologyLetter)
        .join(Dossier, Dossier.id == ApologyLetter.dossier_id)
        .where(ApologyLetter.sent_on <= asof.end, *_judgeable(units, asof), dossier_late_condition(c))
        .group_by(Dossier.unit_id)).all())
    return {unit_id: tally.figures(int(apologised.get(unit_id, 0))) for unit_id, tally in tallies.items()}


@dataclass
class _DossierTally:
    """A commune's dossier counts summed over its groups of dossiers alike in every property the rules read."""

    received: int = 0
    judged: int = 0
    late_settled: int = 0
    open_past_due: int = 0
    withdrawn: int = 0
    home: list[int] = field(default_factory=lambda: [0, 0, 0, 0])  # requests, served, unserved, waiting
    waiting_due: datetime | None = None
    fast: dict[int, int] = field(default_factory=dict)
    fast_same_day: dict[int, int] = field(default_factory=dict)

    def add(self, judged: bool, settled: bool, after_due: bool, past_due: bool, home: bool,
            fast_weekday: int | None, same_day: bool, n: int, soonest_due) -> None:
        if not judged:  # withdrawn or returned unprocessed: left out of every rule
            self.withdrawn += n
            return
        self.received += n
        # settled by the cutoff, or open past the due date (an open one not yet due is not judged yet)
        self.judged += n if settled or past_due else 0
        self.late_settled += n if settled and after_due else 0
        self.open_past_due += n if not settled and past_due else 0
        if home:
            waiting = not settled and not past_due
            for i, counted in enumerate((True, settled, not settled and past_due, waiting)):
                self.home[i] += n if counted else 0
            if waiting:
                due = as_utc(soonest_due)
                self.waiting_due = due if self.waiting_due is None else min(self.waiting_due, due)
        if fast_weekday is not None:
            self.fast[fast_weekday] = self.fast.get(fast_weekday, 0) + n
            if same_day:
                self.fast_same_day[fast_weekday] = self.fast_same_day.get(fast_weekday, 0) + n

    def add_settled(self, weekday: int, judged: int, withdrawn: int, late: int, home: int, fast: int,
                    fast_same_day: int) -> None:
        """Dossiers settled before the cutoff's day, received on ``weekday`` (a :class:`RollupDossierSettlement`
        sum): each one judged, on time or late, a home request served, a fast-track one maybe the same day."""
        self.withdrawn += withdrawn
        self.received += judged
        self.judged += judged
        self.late_settled += late
        self.home[0] += home
        self.home[1] += home
        if fast:
            self.fast[weekday] = self.fast.get(weekday, 0) + fast
        if fast_same_day:
            self.fast_same_day[weekday] = self.fast_same_day.get(weekday, 0) + fast_same_day

    def figures(self, apologised: int) -> DossierFigures:
        return DossierFigures(
            DossierCounts(self.received, self.judged, self.late_settled, self.open_past_due,
                          withdrawn=self.withdrawn, apologised=apologised),
            FastTrack(self.fast, self.fast_same_day), HomeService(*self.home, self.waiting_due))


NO_FIGURES = DossierFigures(NO_DOSSIERS, NO_FAST_TRACK, NO_HOME)


@dataclass(frozen=True)
class DossierLists:
    """The dossiers the guidance names for a commune: the first few late ones without an apology letter and the
    first few home requests waiting (oldest first), and every open one falling due by a limit (soonest first)."""

    unapologised: tuple[str, ...] = ()
    home_waiting: tuple[str, ...] = ()
    due_soon: tuple[tuple[str, datetime], ...] = ()


NO_LISTS = DossierLists()


def dossier_lists(session: Session, units: Units, asof: AsOf, due_by: datetime) -> dict[int, DossierLists]:
    """Per commune, :class:`DossierLists`, in one pass: each dossier tagged with its list, numbered within it."""
    c = asof.cutoff
    is_open = and_(_open_at(c), Dossier.due_at >= c)
    tag = case((dossier_late_condition(c), "unapologised"),
               (and_(is_open, Dossier.channel == "home"), "home_waiting"), else_="due_soon")
    rank = func.row_number().over(partition_by=(Dossier.unit_id, tag), order_by=(Dossier.received_at, Dossier.id))
    tagged = (_with_letters(select(Dossier.unit_id, tag.label("tag"), Dossier.code, Dossier.due_at, Dossier.id,
                                   is_open.label("is_open"), rank.label("rank")), asof)
              .where(*_judgeable(units, asof), _late_or_open(c), or_(
                  and_(dossier_late_condition(c), ApologyLetter.id.is_(None)),
                  and_(is_open, or_(Dossier.channel == "home", Dossier.due_at <= due_by))))).subquery()
    t = tagged.c
    found: dict[int, dict[str, list]] = {}
    # a home request both waiting and due soon is in both lists: numbered in the first, listed whole in the second
    for unit_id, tag_, code, due, dossier_id, open_ in session.execute(
            select(t.unit_id, t.tag, t.code, t.due_at, t.id, t.is_open)
            .where(or_(t.rank <= FIRST_CODES, and_(t.is_open, t.due_at <= due_by))).order_by(t.unit_id, t.rank)):
        lists = found.setdefault(unit_id, {"unapologised": [], "home_waiting": [], "due_soon": []})
        if tag_ == "unapologised":
            lists["unapologised"].append(code)
            continue
        if tag_ == "home_waiting" and len(lists["home_waiting"]) < FIRST_CODES:
            lists["home_waiting"].append(code)
        if open_ and as_utc(due) <= due_by:
            lists["due_soon"].append((as_utc(due), dossier_id, code))
    return {unit_id: DossierLists(tuple(lists["unapologised"]), tuple(lists["home_waiting"]),
                                  tuple((code, due) for due, _, code in sorted(lists["due_soon"])))
            for unit_id, lists in found.items()}


@dataclass(frozen=True)
class EntryAsOf:
    """A staff entry as it stood at the cutoff."""

    points: float
    note: str
    entered_at: datetime


def score_entries(session: Session, units: Units, year: int, asof: AsOf) -> dict[int, dict[str, EntryAsOf]]:
    """Per commune, each item's staff entry as it stood at the cutoff: the last version saved by then (a cleared
    entry or one first saved later is absent). Entries saved without versions (older data) count from their last
    save."""
    from survey_app.models import ScoreEntry, ScoreEntryVersion

    v = ScoreEntryVersion
    seen: dict[int, dict[str, EntryAsOf | None]] = {}
    for unit_id, code, points, note, at in session.execute(
            select(v.unit_id, v.item_code, v.points, v.note, v.entered_at).where(_in(v.unit_id, units), v.year == year)
            .order_by(v.unit_id, v.item_code, v.entered_at, v.id)):
        result = seen.setdefault(unit_id, {})
        if as_utc(at) <= asof.cutoff:
            result[code] = None if points is None else EntryAsOf(points, note or "", as_utc(at))
        else:
            result.setdefault(code, None)
    e = ScoreEntry
    for unit_id, code, points, note, at in session.execute(
            select(e.unit_id, e.item_code, e.points, e.note, e.entered_at)
            .where(_in(e.unit_id, units), e.year == year)):
        result = seen.setdefault(unit_id, {})
        if code not in result and at is not None and as_utc(at) <= asof.cutoff:
            result[code] = EntryAsOf(points, note or "", as_utc(at))
    return {unit_id: {code: entry for code, entry in entries.items() if entry is not None}
            for unit_id, entries in seen.items()}


def attachment_counts(session: Session, units: Units, year: int, asof: AsOf) -> dict[int, dict[str, int]]:
    from survey_app.models import ScoreAttachment

    a = ScoreAttachment
    result: dict[int, dict[str, int]] = {}
    for unit_id, code, n in session.execute(select(a.unit_id, a.item_code, func.count()).where(
            _in(a.unit_id, units), a.year == year, or_(a.uploaded_at.is_(None), a.uploaded_at <= asof.cutoff))
            .group_by(a.unit_id, a.item_code)):
        result.setdefault(unit_id, {})[code] = int(n)
    return result


def attachment_list(session: Session, unit_id: int, year: int) -> dict[str, list]:
    """Each item's evidence files as they are now (id, name, size, upload time; not the bytes), oldest first: the
    score page lists them to manage, the appraiser's page to read."""
    from survey_app.models import ScoreAttachment

    a = ScoreAttachment
    found: dict[str, list] = {}
    for row in session.execute(select(a.id, a.item_code, a.filename, a.size, a.uploaded_at)
                               .where(a.unit_id == unit_id, a.year == year).order_by(a.uploaded_at, a.id)):
        found.setdefault(row.item_code, []).append(row)
    return found


def flags(session: Session, units: Units, year: int, asof: AsOf) -> dict[int, object]:
    """Per commune, the disqualifying flags as they stood at the cutoff (a row with one boolean per flag; absent:
    none raised): from their versions; a commune with older data without versions: its current flags."""
    from survey_app.models import ScoreFlags, ScoreFlagsVersion

    v = ScoreFlagsVersion
    result: dict[int, object] = {}
    versioned: set[int] = set()
    for row in session.execute(select(v).where(_in(v.unit_id, units), v.year == year)
                               .order_by(v.unit_id, v.set_at, v.id)).scalars():
        versioned.add(row.unit_id)
        if as_utc(row.set_at) <= asof.cutoff:
            result[row.unit_id] = row
    for row in session.execute(select(ScoreFlags).where(_in(ScoreFlags.unit_id, units), ScoreFlags.year == year)
                               ).scalars():
        if row.unit_id not in versioned:
            result[row.unit_id] = row
    return result


def overrides(session: Session, table_id: str) -> dict[str, dict]:
    from survey_app.models import ScoringOverride

    return {o.item_code: o.params for o in session.execute(
        select(ScoringOverride).where(ScoringOverride.table_id == table_id)).scalars()}


def commune_parameters_by_unit(session: Session, units: Units, table_id: str) -> dict[int, dict[str, dict]]:
    """Per commune, its own plan parameters per item (e.g. its survey quarter for 2.7.b)."""
    from survey_app.models import CommuneParameter

    result: dict[int, dict[str, dict]] = {}
    for p in session.execute(select(CommuneParameter).where(CommuneParameter.table_id == table_id,
                                                            _in(CommuneParameter.unit_id, units))).scalars():
        result.setdefault(p.unit_id, {})[p.item_code] = p.params
    return result


def commune_parameters(session: Session, table_id: str, unit_id: int) -> dict[str, dict]:
    """One commune's own plan parameters per item."""
    return commune_parameters_by_unit(session, [unit_id], table_id).get(unit_id, {})
