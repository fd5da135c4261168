"""The benchmark command and its data generator run end to end at the tiny size (timings are not tested: they are
noisy; `python -m bench` is where they are measured)."""

import json
import os
import subprocess
import sys
from pathlib import Path

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
