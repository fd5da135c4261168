"""The kiosk fault run against a real gunicorn: the server killed with SIGKILL and SIGTERM while a batch is in
flight, offline toggles and a reload while offline; every tap is stored exactly once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import ServiceCentre, SurveyResponse, User
from survey_app.services import kiosks

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


class Gunicorn:
    """One gunicorn (as in production) on the test database; killed and restarted on the same port."""

    def __init__(self, database_url: str, secret: str) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secret}
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [str(GUNICORN), "--workers", "1", "--threads", "4", "--bind", f"127.0.0.1:{self.port}",
             "--graceful-timeout", "5", "--log-level", "warning", "survey_app:create_app()"],
            cwd=ROOT, env=self.env, start_new_session=True, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def kill(self, sig: int) -> None:
        """Signal the server's process group (master and worker: this test started them)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=20)

    def stop(self) -> None:
        self.kill(signal.SIGKILL)


@pytest.fixture
def gunicorn(app, database_url):
    server = Gunicorn(database_url, app.config["SECRET_KEY"])
    server.start()
    yield server
    server.stop()


def _count(app) -> int:
    with app.app_context():
        n = db.session.execute(select(func.count()).select_from(SurveyResponse)).scalar()
        db.session.remove()
    return n


def _tap(page, label):
    page.locator("#levels").get_by_role("button", name=label, exact=True).click()
    page.get_by_role("button", name="Bỏ qua").click()
    page.locator("#screen-rate.active").wait_for()
    page.wait_for_timeout(750)


def _wait_for(page, predicate, timeout=40.0):
    """Wait while letting Playwright dispatch route handlers (they run inside its calls)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        page.wait_for_timeout(300)
    return predicate()


def _killer(server: Gunicorn, sig: int, killed: threading.Event):
    def kill_in_flight(route):
        if not killed.is_set():
            killed.set()
            threading.Timer(0.02, server.kill, args=(sig,)).start()  # while the batch is being stored
        route.continue_()
    return kill_in_flight


def test_server_killed_mid_batch_loses_and_duplicates_nothing(browser, gunicorn, app, world):
    with app.app_context():
        centre = db.session.get(ServiceCentre, world["centres"]["bach-dang"])
        _, code = kiosks.create(db.session.get(User, world["users"]["bd.admin"]), centre, None, "Máy lỗi", 3)
        db.session.commit()
        db.session.remove()
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    tablet = context.new_page()
    seen: list[str] = []  # what the tablet asked and said, shown if a step times out
    context.on("request", lambda r: seen.append(f"{r.method} {r.url} (sw: {r.service_worker is not None})"))
    tablet.on("console", lambda m: seen.append(f"console {m.type}: {m.text}"))
    tablet.on("requestfailed", lambda r: seen.append(f"failed {r.url}: {r.failure}"))
    tablet.goto(f"{gunicorn.url}/kiosk/")
    tablet.get_by_label("Mã ghép nối").fill(code)
    tablet.get_by_role("button", name="Ghép nối").click()
    tablet.locator("#screen-rate.active").wait_for()
    tablet.wait_for_function("navigator.serviceWorker.ready.then(() => true)")

    taps = 0
    for sig in (signal.SIGKILL, signal.SIGTERM):
        context.set_offline(True)
        for index in range(6):
            _tap(tablet, ["Rất hài lòng", "Hài lòng", "Không hài lòng"][index % 3])
            taps += 1
        tablet.reload()  # offline: the page comes from the service worker, the queue from IndexedDB
        tablet.locator("#screen-rate.active").wait_for()
        killed = threading.Event()
        tablet.route("**/kiosk/api/ratings", _killer(gunicorn, sig, killed))
        context.set_offline(False)
        assert _wait_for(tablet, killed.is_set), seen[-30:]
        assert _wait_for(tablet, lambda: gunicorn.process.poll() is not None)
        tablet.unroute("**/kiosk/api/ratings")
        gunicorn.start()
        assert _wait_for(tablet, lambda n=taps: _count(app) >= n), (_count(app), taps)
        tablet.locator("#status-queue", has_text="Chờ gửi: 0").wait_for(timeout=30000)
        assert _count(app) == taps  # 0 lost, 0 duplicated
    context.close()
