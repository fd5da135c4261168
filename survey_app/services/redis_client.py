"""The one Redis client of a web or worker process (its connection pool), when ``REDIS_URL`` is set."""

from __future__ import annotations

from flask import current_app


def redis_client():
    """The app's client, made on first use; None when no Redis is configured."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    client = current_app.extensions.get("hailong_redis")
    if client is None:
        import redis

        client = redis.Redis.from_url(url, socket_timeout=2)
        current_app.extensions["hailong_redis"] = client
    return client
