"""Round trips to PostgreSQL as libpq itself records them: what a request costs the server and the web process,
counted past every layer of ours (tests only)."""

from __future__ import annotations

from survey_app.extensions import db


def round_trips(app, fn, folder) -> list[list[str]]:
    """What libpq itself sent, per checkout of a pooled connection (PostgreSQL): each exchange as the frontend's
    messages up to the server's ReadyForQuery, i.e. one round trip each. Checkouts of the rate limiter's own
    connection (the counters when no Redis is configured) are left out."""
    import os

    import psycopg
    from sqlalchemy import event

    traces: list = []

    def checkout(dbapi_connection, record, proxy):
        path = folder / f"trace-{len(traces)}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        dbapi_connection.pgconn.trace(fd)
        dbapi_connection.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        traces.append((dbapi_connection, path, fd))

    def checkin(dbapi_connection, record):
        dbapi_connection.pgconn.untrace()

    with app.app_context():
        pool = db.engine.pool
    event.listen(pool, "checkout", checkout)
    event.listen(pool, "checkin", checkin)
    try:
        fn()
    finally:
        event.remove(pool, "checkout", checkout)
        event.remove(pool, "checkin", checkin)
    exchanges = []
    for connection, path, fd in traces:
        connection.pgconn.untrace()
        os.close(fd)
        exchanges.append(trips_of(path.read_text()))
    return [trips for trips in exchanges if trips is not None]


def trips_of(text: str) -> list[str] | None:
    """One checkout's round trips read off its libpq trace: the first word of each statement sent, up to each
    ReadyForQuery of the server (None for the rate limiter's own connection)."""
    import re

    if "rate_counters" in text:
        return None
    trips, sent = [], []
    # a statement's text may span lines: the messages are read off the whole trace, in order
    for word, _ready in re.findall(r'^F\t\d+\t(?:Query|Parse)\t "(?:[^"]*" ")?\s*(\w+)|^B\t\d+\t(ReadyForQuery)',
                                  text, re.M):
        if word:
            sent.append(word.upper())
        else:
            trips.append(" ".join(sent) or "-")
            sent = []
    return trips
