"""Hostile input is refused at the edge with a 4xx and a Vietnamese message (a JSON code for APIs), never a 500,
and nothing is stored half-way. Each case below once reached a 500 (issue #13's fuzzing)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import Case, SurveyResponse
from tests.test_kiosk_api import _item, _paired

HUGE = str(2**64 + 7)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(model)).scalar()


@pytest.mark.parametrize("path", ["/q/abc%00def", "/phan-anh/bach%00dang", "/minh-bach/bach%00dang",
                                  "/cong-khai/bach%00dang", "/tra-cuu?code=PA%00ZZ", "/phan-anh/da-gui/PA%00ZZ",
                                  "/open311/v2/requests/PA%00Z.json?jurisdiction_id=bach-dang"])
def test_a_nul_byte_anywhere_in_the_address_is_a_400(client, world, path):
    response = client.get(path)
    assert response.status_code == 400
    message = response.json[0]["description"] if path.startswith("/open311") else (
        response.json["error"]["message"] if response.is_json else response.get_data(as_text=True))
    assert "không hợp lệ" in message


@pytest.mark.parametrize("path", [f"/cong-khai/bach-dang?page={HUGE}", f"/cong-khai/bach-dang?category={HUGE}",
                                  "/cong-khai/bach-dang?category=-99999999999",
                                  "/cong-khai/bach-dang?page=" + "9" * 5000])
def test_integers_beyond_the_database_range_are_a_400(client, world, path):
    response = client.get(path)
    assert response.status_code == 400 and "vượt quá giới hạn" in response.get_data(as_text=True)


def test_a_huge_category_id_in_the_form_is_a_400_and_nothing_is_filed(client, app, world):
    from tests.conftest import csrf_from

    html = client.get("/phan-anh/bach-dang").get_data(as_text=True)
    response = client.post("/phan-anh/bach-dang", data={"csrf_token": csrf_from(html), "kind": "gop_y",
                                                        "category_id": HUGE, "content": "Thử"})
    assert response.status_code == 400 and _count(app, Case) == 0


def test_staff_pages_refuse_huge_page_numbers_too(client, world, auth):
    auth.login("bd.canbo")
    assert client.get(f"/admin/inbox/?page={HUGE}").status_code == 400
    assert client.get(f"/admin/inbox/?category={HUGE}").status_code == 400
    assert client.get(f"/admin/inbox/{HUGE}").status_code == 404  # an id beyond the database's range
    assert client.get("/admin/inbox/4294967296").status_code == 404


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "0001-01-01",
                                   "9999-12-31T23:59:59Z", "2026-02-30T00:00:00Z"])
def test_open311_dates_at_the_calendar_edges_are_a_400(client, world, value):
    for name in ("start_date", "end_date"):
        response = client.get("/open311/v2/requests.json", query_string={"jurisdiction_id": "bach-dang",
                                                                          name: value})
        assert response.status_code == 400 and response.json[0]["code"] == 400


def test_kiosk_batch_rejects_each_bad_item_alone_and_stores_the_rest(client, app, world):
    headers = _paired(client, app, world)
    good = [_item(3), _item(2, aspects=["thai_do"])]
    bad = [
        {**_item(3), "answered_at": "0001-01-01T00:00:00+01:00"},
        {**_item(3), "answered_at": "9999-12-31T23:59:59-01:00"},
        {**_item(3), "aspects": [{"a": 1}]},
        {**_item(3), "aspects": [["thai_do"]]},
        {**_item(3), "aspects": "thai_do"},
        {**_item(3), "value": 2**70},
        {**_item(3), "comment": {"x": 1}},
        {**_item(3), "dossier_code": ["x"]},
        # found by Schemathesis: a scale that is an object, a list, a string or a boolean
        {**_item(3), "scale": {}},
        {**_item(3), "scale": [3]},
        {**_item(3), "scale": "3"},
        {**_item(3), "scale": True},
    ]
    response = client.post("/kiosk/api/ratings", json={"items": [good[0], *bad, good[1]]}, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    statuses = [r["status"] for r in response.json["results"]]
    assert statuses == ["stored", *["rejected"] * len(bad), "stored"]
    assert all(r["error"] for r in response.json["results"][1:-1])
    assert _count(app, SurveyResponse) == 2


@pytest.mark.parametrize("path", ["/kiosk/api/ratings", "/kiosk/api/pair"])
def test_kiosk_api_refuses_hostile_bodies_with_a_json_code(client, app, world, path):
    headers = _paired(client, app, world)
    json_headers = {**headers, "Content-Type": "application/json"}
    deep = "[" * 5000 + "]" * 5000
    moderately_deep = '{"items": [{"a": ' + "[" * 30 + "1" + "]" * 30 + "}]}"
    cases = {
        "too_deep": deep,
        "malformed_json": '{"items": [',
        "duplicate_key": '{"items": [], "items": [1]}',
        "encoding": b'{"items": ["\xff\xfe"]}',
        "too_large": '{"items": ["' + "x" * (10 * 1024 * 1024) + '"]}',
        # found by Schemathesis on /kiosk/api/report: a NUL inside a JSON string reached PostgreSQL
        "nul_byte": '{"items": [], "failed": ["abc\\u0000def"]}',
    }
    for code, body in cases.items():
        response = client.post(path, data=body, headers=json_headers)
        assert 400 <= response.status_code < 500, (code, response.status_code)
        assert response.json["error"]["code"] == code and response.json["error"]["message"]
    nested = client.post(path, data=moderately_deep, headers=json_headers)
    assert nested.status_code == 400 and nested.json["error"]["code"] == "too_deep"
    report = client.post("/kiosk/api/report", data='{"failed": ["abc\\u0000def"]}', headers=json_headers)
    assert report.status_code == 400 and report.json["error"]["code"] == "nul_byte"
    wrong_type = client.post(path, data='{"items": []}', headers={**headers, "Content-Type": "text/plain"})
    assert wrong_type.status_code == 400 and wrong_type.json["error"]["message"]
    assert _count(app, SurveyResponse) == 0


@pytest.mark.parametrize("levels, refused", [(20, False), (21, True)])
def test_json_nesting_is_refused_past_its_limit(client, world, levels, refused):
    body = '{"code": "000000", "x": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"  # the object is level 1
    response = client.post("/kiosk/api/pair", data=body, headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500
    assert (response.json["error"]["code"] == "too_deep") is refused, response.json


def test_a_nul_in_a_json_key_is_a_400(client, world):
    key = client.post("/kiosk/api/pair", data='{"code": "000000", "a\\u0000b": 1}',
                      headers={"Content-Type": "application/json"})
    assert key.status_code == 400 and key.json["error"]["code"] == "nul_byte"


def test_a_json_body_is_parsed_once_and_the_view_gets_the_checked_one(client, app, world, monkeypatch):
    """The edge check parses and checks the body; the view's ``get_json()`` returns that object, not a second
    parse (Flask's own parser is made to fail here: the kiosk still answers on the code it was sent)."""
    def second_parse(*args, **kwargs):
        raise AssertionError("the body was parsed a second time")

    monkeypatch.setattr(app.json, "loads", second_parse)
    response = client.post("/kiosk/api/pair", data='{"code": "000000"}', headers={"Content-Type": "application/json"})
    error = json.loads(response.get_data())["error"]  # the test client's .json would use the failing parser
    assert 400 <= response.status_code < 500 and error["code"] not in ("malformed", "internal") and error["message"]


def test_invalid_utf8_in_a_form_or_a_query_is_not_a_500(client, world):
    assert client.get("/tra-cuu?code=%ff%fe").status_code < 500
    assert client.get("/cong-khai/%ff%fe").status_code == 404
    response = client.post("/phan-anh/bach-dang", data=b"content=%ff%fe&kind=gop_y",
                           content_type="application/x-www-form-urlencoded")
    assert 400 <= response.status_code < 500
