"""Duplicate hints appear while staff type a case, on a phone-width screen, and lead to a merge."""

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import Case, CaseCategory
from survey_app.services import cases as case_service
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

NO_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_hints_while_typing_then_merge_on_a_phone(browser, live_server, app, world):
    with app.app_context():
        category = db.session.execute(select(CaseCategory.id).where(CaseCategory.code == "khac")).scalar()
        existing, _ = case_service.file_case(case_service.CaseInput(
            unit_id=world["units"]["bach-dang"], channel="hotline", kind="gop_y", category_id=category,
            content="Xe thu gom rác không vào ngõ 15 Lê Lợi ba hôm nay, rác bốc mùi", location="Ngõ 15 Lê Lợi"))
        db.session.commit()
        code = existing.tracking_code
        db.session.remove()
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill("bd.canbo")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{live_server}/admin/inbox/new")
    hints = page.locator("#similar-hints")
    assert hints.is_hidden()
    page.get_by_label("Lĩnh vực").select_option(label="Khác")
    page.get_by_label("Nội dung").fill("Gọi báo: ngõ 15 Lê Lợi rác không được thu gom mấy hôm, mùi hôi")
    page.get_by_label("Địa điểm (tổ dân phố, địa chỉ)").fill("ngõ 15 Lê Lợi")
    # the hint comes as soon as the text is typed, and is marked as the same place once the place is
    hints.locator("li", has_text=code).filter(has_text="cùng địa điểm").wait_for(timeout=15000)
    assert page.evaluate(NO_SCROLL)
    page.get_by_role("button", name="Lưu phản ánh").click()
    page.locator("#similar-hints").get_by_role("button", name=f"Gộp phản ánh này vào {code}").click()
    assert page.locator("#case-state").inner_text() == "Đã gộp"
    assert page.locator("#merged-into").get_by_text(code).is_visible()
    assert page.evaluate(NO_SCROLL)
    context.close()
    # the channel settings page of a commune administrator fits the phone too (long webhook addresses wrap)
    admin = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="vi-VN")
    page = admin.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill("bd.admin")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{live_server}/admin/channels/")
    assert "/webhooks/facebook/bach-dang" in page.content()
    assert page.evaluate(NO_SCROLL)
    admin.close()
    with app.app_context():
        merged = db.session.execute(select(Case).where(Case.merged_into_id.is_not(None))).scalar_one()
        assert merged.state == "merged" and merged.tracking_code != code
