"""QR tokens for centres and counters, and signed single-use tokens for one dossier."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app, has_request_context, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Counter, QrToken, ServiceCentre, User
from ..timeutil import utcnow
from . import audit
from .surveys import questionnaire_by_code

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
