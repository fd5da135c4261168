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

PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "vi-VN"}


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


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_citizen_answers_on_a_phone(browser, live_server, app, world, javascript):
    url = _poster_url(app, live_server, world)
    assert url.startswith(live_server + "/q/")
    context = browser.new_context(**PHONE, java_script_enabled=javascript)
    page = context.new_page()
    transferred = []
    page.on("response", lambda r: transferred.append(len(r.body())) if r.ok else None)
    page.goto(url)
    assert sum(transferred) < 100_000, f"first load transferred {sum(transferred)} bytes"
    if javascript:
        save_screenshot("survey-phone.png", page)
    assert page.get_by_text("Phường Bạch Đằng").first.is_visible()
    # submitting without the required answer keeps the page, says why, and keeps what was chosen
    page.get_by_role("group", name="Công chức có thái độ giao tiếp lịch sự").get_by_text("Hài lòng", exact=True).click()
    page.get_by_role("button", name="Gửi đánh giá").click()
    assert page.get_by_text("Vui lòng trả lời câu này.").is_visible()
    polite = page.get_by_role("group", name="Công chức có thái độ giao tiếp lịch sự")
    assert polite.get_by_role("radio", name="Hài lòng", exact=True).is_checked()
    overall = page.get_by_role("group", name="Nhìn chung, Ông/Bà hài lòng với sự phục vụ hôm nay không?")
    overall.get_by_text("Rất hài lòng").click()
    page.get_by_label("Ý kiến khác").fill("Cán bộ nhiệt tình ❤")
    page.get_by_role("button", name="Gửi đánh giá").click()
    assert page.get_by_role("heading", name="Cảm ơn Ông/Bà!").is_visible()
    context.close()
    with app.app_context():
        stored = db.session.execute(select(SurveyResponse)).scalars().all()
        assert len(stored) == 1
        response = stored[0]
        token = db.session.execute(select(QrToken).where(QrToken.token == url.rsplit("/", 1)[1])).scalar_one()
        assert (response.centre_id, response.counter_id, response.channel) == (token.centre_id, token.counter_id, "qr")
        answers = {(a.question_key, a.value, a.text) for a in response.answers}
        assert answers == {("overall", 5, None), ("staff.polite", 4, None), ("comment", None, "Cán bộ nhiệt tình ❤")}


def test_negative_rating_reveals_the_follow_up(browser, live_server, app, world):
    url = _poster_url(app, live_server, world)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(url)
    why = page.get_by_label("Điều gì khiến Ông/Bà chưa hài lòng?")
    assert not why.is_visible()
    overall = page.get_by_role("group", name="Nhìn chung, Ông/Bà hài lòng với sự phục vụ hôm nay không?")
    overall.get_by_text("Không hài lòng", exact=True).click()
    assert why.is_visible()
    save_screenshot("survey-phone-follow-up.png", page)
    context.close()
