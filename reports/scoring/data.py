"""The SQL behind the rules: counts grouped in the database (mostly over the rollups), and the evidence rows."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, extract, func, or_, select
from sqlalchemy.orm import Session

from survey_app.models import (
    ApologyLetter,
    BoxOpening,
    Case,
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


def profile(session: Session, unit_id: int) -> UnitProfile | None:
    return session.get(UnitProfile, unit_id)


def boxes_with_openings(session: Session, unit_id: int, start: date, end: date) -> list[tuple]:
    """(box id, location kind, location name, installed on, openings in the period)."""
    openings = func.count(BoxOpening.id)
    return session.execute(
        select(SuggestionBox.id, SuggestionBox.location_kind, SuggestionBox.location_name,
               SuggestionBox.installed_on, openings)
        .outerjoin(BoxOpening, and_(BoxOpening.box_id == SuggestionBox.id, BoxOpening.opened_on >= start,
                                    BoxOpening.opened_on <= end))
        .where(SuggestionBox.unit_id == unit_id, SuggestionBox.active.is_(True), SuggestionBox.installed_on <= end)
        .group_by(SuggestionBox.id).order_by(SuggestionBox.location_kind, SuggestionBox.location_name)
    ).all()


def duty_channels_by_day(session: Session, unit_id: int, start: date, end: date) -> dict[date, set[str]]:
    rows = session.execute(
        select(DutyShift.day, DutyShift.channel).where(DutyShift.unit_id == unit_id, DutyShift.day >= start,
                                                      DutyShift.day <= end).distinct()
    ).all()
    days: dict[date, set[str]] = {}
    for day, channel in rows:
        days.setdefault(day, set()).add(channel)
    return days


def cases_by_month(session: Session, unit_id: int, channels: list[str], start: date, end: date) -> dict[tuple, int]:
    year, month = extract("year", Case.received_day), extract("month", Case.received_day)
    rows = session.execute(
        select(year, month, func.count()).where(Case.unit_id == unit_id, Case.channel.in_(channels),
                                                Case.received_day >= start, Case.received_day <= end)
        .group_by(year, month)
    ).all()
    return {(int(y), int(m)): int(n) for y, m, n in rows}


def case_handling(session: Session, unit_id: int, channels: list[str], start: date, end: date,
                  now: datetime) -> tuple[int, int, int, int]:
    """(cases whose deadline has come or that were answered, of those answered on time, answered, published)."""
    base = [Case.unit_id == unit_id, Case.channel.in_(channels), Case.received_day >= start,
            Case.received_day <= end]
    decided = or_(Case.answered_at.is_not(None), Case.due_at < now)
    count = lambda *conds: int(session.execute(  # noqa: E731
        select(func.count()).select_from(Case).where(*base, *conds)).scalar())
    return (count(decided), count(Case.answered_at.is_not(None), Case.answered_at <= Case.due_at),
            count(Case.answered_at.is_not(None)), count(Case.published_at.is_not(None)))


def case_rows(session: Session, unit_id: int, channels: list[str], start: date, end: date) -> list[tuple]:
    return session.execute(
        select(Case.tracking_code, Case.channel, Case.received_at, Case.due_at, Case.answered_at, Case.published_at)
        .where(Case.unit_id == unit_id, Case.channel.in_(channels), Case.received_day >= start,
               Case.received_day <= end).order_by(Case.received_at)
    ).all()


def collection_days(session: Session, unit_id: int, start: date, end: date) -> list[tuple]:
    return session.execute(
        select(CollectionSession.held_on, CollectionSession.organisation, CollectionSession.collector,
               CollectionSession.neighbourhood)
        .where(CollectionSession.unit_id == unit_id, CollectionSession.held_on >= start,
               CollectionSession.held_on <= end).order_by(CollectionSession.held_on)
    ).all()


def questionnaire_id(session: Session, code: str) -> int | None:
    return session.execute(select(Questionnaire.id).where(Questionnaire.code == code)).scalar()


def active_centres(session: Session, unit_id: int) -> list[tuple[int, str]]:
    return session.execute(select(ServiceCentre.id, ServiceCentre.name).where(
        ServiceCentre.unit_id == unit_id, ServiceCentre.active.is_(True)).order_by(ServiceCentre.name)).all()


def responses_by_centre_month(session: Session, unit_id: int, questionnaire: int, start: date,
                              end: date) -> dict[tuple, int]:
    """{(centre id, year, month): valid responses} from the rollups (suspicious ones excluded)."""
    r = RollupResponseCount
    year, month = extract("year", r.day), extract("month", r.day)
    rows = session.execute(
        select(r.centre_id, year, month, func.sum(r.counted))
        .where(r.unit_id == unit_id, r.questionnaire_id == questionnaire, r.day >= start, r.day <= end)
        .group_by(r.centre_id, year, month)
    ).all()
    return {(int(c), int(y), int(m)): int(n) for c, y, m, n in rows}


def valid_responses(session: Session, unit_id: int, questionnaire: int, start: date, end: date) -> int:
    r = RollupResponseCount
    return int(session.execute(
        select(func.coalesce(func.sum(r.counted), 0))
        .where(r.unit_id == unit_id, r.questionnaire_id == questionnaire, r.day >= start, r.day <= end)
    ).scalar())


def response_rows(session: Session, unit_id: int, questionnaire: int, start: date, end: date) -> list[tuple]:
    return session.execute(
        select(SurveyResponse.id, SurveyResponse.answered_at, SurveyResponse.centre_id, SurveyResponse.channel,
               SurveyResponse.suspicious)
        .where(SurveyResponse.unit_id == unit_id, SurveyResponse.questionnaire_id == questionnaire,
               SurveyResponse.answered_day >= start, SurveyResponse.answered_day <= end)
        .order_by(SurveyResponse.answered_at)
    ).all()


def dossier_late_condition(now: datetime):
    """Late: settled after the due date, or still open past it."""
    return or_(Dossier.settled_at > Dossier.due_at, and_(Dossier.settled_at.is_(None), Dossier.due_at < now))


def dossier_decided_condition(now: datetime):
    """Counted: settled, or still open past the due date (open dossiers not yet due are not judged)."""
    return or_(Dossier.settled_at.is_not(None), Dossier.due_at < now)


def dossier_counts(session: Session, unit_id: int, start: date, end: date, now: datetime) -> tuple[int, int]:
    """(dossiers judged, late ones) among those received in the period."""
    base = [Dossier.unit_id == unit_id, Dossier.received_day >= start, Dossier.received_day <= end]
    judged = session.execute(select(func.count()).select_from(Dossier).where(
        *base, dossier_decided_condition(now))).scalar()
    late = session.execute(select(func.count()).select_from(Dossier).where(*base, dossier_late_condition(now))).scalar()
    return int(judged), int(late)


def late_dossiers(session: Session, unit_id: int, start: date, end: date, now: datetime) -> list[tuple]:
    return session.execute(
        select(Dossier.id, Dossier.code, Dossier.procedure, Dossier.received_at, Dossier.due_at, Dossier.settled_at,
               ApologyLetter.sent_on)
        .outerjoin(ApologyLetter, ApologyLetter.dossier_id == Dossier.id)
        .where(Dossier.unit_id == unit_id, Dossier.received_day >= start, Dossier.received_day <= end,
               dossier_late_condition(now)).order_by(Dossier.received_at)
    ).all()


def fast_track_dossiers(session: Session, unit_id: int, start: date, end: date) -> list[tuple]:
    return session.execute(
        select(Dossier.code, Dossier.procedure, Dossier.received_at, Dossier.settled_at)
        .where(Dossier.unit_id == unit_id, Dossier.fast_track.is_(True), Dossier.received_day >= start,
               Dossier.received_day <= end).order_by(Dossier.received_at)
    ).all()


def home_dossiers(session: Session, unit_id: int, start: date, end: date) -> list[tuple]:
    return session.execute(
        select(Dossier.code, Dossier.procedure, Dossier.received_at, Dossier.due_at, Dossier.settled_at)
        .where(Dossier.unit_id == unit_id, Dossier.channel == "home", Dossier.received_day >= start,
               Dossier.received_day <= end).order_by(Dossier.received_at)
    ).all()


def score_entries(session: Session, unit_id: int, year: int) -> dict:
    from survey_app.models import ScoreEntry

    return {e.item_code: e for e in session.execute(
        select(ScoreEntry).where(ScoreEntry.unit_id == unit_id, ScoreEntry.year == year)).scalars()}


def attachment_counts(session: Session, unit_id: int, year: int) -> dict[str, int]:
    from survey_app.models import ScoreAttachment

    rows = session.execute(select(ScoreAttachment.item_code, func.count()).where(
        ScoreAttachment.unit_id == unit_id, ScoreAttachment.year == year).group_by(ScoreAttachment.item_code)).all()
    return dict(rows)


def flags(session: Session, unit_id: int, year: int):
    from survey_app.models import ScoreFlags

    return session.execute(select(ScoreFlags).where(ScoreFlags.unit_id == unit_id, ScoreFlags.year == year)
                           ).scalar_one_or_none()


def overrides(session: Session, table_id: str) -> dict[str, dict]:
    from survey_app.models import ScoringOverride

    return {o.item_code: o.params for o in session.execute(
        select(ScoringOverride).where(ScoringOverride.table_id == table_id)).scalars()}
