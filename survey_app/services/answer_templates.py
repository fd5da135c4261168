"""Answer templates: which ones a case is offered, and a template's text filled in for that case.

Filling only prepares the text staff see in the answer box; the answer they send goes through
:func:`survey_app.services.cases.answer`, which scrubs personal data like any typed answer.
"""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import or_, select

from ..extensions import db
from ..models import AnswerTemplate, Case
from ..timeutil import format_date, local_today

#: The placeholders a template may use, with what they become (shown beside the template's text).
PLACEHOLDERS = {
    "ma_theo_doi": "mã theo dõi của phản ánh",
    "ngay": "ngày hôm nay (dd/mm/yyyy)",
    "don_vi": "tên xã, phường, đặc khu",
    "linh_vuc": "lĩnh vực của phản ánh",
    "ngay_tiep_nhan": "ngày tiếp nhận phản ánh (dd/mm/yyyy)",
}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def for_case(case: Case) -> list[AnswerTemplate]:
    """The active templates of the case's commune for its category, then the general ones, each by title."""
    query = (select(AnswerTemplate)
             .where(AnswerTemplate.unit_id == case.unit_id, AnswerTemplate.active.is_(True),
                    or_(AnswerTemplate.category_id == case.category_id, AnswerTemplate.category_id.is_(None)))
             .order_by(AnswerTemplate.category_id.is_(None), AnswerTemplate.title, AnswerTemplate.id))
    return list(db.session.execute(query).scalars())


def fill(body: str, case: Case, today: date | None = None) -> str:
    """The template's text for this case: known placeholders replaced, unknown ones left as they are."""
    values = {
        "ma_theo_doi": case.tracking_code,
        "ngay": format_date(today or local_today()),
        "don_vi": case.unit.full_name,
        "linh_vuc": case.category.name,
        "ngay_tiep_nhan": format_date(case.received_at),
    }
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), body)
