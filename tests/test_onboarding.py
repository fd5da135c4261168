"""Onboarding a commune on the web: one page creates it with its centre, counters and first administrator (all
or nothing), and the commune's home shows what is still missing before it can go live."""

from __future__ import annotations

from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import AdminUnit, Counter, QrToken, ServiceCentre, UnitProfile, User
from tests.conftest import PASSWORD, csrf_from

FORM = {
    "code": "11311", "name": "Lê Chân", "kind": "phuong", "population": "85.000", "neighbourhoods": "42",
    "centre_name": "Trung tâm PVHCC phường Lê Chân", "centre_address": "Số 1 Nguyễn Công Trứ",
    "counters": "Tư pháp – Hộ tịch\nĐất đai – Xây dựng\n\nChính sách xã hội\n",
    "admin_username": "lechan.admin", "admin_full_name": "Phạm Thị Mai", "admin_email": "mai@lechan.gov.vn",
    "admin_password": "Le-Chan-2026-an-toan",
}


def _units(app) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(AdminUnit)).scalar()


def test_a_city_admin_creates_a_commune_with_centre_counters_and_administrator_from_one_page(client, app, world,
                                                                                             auth):
    auth.login("admin")
    page = client.get("/admin/communes/new").get_data(as_text=True)
    response = client.post("/admin/communes/new", data={**FORM, "csrf_token": csrf_from(page)})
    assert response.status_code == 302
    with app.app_context():
        unit = db.session.execute(select(AdminUnit).where(AdminUnit.code == "11311")).scalar_one()
        assert (unit.full_name, unit.population) == ("Phường Lê Chân", 85000)
        assert unit.official_code == "11311"  # the form asks for the official code: the city's documents print it
        assert db.session.get(UnitProfile, unit.id).neighbourhoods == 42
        (centre,) = db.session.execute(select(ServiceCentre).where(ServiceCentre.unit_id == unit.id)).scalars()
        assert centre.address == "Số 1 Nguyễn Công Trứ"
        counters = db.session.execute(select(Counter.number, Counter.label).where(Counter.unit_id == unit.id)
                                      .order_by(Counter.number)).all()
        assert counters == [(1, "Tư pháp – Hộ tịch"), (2, "Đất đai – Xây dựng"), (3, "Chính sách xã hội")]
        admin = db.session.execute(select(User).where(User.username == "lechan.admin")).scalar_one()
        assert (admin.role, admin.unit_id, admin.email) == ("commune_admin", unit.id, "mai@lechan.gov.vn")
        unit_id = unit.id
    home = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Còn 6/8 việc cần làm" in home
    # the new administrator signs in and sees the checklist on the home page
    client.post("/logout", data={"csrf_token": csrf_from(home)})
    auth.login("lechan.admin", FORM["admin_password"])
    own = client.get("/admin/").get_data(as_text=True)
    assert 'data-key="centre"' in own and 'class="missing" data-key="posters"' in own
    with app.app_context():
        from survey_app.services import qr

        with app.test_request_context(base_url="http://localhost"):
            tokens = qr.ensure_tokens([db.session.execute(select(ServiceCentre).where(
                ServiceCentre.unit_id == unit_id)).scalar_one()])
            db.session.commit()
            token_id = db.session.execute(select(QrToken.id).where(QrToken.token == tokens[1].token)).scalar()
    assert client.get(f"/admin/surveys/qr/{token_id}.poster.pdf").status_code == 200
    assert 'class="done" data-key="posters"' in client.get("/admin/").get_data(as_text=True)


def test_bad_input_is_refused_field_by_field_and_nothing_is_created(client, app, world, auth):
    auth.login("admin")
    before = _units(app)
    page = client.get("/admin/communes/new").get_data(as_text=True)
    bad = {**FORM, "code": "bach-dang", "population": "-3", "counters": "  \n", "admin_username": "bd.admin",
           "admin_password": "ngan", "admin_email": "khong-phai-email", "csrf_token": csrf_from(page)}
    response = client.post("/admin/communes/new", data=bad)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("đã có đơn vị khác", "Dân số phải là số nguyên dương", "ít nhất một quầy",
                    "Tên đăng nhập đã tồn tại", "E-mail không hợp lệ".lower()):
        assert message in html or message in html.lower(), message
    assert 'value="Lê Chân"' in html and "Le-Chan-2026" not in html  # answers kept, the password not echoed
    assert _units(app) == before


def test_only_a_city_administrator_may_create_a_commune(client, world, auth):
    auth.login("bd.admin", PASSWORD)
    assert client.get("/admin/communes/new").status_code == 403
