"""Topics of a commune's survey comments and feedback for a period: query, group, scrub (no Flask request)."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from survey_app.services.cases import public_text

from .metrics.topics import TextItem, TopicReport, find_topics
from .queries import free_texts


def commune_topics(session: Session, unit_id: int, start: date, end: date) -> TopicReport:
    """Example texts leave with phone numbers and e-mail addresses hidden, as on every public surface."""
    items = [TextItem(text, day, source) for text, day, source in free_texts(session, unit_id, start, end)]
    return find_topics(items, start, end, scrub=public_text)
