"""A citizen files feedback on a phone, staff answer it in another browser, the citizen reads the answer."""

import pytest

from tests.conftest import PASSWORD, save_screenshot

pytestmark = pytest.mark.browser


def test_citizen_files_staff_answer_citizen_reads(browser, live_server, app, world):
    phone = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                locale="vi-VN")
    citizen = phone.new_page()
    citizen.goto(f"{live_server}/phan-anh/bach-dang")
    citizen.get_by_text("Phản ánh", exact=True).click()
    citizen.get_by_label("Lĩnh vực").select_option(label="Giao thông, hạ tầng")
    citizen.get_by_label("Nội dung").fill("Đèn chiếu sáng ngõ 12 tổ dân phố 3 hỏng hơn một tuần.")
    citizen.get_by_role("button", name="Gửi phản ánh").click()
    # a formal report needs a name and a contact: the page says so and keeps the text
    assert citizen.get_by_text("cần họ tên và số điện thoại").first.is_visible()
    assert "ngõ 12" in citizen.get_by_label("Nội dung").input_value()
    citizen.get_by_label("Họ và tên").fill("Phạm Văn Bình")
    citizen.get_by_label("Số điện thoại").fill("0901234567")
    citizen.get_by_text("Tôi đồng ý để UBND dùng họ tên").click()
    citizen.get_by_role("button", name="Gửi phản ánh").click()
    code = citizen.locator("#tracking-code").inner_text().strip()
    assert code.startswith("PA")
    save_screenshot("feedback-filed-phone.png", citizen)

    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    staff = desk.new_page()
    staff.goto(f"{live_server}/login")
    staff.get_by_label("Tên đăng nhập").fill("bd.canbo")
    staff.get_by_label("Mật khẩu").fill(PASSWORD)
    staff.get_by_role("button", name="Đăng nhập").click()
    staff.get_by_role("link", name="Phản ánh", exact=True).click()
    row = staff.locator("#inbox-table tr", has_text=code)
    assert "Phạm V. B." in row.inner_text() and "090****567" in row.inner_text()
    row.get_by_role("link", name=code).click()
    staff.get_by_label("Phòng ban").select_option(label="Văn phòng HĐND và UBND")
    staff.get_by_role("button", name="Phân công").click()
    staff.get_by_label("Trả lời công khai").fill("UBND phường đã thay bóng đèn ngày 22/11/2026.")
    staff.get_by_label("Ghi chú nội bộ (không công khai)").fill("Đội điện chiếu sáng xử lý")
    staff.get_by_role("button", name="Trả lời").click()
    assert staff.locator("#case-state").inner_text() == "Đã trả lời"
    save_screenshot("inbox-case-desktop.png", staff)

    citizen.goto(f"{live_server}/tra-cuu?code={code}")
    assert citizen.locator("#public-answer").inner_text() == "UBND phường đã thay bóng đèn ngày 22/11/2026."
    assert citizen.get_by_text("Đội điện chiếu sáng").count() == 0
    citizen.get_by_text("Rất hài lòng").click()
    citizen.get_by_role("button", name="Gửi đánh giá").click()
    citizen.get_by_text("Ông/Bà đã đánh giá").wait_for()
    phone.close()
    desk.close()
