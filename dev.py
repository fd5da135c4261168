#!/usr/bin/env python3
"""One entry point for people and CI, needing nothing but Python 3.11+ on the machine.

    python3 dev.py start     install into .venv, migrate, load the demo, serve on http://127.0.0.1:8000
    python3 dev.py test      install with test extras and system packages, start the databases, lint, test
    python3 dev.py lint      ruff
    python3 dev.py bench     the benchmarks (see bench/)

Extra arguments after ``test`` go to pytest; after ``bench`` to ``python -m bench``.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"
#: Debian packages the tests need: the browser (also Kaleido's, for chart images), fonts with Vietnamese glyphs
#: (Liberation 2: metric-compatible with Times New Roman, which the documents name),
#: LibreOffice and Poppler to open the generated Word/Excel files as a person would and render them to PNG;
#: the PostgreSQL client tools (pg_dump, pg_restore, psql) for the backup round trip.
TEST_APT = ["chromium", "fonts-dejavu-core", "fonts-liberation2", "libreoffice-writer-nogui", "libreoffice-calc-nogui",
            "poppler-utils", "postgresql-client"]


def say(message: str) -> None:
    print(f"[hai-long] {message}", flush=True)


def run(*args: str | Path, check: bool = True, env: dict | None = None) -> int:
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if check and result.returncode != 0:
        sys.exit(result.returncode)
    return result.returncode


def ensure_venv(extras: str = "") -> None:
    """Create .venv and install the project; skipped when pyproject.toml has not changed since."""
    if not PY.exists():
        say("Tạo môi trường ảo .venv …")
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed{('-' + extras) if extras else ''}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    say("Cài đặt các gói Python (lần đầu mất vài phút) …")
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "-e", f".[{extras}]" if extras else ".")
    stamp.write_text(digest)


def flask(*args: str, env: dict | None = None) -> int:
    return run(BIN / "flask", "--app", "survey_app", *args, env=env)


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def apt_install(packages: list[str]) -> None:
    missing = [p for p in packages if subprocess.run(["dpkg", "-s", p], capture_output=True).returncode != 0]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        say(f"Thiếu gói hệ thống {' '.join(missing)}: hãy cài bằng apt-get (cần quyền root).")
        sys.exit(2)
    say(f"Cài gói hệ thống: {' '.join(missing)} …")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run("apt-get", "update", "-qq", env=env)
    run("apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing, env=env)


def ensure_postgresql() -> None:
    if port_open("127.0.0.1", 5432):
        return
    if not Path("/etc/postgresql").exists():
        apt_install(["postgresql"])
    for version in sorted(os.listdir("/etc/postgresql")):
        say(f"Khởi động PostgreSQL {version} …")
        run("pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start", check=False)
    for _ in range(30):
        if port_open("127.0.0.1", 5432):
            return
        time.sleep(1)
    say("PostgreSQL không khởi động được trên 127.0.0.1:5432.")
    sys.exit(2)


def ensure_redis() -> None:
    if port_open("127.0.0.1", 6379):
        return
    if not shutil.which("redis-server"):
        apt_install(["redis-server"])
    say("Khởi động Redis …")
    run("redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379", "--save", "",
        "--appendonly", "no", check=False)
    for _ in range(20):
        if port_open("127.0.0.1", 6379):
            return
        time.sleep(0.5)
    say("Redis không khởi động được trên 127.0.0.1:6379.")
    sys.exit(2)


def service_commands(bin_dir: Path, port: str, extra: list[str]) -> list[list[str]]:
    """The web server and the background worker (its schedule included), as the Docker image runs them."""
    return [
        [str(bin_dir / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--graceful-timeout", "10",
         "--access-logfile", "-", *extra, "survey_app:create_app()"],
        [str(bin_dir / "flask"), "--app", "survey_app", "jobs", "work"],
    ]


class _Stop(Exception):
    pass


def _raise_stop(signum, frame) -> None:
    raise _Stop(signum)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _die_with_parent() -> None:
    """In the child: get SIGTERM if the supervisor itself is killed (Linux), so nothing is left running."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def supervise(commands: list[list[str]], grace: float = 20.0) -> int:
    """Run every command until one exits or this process gets Ctrl+C (SIGINT) or SIGTERM, then stop them all:
    SIGTERM, and SIGKILL for any still running after ``grace`` seconds. Returns the exit status."""
    signal.signal(signal.SIGINT, _raise_stop)
    signal.signal(signal.SIGTERM, _raise_stop)
    processes: list[subprocess.Popen] = []
    status = 0
    try:
        for command in commands:
            processes.append(subprocess.Popen(command, cwd=ROOT, preexec_fn=_die_with_parent))
        while all(p.poll() is None for p in processes):
            time.sleep(0.3)
        status = next(p.returncode for p in processes if p.returncode is not None)
        say(f"Một tiến trình đã dừng (mã {status}); dừng các tiến trình còn lại …")
    except _Stop:
        say("Đang dừng máy chủ web và máy xử lý nền …")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for process in processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + grace
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    return status


def cmd_start(args: list[str]) -> None:
    # SIGTERM during set-up stops the step in progress too (subprocess.run kills its child on an exception).
    signal.signal(signal.SIGTERM, _interrupt)
    ensure_venv()
    port = os.environ.get("PORT", "8000")
    flask("db", "upgrade")
    flask("demo")
    say(f"Hài Lòng đang chạy tại http://127.0.0.1:{port}/  (đăng nhập: /login, Ctrl+C để dừng)")
    # Web and worker (background jobs and the periodic schedule) together; Ctrl+C or SIGTERM stops both.
    sys.exit(supervise(service_commands(BIN, port, args)))


def cmd_lint(args: list[str]) -> None:
    ensure_venv("dev")
    run(BIN / "ruff", "check", ".", *args)


def cmd_test(args: list[str]) -> None:
    ensure_venv("dev")
    if sys.platform.startswith("linux"):
        apt_install(TEST_APT)
    ensure_postgresql()
    ensure_redis()
    run(BIN / "ruff", "check", ".")
    sys.exit(run(PY, "-m", "pytest", "-n", os.environ.get("HAILONG_TEST_WORKERS", "2"), *args, check=False))


def cmd_bench(args: list[str]) -> None:
    ensure_venv("dev")
    ensure_postgresql()
    sys.exit(run(PY, "-m", "bench", *args, check=False))


COMMANDS = {"start": cmd_start, "test": cmd_test, "lint": cmd_lint, "bench": cmd_bench}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        print(__doc__)
        sys.exit(2)
    COMMANDS[sys.argv[1]](sys.argv[2:])
