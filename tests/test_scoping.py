"""A commune's staff cannot read or change another commune's data, whatever ids they guess."""

import pytest
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import Counter, Department, Officer, ServiceCentre, User


def _count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar()


@pytest.mark.parametrize("slug,key", [("centres", "centres"), ("counters", "counters"), ("users", "users")])
def test_staff_cannot_open_another_communes_rows_by_id(client, auth, world, slug, key):
    auth.login("bd.admin")
    if key == "centres":
        foreign, own = world["centres"]["hoa-binh"], world["centres"]["bach-dang"]
    elif key == "counters":
        foreign, own = world["counters"]["hoa-binh"][0], world["counters"]["bach-dang"][0]
    else:
        foreign, own = world["users"]["hb.admin"], world["users"]["bd.canbo"]
    assert client.get(f"/admin/{slug}/{own}").status_code == 200
    assert client.get(f"/admin/{slug}/{foreign}").status_code == 404
    token = auth.csrf()
    assert client.post(f"/admin/{slug}/{foreign}", data={"csrf_token": token, "name": "x"}).status_code == 404
    assert client.post(f"/admin/{slug}/{foreign}/toggle", data={"csrf_token": token}).status_code == 404


def test_lists_show_only_the_own_commune(client, auth, world):
    auth.login("bd.admin")
    html = client.get("/admin/centres/").get_data(as_text=True)
    assert "Bạch Đằng" in html
    assert "Hòa Bình" not in html


def test_staff_cannot_create_rows_in_another_commune(client, auth, world, app):
    auth.login("bd.admin")
    token = auth.csrf()
    before = _count(app, Counter)
    response = client.post("/admin/counters/new", data={
        "csrf_token": token, "centre_id": world["centres"]["hoa-binh"], "number": 9, "label": "x"})
    assert response.status_code == 400
    assert "Lựa chọn không hợp lệ." in response.get_data(as_text=True)
    assert _count(app, Counter) == before
    before = _count(app, Department)
    response = client.post("/admin/departments/new", data={
        "csrf_token": token, "unit_id": world["units"]["hoa-binh"], "name": "Phòng lạ"})
    assert response.status_code in (200, 302)
    with app.app_context():
        dept = db.session.execute(select(Department).where(Department.name == "Phòng lạ")).scalar_one()
        assert dept.unit_id == world["units"]["bach-dang"]  # the commune is forced to the user's own
    assert _count(app, Department) == before + 1


def test_officer_cannot_be_bound_to_a_counter_of_another_commune(client, auth, world, app):
    auth.login("bd.admin")
    response = client.post("/admin/officers/new", data={
        "csrf_token": auth.csrf(), "full_name": "Trần Văn Lạ", "title": "",
        "counter_id": world["counters"]["hoa-binh"][0]})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.execute(select(Officer).where(Officer.full_name == "Trần Văn Lạ")).first() is None


def test_commune_admin_cannot_create_city_roles(client, auth, world, app):
    auth.login("bd.admin")
    response = client.post("/admin/users/new", data={
        "csrf_token": auth.csrf(), "username": "ke.gian", "full_name": "Kẻ gian", "role": "city_admin",
        "password": "Mat-khau-dai-99", "active": "y"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.execute(select(User).where(User.username == "ke.gian")).first() is None


def test_appraiser_reads_every_commune_but_changes_nothing(client, auth, world, app):
    auth.login("thamdinh")
    html = client.get("/admin/centres/").get_data(as_text=True)
    assert "Bạch Đằng" in html and "Hòa Bình" in html
    centre = world["centres"]["hoa-binh"]
    assert client.get(f"/admin/centres/{centre}").status_code == 200
    token = auth.csrf()
    response = client.post(f"/admin/centres/{centre}", data={
        "csrf_token": token, "unit_id": world["units"]["hoa-binh"], "name": "Đổi tên"})
    assert response.status_code == 403
    assert client.post(f"/admin/centres/{centre}/toggle", data={"csrf_token": token}).status_code == 403
    assert client.get("/admin/centres/new").status_code == 403


def test_viewer_and_staff_cannot_change_set_up(client, auth, world):
    for username in ("bd.xem", "bd.canbo"):
        auth.login(username)
        token = auth.csrf()
        response = client.post("/admin/centres/new", data={"csrf_token": token, "name": "Mới"})
        assert response.status_code == 403
        client.post("/logout", data={"csrf_token": token})


def test_commune_admin_manages_own_centre_and_counter_with_an_audit_trail(client, auth, world, app):
    auth.login("bd.admin")
    token = auth.csrf()
    response = client.post("/admin/centres/new", data={
        "csrf_token": token, "name": "Điểm tiếp nhận Tổ dân phố 5", "address": "Số 1"})
    assert response.status_code == 302
    with app.app_context():
        centre = db.session.execute(
            select(ServiceCentre).where(ServiceCentre.name == "Điểm tiếp nhận Tổ dân phố 5")).scalar_one()
        centre_id = centre.id
    response = client.post("/admin/counters/new", data={
        "csrf_token": token, "centre_id": centre_id, "number": 1, "label": "Chứng thực"})
    assert response.status_code == 302
    duplicate = client.post("/admin/counters/new", data={
        "csrf_token": token, "centre_id": centre_id, "number": 1, "label": "Trùng"})
    assert duplicate.status_code == 409
    assert "trùng" in duplicate.get_data(as_text=True)
    with app.app_context():
        from survey_app.models import AuditEvent

        events = db.session.execute(select(AuditEvent.entity, AuditEvent.action)).all()
    assert ("service_centres", "create") in events and ("counters", "create") in events
