"""Staff alerts: each situation raised once, to the responsible users of that commune only, e-mailed where an
address is known, acknowledgeable."""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import (
    CaseCategory,
    CollectionSession,
    Dossier,
    Kiosk,
    Notification,
    StaffAlert,
    User,
)
from survey_app.services import alerts
from survey_app.services import cases as case_service
from survey_app.services.surveys import Submission, current_version, questionnaire_by_code, submit_response
from survey_app.surveys.definition import ParsedAnswers
from survey_app.timeutil import as_utc, utcnow
from tests.conftest import csrf_from


def _case(world, unit="bach-dang", **fields):
    category = db.session.execute(select(CaseCategory.id).where(CaseCategory.code == "moi-truong")).scalar()
    case, _ = case_service.file_case(case_service.CaseInput(
        unit_id=world["units"][unit], channel="hotline", kind="gop_y", category_id=category,
        content="Rác chưa được thu gom", **fields))
    db.session.flush()
    return case


def _alerts(kind=None):
    query = select(StaffAlert).order_by(StaffAlert.id)
    if kind:
        query = query.where(StaffAlert.kind == kind)
    return db.session.execute(query).scalars().all()


def test_a_new_case_raises_one_alert_for_its_commune_only_emailed_and_acknowledgeable(app, world, client, auth):
    with app.app_context():
        db.session.get(User, world["users"]["bd.admin"]).email = "lanhdao@bachdang.gov.vn"
        case = _case(world)
        db.session.commit()
        assert alerts.check_events(db.session) == 1
        assert alerts.check_events(db.session) == 0  # once, however often the check runs
        db.session.commit()
        (alert,) = _alerts("new_case")
        assert alert.unit_id == world["units"]["bach-dang"] and case.tracking_code in alert.title
        (mail,) = db.session.execute(select(Notification)).scalars().all()
        assert mail.recipient == "lanhdao@bachdang.gov.vn" and mail.medium == "email"
        assert case.tracking_code in mail.body and "Phường Bạch Đằng" in mail.subject
        alert_id = alert.id
    auth.login("hb.admin")  # another commune sees nothing and cannot acknowledge it
    assert "Rác" not in client.get("/admin/alerts/").get_data(as_text=True)
    page = client.get("/admin/alerts/").get_data(as_text=True)
    assert client.post(f"/admin/alerts/{alert_id}/ack", data={"csrf_token": csrf_from(page)}).status_code == 404
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    auth.login("bd.canbo")
    page = client.get("/admin/alerts/").get_data(as_text=True)
    assert "Phản ánh mới" in page and case.tracking_code in page and 'id="alert-count">1<' in page
    assert client.post(f"/admin/alerts/{alert_id}/ack", data={"csrf_token": csrf_from(page)}).status_code == 302
    page = client.get("/admin/alerts/").get_data(as_text=True)
    assert "Không có cảnh báo nào cần xử lý" in page and 'id="alert-count"' not in page
    with app.app_context():
        alert = db.session.get(StaffAlert, alert_id)
        assert alert.acknowledged_by_id == world["users"]["bd.canbo"] and alert.acknowledged_at is not None


def test_cases_due_within_three_working_days_and_overdue_go_to_the_assignee(app, world):
    with app.app_context():
        soon, late, later = _case(world), _case(world), _case(world)
        soon.due_at = utcnow() + timedelta(days=1)
        late.due_at = utcnow() - timedelta(hours=2)
        later.due_at = utcnow() + timedelta(days=30)
        late.assignee_id = world["users"]["bd.canbo"]
        db.session.commit()
        alerts.check_events(db.session)
        db.session.commit()
        assert [a.title.split()[2] for a in _alerts("case_due_soon")] == [soon.tracking_code]
        (overdue,) = _alerts("case_overdue")
        assert late.tracking_code in overdue.title and overdue.user_id == world["users"]["bd.canbo"]
        viewer = db.session.get(User, world["users"]["bd.xem"])  # an assigned alert is its assignee's
        assert overdue.id not in [a.id for a in db.session.execute(alerts.visible_to(viewer)).scalars()]
        admin = db.session.get(User, world["users"]["bd.admin"])  # the leader sees every alert of the commune
        assert overdue.id in [a.id for a in db.session.execute(alerts.visible_to(admin)).scalars()]


def _response(world, answers: dict[str, int], unit="bach-dang"):
    version = current_version(questionnaire_by_code("centre-service").id)
    parsed = ParsedAnswers(values={k: [v] for k, v in answers.items()})
    response, _ = submit_response(version, parsed, Submission(
        unit_id=world["units"][unit], centre_id=world["centres"][unit], channel="qr",
        client_id=secrets.token_hex(8)))
    db.session.flush()
    return response


def test_a_very_unhappy_rating_or_a_harassment_report_raises_an_alert(app, world):
    with app.app_context():
        _response(world, {"overall": 4})
        unhappy = _response(world, {"overall": 1})
        harassed = _response(world, {"overall": 3, "tt01.harassment": 1})
        _response(world, {"overall": 2, "tt01.harassment": 0})
        db.session.commit()
        alerts.check_events(db.session)
        found = {a.key: a.title for a in _alerts("survey_alarm")}
        assert set(found) == {f"survey_alarm:{unhappy.id}", f"survey_alarm:{harassed.id}"}
        assert "Rất không hài lòng" in found[f"survey_alarm:{unhappy.id}"]
        assert "sách nhiễu" in found[f"survey_alarm:{harassed.id}"]


def test_daily_checks_silent_kiosk_week_without_collection_and_missing_apology_letter(app, world):
    # Friday 27/11/2026 at 16:00 in Hai Phong: the week's last working day.
    now = as_utc(datetime(2026, 11, 27, 9, 0))
    bd, hb = world["units"]["bach-dang"], world["units"]["hoa-binh"]
    with app.app_context():
        db.session.add_all([
            Kiosk(unit_id=bd, centre_id=world["centres"]["bach-dang"], name="Quầy 1", device_hash="a" * 64,
                  last_seen_at=now - timedelta(days=3)),  # Tuesday: Wednesday and Thursday passed in silence
            Kiosk(unit_id=hb, centre_id=world["centres"]["hoa-binh"], name="Sảnh", device_hash="b" * 64,
                  last_seen_at=now - timedelta(hours=20)),
            CollectionSession(unit_id=hb, held_on=date(2026, 11, 24), organisation="MTTQ", collector="Bà Hoa"),
            Dossier(unit_id=bd, code="HS-001", received_at=now - timedelta(days=10), received_day=date(2026, 11, 17),
                    due_at=now - timedelta(days=2)),
            Dossier(unit_id=bd, code="HS-002", received_at=now - timedelta(days=10), received_day=date(2026, 11, 17),
                    due_at=now + timedelta(days=2)),
        ])
        db.session.commit()
        assert alerts.check_daily(db.session, now) == 3
        assert alerts.check_daily(db.session, now) == 0
        db.session.commit()
        raised = {(a.kind, a.unit_id) for a in _alerts()}
        assert raised == {("kiosk_silent", bd), ("no_collection", bd), ("apology_missing", bd)}
        assert "HS-001" in _alerts("apology_missing")[0].title
        # On a Wednesday, the week is not about to pass yet.
        assert alerts.collection_candidates(db.session, date(2026, 12, 2)) == []


def test_a_staff_member_gets_an_email_address_and_failed_messages_are_shown_to_their_commune(client, app, world,
                                                                                            auth):
    auth.login("bd.admin")
    staff_id = world["users"]["bd.canbo"]
    response = client.post(f"/admin/users/{staff_id}", data={
        "csrf_token": auth.csrf(), "username": "bd.canbo", "full_name": "bd.canbo", "role": "commune_staff",
        "email": "canbo@bachdang.gov.vn", "active": "y"})
    assert response.status_code == 302
    bad = client.post(f"/admin/users/{staff_id}", data={
        "csrf_token": auth.csrf(), "username": "bd.canbo", "full_name": "bd.canbo", "role": "commune_staff",
        "email": "khong phai", "active": "y"})
    assert bad.status_code == 400 and "Địa chỉ e-mail không hợp lệ" in bad.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, staff_id).email == "canbo@bachdang.gov.vn"
        db.session.add(Notification(unit_id=world["units"]["bach-dang"], medium="email", recipient="x@example.vn",
                                    body="x", status="failed", failed_at=utcnow(),
                                    error="Máy chủ thư từ chối địa chỉ x@example.vn"))
        db.session.commit()
    page = client.get("/admin/alerts/").get_data(as_text=True)
    assert "Thông báo gửi không thành công" in page and "Máy chủ thư từ chối địa chỉ x@example.vn" in page
    client.post("/logout", data={"csrf_token": csrf_from(page)})
    auth.login("hb.admin")
    assert "Máy chủ thư từ chối" not in client.get("/admin/alerts/").get_data(as_text=True)


def test_city_roles_reach_the_alerts_page_from_the_menu(client, world, auth):
    auth.login("admin")
    home = client.get("/admin/").get_data(as_text=True)
    assert 'href="/admin/alerts/"' in home
    assert client.get("/admin/alerts/").status_code == 200
