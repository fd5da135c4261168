"""Rate-limit counters are shared state: in the database by default, in Redis when configured."""

import pytest
import redis

from survey_app.services import ratelimit


def test_database_counter_allows_up_to_the_limit(app):
    with app.app_context():
        results = [ratelimit.hit("test:db", 3, 60).allowed for _ in range(5)]
        assert results == [True, True, True, False, False]
        assert ratelimit.peek("test:db", 60) == 5
        ratelimit.reset("test:db", 60)
        assert ratelimit.peek("test:db", 60) == 0


def test_redis_counter_when_redis_is_configured(app):
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_timeout=1).ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not running at 127.0.0.1:6379 (.ci/run starts it)")
    app.config["REDIS_URL"] = url
    try:
        with app.app_context():
            ratelimit.reset("test:redis", 60)
            results = [ratelimit.hit("test:redis", 2, 60).allowed for _ in range(3)]
            assert results == [True, True, False]
            assert ratelimit.peek("test:redis", 60) == 3
            ratelimit.reset("test:redis", 60)
    finally:
        app.config["REDIS_URL"] = None
        app.extensions.pop("hailong_redis", None)
