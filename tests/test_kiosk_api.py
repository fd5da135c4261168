"""The kiosk API: pairing, idempotent batches that keep the original time, per-item errors, revoked devices."""

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import Counter, Kiosk, KioskRejection, ServiceCentre, SurveyAnswer, SurveyResponse, User
from survey_app.services import kiosks


def _kiosk(app, world, scale=3, counter=True) -> str:
    with app.app_context():
        centre = db.session.get(ServiceCentre, world["centres"]["bach-dang"])
        counter_row = db.session.get(Counter, world["counters"]["bach-dang"][0]) if counter else None
        actor = db.session.get(User, world["users"]["bd.admin"])
        _, code = kiosks.create(actor, centre, counter_row, "Máy quầy 1", scale)
        db.session.commit()
    return code


def _paired(client, app, world, **kw) -> dict:
    code = _kiosk(app, world, **kw)
    response = client.post("/kiosk/api/pair", json={"code": code})
    assert response.status_code == 200, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def _item(value=3, at=None, **extra):
    at = at or datetime.now(UTC) - timedelta(minutes=5)
    return {"client_id": uuid.uuid4().hex, "value": value, "answered_at": at.isoformat(), **extra}


def _responses(app):
    with app.app_context():
        return db.session.execute(select(SurveyResponse).order_by(SurveyResponse.answered_at)).scalars().all()


def test_pairing_is_one_time_and_shows_the_officer(client, app, world):
    code = _kiosk(app, world)
    first = client.post("/kiosk/api/pair", json={"code": code})
    assert first.status_code == 200
    config = first.json["config"]
    assert config["officer"]["name"] == "Cán bộ Bạch Đằng" and config["scale"] == 3
    assert [level["label"] for level in config["levels"]] == ["Rất hài lòng", "Hài lòng", "Không hài lòng"]
    again = client.post("/kiosk/api/pair", json={"code": code})
    assert again.status_code == 400 and "hết hạn" in again.json["error"]["message"]
    assert client.post("/kiosk/api/pair", data="not json").status_code == 400


def test_a_batch_is_stored_once_with_original_times(client, app, world):
    headers = _paired(client, app, world)
    early = datetime.now(UTC) - timedelta(hours=3)
    items = [_item(3, early), _item(1, early + timedelta(minutes=2), aspects=["thai_do", "thoi_gian"],
                                    comment="Chờ lâu quá", dossier_code="HS-001"), _item(2)]
    first = client.post("/kiosk/api/ratings", json={"items": items, "queue_length": 3}, headers=headers)
    assert [r["status"] for r in first.json["results"]] == ["stored", "stored", "stored"]
    retry = client.post("/kiosk/api/ratings", json={"items": items}, headers=headers)
    assert [r["status"] for r in retry.json["results"]] == ["duplicate"] * 3
    stored = _responses(app)
    assert len(stored) == 3
    assert stored[0].answered_at == early.replace(microsecond=early.microsecond)
    assert {r.channel for r in stored} == {"kiosk"} and stored[0].kiosk_id is not None
    assert stored[0].officer_id is not None and stored[0].counter_id == world["counters"]["bach-dang"][0]
    with app.app_context():
        answers = db.session.execute(select(SurveyAnswer.question_key, SurveyAnswer.value, SurveyAnswer.text)
                                     .where(SurveyAnswer.response_id == stored[1].id)).all()
        kiosk = db.session.execute(select(Kiosk)).scalar_one()
        assert kiosk.last_queue_length == 3 and kiosk.last_seen_at is not None
    # 3-level kiosk: Không hài lòng -> 2 on the five-point scale; aspects -> "improve"; comment -> follow-up
    assert set(answers) == {("overall", 2, None), ("improve", 1, None), ("improve", 2, None),
                            ("overall.why", None, "Chờ lâu quá")}
    assert stored[1].dossier_code == "HS-001"


def test_bad_items_are_reported_one_by_one_and_the_rest_stored(client, app, world):
    headers = _paired(client, app, world)
    now = datetime.now(UTC)
    items = [
        _item(3),
        _item(4),  # outside a 3-level scale
        _item(3, now + timedelta(days=1)),  # in the future
        _item(3, now - timedelta(days=800)),  # years ago
        _item(3, comment="x" * 2_000_000),  # megabytes
        {"client_id": "short", "value": 3, "answered_at": now.isoformat()},
        "not an object",
        _item(2, aspects=["khong-co"]),
        {**_item(3), "answered_at": "2026-13-45"},
    ]
    response = client.post("/kiosk/api/ratings", json={"items": items}, headers=headers)
    assert response.status_code == 200
    statuses = [r["status"] for r in response.json["results"]]
    # a time that cannot be trusted is flagged, not refused: the citizen did tap
    assert statuses == ["stored", "rejected", "stored", "stored"] + ["rejected"] * 5
    assert [r.get("flags") for r in response.json["results"][2:4]] == [["clock-untrusted"]] * 2
    errors = [r.get("error", "") for r in response.json["results"]]
    assert "thang 3 mức" in errors[1] and "1000 ký tự" in errors[4]
    assert len(_responses(app)) == 3
    with app.app_context():  # refused items with an id are kept for staff, the megabyte comment cut
        kept = db.session.execute(select(KioskRejection).order_by(KioskRejection.id)).scalars().all()
        assert [k.client_id for k in kept] == [items[1]["client_id"], items[4]["client_id"], items[7]["client_id"],
                                               items[8]["client_id"]]
        assert len(kept[1].item["comment"]) == 200


def test_malformed_batches_and_forged_credentials_get_json_errors(client, app, world):
    headers = _paired(client, app, world)
    assert client.post("/kiosk/api/ratings", data="{", headers=headers).status_code == 400
    assert client.post("/kiosk/api/ratings", json={"items": "x"}, headers=headers).json["error"]["code"] == "malformed"
    assert client.post("/kiosk/api/ratings", json={"items": [_item()] * 101}, headers=headers).status_code == 400
    forged = client.post("/kiosk/api/ratings", json={"items": [_item()]},
                         headers={"Authorization": "Bearer kd_forged"})
    assert forged.status_code == 401 and forged.json["error"]["code"] == "unknown_device"
    assert client.post("/kiosk/api/ratings", json={"items": [_item()]}).status_code == 401
    assert len(_responses(app)) == 0


def test_revoked_device_is_refused_at_once(client, app, world, auth):
    headers = _paired(client, app, world)
    assert client.post("/kiosk/api/ratings", json={"items": [_item()]}, headers=headers).status_code == 200
    auth.login("bd.admin")
    with app.app_context():
        kiosk_id = db.session.execute(select(Kiosk.id)).scalar()
    staff_page = client.get("/admin/kiosks/").get_data(as_text=True)
    assert "<td>Máy quầy 1</td>" in staff_page
    client.post(f"/admin/kiosks/{kiosk_id}/revoke", data={"csrf_token": auth.csrf("/admin/kiosks/")})
    refused = client.post("/kiosk/api/ratings", json={"items": [_item()]}, headers=headers)
    assert refused.status_code == 403 and refused.json["error"]["code"] == "revoked"
    assert len(_responses(app)) == 1


def test_one_person_tapping_repeatedly_is_flagged_not_dropped(client, app, world):
    headers = _paired(client, app, world, scale=5)
    start = datetime.now(UTC) - timedelta(minutes=30)
    taps = [_item(5, start + timedelta(seconds=2 * i)) for i in range(6)]
    calm = [_item(4, start + timedelta(minutes=5 + i)) for i in range(2)]
    client.post("/kiosk/api/ratings", json={"items": taps + calm}, headers=headers)
    stored = _responses(app)
    assert len(stored) == 8
    assert [r.suspicious for r in stored] == [False, False, False, True, True, True, False, False]
    with app.app_context():
        values = db.session.execute(select(func.count()).select_from(SurveyAnswer)
                                    .where(SurveyAnswer.question_key == "overall", SurveyAnswer.value == 5)).scalar()
    assert values == 6  # a five-level kiosk maps one to one


def test_another_commune_cannot_manage_the_kiosk(client, app, world, auth):
    _kiosk(app, world)
    with app.app_context():
        kiosk_id = db.session.execute(select(Kiosk.id)).scalar()
    auth.login("hb.admin")
    assert "<td>Máy quầy 1</td>" not in client.get("/admin/kiosks/").get_data(as_text=True)
    assert client.post(f"/admin/kiosks/{kiosk_id}/revoke", data={"csrf_token": auth.csrf()}).status_code == 404
