"""The dashboards' reads of the rollup tables, kept in Redis until the next rollup refresh.

A rollup table changes only in :func:`reports.jobs.refresh`, which moves the watermark
``RollupState("all").refreshed_through`` in the same transaction. So the rows a statement over the rollups returns
are a function of the statement, its parameters and that watermark: they are stored in Redis under a key made of
the three, and every web process and host reads the same entry until the next refresh (every 5 minutes) makes a
new key. An entry under an old key is never read again and expires after ``DASHBOARD_CACHE_SECONDS``.

What is not a rollup stays live and never comes through here: open cases and their deadlines (a deadline passes
without a row changing), the recent comments (raw rows), the score cache and submissions, names of centres,
counters and officers.

Without Redis (the embedded default), with ``DASHBOARD_CACHE_SECONDS=0``, outside an app, or before the rollups
were first built, the statement simply runs. A Redis that fails is logged and the statement runs: a dashboard
never waits on its cache.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import date, datetime
from decimal import Decimal

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from survey_app.models import RollupState
from survey_app.services.redis_client import redis_client

log = logging.getLogger("hailong.rollup_cache")
PREFIX = "hailong:rollup-rows:"


def _default(value):
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    raise TypeError(f"a rollup row holds a {type(value).__name__}")


def _hook(obj: dict):
    if len(obj) == 1:
        (tag, text), = obj.items()
        if tag == "t":
            return datetime.fromisoformat(text)
        if tag == "d":
            return date.fromisoformat(text)
        if tag == "n":
            return Decimal(text)
    return obj


def encode(rows) -> bytes:
    """Rows of plain values (numbers, text, days, moments, None) as JSON that :func:`decode` gives back equal and of
    the same types (a Decimal stays a Decimal, a day a day)."""
    return json.dumps([list(row) for row in rows], default=_default, ensure_ascii=False,
                      separators=(",", ":")).encode()


def decode(payload: bytes) -> list[tuple]:
    return [tuple(row) for row in json.loads(payload, object_hook=_hook)]


def _seconds() -> int:
    return int(current_app.config.get("DASHBOARD_CACHE_SECONDS") or 0)


def key_for(session: Session, statement, watermark: datetime) -> str:
    compiled = statement.compile(dialect=session.get_bind().dialect)
    text = f"{watermark.isoformat()}\n{compiled.string}\n{sorted(compiled.params.items())!r}"
    return PREFIX + hashlib.sha256(text.encode()).hexdigest()


def rollup_rows(session: Session, statement) -> list[tuple]:
    """``session.execute(statement).all()`` for a statement that reads rollup tables only, from Redis when the same
    statement was answered since the last refresh."""
    if not has_app_context() or _seconds() <= 0:
        return _run(session, statement)
    client = redis_client()
    state = session.get(RollupState, "all")  # the identity map's copy: one lookup per request, not per statement
    if client is None or state is None or state.refreshed_through is None:
        return _run(session, statement)
    key = key_for(session, statement, state.refreshed_through)
    try:
        payload = client.get(key)
    except Exception as exc:  # noqa: BLE001 - any Redis failure: read the rollups as if there were no cache
        log.warning("rollup cache unavailable, reading the rollups: %s", exc)
        return _run(session, statement)
    if payload is not None:
        return decode(payload)
    rows = _run(session, statement)
    try:
        client.set(key, encode(rows), ex=_seconds())
    except Exception as exc:  # noqa: BLE001
        log.warning("rollup cache not written: %s", exc)
    return rows


def _run(session: Session, statement) -> list[tuple]:
    return [tuple(row) for row in session.execute(statement).all()]
