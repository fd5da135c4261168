"""Deadlines and legal citations are effective-dated data: a case is judged by the rule in force on the day it was
received, a change of law is a row added (history kept), the texts in force now are cited, unconfirmed figures are
flagged to staff, and no page, document or code names a replaced text outside the registry's history."""

import re
import subprocess
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AdminUnit, CaseCategory, DeadlineRule
from survey_app.services import cases as case_service
from survey_app.services import legal, workdays
from survey_app.timeutil import LOCAL_TZ

ROOT = Path(__file__).resolve().parent.parent


def _category() -> int:
    return db.session.execute(select(CaseCategory.id).limit(1)).scalar_one()


def test_texts_in_force_now_and_the_history_they_replaced(app):
    with app.app_context():
        assert "118/2025/NĐ-CP" in legal.cite("one_stop") and "61/2018" in legal.cite("one_stop", date(2025, 6, 30))
        assert "03/2025/TT-VPCP" in legal.cite("one_stop_guidance")
        assert legal.cite("personal_data") == "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15 và Nghị định 356/2025/NĐ-CP"
        assert "13/2023" in legal.cite("personal_data", date(2025, 12, 31))
        assert "Văn bản xin lỗi và đề nghị gia hạn" in legal.cite("apology_form")
        scale = legal.citation("evaluation_scale")
        assert "Thang tham chiếu" in scale.text and "đã hết hiệu lực" in scale.text
        for key in ("citizen_reception", "complaints", "denunciations"):
            now = legal.citation(key)
            assert "136/2025/QH15" in now.text and not now.confirmed


def test_a_case_follows_the_rule_in_force_on_the_day_it_arrived(app, world):
    with app.app_context():
        before = legal.deadline_rule("khieu_nai", "transfer", date(2025, 6, 1))
        now = legal.deadline_rule("khieu_nai", "transfer", date(2026, 11, 30))
        assert "136/2025" not in before.basis and before.confirmed
        assert "136/2025/QH15" in now.basis and not now.confirmed and now.days == before.days == 10
        # a change of law is a migration adding a row: e.g. acceptance within 7 working days from 01/7/2026
        now.valid_to = date(2026, 6, 30)
        db.session.add(DeadlineRule(kind="khieu_nai", step="transfer", days=7, working_days=True,
                                    basis="Văn bản giả định", valid_from=date(2026, 7, 1), source="thử",
                                    confirmed=True, note=""))
        db.session.flush()
        old_case, _ = case_service.file_case(case_service.CaseInput(
            unit_id=world["units"]["bach-dang"], channel="reception", kind="khieu_nai", category_id=_category(),
            content="Khiếu nại nhận tháng 6", name="Nguyễn Văn A", phone="0912345678", consent_contact=True,
            received_at=datetime(2026, 6, 15, 9, tzinfo=LOCAL_TZ)))
        new_case, _ = case_service.file_case(case_service.CaseInput(
            unit_id=world["units"]["bach-dang"], channel="reception", kind="khieu_nai", category_id=_category(),
            content="Khiếu nại nhận tháng 8", name="Nguyễn Văn B", phone="0912345679", consent_contact=True,
            received_at=datetime(2026, 8, 3, 9, tzinfo=LOCAL_TZ)))
        assert old_case.transfer_due_at == workdays.deadline(old_case.received_at, 10, True)
        assert new_case.transfer_due_at == workdays.deadline(new_case.received_at, 7, True)
        db.session.rollback()


def test_no_deadline_is_invented_in_code(client, app, world):
    """Every deadline comes from the registry: a day no row covers takes the nearest row; a step with no row at
    all refuses to file with a Vietnamese 503 that says what to fix, and the citizen's text stays in the form."""
    with app.app_context():
        earliest = db.session.execute(select(DeadlineRule).where(
            DeadlineRule.kind == "gop_y", DeadlineRule.step == "answer").order_by(DeadlineRule.valid_from)).scalars()
        first = next(iter(earliest))
        long_ago = date(first.valid_from.year - 5, 1, 5)
        assert legal.deadline_rule("gop_y", "answer", long_ago) is None
        assert legal.deadline_rule_nearest("gop_y", "answer", long_ago).id == first.id
        old, _ = case_service.file_case(case_service.CaseInput(
            unit_id=world["units"]["bach-dang"], channel="reception", kind="gop_y", category_id=_category(),
            content="Góp ý cũ nhập lại", received_at=datetime(long_ago.year, 1, 5, 9, tzinfo=LOCAL_TZ)))
        assert old.due_at == workdays.deadline(old.received_at, first.days, first.working_days)
        db.session.rollback()
        for row in db.session.execute(select(DeadlineRule).where(DeadlineRule.kind == "gop_y",
                                                                 DeadlineRule.step == "answer")).scalars():
            db.session.delete(row)
        db.session.commit()
        code = db.session.execute(select(AdminUnit.code).where(AdminUnit.id == world["units"]["bach-dang"])).scalar()
    page = client.get(f"/phan-anh/{code}")
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page.text).group(1)
    sent = client.post(f"/phan-anh/{code}", data={
        "csrf_token": token, "kind": "gop_y", "category_id": _category_id(app), "content": "Đề nghị thêm ghế chờ",
        "sid": "registry-empty"})
    assert sent.status_code == 503 and "Retry-After" in sent.headers
    assert "chưa có thời hạn trả lời" in sent.text and "Đề nghị thêm ghế chờ" in sent.text
    with app.app_context():
        assert case_service.find_by_client_id("registry-empty") is None


def _category_id(app) -> int:
    with app.app_context():
        return db.session.execute(select(CaseCategory.id)).scalars().first()


def test_the_staff_page_lists_the_registry_and_flags_unconfirmed_rows(client, world, auth):
    auth.login("bd.canbo")
    page = client.get("/admin/legal/").get_data(as_text=True)
    assert "Nghị định 118/2025/NĐ-CP" in page and "Lịch sử" in page
    assert "Luật Khiếu nại 2011 (sửa đổi, bổ sung bởi Luật 136/2025/QH15)" in page
    assert "Đang áp dụng, chưa xác nhận" in page


def test_no_replaced_text_is_cited_outside_the_registry_history():
    """`grep -rn "61/2018\\|01/2018\\|13/2023" --include=*.py --include=*.html --include=*.json .` finds only the
    registry's migration (history rows) — and the tests that check for them."""
    out = subprocess.run(["git", "grep", "-n", "-E", r"61/2018|01/2018|13/2023", "--", "*.py", "*.html", "*.json"],
                         cwd=ROOT, capture_output=True, text=True).stdout
    files = {line.split(":", 1)[0] for line in out.splitlines()}
    allowed = re.compile(r"^(migrations/versions/2026_11_30_8a3f6d2c1b90_legal_registry_.*|tests/.*|bench/results/.*)$")
    assert files and all(allowed.match(f) for f in files), sorted(f for f in files if not allowed.match(f))
