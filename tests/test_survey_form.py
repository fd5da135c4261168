"""The citizen's form over HTTP: stored once, right centre/counter/version/channel; bad input kept and refused."""

import unicodedata

import pytest
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import QrToken, SurveyAnswer, SurveyResponse
from tests.conftest import csrf_from
from tests.roundtrips import round_trips


def _form(client, token, **params):
    page = client.get(f"/q/{token}", query_string=params)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sid = html.split('name="sid" value="')[1].split('"')[0]
    return html, {"csrf_token": csrf_from(html), "sid": sid}


def _steps(client, token, hidden, answers_by_step: dict[int, dict], last_go: str = "send"):
    """Answer the given screens in order through the plain (JS-off) multi-step form; return the last response."""
    numbers = sorted(answers_by_step)
    response = None
    for index, number in enumerate(numbers):
        go = "next" if index < len(numbers) - 1 else last_go
        data = {**hidden, "step": str(number), "go": go, **answers_by_step[number]}
        response = client.post(f"/q/{token}", data=data)
        assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    return response


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
    first = client.post(f"/q/{tokens[2]}", data={**hidden, "step": "1", "go": "next", "q-overall": "5"})
    assert first.status_code == 303
    assert "step=2" in first.headers["Location"] and hidden["sid"] in first.headers["Location"]
    assert _count(app) == 1  # stored at the first "Gửi": the citizen may stop on any later screen
    # screen 4 is the staff part, screen 8 what should improve; a retry of a screen changes nothing
    response = _steps(client, tokens[2], hidden, {4: {"q-staff.polite": "4"},
                                                  8: {"q-improve": ["1", "4"], "q-comment": "Tốt 👍"}})
    assert "/thanks" in response.headers["Location"]
    again = client.post(f"/q/{tokens[2]}", data={**hidden, "step": "8", "go": "send", "q-improve": ["1", "4"],
                                                 "q-comment": "Tốt 👍"})
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
    assert thanks.split("<main")[1].count("Cảm ơn") == 1 and "SIPAS" in thanks  # said once
    assert "/phan-anh/bach-dang" in thanks and "/minh-bach/bach-dang" in thanks


def test_send_now_stores_the_overall_rating_alone(client, app, tokens):
    html, hidden = _form(client, tokens[1])
    assert html.index('name="q-overall"') < html.index("Gửi ngay")
    assert 'name="q-staff.polite"' not in html  # one part per screen
    response = client.post(f"/q/{tokens[1]}", data={**hidden, "step": "1", "go": "send", "q-overall": "4"})
    assert "/thanks" in response.headers["Location"]
    (stored,) = _responses(app)
    with app.app_context():
        assert [(a.question_key, a.value) for a in db.session.merge(stored).answers] == [("overall", 4)]


def test_a_later_screen_shows_what_was_kept_and_a_changed_answer_replaces_it(client, app, tokens):
    _, hidden = _form(client, tokens[1])
    _steps(client, tokens[1], hidden, {1: {"q-overall": "2", "q-overall.why": "Chờ lâu"},
                                       2: {"q-access.seating": "3"}}, last_go="next")
    page = client.get(f"/q/{tokens[1]}", query_string={"step": 2, "sid": hidden["sid"]}).get_data(as_text=True)
    assert "Phần 2/9" in page and '<progress' in page and 'value="3" checked' in page
    # back on the first screen the citizen changes the rating: the follow-up no longer applies
    _steps(client, tokens[1], hidden, {1: {"q-overall": "5"}})
    (stored,) = _responses(app)
    with app.app_context():
        answers = {(a.question_key, a.value, a.text) for a in db.session.merge(stored).answers}
    assert answers == {("overall", 5, None), ("access.seating", 3, None)}


def test_a_later_screen_without_a_started_response_is_refused(client, app, tokens):
    _, hidden = _form(client, tokens[1])
    response = client.post(f"/q/{tokens[1]}", data={**hidden, "step": "3", "go": "send", "q-procedure.posted": "4"})
    assert response.status_code == 409
    assert "quét lại mã QR" in response.get_data(as_text=True)
    assert client.get(f"/q/{tokens[1]}", query_string={"step": 3, "sid": "khong-co"}).status_code == 303
    assert _count(app) == 0


def test_missing_required_answer_keeps_the_other_answers(client, app, tokens):
    _, hidden = _form(client, tokens[1])
    response = client.post(f"/q/{tokens[1]}", data={**hidden, "step": "1", "q-overall.why": "Chờ <lâu>"})
    assert response.status_code == 400
    assert "Vui lòng trả lời câu này." in response.get_data(as_text=True)
    _steps(client, tokens[1], hidden, {1: {"q-overall": "4"}}, last_go="next")
    response = client.post(f"/q/{tokens[1]}", data={**hidden, "step": "8", "q-improve": ["2", "99"],
                                                    "q-comment": "Chờ <lâu>"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Câu trả lời không hợp lệ." in html
    assert 'value="2" checked' in html
    assert "Chờ &lt;lâu&gt;" in html  # kept and escaped
    (stored,) = _responses(app)
    with app.app_context():
        assert [a.question_key for a in db.session.merge(stored).answers] == ["overall"]


def test_out_of_range_and_oversized_answers_are_refused(client, app, tokens):
    _, hidden = _form(client, tokens[1])
    response = client.post(f"/q/{tokens[1]}", data={**hidden, "q-overall": "9"})
    assert response.status_code == 400
    assert "Câu trả lời không hợp lệ." in response.get_data(as_text=True)
    response = client.post(f"/q/{tokens[1]}", data={**hidden, "q-overall": "2", "q-overall.why": "á" * 100_000})
    assert response.status_code == 400
    assert "Nội dung quá dài (tối đa 1000 ký tự)." in response.get_data(as_text=True)
    assert _count(app) == 0
    _steps(client, tokens[1], hidden, {1: {"q-overall": "4"}}, last_go="next")
    response = client.post(f"/q/{tokens[1]}", data={**hidden, "step": "8", "q-comment": "á" * 100_000})
    assert response.status_code == 400
    assert "Nội dung quá dài (tối đa 2000 ký tự)." in response.get_data(as_text=True)


def test_nfd_text_is_stored_as_nfc(client, app, tokens):
    _, hidden = _form(client, tokens[1])
    nfd = unicodedata.normalize("NFD", "Cán bộ hướng dẫn tận tình")
    _steps(client, tokens[1], hidden, {1: {"q-overall": "5"}, 8: {"q-comment": nfd}})
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


def test_a_later_screen_marks_its_day_for_the_refresh_and_keeps_the_first_storing_time(client, app, tokens):
    """received_at stays the moment the response was first stored (a score as of a date may know it from then);
    changed_at tells the incremental refresh that the day's answers changed."""
    from reports.jobs import refresh
    from survey_app.models import RollupResponse

    _, hidden = _form(client, tokens[1])
    _steps(client, tokens[1], hidden, {1: {"q-overall": "4"}}, last_go="next")
    with app.app_context():
        refresh(db.session)
        db.session.commit()
        (first,) = db.session.execute(select(SurveyResponse.received_at, SurveyResponse.changed_at)).all()
        assert first.changed_at is None
    _steps(client, tokens[1], hidden, {2: {"q-access.seating": "5"}})
    with app.app_context():
        (later,) = db.session.execute(select(SurveyResponse.received_at, SurveyResponse.changed_at)).all()
        assert later.received_at == first.received_at and later.changed_at > first.received_at
        refresh(db.session)
        db.session.commit()
        keys = set(db.session.execute(select(RollupResponse.question_key)).scalars())
    assert {"overall", "access.seating"} <= keys


def _statements(app, fn) -> list[str]:
    from sqlalchemy import event

    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if "rate_counters" not in statement:  # the rate limiter's own connection (Redis when configured)
            seen.append(statement.split()[0].upper())

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return seen


def test_the_form_waits_on_no_transaction_it_does_not_need(client, app, tokens, backend, tmp_path):
    """On PostgreSQL every round trip counts under load (each costs the web process and the server CPU): the form
    page is its one query (past the pool's liveness check, made before the checkout is handed out), with no BEGIN
    and ROLLBACK around a read; a new response is the query (with the address's burst count) and the one
    statement that stores it, which commits on its own (a single statement is atomic), with no BEGIN and COMMIT
    around it. A later screen still updates its response in a transaction."""
    if backend != "postgresql":
        pytest.skip("round trips are read off libpq's trace; SQLite runs in the process")
    token = tokens[2]
    _form(client, token)
    page = []
    opened = round_trips(app, lambda: page.append(_form(client, token)), tmp_path)
    assert opened == [["SELECT"]], opened
    _, hidden = page[0]
    fields = {"csrf_token": hidden["csrf_token"], "sid": hidden["sid"], "step": "1", "go": "next", "q-overall": "4"}
    sent = round_trips(app, lambda: page.append(client.post(f"/q/{token}", data=fields)), tmp_path)
    assert page[-1].status_code == 303
    assert sent == [["SELECT", "WITH"]], sent
    later = round_trips(app, lambda: page.append(client.post(
        f"/q/{token}", data={**hidden, "step": "2", "go": "send", "q-access.seating": "5"})), tmp_path)
    assert page[-1].status_code == 303
    assert any("BEGIN" in trip for trips in later for trip in trips)
    assert any("COMMIT" in trip for trips in later for trip in trips)
    with app.app_context():
        stored = db.session.execute(select(SurveyAnswer.question_key, SurveyAnswer.value)
                                    .order_by(SurveyAnswer.question_key)).all()
    assert [tuple(row) for row in stored] == [("access.seating", 5), ("overall", 4)]


def test_the_form_reads_one_query_and_a_new_response_is_one_write(client, app, tokens, backend):
    """The citizen's path: the form page is one query (place, version, officer); sending it is that query (which
    also says whether the form's id is stored and counts the address's burst) and, on PostgreSQL, one statement
    with the response and its answers (SQLite: two inserts in process). A retry of the same form stores nothing
    more."""
    token = tokens[2]
    _form(client, token)  # the version's definition is read once per process, on the first page
    page = []
    assert _statements(app, lambda: page.append(_form(client, token))) == ["SELECT"]
    _, hidden = page[0]
    fields = {"csrf_token": hidden["csrf_token"], "sid": hidden["sid"], "q-overall": "4"}
    sent = _statements(app, lambda: page.append(client.post(f"/q/{token}", data=fields)))
    assert page[-1].status_code == 303
    assert sent == (["SELECT", "WITH"] if backend == "postgresql" else ["SELECT", "INSERT", "INSERT"])
    assert client.post(f"/q/{token}", data=fields).status_code == 303
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(SurveyResponse)).scalar() == 1
        assert db.session.execute(select(SurveyAnswer.value).where(SurveyAnswer.question_key == "overall")
                                  ).scalars().all() == [4]


def test_a_first_screen_rendered_once_is_the_screen_rendered_live(client, app, tokens):
    """The first opening of a form reuses the screen rendered for its version and language; a screen with errors
    or answers is rendered live and never reused, so the next citizen sees a clean form."""
    from survey_app.services import qr
    from survey_app.services import surveys as survey_service
    from survey_app.surveys.views_public import FormTarget, _section_html

    def section(html: str) -> str:
        return html[html.index('<section class="survey-section"'):html.index("</section>") + len("</section>")]

    first, hidden = _form(client, tokens[1])
    again, _ = _form(client, tokens[1])
    english, _ = _form(client, tokens[1], lang="en")
    assert section(first) == section(again) and section(english) != section(first)
    assert " checked" not in section(first) and 'class="error"' not in section(first)
    wrong = client.post(f"/q/{tokens[1]}", data={**hidden, "step": "1", "q-overall": "9"})
    assert wrong.status_code == 400 and 'class="error"' in section(wrong.get_data(as_text=True))
    after, _ = _form(client, tokens[1])
    assert section(after) == section(first)
    with app.test_request_context(f"/q/{tokens[1]}"):
        place = qr.form_place(tokens[1])
        target = FormTarget(place.unit, place.centre, place.counter, place.version, "qr")
        screen = survey_service.definition_of(place.version).steps[0]
        app.extensions.pop("hailong_form_sections", None)
        live = str(_section_html(target, screen, "vi", 1, {"q-overall": ["4"]}, {}))
        assert not app.extensions.get("hailong_form_sections")  # a screen with answers is not kept
        clean = str(_section_html(target, screen, "vi", 1, {}, {}))
        assert len(app.extensions["hailong_form_sections"]) == 1
    assert 'value="4" checked' in live and " checked" not in clean
    assert clean.strip() == section(first)
