"""`python3 dev.py start` runs web and worker under one supervisor; SIGTERM (like Ctrl+C) stops both and leaves
no process behind. The test runs the same supervisor with the real gunicorn and worker commands."""

from __future__ import annotations

import os
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


def test_sigterm_to_the_start_supervisor_stops_web_and_worker_with_no_orphan(tmp_path):
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'start.sqlite3'}", "SECRET_KEY": "start-test"}
    subprocess.run([str(bin_dir / "flask"), "--app", "survey_app", "db", "upgrade"], cwd=ROOT, env=env, check=True,
                   capture_output=True)
    port = _free_port()
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
