"""Every staff page reachable from the navigation fits a 390 px phone, for every role (no sideways scrolling), and
shows no internal code."""

import re
from urllib.parse import urlparse

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import CaseCategory, QuestionnaireVersion
from survey_app.services import cases as case_service
from survey_app.services import surveys as survey_service
from survey_app.surveys.definition import ParsedAnswers
from tests.conftest import PASSWORD, save_screenshot
from tests.test_plain_words import leaked_codes

pytestmark = pytest.mark.browser

#: not ``is_mobile``: mobile emulation widens the layout viewport to the content, which would hide the overflow
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "locale": "vi-VN"}
ROLES = ["admin", "thamdinh", "bd.admin", "bd.canbo", "bd.xem"]
#: files and actions, not pages
SKIP = re.compile(r"\.(pdf|png|svg|xlsx|csv|docx|zip|json|xml)(\?|$)|/download|/attachments/|/logout")
STAFF = ("/admin", "/dashboard")


def _seed(app, world) -> None:
    """A long case and a few responses, so lists and tables have rows to lay out."""
    with app.test_request_context():
        category = db.session.execute(select(CaseCategory).limit(1)).scalar_one()
        for index in range(3):
            case_service.file_case(case_service.CaseInput(
                unit_id=world["units"]["bach-dang"], channel="web", kind="gop_y", category_id=category.id,
                content="Đề nghị bố trí thêm ghế chờ và quạt ở khu vực tiếp nhận hồ sơ đất đai " * 3,
                location="Tổ dân phố số 3, đường Nguyễn Trãi", client_id=f"seed-{index}"))
        version = db.session.execute(select(QuestionnaireVersion).where(QuestionnaireVersion.number == 1)
                                     .order_by(QuestionnaireVersion.id).limit(1)).scalar_one()
        for index in range(4):
            survey_service.submit_response(version, ParsedAnswers(values={"overall": [index % 5 + 1]}),
                                           survey_service.Submission(
                                               unit_id=world["units"]["bach-dang"],
                                               centre_id=world["centres"]["bach-dang"], channel="qr",
                                               client_id=f"seed-r{index}"))
        db.session.commit()
        db.session.remove()


def _pattern(path: str) -> str:
    return re.sub(r"\d+", "N", path)


def _links(page, live_server: str, selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.href)")
    out = []
    for href in hrefs:
        parsed = urlparse(href)
        if href.startswith(live_server) and parsed.path.startswith(STAFF) and not SKIP.search(href):
            out.append(href.split("#")[0])
    return out


#: a table a reader cannot follow: its header row hidden and some cell without its column's name before it
UNLABELLED_TABLES = """() => [...document.querySelectorAll('main table.table')].filter(t => {
    if (!t.tHead) { return false; }  // a list without column names has none to lose
    const head = t.tHead.getBoundingClientRect();
    const headShown = head.width > 2 && head.height > 2;
    const cells = [...t.querySelectorAll('tbody td')].filter(c => c.colSpan < 2 && c.textContent.trim());
    return !headShown && !cells.every(c => getComputedStyle(c, '::before').content.includes(':'));
}).length"""


@pytest.mark.parametrize(("username", "javascript"), [(role, True) for role in ROLES]
                         + [("bd.admin", False), ("admin", False)])
def test_every_staff_page_fits_a_phone(browser, live_server, app, world, username, javascript):
    """With JavaScript tables become labelled cards; without it they keep their header row and scroll in place."""
    _seed(app, world)
    context = browser.new_context(**PHONE, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/admin/**")
    nav = _links(page, live_server, "nav.nav a")
    assert len(nav) >= 5
    seen: set[str] = set()
    queue = [(url, 0) for url in nav]
    overflow: list[str] = []
    codes: list[str] = []
    visited = 0
    paths: set[str] = set()
    while queue:
        url, depth = queue.pop(0)
        if _pattern(urlparse(url).path) in seen:
            continue
        seen.add(_pattern(urlparse(url).path))
        response = page.goto(url)
        if response is None or response.status != 200:
            continue
        visited += 1
        paths.add(urlparse(url).path)
        width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
        if width[0] > width[1]:
            wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
                .filter(e => e.getBoundingClientRect().right > innerWidth + 1)
                .slice(0, 3).map(e => e.tagName + '.' + e.className + ' '
                                  + Math.round(e.getBoundingClientRect().right))""")
            overflow.append(f"{urlparse(url).path}: {width[0]} px ({'; '.join(wide)})")
            where = _pattern(urlparse(url).path).strip("/").replace("/", "-")
            save_screenshot(f"overflow-{username}{'' if javascript else '-nojs'}-{where}.png", page)
        if not javascript and page.evaluate(UNLABELLED_TABLES):
            overflow.append(f"{urlparse(url).path}: a table without its column names")
        leaked = leaked_codes(page.content())
        if leaked:
            codes.append(f"{urlparse(url).path}: {sorted(leaked)}")
        if depth == 0:
            queue.extend((link, 1) for link in _links(page, live_server, "main a"))
    context.close()
    assert visited >= 8
    assert "/admin/answer-templates/" in paths  # the answer templates are reached from the navigation
    assert not overflow, "\n".join(overflow)
    assert not codes, "internal codes on pages:\n" + "\n".join(codes)


def test_reissuing_a_qr_code_asks_first_and_says_what_happens(browser, live_server, app, world, tokens):
    for javascript in (True, False):
        context = browser.new_context(**PHONE, java_script_enabled=javascript)
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.get_by_label("Tên đăng nhập").fill("bd.admin")
        page.get_by_label("Mật khẩu").fill(PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()
        page.wait_for_url("**/admin/**")
        page.goto(f"{live_server}/admin/surveys/")
        confirm = page.get_by_role("button", name="Xác nhận cấp mã mới").first
        assert not confirm.is_visible()  # one tap does not revoke a printed code
        page.get_by_text("Cấp mã mới…").first.click()
        page.get_by_text("sẽ ngừng hoạt động ngay").first.wait_for()
        assert confirm.is_visible()
        confirm.click()
        page.wait_for_load_state()
        context.close()
    with app.app_context():
        from survey_app.models import QrToken

        revoked = db.session.execute(select(QrToken).where(QrToken.active.is_(False))).scalars().all()
        assert len(revoked) == 2  # one per confirmed tap


def test_printed_pages_carry_no_navigation_or_buttons(browser, live_server, app, world):
    _seed(app, world)
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill("bd.canbo")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/admin/**")
    for path in ("/admin/inbox/", "/admin/surveys/results"):
        page.goto(f"{live_server}{path}")
        assert page.locator("nav.nav").is_visible()
        page.emulate_media(media="print")
        visible = page.evaluate("""() => [...document.querySelectorAll('nav, button, .button, header')]
            .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden').length""")
        assert visible == 0, path
        assert page.locator("h1").is_visible()
        page.emulate_media(media="screen")
    context.close()
