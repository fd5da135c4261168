"""A set-based generator for a national-size world on PostgreSQL: every row is made by ``INSERT … SELECT … FROM
generate_series(…)`` inside the database, so 3,321 communes and a year of data take minutes, not the ten hours the
Python generators of :mod:`survey_app.services.demo_data` would.

It writes what the scoring rules, the rollups and the dashboards read, in the shapes and proportions of the
Python generators: provinces and their communes (every active unit with a parent is scored), one service centre
per commune with four counters and their officers, a department and a staff login per commune, the unit profile
(neighbourhoods, fast-track weekday), dossiers (fields, legal time limits counted in working days, fast-track,
home delivery, a few late, the recent ones open), feedback cases with their event log (assigned, answered,
published, rated; a few extended or reopened) and deadlines from the legal registry, collection sessions, suggestion
boxes and their openings, the duty roster, and survey responses with their answers (centre questionnaire: QR, paper,
web and one-tap kiosk ratings, a few suspicious bursts). The rollups are then built by the product's own full
refresh (:func:`reports.jobs.refresh`), so they are consistent with the raw rows by construction.

Not generated (nothing in the scoring reads them; said in the results): the annual questionnaire (item 2.7.b),
free-text comments, responses naming a dossier, kiosks, QR tokens, staff entries, apology letters.

Deadlines: working days come from :mod:`survey_app.services.workdays` (holidays, swapped Saturdays, the
administrator's corrections), computed in Python once per calendar day into a small table the SQL joins; the answer,
transfer and extension periods of cases from the legal registry (:func:`survey_app.services.cases.rule_days`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session

from .sizes import Size

LOCAL = "Asia/Ho_Chi_Minh"
#: provinces and centrally-run cities since 1 July 2025 (the parents of the nation's communes)
PROVINCES = 34
#: the nation's 3,321 commune-level units by kind since 1 July 2025 (2,621 xã, 687 phường, 13 đặc khu)
NATION_KINDS = [("xa", 2621), ("phuong", 687), ("dac_khu", 13)]
COUNTER_LABELS = ["Tư pháp – Hộ tịch", "Chứng thực", "Đất đai – Xây dựng", "Lao động – Thương binh và Xã hội"]
OFFICER_NAMES = ["Nguyễn Thị Hà", "Trần Văn Nam", "Lê Thu Lan", "Phạm Minh Phương"]
#: dossiers: (field, share, legal time limit in working days), as :data:`demo_data.FIELDS`
FIELDS = [("Hộ tịch", 35, 3), ("Chứng thực", 30, 1), ("Đất đai", 10, 15), ("Lao động – Thương binh và Xã hội", 10, 7),
          ("Xây dựng", 5, 10), ("Kinh doanh", 5, 5), ("Khác", 5, 5)]
#: share of dossiers settled after their due date, and withdrawn (not judged)
LATE_SHARE = 0.02
WITHDRAWN_SHARE = 0.003
FAST_TRACK_WEEKDAY = 2
#: cases: share extended (extension approved) and reopened after an answer
EXTENDED_SHARE = 0.03
REOPENED_SHARE = 0.02
CASE_CHANNELS = [("web", 30), ("app", 10), ("hotline", 20), ("zalo", 15), ("facebook", 10), ("email", 5),
                 ("reception", 10)]
PAPER_SHARE = 0.2
STEP = 400  # communes per dossier statement (progress in the log, bounded statements)


@dataclass(frozen=True)
class Plan:
    """What the generator aims at, computed from the same day table and per-commune factors it uses: the test
    compares the rows written with it."""

    dossiers: float
    cases: float
    responses: float


def _factor(n: int, low: float, high: float, salt: float = 0.0) -> float:
    """A commune's fixed multiplier in [low, high), spread evenly (golden-ratio sequence), mean (low + high) / 2."""
    return low + (high - low) * ((n * 0.6180339887 + salt) % 1.0)


def dossier_factor(n: int) -> float:
    return _factor(n, 0.6, 1.4)


def response_factor(n: int) -> float:
    return _factor(n, 0.4, 1.6, 0.37)


def kinds_for(size: Size) -> list[str]:
    """The communes' kinds in the nation's proportions (evenly interleaved)."""
    total = sum(c for _, c in NATION_KINDS)
    order = [kind for kind, count in NATION_KINDS for _ in range(count)]
    return [order[(n * 7919) % total * len(order) // total] for n in range(1, size.communes + 1)]


def day_table(start: date, days: int, corrections: dict) -> list[tuple[date, float, bool]]:
    """(day, weight, working) for each day of the period: the demo generator's rhythm (Tết, Saturdays, Sundays)
    and the working-day calendar."""
    from survey_app.services import workdays
    from survey_app.services.demo_data import _day_weight

    return [(d, _day_weight(d), workdays.is_working_day(d, corrections))
            for d in (start + timedelta(days=i) for i in range(days))]


def plan(size: Size, table: list[tuple[date, float, bool]]) -> Plan:
    working = sum(1 for _, _, w in table if w)
    weights = sum(w for _, w, _ in table)
    case_days = sum(w if w else 0.2 for _, w, _ in table)
    n = range(1, size.communes + 1)
    return Plan(dossiers=size.dossiers_per_day * working * sum(dossier_factor(i) for i in n),
                cases=size.cases_per_day * case_days * size.communes,
                responses=size.responses_per_day * weights * sum(response_factor(i) for i in n))


#: the tables with millions of rows: their secondary indexes are dropped for the load and built again after it
BIG_TABLES = ("dossiers", "cases", "case_events", "survey_responses", "survey_answers", "duty_shifts")


def _drop_indexes(session: Session, tables: tuple[str, ...]) -> list[str]:
    """Drop the tables' indexes that back no constraint; returns their definitions, to create them again."""
    rows = session.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(:t) "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint) ORDER BY tablename, indexname"),
        {"t": list(tables)}).all()
    for name, _ in rows:
        session.execute(text(f'DROP INDEX "{name}"'))
    session.commit()
    return [definition for _, definition in rows]


def _run(session: Session, sql: str, params: dict | None = None) -> int:
    return session.execute(text(sql), params or {}).rowcount


def _triangular_minutes(u: str, weekday: str) -> str:
    """Minutes after midnight, local: weekdays 7:30–17:00 busier in the morning (triangular, mode 9:00), Saturdays
    (and the odd Sunday) 7:30–11:30, as :func:`demo_data._local_time`."""
    a, b, c = 450, 1020, 540
    fc = (c - a) / (b - a)
    return (f"(CASE WHEN {weekday} < 5 THEN (CASE WHEN {u} < {fc} THEN {a} + sqrt({u} * {(b - a) * (c - a)}) "
            f"ELSE {b} - sqrt((1 - {u}) * {(b - a) * (b - c)}) END) ELSE 450 + 240 * {u} END)")


def _local(day: str, minutes: str) -> str:
    return f"((({day})::timestamp + make_interval(secs => ({minutes}) * 60)) AT TIME ZONE '{LOCAL}')"


def _pick(u: str, choices: list[tuple[str, float]]) -> str:
    """A CASE choosing among SQL expressions by cumulative weights of a uniform draw ``u``."""
    total = sum(w for _, w in choices)
    parts, cum = [], 0.0
    for value, weight in choices[:-1]:
        cum += weight / total
        parts.append(f"WHEN {u} < {cum:.6f} THEN {value}")
    return f"(CASE {' '.join(parts)} ELSE {choices[-1][0]} END)"


def _q(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def generate(session: Session, size: Size, start: date, days: int, log=print) -> dict:
    """Fill an empty, migrated PostgreSQL database; returns row counts and seconds per step. Commits each step."""
    from survey_app.models import Role, User
    from survey_app.services import accounts, workdays
    from survey_app.services.cases import rule_days
    from survey_app.services.units_import import ensure_city

    from .world import PASSWORD

    if session.get_bind().dialect.name != "postgresql":
        raise RuntimeError("the set-based generator runs on PostgreSQL only")
    timings: dict[str, float] = {}
    end = start + timedelta(days=days - 1)
    corrections = workdays.overrides(start - timedelta(days=10), end + timedelta(days=200))
    table = day_table(start, days, corrections)
    _run(session, "SELECT setseed(0.2026)")
    # a bulk load: the big tables' secondary indexes are built once at the end (a sorted build, not millions of
    # insertions), foreign keys are not re-checked row by row (every id comes from the rows just written)
    _run(session, "SET session_replication_role = replica")
    _run(session, "SET synchronous_commit = off")
    _run(session, "SET maintenance_work_mem = '512MB'")
    _run(session, "SET work_mem = '64MB'")
    indexes = _drop_indexes(session, BIG_TABLES)

    def step(name: str):
        began = time.perf_counter()

        def done(rows: int | None = None) -> None:
            session.commit()
            _run(session, "SELECT setseed(0.2026)")  # each step from a known seed
            timings[name] = round(time.perf_counter() - began, 1)
            log(f"  {name}: " + (f"{rows:,} rows " if rows is not None else "") + f"in {timings[name]:.0f} s")
        return done

    # -- units, centres, counters, officers, departments, logins, profiles -----------------------------------
    done = step("units")
    city = ensure_city()
    provinces = max(1, min(size.provinces, size.communes))
    _run(session, "INSERT INTO admin_units (code, name, kind, parent_id, active, created_at) "
                  "SELECT 'tinh-' || lpad(p::text, 2, '0'), 'Tỉnh mẫu ' || lpad(p::text, 2, '0'), 'thanh_pho', NULL, "
                  "true, now() FROM generate_series(2, :provinces) AS p", {"provinces": provinces})
    kinds = kinds_for(size)
    session.execute(text("CREATE TEMP TABLE nat_kinds (n integer PRIMARY KEY, kind varchar(16))"))
    session.execute(text("INSERT INTO nat_kinds VALUES (:n, :kind)"),
                    [{"n": n, "kind": k} for n, k in enumerate(kinds, start=1)])
    prefix = size.code_prefix
    _run(session, f"""
        INSERT INTO admin_units (code, name, kind, parent_id, population, active, created_at)
        SELECT '{prefix}-' || lpad(n::text, 4, '0'), 'Mẫu ' || lpad(n::text, 4, '0'), k.kind,
               CASE WHEN (n - 1) % :provinces = 0 THEN :city
                    ELSE (SELECT id FROM admin_units WHERE code = 'tinh-' || lpad(((n - 1) % :provinces + 1)::text, 2,
                                                                                  '0')) END,
               12000 + (n * 7919) % 40000, true, now()
        FROM nat_kinds k""",
         {"provinces": provinces, "city": city.id, "communes": size.communes})
    _run(session, f"""
        CREATE TEMP TABLE nat_units AS
        SELECT u.id AS unit_id, substr(u.code, {len(prefix) + 2})::integer AS n, u.code, u.kind FROM admin_units u
        WHERE u.parent_id IS NOT NULL AND u.code LIKE '{prefix}-%'""")
    _run(session, """
        INSERT INTO service_centres (unit_id, name, address, active, created_at)
        SELECT unit_id, 'Trung tâm Phục vụ hành chính công ' || CASE kind WHEN 'xa' THEN 'Xã' WHEN 'phuong' THEN
               'Phường' ELSE 'Đặc khu' END || ' Mẫu ' || lpad(n::text, 4, '0'), '', true, now() FROM nat_units""")
    labels = ", ".join(f"({i}, {_q(label)}, {_q(name)})"
                       for i, (label, name) in enumerate(zip(COUNTER_LABELS, OFFICER_NAMES, strict=True), start=1))
    _run(session, f"""
        INSERT INTO counters (unit_id, centre_id, number, label, active)
        SELECT c.unit_id, c.id, l.number, l.label, true FROM service_centres c JOIN nat_units u ON u.unit_id = c.unit_id
        CROSS JOIN (VALUES {labels}) AS l(number, label, officer)""")
    _run(session, f"""
        INSERT INTO officers (unit_id, counter_id, full_name, title, active)
        SELECT c.unit_id, c.id, l.officer, '', true FROM counters c JOIN nat_units u ON u.unit_id = c.unit_id
        JOIN (VALUES {labels}) AS l(number, label, officer) ON l.number = c.number""")
    _run(session, "INSERT INTO departments (unit_id, name, email, active) "
                  "SELECT unit_id, 'Văn phòng HĐND và UBND', '', true FROM nat_units")
    accounts.create_user(None, username="bench.admin", full_name="Quản trị (bench)", password=PASSWORD,
                         role=Role.CITY_ADMIN, unit_id=None)
    staff = User(username="bench.hash", full_name="", role=Role.COMMUNE_STAFF.value)
    staff.set_password(PASSWORD)  # one hash (slow by design) shared by every commune's login
    _run(session, """
        INSERT INTO users (username, full_name, password_hash, role, unit_id, active, session_token, created_at)
        SELECT 'canbo.' || code, 'Cán bộ Mẫu ' || lpad(n::text, 4, '0'), :hash, :role, unit_id, true,
               md5(random()::text), now() FROM nat_units""", {"hash": staff.password_hash,
                                                            "role": Role.COMMUNE_STAFF.value})
    _run(session, "INSERT INTO unit_profiles (unit_id, neighbourhoods, fast_track_weekday) "
                  "SELECT unit_id, 8 + floor(random() * 13)::int, :weekday FROM nat_units",
         {"weekday": FAST_TRACK_WEEKDAY})
    _run(session, """
        CREATE TEMP TABLE nat_commune AS
        SELECT u.unit_id, u.n, u.code, c.id AS centre_id,
               (SELECT id FROM users s WHERE s.unit_id = u.unit_id ORDER BY id LIMIT 1) AS staff_id,
               (SELECT id FROM departments d WHERE d.unit_id = u.unit_id ORDER BY id LIMIT 1) AS department_id
        FROM nat_units u JOIN service_centres c ON c.unit_id = u.unit_id""")
    session.execute(text("ALTER TABLE nat_commune ADD COLUMN dossier_factor float, ADD COLUMN response_factor float, "
                         "ADD COLUMN level float"))
    session.execute(text("UPDATE nat_commune SET dossier_factor = :d, response_factor = :r, level = :level "
                         "WHERE n = :n"),
                    [{"n": n, "d": dossier_factor(n), "r": response_factor(n), "level": _factor(n, 0.80, 0.97, 0.71)}
                     for n in range(1, size.communes + 1)])
    _run(session, "CREATE TEMP TABLE nat_counters AS SELECT c.unit_id, c.number, c.id AS counter_id, "
                  "o.id AS officer_id FROM counters c JOIN nat_units u ON u.unit_id = c.unit_id "
                  "JOIN officers o ON o.counter_id = c.id")
    _run(session, "ANALYZE nat_commune")
    _run(session, "ANALYZE nat_counters")

    # -- the calendar: days of the period, and deadlines by (day of receipt, working days) -------------------
    session.execute(text("CREATE TEMP TABLE nat_days (day date PRIMARY KEY, weight float, working boolean, "
                         "weekday integer)"))
    session.execute(text("INSERT INTO nat_days VALUES (:d, :w, :working, :wd)"),
                    [{"d": d, "w": w, "working": working, "wd": d.weekday()} for d, w, working in table])
    kinds_of_case = ("gop_y", "phan_anh", "kien_nghi")
    answer = {k: rule_days(k, "answer") for k in kinds_of_case}
    transfer = rule_days("gop_y", "transfer")
    extension = {k: rule_days(k, "extension") for k in kinds_of_case}
    spans = {0} | {limit for _, _, limit in FIELDS} | {n for n, _ in answer.values()} | {transfer[0]} | {
        n for n, _ in extension.values()}
    session.execute(text("CREATE TEMP TABLE nat_due (day date, days integer, working boolean, due_at timestamptz, "
                         "PRIMARY KEY (day, days, working))"))
    rows = []
    last = end + timedelta(days=120)
    day = start - timedelta(days=1)
    while day <= last:
        for n in spans:
            for working in (True, False):
                due_day = workdays.add_working_days(day, n, corrections) if working else day + timedelta(days=n)
                rows.append({"d": day, "n": n, "w": working, "due": workdays.end_of_local_day(due_day)})
        day += timedelta(days=1)
    session.execute(text("INSERT INTO nat_due VALUES (:d, :n, :w, :due)"), rows)
    _run(session, "ANALYZE nat_days")
    _run(session, "ANALYZE nat_due")
    done(size.communes)

    # -- dossiers ----------------------------------------------------------------------------------------------
    done = step("dossiers")
    field = _pick("r_field", [(_q(f), s) for f, s, _ in FIELDS])
    limit = _pick("r_field", [(str(n), s) for _, s, n in FIELDS])
    channel = _pick("r_ch", [("'online'", 60), ("'direct'", 35), ("'postal'", 3), ("'home'", 2)])
    minutes = _triangular_minutes("r_t", "weekday")
    written = 0
    for lo in range(1, size.communes + 1, STEP):
        written += _run(session, f"""
            INSERT INTO dossiers (unit_id, code, procedure, field, received_at, received_day, due_at, settled_at,
                                  channel, status, fast_track, updated_at)
            SELECT unit_id, code || '-' || to_char(day, 'YYMMDD') || '-' || lpad(i::text, 5, '0'),
                   'Thủ tục ' || lower(field), field, received_at, day, due_at, settled, channel,
                   CASE WHEN withdrawn THEN 'withdrawn' END, fast, coalesce(settled, received_at)
            FROM (
                SELECT s.*, CASE WHEN raw_settled > now() THEN NULL ELSE raw_settled END AS settled
                FROM (
                    SELECT f.*, n.due_at,
                           CASE WHEN withdrawn THEN NULL
                                WHEN fast THEN received_at + make_interval(secs => 1800 + r_s * 9000)
                                WHEN r_late < {LATE_SHARE}
                                     THEN n.due_at + make_interval(days => 1 + floor(r_s * 5)::int)
                                     - interval '13 hours 59 minutes 59 seconds'
                                ELSE received_at + make_interval(secs => (0.2 + 0.8 * r_s) * greatest(600, extract(
                                     epoch FROM n.due_at - interval '7 hours 29 minutes 59 seconds' - received_at)))
                           END AS raw_settled
                    FROM (
                        SELECT b.*, {field} AS field, {channel} AS channel, r_w < {WITHDRAWN_SHARE} AS withdrawn,
                               {_local('b.day', minutes)} AS received_at,
                               b.weekday = {FAST_TRACK_WEEKDAY} AND r_field < 0.65 AND r_fast < 0.5 AS fast,
                               {limit} AS span
                        FROM (
                            SELECT c.unit_id, c.code, d.day, d.weekday, g.i, random() AS r_field, random() AS r_fast,
                                   random() AS r_late, random() AS r_s, random() AS r_ch, random() AS r_t,
                                   random() AS r_w
                            FROM nat_commune c JOIN nat_days d ON d.working
                            CROSS JOIN LATERAL generate_series(1, greatest(0, round(:per_day * c.dossier_factor
                                * (1 + 0.5 * (random() + random() - 1)) + 0 * d.weekday))::int) AS g(i)
                            WHERE c.n >= :lo AND c.n < :hi
                        ) b
                    ) f JOIN nat_due n ON n.day = f.day AND n.working
                                         AND n.days = CASE WHEN f.fast THEN 0 ELSE f.span END
                ) s
            ) t""", {"per_day": size.dossiers_per_day, "lo": lo, "hi": lo + STEP})
        session.commit()
        log(f"    dossiers of communes {lo}–{min(lo + STEP - 1, size.communes)}: {written:,} so far")
    done(written)

    # -- feedback: collection sessions, boxes and openings, duty roster, cases and their events ------------------
    done = step("cases")
    organisations = "ARRAY['Ủy ban MTTQ', 'Tổ trưởng tổ dân phố', 'Hội Phụ nữ', 'Hội Cựu chiến binh']"
    _run(session, f"""
        INSERT INTO collection_sessions (unit_id, held_on, organisation, collector, neighbourhood, note, created_by_id,
                                         created_at)
        SELECT c.unit_id, d.day, ({organisations})[1 + floor(random() * 4)::int], 'Tổ trưởng tổ dân phố',
               'Tổ dân phố ' || (1 + floor(random() * 12)::int), '', c.staff_id, now()
        FROM nat_commune c JOIN nat_days d ON d.weekday = 4 WHERE random() < 0.9""")
    _run(session, """
        INSERT INTO suggestion_boxes (unit_id, location_kind, location_name, installed_on, active)
        SELECT c.unit_id, b.kind, CASE WHEN b.kind = 'ubnd' THEN 'Trụ sở UBND Mẫu ' || lpad(c.n::text, 4, '0')
               ELSE b.name END, CAST(:installed AS date), true
        FROM nat_commune c CROSS JOIN (VALUES ('ubnd', ''), ('to_dan_pho', 'Nhà văn hóa tổ dân phố 1'),
                                              ('to_dan_pho', 'Nhà văn hóa tổ dân phố 4')) AS b(kind, name)""",
         {"installed": start - timedelta(days=200)})
    _run(session, """
        INSERT INTO box_openings (box_id, unit_id, opened_on, opened_by, items_count, created_by_id)
        SELECT b.id, b.unit_id, d.day, 'Tổ mở hòm thư', (ARRAY[0, 0, 1, 2])[1 + floor(random() * 4)::int], c.staff_id
        FROM suggestion_boxes b JOIN nat_commune c ON c.unit_id = b.unit_id
        JOIN nat_days d ON d.weekday = 0 AND ((d.day - CAST(:start AS date)) / 7) % 2 = 0""", {"start": start})
    shifts = _run(session, """
        INSERT INTO duty_shifts (unit_id, day, channel, user_id)
        SELECT c.unit_id, d.day, ch.channel, c.staff_id FROM nat_commune c JOIN nat_days d ON d.working
        CROSS JOIN (VALUES ('hotline'), ('zalo'), ('facebook')) AS ch(channel) WHERE random() < 0.97""")
    case_channel = _pick("random()", [(_q(c), w) for c, w in CASE_CHANNELS])
    # every case's source: (commune, day, moment received, channel, collection session or box opening)
    _run(session, f"""
        CREATE TEMP TABLE nat_case_src AS
        SELECT c.unit_id, d.day, {_local('d.day', _triangular_minutes('random()', 'd.weekday'))} AS at,
               {case_channel} AS channel, NULL::integer AS collection_session_id, NULL::integer AS box_opening_id
        FROM nat_commune c JOIN nat_days d ON true
        CROSS JOIN LATERAL generate_series(1, floor(:per_day * (CASE WHEN d.weight > 0 THEN d.weight ELSE 0.2 END)
                                                    * 2 * random() + random() + 0 * c.unit_id)::int) AS g(i)""",
         {"per_day": size.cases_per_day})
    _run(session, f"""
        INSERT INTO nat_case_src
        SELECT s.unit_id, s.held_on, {_local('s.held_on', '1020')}, 'collection', s.id, NULL
        FROM collection_sessions s JOIN nat_commune c ON c.unit_id = s.unit_id
        CROSS JOIN LATERAL generate_series(1, (ARRAY[0, 0, 1, 1, 2, 3])[1 + floor(random() * 6)::int + 0 * s.id])
        AS g(i)""")
    _run(session, f"""
        INSERT INTO nat_case_src
        SELECT o.unit_id, o.opened_on, {_local('o.opened_on', '540')}, 'box', NULL, o.id
        FROM box_openings o JOIN nat_commune c ON c.unit_id = o.unit_id
        CROSS JOIN LATERAL generate_series(1, o.items_count) AS g(i)""")
    categories = [int(c) for c in session.execute(text("SELECT id FROM case_categories ORDER BY id")).scalars()]
    if not categories:
        raise RuntimeError("no case categories: the migrations seed them")
    from survey_app.services.demo_data import SAMPLE_TEXTS

    texts = "ARRAY[" + ", ".join(_q(t.replace("{n}", "#")) for t in SAMPLE_TEXTS) + "]"
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    code = " || ".join(f"substr('{alphabet}', (k.id / {len(alphabet) ** p} % {len(alphabet)})::int + 1, 1)"
                       for p in range(8))
    answer_days = "CASE k.kind " + " ".join(f"WHEN '{kind}' THEN {n}" for kind, (n, _) in answer.items()) + " END"
    answer_working = "CASE k.kind " + " ".join(f"WHEN '{kind}' THEN {str(w).lower()}"
                                               for kind, (_, w) in answer.items()) + " END"
    extension_days = "CASE k.kind " + " ".join(f"WHEN '{kind}' THEN {n}" for kind, (n, _) in extension.items()) + " END"
    extension_working = "CASE k.kind " + " ".join(f"WHEN '{kind}' THEN {str(w).lower()}"
                                                  for kind, (_, w) in extension.items()) + " END"
    # every case computed once (kept for the events), then copied into cases
    _run(session, f"""
        CREATE TEMP TABLE nat_cases AS
        SELECT k.*, 'PG' || {code} AS tracking_code, due.due_at AS original_due_at,
               CASE WHEN extended THEN ext.due_at ELSE due.due_at END AS due_at, tr.due_at AS transfer_due_at,
               CASE WHEN answered THEN first_answer + CASE WHEN reopened THEN interval '3 days' ELSE interval '0'
                    END END AS answered_at
        FROM (
            SELECT j.*, j.r_handled < 0.93 AND j.first_answer + interval '4 days' < now() AS answered,
                   j.r_reopen < {REOPENED_SHARE} AS reopened,
                   j.r_ext < {EXTENDED_SHARE} AND j.at + interval '2 days' < now()
                       AND j.first_answer > j.at + interval '2 days' AS extended
            FROM (
                SELECT nextval(pg_get_serial_sequence('cases', 'id')) AS id, s.*, c.staff_id, c.department_id,
                       CASE WHEN s.channel IN ('box', 'collection') OR random() < 0.6 THEN 'gop_y'
                            WHEN random() < 0.5 THEN 'phan_anh' ELSE 'kien_nghi' END AS kind,
                       (ARRAY{categories})[1 + floor(random() * {len(categories)})::int] AS category_id,
                       replace(({texts})[1 + floor(random() * {len(SAMPLE_TEXTS)})::int], '#',
                               (1 + floor(random() * 40)::int)::text) AS content,
                       1 + floor(random() * 12)::int AS neighbourhood,
                       s.at + make_interval(secs => 86400 * (0.5 + random()
                           * CASE WHEN r_handled < 0.9 THEN 11.5 ELSE 24.5 END)) AS first_answer,
                       random() AS r_reopen, random() AS r_ext, random() AS r_rated, random() AS r_rating,
                       s.at + make_interval(secs => 3600 + random() * 29 * 3600) AS assigned_at
                FROM (SELECT *, random() AS r_handled FROM nat_case_src) s JOIN nat_commune c ON c.unit_id = s.unit_id
            ) j
        ) k
        JOIN nat_due due ON due.day = k.day AND due.days = {answer_days} AND due.working = {answer_working}
        JOIN nat_due tr ON tr.day = k.day AND tr.days = {transfer[0]} AND tr.working = {str(transfer[1]).lower()}
        LEFT JOIN nat_due ext ON ext.day = (due.due_at AT TIME ZONE '{LOCAL}')::date AND ext.days = {extension_days}
                              AND ext.working = {extension_working}""")
    cases = _run(session, """
        INSERT INTO cases (id, tracking_code, unit_id, channel, kind, category_id, content, received_at, received_day,
                           updated_at, location, citizen_name, citizen_phone, citizen_email, consent_contact,
                           consent_notify, state, department_id, original_due_at, due_at, transfer_due_at, answered_at,
                           public_answer, published_at, citizen_rating, rated_at, created_by_id, client_id,
                           collection_session_id, box_opening_id, citizen_private, confidential)
        SELECT id, tracking_code, unit_id, channel, kind, category_id, content, at, day,
               greatest(at, answered_at + CASE WHEN rated THEN interval '1 day' ELSE interval '2 hours' END,
                        CASE WHEN extended THEN at + interval '2 days' END),
               'Tổ dân phố ' || neighbourhood, CASE WHEN kind <> 'gop_y' THEN 'Nguyễn Văn Dân' END,
               CASE WHEN kind <> 'gop_y' THEN '09' || lpad((id * 7919 % 100000000)::text, 8, '0') END, NULL,
               kind <> 'gop_y', false,
               CASE WHEN answered THEN 'answered' WHEN extended THEN 'assigned' ELSE 'new' END,
               CASE WHEN answered OR extended THEN department_id END, original_due_at, due_at, transfer_due_at,
               answered_at, CASE WHEN answered THEN 'UBND đã kiểm tra và xử lý theo đề nghị.' END,
               answered_at + interval '2 hours',
               CASE WHEN rated THEN (ARRAY[3, 3, 3, 3, 3, 2, 2, 2, 2, 1])[1 + floor(r_rating * 10)::int] END,
               CASE WHEN rated THEN answered_at + interval '1 day' END,
               CASE WHEN channel NOT IN ('web', 'app') THEN staff_id END, 'nat:' || id, collection_session_id,
               box_opening_id, false, false
        FROM (SELECT *, answered AND r_rated < 0.5 AS rated FROM nat_cases) k""")
    events = 0
    detail = "'{}'::json"
    iso = "'YYYY-MM-DD\"T\"HH24:MI:SS\"+00:00\"'"
    for where, columns in (
            ("true", f"id, at, CASE WHEN channel NOT IN ('web', 'app') THEN staff_id END, 'created', NULL, 'new', "
                     f"{detail}"),
            ("answered OR extended", f"id, assigned_at, staff_id, 'assigned', 'new', 'assigned', {detail}"),
            ("extended", "id, at + interval '2 days', staff_id, 'extension_approved', 'assigned', 'assigned', "
                         f"json_build_object('old_due_at', to_char(original_due_at AT TIME ZONE 'UTC', {iso}), "
                         f"'new_due_at', to_char(due_at AT TIME ZONE 'UTC', {iso}), 'days', {extension_days})"),
            ("answered", f"id, first_answer, staff_id, 'answered', 'assigned', 'answered', {detail}"),
            ("answered", f"id, first_answer + interval '2 hours', staff_id, 'published', 'answered', 'answered', "
                         f"{detail}"),
            ("answered AND reopened", f"id, first_answer + interval '1 day', staff_id, 'reopened', 'answered', "
                                      f"'in_progress', {detail}"),
            ("answered AND reopened", f"id, answered_at, staff_id, 'answered', 'in_progress', 'answered', {detail}"),
            ("answered AND reopened", f"id, answered_at + interval '2 hours', staff_id, 'published', 'answered', "
                                      f"'answered', {detail}")):
        events += _run(session, f"INSERT INTO case_events (case_id, at, user_id, kind, from_state, to_state, detail) "
                                f"SELECT {columns} FROM nat_cases k WHERE {where} ORDER BY id")
    done(cases)
    log(f"    {events:,} case events, {shifts:,} duty shifts")

    # -- survey responses and answers (centre questionnaire) ---------------------------------------------------
    done = step("responses")
    from survey_app.services.surveys import current_version, definition_of, questionnaire_by_code

    questionnaire = questionnaire_by_code("centre-service")
    version = current_version(questionnaire.id)
    definition = definition_of(version)
    scale_keys = [q.key for q in definition.questions.values() if q.type == "scale5" and not q.quick]
    single = {q.key: [o.value for o in q.options] for q in definition.questions.values() if q.type == "single"}
    kiosk = size.kiosk_share
    response_channel = (f"CASE WHEN r_ch < {kiosk} THEN 'kiosk' WHEN r_ch < {kiosk + PAPER_SHARE} THEN 'paper' "
                        "WHEN r_web < 0.05 THEN 'web' ELSE 'qr' END")

    def scale(level: str, u: str, u2: str) -> str:
        """:func:`demo_data._scale` in SQL."""
        return (f"(CASE WHEN {u} < {level} * 0.55 THEN 5 WHEN {u} < {level} THEN 4 WHEN {u} < {level} + (1 - {level})"
                f" * 0.5 THEN 3 WHEN {u2} < 0.7 THEN 2 ELSE 1 END)")

    _run(session, f"""
        CREATE TEMP TABLE nat_responses AS
        SELECT nextval(pg_get_serial_sequence('survey_responses', 'id')) AS id, b.*, {response_channel} AS channel,
               {scale('b.level', 'b.r_v', 'b.r_v2')} AS overall
        FROM (
            SELECT c.unit_id, c.centre_id, c.level, d.day, 1 + floor(random() * 4)::int AS number, false AS burst,
                   {_local('d.day', _triangular_minutes('random()', 'd.weekday'))} AS at, random() AS r_ch,
                   random() AS r_web, random() AS r_v, random() AS r_v2
            FROM nat_commune c JOIN nat_days d ON d.weight > 0
            CROSS JOIN LATERAL generate_series(1, floor(:per_day * c.response_factor * d.weight * 2 * random()
                                                        + random())::int) AS g(i)
            UNION ALL  -- a few suspicious bursts: six ratings of 1 twenty seconds apart at 10:00
            SELECT c.unit_id, c.centre_id, c.level, d.day, 1, true,
                   {_local('d.day', '600 + g.i / 3.0')}, random(), random(), 0, 0
            FROM nat_commune c JOIN nat_days d ON d.weight > 0 AND random() < 0.01 * d.weight
            CROSS JOIN generate_series(1, 6) AS g(i)
        ) b""", {"per_day": size.responses_per_day})
    responses = _run(session, f"""
        INSERT INTO survey_responses (id, client_id, questionnaire_id, version_id, unit_id, centre_id, counter_id,
                                      officer_id, channel, answered_at, answered_day, received_at, lang, ip_hash,
                                      suspicious, suspicious_reason, dossier_verified, paper_serial, check_status,
                                      checked_at)
        SELECT r.id, 'nat:' || r.id, {questionnaire.id}, {version.id}, r.unit_id, r.centre_id, k.counter_id,
               k.officer_id, r.channel, r.at, r.day, r.at, 'vi',
               CASE WHEN r.burst THEN 'burst' || to_char(r.day, 'YYYYMMDD') END, r.burst,
               CASE WHEN r.burst THEN 'burst' END, false, CASE WHEN r.channel = 'paper' THEN 'N' || r.id END,
               CASE WHEN r.channel = 'paper' THEN 'checked' END, CASE WHEN r.channel = 'paper' THEN r.at END
        FROM nat_responses r JOIN nat_counters k ON k.unit_id = r.unit_id AND k.number = r.number ORDER BY r.id""")
    answers = _run(session, """
        INSERT INTO survey_answers (response_id, question_key, value, text)
        SELECT id, 'overall', CASE WHEN burst THEN 1 WHEN channel <> 'kiosk' THEN overall WHEN overall = 5 THEN 5
                                   WHEN overall >= 3 THEN 4 ELSE 2 END, NULL
        FROM nat_responses ORDER BY id""")
    keys = ", ".join(f"({_q(k)})" for k in scale_keys)
    answers += _run(session, f"""
        INSERT INTO survey_answers (response_id, question_key, value, text)
        SELECT id, key, CASE WHEN r_zero < 0.05 THEN 0 ELSE {scale('least(0.99, level + 0.03)', 'r_v', 'r_v2')} END,
               NULL
        FROM (SELECT r.id, r.level, k.key, random() AS r_zero, random() AS r_v, random() AS r_v2, random() AS r_in
              FROM nat_responses r CROSS JOIN (VALUES {keys}) AS k(key) WHERE r.channel <> 'kiosk') a
        WHERE r_in < 0.75 ORDER BY id""")
    for key, options in single.items():
        weights = [(str(v), 6 if i == 0 else 1) for i, v in enumerate(options)]
        answers += _run(session, f"""
            INSERT INTO survey_answers (response_id, question_key, value, text)
            SELECT id, {_q(key)}, {_pick('r_o', weights)}, NULL
            FROM (SELECT id, random() AS r_in, random() AS r_o FROM nat_responses WHERE channel <> 'kiosk') a
            WHERE r_in < 0.6 ORDER BY id""")
    answers += _run(session, """
        INSERT INTO survey_answers (response_id, question_key, value, text)
        SELECT id, 'improve', 1 + floor(random() * 6)::int, NULL FROM nat_responses
        WHERE channel <> 'kiosk' AND random() < 0.3 ORDER BY id""")
    # the copies of the rated answers each response carries, as the services write them (before the indexes, so
    # the update maintains none)
    from survey_app.services.surveys import fill_rated_copies

    fill_rated_copies(session)
    done(responses)
    log(f"    {answers:,} answers")

    done = step("indexes")
    for definition in indexes:
        _run(session, definition)
    _run(session, "SET session_replication_role = origin")
    done(len(indexes))

    # -- the rollups, by the product's own full refresh; then the planner's statistics ------------------------
    done = step("rollups")
    from reports.jobs import refresh

    report = refresh(session, full=True)
    done()
    for name in ("nat_kinds", "nat_units", "nat_commune", "nat_counters", "nat_days", "nat_due", "nat_case_src",
                 "nat_cases", "nat_responses"):
        session.execute(text(f"DROP TABLE IF EXISTS {name}"))
    session.commit()
    counts = {"communes": size.communes, "dossiers": written, "cases": cases, "case_events": events,
              "duty_shifts": shifts, "responses": responses, "answers": answers,
              **{f"rollup_{k}": v for k, v in report.rows.items()}}
    counts["timings"] = timings
    return counts
