"""Login, throttling, logout, password change, CSRF and expired sessions."""

from datetime import timedelta

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AuditEvent, User
from tests.conftest import PASSWORD, csrf_from


def test_staff_logs_in_and_reaches_the_overview(client, auth, world):
    response = auth.login("bd.admin")
    assert response.status_code == 302
    page = client.get("/admin/")
    assert page.status_code == 200
    assert "Phường Bạch Đằng" in page.get_data(as_text=True)


def test_wrong_password_is_refused_in_vietnamese_and_audited(client, auth, world, app):
    response = auth.login("bd.admin", "sai-mat-khau-123")
    assert response.status_code == 401
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in response.get_data(as_text=True)
    assert client.get("/admin/").status_code == 302
    with app.app_context():
        actions = db.session.execute(select(AuditEvent.action)).scalars().all()
    assert "login_failed" in actions


def test_login_is_throttled_after_repeated_failures(client, auth, world):
    for _ in range(5):
        assert auth.login("bd.canbo", "sai-mat-khau-123").status_code == 401
    response = auth.login("bd.canbo")  # even the right password waits out the window
    assert response.status_code == 429
    assert "quá nhiều lần" in response.get_data(as_text=True)
    # another account is not locked by these failures
    assert auth.login("bd.admin").status_code == 302


def test_logout_needs_csrf_and_ends_the_session(client, auth, world):
    auth.login("bd.admin")
    assert client.post("/logout").status_code == 400
    response = client.post("/logout", data={"csrf_token": auth.csrf()})
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 302


def test_missing_csrf_token_gets_a_vietnamese_400_and_writes_nothing(client, auth, world, app):
    auth.login("bd.admin")
    response = client.post("/admin/centres/new", data={"name": "Điểm tiếp nhận mới"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    with app.app_context():
        from survey_app.models import ServiceCentre

        names = db.session.execute(select(ServiceCentre.name)).scalars().all()
    assert "Điểm tiếp nhận mới" not in names


def test_password_change_ends_other_sessions(app, world, auth):
    other = app.test_client()
    from tests.conftest import Auth

    Auth(other).login("bd.canbo")
    assert other.get("/admin/").status_code == 200
    auth.login("bd.canbo")
    token = auth.csrf("/account/password")
    new = "Mat-khau-moi-2026"
    response = auth.client.post("/account/password", data={
        "current": PASSWORD, "new": new, "confirm": new, "csrf_token": token})
    assert response.status_code == 302
    assert auth.client.get("/admin/").status_code == 200  # this session goes on
    assert other.get("/admin/").status_code == 302  # the other one is logged out
    with app.app_context():
        user = db.session.execute(select(User).where(User.username == "bd.canbo")).scalar_one()
        assert user.check_password(new)
        assert user.password_hash.startswith("scrypt:")


def test_weak_new_password_is_refused(client, auth, world):
    auth.login("bd.canbo")
    token = auth.csrf("/account/password")
    response = client.post("/account/password", data={
        "current": PASSWORD, "new": "12345", "confirm": "12345", "csrf_token": token})
    assert response.status_code == 400
    assert "ít nhất 10 ký tự" in response.get_data(as_text=True)


def test_expired_session_asks_to_log_in_again(app, world):
    client = app.test_client()
    from tests.conftest import Auth

    Auth(client).login("bd.admin")
    assert client.get("/admin/").status_code == 200
    lifetime = app.permanent_session_lifetime
    app.permanent_session_lifetime = timedelta(seconds=-1)
    try:
        response = client.get("/admin/")
    finally:
        app.permanent_session_lifetime = lifetime
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_page_escapes_and_rejects_open_redirects(client, auth, world):
    page = client.get("/login?next=https://evil.example/")
    token = csrf_from(page.get_data(as_text=True))
    response = client.post("/login?next=https://evil.example/",
                           data={"username": "bd.admin", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"].endswith("/admin/")
