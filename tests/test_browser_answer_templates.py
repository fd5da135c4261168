"""On a 390 px phone, with and without JavaScript: an administrator writes a template, an officer fills the answer
from it; and a table still says which column each value belongs to when JavaScript is off."""

import pytest
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import AnswerTemplate, Case, CaseCategory
from survey_app.services import cases as case_service
from survey_app.timeutil import local_today
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "locale": "vi-VN"}


def _login(browser, live_server: str, username: str, javascript: bool):
    context = browser.new_context(**PHONE, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_url("**/admin/**")
    return context, page


def _fits(page) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1], f"{page.url}: {width[0]} px wide"


def _case(app, world) -> tuple[int, str, str, str]:
    with app.app_context():
        category = db.session.execute(select(CaseCategory).order_by(CaseCategory.id).limit(1)).scalar_one()
        case, _ = case_service.file_case(case_service.CaseInput(
            unit_id=world["units"]["bach-dang"], channel="hotline", kind="gop_y", category_id=category.id,
            content="Rác thải tồn đọng ở đầu ngõ 12 đường Nguyễn Trãi đã ba ngày chưa được thu gom"))
        db.session.commit()
        return case.id, case.tracking_code, category.name, case.unit.full_name


@pytest.mark.parametrize("javascript", [True, False])
def test_an_administrator_writes_a_template_and_an_officer_answers_with_it(browser, live_server, app, world,
                                                                            javascript):
    case_id, code, category_name, unit_name = _case(app, world)
    context, page = _login(browser, live_server, "bd.admin", javascript)
    page.goto(f"{live_server}/admin/")
    page.get_by_role("link", name="Mẫu trả lời").first.click()
    page.wait_for_url("**/admin/answer-templates/")
    _fits(page)
    page.get_by_role("link", name="Thêm mẫu trả lời").click()
    page.wait_for_url("**/admin/answer-templates/new")
    _fits(page)
    page.get_by_label("Lĩnh vực").select_option(label=category_name)
    page.get_by_label("Tiêu đề").fill("Đã thu gom")
    page.get_by_label("Nội dung").fill("Về phản ánh {ma_theo_doi}: UBND {don_vi} đã chỉ đạo thu gom ngày {ngay}.")
    page.get_by_role("button", name="Lưu").click()
    page.wait_for_url("**/admin/answer-templates/")
    assert page.get_by_text("Đã thu gom").first.is_visible()
    _fits(page)
    context.close()
    with app.app_context():
        assert db.session.execute(select(AnswerTemplate.title)).scalar_one() == "Đã thu gom"
        long_title = ("Trả lời chung cho các phản ánh về thái độ phục vụ của công chức tại Trung tâm Phục vụ "
                      "hành chính công")[:120]
        db.session.add(AnswerTemplate(unit_id=world["units"]["bach-dang"], title=long_title, body="Cảm ơn."))
        db.session.commit()

    context, page = _login(browser, live_server, "bd.canbo", javascript)
    page.goto(f"{live_server}/admin/inbox/{case_id}")
    _fits(page)
    page.get_by_label("Mẫu trả lời").select_option(label="Đã thu gom")
    page.get_by_role("button", name="Dùng mẫu").click()
    if not javascript:
        page.wait_for_url("**template=*")
    answer = page.locator("#public_answer")
    today = local_today().strftime("%d/%m/%Y")
    assert answer.input_value() == f"Về phản ánh {code}: UBND {unit_name} đã chỉ đạo thu gom ngày {today}."
    _fits(page)
    answer.fill(answer.input_value() + " Trân trọng.")
    page.get_by_role("button", name="Trả lời", exact=True).click()
    page.get_by_text("Đã cập nhật.").wait_for()
    context.close()
    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.state == "answered" and case.public_answer.endswith("Trân trọng.")
        assert case.public_answer.startswith(f"Về phản ánh {code}")
        template_id = db.session.execute(select(AnswerTemplate.id).where(AnswerTemplate.title == "Đã thu gom")
                                         ).scalar_one()
        assert next(e for e in case.events if e.kind == "answered").detail["template_id"] == template_id


def test_without_javascript_a_narrow_table_still_names_each_column(browser, live_server, app, world):
    _case(app, world)
    context, page = _login(browser, live_server, "bd.canbo", False)
    for path in ("/admin/inbox/", "/admin/departments/", "/admin/"):
        page.goto(f"{live_server}{path}")
        _fits(page)
        unlabelled = page.evaluate("""() => [...document.querySelectorAll('main table.table')].filter(t => {
            if (!t.tHead) { return false; }
            // a clipped (visually hidden) header keeps its cells' sizes: judge the header row's own box
            const head = t.tHead.getBoundingClientRect();
            const headsShown = head.width > 2 && head.height > 2;
            const cells = [...t.querySelectorAll('tbody td')].filter(c => c.textContent.trim());
            const cellsLabelled = cells.every(c => getComputedStyle(c, '::before').content.includes(':'));
            return !(headsShown || cellsLabelled);
        }).length""")
        assert unlabelled == 0, path
    context.close()
