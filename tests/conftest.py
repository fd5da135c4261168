"""Fixtures: every database test runs on SQLite and on a real PostgreSQL, each in a fresh schema.

The schema is built by the migrations, exactly as in production. Select backends with
``HAILONG_TEST_DBS=sqlite`` (default ``sqlite,postgresql``); PostgreSQL comes from ``HAILONG_TEST_PG_URL``.
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import AdminUnit, Counter, Department, Officer, Role, ServiceCentre, UnitKind
from survey_app.services import accounts
from survey_app.services.units_import import ensure_city

BACKENDS = [b.strip() for b in os.environ.get("HAILONG_TEST_DBS", "sqlite,postgresql").split(",") if b.strip()]
PG_URL = os.environ.get("HAILONG_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "Mat-khau-thu-01"


@pytest.fixture(scope="session")
def session_tmp(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hailong")


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request, session_tmp):
    """A new, empty database per backend and test run (a fresh schema on PostgreSQL)."""
    if request.param == "sqlite":
        yield f"sqlite:///{session_tmp / 'test.sqlite3'}"
        return
    schema = f"t_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def base_app(database_url, session_tmp):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-" + secrets.token_hex(8),
        "LOGIN_MAX_FAILURES": 5,
        "INSTANCE_DIR": str(session_tmp / "instance"),
    })
    with app.app_context():
        upgrade()
        app.config["BUILTIN_ROWS"] = {
            table: set(db.session.execute(text(f"SELECT id FROM {table}")).scalars())
            for table in ("questionnaires", "questionnaire_versions", "case_categories", "deadline_rules",
                          "legal_citations")
        }
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(base_app):
    """The app with empty tables (cleaned after each test)."""
    yield base_app
    with base_app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            builtin = base_app.config["BUILTIN_ROWS"]
            for table in reversed(db.metadata.sorted_tables):
                if table.name in builtin:  # rows the migrations ship stay, as in production
                    conn.execute(table.delete().where(table.c.id.not_in(builtin[table.name])))
                else:
                    conn.execute(table.delete())
        db.session.remove()


@pytest.fixture
def backend(database_url) -> str:
    return "postgresql" if database_url.startswith("postgresql") else "sqlite"


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


class World:
    """Two communes with a centre, two counters, an officer and a department each, plus staff."""

    def __init__(self) -> None:
        city = ensure_city()
        self.units: dict[str, AdminUnit] = {}
        self.centres: dict[str, ServiceCentre] = {}
        self.counters: dict[str, list[Counter]] = {}
        for code, name in (("bach-dang", "Bạch Đằng"), ("hoa-binh", "Hòa Bình")):
            unit = AdminUnit(code=code, name=name, kind=UnitKind.WARD.value, parent_id=city.id)
            db.session.add(unit)
            db.session.flush()
            centre = ServiceCentre(unit_id=unit.id, name=f"Trung tâm PVHCC phường {name}")
            db.session.add(centre)
            db.session.flush()
            counters = [Counter(unit_id=unit.id, centre_id=centre.id, number=n, label=f"Lĩnh vực {n}")
                        for n in (1, 2)]
            db.session.add_all(counters)
            db.session.flush()
            db.session.add(Officer(unit_id=unit.id, counter_id=counters[0].id, full_name=f"Cán bộ {name}"))
            db.session.add(Department(unit_id=unit.id, name="Văn phòng HĐND và UBND"))
            self.units[code], self.centres[code], self.counters[code] = unit, centre, counters
        self.users = {}
        for username, role, unit in [
            ("admin", Role.CITY_ADMIN, None),
            ("thamdinh", Role.CITY_APPRAISER, None),
            ("bd.admin", Role.COMMUNE_ADMIN, self.units["bach-dang"]),
            ("bd.canbo", Role.COMMUNE_STAFF, self.units["bach-dang"]),
            ("bd.xem", Role.VIEWER, self.units["bach-dang"]),
            ("hb.admin", Role.COMMUNE_ADMIN, self.units["hoa-binh"]),
        ]:
            self.users[username] = accounts.create_user(
                None, username=username, full_name=username, password=PASSWORD, role=role,
                unit_id=unit.id if unit else None)
        db.session.commit()


@pytest.fixture
def world(app):
    with app.app_context():
        w = World()
        ids = {
            "units": {k: u.id for k, u in w.units.items()},
            "centres": {k: c.id for k, c in w.centres.items()},
            "counters": {k: [c.id for c in cs] for k, cs in w.counters.items()},
            "users": {k: u.id for k, u in w.users.items()},
        }
        db.session.remove()
    return ids


def csrf_from(html: str) -> str:
    marker = 'name="csrf_token" type="hidden" value="'
    if marker not in html:
        marker = 'name="csrf_token" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


class Auth:
    def __init__(self, client) -> None:
        self.client = client

    def login(self, username: str, password: str = PASSWORD):
        page = self.client.get("/login")
        token = csrf_from(page.get_data(as_text=True))
        return self.client.post("/login", data={"username": username, "password": password, "csrf_token": token})

    def csrf(self, path: str = "/admin/") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))


@pytest.fixture
def auth(client):
    return Auth(client)


# -- a live server and a real Chromium ------------------------------------------------------------


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


CHROMIUM = os.environ.get("HAILONG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def tokens(app, world):
    """Active QR tokens of Bạch Đằng's centre: {'centre': token, 1: token of counter 1, 2: ...}."""
    from survey_app.services import qr

    with app.test_request_context(base_url="http://localhost"):
        centre = db.session.get(ServiceCentre, world["centres"]["bach-dang"])
        result = {}
        for token in qr.ensure_tokens([centre]):
            result[token.counter.number if token.counter else "centre"] = token.token
        db.session.commit()
        db.session.remove()
    return result


def save_screenshot(name: str, page=None, image=None) -> None:
    """Keep a picture for the README when HAILONG_SCREENSHOT_DIR is set (a page or a PIL image)."""
    folder = os.environ.get("HAILONG_SCREENSHOT_DIR")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    if page is not None:
        page.screenshot(path=str(Path(folder) / name))
    else:
        image.save(Path(folder) / name, optimize=True)


def revoke_kiosk(staff) -> None:
    """Revoke the only kiosk on the staff page (confirmed) and wait until the server has done it.

    The tablet knows the server's clock only to half a round trip of its last contact, so the test lets a moment
    pass: a tap made after that is after the revocation beyond any doubt, as in real use."""
    staff.get_by_text("Thu hồi", exact=True).click()
    staff.get_by_role("button", name="Thu hồi máy").click()
    staff.locator(".flash-success", has_text="Đã thu hồi").wait_for()
    staff.wait_for_timeout(1500)
