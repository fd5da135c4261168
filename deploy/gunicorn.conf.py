"""gunicorn settings for the Docker image and deploy/compose.yaml: Prometheus multi-process metrics and JSON logs.

Each worker writes its HTTP metrics under PROMETHEUS_MULTIPROC_DIR; /metrics sums them. The folder is emptied when
the master starts and a dead worker's live gauges are dropped (prometheus-client's documented gunicorn set-up).
"""

import os
import shutil

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
graceful_timeout = 20
# The application logs each request as JSON with its request id (survey_app/observability.py).
accesslog = None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        shutil.rmtree(directory, ignore_errors=True)
        os.makedirs(directory, exist_ok=True)


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
