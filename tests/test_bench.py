"""The benchmark command and its data generator run end to end at the tiny size (timings are not tested: they are
noisy; `python -m bench` is where they are measured)."""

import json
import os
import secrets
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_bench_generates_and_measures_every_figure_at_tiny_size(tmp_path):
    env = {**os.environ, "HAILONG_BENCH_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, "-m", "bench", "--size", "tiny", "--db", "sqlite", "--out",
                           str(tmp_path / "results")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    result = json.loads((tmp_path / "results" / "tiny.json").read_text(encoding="utf-8"))
    rows = {row["metric"]: row for row in result["rows"]}
    groups = {row["group"].split(" (")[0] for row in result["rows"]}
    assert groups == {"Ingestion", "Aggregation", "Dashboards", "Exports"}
    assert all(isinstance(row["value"], (int, float)) for row in result["rows"])
    assert rows["QR form submissions at peak"]["value"] > 0 and rows["QR form submissions at peak"]["ratio"] > 0
    assert rows["Full rebuild of the rollups"]["reference_value"] > 0
    lost = rows["Errors, lost or duplicated responses after the run"]
    assert lost["value"] == 0, lost["note"]  # nothing lost or duplicated under load, whatever the speed
    table = (tmp_path / "results" / "tiny.md").read_text(encoding="utf-8")
    assert "| Ingestion (SQLite" in table and "Commune dashboard page p95" in table


def test_the_soak_run_counts_every_row_at_tiny_size(tmp_path):
    """A few seconds of the soak's mixed traffic with the worker running: every route answered, nothing lost."""
    env = {**os.environ, "HAILONG_BENCH_DATA_DIR": str(tmp_path / "data"), "HAILONG_SOAK_SECONDS": "8",
           "HAILONG_SOAK_RATE": "8"}
    done = subprocess.run([sys.executable, "-m", "bench", "--size", "tiny", "--db", "sqlite", "--only", "soak",
                           "--out", str(tmp_path / "results")], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    rows = {row["metric"]: row for row in json.loads((tmp_path / "results" / "tiny.json").read_text())["rows"]}
    assert rows["Rows lost or duplicated"]["value"] == 0, rows["Rows lost or duplicated"]["note"]
    assert rows["Errors"]["value"] == 0, rows["Errors"]["note"]
    routes = [metric for metric in rows if metric.startswith("p99 ")]
    assert len(routes) == 6 and all(rows[m]["value"] is not None for m in routes)
    assert rows["Memory of the web (start → end)"]["value"] > 0
    assert rows["Memory of the worker (start → end)"]["value"] > 0


NATION_TEST_DBS = [b.strip() for b in os.environ.get("HAILONG_TEST_DBS", "sqlite,postgresql").split(",")]


@pytest.mark.skipif("postgresql" not in NATION_TEST_DBS, reason="the set-based generator runs on PostgreSQL only")
def test_the_set_based_nation_generator_writes_what_the_scoring_reads_at_a_tiny_scale(tmp_path, monkeypatch):
    """The national size's generator (bench/nation.py), same code path, 3 communes for 20 days: the rows match the
    plan, every received_day is the local day of received_at, the product's refresh built the rollups of every
    commune, and every commune is scored from them."""
    from sqlalchemy import create_engine, func, select, text
    from sqlalchemy.engine import make_url

    from bench import nation, world
    from bench.sizes import Size

    monkeypatch.setattr(world, "DATA_DIR", tmp_path)
    size = Size("nation-test", communes=3, days=20, responses_per_day=10, cases_per_day=2, dossiers_per_day=15,
                generator="sql", code_prefix="vn", provinces=2)
    base = make_url(os.environ.get("HAILONG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    name = f"hailong_test_nation_{os.getpid()}_{secrets.token_hex(3)}"
    t = world.Target("postgresql", base.set(database=name).render_as_string(hide_password=False))
    try:
        counts = world.generate(t, size, log=lambda *_: None)
        app = world.app_for(t)
        with app.app_context():
            from reports.jobs import refresh_scores
            from survey_app.extensions import db
            from survey_app.models import AdminUnit, RollupResponseCount, RollupState, ScoreCache

            session = db.session
            start, days = world.period(size)
            expected = nation.plan(size, nation.day_table(start, days, {}))
            sql = lambda q: session.execute(text(q)).scalar()  # noqa: E731
            dossiers, cases = sql("SELECT count(*) FROM dossiers"), sql("SELECT count(*) FROM cases")
            responses = sql("SELECT count(*) FROM survey_responses WHERE NOT suspicious")
            assert counts["dossiers"] == dossiers and 0.75 * expected.dossiers <= dossiers <= 1.25 * expected.dossiers
            # the collection sessions and the boxes add cases to the plan's daily ones
            assert 0.6 * expected.cases <= cases <= 2.0 * expected.cases
            assert 0.6 * expected.responses <= responses <= 1.4 * expected.responses
            assert sql("SELECT count(*) FROM admin_units WHERE parent_id IS NOT NULL AND code LIKE 'vn-%'") == 3
            assert sql("SELECT count(DISTINCT parent_id) FROM admin_units WHERE parent_id IS NOT NULL") == 2
            for table, column, moment in (("dossiers", "received_day", "received_at"),
                                          ("cases", "received_day", "received_at"),
                                          ("survey_responses", "answered_day", "answered_at")):
                assert sql(f"SELECT count(*) FROM {table} WHERE {column} <> "
                           f"({moment} AT TIME ZONE 'Asia/Ho_Chi_Minh')::date") == 0, table
                assert sql(f"SELECT count(*) FROM {table} WHERE {column} < '{start}' OR {column} > "
                           f"'{start + timedelta(days=days - 1)}'") == 0, table
            # plausible proportions: mostly on time, a few late, some open, fast-track and home delivery
            assert sql("SELECT count(*) FROM dossiers WHERE settled_at > due_at") < 0.08 * dossiers
            assert sql("SELECT count(*) FROM dossiers WHERE settled_at IS NULL") > 0
            assert sql("SELECT count(*) FROM dossiers WHERE fast_track") > 0
            assert sql("SELECT count(*) FROM dossiers WHERE settled_at > now() OR updated_at > now()") == 0
            # a 20-day window: the last ones are still open
            assert sql("SELECT count(*) FROM cases WHERE state = 'answered'") > 0.3 * cases
            assert sql("SELECT count(*) FROM case_events WHERE kind = 'created'") == cases
            assert sql("SELECT count(*) FROM cases c WHERE c.due_at < c.original_due_at") == 0
            assert sql("SELECT count(*) FROM duty_shifts") > 0 and sql("SELECT count(*) FROM box_openings") > 0
            units = session.execute(select(AdminUnit.id).where(AdminUnit.parent_id.is_not(None))).scalars().all()
            with_rollups = set(session.execute(select(RollupResponseCount.unit_id).distinct()).scalars())
            assert with_rollups == set(units)
            assert sql("SELECT count(DISTINCT unit_id) FROM rollup_dossiers") == 3
            assert sql("SELECT count(DISTINCT unit_id) FROM rollup_cases") == 3
            assert session.get(RollupState, "all").refreshed_through is not None
            assert refresh_scores(session, max_age=None) == 3
            for row in session.execute(select(ScoreCache)).scalars():
                items = {item["code"]: item for item in row.data["items"]}
                assert items["2.7.a"]["figures"]["cells"] > 0 and items["2.7.a"]["figures"]["met"] > 0, items["2.7.a"]
                assert items["2.8"]["figures"]["judged"] > 0, items["2.8"]
                assert items["1.2.c"]["figures"]["decided"] > 0, items["1.2.c"]
                assert row.total > 0
            assert session.execute(select(func.count()).select_from(ScoreCache)).scalar() == 3
            db.session.remove()
            db.engine.dispose()
    finally:
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
