"""A citizen scans the poster's QR and answers on a phone, with and without JavaScript."""

import io

import pypdfium2
import pytest
import zxingcpp
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import QrToken, SurveyResponse
from survey_app.services import qr
from tests.conftest import save_screenshot

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "vi-VN"}
TABLET = {"viewport": {"width": 820, "height": 1180}, "device_scale_factor": 2, "is_mobile": True,
          "has_touch": True, "locale": "vi-VN"}
OVERALL = "Nhìn chung, Ông/Bà hài lòng với sự phục vụ hôm nay không?"


def _poster_url(app, live_server, world) -> str:
    """Print the counter's poster as the server would, render it, and read the QR like a phone camera."""
    with app.test_request_context(base_url=live_server):
        from survey_app.models import ServiceCentre
        from survey_app.surveys import printing

        centre = db.session.get(ServiceCentre, world["centres"]["bach-dang"])
        token = next(t for t in qr.ensure_tokens([centre]) if t.counter and t.counter.number == 2)
        db.session.commit()
        item = printing.PosterItem(centre.unit.full_name, centre.name, qr.short_url(token), token.counter.display_name)
        pdf = printing.poster_pdf(item)
        db.session.remove()
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    image = document[0].render(scale=2).to_pil()
    document.close()
    save_screenshot("poster-a4.png", image=image.resize((image.width // 3, image.height // 3)))
    (result,) = zxingcpp.read_barcodes(image)
    return result.text


def _stored(app) -> list[SurveyResponse]:
    with app.app_context():
        rows = db.session.execute(select(SurveyResponse)).scalars().all()
        for row in rows:
            row.kept = {(a.question_key, a.value, a.text) for a in row.answers}
        db.session.expunge_all()
        return rows


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_two_taps_from_the_qr_send_a_complete_response(browser, live_server, app, world, javascript):
    url = _poster_url(app, live_server, world)
    assert url.startswith(live_server + "/q/")
    context = browser.new_context(**PHONE, java_script_enabled=javascript)
    page = context.new_page()
    transferred = []
    page.on("response", lambda r: transferred.append(len(r.body())) if r.ok else None)
    page.goto(url)
    assert sum(transferred) < 100_000, f"first screen transferred {sum(transferred)} bytes"
    if javascript:
        save_screenshot("survey-phone.png", page)
    assert page.get_by_text("Phường Bạch Đằng").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    send_now = page.get_by_role("button", name="Gửi ngay")
    # both targets are on the first screen: no scrolling, tap the rating, tap "Gửi ngay"
    very = page.get_by_role("group", name=OVERALL).get_by_text("Rất hài lòng")
    for target in (very, send_now):
        box = target.bounding_box()
        assert box["y"] + box["height"] <= PHONE["viewport"]["height"]
    taps = 0
    very.tap() if javascript else very.click()
    taps += 1
    send_now.tap() if javascript else send_now.click()
    taps += 1
    page.wait_for_url("**/thanks**")
    assert page.get_by_role("heading", name="Cảm ơn Ông/Bà!").is_visible()
    assert taps == 2
    assert page.get_by_role("link", name="Gửi góp ý, phản ánh, kiến nghị cho UBND").is_visible()
    assert page.get_by_role("link", name="Xem kết quả đánh giá công khai").is_visible()
    context.close()
    (response,) = _stored(app)
    token = url.rsplit("/", 1)[1]
    with app.app_context():
        qr_token = db.session.execute(select(QrToken).where(QrToken.token == token)).scalar_one()
        assert (response.centre_id, response.counter_id, response.channel) == (
            qr_token.centre_id, qr_token.counter_id, "qr")
    assert response.kept == {("overall", 5, None)}


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_one_part_per_screen_and_send_on_any_screen_keeps_one_response(browser, live_server, app, world,
                                                                       javascript):
    url = _poster_url(app, live_server, world)
    context = browser.new_context(**PHONE, java_script_enabled=javascript)
    page = context.new_page()
    page.goto(url)
    # the only required question: without it the screen comes back saying why
    # each click loads the next screen: wait for it (the address changes before the new screen is drawn)
    page.get_by_role("button", name="Gửi ngay").click()
    page.get_by_text("Vui lòng trả lời câu này.").wait_for()
    page.get_by_role("group", name=OVERALL).get_by_text("Hài lòng", exact=True).click()
    page.get_by_role("button", name="Trả lời thêm 8 phần (không bắt buộc)").click()
    page.get_by_text("Phần 2/9").wait_for()
    assert page.locator("progress").get_attribute("value") == "2"
    assert len(_stored(app)) == 1  # kept from the first "Gửi" on
    page.get_by_role("button", name="Tiếp").click()
    page.get_by_text("Phần 3/9").wait_for()
    page.get_by_role("button", name="Tiếp").click()
    page.get_by_text("Phần 4/9").wait_for()
    polite = page.get_by_role("group", name="Công chức có thái độ giao tiếp lịch sự")
    polite.get_by_text("Rất hài lòng").click()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    page.get_by_role("button", name="Gửi", exact=True).click()
    page.wait_for_url("**/thanks**")
    assert page.get_by_role("heading", name="Cảm ơn Ông/Bà!").is_visible()
    page.go_back()  # back and send the same screen again: still one response
    if page.get_by_role("button", name="Gửi", exact=True).count():
        page.get_by_role("button", name="Gửi", exact=True).click()
    context.close()
    (response,) = _stored(app)
    assert response.kept == {("overall", 4, None), ("staff.polite", 5, None)}


def test_scale_is_one_row_on_a_tablet_and_full_width_on_a_phone(browser, live_server, app, world, tokens):
    for device, one_row in ((TABLET, True), (PHONE, False)):
        context = browser.new_context(**device)
        page = context.new_page()
        page.goto(f"{live_server}/q/{tokens[1]}")
        page.get_by_role("group", name=OVERALL).get_by_text("Hài lòng", exact=True).click()
        page.get_by_role("button", name="Trả lời thêm 8 phần (không bắt buộc)").click()
        page.get_by_text("Phần 2/9").wait_for()  # the click loads part 2: its scale, not the first screen's
        boxes = [c.bounding_box() for c in page.locator(".choices.scale").first.locator(".choice").all()]
        container = page.locator(".choices.scale").first.bounding_box()
        assert len(boxes) >= 5
        if one_row:
            assert len({round(b["y"]) for b in boxes}) == 1, boxes
            save_screenshot("survey-tablet.png", page)
        else:
            assert all(abs(b["width"] - container["width"]) < 1 for b in boxes), (boxes, container)
            assert all(b["height"] >= 48 for b in boxes), boxes
        context.close()


def test_negative_rating_reveals_the_follow_up(browser, live_server, app, world):
    url = _poster_url(app, live_server, world)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url)
    why = page.get_by_label("Điều gì khiến Ông/Bà chưa hài lòng?")
    assert not why.is_visible()
    overall = page.get_by_role("group", name=OVERALL)
    overall.get_by_text("Không hài lòng", exact=True).click()
    why.wait_for()
    save_screenshot("survey-phone-follow-up.png", page)
    context.close()
