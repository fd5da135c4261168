"""Operations view: Prometheus metrics at ``/metrics`` (prometheus-client, gunicorn multi-process aware) and
structured JSON logs carrying a request id.

HTTP metrics are counted in each process; under gunicorn set ``PROMETHEUS_MULTIPROC_DIR`` (the Docker image
does) and every worker writes its numbers there, summed at scrape time. The figures that live in the database
(queue lengths, each periodic job's last success, each kiosk's last contact) are read when scraped, so every web
host answers the same. ``/metrics`` needs ``Authorization: Bearer <HAILONG_METRICS_TOKEN>``; without a token
configured it answers 404.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import time
import uuid

from flask import Flask, Response, abort, g, has_request_context, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select

HTTP_REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter("hailong_http_requests_total", "HTTP requests by route, method and status",
                   ["route", "method", "status"], registry=HTTP_REGISTRY)
LATENCY = Histogram("hailong_http_request_duration_seconds", "HTTP request latency by route",
                    ["route", "method"], registry=HTTP_REGISTRY,
                    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
REQUEST_ID_HEADER = "X-Request-ID"
log = logging.getLogger("hailong.request")


class DatabaseCollector:
    """Figures read from the database at scrape time."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        from reports.schedule import status

        from .extensions import db
        from .models import AdminUnit, BackgroundJob, Kiosk, Notification

        with self.app.app_context():
            queue = GaugeMetricFamily("hailong_queue_length", "Items waiting in a queue", labels=["queue"])
            pending = db.session.execute(select(func.count()).select_from(Notification)
                                         .where(Notification.status == "pending")).scalar()
            failed = db.session.execute(select(func.count()).select_from(Notification)
                                        .where(Notification.status == "failed")).scalar()
            jobs = db.session.execute(select(func.count()).select_from(BackgroundJob)
                                      .where(BackgroundJob.status == "queued")).scalar()
            queue.add_metric(["notifications"], pending)
            queue.add_metric(["notifications_failed"], failed)
            queue.add_metric(["background_jobs"], jobs)
            yield queue
            last = GaugeMetricFamily("hailong_periodic_job_last_success_timestamp_seconds",
                                     "When each periodic job last finished successfully (Unix time; 0 = never)",
                                     labels=["job"])
            for row in status(db.session):
                last.add_metric([row.job.name], row.last_ok_at.timestamp() if row.last_ok_at else 0)
            yield last
            kiosks = GaugeMetricFamily("hailong_kiosk_last_contact_timestamp_seconds",
                                       "Each active kiosk's last contact (Unix time; 0 = never)",
                                       labels=["unit", "kiosk"])
            rows = db.session.execute(select(AdminUnit.code, Kiosk.id, Kiosk.last_seen_at)
                                      .join(AdminUnit, AdminUnit.id == Kiosk.unit_id)
                                      .where(Kiosk.active.is_(True), Kiosk.revoked_at.is_(None))).all()
            for code, kiosk_id, seen in rows:
                kiosks.add_metric([code, str(kiosk_id)], seen.timestamp() if seen else 0)
            yield kiosks
            db.session.remove()


def _http_metrics() -> bytes:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)
        return generate_latest(registry)
    return generate_latest(HTTP_REGISTRY)


def metrics_view() -> Response:
    from flask import current_app

    token = current_app.config.get("METRICS_TOKEN")
    if not token:
        abort(404)
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(given.encode(), token.encode()):
        return Response("Thiếu hoặc sai mã truy cập số liệu vận hành.\n", 401,
                        {"WWW-Authenticate": 'Bearer realm="metrics"', "Content-Type": "text/plain; charset=utf-8"})
    db_registry = CollectorRegistry(auto_describe=False)
    db_registry.register(DatabaseCollector(current_app._get_current_object()))
    return Response(_http_metrics() + generate_latest(db_registry), 200, {"Content-Type": CONTENT_TYPE_LATEST})


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the request id inside a request."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
                 "logger": record.name, "message": record.getMessage()}
        request_id = getattr(record, "request_id", None) or (g.get("request_id") if has_request_context() else None)
        if request_id:
            entry["request_id"] = request_id
        for key in ("method", "route", "path", "status", "duration_ms"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_json_logging(level: str = "INFO") -> None:
    """Send every log record to stderr as JSON (``HAILONG_LOG_FORMAT=json``; set in the Docker image)."""
    root = logging.getLogger()
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root.handlers[:] = [handler]
    root.setLevel(level)


def register(app: Flask) -> None:
    """Request ids, per-request metrics and the ``/metrics`` endpoint."""

    @app.before_request
    def start_timer() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = incoming[:64] if incoming.replace("-", "").isalnum() else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def observe(response):
        started = g.pop("request_started", None)
        if started is None:
            return response
        route = request.url_rule.rule if request.url_rule is not None else "(không khớp)"
        elapsed = time.perf_counter() - started
        if route != "/metrics":
            REQUESTS.labels(route, request.method, str(response.status_code)).inc()
            LATENCY.labels(route, request.method).observe(elapsed)
        response.headers[REQUEST_ID_HEADER] = g.request_id
        log.info("%s %s %s", request.method, request.path, response.status_code,
                 extra={"method": request.method, "route": route, "path": request.path,
                        "status": response.status_code, "duration_ms": round(elapsed * 1000, 1)})
        return response

    app.add_url_rule("/metrics", "metrics", metrics_view)
    if app.config.get("LOG_FORMAT") == "json":
        configure_json_logging()
