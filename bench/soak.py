"""A soak run: mixed traffic at a steady rate through gunicorn on the benchmark's data while the worker (and its
schedule) runs beside it, as in production. Reports errors, p99 per route, rows lost or duplicated, and the web's
and the worker's memory at the start and the end (flat means no leak).

The mix follows a service day: citizens opening and sending the QR form, tablets sending their queues, feedback
sent from the web form, tracking-code lookups, staff dashboards and Open311 reads.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import load

#: route name -> share of the requests
MIX = {"qr": 0.30, "kiosk": 0.25, "feedback": 0.10, "lookup": 0.15, "dashboard": 0.10, "open311": 0.10}


@dataclass
class Route:
    ok: int = 0
    errors: int = 0
    items: int = 0
    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)

    def p(self, q: float) -> float | None:
        return load.percentile(self.latencies, q)


@dataclass
class Soak:
    seconds: float
    rate: float
    routes: dict[str, Route]
    memory_start: dict[str, float]
    memory_end: dict[str, float]
    stored_qr: int
    expected_qr: int
    stored_kiosk: int
    expected_kiosk: int
    stored_feedback: int
    expected_feedback: int
    schedule_runs: int


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn's master and workers), in MB."""
    total = 0.0
    pids = [pid]
    try:
        children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            status = Path(f"/proc/{p}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) / 1024
    return round(total, 1)


def actions(token: str, credentials: list[str], unit_code: str, unit_id: int, codes: list[str], run_id: str,
            admin: tuple[str, str]) -> dict[str, Callable[[load.Client, int], tuple[bool, float, int, int]]]:
    """What each route's request is; every action answers (ok, latency, items stored, HTTP status)."""
    qr = load.survey_action(token, f"{run_id}-qr")
    kiosk = load.kiosk_action(credentials, f"{run_id}-k", batch=5)

    def with_status(action):
        def act(client, n):
            ok, latency, items = action(client, n)
            return ok, latency, items, 200 if ok else 0
        return act

    def feedback(client: load.Client, n: int):
        status, page, _ = client.request("GET", f"/phan-anh/{unit_code}")
        if status != 200:
            return False, 0.0, 0, status
        select = page[page.find(b'name="category_id"'):]
        category = re.search(rb'<option value="(\d+)"', select)
        status, _, latency = client.form(f"/phan-anh/{unit_code}", {
            "csrf_token": load.hidden(page, "csrf_token"), "sid": f"{run_id}-fb-{n}", "kind": "gop_y",
            "category_id": category.group(1).decode() if category else "",
            "content": f"Đề nghị bố trí thêm ghế chờ tại bộ phận một cửa (soak {n}).", "website": ""})
        return status == 303, latency, 1, status

    def lookup(client: load.Client, n: int):
        code = codes[n % len(codes)] if codes else "KHONGCO"
        status, _, latency = client.request("GET", f"/tra-cuu?code={code}")
        return status in (200, 404), latency, 0, status

    staff = threading.local()  # a logged-in connection per thread, apart from the citizens' cookies

    def dashboard(client: load.Client, n: int):
        if getattr(staff, "client", None) is None:
            staff.client = load.Client(client.port)
            staff.client.login(*admin)
        path = f"/dashboard/{unit_id}/data.json" if n % 2 else "/dashboard/city/data.json"
        status, _, latency = staff.client.request("GET", path)
        return status == 200, latency, 0, status

    def open311(client: load.Client, n: int):
        status, _, latency = client.request("GET", f"/open311/v2/requests.json?jurisdiction_id={unit_code}")
        return status == 200, latency, 0, status

    return {"qr": with_status(qr), "kiosk": with_status(kiosk), "feedback": feedback, "lookup": lookup,
            "dashboard": dashboard, "open311": open311}


def _schedule(seconds: float, rate: float) -> list[str]:
    """The order of the routes over the run: shares as in :data:`MIX`, interleaved evenly."""
    total = int(seconds * rate)
    order: list[str] = []
    credit = dict.fromkeys(MIX, 0.0)
    for _ in range(total):
        for name, share in MIX.items():
            credit[name] += share
        name = max(credit, key=credit.get)
        credit[name] -= 1
        order.append(name)
    return order


def run(port: int, worker_pid: int, web_pid: int, routes_actions: dict, seconds: float, rate: float,
        clients: int = 24) -> tuple[dict[str, Route], dict[str, float], dict[str, float]]:
    """Send the mix at ``rate`` requests a second for ``seconds`` over ``clients`` keep-alive connections."""
    routes = {name: Route() for name in MIX}
    lock = threading.Lock()
    order = _schedule(seconds, rate)
    memory_start: dict[str, float] = {}
    started = time.perf_counter()

    def sample_after_warm_up() -> None:  # the first tenth warms the processes up (imports, caches, pools)
        time.sleep(seconds / 10)
        memory_start.update(web=rss_mb(web_pid), worker=rss_mb(worker_pid))

    threading.Thread(target=sample_after_warm_up, daemon=True).start()
    interval = 1 / rate

    def worker(first: int) -> None:
        client = load.Client(port)
        for index in range(first, len(order), clients):
            due = started + index * interval
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            name = order[index]
            try:
                ok, latency, items, status = routes_actions[name](client, index)
            except Exception:  # noqa: BLE001 (a failed exchange is an error of the run, counted, never fatal)
                ok, latency, items, status = False, 0.0, 0, -1
                client = load.Client(port)
            with lock:
                route = routes[name]
                route.ok += ok
                route.errors += not ok
                route.items += items if ok else 0
                route.latencies.append(latency)
                route.statuses[status] = route.statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    memory_end = {"web": rss_mb(web_pid), "worker": rss_mb(worker_pid)}
    return routes, memory_start, memory_end


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    flask = Path(load.GUNICORN).parent / "flask"
    return subprocess.Popen([str(flask), "--app", "survey_app", "jobs", "work"], cwd=load.ROOT,
                            env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def run_id() -> str:
    return f"soak-{uuid.uuid4().hex[:8]}"
