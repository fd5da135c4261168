"""Benchmark databases: one per size and backend, built by the migrations like production, filled by the shared
generator (communes, centres, counters, officers, staff; a year of dossiers, responses and cases)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from .sizes import Size

ROOT = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("HAILONG_BENCH_DATA_DIR") or ROOT / ".data")
PG_BASE = os.environ.get("HAILONG_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PASSWORD = "Bench-Mat-khau-1"
SECRET = "bench-secret-key-not-for-production"
KINDS = [("phuong", 45), ("xa", 67), ("dac_khu", 2)]  # Hải Phòng's 114 communes by kind


@dataclass(frozen=True)
class Target:
    backend: str
    url: str


def target(size: Size, backend: str) -> Target:
    if backend == "sqlite":
        DATA_DIR.mkdir(exist_ok=True)
        return Target("sqlite", f"sqlite:///{DATA_DIR / f'{size.name}.sqlite3'}")
    base = make_url(PG_BASE.replace("postgresql://", "postgresql+psycopg://", 1))
    return Target("postgresql", base.set(database=f"hailong_bench_{size.name}").render_as_string(hide_password=False))


def reset(t: Target) -> None:
    """Drop and create the benchmark database."""
    if t.backend == "sqlite":
        path = Path(make_url(t.url).database)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    url = make_url(t.url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()


def app_for(t: Target):
    from survey_app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": t.url, "SECRET_KEY": SECRET, "TESTING": False,
                       "INSTANCE_DIR": str(DATA_DIR)})


def period(size: Size) -> tuple[date, int]:
    """The generated period: the ``size.days`` days that end yesterday (a rolling year at city scale)."""
    from survey_app.timeutil import local_today

    end = local_today() - timedelta(days=1)
    return end - timedelta(days=size.days - 1), size.days


def generated(t: Target, size: Size) -> bool:
    """True when the database already holds this size's world (so a rerun measures without regenerating)."""
    try:
        engine = create_engine(t.url)
        with engine.connect() as conn:
            units = conn.execute(text("SELECT count(*) FROM admin_units WHERE code LIKE :p"),
                                 {"p": f"{size.code_prefix}-%"}).scalar()
            responses = conn.execute(text("SELECT count(*) FROM survey_responses")).scalar()
        engine.dispose()
    except Exception:  # no database or no schema yet
        return False
    return units == size.communes and responses > 0


def generate(t: Target, size: Size, log=print) -> dict:
    """Build the world and its data (migrations first); returns row counts and seconds."""
    from flask_migrate import upgrade

    from survey_app.extensions import db
    from survey_app.services.demo_data import (
        CasePlan,
        DossierPlan,
        SurveyPlan,
        generate_cases,
        generate_dossiers,
        generate_survey_responses,
    )

    reset(t)
    app = app_for(t)
    timings = {}
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        if size.generator == "sql":
            return _generate_set_based(t, size, started, log)
        units = build_communes(db.session, size)
        db.session.commit()
        start, days = period(size)
        steps = [
            ("dossiers", lambda: generate_dossiers(db.session, DossierPlan(start=start, days=days,
                                                                            per_day=size.dossiers_per_day), units)),
            ("responses", lambda: generate_survey_responses(db.session, SurveyPlan(
                start=start, days=days, per_day=size.responses_per_day, kiosk_share=size.kiosk_share))),
            ("cases", lambda: generate_cases(db.session, CasePlan(start=start, days=days,
                                                                  per_day=size.cases_per_day), units)),
        ]
        counts = {}
        for name, step in steps:
            began = time.perf_counter()
            counts[name] = step()
            db.session.commit()
            timings[name] = time.perf_counter() - began
            log(f"  {name}: {counts[name]:,} in {timings[name]:.0f} s")
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()
        from survey_app.models import SurveyAnswer

        counts["answers"] = db.session.execute(select(func.count()).select_from(SurveyAnswer)).scalar()
        counts["seconds"] = round(time.perf_counter() - started, 1)
        db.session.remove()
        db.engine.dispose()
    return counts


def _generate_set_based(t: Target, size: Size, started: float, log) -> dict:
    """The national size: every row made inside PostgreSQL (:mod:`bench.nation`), then VACUUM ANALYZE."""
    from survey_app.extensions import db

    from . import nation

    if t.backend != "postgresql":
        raise SystemExit(f"the {size.name} size is generated on PostgreSQL only")
    start, days = period(size)
    counts = nation.generate(db.session, size, start, days, log)
    began = time.perf_counter()
    db.session.remove()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    counts["timings"]["vacuum_analyze"] = round(time.perf_counter() - began, 1)
    log(f"  vacuum analyze: in {counts['timings']['vacuum_analyze']:.0f} s")
    counts["seconds"] = round(time.perf_counter() - started, 1)
    db.engine.dispose()
    return counts


def code_like(size: Size) -> str:
    """The LIKE pattern of the size's commune codes."""
    return f"{size.code_prefix}-%"


def build_communes(session, size: Size) -> list:
    """``size.communes`` communes, each with a service centre, four counters with their officers, a staff login;
    and a city administrator. Kinds in Hải Phòng's proportions."""
    from survey_app.models import AdminUnit, Counter, Department, Officer, Role, ServiceCentre
    from survey_app.services import accounts
    from survey_app.services.units_import import ensure_city

    city = ensure_city()
    kinds = [kind for kind, count in KINDS for _ in range(count)]
    step = len(kinds) / size.communes
    labels = ["Tư pháp – Hộ tịch", "Chứng thực", "Đất đai – Xây dựng", "Lao động – Thương binh và Xã hội"]
    names = ["Nguyễn Thị Hà", "Trần Văn Nam", "Lê Thu Lan", "Phạm Minh Phương"]
    units = []
    for n in range(1, size.communes + 1):
        kind = kinds[int((n - 1) * step)]
        unit = AdminUnit(code=f"hp-{n:03d}", name=f"Mẫu {n:03d}", kind=kind, parent_id=city.id,
                         population=8000 + 173 * n)
        session.add(unit)
        session.flush()
        centre = ServiceCentre(unit_id=unit.id, name=f"Trung tâm Phục vụ hành chính công {unit.full_name}")
        session.add(centre)
        session.flush()
        for number, label in enumerate(labels, start=1):
            counter = Counter(unit_id=unit.id, centre_id=centre.id, number=number, label=label)
            session.add(counter)
            session.flush()
            session.add(Officer(unit_id=unit.id, counter_id=counter.id, full_name=names[number - 1]))
        session.add(Department(unit_id=unit.id, name="Văn phòng HĐND và UBND"))
        accounts.create_user(None, username=f"canbo.{unit.code}", full_name=f"Cán bộ {unit.full_name}",
                             password=PASSWORD, role=Role.COMMUNE_STAFF, unit_id=unit.id)
        units.append(unit)
    accounts.create_user(None, username="bench.admin", full_name="Quản trị (bench)", password=PASSWORD,
                         role=Role.CITY_ADMIN, unit_id=None)
    session.flush()
    return units
