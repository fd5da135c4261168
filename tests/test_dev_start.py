"""`python3 dev.py start` runs web and worker under one supervisor; SIGTERM (like Ctrl+C) stops both and leaves
no process behind. The test runs the same supervisor with the real gunicorn and worker commands: a citizen files a
case with an e-mail address through the web server, and the worker's own schedule delivers the acknowledgement to
a real SMTP server within its one-minute interval."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _seed(database_url: str) -> None:
    from survey_app import create_app
    from survey_app.extensions import db
    from survey_app.models import AdminUnit, UnitKind
    from survey_app.services.units_import import ensure_city

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "start-test"})
    with app.app_context():
        db.session.add(AdminUnit(code="bach-dang", name="Bạch Đằng", kind=UnitKind.WARD.value,
                                 parent_id=ensure_city().id))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def _file_case(base: str) -> str:
    """The public feedback form, as a citizen's browser posts it (CSRF token, form id, cookies)."""
    import http.cookiejar
    import urllib.parse

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    html = opener.open(f"{base}/phan-anh/bach-dang", timeout=30).read().decode()
    field = lambda name: re.search(rf'name="{name}"[^>]*value="([^"]+)"', html).group(1)  # noqa: E731
    category = re.search(r'name="category_id"[^>]*>.*?<option value="(\d+)"', html, re.S).group(1)
    data = urllib.parse.urlencode({"csrf_token": field("csrf_token"), "sid": field("sid"), "kind": "phan_anh",
                                   "category_id": category, "content": "Đèn đường ngõ 5 bị hỏng",
                                   "name": "Nguyễn Văn An", "email": "an@example.vn", "consent_contact": "1",
                                   "consent_notify": "1"}).encode()
    return opener.open(f"{base}/phan-anh/bach-dang", data=data, timeout=30).geturl().rsplit("/", 1)[1]


def test_web_and_worker_under_the_start_supervisor_deliver_by_schedule_and_sigterm_leaves_no_process(tmp_path):
    from aiosmtpd.controller import Controller

    from tests.test_delivery import Inbox

    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    smtp.start()
    bin_dir = Path(sys.executable).parent
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'start.sqlite3'}", "SECRET_KEY": "start-test",
           "HAILONG_SMTP_URL": f"smtp://127.0.0.1:{smtp.port}", "HAILONG_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    subprocess.run([str(bin_dir / "flask"), "--app", "survey_app", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    _seed(env["DATABASE_URL"])
    code = ("import sys; from pathlib import Path; import dev; "
            f"sys.exit(dev.supervise(dev.service_commands(Path({str(bin_dir)!r}), '{port}', [])))")
    supervisor = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the web server did not come up"
            assert supervisor.poll() is None, "the supervisor stopped on its own"
            time.sleep(0.5)
        code = _file_case(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 100  # the notifications job runs every minute, on the minute
        while not inbox.messages:
            assert time.monotonic() < deadline, "the worker's schedule did not send the e-mail"
            time.sleep(1)
        (recipients, mail), = inbox.messages
        assert recipients == ["an@example.vn"] and code in mail["Subject"]
        assert f"http://127.0.0.1:{port}/tra-cuu?code={code}" in mail.get_content()
        children = _descendants(supervisor.pid)
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode() for pid in children]
        assert any("gunicorn" in c for c in commands) and any("jobs work" in c for c in commands), commands
        assert len(children) >= 4  # gunicorn master, its two workers, the job worker
        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=60) == 0
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [pid for pid in children if _alive(pid)] == []
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
        smtp.stop()
