"""Provenance of every computed item's rows ("Nguồn") and the paper share of 2.7.a and 2.7.b, on the item rows
page, its CSV and JSON, and the score JSON; the rules' own rows and points are unchanged by it."""

import csv
import io
import uuid
from datetime import datetime

from sqlalchemy import select

from reports.jobs import refresh
from reports.scoring.engine import score_item
from survey_app.extensions import db
from survey_app.models import AdminUnit, ServiceCentre, SurveyResponse, User
from survey_app.services import dossier_import, kiosks, paper_batches, surveys
from survey_app.surveys.definition import ParsedAnswers
from survey_app.timeutil import LOCAL_TZ, as_utc, format_date

ANNUAL = "annual-friendly-government"
CENTRE = "centre-service"
DOSSIERS = ("Mã hồ sơ;Tên thủ tục;Ngày tiếp nhận;Ngày hẹn trả;Ngày trả kết quả\n"
            "HS-LATE;Đăng ký khai sinh;02/10/2026 08:15;05/10/2026;07/10/2026 10:00\n"
            "HS-OK;Chứng thực bản sao;06/10/2026;06/10/2026;06/10/2026 09:30\n")


def _at(day: int, month: int = 10) -> datetime:
    return as_utc(datetime(2026, month, day, 12, tzinfo=LOCAL_TZ))


def _submit(world, code, channel, at, **extra) -> SurveyResponse:
    version = surveys.current_version(surveys.questionnaire_by_code(code).id)
    response, _ = surveys.submit_response(version, ParsedAnswers(values={"overall": [4]}), surveys.Submission(
        unit_id=world["units"]["bach-dang"], centre_id=world["centres"]["bach-dang"], channel=channel,
        client_id=uuid.uuid4().hex, answered_at=at, **extra))
    return response


def _paper_batch(world, code, serials, at) -> tuple:
    keyer = db.session.get(User, world["users"]["bd.canbo"])
    version = surveys.current_version(surveys.questionnaire_by_code(code).id)
    batch = paper_batches.open_batch(keyer, world["units"]["bach-dang"], version.questionnaire_id)
    forms = []
    for serial in serials:
        response = _submit(world, code, "paper", at, entered_by=keyer, paper_serial=serial)
        paper_batches.keyed(keyer, batch, response)
        forms.append(response)
    return batch, forms


def _fill(world) -> dict:
    """Q4 annual responses: 3 QR, 1 kiosk, 4 paper checked (one marked wrong), 2 paper waiting, 1 from before the
    check existed; centre responses in October: 2 QR and 2 checked paper; two dossiers from an import file."""
    checker = db.session.get(User, world["users"]["bd.admin"])
    keyer = db.session.get(User, world["users"]["bd.canbo"])
    centre = db.session.get(ServiceCentre, world["centres"]["bach-dang"])
    kiosk, _code = kiosks.create(checker, centre, None, "Máy sảnh chính", 3)
    for day in (1, 2, 3):
        _submit(world, ANNUAL, "qr", _at(day))
    _submit(world, ANNUAL, "kiosk", _at(4), kiosk_id=kiosk.id)
    batch, forms = _paper_batch(world, ANNUAL, ["A1", "A2", "A3", "A4"], _at(5))
    paper_batches.add_scans(keyer, batch, [paper_batches.check_scan(_scan())])
    paper_batches.submit(keyer, batch)
    paper_batches.check(checker, batch, {forms[3].id: "Phiếu ghi 1, nhập 4"})
    db.session.flush()
    _paper_batch(world, ANNUAL, ["B1", "B2"], _at(6))  # open: waiting
    legacy = _submit(world, ANNUAL, "paper", _at(7), entered_by=keyer, paper_serial="OLD-1")
    legacy.check_status, legacy.checked_at = "checked", legacy.received_at  # as the migration marks them
    for day in (8, 9):
        _submit(world, CENTRE, "qr", _at(day))
    c_batch, _ = _paper_batch(world, CENTRE, ["C1", "C2"], _at(10))
    paper_batches.add_scans(keyer, c_batch, [paper_batches.check_scan(_scan())])
    paper_batches.submit(keyer, c_batch)
    paper_batches.check(checker, c_batch, {})
    report = dossier_import.parse(DOSSIERS.encode(), "ho-so-thang-10.csv", world["units"]["bach-dang"])
    assert not report.errors, report.errors
    record = dossier_import.apply(report, world["units"]["bach-dang"], "ho-so-thang-10.csv", checker)
    db.session.commit()
    refresh(db.session, full=True)
    db.session.commit()
    return {"batch": batch.id, "wrong": forms[3].id, "checked_on": format_date(forms[0].checked_at),
            "imported_at": record.imported_at}


def _scan():
    from PIL import Image

    from survey_app.services.uploads import check_evidence

    buffer = io.BytesIO()
    Image.new("RGB", (30, 40), "white").save(buffer, "JPEG")
    return check_evidence("lo.jpg", buffer.getvalue())


def _rows(client, unit, code, fmt="json"):
    response = client.get(f"/admin/scores/{unit}/2026/items/{code}/rows.{fmt}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def test_each_row_names_its_source_and_the_paper_share_is_stated(client, app, auth, world, runner):
    with app.app_context():
        facts = _fill(world)
    unit = world["units"]["bach-dang"]
    auth.login("bd.canbo")
    data = _rows(client, unit, "2.7.b").get_json()
    assert data["columns"][-1] == "Nguồn"
    sources = [row[-1] for row in data["rows"]]
    assert sources.count("Mã QR") == 3
    assert "Máy tính bảng “Máy sảnh chính”" in sources
    assert sources.count(f"Phiếu giấy số A1, lô {facts['batch']}, nhập: bd.canbo; kiểm tra: bd.admin "
                         f"{facts['checked_on']}") == 1
    assert any(s.startswith("Phiếu giấy số A4") and "sai khi kiểm tra (bd.admin): Phiếu ghi 1, nhập 4 – không tính"
               in s for s in sources)
    assert sum("chưa kiểm tra – không tính" in s for s in sources) == 2
    assert "Phiếu giấy số OLD-1, nhập: bd.canbo; nhập trước khi có bước kiểm tra" in sources
    # counted: 3 QR + 1 kiosk + 3 checked paper + 1 from before the check; not counted: 2 waiting, 1 wrong
    share = data["paper_share"]
    assert (share["counted"], share["paper"], share["paper_pending"], share["paper_rejected"],
            share["paper_before_check"]) == (8, 4, 2, 1, 1)
    assert share["share"] == 4 / 8 and share["by_channel"] == {"qr": 3, "kiosk": 1, "paper": 4}
    with app.app_context():
        item = score_item(db.session, db.session.get(AdminUnit, unit), 2026, "2.7.b")
        assert item.figures["responses"] == share["counted"]  # the rule counts exactly what the share counts
        # the rule's own rows are untouched: the JSON rows are them plus one column
        assert [row[:-1] for row in data["rows"]] == [list(r) for r in item.rows().rows]
    html = _rows(client, unit, "2.7.b", "html").get_data(as_text=True)
    assert "Tỷ lệ phiếu giấy" in html and "Phiếu giấy chiếm 50,0% (4/8)" in html
    assert "2 phiếu giấy đang chờ cán bộ thứ hai kiểm tra" in html

    months = _rows(client, unit, "2.7.a").get_json()
    october = next(row for row in months["rows"] if row[1] == "10/2026")
    assert october[-1] == "Mã QR 2; Phiếu giấy 2 (nhập: bd.canbo; kiểm tra: bd.admin)"
    assert months["paper_share"]["paper"] == 2 and months["paper_share"]["counted"] == 4

    late = list(csv.reader(io.StringIO(_rows(client, unit, "2.8", "csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert late[0][-1] == "Nguồn"
    from survey_app.timeutil import format_datetime

    assert late[1][0] == "HS-LATE"
    assert late[1][-1] == f"Tệp “ho-so-thang-10.csv” nhập lúc {format_datetime(facts['imported_at'])} (bd.admin)"

    whole = client.get(f"/admin/scores/{unit}/2026.json").get_json()
    by_code = {i["code"]: i for i in whole["items"]}
    assert by_code["2.7.b"]["paper_share"]["counted"] == 8 and by_code["2.7.a"]["paper_share"]["paper"] == 2
    assert "paper_share" not in by_code["2.8"]
    import json

    cli = runner.invoke(args=["reports", "score", "--unit", "bach-dang", "--year", "2026", "--json"])
    assert cli.exit_code == 0, cli.output
    assert {i["code"]: i.get("paper_share") for i in json.loads(cli.output)["items"]}["2.7.b"] == share


def test_rows_of_every_computed_item_carry_a_source(client, app, auth, world):
    from datetime import date

    from survey_app.models import BoxOpening, CaseCategory, CollectionSession, SuggestionBox
    from survey_app.services import cases as case_service

    with app.app_context():
        _fill(world)
        staff = db.session.get(User, world["users"]["bd.canbo"])
        unit_id = world["units"]["bach-dang"]
        box = SuggestionBox(unit_id=unit_id, location_kind="ubnd", location_name="Trụ sở UBND phường",
                            installed_on=date(2026, 1, 5))
        db.session.add(box)
        db.session.flush()
        db.session.add(BoxOpening(box_id=box.id, unit_id=unit_id, opened_on=date(2026, 10, 5),
                                  opened_by="Tổ mở hòm thư", created_by_id=staff.id))
        db.session.add(CollectionSession(unit_id=unit_id, held_on=date(2026, 10, 7), organisation="Ủy ban MTTQ",
                                         collector="Nguyễn Văn Tổ", created_by_id=staff.id))
        category = db.session.execute(select(CaseCategory.id)).scalars().first()
        app_case, _ = case_service.file_case(case_service.CaseInput(
            unit_id=unit_id, channel="app", kind="gop_y", category_id=category, content="Ý kiến qua ứng dụng"))
        db.session.commit()
        tracking = app_case.tracking_code
        from reports.scoring.table import for_year

        codes = [i.code for i in for_year(2026).items if i.mode == "computed"]
    unit = world["units"]["bach-dang"]
    auth.login("bd.canbo")
    seen = {}
    for code in codes:
        response = client.get(f"/admin/scores/{unit}/2026/items/{code}/rows.json")
        if response.status_code == 404:  # a rule without rows
            continue
        data = response.get_json()
        assert data["columns"][-1] == "Nguồn", code
        assert all(isinstance(row[-1], str) and row[-1] for row in data["rows"]), code
        seen[code] = {row[0] if code != "1.2.a" else row[1]: row[-1] for row in data["rows"]}
    assert seen["1.2.a"]["Trụ sở UBND phường"] == "Sổ mở hòm thư: Tổ mở hòm thư (nhập: bd.canbo)"
    assert seen["1.2.d"]["05/10/2026"] == "Biên bản thu thập: Nguyễn Văn Tổ (nhập: bd.canbo)"
    assert seen["1.2.c"][tracking] == "Ứng dụng (người dân gửi)"


def test_the_evidence_dossier_rows_carry_the_source_too(app, world):
    from reports.dossier import score_doc
    from reports.scoring.engine import score

    with app.app_context():
        _fill(world)
        doc = score_doc(db.session, score(db.session, db.session.get(AdminUnit, world["units"]["bach-dang"]), 2026),
                        with_files=False)
        items = {i.code: i for i in doc.items}
        assert items["2.8"].columns[-1] == "Nguồn" and items["2.8"].rows[0][-1].startswith("Tệp “ho-so-thang-10.csv”")
        assert items["2.7.b"].columns[:-1] == ["Mã phiếu", "Thời điểm", "Kênh", "Nghi vấn"]
        assert all(not i.columns or i.columns[-1] == "Nguồn" for i in doc.items)
