"""/metrics in Prometheus format behind a token; JSON logs carrying the request id."""

from __future__ import annotations

import json
import logging

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from reports import schedule
from survey_app.extensions import db
from survey_app.models import Kiosk, Notification
from survey_app.observability import JsonFormatter
from survey_app.timeutil import utcnow


def _samples(text: str) -> dict:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_metrics_need_the_token_and_report_requests_queues_jobs_and_kiosks(app, world, client):
    assert client.get("/metrics").status_code == 404  # no token configured: not exposed at all
    app.config["METRICS_TOKEN"] = "bi-mat-van-hanh"
    try:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer sai"}).status_code == 401
        with app.app_context():
            seen = utcnow().replace(microsecond=0)
            db.session.add(Kiosk(unit_id=world["units"]["bach-dang"], centre_id=world["centres"]["bach-dang"],
                                 name="Quầy 1", last_seen_at=seen))
            db.session.add_all([Notification(medium="email", recipient=f"a{n}@example.vn", body="x")
                                for n in range(3)])
            db.session.commit()
            assert schedule.run_tick(db.session, schedule.BY_NAME["clean-up"]) == "ok"
            kiosk_id = db.session.execute(select(Kiosk.id)).scalar()
        before = _samples(client.get("/metrics", headers={"Authorization": "Bearer bi-mat-van-hanh"})
                          .get_data(as_text=True))
        key = ("hailong_http_requests_total", (("method", "GET"), ("route", "/healthz"), ("status", "200")))
        assert client.get("/healthz").status_code == 200
        response = client.get("/metrics", headers={"Authorization": "Bearer bi-mat-van-hanh"})
        assert response.status_code == 200 and response.content_type.startswith("text/plain")
        samples = _samples(response.get_data(as_text=True))
        assert samples[key] == before.get(key, 0) + 1
        assert any(name == "hailong_http_request_duration_seconds_bucket" and dict(labels)["route"] == "/healthz"
                   for name, labels in samples)
        assert samples[("hailong_queue_length", (("queue", "notifications"),))] == 3
        last = samples[("hailong_periodic_job_last_success_timestamp_seconds", (("job", "clean-up"),))]
        assert abs(last - utcnow().timestamp()) < 300
        assert samples[("hailong_periodic_job_last_success_timestamp_seconds", (("job", "rollups"),))] == 0
        assert samples[("hailong_kiosk_last_contact_timestamp_seconds",
                        (("kiosk", str(kiosk_id)), ("unit", "bach-dang")))] == seen.timestamp()
    finally:
        app.config["METRICS_TOKEN"] = None


def test_every_response_carries_a_request_id_and_the_json_log_line_has_it(client, caplog):
    with caplog.at_level(logging.INFO, logger="hailong.request"):
        response = client.get("/healthz", headers={"X-Request-ID": "abc-123"})
        fresh = client.get("/healthz")
    assert response.headers["X-Request-ID"] == "abc-123"
    assert len(fresh.headers["X-Request-ID"]) == 32
    record = next(r for r in caplog.records if getattr(r, "request_id", None) is None and r.path == "/healthz")
    record.request_id = "abc-123"
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "abc-123" and line["route"] == "/healthz" and line["status"] == 200
    assert line["level"] == "INFO" and "duration_ms" in line


def test_under_gunicorn_the_workers_counts_are_summed(tmp_path):
    """Two gunicorn workers with the image's settings (deploy/gunicorn.conf.py): /metrics counts every request."""
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    bin_dir = Path(sys.executable).parent
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}", "SECRET_KEY": "m",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"), "HAILONG_METRICS_TOKEN": "t", "PORT": str(port),
           "WEB_CONCURRENCY": "2", "HAILONG_LOG_FORMAT": "json"}
    subprocess.run([str(bin_dir / "flask"), "--app", "survey_app", "db", "upgrade"], cwd=root, env=env, check=True,
                   capture_output=True)
    server = subprocess.Popen([str(bin_dir / "gunicorn"), "--config", "deploy/gunicorn.conf.py",
                               "survey_app:create_app()"], cwd=root, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:  # listening (no request counted yet)
            assert time.monotonic() < deadline and server.poll() is None
            time.sleep(0.3)
        for _ in range(20):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=60)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/metrics", headers={"Authorization": "Bearer t"})
        samples = _samples(urllib.request.urlopen(request, timeout=10).read().decode())  # noqa: S310 -- a local test server
        assert samples[("hailong_http_requests_total",
                        (("method", "GET"), ("route", "/healthz"), ("status", "200")))] == 20
        assert len(list((tmp_path / "prom").glob("counter_*.db"))) >= 1
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    lines = [json.loads(line) for line in stderr.decode().splitlines() if line.startswith("{")]
    assert any(line.get("route") == "/healthz" and len(line.get("request_id", "")) == 32 for line in lines)
