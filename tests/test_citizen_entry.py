"""How a citizen gets in: the home page's commune search and "Đánh giá dịch vụ", the feedback form's guidance."""

from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import SurveyResponse
from tests.conftest import csrf_from


def test_home_finds_the_commune_without_accents_and_offers_rating(client, world):
    html = client.get("/").get_data(as_text=True)
    assert 'type="search"' in html and "Đánh giá dịch vụ" in html
    found = client.get("/", query_string={"xa": "bach dang"}).get_data(as_text=True)
    assert "Phường Bạch Đằng" in found and "Phường Hòa Bình" not in found.split("</datalist>")[1]
    assert "1 đơn vị khớp" in found
    none = client.get("/", query_string={"xa": "không có"}).get_data(as_text=True)
    assert "0 đơn vị khớp" in none


def test_rate_entry_opens_the_centre_form_on_the_web_channel(client, app, world):
    response = client.get("/danh-gia/bach-dang")
    assert response.status_code == 303 and "via=web" in response.headers["Location"]
    form_url = response.headers["Location"]
    html = client.get(form_url).get_data(as_text=True)
    assert "Trung tâm PVHCC phường Bạch Đằng" in html
    sid = html.split('name="sid" value="')[1].split('"')[0]
    action = html.split('<form method="post" action="')[1].split('"')[0].replace("&amp;", "&")
    sent = client.post(form_url.split("?")[0] + action, data={
        "csrf_token": csrf_from(html), "sid": sid, "step": "1", "go": "send", "q-overall": "4"})
    assert sent.status_code == 303
    with app.app_context():
        assert db.session.execute(select(SurveyResponse.channel)).scalar_one() == "web"
    assert client.get("/danh-gia/khong-co").status_code == 404


def test_feedback_form_explains_each_kind_and_marks_required_fields(client, world):
    html = client.get("/phan-anh/bach-dang").get_data(as_text=True)
    for kind in ("Góp ý", "Phản ánh", "Kiến nghị"):
        assert f"<strong>{kind}</strong><span class=\"kind-hint\"" in html
    assert html.count("(bắt buộc)") == 3  # loại, lĩnh vực, nội dung
    assert "Bắt buộc với phản ánh, kiến nghị" in html
