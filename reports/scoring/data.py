"""The SQL behind the rules: counts grouped in the database (mostly over the rollups), and the evidence rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, extract, func, or_, select
from sqlalchemy.orm import Session

from survey_app.models import (
    ApologyLetter,
    BoxOpening,
    Case,
    CaseEvent,
    CollectionSession,
    Dossier,
    DutyShift,
    Questionnaire,
    RollupResponseCount,
    ServiceCentre,
    SuggestionBox,
    SurveyResponse,
    UnitProfile,
)
from survey_app.timeutil import as_utc

from .asof import AsOf


def profile(session: Session, unit_id: int) -> UnitProfile | None:
    return session.get(UnitProfile, unit_id)


def boxes_with_openings(session: Session, unit_id: int, asof: AsOf) -> list[tuple]:
    """(box id, location kind, location name, installed on, openings in the period) for the boxes installed by the
    end of the period. A box taken down later still counts for the openings it had (its current ``active`` flag
    says nothing about the past); an inactive box without openings is left out."""
    openings = func.count(BoxOpening.id)
    rows = session.execute(
        select(SuggestionBox.id, SuggestionBox.location_kind, SuggestionBox.location_name,
               SuggestionBox.installed_on, openings, SuggestionBox.active)
        .outerjoin(BoxOpening, and_(BoxOpening.box_id == SuggestionBox.id, BoxOpening.opened_on >= asof.start,
                                    BoxOpening.opened_on <= asof.end))
        .where(SuggestionBox.unit_id == unit_id, SuggestionBox.installed_on <= asof.end)
        .group_by(SuggestionBox.id).order_by(SuggestionBox.location_kind, SuggestionBox.location_name)
    ).all()
    return [tuple(r[:5]) for r in rows if r[5] or r[4]]


def duty_channels_by_day(session: Session, unit_id: int, asof: AsOf) -> dict[date, set[str]]:
    rows = session.execute(
        select(DutyShift.day, DutyShift.channel).where(DutyShift.unit_id == unit_id, DutyShift.day >= asof.start,
                                                      DutyShift.day <= asof.end).distinct()
    ).all()
    days: dict[date, set[str]] = {}
    for day, channel in rows:
        days.setdefault(day, set()).add(channel)
    return days


def _received(model, unit_id: int, asof: AsOf) -> list:
    """Received in the period and by the cutoff (a row received later the same day is not known yet)."""
    return [model.unit_id == unit_id, model.received_day >= asof.start, model.received_day <= asof.end,
            model.received_at <= asof.cutoff]


def cases_by_month(session: Session, unit_id: int, channels: list[str], asof: AsOf) -> dict[tuple, int]:
    year, month = extract("year", Case.received_day), extract("month", Case.received_day)
    rows = session.execute(
        select(year, month, func.count()).where(*_received(Case, unit_id, asof), Case.channel.in_(channels))
        .group_by(year, month)
    ).all()
    return {(int(y), int(m)): int(n) for y, m, n in rows}


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


def cases_as_of(session: Session, unit_id: int, channels: list[str], asof: AsOf) -> list[CaseAsOf]:
    """The cases of the channels received in the period, each as it stood at the cutoff (from its event log)."""
    cases = session.execute(
        select(Case.id, Case.tracking_code, Case.channel, Case.received_at, Case.original_due_at, Case.due_at,
               Case.answered_at, Case.published_at)
        .where(*_received(Case, unit_id, asof), Case.channel.in_(channels)).order_by(Case.received_at)
    ).all()
    events: dict[int, list] = {}
    if cases:
        for case_id, kind, at, detail in session.execute(
                select(CaseEvent.case_id, CaseEvent.kind, CaseEvent.at, CaseEvent.detail)
                .join(Case, Case.id == CaseEvent.case_id)
                .where(*_received(Case, unit_id, asof), Case.channel.in_(channels),
                       CaseEvent.kind.in_(("answered", "reopened", "extension_approved")))
                .order_by(CaseEvent.case_id, CaseEvent.at, CaseEvent.id)):
            events.setdefault(case_id, []).append((kind, as_utc(at), detail or {}))
    result = []
    for case_id, code, channel, received, original_due, due, answered, published in cases:
        history = events.get(case_id, [])
        due_then = as_utc(due)
        if any(kind == "extension_approved" for kind, _, _ in history):
            due_then = as_utc(original_due)
            for kind, at, detail in history:
                if kind == "extension_approved" and at <= asof.cutoff and detail.get("new_due_at"):
                    due_then = as_utc(datetime.fromisoformat(detail["new_due_at"]))
        answered_then = asof.known(answered)
        if any(kind in ("answered", "reopened") for kind, _, _ in history):
            answered_then = None
            for kind, at, _ in history:
                if at <= asof.cutoff:
                    answered_then = at if kind == "answered" else None
        result.append(CaseAsOf(code, channel, as_utc(received), due_then, answered_then, asof.known(published)))
    return result


def collection_days(session: Session, unit_id: int, start: date, asof: AsOf) -> list[tuple]:
    """Collection sessions held from ``start`` (the Monday of the first ISO week) to the end of the period."""
    return session.execute(
        select(CollectionSession.held_on, CollectionSession.organisation, CollectionSession.collector,
               CollectionSession.neighbourhood)
        .where(CollectionSession.unit_id == unit_id, CollectionSession.held_on >= start,
               CollectionSession.held_on <= asof.end).order_by(CollectionSession.held_on)
    ).all()


def questionnaire_id(session: Session, code: str) -> int | None:
    return session.execute(select(Questionnaire.id).where(Questionnaire.code == code)).scalar()


def active_centres(session: Session, unit_id: int) -> list[tuple[int, str]]:
    return session.execute(select(ServiceCentre.id, ServiceCentre.name).where(
        ServiceCentre.unit_id == unit_id, ServiceCentre.active.is_(True)).order_by(ServiceCentre.name)).all()


def _unknown_at_cutoff(unit_id: int, questionnaire: int, start: date, asof: AsOf) -> list:
    """Responses the rollups count today (grouped by the day they were answered) that were not yet known at the
    cutoff: stored after it (a kiosk tap queued offline, a paper form keyed later) or a paper form checked after
    it. Subtracted from the rollups' counts, so a score as of D counts what was known at the end of D."""
    r = SurveyResponse
    return [r.unit_id == unit_id, r.questionnaire_id == questionnaire, r.answered_day >= start,
            r.answered_day <= asof.end, r.counted,
            or_(r.received_at > asof.cutoff, and_(r.channel == "paper", r.checked_at > asof.cutoff))]


def responses_by_centre_month(session: Session, unit_id: int, questionnaire: int, asof: AsOf) -> dict[tuple, int]:
    """{(centre id, year, month): valid responses known at the cutoff} from the rollups (suspicious ones and paper
    forms not yet checked excluded)."""
    r = RollupResponseCount
    year, month = extract("year", r.day), extract("month", r.day)
    rows = session.execute(
        select(r.centre_id, year, month, func.sum(r.counted))
        .where(r.unit_id == unit_id, r.questionnaire_id == questionnaire, r.day >= asof.start, r.day <= asof.end)
        .group_by(r.centre_id, year, month)
    ).all()
    counts = {(int(c), int(y), int(m)): int(n) for c, y, m, n in rows}
    s = SurveyResponse
    late_year, late_month = extract("year", s.answered_day), extract("month", s.answered_day)
    for c, y, m, n in session.execute(
            select(s.centre_id, late_year, late_month, func.count())
            .where(*_unknown_at_cutoff(unit_id, questionnaire, asof.start, asof))
            .group_by(s.centre_id, late_year, late_month)):
        key = (int(c), int(y), int(m))
        counts[key] = max(0, counts.get(key, 0) - int(n))
    return counts


def valid_responses(session: Session, unit_id: int, questionnaire: int, start: date, asof: AsOf) -> int:
    """Valid responses known at the cutoff from ``start`` (e.g. the first day of the survey's period) to the end of
    the period."""
    r = RollupResponseCount
    now = int(session.execute(
        select(func.coalesce(func.sum(r.counted), 0))
        .where(r.unit_id == unit_id, r.questionnaire_id == questionnaire, r.day >= start, r.day <= asof.end)
    ).scalar())
    later = int(session.execute(select(func.count()).select_from(SurveyResponse)
                                .where(*_unknown_at_cutoff(unit_id, questionnaire, start, asof))).scalar())
    return max(0, now - later)


def response_rows(session: Session, unit_id: int, questionnaire: int, start: date, asof: AsOf) -> list[tuple]:
    return session.execute(
        select(SurveyResponse.id, SurveyResponse.answered_at, SurveyResponse.centre_id, SurveyResponse.channel,
               SurveyResponse.suspicious)
        .where(SurveyResponse.unit_id == unit_id, SurveyResponse.questionnaire_id == questionnaire,
               SurveyResponse.answered_day >= start, SurveyResponse.answered_day <= asof.end,
               SurveyResponse.answered_at <= asof.cutoff, SurveyResponse.received_at <= asof.cutoff)
        .order_by(SurveyResponse.answered_at)
    ).all()


def _judgeable(unit_id: int, asof: AsOf) -> list:
    """Dossiers received in the period, except those withdrawn or returned unprocessed (not judged)."""
    return [*_received(Dossier, unit_id, asof), or_(Dossier.status.is_(None), Dossier.status != "withdrawn")]


def _settled_by(cutoff: datetime):
    return and_(Dossier.settled_at.is_not(None), Dossier.settled_at <= cutoff)


def _open_at(cutoff: datetime):
    return or_(Dossier.settled_at.is_(None), Dossier.settled_at > cutoff)


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

    @property
    def late(self) -> int:
        return self.late_settled + self.open_past_due

    @property
    def not_yet_due(self) -> int:
        """Open and not yet due: left out, neither on time nor late yet."""
        return self.received - self.judged


def dossier_counts(session: Session, unit_id: int, asof: AsOf) -> DossierCounts:
    c = asof.cutoff
    row = session.execute(select(
        func.count(),
        func.count(case((dossier_decided_condition(c), 1))),
        func.count(case((dossier_late_settled_condition(c), 1))),
        func.count(case((dossier_open_past_due_condition(c), 1))),
    ).select_from(Dossier).where(*_judgeable(unit_id, asof))).one()
    withdrawn = session.execute(select(func.count()).select_from(Dossier).where(
        *_received(Dossier, unit_id, asof), Dossier.status == "withdrawn")).scalar()
    return DossierCounts(*(int(v) for v in row), withdrawn=int(withdrawn))


def late_dossiers(session: Session, unit_id: int, asof: AsOf) -> list[tuple]:
    """(id, code, procedure, received, due, settled as known at the cutoff or None, apology sent on or None)."""
    rows = session.execute(
        select(Dossier.id, Dossier.code, Dossier.procedure, Dossier.received_at, Dossier.due_at, Dossier.settled_at,
               ApologyLetter.sent_on)
        .outerjoin(ApologyLetter, ApologyLetter.dossier_id == Dossier.id)
        .where(*_judgeable(unit_id, asof), dossier_late_condition(asof.cutoff)).order_by(Dossier.received_at)
    ).all()
    return [(i, code, proc, rec, due, asof.known(done), sent if sent is not None and sent <= asof.end else None)
            for i, code, proc, rec, due, done, sent in rows]


def fast_track_dossiers(session: Session, unit_id: int, asof: AsOf) -> list[tuple]:
    """(code, procedure, received, settled as known at the cutoff or None)."""
    rows = session.execute(
        select(Dossier.code, Dossier.procedure, Dossier.received_at, Dossier.settled_at)
        .where(*_judgeable(unit_id, asof), Dossier.fast_track.is_(True)).order_by(Dossier.received_at)
    ).all()
    return [(code, proc, rec, asof.known(done)) for code, proc, rec, done in rows]


def home_dossiers(session: Session, unit_id: int, asof: AsOf) -> list[tuple]:
    """(code, procedure, received, due, settled as known at the cutoff or None)."""
    rows = session.execute(
        select(Dossier.code, Dossier.procedure, Dossier.received_at, Dossier.due_at, Dossier.settled_at)
        .where(*_judgeable(unit_id, asof), Dossier.channel == "home").order_by(Dossier.received_at)
    ).all()
    return [(code, proc, rec, due, asof.known(done)) for code, proc, rec, due, done in rows]


@dataclass(frozen=True)
class EntryAsOf:
    """A staff entry as it stood at the cutoff."""

    points: float
    note: str
    entered_at: datetime


def score_entries(session: Session, unit_id: int, year: int, asof: AsOf) -> dict[str, EntryAsOf]:
    """Each item's staff entry as it stood at the cutoff: the last version saved by then (a cleared entry or one
    first saved later is absent). Entries saved without versions (older data) count from their last save."""
    from survey_app.models import ScoreEntry, ScoreEntryVersion

    v = ScoreEntryVersion
    versions = session.execute(
        select(v.item_code, v.points, v.note, v.entered_at).where(v.unit_id == unit_id, v.year == year)
        .order_by(v.item_code, v.entered_at, v.id)).all()
    result: dict[str, EntryAsOf | None] = {}
    for code, points, note, at in versions:
        if as_utc(at) <= asof.cutoff:
            result[code] = None if points is None else EntryAsOf(points, note or "", as_utc(at))
        else:
            result.setdefault(code, None)
    for e in session.execute(select(ScoreEntry).where(ScoreEntry.unit_id == unit_id, ScoreEntry.year == year)
                             ).scalars():
        if e.item_code not in result and e.entered_at is not None and as_utc(e.entered_at) <= asof.cutoff:
            result[e.item_code] = EntryAsOf(e.points, e.note or "", as_utc(e.entered_at))
    return {code: entry for code, entry in result.items() if entry is not None}


def attachment_counts(session: Session, unit_id: int, year: int, asof: AsOf) -> dict[str, int]:
    from survey_app.models import ScoreAttachment

    a = ScoreAttachment
    rows = session.execute(select(a.item_code, func.count()).where(
        a.unit_id == unit_id, a.year == year, or_(a.uploaded_at.is_(None), a.uploaded_at <= asof.cutoff))
        .group_by(a.item_code)).all()
    return dict(rows)


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


def flags(session: Session, unit_id: int, year: int, asof: AsOf):
    """The disqualifying flags as they stood at the cutoff (a row with one boolean per flag, or None): from their
    versions; older data without versions: the current flags."""
    from survey_app.models import ScoreFlags, ScoreFlagsVersion

    v = ScoreFlagsVersion
    has_versions = session.execute(select(func.count()).select_from(v).where(v.unit_id == unit_id, v.year == year)
                                   ).scalar()
    if has_versions:
        row = session.execute(select(v).where(v.unit_id == unit_id, v.year == year, v.set_at <= asof.cutoff)
                              .order_by(v.set_at.desc(), v.id.desc()).limit(1)).scalar_one_or_none()
    else:
        row = session.execute(select(ScoreFlags).where(ScoreFlags.unit_id == unit_id, ScoreFlags.year == year)
                              ).scalar_one_or_none()
    return row


def overrides(session: Session, table_id: str) -> dict[str, dict]:
    from survey_app.models import ScoringOverride

    return {o.item_code: o.params for o in session.execute(
        select(ScoringOverride).where(ScoringOverride.table_id == table_id)).scalars()}


def commune_parameters(session: Session, table_id: str, unit_id: int) -> dict[str, dict]:
    """The commune's own plan parameters per item (e.g. its survey quarter for 2.7.b)."""
    from survey_app.models import CommuneParameter

    return {p.item_code: p.params for p in session.execute(
        select(CommuneParameter).where(CommuneParameter.table_id == table_id, CommuneParameter.unit_id == unit_id)
    ).scalars()}
