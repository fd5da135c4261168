"""The score's dossier pass (:func:`reports.scoring.data.dossier_figures`), counted in the database, equals every
dossier judged one by one in Python by the rules' wording, for any mix of dossiers and any cutoff (Hypothesis draws
receipt, due date, settlement before or after the cutoff or none, status, channel and fast track around a cutoff
that may fall mid-day), on SQLite and PostgreSQL."""

import itertools
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from reports.jobs import refresh
from reports.scoring import data
from reports.scoring.asof import as_of
from survey_app.extensions import db
from survey_app.models import Dossier, RollupChange, RollupState
from survey_app.timeutil import LOCAL_TZ, as_utc, utcnow

UNITS = ("bach-dang", "hoa-binh")
#: the cutoff's day and the days around it the dossiers fall on (a month across the end of June)
CUTOFF_DAY = date(2026, 6, 30)
HOURS = 24 * 30

dossier_st = st.tuples(
    st.sampled_from(UNITS),
    # received, in hours from the cutoff day's local midnight: in the month before, or on the cutoff's day itself
    # (before or after a mid-day cutoff)
    st.one_of(st.integers(-HOURS, 36), st.integers(-2, 26)),
    st.integers(-48, 24 * 10),  # due, in hours after receipt (a few due before they were received: bad imports)
    # settled, in hours after receipt (often within the day), or still open
    st.one_of(st.none(), st.integers(0, 24 * 12), st.integers(0, 12)),
    st.sampled_from([None, "open", "settled", "withdrawn", "other"]),
    st.sampled_from(["online", "direct", "postal", "home", "other"]),
    st.booleans(),
)


def _expected(rows: list[tuple], unit_id: int, asof) -> data.DossierFigures | None:
    """What each rule counts, dossier by dossier, written from the rules' wording rather than from the SQL."""
    c = asof.cutoff
    mine = [r for r in rows if r[0] == unit_id and asof.start <= r[1].astimezone(LOCAL_TZ).date() <= asof.end
            and r[1] <= c]
    if not mine:
        return None
    counts = {"received": 0, "judged": 0, "late_settled": 0, "open_past_due": 0, "withdrawn": 0}
    home = {"requests": 0, "served": 0, "unserved": 0, "waiting": 0}
    waiting_due = None
    received: dict[int, int] = {}
    same: dict[int, int] = {}
    for _, rec, due, settled, status, channel, fast in mine:
        if status == "withdrawn":
            counts["withdrawn"] += 1
            continue
        known = settled is not None and settled <= c  # a settlement after the cutoff is not known at it
        counts["received"] += 1
        counts["judged"] += known or due < c
        counts["late_settled"] += known and settled > due
        counts["open_past_due"] += not known and due < c
        if channel == "home":
            home["requests"] += 1
            home["served"] += known
            home["unserved"] += not known and due < c
            if not known and due >= c:
                home["waiting"] += 1
                waiting_due = due if waiting_due is None else min(waiting_due, due)
        if fast:
            day = rec.astimezone(LOCAL_TZ).date()
            received[day.weekday()] = received.get(day.weekday(), 0) + 1
            if known and settled.astimezone(LOCAL_TZ).date() == day:
                same[day.weekday()] = same.get(day.weekday(), 0) + 1
    return data.DossierFigures(data.DossierCounts(**counts), data.FastTrack(received, same),
                               data.HomeService(**home, waiting_due=waiting_due))


#: what happens after the rollups were built: a settlement (or a reopening), a status, a corrected day of receipt,
#: a deletion, a new dossier (each one known to the score at once, before the next refresh)
later_st = st.one_of(
    st.tuples(st.just("settle"), st.integers(0, 10_000), st.one_of(st.none(), st.integers(0, 24 * 12))),
    st.tuples(st.just("status"), st.integers(0, 10_000), st.sampled_from([None, "withdrawn", "settled"])),
    st.tuples(st.just("move"), st.integers(0, 10_000), st.integers(-HOURS, 30)),
    st.tuples(st.just("delete"), st.integers(0, 10_000)),
    st.tuples(st.just("add"), dossier_st),
)


def _add(world, n: int, dossier: tuple, midnight: datetime, **extra) -> Dossier:
    unit, received_h, due_h, settled_h, status, channel, fast = dossier
    received = as_utc(midnight + timedelta(hours=received_h, minutes=n))
    row = Dossier(unit_id=world["units"][unit], code=f"D{n}", received_at=received,
                  received_day=received.astimezone(LOCAL_TZ).date(), due_at=received + timedelta(hours=due_h),
                  settled_at=None if settled_h is None else received + timedelta(hours=settled_h), status=status,
                  channel=channel, fast_track=fast, **extra)
    db.session.add(row)
    return row


def _change(world, rows: list[Dossier], op: tuple, midnight: datetime, serial) -> None:
    kind = op[0]
    if kind == "add":  # a number never used before (after a deletion, the count of rows would repeat one)
        rows.append(_add(world, next(serial), op[1], midnight))
        return
    if not rows:
        return
    row = rows[op[1] % len(rows)]
    if kind == "settle":
        row.settled_at = None if op[2] is None else as_utc(row.received_at) + timedelta(hours=op[2])
    elif kind == "status":
        row.status = op[2]
    elif kind == "move":  # a re-import corrects the time of receipt: the old day must lose it
        row.received_at = as_utc(midnight + timedelta(hours=op[2]))
        row.received_day = row.received_at.astimezone(LOCAL_TZ).date()
    elif kind == "delete":
        db.session.delete(row)
        rows.remove(row)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(dossiers=st.lists(dossier_st, max_size=25), cutoff_hour=st.one_of(st.none(), st.integers(0, 23)),
       built=st.booleans(), later=st.lists(later_st, max_size=6))
def test_the_dossier_pass_equals_each_dossier_judged_alone(app, world, dossiers, cutoff_hour, built, later):
    """With the rollups never built (every dossier read raw), or built an hour after the dossiers last changed and
    then changed again before the next refresh (the changed days read raw, the rest from the rollup)."""
    midnight = datetime.combine(CUTOFF_DAY, datetime.min.time(), LOCAL_TZ)
    # the end of the cutoff's day, or the present in the middle of it
    now = as_utc(midnight + timedelta(days=30 if cutoff_hour is None else 0, hours=cutoff_hour or 0, minutes=17))
    asof = as_of(CUTOFF_DAY.year, CUTOFF_DAY, now=now)
    with app.app_context():
        for model in (Dossier, RollupChange, RollupState):
            db.session.execute(delete(model))
        an_hour_ago = utcnow() - timedelta(hours=1)
        rows = [_add(world, n, dossier, midnight, updated_at=an_hour_ago) for n, dossier in enumerate(dossiers)]
        db.session.commit()
        if built:
            refresh(db.session, full=True)
            db.session.commit()
            serial = itertools.count(1000)
            for op in later:
                _change(world, rows, op, midnight, serial)
                db.session.flush()
            db.session.commit()
        units = [world["units"][u] for u in UNITS]
        figures = data.dossier_figures(db.session, units, asof)
        facts = [(r.unit_id, as_utc(r.received_at), as_utc(r.due_at), r.settled_at and as_utc(r.settled_at),
                  r.status, r.channel, r.fast_track) for r in rows]
        for unit_id in units:
            expected = _expected(facts, unit_id, asof)
            got = figures.get(unit_id)
            if got is not None and got.home.waiting_due is not None:
                got = data.DossierFigures(got.counts, got.fast_track, data.HomeService(
                    got.home.requests, got.home.served, got.home.unserved, got.home.waiting,
                    as_utc(got.home.waiting_due)))
            assert got == expected, unit_id
        for model in (Dossier, RollupChange, RollupState):
            db.session.execute(delete(model))
        db.session.commit()
        db.session.remove()
