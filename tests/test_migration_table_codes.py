"""Moving to the decision's item codes keeps every staff entry: same-meaning items follow their new code, entries
for items that left the decision or changed meaning are kept under ``retired:`` (nothing deleted)."""

from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from survey_app.extensions import db

BEFORE = "c16a5e7b0d41"  # the revision before the table codes moved


def test_entries_follow_the_decisions_codes(app, world):
    unit = world["units"]["bach-dang"]
    with app.app_context():
        downgrade(revision=BEFORE)
        with db.engine.begin() as conn:
            for code, points in (("1.1.b", 1), ("1.1.d", 1), ("1.1.e", 0.5), ("1.1b.d", 2), ("3.2.4", 2), ("4.1", 2)):
                conn.execute(text("INSERT INTO score_entries (unit_id, year, item_code, points, note) "
                                  "VALUES (:u, 2026, :c, :p, '')"), {"u": unit, "c": code, "p": points})
                conn.execute(text("INSERT INTO score_entry_versions (unit_id, year, item_code, points, note, "
                                  "entered_at) VALUES (:u, 2026, :c, :p, '', CURRENT_TIMESTAMP)"),
                             {"u": unit, "c": code, "p": points})
        upgrade()
        # rows the migrations ship were dropped and re-created with new ids (PostgreSQL does not reuse them):
        # record them again so the per-test cleanup keeps them, as it keeps every shipped row
        builtin = app.config["BUILTIN_ROWS"]
        for table in builtin:
            builtin[table] = set(db.session.execute(text(f"SELECT id FROM {table}")).scalars())
        db.session.remove()
        with db.engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT item_code, points FROM score_entries WHERE unit_id = :u"),
                                     {"u": unit}).all())
            versions = dict(conn.execute(text("SELECT item_code, points FROM score_entry_versions "
                                              "WHERE unit_id = :u"), {"u": unit}).all())
    assert rows == versions == {"1.1.a.1": 1, "retired:1.1.d": 1, "1.1.a.3": 0.5, "1.1.b.4": 2, "retired:3.2.4": 2,
                                "4.1": 2}
