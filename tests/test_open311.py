"""Open311 GeoReport v2: a conformance check from the spec over HTTP, and a real client against a live server."""

import requests
from georeport import GeoReport
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import ApiKey, Case


def _key(app, world, unit="bach-dang") -> str:
    import hashlib

    key = "hl_test_" + unit
    with app.app_context():
        db.session.add(ApiKey(unit_id=world["units"][unit], name="Ứng dụng thử", prefix=key[:8],
                              key_hash=hashlib.sha256(key.encode()).hexdigest()))
        db.session.commit()
    return key


def test_jurisdiction_is_required_and_errors_follow_the_spec(client, world):
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 400
    assert response.json[0]["code"] == 400 and "jurisdiction_id" in response.json[0]["description"]
    unknown = client.get("/open311/v2/services.json?jurisdiction_id=xyz")
    assert unknown.status_code == 404 and isinstance(unknown.json, list)
    xml = client.get("/open311/v2/services.xml")
    assert xml.status_code == 400 and b"<errors><error><code>400</code>" in xml.data


def test_services_and_their_definitions(client, world):
    services = client.get("/open311/v2/services.json?jurisdiction_id=bach-dang").json
    codes = {s["service_code"] for s in services}
    assert {"moi-truong", "ha-tang", "thai-do"} <= codes
    assert all({"service_code", "service_name", "metadata", "type"} <= set(s) for s in services)
    definition = client.get("/open311/v2/services/moi-truong.json?jurisdiction_id=bach-dang").json
    assert definition["service_code"] == "moi-truong"
    assert [a["code"] for a in definition["attributes"]][:2] == ["kind", "consent_contact"]


def test_post_needs_a_key_of_that_commune(client, app, world):
    data = {"jurisdiction_id": "bach-dang", "service_code": "moi-truong", "description": "Rác ở chợ"}
    missing = client.post("/open311/v2/requests.json", data=data)
    assert missing.status_code == 403 and missing.json[0]["code"] == 403
    other = client.post("/open311/v2/requests.json", data={**data, "api_key": _key(app, world, "hoa-binh")})
    assert other.status_code == 403
    bad_service = client.post("/open311/v2/requests.json", data={**data, "service_code": "nope",
                                                                 "api_key": _key(app, world)})
    assert bad_service.status_code == 400
    with app.app_context():
        assert db.session.execute(select(Case)).first() is None


def test_round_trip_with_a_real_open311_client(live_server, app, world):
    key = _key(app, world)
    base = f"{live_server}/open311/v2"
    payload = {"jurisdiction_id": "bach-dang", "api_key": key, "service_code": "ha-tang",
               "description": "Ổ gà lớn trước số 12 đường Bạch Đằng, gọi 0912 345 678", "lat": "20.86",
               "long": "106.68", "address_string": "Tổ dân phố 4", "first_name": "An", "last_name": "Nguyễn",
               "phone": "0912345678", "attribute[consent_contact]": "true", "attribute[client_id]": "app-0001"}
    created = requests.post(f"{base}/requests.json", data=payload, timeout=10)
    assert created.status_code == 201, created.text
    (receipt,) = created.json()
    code = receipt["service_request_id"]
    again = requests.post(f"{base}/requests.json", data=payload, timeout=10)  # the app retries
    assert again.json()[0]["service_request_id"] == code

    # not public until staff publish the answer: answered 404, like a request that does not exist
    hidden = requests.get(f"{base}/requests/{code}.json", params={"jurisdiction_id": "bach-dang"}, timeout=10)
    assert hidden.status_code == 404
    with app.app_context():
        from survey_app.models import User
        from survey_app.services import cases as case_service

        case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        staff = db.session.get(User, world["users"]["bd.canbo"])
        case_service.answer(staff, case, "Đã vá ổ gà; liên hệ 0987.654.321 nếu còn.", publish_now=True)
        db.session.commit()

    for output in ("json", "xml"):
        client = GeoReport(base, jurisdiction="bach-dang", output_format=output)
        services = client.get_service_list()
        assert any(s["service_code"] == "ha-tang" for s in services)
        found = client.get_service_request(code)
        item = found[0] if isinstance(found, list) else found
        assert item["service_request_id"] == code
        assert item["status"] == "closed" and item["service_code"] == "ha-tang"
        assert "Đã vá ổ gà" in item["status_notes"] and "0987.654.321" not in item["status_notes"]
        assert item["address"] == "Phường Bạch Đằng" and "Tổ dân phố 4" not in str(item)
        assert "Ổ gà lớn" in item["description"] and "0912 345 678" not in item["description"]
        listing = client.get_service_requests(status="closed")
        listing = listing if isinstance(listing, list) else [listing]
        assert code in [r["service_request_id"] for r in listing]
    raw = requests.get(f"{base}/requests/{code}.json", params={"jurisdiction_id": "bach-dang"}, timeout=10).json()
    assert "Nguyễn" not in str(raw) and "0912345678" not in str(raw)
    with app.app_context():
        case = db.session.execute(select(Case).where(Case.tracking_code == code)).scalar_one()
        assert case.channel == "app" and case.kind == "phan_anh" and case.citizen_phone == "0912345678"
        assert db.session.execute(select(Case)).scalars().all() == [case]
