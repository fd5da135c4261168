"""Plain Vietnamese for every code: case events, states, audit actions and rule parameters are shown in words."""

import re

from sqlalchemy import select

from survey_app import labels
from survey_app.extensions import db
from survey_app.models import Case, CaseCategory, Department, ScoringOverride, User
from survey_app.services import cases as case_service

#: Codes that are also ordinary words or brand names on a Vietnamese page (kept out of the scan).
NOT_CODES = {"zalo", "facebook", "email", "web", "app", "qr", "box"}


def visible_text(html: str) -> str:
    """What a person reads: no scripts, styles or attributes; the deliberately raw "advanced" JSON left out."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r'<details class="advanced">.*?</details>', " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def leaked_codes(html: str) -> set[str]:
    text = visible_text(html)
    codes = {c for table in labels.catalogue().values() for c in table if c not in NOT_CODES and c.isascii()}
    return {c for c in codes if re.search(rf"(?<![\w/.-]){re.escape(c)}(?![\w/-])", text)}


def _busy_case(app, world) -> int:
    with app.test_request_context():
        category = db.session.execute(select(CaseCategory).limit(1)).scalar_one()
        case, _ = case_service.file_case(case_service.CaseInput(
            unit_id=world["units"]["bach-dang"], channel="hotline", kind="phan_anh", category_id=category.id,
            content="Đèn đường hỏng", name="Lê Văn An", phone="0901234567", consent_contact=True))
        actor = db.session.get(User, world["users"]["bd.canbo"])
        department = db.session.execute(select(Department).where(
            Department.unit_id == world["units"]["bach-dang"])).scalars().first()
        case_service.assign(actor, case, department.id, None)
        case_service.start(actor, case)
        case_service.view_contact(actor, case)
        case_service.add_note(actor, case, "Đã gọi điện")
        case_service.request_extension(actor, case, 5, "Cần khảo sát hiện trường")
        db.session.commit()
        case_id = case.id
        db.session.remove()
    return case_id


def test_no_internal_code_reaches_a_staff_page(client, app, auth, world):
    case_id = _busy_case(app, world)
    auth.login("admin")
    pages = ["/admin/", f"/admin/inbox/{case_id}", "/admin/inbox/", "/admin/scoring-rules/2026"]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert not leaked_codes(html), f"{path}: {sorted(leaked_codes(html))}"
    case_page = client.get(f"/admin/inbox/{case_id}").get_data(as_text=True)
    assert "Bắt đầu xử lý → Đang xử lý" in visible_text(case_page) or "Bắt đầu xử lý" in case_page
    assert "Xem thông tin liên hệ" in case_page


def test_the_scan_finds_a_code(client):
    assert leaked_codes("<p>created → new · in_progress</p>") == {"created", "new", "in_progress"}
    assert not leaked_codes('<a href="/in_progress" class="new">Mới</a>')


def test_rule_parameters_are_a_form_with_words_units_and_bounds(client, app, auth, world):
    auth.login("admin")
    page = client.get("/admin/scoring-rules/2026").get_data(as_text=True)
    assert "Trọng số: trả lời đúng hạn" in page and "(phần của 1)" in page and "Từ 0 đến 1" in page
    assert "Quý thực hiện khảo sát" in page and "Nâng cao: tham số dạng JSON" in page
    assert "Đường dây nóng" in page  # channels as checkboxes in words
    token = auth.csrf("/admin/scoring-rules/2026")
    fields = {"csrf_token": token, "form": "fields", "operating_weight": "0,5", "on_time_weight": "0,3",
              "published_weight": "0,2", "channels": ["web", "app"]}
    saved = client.post("/admin/scoring-rules/2026/1.2.c", data=fields, follow_redirects=True)
    assert "Đã lưu tham số mục 1.2.c" in saved.get_data(as_text=True)
    with app.app_context():
        override = db.session.execute(select(ScoringOverride).where(ScoringOverride.item_code == "1.2.c")).scalar_one()
        assert override.params == {"on_time_weight": 0.3, "published_weight": 0.2}
    bad = client.post("/admin/scoring-rules/2026/1.2.c", data={**fields, "published_weight": "0,5"},
                      follow_redirects=True).get_data(as_text=True)
    assert "Các trọng số phải cộng lại bằng 1." in bad
    quarter = client.post("/admin/scoring-rules/2026/2.7.b", data={"csrf_token": token, "form": "fields",
                                                                   "quarter": "5"}, follow_redirects=True)
    text = quarter.get_data(as_text=True)
    assert "“Quý thực hiện khảo sát” phải trong khoảng 1–4." in text and "quarter" not in visible_text(text)
    words = client.post("/admin/scoring-rules/2026/2.7.b", data={"csrf_token": token, "form": "fields",
                                                                 "quarter": "một"}, follow_redirects=True)
    assert "phải là một số nguyên" in words.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(Case)).first() is None
