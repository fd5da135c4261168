"""The feedback inbox: intake, workflow, deadlines, public outcome, personal data, bad input."""

import io
import unicodedata

import pytest
from PIL import Image
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import Case, CaseCategory, CaseEvent, Notification
from survey_app.services import cases as case_service
from survey_app.services.delivery import deliver_pending
from tests.conftest import csrf_from


def _category(app) -> int:
    with app.app_context():
        return db.session.execute(select(CaseCategory.id).where(CaseCategory.code == "moi-truong")).scalar()


def _count(app, model=Case) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar()


def _file(client, app, **fields):
    page = client.get("/phan-anh/bach-dang")
    html = page.get_data(as_text=True)
    sid = html.split('name="sid" value="')[1].split('"')[0]
    data = {"csrf_token": csrf_from(html), "sid": sid, "kind": "gop_y", "category_id": _category(app),
            "content": "Đèn đường tổ dân phố 3 bị hỏng", **fields}
    return client.post("/phan-anh/bach-dang", data=data, content_type="multipart/form-data")


def _png(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_anonymous_suggestion_gets_a_tracking_code_and_a_deadline(client, app, world):
    response = _file(client, app, photos=(io.BytesIO(_png()), "den.png"))
    assert response.status_code == 303
    code = response.headers["Location"].rsplit("/", 1)[1]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert code in page and "Hạn trả lời" in page
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        assert case.channel == "web" and case.state == "new" and case.citizen_name is None
        assert len(case.attachments) == 1 and case.attachments[0].content_type == "image/png"
        assert case.due_at == case.original_due_at
        assert [e.kind for e in case.events] == ["created"]


def test_retry_of_the_same_form_files_one_case(client, app, world):
    page = client.get("/phan-anh/bach-dang").get_data(as_text=True)
    sid = page.split('name="sid" value="')[1].split('"')[0]
    data = {"csrf_token": csrf_from(page), "sid": sid, "kind": "gop_y", "category_id": _category(app),
            "content": "Xin thêm ghế chờ"}
    first = client.post("/phan-anh/bach-dang", data=data)
    second = client.post("/phan-anh/bach-dang", data=data)
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(app) == 1


@pytest.mark.parametrize("fields,message", [
    ({"content": ""}, "Vui lòng nhập nội dung"),
    ({"content": "x" * 50_000}, "Nội dung quá dài"),
    ({"category_id": "999999"}, "Vui lòng chọn lĩnh vực"),
    ({"kind": "phan_anh"}, "cần họ tên và số điện thoại"),
    ({"name": "Nguyễn Văn An", "phone": "0912345678"}, "vui lòng đánh dấu đồng ý"),
    ({"phone": "12ab"}, "Số điện thoại không hợp lệ"),
    ({"consent_notify": "1"}, "Muốn nhận thông báo"),
])
def test_bad_input_is_refused_in_vietnamese_and_kept(client, app, world, fields, message):
    response = _file(client, app, **fields)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    if fields.get("name"):
        assert 'value="Nguyễn Văn An"' in html
    assert _count(app) == 0


def test_non_image_and_oversized_photos_are_refused(client, app, world):
    response = _file(client, app, photos=(io.BytesIO(b"MZ\x90\x00 not an image"), "virus.jpg"))
    assert response.status_code == 400 and "không phải ảnh" in response.get_data(as_text=True)
    big = io.BytesIO(b"\xff\xd8\xff" + b"0" * (6 * 1024 * 1024))
    response = _file(client, app, photos=(big, "to.jpg"))
    assert response.status_code == 400 and "lớn hơn 5 MB" in response.get_data(as_text=True)
    huge = client.post("/phan-anh/bach-dang", data=b"x" * (25 * 1024 * 1024), content_type="application/octet-stream")
    assert huge.status_code == 413 and "quá lớn" in huge.get_data(as_text=True)
    assert _count(app) == 0


def test_citizen_text_is_escaped_everywhere(client, app, world, auth):
    response = _file(client, app, content="<script>alert('x')</script> DROP TABLE cases; --")
    code = response.headers["Location"].rsplit("/", 1)[1]
    html = client.get(f"/tra-cuu?code={code}").get_data(as_text=True)
    assert "<script>alert" not in html  # not published: the tracking page shows progress only
    auth.login("bd.canbo")
    listing = client.get("/admin/inbox/").get_data(as_text=True)
    assert "<script>alert" not in listing
    with app.app_context():
        case_id = db.session.execute(select(Case.id)).scalar()
    page = client.get(f"/admin/inbox/{case_id}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert _count(app) == 1


def test_forged_or_unknown_tracking_code(client, world):
    response = client.get("/tra-cuu?code=PAZZZZZZZZ")
    assert response.status_code == 404 and "Không tìm thấy phản ánh" in response.get_data(as_text=True)
    assert client.get("/tra-cuu?code=' OR 1=1 --").status_code == 404
    assert client.get("/phan-anh/khong-co").status_code == 404


def test_staff_work_a_case_to_a_published_answer_and_the_citizen_rates_it(client, app, world, auth):
    citizen = app.test_client()
    response = _file(citizen, app, kind="phan_anh", name="Trần Thị Bích", phone="0912345678", consent_contact="1",
                     consent_notify="1", content="Cống tắc ở ngõ 12, gọi 0987 654 321 nếu cần")
    code = response.headers["Location"].rsplit("/", 1)[1]
    with app.app_context():
        case_id = db.session.execute(select(Case.id).where(Case.tracking_code == code)).scalar()
        departments = db.session.execute(select(CaseCategory)).scalars().all()
        assert departments
    auth.login("bd.canbo")
    listing = client.get("/admin/inbox/").get_data(as_text=True)
    assert "Trần T. B." in listing and "091****678" in listing and "0912345678" not in listing
    token = auth.csrf(f"/admin/inbox/{case_id}")
    from survey_app.models import Department

    with app.app_context():
        dept = db.session.execute(select(Department.id).where(
            Department.unit_id == world["units"]["bach-dang"])).scalar()
    assert client.post(f"/admin/inbox/{case_id}/assign", data={"csrf_token": token, "department_id": dept}
                       ).status_code == 302
    assert client.post(f"/admin/inbox/{case_id}/start", data={"csrf_token": token}).status_code == 302
    client.post(f"/admin/inbox/{case_id}/note", data={"csrf_token": token, "note": "Đã cử người kiểm tra"})
    client.post(f"/admin/inbox/{case_id}/answer", data={
        "csrf_token": token, "public_answer": "Đã nạo vét cống ngày 20/11.", "note": "Nội bộ: tổ 3 phối hợp",
        "publish": "1"})
    # full contact only on request, and the request is logged
    assert "0912345678" not in client.get(f"/admin/inbox/{case_id}").get_data(as_text=True)
    shown = client.post(f"/admin/inbox/{case_id}/contact", data={"csrf_token": token}, follow_redirects=True)
    assert "0912345678" in shown.get_data(as_text=True)
    public = citizen.get(f"/tra-cuu?code={code}").get_data(as_text=True)
    assert "Đã nạo vét cống ngày 20/11." in public
    assert "Trần Thị Bích" not in public and "0912345678" not in public and "Nội bộ" not in public
    assert "0987 654 321" not in public and "[đã ẩn]" in public
    listing = citizen.get("/cong-khai/bach-dang").get_data(as_text=True)
    assert code in listing and "Đã nạo vét cống" in listing and "Trần" not in listing
    rate = citizen.post(f"/tra-cuu/{code}/danh-gia", data={"csrf_token": csrf_from(public), "rating": "3"})
    assert rate.status_code == 303
    again = citizen.post(f"/tra-cuu/{code}/danh-gia", data={"csrf_token": csrf_from(public), "rating": "1"})
    assert again.status_code == 409
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.citizen_rating == 3 and case.state == "answered" and case.published_at is not None
        kinds = [e.kind for e in case.events]
        assert kinds == ["created", "assigned", "started", "note", "answered", "published", "contact_viewed", "rated"]
        outbox = db.session.execute(select(Notification.body)).scalars().all()
        assert len(outbox) == 2 and code in outbox[0]
        assert deliver_pending(db.session).failed == 2  # no SMS gateway configured here: recorded, not lost
        assert all("HAILONG_SMS_URL" in r.error for r in db.session.execute(select(Notification)).scalars())


def test_the_record_and_the_clock_cannot_be_rewritten(app, world):
    with app.app_context():
        case, _ = case_service.file_case(case_service.CaseInput(
            unit_id=world["units"]["bach-dang"], channel="hotline", kind="gop_y", category_id=_category(app),
            content="Nội dung gốc"))
        db.session.commit()
        case.content = "Nội dung đã sửa"
        with pytest.raises(ValueError, match="cannot be changed"):
            db.session.flush()
        db.session.rollback()
        case = db.session.get(Case, case.id)
        case.received_at = case.received_at.replace(year=2020)
        with pytest.raises(ValueError):
            db.session.flush()
        db.session.rollback()
        assert db.session.get(Case, case.id).content == "Nội dung gốc"


def test_extension_needs_a_leader(client, app, world, auth):
    with app.app_context():
        case, _ = case_service.file_case(case_service.CaseInput(
            unit_id=world["units"]["bach-dang"], channel="hotline", kind="gop_y", category_id=_category(app),
            content="Cần gia hạn"))
        db.session.commit()
        case_id, original = case.id, case.due_at
    auth.login("bd.canbo")
    token = auth.csrf(f"/admin/inbox/{case_id}")
    client.post(f"/admin/inbox/{case_id}/extend", data={"csrf_token": token, "days": "5", "reason": "Cần khảo sát"})
    refused = client.post(f"/admin/inbox/{case_id}/approve", data={"csrf_token": token}, follow_redirects=True)
    assert "Chỉ lãnh đạo" in refused.get_data(as_text=True)
    client.post("/logout", data={"csrf_token": token})
    auth.login("bd.admin")
    client.post(f"/admin/inbox/{case_id}/approve", data={"csrf_token": auth.csrf(f"/admin/inbox/{case_id}")})
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.due_at > original and case.original_due_at == original
        assert [e.kind for e in case.events][-2:] == ["extension_requested", "extension_approved"]


def test_another_communes_cases_are_invisible(client, app, world, auth):
    with app.app_context():
        case, _ = case_service.file_case(case_service.CaseInput(
            unit_id=world["units"]["hoa-binh"], channel="hotline", kind="gop_y", category_id=_category(app),
            content="Việc của Hòa Bình"))
        db.session.commit()
        case_id = case.id
    auth.login("bd.admin")
    assert client.get(f"/admin/inbox/{case_id}").status_code == 404
    assert client.post(f"/admin/inbox/{case_id}/start", data={"csrf_token": auth.csrf()}).status_code == 404
    assert "Việc của Hòa Bình" not in client.get("/admin/inbox/?state=all").get_data(as_text=True)


def test_overdue_cases_come_first(client, app, world, auth):
    from datetime import timedelta

    from survey_app.timeutil import utcnow

    with app.app_context():
        for index, days_ago in enumerate((0, 30)):
            case_service.file_case(case_service.CaseInput(
                unit_id=world["units"]["bach-dang"], channel="zalo", kind="gop_y", category_id=_category(app),
                content=f"Ý kiến {index}", received_at=utcnow() - timedelta(days=days_ago)))
        db.session.commit()
    auth.login("bd.canbo")
    html = client.get("/admin/inbox/").get_data(as_text=True)
    assert html.index("Ý kiến 1") < html.index("Ý kiến 0")
    assert "Quá hạn" in html


def test_weekly_collection_with_zero_items_and_a_box_opening(client, app, world, auth):
    auth.login("bd.canbo")
    token = auth.csrf("/admin/inbox/collections")
    empty = client.post("/admin/inbox/collections", data={
        "csrf_token": token, "held_on": "16/11/2026", "organisation": "Ủy ban MTTQ", "collector": "Bà Lan",
        "neighbourhood": "Tổ dân phố 2", "items": ""})
    assert empty.status_code == 303
    two = client.post("/admin/inbox/collections", data={
        "csrf_token": token, "held_on": "20/11/2026", "organisation": "Tổ trưởng tổ dân phố", "collector": "Ông Hải",
        "items": "Sửa đèn ngõ 5\nDọn rác chợ", "category_id": _category(app)})
    assert two.status_code == 303
    bad = client.post("/admin/inbox/collections", data={
        "csrf_token": token, "held_on": "31/13/2026", "organisation": "Ủy ban MTTQ", "collector": ""})
    assert bad.status_code == 400 and "Ngày thu thập không hợp lệ" in bad.get_data(as_text=True)
    page = client.get("/admin/inbox/collections").get_data(as_text=True)
    assert "Bà Lan" in page and "Ông Hải" in page
    with app.app_context():
        channels = db.session.execute(select(Case.channel, func.count()).group_by(Case.channel)).all()
    assert dict(channels) == {"collection": 2}
    # register a box, then open it
    client.post("/logout", data={"csrf_token": token})
    auth.login("bd.admin")
    token = auth.csrf()
    created = client.post("/admin/boxes/new", data={
        "csrf_token": token, "location_kind": "to_dan_pho", "location_name": "Nhà văn hóa tổ dân phố 5",
        "installed_on": "01/03/2026"})
    assert created.status_code == 302
    from survey_app.models import SuggestionBox

    with app.app_context():
        box_id = db.session.execute(select(SuggestionBox.id)).scalar()
    opened = client.post("/admin/inbox/boxes", data={
        "csrf_token": token, "box_id": box_id, "opened_on": "21/11/2026", "opened_by": "Tổ mở hòm thư",
        "items": "Thư 1\nThư 2\nThư 3", "category_id": _category(app)})
    assert opened.status_code == 303
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Case).where(Case.channel == "box")).scalar() == 3


def test_duty_roster_covers_working_days(client, app, world, auth):
    auth.login("bd.admin")
    token = auth.csrf("/admin/inbox/duty?month=12/2026")
    response = client.post("/admin/inbox/duty", data={
        "csrf_token": token, "month": "12/2026", "channel": "hotline", "user_id": world["users"]["bd.canbo"],
        "start": "01/12/2026", "end": "07/12/2026"})
    assert response.status_code == 303
    from survey_app.models import DutyShift

    with app.app_context():
        days = db.session.execute(select(DutyShift.day).order_by(DutyShift.day)).scalars().all()
    assert [d.day for d in days] == [1, 2, 3, 4, 7]  # Saturday 5 and Sunday 6 are not working days
    foreign = client.post("/admin/inbox/duty", data={
        "csrf_token": token, "channel": "zalo", "user_id": world["users"]["hb.admin"], "start": "01/12/2026",
        "end": "02/12/2026"})
    assert foreign.status_code == 400


def test_nfd_content_is_stored_nfc(client, app, world):
    nfd = unicodedata.normalize("NFD", "Đường ngập nước")
    response = _file(client, app, content=nfd)
    assert response.status_code == 303
    with app.app_context():
        assert db.session.execute(select(Case.content)).scalar() == "Đường ngập nước"
    assert _count(app, CaseEvent) == 1
