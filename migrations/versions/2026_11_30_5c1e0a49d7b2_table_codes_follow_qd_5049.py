"""item codes follow QĐ 5049 (Tiêu chí 1: 1.1.a.1–10, 1.1.b.1–5; 3.2.3–3.2.5 as the decision cuts them)

The table file was rewritten to the decision's wording and order (tables/5049-2026.json). Staff entries, their
evidence files and the city's parameter overrides move to the new codes. An entry whose item no longer exists in
the decision (1.1.d "công khai kết quả giải quyết TTHC") or whose item changed meaning (3.2.3–3.2.5) keeps its
row under ``retired:<old code>`` (and so do their versions, the as-of history): nothing is deleted, staff
score the item again. Evidence files follow the
nearest item. Frozen submissions (snapshots) are history and keep the codes they were sent with.

Revision ID: 5c1e0a49d7b2
Revises: c16a5e7b0d41
Create Date: 2026-11-30 13:55:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5c1e0a49d7b2'
down_revision = 'c16a5e7b0d41'
branch_labels = None
depends_on = None

#: old code -> new code, for what keeps its meaning
SAME = {
    "1.1.a": "1.1.a.7", "1.1.b": "1.1.a.1", "1.1.c": "1.1.a.2", "1.1.e": "1.1.a.3", "1.1.f": "1.1.a.4",
    "1.1.g": "1.1.a.5", "1.1.h": "1.1.a.8", "1.1.i": "1.1.a.9", "1.1.j": "1.1.a.10",
    "1.1b.a": "1.1.b.1", "1.1b.b": "1.1.b.2", "1.1b.c": "1.1.b.3", "1.1b.d": "1.1.b.4", "1.1b.e": "1.1.b.5",
}
#: entries (points) no longer valid for any item of the decision
RETIRED = ["1.1.d", "3.2.3", "3.2.4", "3.2.5"]
#: evidence files follow the nearest item of the decision
FILES = {**SAME, "1.1.d": "retired:1.1.d", "3.2.4": "3.2.5"}


def _move(table: str, mapping: dict[str, str]) -> None:
    for old, new in mapping.items():
        op.execute(sa.text(f"UPDATE {table} SET item_code = :new WHERE item_code = :old").bindparams(old=old, new=new))


def upgrade():
    entries = {**SAME, **{code: f"retired:{code}" for code in RETIRED}}
    _move("score_entries", entries)
    _move("score_entry_versions", entries)  # the as-of history follows, so a past date reads the same items
    _move("scoring_overrides", SAME)
    _move("commune_parameters", SAME)
    _move("score_attachments", FILES)


def downgrade():
    entries = {**{new: old for old, new in SAME.items()}, **{f"retired:{c}": c for c in RETIRED}}
    _move("score_entries", entries)
    _move("score_entry_versions", entries)
    _move("scoring_overrides", {new: old for old, new in SAME.items()})
    _move("commune_parameters", {new: old for old, new in SAME.items()})
    _move("score_attachments", {"retired:1.1.d": "1.1.d", **{new: old for old, new in SAME.items()}})
