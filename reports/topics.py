"""Topics of a commune's survey comments and feedback for a period: query, group, scrub (no Flask request).

Segmenting thousands of texts takes seconds, so the result is kept in ``topic_cache`` until a text of the
period is added or removed (a cheap count-and-newest-id fingerprint decides).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from survey_app.models import TopicCache
from survey_app.text import scrub
from survey_app.timeutil import utcnow

from .metrics.topics import TextItem, TopicReport, find_topics
from .queries import free_texts, free_texts_fingerprint


def compute_topics(session: Session, unit_id: int, start: date, end: date) -> TopicReport:
    """Example texts leave with phones, e-mail addresses and identity numbers hidden (``survey_app.text.scrub``)."""
    items = [TextItem(text, day, source) for text, day, source in free_texts(session, unit_id, start, end)]
    return find_topics(items, start, end, scrub=scrub)


def commune_topics(session: Session, unit_id: int, start: date, end: date) -> TopicReport:
    """The topics, from the cache when the texts behind them have not changed (flushes, never commits)."""
    fingerprint = free_texts_fingerprint(session, unit_id, start, end)
    row = session.execute(select(TopicCache).where(TopicCache.unit_id == unit_id, TopicCache.start == start,
                                                   TopicCache.end == end)).scalar_one_or_none()
    if row is not None and row.fingerprint == fingerprint:
        return TopicReport.from_dict(row.data)
    report = compute_topics(session, unit_id, start, end)
    try:
        with session.begin_nested():
            if row is None:
                row = TopicCache(unit_id=unit_id, start=start, end=end)
                session.add(row)
            row.fingerprint, row.data, row.computed_at = fingerprint, report.as_dict(), utcnow()
            session.flush()
    except IntegrityError:
        pass  # another request stored the same period at the same moment; theirs is as good
    return report
