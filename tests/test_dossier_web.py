"""One click on the score page builds the dossier in the background; overdue dossiers get their apology letters;
the city appraises, locks and summarises — as staff and appraisers do it through the web."""

import io
import zipfile
from datetime import date, datetime

from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func, select

from reports import background
from survey_app.extensions import db
from survey_app.models import ApologyLetter, BackgroundJob, Dossier, ScoreSubmission
from survey_app.services.workdays import end_of_local_day
from survey_app.timeutil import LOCAL_TZ


def _late_dossiers(app, unit_id: int, count: int = 2) -> list[int]:
    with app.app_context():
        ids = []
        for n in range(count):
            received = datetime(2026, 3, 2 + n, 9, tzinfo=LOCAL_TZ)
            dossier = Dossier(unit_id=unit_id, code=f"QH-{n}", procedure="Chứng thực bản sao", field="Chứng thực",
                              received_at=received, received_day=received.date(),
                              due_at=end_of_local_day(date(2026, 3, 4 + n)),
                              settled_at=datetime(2026, 3, 9 + n, 10, tzinfo=LOCAL_TZ))
            db.session.add(dossier)
            db.session.flush()
            ids.append(dossier.id)
        db.session.commit()
        return ids


def _item(client, unit, code):
    return next(i for i in client.get(f"/admin/scores/{unit}/2026.json").json["items"] if i["code"] == code)


def _text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    return "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])


def test_the_dossier_is_built_in_the_background_and_downloaded(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    auth.login("bd.canbo")
    token = auth.csrf(f"/admin/scores/{unit}/2026")
    queued = client.post(f"/admin/scores/{unit}/2026/dossier", data={"csrf_token": token})
    assert queued.status_code == 303
    job_page = queued.headers["Location"]
    page = client.get(job_page).get_data(as_text=True)
    assert "Đang chờ" in page and 'http-equiv="refresh"' in page
    job_id = int(job_page.rsplit("/", 1)[1])
    with app.app_context():
        assert background.work(db.session, once=True, log=lambda _: None) == 1
    status = client.get(f"/admin/jobs/{job_id}.json").json
    assert status["status"] == "done" and status["progress"] == 100
    download = client.get(f"/admin/jobs/{job_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        names = archive.namelist()
    top = {n.split("/")[0] for n in names}  # one ZIP: the evidence is a folder in it, not a ZIP inside the ZIP
    assert len(top) == 8 and not any(n.endswith(".zip") for n in names)
    assert any(n.startswith("05_Tai-lieu-minh-chung") and n.endswith("/00_Muc-luc.docx") for n in names)
    client.post("/logout", data={"csrf_token": token})
    auth.login("hb.admin")  # another commune's job does not exist for them
    assert client.get(f"/admin/jobs/{job_id}").status_code == 404
    assert client.get(f"/admin/jobs/{job_id}/download").status_code == 404


def test_two_workers_never_run_the_same_job_and_a_failure_is_reported(app, world):
    with app.app_context():
        first = background.enqueue(db.session, "evidence_dossier", world["units"]["bach-dang"], {"year": 2026}, None)
        broken = background.enqueue(db.session, "evidence_dossier", world["units"]["hoa-binh"],
                                    {"year": 2026, "as_of": "30/02/2026"}, None)
        db.session.commit()
        claims = [background.claim_next(db.session, "a"), background.claim_next(db.session, "b")]
        assert sorted(claims) == sorted([first.id, broken.id])
        assert background.claim_next(db.session, "c") is None
        background.run(db.session, broken.id)
        db.session.expire_all()
        failed = db.session.get(BackgroundJob, broken.id)
        assert failed.status == "failed" and failed.message.startswith("Lỗi hệ thống khi tạo tệp")
        assert failed.result is None and failed.finished_at is not None


def test_small_documents_download_directly(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    auth.login("bd.xem")  # a viewer may read the documents
    table = client.get(f"/admin/scores/{unit}/2026/documents/bang-tu-cham-diem.xlsx")
    assert table.status_code == 200
    rows = list(load_workbook(io.BytesIO(table.data)).active.iter_rows(values_only=True))
    assert any(r[1] == "TỔNG ĐIỂM" for r in rows)
    report = client.get(f"/admin/scores/{unit}/2026/documents/bao-cao-du-thao.docx")
    assert "BÁO CÁO" in _text(report.data)
    assert client.get(f"/admin/scores/{unit}/2026/documents/khac.exe").status_code == 404
    assert client.get(f"/admin/scores/{world['units']['hoa-binh']}/2026/documents/bao-cao-du-thao.docx"
                      ).status_code == 404


def test_apology_letters_for_overdue_dossiers_count_for_item_2_4_e(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    ids = _late_dossiers(app, unit)
    auth.login("bd.canbo")
    assert _item(client, unit, "2.4.e")["points"] == 0
    page = client.get(f"/admin/dossiers/{unit}/late?year=2026").get_data(as_text=True)
    assert 'id="letters-sent">0/2<' in page and "QH-0" in page
    one = client.get(f"/admin/dossiers/{unit}/letters/{ids[0]}.docx")
    text = _text(one.data)
    assert "VĂN BẢN XIN LỖI" in text and "QH-0" in text and "Chứng thực bản sao" in text and "09/03/2026" in text
    token = auth.csrf(f"/admin/dossiers/{unit}/late?year=2026")
    batch = client.post(f"/admin/dossiers/{unit}/letters", data={
        "csrf_token": token, "year": "2026", "action": "download", "dossier_id": [str(i) for i in ids]})
    assert _text(batch.data).count("VĂN BẢN XIN LỖI") == 2
    future = client.post(f"/admin/dossiers/{unit}/letters", data={
        "csrf_token": token, "year": "2026", "action": "sent", "sent_on": "01/01/2099", "dossier_id": str(ids[0])},
        follow_redirects=True)
    assert "Ngày gửi không hợp lệ" in future.get_data(as_text=True)
    client.post(f"/admin/dossiers/{unit}/letters", data={
        "csrf_token": token, "year": "2026", "action": "sent", "sent_on": "12/03/2026", "dossier_id": str(ids[0])})
    assert _item(client, unit, "2.4.e")["points"] == 0.5  # 1 point × 1/2 letters sent
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(ApologyLetter)).scalar() == 1
    other = _late_dossiers(app, world["units"]["hoa-binh"], 1)[0]
    assert client.get(f"/admin/dossiers/{unit}/letters/{other}.docx").status_code == 404


def test_the_letter_for_an_open_overdue_dossier_apologises_and_asks_to_extend(client, app, world, auth):
    """TT 03/2025's Mẫu 04 as provincial copies give it: apology and request to extend, with the new date and the
    reason staff typed; the form named from the legal registry; a bad date is refused with a Vietnamese message."""
    from datetime import timedelta

    from survey_app.timeutil import local_today

    unit = world["units"]["bach-dang"]
    with app.app_context():
        received = datetime(2026, 3, 2, 9, tzinfo=LOCAL_TZ)
        open_late = Dossier(unit_id=unit, code="MO-1", procedure="Cấp giấy phép xây dựng", field="Xây dựng",
                            received_at=received, received_day=received.date(),
                            due_at=end_of_local_day(date(2026, 3, 6)))
        db.session.add(open_late)
        db.session.commit()
        dossier_id = open_late.id
    auth.login("bd.canbo")
    page = client.get(f"/admin/dossiers/{unit}/late?year=2026").get_data(as_text=True)
    assert "Mẫu số 04 “Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết”" in page and "01/2018" not in page
    new_due = local_today() + timedelta(days=5)
    token = auth.csrf(f"/admin/dossiers/{unit}/late?year=2026")
    letter = client.post(f"/admin/dossiers/{unit}/letters", data={
        "csrf_token": token, "year": "2026", "action": "download", "dossier_id": str(dossier_id),
        "new_due": new_due.strftime("%d/%m/%Y"), "reason": "Chờ ý kiến của cơ quan chuyên môn cấp trên"})
    text = _text(letter.data)
    assert "VĂN BẢN XIN LỖI VÀ ĐỀ NGHỊ GIA HẠN THỜI GIAN GIẢI QUYẾT HỒ SƠ" in text and "MO-1" in text
    assert f"đề nghị được gia hạn thời gian giải quyết hồ sơ đến ngày {new_due.strftime('%d/%m/%Y')}" in text
    assert "Lý do: Chờ ý kiến của cơ quan chuyên môn cấp trên." in text and "xin lỗi" in text
    assert "Thông tư 03/2025/TT-VPCP" in text and "01/2018" not in text
    blank = _text(client.get(f"/admin/dossiers/{unit}/letters/{dossier_id}.docx").data)
    assert "[…/…/…]" in blank and "[nêu lý do chậm giải quyết]" in blank
    past = client.post(f"/admin/dossiers/{unit}/letters", data={
        "csrf_token": token, "year": "2026", "action": "download", "dossier_id": str(dossier_id),
        "new_due": "01/01/2020"}, follow_redirects=True)
    assert "Ngày hẹn trả mới không hợp lệ" in past.get_data(as_text=True)


def test_city_appraisal_end_to_end(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    auth.login("bd.admin")
    token = auth.csrf(f"/admin/scores/{unit}/2026")
    client.post(f"/admin/scores/{unit}/2026/items/2.3", data={"csrf_token": token, "points": "3"})
    client.post(f"/admin/scores/{unit}/2026/items/2.5", data={"csrf_token": token, "points": "1"})
    from reports.scoring.table import load

    items = load("5049-2026").items
    blank = sum(1 for i in items if i.mode == "entered") - 2  # every entered item but the two just entered
    page = client.get(f"/admin/scores/{unit}/2026").get_data(as_text=True)
    assert f"Còn {blank}/{len(items)} mục chưa chấm" in page
    asked = client.post(f"/admin/appraisal/submit/{unit}/2026", data={"csrf_token": token})
    html = asked.get_data(as_text=True)
    assert asked.status_code == 200 and f'id="blank-count">{blank}/{len(items)}<' in html and "#item-1.1.a.1" in html
    assert "Vẫn gửi thành phố thẩm định" in html and '#item-2.3"' not in html and '#item-2.4.a"' in html
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(ScoreSubmission)).scalar() == 0  # not sent yet
    sent = client.post(f"/admin/appraisal/submit/{unit}/2026", data={"csrf_token": token, "confirm_blank": "1"},
                       follow_redirects=True)
    assert "Đã gửi bảng tự chấm điểm" in sent.get_data(as_text=True)
    with app.app_context():
        own = db.session.execute(select(ScoreSubmission)).scalar_one().self_total
    assert client.get("/admin/appraisal/2026").status_code == 403  # the city's list is the city's
    client.post("/logout", data={"csrf_token": token})

    auth.login("thamdinh")
    listing = client.get("/admin/appraisal/2026").get_data(as_text=True)
    assert "Phường Bạch Đằng" in listing and "Chưa gửi hồ sơ" in listing  # Hòa Bình has not submitted
    token = auth.csrf("/admin/appraisal/2026")
    no_reason = client.post(f"/admin/appraisal/2026/{unit}", data={"csrf_token": token, "points-2.3": "2",
                                                                   "reason-2.3": ""}, follow_redirects=True)
    assert "cần ghi lý do trừ điểm" in no_reason.get_data(as_text=True)
    client.post(f"/admin/appraisal/2026/{unit}", data={
        "csrf_token": token, "points-2.3": "2", "reason-2.3": "Sổ trực thiếu tháng 7", "points-2.5": ""})
    locked = client.post(f"/admin/appraisal/2026/{unit}/lock", data={"csrf_token": token}, follow_redirects=True)
    assert f"Đã khóa kết quả thẩm định: {own - 1:g}/100".replace(".", ",") in locked.get_data(as_text=True)
    again = client.post(f"/admin/appraisal/2026/{unit}", data={"csrf_token": token, "points-2.3": "3"},
                        follow_redirects=True)
    assert "Kết quả thẩm định đã khóa" in again.get_data(as_text=True)
    summary = load_workbook(io.BytesIO(client.get("/admin/appraisal/2026/summary.xlsx").data)).active
    rows = [list(r) for r in summary.iter_rows(values_only=True)]
    bach_dang = next(r for r in rows if r[2] == "Phường Bạch Đằng")
    assert bach_dang[4] == own and bach_dang[5] == own - 1
    assert any(r[0] and str(r[0]).startswith("Tỷ lệ xã, phường, đặc khu đạt chuẩn: 0,0% (chỉ tiêu 80,0%)")
               for r in rows)
    assert "Kết quả thẩm định mô hình" in _text(client.get("/admin/appraisal/2026/summary.docx").data)
    client.post("/logout", data={"csrf_token": token})

    auth.login("bd.canbo")  # the commune reads its result and the reasons, and cannot change them
    view = client.get(f"/admin/appraisal/2026/{unit}").get_data(as_text=True)
    assert "Sổ trực thiếu tháng 7" in view and 'name="points-2.3"' not in view
    token = auth.csrf(f"/admin/appraisal/2026/{unit}")
    assert client.post(f"/admin/appraisal/2026/{unit}", data={"csrf_token": token, "points-2.3": "3"}
                       ).status_code == 403
    assert client.get(f"/admin/appraisal/2026/{world['units']['hoa-binh']}").status_code == 404
