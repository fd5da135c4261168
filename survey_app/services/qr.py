"""QR tokens for centres and counters, and signed single-use tokens for one dossier."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_request_context, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import aliased, joinedload

from ..extensions import db
from ..models import (
    AdminUnit,
    Counter,
    Officer,
    QrToken,
    QuestionnaireVersion,
    ServiceCentre,
    SurveyResponse,
    User,
)
from ..models.surveys import VersionStatus
from ..timeutil import utcnow
from . import audit
from .surveys import burst_window, questionnaire_by_code, recent_from_address

#: No 0/o, 1/l/i: people copy the short URL by hand from the poster.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
TOKEN_LENGTH = 8
CENTRE_QUESTIONNAIRE = "centre-service"
DOSSIER_SALT = "hailong-dossier-qr"
DOSSIER_MAX_AGE = 90 * 24 * 3600


def _new_token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(TOKEN_LENGTH))


def active_token(centre_id: int, counter_id: int | None, questionnaire_id: int) -> QrToken | None:
    return db.session.execute(
        select(QrToken).where(QrToken.centre_id == centre_id, QrToken.counter_id.is_(None) if counter_id is None
                              else QrToken.counter_id == counter_id,
                              QrToken.questionnaire_id == questionnaire_id, QrToken.active.is_(True))
    ).scalar_one_or_none()


def issue(actor: User | None, centre: ServiceCentre, counter: Counter | None = None,
          questionnaire_code: str = CENTRE_QUESTIONNAIRE) -> QrToken:
    """Issue a new token for the centre (or counter); the previous one is revoked."""
    questionnaire = questionnaire_by_code(questionnaire_code)
    if questionnaire is None:
        raise LookupError(questionnaire_code)
    old = active_token(centre.id, counter.id if counter else None, questionnaire.id)
    if old is not None:
        old.active = False
        old.revoked_at = utcnow()
    token = QrToken(token=_new_token(), unit_id=centre.unit_id, centre_id=centre.id,
                    counter_id=counter.id if counter else None, questionnaire_id=questionnaire.id)
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "reissue" if old else "create", "qr_token", token.id, unit_id=centre.unit_id,
                 detail={"centre_id": centre.id, "counter_id": counter.id if counter else None,
                         "revoked": old.token if old else None})
    return token


def ensure_tokens(centres: list[ServiceCentre], questionnaire_code: str = CENTRE_QUESTIONNAIRE) -> list[QrToken]:
    """Make sure each active centre and counter has an active token; return them, centre first."""
    questionnaire = questionnaire_by_code(questionnaire_code)
    tokens: list[QrToken] = []
    for centre in centres:
        targets: list[Counter | None] = [None] + [c for c in centre.counters if c.active]
        for counter in targets:
            token = active_token(centre.id, counter.id if counter else None, questionnaire.id)
            tokens.append(token or issue(None, centre, counter, questionnaire_code))
    return tokens


def current_for_centre(old: QrToken) -> QrToken | None:
    """The centre's current code for the questionnaire of a revoked one (None when the centre is closed). The
    centre's, not the counter's: an old poster may hang anywhere, so its answers are not put on a counter."""
    if old.centre is None or not old.centre.active:
        return None
    return active_token(old.centre_id, None, old.questionnaire_id)


def resolve(token: str) -> QrToken | None:
    """The token with its centre, the centre's commune and its counter, in one query (the citizen's form reads
    nothing else before its answers are stored)."""
    if not token or len(token) > 24:
        return None
    return db.session.execute(_RESOLVE, {"token": token}).scalar_one_or_none()


#: built once: a statement built per request costs more than its query
_RESOLVE = select(QrToken).where(QrToken.token == bindparam("token")).options(
    joinedload(QrToken.centre).joinedload(ServiceCentre.unit), joinedload(QrToken.counter))


@dataclass(frozen=True)
class UnitView:
    id: int
    code: str
    name: str
    kind: str

    @property
    def full_name(self) -> str:
        return AdminUnit.full_name_of(self.kind, self.name)


@dataclass(frozen=True)
class CentreView:
    id: int
    unit_id: int
    name: str
    active: bool


@dataclass(frozen=True)
class CounterView:
    id: int
    number: int
    active: bool


@dataclass(frozen=True)
class VersionView:
    """A published version as the citizen's form needs it (its definition comes from the per-process cache of
    ``surveys.definition_of``, read from the database once)."""

    id: int
    questionnaire_id: int
    number: int
    status: str
    published_at: datetime | None


@dataclass(frozen=True)
class FormPlace:
    """What an active QR token opens, read in one query: where it is, the questionnaire's current version and the
    counter's officer when exactly one is on duty there."""

    token_id: int
    unit: UnitView
    centre: CentreView
    counter: CounterView | None
    version: VersionView | None
    officer_id: int | None
    #: whether a response with the form's idempotency token (``sid``) is stored already (None when none was given)
    sid_stored: bool | None = None
    #: the sending address's responses in the burst window (``surveys.recent_from_address``; None: not asked)
    recent_from_address: int | None = None


_NEWEST = aliased(QuestionnaireVersion)
_ON_DUTY = Officer.__table__


def _form_place_query():
    t, c, u, k, v = QrToken, ServiceCentre, AdminUnit, Counter, QuestionnaireVersion
    newest = (select(_NEWEST.id).where(_NEWEST.questionnaire_id == t.questionnaire_id,
                                       _NEWEST.status == VersionStatus.PUBLISHED.value)
              .order_by(_NEWEST.number.desc()).limit(1).correlate(t).scalar_subquery())
    on_duty = (_ON_DUTY.c.counter_id == t.counter_id) & _ON_DUTY.c.active.is_(True)
    first_officer = select(func.min(_ON_DUTY.c.id)).where(on_duty).correlate(t).scalar_subquery()
    officers = select(func.count()).select_from(_ON_DUTY).where(on_duty).correlate(t).scalar_subquery()
    stored = select(SurveyResponse.id).where(SurveyResponse.client_id == bindparam("sid")).scalar_subquery()
    return (select(t.id, t.active, u.id, u.code, u.name, u.kind, c.id, c.unit_id, c.name, c.active, k.id, k.number,
                   k.active, v.id, v.questionnaire_id, v.number, v.status, v.published_at, first_officer, officers,
                   stored, recent_from_address())
            .select_from(t).join(c, c.id == t.centre_id).join(u, u.id == c.unit_id)
            .outerjoin(k, k.id == t.counter_id).outerjoin(v, v.id == newest)
            .where(t.token == bindparam("token")))


#: built once (a statement built per request costs more than its query)
_FORM_PLACE = _form_place_query()


def form_place(token: str, sid: str | None = None, ip_hash: str | None = None,
               at: datetime | None = None) -> FormPlace | None:
    """An active token's place, version and officer in one query of plain columns (no ORM objects), with whether
    the form's ``sid`` is stored already and, given the sender's ``ip_hash``, its responses in the burst window
    before ``at``: all the citizen's form reads before a new response is stored. None for an unknown or revoked
    token (:func:`resolve` has the revoked one's centre and its current code)."""
    if not token or len(token) > 24:
        return None
    params = {"token": token, "sid": sid, **burst_window(ip_hash, at or utcnow())}
    # plain columns: run on the session's connection, past the ORM's result machinery (a tenth of the page's CPU)
    row = db.session.connection().execute(_FORM_PLACE, params).first()
    if row is None or not row[1]:
        return None
    (token_id, _, unit_id, unit_code, unit_name, kind, centre_id, centre_unit, centre_name, centre_active,
     counter_id, number, counter_active, version_id, questionnaire_id, version_number, status, published_at,
     officer, officers, stored, recent) = row
    return FormPlace(
        token_id, UnitView(unit_id, unit_code, unit_name, kind),
        CentreView(centre_id, centre_unit, centre_name, centre_active),
        CounterView(counter_id, number, counter_active) if counter_id is not None else None,
        VersionView(version_id, questionnaire_id, version_number, status, published_at)
        if version_id is not None else None,
        officer if officers == 1 else None, None if sid is None else stored is not None,
        None if ip_hash is None else recent)


def base_url() -> str:
    configured = current_app.config.get("PUBLIC_BASE_URL")
    if configured:
        return configured.rstrip("/")
    return request.host_url.rstrip("/") if has_request_context() else "http://127.0.0.1:8000"


def short_url(token: QrToken | str) -> str:
    value = token.token if isinstance(token, QrToken) else token
    return f"{base_url()}{url_for('survey.form', token=value)}"


@dataclass(frozen=True)
class DossierClaim:
    """What a per-dossier QR proves: this dossier, at this centre (and counter)."""

    unit_id: int
    centre_id: int
    counter_id: int | None
    dossier_code: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=DOSSIER_SALT)


def dossier_token(claim: DossierClaim) -> str:
    return _serializer().dumps([claim.unit_id, claim.centre_id, claim.counter_id, claim.dossier_code])


def read_dossier_token(value: str) -> DossierClaim | None:
    """The claim, or None when the signature is wrong or older than 90 days."""
    try:
        unit_id, centre_id, counter_id, code = _serializer().loads(value, max_age=DOSSIER_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    return DossierClaim(int(unit_id), int(centre_id), counter_id, str(code))


def dossier_url(claim: DossierClaim) -> str:
    return f"{base_url()}{url_for('survey.dossier_form', signed=dossier_token(claim))}"


def poster_item(token: QrToken):
    """What the poster, card or sheet of a token says (the printing module lays it out)."""
    from ..surveys.printing import PosterItem

    return PosterItem(unit_name=token.centre.unit.full_name, centre_name=token.centre.name, url=short_url(token),
                      counter_label=token.counter.display_name if token.counter else None)
