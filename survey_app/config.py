"""Configuration read from the environment when the app is created (never at import time)."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

TIMEZONE = "Asia/Ho_Chi_Minh"


def normalise_database_url(url: str) -> str:
    """Map the usual ``postgresql://`` / ``postgres://`` forms onto the installed psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_secret_key(instance_path: Path) -> str:
    """Return SECRET_KEY from the environment, else from ``instance/secret_key`` (created on first run)."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    instance_path.mkdir(parents=True, exist_ok=True)
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        # O_EXCL: two processes starting at once cannot write two different keys.
        try:
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_urlsafe(48))
    return key_file.read_text().strip()


def from_environment(instance_path: Path) -> dict:
    """Build the Flask config mapping for this process."""
    default_db = f"sqlite:///{instance_path / 'hailong.sqlite3'}"
    return {
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(os.environ.get("DATABASE_URL") or default_db),
        "SECRET_KEY": load_secret_key(instance_path),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        #: how long the dashboards' rollup reads stay in Redis (reports/rollup_cache.py); they are keyed on the
        #: rollups' last refresh, so this only bounds what old keys hold; 0 turns the cache off
        "DASHBOARD_CACHE_SECONDS": int(os.environ.get("HAILONG_DASHBOARD_CACHE_SECONDS", "900")),
        "TIMEZONE": TIMEZONE,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("HAILONG_SECURE_COOKIES", False),
        "REMEMBER_COOKIE_SECURE": _env_bool("HAILONG_SECURE_COOKIES", False),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=int(os.environ.get("HAILONG_SESSION_HOURS", "8"))),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the signed session
        "MAX_CONTENT_LENGTH": int(os.environ.get("HAILONG_MAX_UPLOAD_MB", "20")) * 1024 * 1024,
        "PUBLIC_BASE_URL": os.environ.get("HAILONG_PUBLIC_URL") or None,
        "LOGIN_MAX_FAILURES": int(os.environ.get("HAILONG_LOGIN_MAX_FAILURES", "5")),
        "LOGIN_WINDOW_SECONDS": int(os.environ.get("HAILONG_LOGIN_WINDOW_SECONDS", "900")),
        "PUBLIC_RATE_LIMIT": os.environ.get("HAILONG_PUBLIC_RATE_LIMIT", "30/60"),
        #: PostgreSQL's memory for each sort or hash of a full rollup rebuild (that transaction only; a rebuild
        #: follows a migration or a restore): with the server's 4 MB default the year's answers were grouped on disk
        "REBUILD_WORK_MEM": os.environ.get("HAILONG_REBUILD_WORK_MEM", "256MB"),
        #: and its hashes that many times as much (PostgreSQL's hash_mem_multiplier; the server's default is 2):
        #: a nation's settled dossiers make 6 million groups, 0,9 GB of hash table, spilled to disk at 2
        "REBUILD_HASH_MEM_MULTIPLIER": os.environ.get("HAILONG_REBUILD_HASH_MEM_MULTIPLIER", "4"),
        "WEBHOOK_MAX_BYTES": int(os.environ.get("HAILONG_WEBHOOK_MAX_KB", "64")) * 1024,
        #: deliveries refused for their signature, per sender address and window, before it is answered 429
        "WEBHOOK_REFUSAL_LIMIT": os.environ.get("HAILONG_WEBHOOK_REFUSAL_LIMIT", "20/600"),
        "WEBHOOK_MAX_AGE_HOURS": int(os.environ.get("HAILONG_WEBHOOK_MAX_AGE_HOURS", "48")),
        "ZALO_API_URL": os.environ.get("HAILONG_ZALO_API_URL", "https://openapi.zalo.me"),
        "FACEBOOK_API_URL": os.environ.get("HAILONG_FACEBOOK_API_URL", "https://graph.facebook.com/v23.0"),
        # Outgoing messages (survey_app.services.senders): unset means that medium is not sent (kept queued).
        "SMTP_URL": os.environ.get("HAILONG_SMTP_URL") or None,
        "SMTP_FROM": os.environ.get("HAILONG_SMTP_FROM") or None,
        "SMS_GATEWAY_URL": os.environ.get("HAILONG_SMS_URL") or None,
        "SMS_GATEWAY_KEY": os.environ.get("HAILONG_SMS_KEY") or None,
        "ZALO_GATEWAY_URL": os.environ.get("HAILONG_ZALO_URL") or None,
        "ZALO_GATEWAY_KEY": os.environ.get("HAILONG_ZALO_KEY") or None,
        "ZALO_TEMPLATE_ID": os.environ.get("HAILONG_ZALO_TEMPLATE") or None,
        "NOTIFICATION_SENDER": os.environ.get("NOTIFICATION_SENDER") or None,
        "METRICS_TOKEN": os.environ.get("HAILONG_METRICS_TOKEN") or None,
        "LOG_FORMAT": os.environ.get("HAILONG_LOG_FORMAT", "text"),
    }
