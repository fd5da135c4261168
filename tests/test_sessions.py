"""Sessions end on the server, staff pages are never cached, and every 429 says when to come back."""

from __future__ import annotations

from survey_app.extensions import db
from survey_app.models import CaseCategory, User
from survey_app.services import cases as case_service
from tests.conftest import Auth


def test_logout_kills_every_copy_of_the_cookie(app, world):
    owner, thief = app.test_client(), app.test_client()
    assert Auth(owner).login("bd.canbo").status_code == 302
    cookie = owner.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    assert thief.get("/admin/").status_code == 200  # a copy taken while logged in works...
    token = Auth(owner).csrf("/admin/")
    assert owner.post("/logout", data={"csrf_token": token}).status_code == 302
    assert thief.get("/admin/").status_code == 302  # ...and dies with the logout
    assert owner.get("/admin/").status_code == 302
    assert Auth(owner).login("bd.canbo").status_code == 302  # logging in again works


def test_staff_pages_are_never_cached_and_public_pages_may_be(client, app, world, auth):
    assert "no-store" not in client.get("/minh-bach").headers.get("Cache-Control", "")
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    auth.login("bd.canbo")
    with app.app_context():
        category = db.session.query(CaseCategory).first()
        case, _ = case_service.file_case(case_service.CaseInput(
            unit_id=world["units"]["bach-dang"], channel="hotline", kind="phan_anh", category_id=category.id,
            content="Nội dung", name="Trần Văn Bình", phone="0912345678", consent_contact=True,
            created_by=db.session.get(User, world["users"]["bd.canbo"])))
        db.session.commit()
        case_id = case.id
    for path in ("/admin/", "/admin/inbox/", f"/admin/inbox/{case_id}", "/dashboard/"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


def test_every_429_carries_retry_after(client, app, world, auth, monkeypatch):
    # a window of a day: the counters are fixed windows, and five attempts must not straddle a window's end
    monkeypatch.setitem(app.config, "LOGIN_WINDOW_SECONDS", 86400)
    for _ in range(5):
        auth.login("bd.canbo", "sai-mat-khau-123")
    throttled = auth.login("bd.canbo")
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    limit = app.config["PUBLIC_RATE_LIMIT"]
    app.config["PUBLIC_RATE_LIMIT"] = "2/60"
    try:
        statuses = [client.get("/tra-cuu?code=PAZZZZZZZZ") for _ in range(4)]
        assert statuses[-1].status_code == 429 and int(statuses[-1].headers["Retry-After"]) > 0
        api = [client.get("/open311/v2/services.json?jurisdiction_id=bach-dang") for _ in range(10)]
        assert api[-1].status_code == 429 and int(api[-1].headers["Retry-After"]) > 0
    finally:
        app.config["PUBLIC_RATE_LIMIT"] = limit
    pair = [client.post("/kiosk/api/pair", json={"code": "000000"}) for _ in range(12)]
    assert pair[-1].status_code == 429 and int(pair[-1].headers["Retry-After"]) > 0
