"""The main pages at phone, tablet and desktop width: none scrolls sideways; with HAILONG_SCREENSHOT_DIR set, the
pictures the README shows are taken here."""

import pytest

from tests.conftest import PASSWORD, save_screenshot
from tests.test_browser_staff_phone import _seed

pytestmark = pytest.mark.browser

WIDTHS = {"phone": 390, "tablet": 820, "desktop": 1366}


def test_main_pages_at_three_widths(browser, live_server, app, world, tokens):
    _seed(app, world)
    pages = {"home": ("/", None), "survey": (f"/q/{tokens[1]}", None), "inbox": ("/admin/inbox/", "bd.canbo"),
             "results": ("/admin/surveys/results", "bd.canbo"), "score": ("/admin/scores/", "bd.admin")}
    for label, width in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
        page = context.new_page()
        logged_in = None
        for name, (path, user) in pages.items():
            if user and user != logged_in:
                page.context.clear_cookies()
                page.goto(f"{live_server}/login")
                page.get_by_label("Tên đăng nhập").fill(user)
                page.get_by_label("Mật khẩu").fill(PASSWORD)
                page.get_by_role("button", name="Đăng nhập").click()
                page.wait_for_url("**/admin/**")
                logged_in = user
            page.goto(f"{live_server}{path}")
            assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), f"{name} at {width} px"
            if name == "inbox" and width < 720:
                page.locator("#inbox-table").scroll_into_view_if_needed()  # the cards, not the filters
            save_screenshot(f"{name}-{label}.png", page)
        context.close()
