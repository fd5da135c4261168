"""The legal registry: which deadline rule and which citation of a legal text apply on a given day.

Both are effective-dated rows (``deadline_rules``, ``legal_citations``: valid_from, valid_to, source, confirmed),
looked up by the date of the event they judge — a case by the day it was received, a letter by its date, a
document by its as-of date — the way the ``holidays`` package answers for a given year. A change of law is a
migration adding rows; code never names a text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select

from ..extensions import db
from ..models import DeadlineRule, LegalCitation
from ..timeutil import local_today


@dataclass(frozen=True)
class Citation:
    key: str
    text: str
    confirmed: bool
    valid_from: date
    source: str
    note: str


def _in_force(model, on: date):
    return (model.valid_from <= on, or_(model.valid_to.is_(None), model.valid_to >= on))


def deadline_rule(kind: str, step: str, on: date | None = None) -> DeadlineRule | None:
    """The rule for a step of a kind of case in force on ``on`` (today by default)."""
    on = on or local_today()
    return db.session.execute(
        select(DeadlineRule).where(DeadlineRule.kind == kind, DeadlineRule.step == step,
                                   *_in_force(DeadlineRule, on)).order_by(DeadlineRule.valid_from.desc()).limit(1)
    ).scalar_one_or_none()


def deadline_rule_nearest(kind: str, step: str, on: date | None = None) -> DeadlineRule | None:
    """The rule in force on ``on``; for a day no row covers (a case received before the registry's first text, or
    after its last one ended), the row whose validity is nearest to it. None only when the registry has no row
    for the step at all."""
    on = on or local_today()
    found = deadline_rule(kind, step, on)
    if found is not None:
        return found
    rows = db.session.execute(select(DeadlineRule).where(DeadlineRule.kind == kind, DeadlineRule.step == step)
                              ).scalars().all()

    def distance(row: DeadlineRule) -> int:
        if on < row.valid_from:
            return (row.valid_from - on).days
        return (on - row.valid_to).days if row.valid_to is not None else 0

    return min(rows, key=lambda row: (distance(row), -row.valid_from.toordinal()), default=None)


def citation(key: str, on: date | None = None) -> Citation | None:
    """The text cited under ``key`` on ``on`` (today by default); None when the registry has none."""
    on = on or local_today()
    row = db.session.execute(
        select(LegalCitation).where(LegalCitation.key == key, *_in_force(LegalCitation, on))
        .order_by(LegalCitation.valid_from.desc()).limit(1)).scalar_one_or_none()
    if row is None:
        return None
    return Citation(row.key, row.text, row.confirmed, row.valid_from, row.source, row.note)


def cite(key: str, on: date | None = None) -> str:
    """The citation's text for pages and documents ("" when absent, so a missing row never breaks a page)."""
    found = citation(key, on)
    return found.text if found else ""


def citations(on: date | None = None) -> dict[str, str]:
    """Every key's text in force on ``on``: what documents built for that date cite."""
    on = on or local_today()
    rows = db.session.execute(select(LegalCitation).where(*_in_force(LegalCitation, on))
                              .order_by(LegalCitation.valid_from)).scalars()
    return {row.key: row.text for row in rows}


def registry() -> tuple[list[LegalCitation], list[DeadlineRule]]:
    """Every row, current and history, for the staff page."""
    return (list(db.session.execute(select(LegalCitation).order_by(LegalCitation.key, LegalCitation.valid_from))
                 .scalars()),
            list(db.session.execute(select(DeadlineRule).order_by(DeadlineRule.kind, DeadlineRule.step,
                                                                  DeadlineRule.valid_from)).scalars()))
