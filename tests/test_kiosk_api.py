"""The kiosk API: pairing, idempotent batches that keep the original time, per-item errors, revoked devices."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import Counter, Kiosk, KioskRejection, ServiceCentre, SurveyAnswer, SurveyResponse, User
from survey_app.services import kiosks
from tests.roundtrips import round_trips


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
        _item(3, comment="x" * 5000),  # far over the limit (a megabyte body is refused whole at the edge)
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
    with app.app_context():  # refused items with an id are kept for staff, the long comment cut
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


def _kiosk_row(app) -> tuple[int, int]:
    with app.app_context():
        kiosk = db.session.execute(select(Kiosk)).scalar_one()
        return kiosk.id, kiosks.current_binding(kiosk).id


def _restaff(app, world, **changes):
    with app.app_context():
        kiosk = db.session.execute(select(Kiosk)).scalar_one()
        actor = db.session.get(User, world["users"]["bd.admin"])
        counter = db.session.get(Counter, changes["counter"]) if "counter" in changes else kiosk.counter
        kiosks.update(actor, kiosk, kiosk.name, counter, changes.get("scale", kiosk.scale))
        db.session.commit()


def test_an_item_is_judged_by_the_binding_it_names_not_the_kiosk_now(client, app, world):
    headers = _paired(client, app, world, scale=3)
    _, first = _kiosk_row(app)
    now = datetime.now(UTC)
    queued = _item(2, now, scale=3, binding=first, clock_offset_ms=0, clock_checked_at=now.isoformat())
    _restaff(app, world, scale=5, counter=world["counters"]["bach-dang"][1])
    _, second = _kiosk_row(app)
    assert second != first
    fresh = _item(2, datetime.now(UTC), scale=5, binding=second)
    wrong = _item(2, datetime.now(UTC), scale=5, binding=first)  # a five-level tap cannot be from a 3-level screen
    foreign = _item(2, datetime.now(UTC), scale=5, binding=first + 1000)
    results = client.post("/kiosk/api/ratings", json={"items": [queued, fresh, wrong, foreign]},
                          headers=headers).json["results"]
    assert [r["status"] for r in results] == ["stored", "stored", "rejected", "rejected"]
    assert "thang 5 mức" in results[2]["error"] and "máy khác" in results[3]["error"]
    stored = {r.client_id.split(":")[1]: r for r in _responses(app)}
    with app.app_context():
        overall = dict(db.session.execute(select(SurveyAnswer.response_id, SurveyAnswer.value)
                                          .where(SurveyAnswer.question_key == "overall")).all())
    old, new = stored[queued["client_id"]], stored[fresh["client_id"]]
    assert (overall[old.id], old.counter_id, old.officer_id is not None) == (4, world["counters"]["bach-dang"][0], True)
    assert (overall[new.id], new.counter_id, new.officer_id) == (2, world["counters"]["bach-dang"][1], None)


def test_clock_offset_converts_and_untrusted_times_are_flagged_not_refused(client, app, world):
    headers = _paired(client, app, world)
    _, binding = _kiosk_row(app)
    now = datetime.now(UTC)
    checked = now  # the last contact (here: just after pairing)
    slow = timedelta(days=400)
    tapped = now + timedelta(milliseconds=500)
    converted = _item(3, tapped - slow, binding=binding, clock_offset_ms=int(slow.total_seconds() * 1000),
                      clock_checked_at=checked.isoformat())
    # the clock was moved back after the last contact: the converted time lands before that contact
    moved = _item(3, checked - timedelta(days=2), binding=binding, clock_offset_ms=0,
                  clock_checked_at=checked.isoformat())
    results = client.post("/kiosk/api/ratings", json={"items": [converted, moved]}, headers=headers).json["results"]
    assert [(r["status"], r.get("flags")) for r in results] == [("stored", None), ("stored", ["clock-untrusted"])]
    by_id = {r.client_id.split(":")[1]: r for r in _responses(app)}
    assert abs(by_id[converted["client_id"]].answered_at - tapped) < timedelta(seconds=1)
    assert by_id[moved["client_id"]].answered_at == checked  # clamped to what is known for sure
    assert by_id[moved["client_id"]].review_flags == "clock-untrusted"
    assert not by_id[moved["client_id"]].suspicious  # still counted


def test_a_revoked_kiosk_keeps_earlier_taps_and_refuses_later_ones_visibly(client, app, world, auth):
    headers = _paired(client, app, world)
    kiosk_id, binding = _kiosk_row(app)
    before = _item(3, datetime.now(UTC), binding=binding, clock_offset_ms=0,
                   clock_checked_at=datetime.now(UTC).isoformat())
    auth.login("bd.admin")
    client.post(f"/admin/kiosks/{kiosk_id}/revoke", data={"csrf_token": auth.csrf("/admin/kiosks/")})
    after = _item(2, datetime.now(UTC) + timedelta(seconds=1), binding=binding, clock_offset_ms=0,
                  clock_checked_at=datetime.now(UTC).isoformat())
    refused = client.post("/kiosk/api/ratings", json={"items": [before, after], "queue_length": 0}, headers=headers)
    assert refused.status_code == 403
    report = client.post("/kiosk/api/report", json={"queue_length": 2}, headers=headers)
    assert report.json["state"] == "revoked" and "config" not in report.json
    page = client.get("/admin/kiosks/").get_data(as_text=True)
    assert "còn trên máy đã thu hồi" in page
    html = client.post(f"/admin/kiosks/{kiosk_id}/pairing", data={"csrf_token": auth.csrf("/admin/kiosks/")}
                       ).get_data(as_text=True)
    code = html.split('id="pairing-code">')[1][:6]
    assert client.post("/kiosk/api/report", json={}, headers=headers).json["state"] == "recoded"
    token = client.post("/kiosk/api/pair", json={"code": code}).json["token"]
    results = client.post("/kiosk/api/ratings", json={"items": [before, after], "failed": [after["client_id"]]},
                          headers={"Authorization": f"Bearer {token}"}).json
    assert [r["status"] for r in results["results"]] == ["stored", "rejected"]
    assert "sau khi máy bị thu hồi" in results["results"][1]["error"]
    # staff discard it on the staff page with a reason; the tablet learns at its next contact
    csrf = auth.csrf("/admin/kiosks/")
    assert "sau khi máy bị thu hồi" in client.get("/admin/kiosks/").get_data(as_text=True)
    client.post(f"/admin/kiosks/{kiosk_id}/rejections/discard",
                data={"csrf_token": csrf, "client_id": after["client_id"], "note": ""})
    with app.app_context():
        assert db.session.execute(select(KioskRejection.resolution)).scalar_one() is None  # a reason is required
    client.post(f"/admin/kiosks/{kiosk_id}/rejections/discard",
                data={"csrf_token": csrf, "client_id": after["client_id"], "note": "Máy bị mất, đã tìm lại"})
    told = client.post("/kiosk/api/report", json={"failed": [after["client_id"]]},
                       headers={"Authorization": f"Bearer {token}"}).json
    assert told["resolutions"] == {after["client_id"]: "discarded"} and told["state"] == "active"
    assert len(_responses(app)) == 1


def test_the_tablet_staff_panel_needs_the_pin(client, app, world, auth):
    headers = _paired(client, app, world)
    assert client.post("/kiosk/api/staff/unlock", json={"pin": "1234"}, headers=headers).json["error"]["code"] == \
        "no_pin"
    with app.app_context():
        kiosk = db.session.execute(select(Kiosk)).scalar_one()
        kiosks.update(None, kiosk, kiosk.name, kiosk.counter, kiosk.scale, staff_pin="2468")
        db.session.commit()
    assert client.post("/kiosk/api/staff/unlock", json={"pin": "1111"}, headers=headers).status_code == 403
    assert client.post("/kiosk/api/staff/unlock", json={"pin": "2468"}, headers=headers).status_code == 200


def test_a_tablet_silent_for_a_whole_working_day_is_flagged(app, world):
    from datetime import date

    with app.app_context():
        kiosk = Kiosk(unit_id=world["units"]["bach-dang"], centre_id=world["centres"]["bach-dang"], name="M",
                      scale=3, active=True, paired_at=datetime(2026, 11, 20, 1, tzinfo=UTC),
                      last_seen_at=datetime(2026, 11, 27, 8, tzinfo=UTC))  # Friday 15:00 in Hai Phong
        assert not kiosks.is_silent(kiosk, date(2026, 11, 30))  # Monday: only the weekend passed
        assert kiosks.is_silent(kiosk, date(2026, 12, 1))  # Tuesday: Monday passed without a word


def test_items_at_the_calendar_edges_are_handled_alone(client, app, world):
    headers = _paired(client, app, world)
    items = [{**_item(3), "answered_at": "0001-01-01T00:00:00+01:00"},
             {**_item(3), "answered_at": "9999-12-31T23:59:59-01:00"},
             {**_item(3), "answered_at": "9999-12-31T20:00:00+00:00", "clock_offset_ms": 10**12,
              "clock_checked_at": datetime.now(UTC).isoformat()},
             _item(3, dossier_code=12345), _item(2)]
    response = client.post("/kiosk/api/ratings", json={"items": items}, headers=headers)
    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == ["rejected", "rejected", "stored", "rejected", "stored"]
    assert response.json["results"][2]["flags"] == ["clock-untrusted"]


_taps = st.lists(st.lists(st.integers(min_value=0, max_value=90), min_size=1, max_size=12), min_size=1, max_size=3)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=_taps)
def test_burst_flags_count_stored_and_batch_taps_alike(client, app, world, batches):
    """A tap is flagged when the tablet had BURST_COUNT others in the window before it, whether those were stored
    by earlier batches or sent earlier in the same batch (the database counts the stored ones, capped)."""
    code = _kiosk(app, world)  # paired by the service: the pairing endpoint's rate limit is not under test here
    with app.app_context():
        kiosk, token = kiosks.pair(code)
        kiosk_id = kiosk.id
        db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    start = datetime.now(UTC) - timedelta(hours=1)
    seen: list[datetime] = []
    expected: dict[str, bool] = {}
    for offsets in batches:
        items = [_item(2, start + timedelta(seconds=s)) for s in offsets]
        response = client.post("/kiosk/api/ratings", json={"items": items}, headers=headers)
        assert response.status_code == 200, response.json
        assert [r["status"] for r in response.json["results"]] == ["stored"] * len(items)
        for item, s in zip(items, offsets, strict=True):
            at = start + timedelta(seconds=s)
            expected[item["client_id"]] = sum(at - kiosks.BURST_WINDOW <= t <= at for t in seen) >= kiosks.BURST_COUNT
            seen.append(at)
    with app.app_context():
        stored = dict(db.session.execute(select(SurveyResponse.client_id, SurveyResponse.suspicious_reason)
                                         .where(SurveyResponse.kiosk_id == kiosk_id)).all())
    assert {key.split(":", 1)[1]: reason == "kiosk-burst" for key, reason in stored.items()} == expected


def test_a_batch_costs_the_same_statements_whatever_its_size(client, app, world, backend):
    """Kiosk batches in one statement: the tablet with its bindings and the published versions (one query), what
    the batch meets in the database (its refusals, its items stored already, the stored taps before each: one),
    then one write of every rating with its answers on PostgreSQL (two inserts on SQLite) and the tablet's last
    contact; ten items or a hundred, the same statements."""
    from sqlalchemy import event

    headers = _paired(client, app, world)
    with app.app_context():
        engine = db.engine
    counts = []
    for size in (10, 100):
        seen: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany, seen=seen):
            if "rate_counters" not in statement:  # the rate limiter's own connection (Redis when configured)
                seen.append(statement.split()[0].upper())

        start = datetime.now(UTC) - timedelta(hours=3)
        items = [_item(2, start + timedelta(minutes=i)) for i in range(size)]
        event.listen(engine, "before_cursor_execute", before)
        try:
            response = client.post("/kiosk/api/ratings", json={"items": items}, headers=headers)
        finally:
            event.remove(engine, "before_cursor_execute", before)
        assert [r["status"] for r in response.json["results"]] == ["stored"] * size
        counts.append(seen)
    writes = ["WITH"] if backend == "postgresql" else ["INSERT", "INSERT"]
    assert counts[0] == counts[1] == ["SELECT"] * 2 + writes + ["UPDATE"]
    assert len(_responses(app)) == 110


def test_a_batch_waits_on_no_transaction_it_does_not_need(client, app, world, backend, tmp_path):
    """On PostgreSQL every round trip counts under load (each costs the web process and the server CPU): a batch
    of ratings is its two queries, the one statement that stores the ratings with their answers (atomic as any
    single statement) and the tablet's contact, with no BEGIN and COMMIT around them. A batch with a refusal to
    keep writes it, the ratings and the contact in one transaction."""
    if backend != "postgresql":
        pytest.skip("round trips are read off libpq's trace; SQLite runs in the process")
    headers = _paired(client, app, world)
    items = [_item(2, datetime.now(UTC) - timedelta(minutes=30 - i)) for i in range(10)]
    answered = []
    sent = round_trips(app, lambda: answered.append(client.post("/kiosk/api/ratings", json={"items": items},
                                                                headers=headers)), tmp_path)
    assert [r["status"] for r in answered[0].json["results"]] == ["stored"] * 10
    assert sent == [["SELECT", "SELECT", "WITH", "UPDATE"]], sent

    good, bad = _item(3), _item(9)
    sent = round_trips(app, lambda: answered.append(client.post("/kiosk/api/ratings", json={"items": [good, bad]},
                                                                headers=headers)), tmp_path)
    assert [r["status"] for r in answered[1].json["results"]] == ["stored", "rejected"]
    assert sent[0] == ["SELECT", "SELECT"], sent  # the reads, then a transaction for the writes
    assert sent[1][0] == "BEGIN" and sent[1][-1] == "COMMIT" and "WITH" in sent[1], sent
    with app.app_context():
        assert db.session.execute(select(KioskRejection.client_id)).scalars().all() == [bad["client_id"]]
        assert db.session.execute(select(Kiosk.last_sent_at)).scalar_one() is not None
    assert len(_responses(app)) == 11


def test_a_batch_on_two_versions_is_stored_in_one_transaction(client, app, world, backend, tmp_path):
    """Taps queued offline across the publication of a new version name both versions: one write per version,
    so the batch goes into one transaction (both or neither), not two statements each committing alone."""
    if backend != "postgresql":
        pytest.skip("round trips are read off libpq's trace; SQLite runs in the process")
    from survey_app.services import questionnaires, surveys

    headers = _paired(client, app, world)
    with app.app_context():
        actor = db.session.get(User, world["users"]["admin"])
        old = surveys.current_version(surveys.questionnaire_by_code("centre-service").id)
        draft = questionnaires.copy_version(actor, old)
        questionnaires.publish(actor, draft)
        db.session.commit()
        versions = (old.id, draft.id)
    items = [_item(2, question_version=v) for v in versions]
    answered = []
    sent = round_trips(app, lambda: answered.append(client.post("/kiosk/api/ratings", json={"items": items},
                                                                headers=headers)), tmp_path)
    assert [r["status"] for r in answered[0].json["results"]] == ["stored", "stored"]
    assert sent[0] == ["SELECT", "SELECT"], sent
    assert sent[1][0] == "BEGIN" and sent[1].count("WITH") == 2 and sent[1][-1] == "COMMIT", sent
    with app.app_context():
        assert sorted(db.session.execute(select(SurveyResponse.version_id)).scalars()) == sorted(versions)
