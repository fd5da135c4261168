"""Rate-limit counters are shared state: in the database by default, in Redis when configured."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import RateCounter
from survey_app.services import ratelimit


def test_database_counter_allows_up_to_the_limit(app):
    with app.app_context():
        results = [ratelimit.hit("test:db", 3, 60).allowed for _ in range(5)]
        assert results == [True, True, True, False, False]
        assert ratelimit.peek("test:db", 60) == 5
        ratelimit.reset("test:db", 60)
        assert ratelimit.peek("test:db", 60) == 0


def test_database_counter_counts_concurrent_hits_once_each(app):
    """Hits from several processes at once (threads with their own connections here): each gets its own count,
    none is lost, none counted twice."""
    def hit(_):
        with app.app_context():
            return ratelimit.hit("test:db-concurrent", 1000, 3600).count

    with app.app_context():
        ratelimit.reset("test:db-concurrent", 3600)
    with ThreadPoolExecutor(4) as pool:
        counts = sorted(pool.map(hit, range(40)))
    assert counts == list(range(1, 41))
    with app.app_context():
        assert ratelimit.peek("test:db-concurrent", 3600) == 40
        ratelimit.reset("test:db-concurrent", 3600)


def test_database_counter_drops_older_windows_of_its_key(app):
    with app.app_context():
        start, _ = ratelimit._window(86400)
        db.session.add_all([RateCounter(key="test:db-old", window_start=start - 86400, count=7),
                            RateCounter(key="test:db-other", window_start=start - 86400, count=2)])
        db.session.commit()
        assert ratelimit.hit("test:db-old", 5, 86400).count == 1
        assert ratelimit.hit("test:db-old", 5, 86400).count == 2
        windows = db.session.execute(select(RateCounter.key, RateCounter.window_start, RateCounter.count)
                                     .where(RateCounter.key.like("test:db-%")).order_by(RateCounter.key)).all()
        assert [tuple(w) for w in windows] == [("test:db-old", start, 2), ("test:db-other", start - 86400, 2)]
        ratelimit.reset("test:db-old", 86400)
        ratelimit.reset("test:db-other", 86400)


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
            # the window's counter goes by itself after the window (set on its first hit, kept by later ones)
            server = redis.Redis.from_url(url)
            ttl = [server.ttl(key) for key in server.keys("hailong:rl:test:redis:*")]
            assert len(ttl) == 1 and 0 < ttl[0] <= 65, ttl
            ratelimit.reset("test:redis", 60)
    finally:
        app.config["REDIS_URL"] = None
        app.extensions.pop("hailong_redis", None)
