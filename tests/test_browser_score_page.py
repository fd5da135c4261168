"""The score page on a 390 px phone: the "chưa chấm" filter, typing "1,25" with a comma, "lưu tất cả", points
off the table's step stopped in the browser, items that fold, no sideways scrolling, with and without JavaScript."""

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import ScoreEntry
from tests.conftest import PASSWORD, save_screenshot

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "locale": "vi-VN"}


def _login(browser, live_server, javascript: bool):
    context = browser.new_context(**PHONE, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill("bd.canbo")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/admin/**")
    return context, page


def _fits(page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1], width


def _entries(app, unit) -> dict[str, float]:
    with app.app_context():
        rows = db.session.execute(select(ScoreEntry).where(ScoreEntry.unit_id == unit)).scalars().all()
        result = {r.item_code: r.points for r in rows}
        db.session.remove()
        return result


@pytest.mark.parametrize("javascript", [True, False])
def test_score_page_on_a_phone(browser, live_server, app, world, javascript):
    unit = world["units"]["bach-dang"]
    context, page = _login(browser, live_server, javascript)
    page.goto(f"{live_server}/admin/scores/{unit}/2026")
    _fits(page)
    items = page.locator("details.score-item")
    total = items.count()
    assert total > 10

    # an item folds and unfolds with a tap on its heading, no script needed
    item = page.locator("details#item-2\\.3")
    assert item.get_attribute("open") is not None  # nobody scored it yet
    item.locator("summary").click()
    assert item.get_attribute("open") is None and not page.locator("#points-2\\.3").is_visible()
    item.locator("summary").click()
    page.locator("#points-2\\.3").wait_for()

    # a point off the table's step never leaves the browser
    page.locator("#points-2\\.3").fill("1,3")
    page.locator("#save-all").click()
    assert page.evaluate("document.querySelector('#points-2\\\\.3').validity.valid") is False
    assert _entries(app, unit) == {}

    # a point above the item's maximum is refused by the server: the reason shows first, nothing is saved
    page.locator("#points-2\\.3").fill("1,25")
    page.locator("#points-2\\.6").fill("5")
    page.locator("#save-all").click()
    page.wait_for_load_state()
    assert page.locator("#save-errors").is_visible() and page.locator("#save-errors").bounding_box()["y"] < 844
    assert "từ 0 đến 1" in page.locator("#error-2\\.6").inner_text()
    assert page.locator("#points-2\\.3").input_value() == "1,25"  # what was typed is kept
    assert _entries(app, unit) == {}
    _fits(page)
    page.locator("#points-2\\.6").fill("")

    # typed with a comma, saved with one tap for all items
    page.locator("#points-2\\.5").fill("1")
    page.locator("#note-2\\.5").fill("Thư chúc Tết")
    page.locator("#save-all").click()
    page.wait_for_load_state()
    assert page.get_by_text("Đã lưu 2 mục: 2.3, 2.5").is_visible()
    assert _entries(app, unit) == {"2.3": 1.25, "2.5": 1.0}
    assert page.locator("details#item-2\\.5").get_attribute("open") is None  # full marks: folded away
    _fits(page)
    if javascript:  # on paper every item shows in full, on screen the folded ones fold again
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        assert page.locator("details.score-item:not([open])").count() == 0
        page.evaluate("window.dispatchEvent(new Event('afterprint'))")
        assert page.locator("details#item-2\\.5").get_attribute("open") is None
    page.locator("details#item-2\\.3").scroll_into_view_if_needed()
    save_screenshot(f"score-items-phone{'' if javascript else '-nojs'}.png", page)

    # only what is left to do: at once with script (no reload), from the server without
    blank = page.locator("details.score-item[data-state=blank]").count()
    assert 0 < blank < total
    page.evaluate("window.stayed = true")
    page.locator("#filter-blank").click()
    page.wait_for_url("**loc=chua-cham**")
    page.wait_for_load_state()
    assert page.evaluate("window.stayed === true") is javascript
    left = page.locator("details.score-item:visible")
    assert left.count() == blank == page.locator("details.score-item[data-state=blank]:visible").count()
    assert not page.locator("details#item-2\\.3").is_visible() and page.locator("details#item-2\\.6").is_visible()
    _fits(page)
    page.locator("#filter-all").click()
    page.wait_for_load_state()
    assert page.locator("details.score-item:visible").count() == total
    assert "loc=" not in page.url
    page.locator("#filter-blank").click()  # and again: the filter is bound to the new link too
    page.wait_for_load_state()
    assert page.locator("details.score-item:visible").count() == blank
    assert page.evaluate("window.stayed === true") is javascript
    page.reload()  # the address keeps the filter: the server gives the same list
    assert page.locator("details.score-item:visible").count() == blank
    context.close()


def test_the_appraiser_opens_an_items_evidence_file_on_a_phone(browser, live_server, app, world):
    from reports.scoring import appraisal, operations
    from reports.scoring.engine import score
    from reports.scoring.table import for_year
    from survey_app.models import AdminUnit, User
    from survey_app.services.uploads import check_evidence

    unit_id = world["units"]["bach-dang"]
    content = b"%PDF-1.4 bien ban tinh nguyen vien thang 7"
    with app.app_context():
        unit, leader = db.session.get(AdminUnit, unit_id), db.session.get(User, world["users"]["bd.admin"])
        item = for_year(2026).item("2.3")
        operations.enter_points(leader, unit, 2026, item, 3, "Sổ trực")
        name = "Biên bản tình nguyện viên tháng 7 năm 2026 tại Trung tâm Phục vụ hành chính công phường.pdf"
        operations.add_attachment(leader, unit, 2026, item, check_evidence(name, content))
        appraisal.submit(db.session, leader, score(db.session, unit, 2026))
        db.session.commit()
        db.session.remove()
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill("thamdinh")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/admin/**")
    page.goto(f"{live_server}/admin/appraisal/2026/{unit_id}")
    _fits(page)
    link = page.locator("#item-2\\.3").get_by_role("link", name=name)
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".pdf")
    with open(download.value.path(), "rb") as file:
        assert file.read() == content
    context.close()
