"""A person logs in to the demo in Chromium and manages centres and counters."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_staff_logs_in_and_adds_a_centre_and_a_counter(browser, live_server, world):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill("bd.admin")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_text("Xin chào bd.admin").first.wait_for()

    page.get_by_role("link", name="Trung tâm, điểm tiếp nhận").click()
    page.get_by_role("link", name="Thêm trung tâm").click()
    page.get_by_label("Tên trung tâm / điểm tiếp nhận").fill("Điểm tiếp nhận <b>Tổ dân phố 3</b>")
    page.get_by_role("button", name="Lưu").click()
    page.get_by_text("Đã lưu trung tâm.").wait_for()
    # citizen- or staff-typed markup is shown as text, never interpreted
    assert page.get_by_text("Điểm tiếp nhận <b>Tổ dân phố 3</b>").is_visible()

    page.goto(f"{live_server}/admin/counters/new")
    page.get_by_label("Trung tâm").select_option(label="Điểm tiếp nhận <b>Tổ dân phố 3</b>")
    page.get_by_label("Số quầy").fill("0")
    page.get_by_role("button", name="Lưu").click()
    page.get_by_text("Số quầy từ 1 đến 999.").wait_for()
    page.get_by_label("Số quầy").fill("7")
    page.get_by_label("Lĩnh vực tiếp nhận").fill("Hộ tịch")
    page.get_by_role("button", name="Lưu").click()
    page.get_by_text("Đã lưu quầy.").wait_for()
    assert page.get_by_role("cell", name="Hộ tịch").is_visible()
    context.close()
