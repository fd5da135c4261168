"""The paper-batch check on a 390 px phone in Chromium: the keyer uploads the scan and hands the batch over,
another staff member checks it, nothing scrolls sideways."""

import uuid
from datetime import datetime

import pytest
from PIL import Image
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import PaperBatch, SurveyResponse, User
from survey_app.services import paper_batches, surveys
from survey_app.surveys.definition import ParsedAnswers
from survey_app.timeutil import LOCAL_TZ, as_utc
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _keyed_batch(app, world, forms: int) -> int:
    with app.app_context():
        keyer = db.session.get(User, world["users"]["bd.canbo"])
        version = surveys.current_version(surveys.questionnaire_by_code("centre-service").id)
        batch = paper_batches.open_batch(keyer, world["units"]["bach-dang"], version.questionnaire_id)
        for i in range(forms):
            response, _ = surveys.submit_response(
                version, ParsedAnswers(values={"overall": [4], "staff.polite": [5]}, texts={"comment": "Cán bộ tận "
                                       "tình, hướng dẫn chu đáo, rất hài lòng với thái độ phục vụ của trung tâm"}),
                surveys.Submission(unit_id=world["units"]["bach-dang"], centre_id=world["centres"]["bach-dang"],
                                   channel="paper", client_id=uuid.uuid4().hex, entered_by=keyer,
                                   paper_serial=f"HP-2026-{i:05d}",
                                   answered_at=as_utc(datetime(2026, 11, 2, 12, tzinfo=LOCAL_TZ))))
            paper_batches.keyed(keyer, batch, response)
        db.session.commit()
        return batch.id


def _login(page, live_server, username):
    page.goto(f"{live_server}/login")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()


def _no_sideways_scroll(page) -> None:
    page.wait_for_load_state("load")  # measured once the stylesheet applies (it failed once before, under load)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (width, page.url)


def test_keyer_hands_over_and_another_staff_member_checks_on_a_phone(browser, live_server, app, world, tmp_path):
    batch = _keyed_batch(app, world, 3)
    scan = tmp_path / "lo-phieu.png"
    Image.new("RGB", (1200, 1700), "white").save(scan)

    keyer = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True)
    page = keyer.new_page()
    _login(page, live_server, "bd.canbo")
    page.goto(f"{live_server}/admin/surveys/paper/batches/{batch}")
    page.get_by_label("Tải bản quét").set_input_files(str(scan))
    page.get_by_role("button", name="Tải lên").click()
    page.get_by_text("Đã lưu 1 tệp bản quét.").wait_for()
    _no_sideways_scroll(page)  # a large scan image shrinks to the screen
    page.get_by_role("button", name="Gửi kiểm tra").click()
    page.get_by_text(f"Đã gửi lô số {batch}").wait_for()
    assert page.get_by_role("button", name="Xác nhận đã đối chiếu với bản quét").count() == 0
    keyer.close()

    checker = browser.new_context(viewport=PHONE, locale="vi-VN", is_mobile=True)
    page = checker.new_page()
    _login(page, live_server, "bd.admin")
    page.goto(f"{live_server}/admin/surveys/paper/batches/")
    assert page.get_by_role("heading", name="Chờ kiểm tra (1)").is_visible()
    _no_sideways_scroll(page)
    page.get_by_role("link", name=f"Lô số {batch}").click()
    page.get_by_text("4 – Hài lòng").first.wait_for()
    _no_sideways_scroll(page)
    with app.app_context():
        wrong = db.session.execute(select(SurveyResponse.id).where(
            SurveyResponse.paper_serial == "HP-2026-00001")).scalar_one()
    page.locator(f"input[name=wrong][value='{wrong}']").check()
    page.locator(f"#reason-{wrong}").fill("Câu đánh giá chung trên phiếu là 2")
    page.get_by_role("button", name="Xác nhận đã đối chiếu với bản quét").click()
    assert page.get_by_text(f"Đã kiểm tra lô số {batch}: 2 phiếu khớp bản quét được tính, 1 phiếu sai bị loại.") \
        .is_visible()
    _no_sideways_scroll(page)
    checker.close()
    with app.app_context():
        assert db.session.get(PaperBatch, batch).status == "checked"
