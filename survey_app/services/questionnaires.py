"""Questionnaire versions: copy a published version into a draft, edit the draft, publish it."""

from __future__ import annotations

import copy
import json

from sqlalchemy import func, select

from ..extensions import db
from ..models import QuestionnaireVersion, User, VersionStatus
from ..surveys.definition import DefinitionError, parse_definition
from ..timeutil import utcnow
from . import audit


class VersionError(ValueError):
    """A refusal with a Vietnamese message."""


def copy_version(actor: User, source: QuestionnaireVersion) -> QuestionnaireVersion:
    """A new draft with the next number and the source's definition."""
    next_number = db.session.execute(
        select(func.max(QuestionnaireVersion.number)).where(
            QuestionnaireVersion.questionnaire_id == source.questionnaire_id)
    ).scalar() + 1
    draft = QuestionnaireVersion(questionnaire_id=source.questionnaire_id, number=next_number,
                                 status=VersionStatus.DRAFT.value, definition=copy.deepcopy(source.definition))
    db.session.add(draft)
    db.session.flush()
    audit.record(actor, "create", "questionnaire_version", draft.id, detail={"copied_from": source.id})
    return draft


def _published_types(questionnaire_id: int) -> dict[str, str]:
    types: dict[str, str] = {}
    versions = db.session.execute(
        select(QuestionnaireVersion).where(QuestionnaireVersion.questionnaire_id == questionnaire_id,
                                           QuestionnaireVersion.status != VersionStatus.DRAFT.value)
    ).scalars()
    for version in versions:
        for key, question in parse_definition(version.definition).questions.items():
            types.setdefault(key, question.type)
    return types


def update_draft(actor: User, draft: QuestionnaireVersion, raw: str) -> None:
    """Replace a draft's definition after validating it; published versions never change."""
    if draft.status != VersionStatus.DRAFT.value:
        raise VersionError("Phiên bản đã ban hành không thể sửa. Hãy sao chép thành phiên bản mới.")
    try:
        data = json.loads(raw)
        definition = parse_definition(data)
    except json.JSONDecodeError as exc:
        raise VersionError(f"JSON không hợp lệ ở dòng {exc.lineno}, cột {exc.colno}.") from exc
    except (DefinitionError, KeyError, TypeError, ValueError) as exc:
        raise VersionError(f"Định nghĩa phiếu không hợp lệ: {exc}") from exc
    for key, kind in _published_types(draft.questionnaire_id).items():
        if key in definition.questions and definition.questions[key].type != kind:
            raise VersionError(
                f"Câu “{key}” đã dùng loại “{kind}” ở phiên bản trước; giữ nguyên loại để so sánh được theo thời gian, "
                "hoặc dùng mã câu mới.")
    draft.definition = data
    audit.record(actor, "update", "questionnaire_version", draft.id)


def publish(actor: User, draft: QuestionnaireVersion) -> None:
    if draft.status != VersionStatus.DRAFT.value:
        raise VersionError("Chỉ phiên bản nháp mới ban hành được.")
    parse_definition(draft.definition)
    draft.status = VersionStatus.PUBLISHED.value
    draft.published_at = utcnow()
    audit.record(actor, "publish", "questionnaire_version", draft.id)
