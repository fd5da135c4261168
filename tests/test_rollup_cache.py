"""The dashboards' rollup reads kept in Redis until the next refresh: the same rows back, no rollup statement on a
hit, new numbers after a refresh, and the rollups read directly when Redis fails."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from reports import rollup_cache
from reports.jobs import refresh
from survey_app.extensions import db
from survey_app.models import RollupResponseCount

URL = "redis://127.0.0.1:6379/15"

values = st.one_of(st.none(), st.integers(-10**12, 10**12), st.text(max_size=20),
                   st.floats(allow_nan=False, allow_infinity=False),
                   st.decimals(allow_nan=False, allow_infinity=False, places=3), st.dates(),
                   st.datetimes(timezones=st.just(UTC)))


@given(st.lists(st.lists(values, min_size=1, max_size=6).map(tuple), max_size=8))
def test_rows_come_back_equal_and_of_the_same_types(rows):
    back = rollup_cache.decode(rollup_cache.encode(rows))
    assert back == rows
    assert [[type(v) for v in row] for row in back] == [[type(v) for v in row] for row in rows]


@pytest.fixture
def cached(app):
    try:
        redis.Redis.from_url(URL, socket_timeout=1).ping()
    except redis.ConnectionError:
        pytest.fail("Redis is not running at 127.0.0.1:6379 (.ci/run starts it)")
    server = redis.Redis.from_url(URL)
    for key in server.scan_iter(rollup_cache.PREFIX + "*"):
        server.delete(key)
    app.config.update(REDIS_URL=URL, DASHBOARD_CACHE_SECONDS=60)
    yield server
    app.config.update(REDIS_URL=None)
    app.extensions.pop("hailong_redis", None)
    for key in server.scan_iter(rollup_cache.PREFIX + "*"):
        server.delete(key)


def test_a_second_read_runs_no_rollup_statement_and_a_refresh_makes_a_new_key(app, world, cached):
    statement = select(func.count()).select_from(RollupResponseCount)
    with app.app_context():
        refresh(db.session, full=True)
        db.session.commit()
        seen = []

        def before(conn, cursor, sql, params, context, many):
            if "rollup_response_counts" in sql:
                seen.append(sql)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            first = rollup_cache.rollup_rows(db.session, statement)
            assert len(seen) == 1
            assert rollup_cache.rollup_rows(db.session, statement) == first
            assert len(seen) == 1, "the second read went to the database"
            assert len(list(cached.scan_iter(rollup_cache.PREFIX + "*"))) == 1
            refresh(db.session)
            db.session.commit()
            seen.clear()  # the refresh itself touches the table
            assert rollup_cache.rollup_rows(db.session, statement) == first
            assert len(seen) == 1, "a new watermark must be a new key"
            assert len(list(cached.scan_iter(rollup_cache.PREFIX + "*"))) == 2
        finally:
            event.remove(db.engine, "before_cursor_execute", before)


def test_a_failing_redis_means_the_rollups_are_read(app, world):
    statement = select(func.count()).select_from(RollupResponseCount)
    app.config.update(REDIS_URL="redis://127.0.0.1:1/0", DASHBOARD_CACHE_SECONDS=60)
    try:
        with app.app_context():
            refresh(db.session, full=True)
            db.session.commit()
            live = [tuple(r) for r in db.session.execute(statement).all()]
            assert rollup_cache.rollup_rows(db.session, statement) == live
    finally:
        app.config.update(REDIS_URL=None)
        app.extensions.pop("hailong_redis", None)


def test_types_a_rollup_may_hold():
    rows = [(date(2026, 3, 2), Decimal("12"), 3, None, "qr", datetime(2026, 3, 2, 1, tzinfo=UTC))]
    assert rollup_cache.decode(rollup_cache.encode(rows)) == rows
