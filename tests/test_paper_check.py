"""The second-person check of keyed paper forms: a paper response counts toward the indices, the dashboards and
item 2.7 only once another staff member has checked its batch against the scan; the keyer cannot check their own
batch; a response marked wrong stays excluded with its reason; the check marks the day for the incremental refresh.
"""

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from reports.dashboard import Period, valid_responses
from reports.jobs import refresh
from reports.queries import SurveyFilter, response_count
from reports.scoring.engine import score
from survey_app.extensions import db
from survey_app.models import AdminUnit, AuditEvent, PaperBatch, RollupResponseCount, RollupState, SurveyResponse
from tests.conftest import csrf_from


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 60), "white").save(buffer, "PNG")
    return buffer.getvalue()


def _key(client, auth, world, serial, day="05/01/2026", overall="5"):
    data = {"csrf_token": auth.csrf("/admin/surveys/paper"), "centre_id": world["centres"]["bach-dang"],
            "day": day, "serial": serial, "sid": f"sid-{serial}-{overall}", "q-overall": overall}
    response = client.post("/admin/surveys/paper", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)


def _counts(world):
    """(rollup counted, raw counted by the report filter, dashboard valid responses, 2.7.a months met)."""
    unit = db.session.get(AdminUnit, world["units"]["bach-dang"])
    qid = db.session.execute(select(SurveyResponse.questionnaire_id)).scalars().first()
    rollup = db.session.execute(select(func.coalesce(func.sum(RollupResponseCount.counted), 0))).scalar()
    raw = response_count(db.session, SurveyFilter(questionnaire_id=qid, unit_ids=(unit.id,)))
    dash = valid_responses(db.session, qid, Period(date(2026, 1, 1), date(2026, 1, 31), unit.id)).get((), 0)
    met = score(db.session, unit, 2026, date(2026, 1, 31)).item("2.7.a").figures["met"]
    return int(rollup), raw, dash, met


def test_keyed_paper_forms_count_only_after_another_staff_member_checks_them(client, app, auth, world):
    auth.login("bd.canbo")
    for i in range(17):  # phường: 200 a year -> 17 a month
        _key(client, auth, world, f"P{i:03d}")
    with app.app_context():
        refresh(db.session)
        db.session.commit()
        assert _counts(world) == (0, 0, 0, 0)


def _batch_id(app) -> int:
    with app.app_context():
        return db.session.execute(select(PaperBatch.id)).scalar_one()


def _post(client, path, data=None, **kwargs):
    page = client.get(path.rsplit("/", 1)[0] if kwargs.get("form_page") is None else kwargs.pop("form_page"))
    return client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True)), **(data or {})}, **kwargs)


def _logout_login(client, auth, username):
    client.post("/logout", data={"csrf_token": auth.csrf()})
    auth.login(username)


def test_the_full_check_flow_and_the_incremental_refresh(client, app, auth, world):
    auth.login("bd.canbo")
    for i in range(18):
        _key(client, auth, world, f"P{i:03d}")
    with app.app_context():
        refresh(db.session)
        db.session.commit()
    batch = _batch_id(app)
    page = f"/admin/surveys/paper/batches/{batch}"
    unit = world["units"]["bach-dang"]
    dashboard = f"/dashboard/{unit}?start=01/01/2026&end=31/01/2026"
    assert client.get(f"/dashboard/{unit}/data.json?start=01/01/2026&end=31/01/2026").get_json()[
        "unconfirmed_paper"] == 18
    assert "18 phiếu giấy chưa được cán bộ thứ hai kiểm tra" in client.get(dashboard).get_data(as_text=True)
    # no scan yet: the batch cannot be handed over
    refused = _post(client, f"{page}/submit", form_page=page)
    assert refused.status_code == 303
    assert "tải bản quét" in client.get(page).get_data(as_text=True)
    # a file that is not a scan is refused, whatever its name
    bad = _post(client, f"{page}/scans", {"scans": (io.BytesIO(b"PK\x03\x04 not a scan"), "phieu.pdf")},
                form_page=page, content_type="multipart/form-data")
    assert bad.status_code == 303 and "không được chấp nhận" in client.get(page).get_data(as_text=True)
    ok = _post(client, f"{page}/scans", {"scans": (io.BytesIO(_png()), "lo-1.png")}, form_page=page,
               content_type="multipart/form-data")
    assert ok.status_code == 303
    assert _post(client, f"{page}/submit", form_page=page).status_code == 303
    # the keyer cannot check their own batch
    html = client.get(page).get_data(as_text=True)
    assert "Xác nhận đã đối chiếu" not in html and "cần một cán bộ khác" in html
    own = _post(client, f"{page}/check", form_page=page)
    assert own.status_code == 303
    assert "không được tự kiểm tra" in client.get(page).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(PaperBatch, batch).status == "submitted"
    # another commune's staff do not even see it
    _logout_login(client, auth, "hb.admin")
    assert client.get(page).status_code == 404
    # a second person checks; one form does not match the sheet
    _logout_login(client, auth, "bd.admin")
    listing = client.get("/admin/surveys/paper/batches/").get_data(as_text=True)
    assert "Chờ kiểm tra (1)" in listing and f"Lô số {batch}" in listing
    html = client.get(page).get_data(as_text=True)
    assert "Xác nhận đã đối chiếu" in html and "lo-1.png" in html
    scan_link = html.split('href="/admin/surveys/paper/batches/scans/')[1].split('"')[0]
    scan = client.get(f"/admin/surveys/paper/batches/scans/{scan_link}")
    assert scan.status_code == 200 and scan.mimetype == "image/png" and scan.data == _png()
    with app.app_context():
        wrong_id = db.session.execute(select(SurveyResponse.id).where(SurveyResponse.paper_serial == "P017")
                                      ).scalar_one()
        state = db.session.get(RollupState, "all")
        state.refreshed_through = datetime.now(UTC) - timedelta(seconds=1)
        db.session.commit()
    no_reason = _post(client, f"{page}/check", {"wrong": str(wrong_id)}, form_page=page)
    assert no_reason.status_code == 303 and "ghi lý do" in client.get(page).get_data(as_text=True)
    done = _post(client, f"{page}/check", {"wrong": str(wrong_id), f"reason-{wrong_id}": "Câu 1 ghi 2, nhập 5"},
                 form_page=page)
    assert done.status_code == 303
    with app.app_context():
        report = refresh(db.session)  # incremental: the check marked the day
        db.session.commit()
        assert not report.full and report.days >= 1
        assert _counts(world) == (17, 17, 17, 1)
        db.session.remove()
    assert client.get(f"/dashboard/{unit}/data.json?start=01/01/2026&end=31/01/2026").get_json()[
        "unconfirmed_paper"] == 1  # the one marked wrong
    with app.app_context():
        wrong = db.session.get(SurveyResponse, wrong_id)
        assert (wrong.check_status, wrong.check_note, wrong.paper_serial, wrong.rejected_serial) == (
            "rejected", "Câu 1 ghi 2, nhập 5", None, "P017")
        batch_row = db.session.get(PaperBatch, batch)
        assert batch_row.status == "checked" and batch_row.checked_by_id == world["users"]["bd.admin"]
        actions = db.session.execute(select(AuditEvent.action, AuditEvent.entity, AuditEvent.user_id)).all()
        assert actions.count(("create", "survey_response", world["users"]["bd.canbo"])) == 18
        assert ("submit", "paper_batch", world["users"]["bd.canbo"]) in actions
        assert ("check", "paper_batch", world["users"]["bd.admin"]) in actions
        full = refresh(db.session, full=True)
        db.session.commit()
        assert full.full and _counts(world) == (17, 17, 17, 1)
    # the freed serial can be keyed again (into a new batch, waiting for its own check)
    _key(client, auth, world, "P017", overall="2")
    with app.app_context():
        again = db.session.execute(select(SurveyResponse).where(SurveyResponse.paper_serial == "P017")).scalar_one()
        assert again.check_status == "pending" and again.paper_batch_id != batch


def test_the_database_refuses_a_check_by_the_keyer(app, world):
    from survey_app.services import surveys

    with app.app_context():
        keyer = world["users"]["bd.canbo"]
        questionnaire = surveys.questionnaire_by_code("centre-service")
        db.session.add(PaperBatch(unit_id=world["units"]["bach-dang"], questionnaire_id=questionnaire.id,
                                  source="entry", status="checked", keyed_by_id=keyer, checked_by_id=keyer))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        assert db.session.execute(select(func.count()).select_from(PaperBatch)).scalar() == 0


def test_two_checkers_at_once_cannot_both_confirm(app, world):
    """The second confirmation of a batch another checker has just confirmed is refused, not applied twice."""
    from survey_app.models import User
    from survey_app.services import paper_batches, surveys
    from survey_app.services.uploads import check_evidence
    from survey_app.surveys.definition import ParsedAnswers

    with app.app_context():
        keyer = db.session.get(User, world["users"]["bd.canbo"])
        version = surveys.current_version(surveys.questionnaire_by_code("centre-service").id)
        batch = paper_batches.open_batch(keyer, world["units"]["bach-dang"], version.questionnaire_id)
        response, _ = surveys.submit_response(version, ParsedAnswers(values={"overall": [5]}), surveys.Submission(
            unit_id=world["units"]["bach-dang"], centre_id=world["centres"]["bach-dang"], channel="paper",
            client_id="p-1", entered_by=keyer, paper_serial="1"))
        paper_batches.keyed(keyer, batch, response)
        paper_batches.add_scans(keyer, batch, [check_evidence("lo.png", _png())])
        paper_batches.submit(keyer, batch)
        db.session.commit()
        batch_id, response_id = batch.id, response.id
    with app.app_context():
        admin = db.session.get(User, world["users"]["bd.admin"])
        stale = db.session.get(PaperBatch, batch_id)  # this checker loaded the batch while it waited
        assert stale.status == "submitted"
        db.session.execute(PaperBatch.__table__.update().values(status="checked", checked_by_id=world["users"][
            "admin"], checked_at=datetime.now(UTC)))  # the other checker's confirmation lands first
        with pytest.raises(paper_batches.PaperCheckError, match="vừa được một cán bộ khác kiểm tra"):
            paper_batches.check(admin, stale, {})
        db.session.rollback()
        assert db.session.get(SurveyResponse, response_id).check_status == "pending"
