"""Degrade, don't crash: with the database or Redis unreachable, every page is a Vietnamese 503 and every JSON API a
JSON 503 with Retry-After; when they come back, everything works again without a restart.

The outage is real: the app talks to PostgreSQL (or Redis) through a TCP proxy started by the test, and the test
stops the proxy (refusing new connections and cutting the open ones), then starts it again on the same port.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading

import pytest

from survey_app import create_app
from tests.conftest import PASSWORD, csrf_from


class TcpProxy:
    """A loopback TCP forwarder that can be cut and restored, to make a real server unreachable."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def start(self) -> TcpProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for s in (source, sink):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def stop(self) -> None:
        """Refuse new connections and cut every open one, as a crashed server or a broken network would."""
        if self._listener is not None:
            with contextlib.suppress(OSError):  # shutdown wakes the accept() blocked in the other thread
                self._listener.shutdown(socket.SHUT_RDWR)
            self._listener.close()
            self._listener = None
        with self._lock:
            for s in self._sockets:
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
            self._sockets.clear()


PAGES = ["/", "/phan-anh/bach-dang", "/tra-cuu?code=PAZZZZZZZZ", "/cong-khai/bach-dang", "/minh-bach",
         "/minh-bach/bach-dang"]
JSON_APIS = [("GET", "/open311/v2/services.json?jurisdiction_id=bach-dang"),
             ("GET", "/open311/v2/requests.json?jurisdiction_id=bach-dang"),
             ("POST", "/kiosk/api/ratings"), ("POST", "/kiosk/api/pair"), ("GET", "/kiosk/api/config")]


def _assert_html_503(response) -> None:
    body = response.get_data(as_text=True)
    assert response.status_code == 503, (response.status_code, body[:300])
    assert "không kết nối được cơ sở dữ liệu" in body and "Traceback" not in body
    assert int(response.headers["Retry-After"]) > 0


def _assert_json_503(response) -> None:
    assert response.status_code == 503, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.json["error"]["code"] == "unavailable" and response.json["error"]["message"]
    assert int(response.headers["Retry-After"]) > 0


def _request(client, method: str, path: str):
    if method == "POST":
        return client.post(path, json={"items": [], "code": "123456"}, headers={"Authorization": "Bearer x.y"})
    return client.get(path, headers={"Authorization": "Bearer x.y"})


@pytest.fixture
def proxied_app(base_app, database_url, backend, world):
    """A second app of the same database, reached through a proxy the test can cut."""
    if backend != "postgresql":
        pytest.skip("the outage is staged on a real PostgreSQL server")
    match = re.search(r"@([\w.]+):(\d+)/", database_url)
    proxy = TcpProxy(int(match.group(2))).start()
    url = database_url.replace(f"@{match.group(1)}:{match.group(2)}/", f"@127.0.0.1:{proxy.port}/")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": base_app.config["SECRET_KEY"],
                      "INSTANCE_DIR": base_app.config["INSTANCE_DIR"],
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "connect_args": {"connect_timeout": 3}}})
    yield app, proxy
    proxy.stop()
    with app.app_context():
        from survey_app.extensions import db

        db.engine.dispose()


def test_database_outage_gives_503_everywhere_and_recovers_without_restart(proxied_app):
    app, proxy = proxied_app
    citizen, staff = app.test_client(), app.test_client()
    login_page = staff.get("/login").get_data(as_text=True)
    assert staff.post("/login", data={"username": "bd.canbo", "password": PASSWORD,
                                      "csrf_token": csrf_from(login_page)}).status_code == 302
    assert staff.get("/admin/inbox/").status_code == 200
    assert citizen.get("/phan-anh/bach-dang").status_code == 200

    proxy.stop()
    for path in PAGES:
        _assert_html_503(citizen.get(path))
    for path in ("/admin/", "/admin/inbox/", "/dashboard/"):  # staff pages: the error page loads no user
        _assert_html_503(staff.get(path))
    for method, path in JSON_APIS:
        _assert_json_503(_request(citizen, method, path))
    health = citizen.get("/healthz")
    assert health.status_code == 503 and health.json["database"] == "unavailable"

    proxy.start()  # the database is back: same process, same pool
    assert citizen.get("/phan-anh/bach-dang").status_code == 200
    assert citizen.get("/healthz").status_code == 200
    assert staff.get("/admin/inbox/").status_code == 200
    assert citizen.get("/open311/v2/services.json?jurisdiction_id=bach-dang").status_code == 200


def test_redis_outage_gives_503_and_recovers(base_app, world, backend):
    """Rate counters live in Redis when REDIS_URL is set: a Redis outage is an outage too."""
    if backend != "sqlite":
        pytest.skip("one backend is enough for Redis")
    proxy = TcpProxy(6379).start()
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": base_app.config["SQLALCHEMY_DATABASE_URI"],
                      "SECRET_KEY": "x", "INSTANCE_DIR": base_app.config["INSTANCE_DIR"],
                      "REDIS_URL": f"redis://127.0.0.1:{proxy.port}/0"})
    client = app.test_client()
    try:
        assert client.get("/tra-cuu?code=PAZZZZZZZZ").status_code == 404
        proxy.stop()
        response = client.get("/tra-cuu?code=PAZZZZZZZZ")
        assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
        _assert_json_503(client.get("/open311/v2/services.json?jurisdiction_id=bach-dang"))
        proxy.start()
        assert client.get("/tra-cuu?code=PAZZZZZZZZ").status_code == 404
    finally:
        proxy.stop()
