"""A tablet is paired, rates online, rates offline, survives a reload offline, drains its queue, and keeps
what a revoked device could not send."""

import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import SurveyResponse
from tests.conftest import PASSWORD, revoke_kiosk, save_screenshot

pytestmark = pytest.mark.browser

TABLET = {"viewport": {"width": 1280, "height": 800}, "locale": "vi-VN", "has_touch": True}


def _count(app) -> int:
    with app.app_context():
        n = db.session.execute(select(func.count()).select_from(SurveyResponse)).scalar()
        db.session.remove()
    return n


def _wait_for(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()



def _rate(page, label):
    page.locator("#levels").get_by_role("button", name=label, exact=True).click()
    page.get_by_role("button", name="Bỏ qua").click()
    page.get_by_role("button", name="Xong").click()
    page.locator("#screen-rate.active").wait_for()
    page.wait_for_timeout(800)  # past the double-tap window: the next citizen


def _staff(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill("bd.admin")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    return context, page


def test_pair_rate_offline_reload_drain_and_revoke(browser, live_server, app, world):
    desk, staff = _staff(browser, live_server)
    staff.goto(f"{live_server}/admin/kiosks/")
    staff.get_by_label("Tên máy").fill("Máy quầy 1")
    staff.get_by_label("Gắn với quầy").select_option(index=1)
    staff.get_by_role("button", name="Tạo máy và lấy mã ghép nối").click()
    code = staff.locator("#pairing-code").inner_text().strip()
    assert len(code) == 6 and code.isdigit()

    tablet_context = browser.new_context(**TABLET)
    tablet = tablet_context.new_page()
    tablet.goto(f"{live_server}/kiosk/")
    tablet.get_by_label("Mã ghép nối").fill(code)
    tablet.get_by_role("button", name="Ghép nối").click()
    tablet.locator("#screen-rate.active").wait_for()
    assert tablet.get_by_text("Cán bộ Bạch Đằng").is_visible()
    tablet.wait_for_function(
        "navigator.serviceWorker.ready.then(() => caches.open('hailong-kiosk-v3')).then(c => c.keys())"
        ".then(k => k.length >= 4)")
    save_screenshot("kiosk-tablet.png", tablet)

    for label in ["Rất hài lòng", "Hài lòng", "Rất hài lòng", "Không hài lòng", "Hài lòng"]:
        _rate(tablet, label)
    assert _wait_for(lambda: _count(app) == 5), _count(app)

    tablet_context.set_offline(True)
    went_offline = datetime.now(UTC)
    for index in range(10):
        _rate(tablet, "Rất hài lòng" if index % 2 else "Hài lòng")
    tablet.reload()  # offline: served by the service worker, the queue is in IndexedDB
    tablet.locator("#screen-rate.active").wait_for()
    assert tablet.locator("#status-queue").inner_text() == "Chờ gửi: 10"
    assert _count(app) == 5
    came_online = datetime.now(UTC)
    tablet_context.set_offline(False)
    assert _wait_for(lambda: _count(app) == 15), _count(app)
    with app.app_context():
        times = db.session.execute(select(SurveyResponse.answered_at).order_by(SurveyResponse.answered_at)
                                   ).scalars().all()
        db.session.remove()
    offline_times = times[5:]
    assert all(went_offline <= t <= came_online for t in offline_times), "original times were not kept"
    tablet.locator("#status-queue", has_text="Chờ gửi: 0").wait_for()

    staff.goto(f"{live_server}/admin/kiosks/")
    assert staff.locator("#kiosk-table").get_by_role("cell", name="Máy quầy 1").is_visible()
    revoke_kiosk(staff)
    tablet.locator("#levels").get_by_role("button", name="Rất hài lòng", exact=True).click()
    tablet.get_by_role("button", name="Bỏ qua").click()
    # the tablet learns it is revoked: no more ratings, the pairing screen beside what it holds
    tablet.locator("#screen-pair.active").wait_for(timeout=15000)
    notice = tablet.locator("#status-notice")
    notice.filter(has_text="Thiết bị đã bị thu hồi").wait_for(timeout=15000)
    tablet.locator("#status-queue", has_text="Chờ gửi: 1").wait_for()  # counted from IndexedDB
    assert _count(app) == 15

    phone_context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", is_mobile=True)
    phone = phone_context.new_page()
    phone.goto(f"{live_server}/kiosk/")
    save_screenshot("kiosk-pairing-phone.png", phone)
    for context in (tablet_context, phone_context, desk):
        context.close()
