"""In Chromium on a phone-sized screen: a city administrator onboards a commune and sees its go-live checklist;
staff read and acknowledge an alert. No page scrolls sideways at 390 px."""

import pytest

from survey_app.extensions import db
from survey_app.services import alerts
from tests.conftest import PASSWORD
from tests.test_alerts import _case

pytestmark = pytest.mark.browser


def _no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


def _login(page, server, username, password=PASSWORD):
    page.goto(f"{server}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_onboarding_and_alerts_on_a_phone(browser, live_server, world, app):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    _login(page, live_server, "admin")
    page.get_by_role("link", name="Thêm xã, phường, đặc khu").click()
    page.get_by_label("Mã đơn vị hành chính").wait_for()  # the click loads the form: read its width once it is drawn
    _no_sideways_scroll(page)
    page.get_by_label("Mã đơn vị hành chính").fill("11311")
    page.get_by_label("Tên (không kèm").fill("Lê Chân")
    page.get_by_label("Loại").select_option(label="Phường")
    page.get_by_label("Dân số").fill("85000")
    page.get_by_label("Số tổ dân phố").fill("42")
    page.get_by_label("Tên trung tâm").fill("Trung tâm PVHCC phường Lê Chân")
    page.get_by_label("Các quầy").fill("Tư pháp – Hộ tịch\nĐất đai")
    page.get_by_label("Tên đăng nhập").fill("lechan.admin")
    page.get_by_label("Họ và tên").fill("Phạm Thị Mai")
    page.get_by_label("Mật khẩu ban đầu").fill("ngan")
    page.get_by_role("button", name="Tạo đơn vị").click()
    page.get_by_text("Chưa tạo: vui lòng xem lại").wait_for()
    _no_sideways_scroll(page)
    page.get_by_label("Mật khẩu ban đầu").fill("Le-Chan-2026-an-toan")
    page.get_by_role("button", name="Tạo đơn vị").click()
    page.get_by_text("Đã tạo Phường Lê Chân").wait_for()
    assert page.get_by_text("Còn 6/8 việc cần làm").is_visible()
    _no_sideways_scroll(page)
    context.close()

    with app.app_context():
        _case(world)
        db.session.commit()
        alerts.check_events(db.session)
        db.session.commit()
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN")
    page = context.new_page()
    _login(page, live_server, "bd.canbo")
    page.get_by_role("link", name="Cảnh báo").click()
    page.get_by_text("Phản ánh mới", exact=True).wait_for()  # the list is loaded before its width is read
    _no_sideways_scroll(page)
    page.get_by_role("button", name="Đã biết").click()
    page.get_by_text("Không có cảnh báo nào cần xử lý.").wait_for()
    context.close()
