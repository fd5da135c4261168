"""``python -m bench [--size demo|city|tiny] [--db postgresql,sqlite]`` runs every benchmark and prints a table;
``python -m bench generate --size …`` only generates the data.

Each figure is measured in the same run as its reference (bare Flask on the same gunicorn settings, the database's
own single-row insert rate, a plain GROUP BY over the same raw tables), so the ratio holds on a noisy machine.
Results go to ``bench/results/<size>.json`` and ``bench/results/<size>.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

from . import load, world
from .sizes import SIZES, Size

RESULTS = Path(__file__).resolve().parent / "results"


class Table:
    def __init__(self) -> None:
        self.rows: list[dict] = []

    def add(self, group: str, metric: str, value, unit: str, reference: str = "", ref_value=None,
            target: str = "", met: bool | None = None, note: str = "") -> None:
        ratio = None
        if isinstance(value, (int, float)) and isinstance(ref_value, (int, float)) and ref_value:
            ratio = value / ref_value
        self.rows.append({"group": group, "metric": metric, "value": value, "unit": unit, "reference": reference,
                          "reference_value": ref_value, "ratio": ratio, "target": target, "met": met, "note": note})
        print(f"  {metric}: {_fmt(value)} {unit}" + (f" | {reference}: {_fmt(ref_value)}" if reference else "")
              + (f" | ratio {ratio:.2f}" if ratio is not None else "") + (f" | {target}: {_verdict(met)}"
                                                                            if target else ""), flush=True)


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.3f}" if value < 10 else f"{value:,.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _verdict(met: bool | None) -> str:
    return "—" if met is None else ("met" if met else "MISSED")


def ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def task(url: str, name: str, arg: str | None = None) -> dict:
    """Run a job in its own process (peak memory is its own)."""
    args = [sys.executable, "-m", "bench.tasks", url, name] + ([arg] if arg else [])
    done = subprocess.run(args, capture_output=True, text=True, cwd=load.ROOT, timeout=3600)
    if done.returncode != 0:
        raise RuntimeError(f"bench task {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def redis_url() -> str | None:
    """Redis for the rate counters when one answers (as a deployment on PostgreSQL has; REDIS_URL or the local
    default), else None: the counters stay in the database."""
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    try:
        import redis

        redis.Redis.from_url(url, socket_timeout=1).ping()
    except Exception:  # not installed or not running: the database keeps the counters
        return None
    return url


def env_for(t: world.Target) -> dict[str, str]:
    env = {"DATABASE_URL": t.url, "SECRET_KEY": world.SECRET, "HAILONG_PUBLIC_RATE_LIMIT": "100000000/60",
           "HAILONG_SECURE_COOKIES": "0"}
    if t.backend == "postgresql" and (url := redis_url()):
        env["REDIS_URL"] = url
    return env


# -- ingestion ---------------------------------------------------------------------------------------------------


def _insert_ceiling(t: world.Target, seconds: float) -> float:
    """The database's own single-row insert rate: one connection, one row and one commit at a time."""
    from sqlalchemy import create_engine, text

    from survey_app.factory import engine_options

    engine = create_engine(t.url, **engine_options(t.url))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_probe (id integer PRIMARY KEY, v varchar(64))"))
        conn.execute(text("DELETE FROM bench_probe"))
    count, started = 0, time.perf_counter()
    with engine.connect() as conn:
        while time.perf_counter() - started < seconds:
            conn.execute(text("INSERT INTO bench_probe (id, v) VALUES (:i, :v)"), {"i": count, "v": "x" * 40})
            conn.commit()
            count += 1
    elapsed = time.perf_counter() - started
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_probe"))
    engine.dispose()
    return count / elapsed


KIOSKS = 100


def _ingestion_fixtures(t: world.Target) -> tuple[str, list[str]]:
    """A QR token of the first centre's first counter and the credentials of paired kiosks across the communes."""
    from sqlalchemy import select

    from survey_app.extensions import db
    from survey_app.models import ServiceCentre, User
    from survey_app.services import kiosks, qr

    app = world.app_for(t)
    with app.test_request_context(base_url="http://127.0.0.1"):
        centre = db.session.execute(select(ServiceCentre).order_by(ServiceCentre.id).limit(1)).scalar_one()
        token = next(tk for tk in qr.ensure_tokens([centre]) if tk.counter is not None).token
        centres = db.session.execute(select(ServiceCentre).order_by(ServiceCentre.id)).scalars().all()
        credentials = []
        for n in range(KIOSKS):
            home = centres[n % len(centres)]
            actor = db.session.execute(select(User).where(User.unit_id == home.unit_id)).scalars().first()
            _, code = kiosks.create(actor, home, None, f"Máy bench {time.time_ns()}-{n}", 3)
            credentials.append(kiosks.pair(code)[1])
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return token, credentials


def _stored(t: world.Target, prefix: str) -> int:
    from sqlalchemy import create_engine, text

    engine = create_engine(t.url)
    with engine.connect() as conn:
        # the form stores the sid as it came; kiosks store "k<kiosk id>:<client id>"
        n = conn.execute(text("SELECT count(*) FROM survey_responses WHERE client_id LIKE :p OR client_id LIKE :k"),
                         {"p": f"{prefix}%", "k": f"k%:{prefix}%"}).scalar()
    engine.dispose()
    return int(n)


def ingestion(table: Table, t: world.Target, size: Size) -> None:
    label = "PostgreSQL" if t.backend == "postgresql" else "SQLite"
    token, credentials = _ingestion_fixtures(t)
    run_id = f"bench-{int(time.time())}"
    clients = 8
    bare = load.Server("bench.bare_app:app", {})
    try:
        bare_qr = load.closed_loop(bare.port, load.survey_action("x", "bare"), clients, size.load_seconds)
        bare_kiosk = load.closed_loop(bare.port, load.kiosk_action(["x"], "bare"), clients, size.load_seconds)
    finally:
        bare.stop()
    app = load.Server("survey_app:create_app()", env_for(t))
    try:
        peak = load.closed_loop(app.port, load.survey_action(token, f"{run_id}-qr"), clients, size.load_seconds)
        half = load.open_loop(app.port, load.survey_action(token, f"{run_id}-qrh"), peak.rate / 2, size.load_seconds)
        kiosk_peak = load.closed_loop(app.port, load.kiosk_action(credentials, f"{run_id}-k"), clients,
                                      size.load_seconds)
        kiosk_half = load.open_loop(app.port, load.kiosk_action(credentials, f"{run_id}-kh"), kiosk_peak.rate / 2,
                                    size.load_seconds)
    finally:
        app.stop()
    ceiling = _insert_ceiling(t, min(5.0, size.load_seconds))
    counters = "rate counters in Redis" if "REDIS_URL" in env_for(t) else "rate counters in the database"
    group = f"Ingestion ({label}, gunicorn {load.WORKERS} workers, {clients} clients, {counters})"
    table.add(group, "QR form submissions at peak", peak.rate, "/s", "bare Flask, same exchange", bare_qr.rate,
              "≥ 25% of bare", peak.rate >= 0.25 * bare_qr.rate if bare_qr.rate else None)
    p99 = ms(half.percentile(99))
    table.add(group, f"QR form POST p50 at half peak ({half.rate:.0f}/s)", ms(half.percentile(50)), "ms")
    table.add(group, f"QR form POST p99 at half peak ({half.rate:.0f}/s)", p99, "ms", target="< 50 ms",
              met=p99 is not None and p99 < 50)
    table.add(group, f"Kiosk ratings at peak (batches of 10, {KIOSKS} tablets)", kiosk_peak.item_rate, "/s",
              "bare Flask, same batches",
              bare_kiosk.item_rate, "≥ 20% of bare",
              kiosk_peak.item_rate >= 0.2 * bare_kiosk.item_rate if bare_kiosk.item_rate else None)
    kp99 = ms(kiosk_half.percentile(99))
    table.add(group, "Kiosk batch p99 at half peak", kp99, "ms", target="< 30 ms", met=kp99 is not None and kp99 < 30)
    table.add(group, "Database single-row insert rate (commit each)", ceiling, "rows/s",
              note="the physical ceiling for one-response-per-transaction ingestion")
    errors = peak.errors + half.errors + kiosk_peak.errors + kiosk_half.errors
    expected_qr = peak.ok + half.ok
    stored_qr = _stored(t, f"{run_id}-qr")
    expected_kiosk = kiosk_peak.items + kiosk_half.items
    stored_kiosk = _stored(t, f"{run_id}-k")
    table.add(group, "Errors, lost or duplicated responses after the run", errors + abs(stored_qr - expected_qr)
              + abs(stored_kiosk - expected_kiosk), "", target="0",
              met=errors == 0 and stored_qr == expected_qr and stored_kiosk == expected_kiosk,
              note=f"{errors} failed requests (QR {peak.errors + half.errors}, kiosk "
                   f"{kiosk_peak.errors + kiosk_half.errors}); stored QR {stored_qr}/{expected_qr}, "
                   f"kiosk {stored_kiosk}/{expected_kiosk}")


# -- aggregation, dashboards, exports ----------------------------------------------------------------------------


def aggregation(table: Table, t: world.Target, size: Size) -> None:
    group = f"Aggregation ({'PostgreSQL' if t.backend == 'postgresql' else 'SQLite'}, {size.name})"
    reference = task(t.url, "groupby")
    rebuild = task(t.url, "rebuild")
    data = ("" if size.generator != "sql" else
            "generated set-based by bench/nation.py: raw responses and answers of the centre questionnaire (no annual "
            "survey, no comments), dossiers, cases; the rollups built by the product's own refresh")
    table.add(group, "Full rebuild of the rollups", rebuild["seconds"], "s", "plain GROUP BY over the raw tables",
              reference["seconds"], "≤ 2× the GROUP BY", rebuild["seconds"] <= 2 * reference["seconds"], note=data)
    one_day = task(t.url, "one-day")
    table.add(group, f"Incremental refresh after one changed day of one commune ({one_day['days']} day-commune "
                     "pairs rewritten)", one_day["seconds"], "s", target="< 0,3 s", met=one_day["seconds"] < 0.3)
    fresh = one_day
    if t.backend == "postgresql":
        fresh = task(t.url, "one-day-fresh")
        table.add(group, "The same refresh with no planner statistics (as right after a bulk load, before ANALYZE)",
                  fresh["seconds"], "s", target="< 0,3 s", met=fresh["seconds"] < 0.3,
                  note=f"{fresh['statistics_removed']} column statistics removed first, row estimates unknown")
    scores = task(t.url, "scores")
    limit = 30 if scores["communes"] > 1000 else 2
    table.add(group, f"Score and year-end guidance (whole table) of all {scores['communes']} communes, one pass",
              scores["seconds"], "s", target=f"< {limit} s", met=scores["seconds"] < limit)
    table.add(group, "Peak memory of scoring all communes", scores["peak_mb"], "MB", target="< 300 MB",
              met=scores["peak_mb"] < 300, note=f"{scores['baseline_mb']:.0f} MB once the app was loaded")
    peak = max(rebuild["peak_mb"], one_day["peak_mb"], fresh["peak_mb"], scores["peak_mb"])
    table.add(group, "Peak memory of the jobs (rebuild, refresh, scores)", peak, "MB", target="< 300 MB",
              met=peak < 300)


def dashboards(table: Table, t: world.Target, size: Size) -> None:
    server = load.Server("survey_app:create_app()", env_for(t))
    group = f"Dashboards ({'PostgreSQL' if t.backend == 'postgresql' else 'SQLite'}, {size.name}, sequential)"
    try:
        client = load.Client(server.port)
        client.login("bench.admin", world.PASSWORD)
        from sqlalchemy import create_engine, text

        engine = create_engine(t.url)
        with engine.connect() as conn:
            unit_id, code = conn.execute(text("SELECT id, code FROM admin_units WHERE code LIKE :p "
                                              "ORDER BY code LIMIT 1"), {"p": world.code_like(size)}).one()
        engine.dispose()
        pages = [("Commune dashboard page", f"/dashboard/{unit_id}"),
                 ("Commune dashboard data (JSON)", f"/dashboard/{unit_id}/data.json"),
                 ("City dashboard page (all communes)", "/dashboard/city"),
                 ("City dashboard data (JSON)", "/dashboard/city/data.json"),
                 ("Public transparency page (city)", "/minh-bach"),
                 ("Public transparency page (commune)", f"/minh-bach/{code}")]
        for name, path in pages:
            status, _, _ = client.request("GET", path)  # warm-up
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            times = []
            for _ in range(size.page_requests):
                status, _, elapsed = client.request("GET", path)
                times.append(elapsed)
                if len(times) >= 5 and sum(times) > 15:  # a page of seconds (city-wide at national size): enough
                    break
            times.sort()
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            note = ""
            if size.communes > 1000 and (name.startswith("City") or "(city)" in name):
                note = (f"lists all {size.communes:,} communes; at national size the issue's target is the commune "
                        "page's, this one is measured to show where it stands")
            if len(times) < size.page_requests:
                note = "; ".join(filter(None, [note, f"{len(times)} requests of {size.page_requests} (slow page)"]))
            table.add(group, f"{name} p50", ms(statistics.median(times)), "ms")
            table.add(group, f"{name} p95", ms(p95), "ms", target="< 300 ms", met=ms(p95) < 300, note=note)
    finally:
        server.stop()


def exports(table: Table, t: world.Target, size: Size) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(t.url)
    with engine.connect() as conn:
        code = conn.execute(text("SELECT code FROM admin_units WHERE code LIKE :p ORDER BY code LIMIT 1"),
                            {"p": world.code_like(size)}).scalar()
    engine.dispose()
    result = task(t.url, "dossier", code)
    group = f"Exports ({'PostgreSQL' if t.backend == 'postgresql' else 'SQLite'}, {size.name})"
    table.add(group, "One commune's whole dossier with the evidence ZIP", result["seconds"], "s",
              note=f"{result['bytes'] / 1e6:.1f} MB")
    table.add(group, "Peak memory building it", result["peak_mb"], "MB")


def soak(table: Table, t: world.Target, size: Size) -> None:
    """Mixed traffic at a steady rate for minutes, with the worker's schedule running (see :mod:`bench.soak`)."""
    from sqlalchemy import create_engine, text

    from . import soak as s

    seconds = float(os.environ.get("HAILONG_SOAK_SECONDS", "600"))
    rate = float(os.environ.get("HAILONG_SOAK_RATE", "100"))
    token, credentials = _ingestion_fixtures(t)
    engine = create_engine(t.url)
    with engine.connect() as conn:
        unit_id, code = conn.execute(text("SELECT id, code FROM admin_units WHERE code LIKE :p "
                                          "ORDER BY code LIMIT 1"), {"p": world.code_like(size)}).one()
        codes = list(conn.execute(text("SELECT tracking_code FROM cases ORDER BY id DESC LIMIT 500")).scalars())
        runs_before = conn.execute(text("SELECT count(*) FROM scheduled_runs")).scalar()
    run_id = s.run_id()
    env = env_for(t)
    web = load.Server("survey_app:create_app()", env)
    worker = s.start_worker(env)
    try:
        time.sleep(3)  # the worker's first tick
        began = time.perf_counter()
        routes, mem_start, mem_end = s.run(web.port, worker.pid, web.process.pid, s.actions(
            token, credentials, code, unit_id, codes, run_id, ("bench.admin", world.PASSWORD)), seconds, rate)
        elapsed = time.perf_counter() - began
    finally:
        web.stop()
        s.stop(worker)
    with engine.connect() as conn:
        runs = conn.execute(text("SELECT count(*) FROM scheduled_runs")).scalar() - runs_before
        feedback = conn.execute(text("SELECT count(*) FROM cases WHERE client_id LIKE :p"),
                                {"p": f"{run_id}-fb-%"}).scalar()
    engine.dispose()
    group = (f"Soak ({'PostgreSQL' if t.backend == 'postgresql' else 'SQLite'}, {size.name}, "
             f"{seconds / 60:.0f} min at {rate:.0f} requests/s, worker and schedule running)")
    errors = sum(r.errors for r in routes.values())
    sent = sum(r.ok + r.errors for r in routes.values())
    table.add(group, "Rate sustained (requests answered ÷ wall time; behind schedule when below the rate asked)",
              sent / elapsed, "/s", target=f"{rate:.0f}/s", met=sent / elapsed >= 0.95 * rate,
              note=f"{sent} requests in {elapsed:.0f} s")
    table.add(group, "Errors", errors, "", target="0", met=errors == 0,
              note=f"of {sent} requests; statuses: " + ", ".join(
                  f"{name} {dict(sorted(r.statuses.items()))}" for name, r in routes.items()))
    for name, route in routes.items():
        p99 = ms(route.p(99))
        table.add(group, f"p99 {name} ({route.ok + route.errors} requests)", p99, "ms", target="< 300 ms",
                  met=p99 is not None and p99 < 300)
    stored_qr, stored_kiosk = _stored(t, f"{run_id}-qr"), _stored(t, f"{run_id}-k")
    lost = abs(stored_qr - routes["qr"].items) + abs(stored_kiosk - routes["kiosk"].items) + abs(
        feedback - routes["feedback"].items)
    table.add(group, "Rows lost or duplicated", lost, "", target="0", met=lost == 0,
              note=f"QR {stored_qr}/{routes['qr'].items}, kiosk {stored_kiosk}/{routes['kiosk'].items}, feedback "
                   f"{feedback}/{routes['feedback'].items}")
    table.add(group, "Scheduled job runs during the soak", runs, "")
    for part in ("web", "worker"):
        grew = mem_end[part] - mem_start[part]
        table.add(group, f"Memory of the {part} (start → end)", mem_end[part], "MB",
                  note=f"{mem_start[part]} MB after the first tenth of the run, {grew:+.1f} MB")


# -- the command -------------------------------------------------------------------------------------------------


def ensure_data(t: world.Target, size: Size, fresh: bool) -> dict | None:
    if not fresh and world.generated(t, size):
        print(f"[bench] {size.name} data on {t.backend}: already generated", flush=True)
        return None
    print(f"[bench] generating {size.name} data on {t.backend} …", flush=True)
    counts = world.generate(t, size)
    print(f"[bench] generated in {counts['seconds']} s: {counts}", flush=True)
    return counts


def write(table: Table, size: Size, meta: dict, results: Path = RESULTS) -> Path:
    results.mkdir(parents=True, exist_ok=True)
    (results / f"{size.name}.json").write_text(json.dumps({"meta": meta, "rows": table.rows}, ensure_ascii=False,
                                                          indent=1, default=str), encoding="utf-8")
    lines = [f"Run {meta['finished']} on {meta['machine']}; size {size.name} ({meta['data']}).", "",
             "| group | metric | value | reference | ratio | target |", "| --- | --- | --- | --- | --- | --- |"]
    for row in table.rows:
        ref = f"{row['reference']}: {_fmt(row['reference_value'])}" if row["reference"] else ""
        ratio = f"{row['ratio']:.2f}" if row["ratio"] is not None else ""
        target = f"{row['target']} — {_verdict(row['met'])}" if row["target"] else ""
        value = f"{_fmt(row['value'])} {row['unit']}".strip() + (f" ({row['note']})" if row["note"] else "")
        lines.append(f"| {row['group']} | {row['metric']} | {value} | {ref} | {ratio} | {target} |")
    path = results / f"{size.name}.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        total = next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
        memory = f", {int(total.split()[1]) / 1024 / 1024:.0f} GiB"
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores ({cpu}){memory}, Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("command", nargs="?", choices=["run", "generate"], default="run")
    parser.add_argument("--size", choices=sorted(SIZES), default="demo")
    parser.add_argument("--db", default=None, help="where the data-size figures are taken: postgresql (default), "
                                                   "sqlite or both; ingestion is always measured on both")
    parser.add_argument("--fresh", action="store_true", help="regenerate the data even if present")
    parser.add_argument("--only", default="ingestion,aggregation,dashboards,exports",
                        help="comma-separated parts; soak (minutes of mixed traffic) runs only when named")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON and Markdown results go")
    args = parser.parse_args(argv)
    size = SIZES[args.size]
    backends = (args.db or "postgresql").split(",")
    started = time.perf_counter()
    data = {}
    for backend in backends:
        counts = ensure_data(world.target(size, backend), size, args.fresh)
        if counts:
            data[backend] = counts
    if args.command == "generate":
        return 0
    table = Table()
    only = set(args.only.split(","))
    # the aggregation first: the ingestion writes rows, which a refresh measured right after would also rewrite
    # (its safety margin re-reads the last minutes), so "one changed day" would not be one day
    for backend in backends:
        if "aggregation" in only:
            print(f"[bench] aggregation on {backend} …", flush=True)
            aggregation(table, world.target(size, backend), size)
    if "ingestion" in only:
        ingestion_targets = [world.target(size, b) for b in backends]
        if "sqlite" not in backends:  # ingestion is measured on both; SQLite gets the demo-size world
            small = SIZES["demo"] if size.name != "tiny" else size
            sqlite = world.target(small, "sqlite")
            ensure_data(sqlite, small, False)
            ingestion_targets.append(sqlite)
        for t in ingestion_targets:
            print(f"[bench] ingestion on {t.backend} …", flush=True)
            ingestion(table, t, size)
    for backend in backends:
        t = world.target(size, backend)
        if "dashboards" in only:
            print(f"[bench] dashboards on {backend} …", flush=True)
            dashboards(table, t, size)
        if "exports" in only:
            print(f"[bench] exports on {backend} …", flush=True)
            exports(table, t, size)
        if "soak" in only:
            print(f"[bench] soak on {backend} …", flush=True)
            soak(table, t, size)
    meta = {"size": size.name, "finished": datetime.now().astimezone().strftime("%d/%m/%Y %H:%M %z"),
            "machine": machine(), "seconds": round(time.perf_counter() - started, 1),
            "data": json.dumps(data, ensure_ascii=False) if data else "pre-generated"}
    path = write(table, size, meta, args.out)
    print(f"\n{path.read_text(encoding='utf-8')}\n[bench] {meta['seconds']} s in all; results in {path}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
