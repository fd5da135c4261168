"""Duplicate hints: the open cases of a commune closest to a new text (same place, close wording).

Plain and explainable: TF-IDF over the Vietnamese words (``survey_app.vntext``) of the commune's open cases,
cosine similarity, plus a bonus when the place matches and a small one for the same category.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import Case
from ..models.cases import OPEN_STATES
from ..text import fold
from ..vntext import words

#: How many of the commune's newest open cases are compared (older ones are rarely the same event).
CANDIDATES = 300
MIN_SCORE = 0.3
PLACE_BONUS = 0.25
CATEGORY_BONUS = 0.05


@dataclass
class Hint:
    case: Case
    score: float
    same_place: bool


def _place_tokens(location: str) -> set[str]:
    return set(fold(location).split())


def _same_place(a: str, b: str) -> bool:
    left, right = _place_tokens(a), _place_tokens(b)
    if not left or not right:
        return False
    return len(left & right) / len(left | right) >= 0.5


def similar_open_cases(unit_id: int, content: str, location: str = "", category_id: int | None = None,
                       exclude_id: int | None = None, limit: int = 5) -> list[Hint]:
    """The ``limit`` open cases of the commune most like ``content`` (best first), none below MIN_SCORE."""
    query_words = words(content)
    if not query_words:
        return []
    stmt = (select(Case).where(Case.unit_id == unit_id, Case.state.in_(OPEN_STATES))
            .order_by(Case.received_at.desc()).limit(CANDIDATES))
    if exclude_id is not None:
        stmt = stmt.where(Case.id != exclude_id)
    candidates = db.session.execute(stmt).scalars().all()
    if not candidates:
        return []
    documents = [" ".join(query_words)] + [" ".join(words(c.content + " " + (c.location or ""))) for c in candidates]
    # scikit-learn loaded when a case is compared, not when the app starts (see reports.metrics.topics)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import cosine_similarity

    vectorizer = TfidfVectorizer(analyzer=str.split, sublinear_tf=True)
    try:
        matrix = vectorizer.fit_transform(documents)
    except ValueError:  # nothing but empty documents
        return []
    scores = cosine_similarity(matrix[0], matrix[1:])[0]
    hints = []
    for case, text_score in zip(candidates, scores, strict=True):
        place = _same_place(location, case.location or "")
        score = float(text_score) + (PLACE_BONUS if place and text_score > 0 else 0.0) \
            + (CATEGORY_BONUS if category_id and case.category_id == category_id and text_score > 0 else 0.0)
        if score >= MIN_SCORE:
            hints.append(Hint(case, round(score, 3), place))
    hints.sort(key=lambda h: (-h.score, -h.case.id))
    return hints[:limit]
