"""The citizen's form over HTTP: stored once, right centre/counter/version/channel; bad input kept and refused."""

import unicodedata

from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import QrToken, SurveyAnswer, SurveyResponse
from tests.conftest import csrf_from


def _form(client, token, **params):
    page = client.get(f"/q/{token}", query_string=params)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sid = html.split('name="sid" value="')[1].split('"')[0]
    return html, {"csrf_token": csrf_from(html), "sid": sid}


def _responses(app):
    with app.app_context():
        return db.session.execute(select(SurveyResponse).order_by(SurveyResponse.id)).scalars().all()


def _count(app):
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(SurveyResponse)).scalar()


def test_form_shows_the_centre_and_prefills_nothing(client, tokens):
    html, _ = _form(client, tokens[1])
    assert "Phường Bạch Đằng" in html and "Quầy 1" in html
    assert " checked" not in html
    assert "Phần 1/" in html


def test_a_valid_submission_is_stored_once_with_its_origin(client, app, tokens, world):
    _, hidden = _form(client, tokens[2])
    data = {**hidden, "q-overall": "5", "q-staff.polite": "4", "q-improve": ["1", "4"], "q-comment": "Tốt 👍"}
    response = client.post(f"/q/{tokens[2]}", data=data)
    assert response.status_code == 303
    assert "/thanks" in response.headers["Location"]
    again = client.post(f"/q/{tokens[2]}", data=data)  # a double tap or a retry
    assert again.status_code == 303
    stored = _responses(app)
    assert len(stored) == 1
    with app.app_context():
        r = db.session.merge(stored[0])
        assert r.channel == "qr" and r.centre_id == world["centres"]["bach-dang"]
        assert r.counter_id == world["counters"]["bach-dang"][1]
        assert r.version.number == 1 and r.suspicious is False
        answers = {(a.question_key, a.value, a.text) for a in r.answers}
    assert answers == {("overall", 5, None), ("staff.polite", 4, None), ("improve", 1, None), ("improve", 4, None),
                       ("comment", None, "Tốt 👍")}
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Cảm ơn Ông/Bà!" in thanks and "SIPAS" in thanks


def test_missing_required_answer_keeps_the_other_answers(client, app, tokens):
    _, hidden = _form(client, tokens[1])
    response = client.post(f"/q/{tokens[1]}", data={**hidden, "q-staff.polite": "2", "q-comment": "Chờ <lâu>"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Vui lòng trả lời câu này." in html
    assert 'value="2" checked' in html
    assert "Chờ &lt;lâu&gt;" in html  # kept and escaped
    assert _count(app) == 0


def test_out_of_range_and_oversized_answers_are_refused(client, app, tokens):
    _, hidden = _form(client, tokens[1])
    response = client.post(f"/q/{tokens[1]}", data={**hidden, "q-overall": "9"})
    assert response.status_code == 400
    assert "Câu trả lời không hợp lệ." in response.get_data(as_text=True)
    response = client.post(f"/q/{tokens[1]}", data={**hidden, "q-overall": "4", "q-comment": "á" * 100_000})
    assert response.status_code == 400
    assert "Nội dung quá dài (tối đa 2000 ký tự)." in response.get_data(as_text=True)
    assert _count(app) == 0


def test_nfd_text_is_stored_as_nfc(client, app, tokens):
    _, hidden = _form(client, tokens[1])
    nfd = unicodedata.normalize("NFD", "Cán bộ hướng dẫn tận tình")
    client.post(f"/q/{tokens[1]}", data={**hidden, "q-overall": "5", "q-comment": nfd})
    with app.app_context():
        text = db.session.execute(select(SurveyAnswer.text).where(SurveyAnswer.question_key == "comment")).scalar()
    assert text == unicodedata.normalize("NFC", nfd)


def test_honeypot_and_bursts_are_flagged_not_dropped(client, app, tokens):
    for index in range(7):
        _, hidden = _form(client, tokens[1])
        data = {**hidden, "q-overall": "5"}
        if index == 0:
            data["website"] = "http://spam.example"
        assert client.post(f"/q/{tokens[1]}", data=data).status_code == 303
    stored = _responses(app)
    assert len(stored) == 7
    assert stored[0].suspicious_reason == "honeypot"
    assert [r.suspicious for r in stored[1:5]] == [False] * 4
    assert all(r.suspicious_reason == "burst" for r in stored[5:])  # the 6th and 7th from one address in 10 minutes


def test_rate_limit_answers_429_and_keeps_the_answers(client, app, tokens):
    app.config["PUBLIC_RATE_LIMIT"] = "2/60"
    try:
        for _ in range(2):
            _, hidden = _form(client, tokens[1])
            assert client.post(f"/q/{tokens[1]}", data={**hidden, "q-overall": "4"}).status_code == 303
        _, hidden = _form(client, tokens[1])
        response = client.post(f"/q/{tokens[1]}", data={**hidden, "q-overall": "3"})
    finally:
        app.config["PUBLIC_RATE_LIMIT"] = "30/60"
    assert response.status_code == 429
    assert 'value="3" checked' in response.get_data(as_text=True)
    assert _count(app) == 2


def test_missing_csrf_is_refused_in_vietnamese(client, app, tokens):
    response = client.post(f"/q/{tokens[1]}", data={"q-overall": "5"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert _count(app) == 0


def test_a_reissued_code_leads_to_the_centres_current_form_with_a_note_and_unknown_is_404(
        client, app, tokens, auth):
    auth.login("bd.admin")
    with app.app_context():
        token_id = db.session.execute(select(QrToken.id).where(QrToken.token == tokens[1])).scalar()
    response = client.post(f"/admin/surveys/qr/{token_id}/reissue", data={"csrf_token": auth.csrf()})
    assert response.status_code == 302
    old = client.get(f"/q/{tokens[1]}")
    assert old.status_code == 302 and old.headers["Location"].startswith(f"/q/{tokens['centre']}?")
    page = client.get(old.headers["Location"])
    assert page.status_code == 200 and "đã được thay mới; đây là phiếu đánh giá hiện tại" in page.get_data(as_text=True)
    with app.app_context():  # a closed centre has no current form: the friendly page
        from survey_app.models import ServiceCentre

        old_token = db.session.execute(select(QrToken).where(QrToken.token == tokens[1])).scalar_one()
        db.session.get(ServiceCentre, old_token.centre_id).active = False
        db.session.commit()
    closed = client.get(f"/q/{tokens[1]}")
    assert closed.status_code == 410 and "Mã QR này đã được thay mới" in closed.get_data(as_text=True)
    assert client.get("/q/khongcoma").status_code == 404


def test_english_switch(client, tokens):
    html, _ = _form(client, tokens[1], lang="en")
    assert "Overall, how satisfied are you" in html and "Tiếng Việt" in html


def test_per_dossier_qr_is_single_use_and_verified(client, app, tokens, auth, world):
    auth.login("bd.canbo")
    page = client.post("/admin/surveys/dossier-qr", data={
        "csrf_token": auth.csrf(), "dossier_code": "000.00.31.H26-261123-0001",
        "centre_id": world["centres"]["bach-dang"], "counter_id": world["counters"]["bach-dang"][0]})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    url = html.split("<code>")[1].split("</code>")[0].replace("&amp;", "&")
    path = url.split("localhost", 1)[1]
    citizen = app.test_client()
    form = citizen.get(path).get_data(as_text=True)
    assert "000.00.31.H26-261123-0001" in form
    data = {"csrf_token": csrf_from(form), "sid": form.split('name="sid" value="')[1].split('"')[0], "q-overall": "4"}
    assert citizen.post(path, data=data).status_code == 303
    second = citizen.get(path)
    assert "đã được đánh giá" in second.get_data(as_text=True)
    form = citizen.get(f"/q/{tokens[1]}").get_data(as_text=True)
    retyped = {"csrf_token": csrf_from(form), "sid": "other", "q-overall": "1",
               "dossier_code": "000.00.31.H26-261123-0001"}
    assert citizen.post(f"/q/{tokens[1]}", data=retyped).status_code == 409
    stored = _responses(app)
    assert len(stored) == 1 and stored[0].dossier_verified and stored[0].counter_id == world["counters"]["bach-dang"][0]
    forged = citizen.get(path[:-3] + "xyz")
    assert forged.status_code == 410
