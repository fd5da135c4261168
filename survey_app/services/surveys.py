"""Storing survey responses from every channel: idempotent, one per dossier, bursts flagged, nothing half-written."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import Select, bindparam, case, func, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import defer

from ..extensions import db
from ..models import (
    RATED_ANSWERS,
    Questionnaire,
    QuestionnaireVersion,
    SurveyAnswer,
    SurveyResponse,
    User,
    VersionStatus,
    rated_columns,
)
from ..models.types import insert_on_conflict
from ..surveys.definition import Definition, ParsedAnswers, parse_definition
from ..timeutil import as_utc, local_day, local_today, utcnow

#: A response is flagged "burst" when the same (hashed) address sent this many in the window before it.
BURST_COUNT = 5
BURST_WINDOW = timedelta(minutes=10)
#: How long after the first "Gửi" the later screens of the same form may still add to that response.
STEP_WINDOW = timedelta(hours=1)
#: Channels whose form has several screens (a kiosk tap and a paper row are sent whole).
STEP_CHANNELS = ("qr", "web")


class SurveyError(ValueError):
    """A refusal with a message for the citizen or staff member."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Submission:
    """Where a response comes from and who it concerns (never who the citizen is)."""

    unit_id: int
    centre_id: int
    channel: str
    client_id: str
    counter_id: int | None = None
    officer_id: int | None = None
    answered_at: datetime | None = None
    dossier_code: str | None = None
    dossier_verified: bool = False
    lang: str = "vi"
    ip_hash: str | None = None
    honeypot: bool = False
    entered_by: User | None = None
    paper_serial: str | None = None
    kiosk_id: int | None = None
    #: Flag set by the caller (e.g. a kiosk burst); the honeypot and address bursts are found here.
    suspicious_reason: str | None = None
    #: Reviewer notes that keep the response in the indices (see ``SurveyResponse.review_flags``).
    review_flags: str | None = None
    #: The address's responses in the burst window before this one (at most BURST_COUNT), when the caller read
    #: them with its own query (:func:`recent_from_address`); None: :func:`admit` counts them.
    recent_from_address: int | None = None


def questionnaire_by_code(code: str) -> Questionnaire | None:
    return db.session.execute(select(Questionnaire).where(Questionnaire.code == code)).scalar_one_or_none()


def current_version_query(questionnaire_id, *columns) -> Select:
    """SELECT the newest published version of a questionnaire (with ``columns`` read in the same query).

    ``questionnaire_id`` may be a value or a ``bindparam`` (a statement built once). The JSON definition is not
    read: :func:`definition_of` has it parsed once per process (a published version never changes), and loads it
    on first use.
    """
    return (select(QuestionnaireVersion, *columns).options(defer(QuestionnaireVersion.definition))
            .where(QuestionnaireVersion.questionnaire_id == questionnaire_id,
                   QuestionnaireVersion.status == VersionStatus.PUBLISHED.value)
            .order_by(QuestionnaireVersion.number.desc()).limit(1))


_CURRENT_VERSION = current_version_query(bindparam("questionnaire_id"))


def current_version(questionnaire_id: int) -> QuestionnaireVersion | None:
    """The newest published version of a questionnaire."""
    return db.session.execute(_CURRENT_VERSION, {"questionnaire_id": questionnaire_id}).scalar_one_or_none()


def settled(version) -> bool:
    """Whether a version can no longer change (published: not a draft, with its publication time), so what is
    derived from it may be kept per process (its parsed definition, its rendered first screens)."""
    return version.status != VersionStatus.DRAFT.value and version.published_at is not None


def definition_of(version) -> Definition:
    """The parsed definition; published versions are immutable, so they are parsed once per process.

    ``version`` is a ``QuestionnaireVersion`` or any object with its ``id``, ``status`` and ``published_at`` (the
    citizen's form reads those as columns): the JSON is then read by id, the first time only.
    """
    if not settled(version):
        return parse_definition(_raw_definition(version))
    cache = current_app.extensions.setdefault("hailong_definitions", {})
    key = (version.id, version.published_at.isoformat())
    if key not in cache:
        cache[key] = parse_definition(_raw_definition(version))
    return cache[key]


def _raw_definition(version) -> dict:
    if isinstance(version, QuestionnaireVersion):
        return version.definition
    return db.session.execute(select(QuestionnaireVersion.definition)
                              .where(QuestionnaireVersion.id == version.id)).scalar_one()


def ip_hash(ip: str | None) -> str | None:
    """Salted with the secret key and today's local date: bursts are findable within a day, nobody traceable."""
    if not ip:
        return None
    salt = f"{current_app.config['SECRET_KEY']}|{local_today().isoformat()}"
    return hashlib.sha256(f"{salt}|{ip}".encode()).hexdigest()[:32]


# the statements of the citizen's form, built once (a statement built per request costs more than its query)
_BY_CLIENT_ID = select(SurveyResponse).where(SurveyResponse.client_id == bindparam("client_id"))
#: at most BURST_COUNT of an address's responses in the window before a new one are counted: the same answer,
#: however many more it sent
_RECENT_FROM = select(func.count()).select_from(
    select(SurveyResponse.id).where(SurveyResponse.ip_hash == bindparam("ip"),
                                    SurveyResponse.answered_at > bindparam("since"),
                                    SurveyResponse.answered_at <= bindparam("at")).limit(BURST_COUNT).subquery())


def recent_from_address():
    """The address's responses in the burst window (at most BURST_COUNT) as a scalar subquery, for a caller that
    reads it with its own query (bound: ``ip``, ``since``, ``at``; see :func:`burst_window`). A null ``ip``
    counts none."""
    return _RECENT_FROM.scalar_subquery()


def burst_window(ip: str | None, at: datetime) -> dict:
    """The parameters of :func:`recent_from_address` for a response answered at ``at``."""
    return {"ip": ip, "since": at - BURST_WINDOW, "at": at}


def find_by_client_id(client_id: str) -> SurveyResponse | None:
    return db.session.execute(_BY_CLIENT_ID, {"client_id": client_id}).scalar_one_or_none()


def dossier_already_rated(questionnaire_id: int, unit_id: int, dossier_code: str) -> bool:
    return db.session.execute(
        select(SurveyResponse.id).where(SurveyResponse.questionnaire_id == questionnaire_id,
                                        SurveyResponse.unit_id == unit_id,
                                        SurveyResponse.dossier_code == dossier_code)
    ).first() is not None


def _burst(ip: str | None, at: datetime, recent: int | None = None) -> bool:
    if not ip:
        return False
    if recent is None:
        recent = db.session.execute(_RECENT_FROM, burst_window(ip, at)).scalar()
    return recent >= BURST_COUNT


def _check(version: QuestionnaireVersion, answers: ParsedAnswers) -> None:
    if answers.errors:
        raise SurveyError("Phiếu còn câu trả lời chưa hợp lệ.")
    if version.status != VersionStatus.PUBLISHED.value:
        raise SurveyError("Phiên bản phiếu này chưa được ban hành.")


def admit(version: QuestionnaireVersion, source: Submission) -> Submission:
    """What a new response passes before it is stored, whatever writes it: a second response for the same
    dossier is refused; a filled honeypot or a burst from one address is flagged (the source is returned with its
    ``suspicious_reason``), so indices exclude it while the raw data stays."""
    if source.dossier_code and dossier_already_rated(version.questionnaire_id, source.unit_id, source.dossier_code):
        raise SurveyError("Hồ sơ này đã được đánh giá. Mỗi hồ sơ chỉ được đánh giá một lần.", 409)
    reason = source.suspicious_reason or (
        "honeypot" if source.honeypot else
        ("burst" if _burst(source.ip_hash, source.answered_at or utcnow(), source.recent_from_address) else None))
    return source if reason == source.suspicious_reason else replace(source, suspicious_reason=reason)


def _row(version: QuestionnaireVersion, source: Submission, now: datetime, answers: ParsedAnswers) -> dict:
    """The response's columns, the same from every writer."""
    answered_at = source.answered_at or now
    reason = source.suspicious_reason
    return {
        **rated_columns((key, value) for key, values in answers.values.items() for value in values),
        "client_id": source.client_id, "questionnaire_id": version.questionnaire_id, "version_id": version.id,
        "unit_id": source.unit_id, "centre_id": source.centre_id, "counter_id": source.counter_id,
        "officer_id": source.officer_id, "channel": source.channel, "answered_at": answered_at,
        "answered_day": local_day(answered_at), "received_at": now, "dossier_code": source.dossier_code or None,
        "dossier_verified": source.dossier_verified, "lang": source.lang, "ip_hash": source.ip_hash,
        "suspicious": reason is not None, "suspicious_reason": reason,
        "entered_by_id": source.entered_by.id if source.entered_by else None,
        "paper_serial": source.paper_serial, "kiosk_id": source.kiosk_id, "review_flags": source.review_flags,
    }


def submit_response(version: QuestionnaireVersion, answers: ParsedAnswers, source: Submission,
                    looked_up: bool = False) -> tuple[SurveyResponse, bool]:
    """Store one response with its answers as an ORM object (for callers that go on with it); return
    (response, created). A caller that needs nothing back writes ``insert_many(version, [(admit(version, source),
    answers)])``: the same row, without the ORM.

    A retried submission (same ``client_id``) returns the stored response and creates nothing. See :func:`admit`
    for what is refused or flagged.

    :param version: the published version the citizen answered.
    :param answers: validated answers (no errors).
    :param source: where the response comes from.
    :param looked_up: the caller has just looked ``client_id`` up and found nothing (not read again; a concurrent
        retry stored meanwhile still fails on the unique ``client_id``).
    """
    _check(version, answers)
    existing = None if looked_up else find_by_client_id(source.client_id)
    if existing is not None:
        return existing, False
    response = SurveyResponse(**_row(version, admit(version, source), utcnow(), answers))
    response.answers = [SurveyAnswer(question_key=k, value=v, text=t) for k, v, t in answers.rows()]
    db.session.add(response)
    db.session.flush()
    return response, True


#: dialect name -> INSERT … ON CONFLICT (client_id) DO NOTHING RETURNING id, client_id, built once per process
_INSERT_RESPONSES: dict = {}


def _insert_responses(dialect_name: str):
    statement = _INSERT_RESPONSES.get(dialect_name)
    if statement is None:
        table = SurveyResponse.__table__
        statement = _INSERT_RESPONSES[dialect_name] = (
            insert_on_conflict(table, dialect_name).on_conflict_do_nothing(index_elements=[table.c.client_id])
            .returning(table.c.id, table.c.client_id))
    return statement


def insert_many(version: QuestionnaireVersion, batch: list[tuple[Submission, ParsedAnswers]]) -> set[str]:
    """Store already-validated responses with one multi-row INSERT … ON CONFLICT (client_id) DO NOTHING RETURNING,
    and their answers for the responses it inserted; return the client ids inserted (the others were already
    stored). On PostgreSQL both go in one statement (one round trip, the rows as JSON, a text the server prepares
    once); on SQLite, in process, as two.

    The caller has had each source through :func:`admit` (or decided its flags itself, as a kiosk batch does):
    this is the row ``submit_response`` writes, for a whole batch at once and without the ORM.
    """
    if not batch:
        return set()
    if version.status != VersionStatus.PUBLISHED.value:
        raise SurveyError("Phiên bản phiếu này chưa được ban hành.")
    if any(answers.errors for _, answers in batch):
        raise SurveyError("Phiếu còn câu trả lời chưa hợp lệ.")
    now = utcnow()
    rows = [_row(version, source, now, answers) for source, answers in batch]
    answers_of = [(source.client_id, key, value, words) for source, answers in batch
                  for key, value, words in answers.rows()]
    connection = db.session.connection()
    dialect = connection.dialect.name
    if dialect == "postgresql":
        keys = tuple(rows[0])
        names = [SurveyResponse.__table__.c[key].name for key in keys]
        params = {"rows": json.dumps([dict(zip(names, (row[key] for key in keys), strict=True)) for row in rows],
                                     default=_json_value),
                  "answers": json.dumps([{"client_id": c, "question_key": k, "value": v, "answer_text": t}
                                         for c, k, v, t in answers_of])}
        return set(connection.execute(_insert_with_answers(keys), params).scalars())
    # executed with the rows as parameters, SQLAlchemy sends one multi-row INSERT ("insertmanyvalues") from a
    # statement built and compiled once per process, where .values(rows) would compile every batch anew
    ids = {client_id: response_id for response_id, client_id in db.session.execute(_insert_responses(dialect),
                                                                                     rows)}
    answer_rows = [{"response_id": ids[client_id], "question_key": key, "value": value, "text": words}
                   for client_id, key, value, words in answers_of if client_id in ids]
    if answer_rows:
        db.session.execute(_INSERT_ANSWERS, answer_rows)
    return set(ids)


def _json_value(value):
    """The JSON of a value ``json`` does not know: a moment in UTC (as ``UTCDateTime`` binds it), a day."""
    if isinstance(value, datetime):
        return as_utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


@lru_cache(maxsize=8)
def _insert_with_answers(keys: tuple[str, ...]):
    """PostgreSQL: the responses inserted unless their client id is stored, and the answers of those inserted, in
    one statement; it returns the client ids inserted. Each side comes as one JSON array of rows, which the server
    reads into typed columns: one parameter each, where an array per column made the driver convert every value
    of the batch in Python (a tenth of a kiosk batch's CPU)."""
    table = SurveyResponse.__table__
    dialect = postgresql.dialect()
    quote = dialect.identifier_preparer.quote
    # only the table's own column names and types go into the text (a KeyError for any other); values are bound
    names = [quote(table.c[key].name) for key in keys]
    typed = ", ".join(f"{name} {table.c[key].type.compile(dialect=dialect)}" for name, key in zip(names, keys,
                                                                                                 strict=True))
    return text(f"""
        WITH stored AS (
            INSERT INTO survey_responses ({", ".join(names)})
            SELECT {", ".join(names)} FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r ({typed})
            ON CONFLICT (client_id) DO NOTHING
            RETURNING id, client_id
        ), answers AS (
            INSERT INTO survey_answers (response_id, question_key, value, text)
            SELECT stored.id, a.question_key, a.value, a.answer_text
            FROM jsonb_to_recordset(CAST(:answers AS jsonb))
                 AS a (client_id varchar, question_key varchar, value integer, answer_text text)
            JOIN stored ON stored.client_id = a.client_id
        )
        SELECT client_id FROM stored""")  # noqa: S608


_INSERT_ANSWERS = SurveyAnswer.__table__.insert()


def fill_rated_copies(session) -> None:
    """Set every response's copies of its rated answers (:data:`RATED_ANSWERS`) from ``survey_answers`` in one
    set-based UPDATE … FROM: for answers bulk-loaded past the services (the national benchmark's generator). Each
    key's largest value, as :func:`rated_columns` takes it; a response without any rated answer is left as it is
    (with nulls, after a bulk load)."""
    a = SurveyAnswer
    picked = (select(a.response_id, *(func.max(case((a.question_key == key, a.value))).label(column)
                                      for key, column in RATED_ANSWERS.items()))
              .where(a.question_key.in_(list(RATED_ANSWERS)), a.value.is_not(None))
              .group_by(a.response_id).subquery())
    session.execute(update(SurveyResponse).where(SurveyResponse.id == picked.c.response_id)
                    .values({column: picked.c[column] for column in RATED_ANSWERS.values()}))


def paper_serial_used(questionnaire_id: int, unit_id: int, serial: str) -> bool:
    return db.session.execute(
        select(SurveyResponse.id).where(SurveyResponse.questionnaire_id == questionnaire_id,
                                        SurveyResponse.unit_id == unit_id, SurveyResponse.paper_serial == serial)
    ).first() is not None


def stored_values(response: SurveyResponse | None) -> dict[str, list[int]]:
    """The scale/option values a response holds, by question key (to judge follow-ups of later screens)."""
    values: dict[str, list[int]] = {}
    for answer in response.answers if response is not None else ():
        if answer.value is not None:
            values.setdefault(answer.question_key, []).append(answer.value)
    return values


def continuable(response: SurveyResponse | None, version: QuestionnaireVersion, source: Submission) -> bool:
    """Whether a later screen of a form may add to this response: same form, same place, still fresh."""
    return (response is not None and response.version_id == version.id and response.centre_id == source.centre_id
            and response.counter_id == source.counter_id and response.channel in STEP_CHANNELS
            and utcnow() - response.answered_at <= STEP_WINDOW)


def continue_response(response: SurveyResponse, version: QuestionnaireVersion, answers: ParsedAnswers,
                      keys: set[str], source: Submission) -> SurveyResponse:
    """Replace one screen's answers of a response begun on an earlier screen of the same form (same idempotency
    token): the citizen may stop after any screen and it stays one response. Re-sending a screen is harmless.

    :param response: the stored response (found by its ``client_id``).
    :param answers: the screen's validated answers.
    :param keys: the question keys of that screen; their stored answers are replaced.
    :param source: the same origin the response was created with.
    """
    if answers.errors:
        raise SurveyError("Phiếu còn câu trả lời chưa hợp lệ.")
    if not continuable(response, version, source):
        raise SurveyError("Phiếu này đã được gửi và không còn bổ sung được. Cảm ơn Ông/Bà!", 409)
    if source.dossier_code and not response.dossier_verified and source.dossier_code != response.dossier_code:
        if dossier_already_rated(version.questionnaire_id, response.unit_id, source.dossier_code):
            raise SurveyError("Hồ sơ này đã được đánh giá. Mỗi hồ sơ chỉ được đánh giá một lần.", 409)
        response.dossier_code = source.dossier_code
    if source.honeypot and not response.suspicious:
        response.suspicious, response.suspicious_reason = True, "honeypot"
    response.answers = [a for a in response.answers if a.question_key not in keys] + [
        SurveyAnswer(question_key=k, value=v, text=t) for k, v, t in answers.rows()]
    for column, value in rated_columns((a.question_key, a.value) for a in response.answers).items():
        setattr(response, column, value)
    # the rollup refresh picks up the days of responses changed since its last run; received_at stays the first
    # storing, which is what a score as of a date may know
    response.changed_at = utcnow()
    db.session.flush()
    return response
