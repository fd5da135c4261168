"""HTTP load on loopback: gunicorn started as in production, clients as threads with keep-alive connections.

Closed loop (each client sends as soon as its previous request returned) gives the peak rate; an open loop at a
fixed rate (half the peak) gives the latency a citizen sees under ordinary load.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
WORKERS = int(os.environ.get("HAILONG_BENCH_WORKERS", "2"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn process (the app or the bare reference) on a free loopback port."""

    def __init__(self, target: str, env: dict[str, str]) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [str(GUNICORN), "--workers", str(WORKERS), "--bind", f"127.0.0.1:{self.port}", "--log-level",
             "warning", target], cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not start: {target}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Client:
    """One keep-alive connection with its cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
                ) -> tuple[int, bytes, float]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
        elapsed = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data, elapsed

    def form(self, path: str, fields: dict) -> tuple[int, bytes, float]:
        return self.request("POST", path, urllib.parse.urlencode(fields, doseq=True).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def login(self, username: str, password: str) -> None:
        _, page, _ = self.request("GET", "/login")
        token = hidden(page, "csrf_token")
        status, _, _ = self.form("/login", {"username": username, "password": password, "csrf_token": token})
        if status not in (302, 303):
            raise RuntimeError(f"login failed for {username}: {status}")


def hidden(page: bytes, name: str) -> str:
    match = re.search(rb'name="' + name.encode() + rb'"(?: type="hidden")? value="([^"]*)"', page)
    if not match:
        raise RuntimeError(f"no hidden field {name}")
    return match.group(1).decode()


@dataclass
class Run:
    ok: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    seconds: float = 0.0
    #: items stored (kiosk batches count their items)
    items: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, ok: bool, latency: float, items: int) -> None:
        with self.lock:
            self.ok += ok
            self.errors += not ok
            self.items += items if ok else 0
            self.latencies.append(latency)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def item_rate(self) -> float:
        return self.items / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float | None:
        return percentile(self.latencies, p)


def percentile(latencies: list[float], p: float) -> float | None:
    """The ``p``-th percentile (nearest rank) of the latencies, None when there are none."""
    if not latencies:
        return None
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


Action = Callable[[Client, int], tuple[bool, float, int]]


def _threads(run: Run, workers: list[Callable[[], None]]) -> Run:
    started = time.perf_counter()
    threads = [threading.Thread(target=w) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run.seconds = time.perf_counter() - started
    return run


def closed_loop(port: int, action: Action, clients: int, seconds: float) -> Run:
    """Every client repeats ``action`` as fast as it can for ``seconds``."""
    run = Run()
    stop = time.perf_counter() + seconds
    counter = iter(range(10**9))

    def worker() -> None:
        client = Client(port)
        while time.perf_counter() < stop:
            run.record(*action(client, next(counter)))

    return _threads(run, [worker] * clients)


def open_loop(port: int, action: Action, rate: float, seconds: float, clients: int = 16) -> Run:
    """``action`` started at a fixed ``rate`` per second (spread over ``clients`` connections)."""
    run = Run()
    interval = clients / max(rate, 0.1)
    counter = iter(range(10**9))
    started = time.perf_counter()

    def worker(offset: float) -> None:
        client = Client(port)
        due = started + offset
        while due < started + seconds:
            pause = due - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            run.record(*action(client, next(counter)))
            due += interval

    return _threads(run, [lambda i=i: worker(i * interval / clients) for i in range(clients)])


def survey_action(token: str, run_id: str) -> Action:
    """A citizen: opens the form, answers, submits (the POST is timed)."""

    def act(client: Client, n: int) -> tuple[bool, float, int]:
        status, page, _ = client.request("GET", f"/q/{token}")
        if status != 200:
            return False, 0.0, 0
        fields = {"csrf_token": hidden(page, "csrf_token"), "sid": f"{run_id}-{n}", "lang": "vi", "website": "",
                  "q-overall": str(4 + n % 2), "q-staff.polite": "5", "q-access.seating": "4", "q-tt01.on_time": "1",
                  "q-comment": "Cán bộ hướng dẫn tận tình."}
        status, _, latency = client.form(f"/q/{token}", fields)
        return status == 303, latency, 1

    return act


def kiosk_action(credentials: list[str], run_id: str, batch: int = 10) -> Action:
    """A tablet sending its queue: ``batch`` ratings in one request, the requests spread over many tablets (each
    device is rate-limited on its own, as in a city of a few hundred kiosks)."""
    from datetime import UTC, datetime, timedelta

    def act(client: Client, n: int) -> tuple[bool, float, int]:
        credential = credentials[n % len(credentials)]
        at = datetime.now(UTC) - timedelta(minutes=1)
        items = [{"client_id": f"{run_id}-{n}-{i}-{uuid.uuid4().hex[:6]}", "value": 1 + (n + i) % 3,
                  "answered_at": (at - timedelta(seconds=40 * i)).isoformat()} for i in range(batch)]
        status, body, latency = client.request("POST", "/kiosk/api/ratings", json.dumps({"items": items}).encode(),
                                               {"Content-Type": "application/json",
                                                "Authorization": f"Bearer {credential}"})
        stored = sum(1 for r in json.loads(body).get("results", []) if r.get("status") == "stored") \
            if status == 200 else 0
        return status == 200 and stored == batch, latency, stored

    return act
