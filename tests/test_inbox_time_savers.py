"""The inbox saves time: "Giao cho tôi", "Quá hạn" and "Cần xem lại" filters, days overdue, bulk assign and close
after one confirmation, and a "Không hài lòng" rating that sends the case back to its officer with the comment."""

from datetime import timedelta

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AuditEvent, Case, CaseCategory, Department, User
from survey_app.services import cases as case_service
from survey_app.timeutil import utcnow
from tests.conftest import Auth, csrf_from


def _cases(app, world, ages=(0, 30, 40)) -> list[int]:
    with app.app_context():
        category = db.session.execute(select(CaseCategory.id).limit(1)).scalar()
        ids = []
        for index, days_ago in enumerate(ages):
            case, _ = case_service.file_case(case_service.CaseInput(
                unit_id=world["units"]["bach-dang"], channel="zalo", kind="gop_y", category_id=category,
                content=f"Ý kiến số {index}", received_at=utcnow() - timedelta(days=days_ago)))
            ids.append(case.id)
        db.session.commit()
        return ids


def _rows(html: str) -> str:
    return html.split('id="inbox-table"')[1].split("</table>")[0]


def test_filters_and_days_overdue(client, app, world, auth):
    fresh, old, older = _cases(app, world)
    with app.app_context():
        actor = db.session.get(User, world["users"]["bd.canbo"])
        case_service.assign(actor, db.session.get(Case, old), None, actor.id)
        db.session.commit()
        days = case_service.days_overdue(db.session.get(Case, older))
    assert days > 0
    auth.login("bd.canbo")
    mine = _rows(client.get("/admin/inbox/?mine=1").get_data(as_text=True))
    assert "Ý kiến số 1" in mine and "Ý kiến số 0" not in mine and "Ý kiến số 2" not in mine
    overdue = _rows(client.get("/admin/inbox/?overdue=1").get_data(as_text=True))
    assert "Ý kiến số 0" not in overdue and "Ý kiến số 1" in overdue and "Ý kiến số 2" in overdue
    assert f"{days} ngày" in overdue
    page = client.get("/admin/inbox/").get_data(as_text=True)
    assert "Giao cho tôi" in page and "Quá hạn" in page and "<th scope=\"col\">Quá hạn</th>" in page


def test_bulk_assign_and_close_need_one_confirmation(client, app, world, auth):
    ids = _cases(app, world)
    with app.app_context():
        department = db.session.execute(select(Department.id).where(
            Department.unit_id == world["units"]["bach-dang"])).scalar()
    auth.login("bd.canbo")
    token = auth.csrf("/admin/inbox/")
    first = client.post("/admin/inbox/bulk", data={"csrf_token": token, "action": "assign", "case_id": ids,
                                                   "department_id": department})
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and "Xác nhận: giao xử lý 3 phản ánh" in html and "Việc sẽ làm" in html
    with app.app_context():
        assert all(db.session.get(Case, i).state == "new" for i in ids)  # nothing done before the confirmation
    done = client.post("/admin/inbox/bulk", data={"csrf_token": csrf_from(html), "action": "assign",
                                                  "case_id": ids, "department_id": department, "confirm": "1"},
                       follow_redirects=True)
    assert "Giao xử lý: 3 phản ánh." in done.get_data(as_text=True)
    with app.app_context():
        assert {db.session.get(Case, i).state for i in ids} == {"assigned"}
        actor = db.session.get(User, world["users"]["bd.canbo"])
        case_service.answer(actor, db.session.get(Case, ids[0]), "Đã xử lý", publish_now=False)
        db.session.commit()
    closed = client.post("/admin/inbox/bulk", data={"csrf_token": token, "action": "close", "case_id": ids,
                                                    "confirm": "1"}, follow_redirects=True).get_data(as_text=True)
    assert "Đóng: 1 phản ánh." in closed and "Không thực hiện được 2" in closed
    with app.app_context():
        assert db.session.get(Case, ids[0]).state == "closed"
        assert db.session.execute(select(AuditEvent.action).where(AuditEvent.action == "bulk_close")).scalar()
    # a case of another commune cannot be reached by id
    stranger = app.test_client()
    Auth(stranger).login("hb.admin")
    other = stranger.post("/admin/inbox/bulk", data={"csrf_token": Auth(stranger).csrf("/admin/inbox/"),
                                                     "action": "mine", "case_id": ids, "confirm": "1"},
                          follow_redirects=True)
    assert "Giao cho tôi: 0 phản ánh." in other.get_data(as_text=True)


def test_a_dissatisfied_citizen_sends_the_case_back_for_review(client, app, world, auth):
    (case_id,) = _cases(app, world, ages=(0,))
    with app.app_context():
        actor = db.session.get(User, world["users"]["bd.canbo"])
        case = db.session.get(Case, case_id)
        case_service.assign(actor, case, None, actor.id)
        case_service.answer(actor, case, "Đã sửa đèn.", publish_now=True)
        first_answer = case.answered_at
        code = case.tracking_code
        db.session.commit()
    citizen = app.test_client()
    public = citizen.get(f"/tra-cuu?code={code}").get_data(as_text=True)
    rated = citizen.post(f"/tra-cuu/{code}/danh-gia", data={"csrf_token": csrf_from(public), "rating": "1",
                                                            "reason": "Đèn vẫn chưa sáng"})
    assert rated.status_code == 303
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.state == "in_progress" and case.assignee_id == world["users"]["bd.canbo"]
        assert case.events[-1].kind == "review_requested" and case.events[-1].note == "Đèn vẫn chưa sáng"
        assert case.answered_at == first_answer
    auth.login("bd.canbo")
    listing = _rows(client.get("/admin/inbox/?mine=1&review=1").get_data(as_text=True))
    assert code in listing and "Cần xem lại" in listing
    page = client.get(f"/admin/inbox/{case_id}").get_data(as_text=True)
    assert "Cần xem lại:" in page and "Đèn vẫn chưa sáng" in page
    assert "Cần xem lại (người dân không hài lòng)" in page  # the history in words
