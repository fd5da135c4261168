"""Staff complete the score on screen: evidence files (checked type and size, scoped downloads), the commune facts,
the disqualifying flags, the dossier upload page and the city's rule parameters."""

import io
from datetime import date, datetime

from PIL import Image
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import AuditEvent, Dossier, ScoreAttachment, ScoringOverride, UnitProfile
from survey_app.services.workdays import end_of_local_day
from survey_app.timeutil import LOCAL_TZ


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def _score_json(client, unit):
    return client.get(f"/admin/scores/{unit}/2026.json").json


def test_evidence_files_are_checked_kept_and_scoped(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    auth.login("bd.canbo")
    token = auth.csrf(f"/admin/scores/{unit}/2026")
    ok = client.post(f"/admin/scores/{unit}/2026/items/2.3/attachments", data={
        "csrf_token": token, "files": [(io.BytesIO(_png()), "sổ trực tình nguyện.png"),
                                       (io.BytesIO(b"%PDF-1.4 scan"), "bien-ban.pdf")]},
        content_type="multipart/form-data", follow_redirects=True)
    assert "đã lưu 2 tệp minh chứng" in ok.get_data(as_text=True)
    item = next(i for i in _score_json(client, unit)["items"] if i["code"] == "2.3")
    assert item["attachments"] == 2

    refused = client.post(f"/admin/scores/{unit}/2026/items/2.3/attachments", data={
        "csrf_token": token, "files": [(io.BytesIO(_png()), "ok.png"), (io.BytesIO(b"MZ\x90\x00"), "virus.exe")]},
        content_type="multipart/form-data", follow_redirects=True)
    html = refused.get_data(as_text=True)
    assert "Tệp “virus.exe” không được chấp nhận" in html and "Chưa lưu tệp nào" in html
    too_big = client.post(f"/admin/scores/{unit}/2026/items/2.3/attachments", data={
        "csrf_token": token, "files": [(io.BytesIO(b"%PDF-" + b"0" * (10 * 1024 * 1024 + 1)), "lon.pdf")]},
        content_type="multipart/form-data", follow_redirects=True)
    assert "lớn hơn 10 MB" in too_big.get_data(as_text=True)
    with app.app_context():
        files = db.session.execute(select(ScoreAttachment).order_by(ScoreAttachment.id)).scalars().all()
        assert [f.filename for f in files] == ["sổ trực tình nguyện.png", "bien-ban.pdf"]
        assert files[0].content_type == "image/png" and files[1].content_type == "application/pdf"
        first, second = files[0].id, files[1].id

    download = client.get(f"/admin/scores/attachments/{first}")
    assert download.status_code == 200 and download.data == _png()
    assert "UTF-8''s%E1%BB%95" in download.headers["Content-Disposition"]
    deleted = client.post(f"/admin/scores/attachments/{second}/delete", data={"csrf_token": token})
    assert deleted.status_code == 303
    client.post("/logout", data={"csrf_token": token})

    auth.login("hb.admin")  # another commune: the file does not exist for them
    assert client.get(f"/admin/scores/attachments/{first}").status_code == 404
    other = auth.csrf()
    assert client.post(f"/admin/scores/attachments/{first}/delete", data={"csrf_token": other}).status_code == 404
    assert client.post(f"/admin/scores/{unit}/2026/items/2.3/attachments", data={"csrf_token": other},
                       content_type="multipart/form-data").status_code == 404
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(ScoreAttachment)).scalar() == 1


def test_flags_and_profile_need_a_leader_and_change_the_result(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    auth.login("bd.canbo")
    token = auth.csrf(f"/admin/scores/{unit}/2026")
    assert client.post(f"/admin/scores/{unit}/2026/flags", data={"csrf_token": token, "hotspot": "1"}
                       ).status_code == 403
    client.post("/logout", data={"csrf_token": token})

    auth.login("bd.admin")
    token = auth.csrf(f"/admin/scores/{unit}/2026")
    no_note = client.post(f"/admin/scores/{unit}/2026/flags", data={"csrf_token": token, "hotspot": "1"},
                          follow_redirects=True)
    assert "hãy ghi rõ sự việc" in no_note.get_data(as_text=True)
    assert _score_json(client, unit)["disqualified"] == []
    client.post(f"/admin/scores/{unit}/2026/flags", data={
        "csrf_token": token, "disciplined": "1", "note": "Quyết định kỷ luật số 12/QĐ-UBND"})
    data = _score_json(client, unit)
    assert data["level"] == "Không đạt chuẩn" and len(data["disqualified"]) == 1

    bad = client.post(f"/admin/scores/{unit}/2026/profile", data={
        "csrf_token": token, "neighbourhoods": "0", "fast_track_weekday": "2", "population": "25.000"},
        follow_redirects=True)
    assert "Số tổ dân phố (thôn) phải từ 1 đến 1000" in bad.get_data(as_text=True)
    client.post(f"/admin/scores/{unit}/2026/profile", data={
        "csrf_token": token, "neighbourhoods": "12", "fast_track_weekday": "2", "population": "25.000"})
    with app.app_context():
        profile = db.session.get(UnitProfile, unit)
        assert (profile.neighbourhoods, profile.fast_track_weekday) == (12, 2)
        assert profile.unit_id == unit
        from survey_app.models import AdminUnit

        assert db.session.get(AdminUnit, unit).population == 25000
        actions = set(db.session.execute(select(AuditEvent.entity).where(AuditEvent.unit_id == unit)).scalars())
        assert {"score_flags", "unit_profile"} <= actions
    explanation = next(i for i in _score_json(client, unit)["items"] if i["code"] == "2.1")["explanation"]
    assert "thứ Tư" in explanation


GOOD = ("Số hồ sơ;Thủ tục;Lĩnh vực;Thời gian tiếp nhận;Hạn xử lý;Ngày hoàn thành;Kênh nộp\n"
        "A-1;Khai sinh;Hộ tịch;02/03/2026 08:00;04/03/2026;03/03/2026 10:00;Trực tuyến\n"
        "A-2;Chứng thực;Chứng thực;02/03/2026 09:00;02/03/2026;05/03/2026 10:00;Trực tiếp\n")


def test_dossier_upload_page_all_or_nothing_and_saved_column_names(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    auth.login("bd.canbo")
    token = auth.csrf(f"/admin/dossiers/{unit}")
    bad = GOOD + "A-1;Trùng;Hộ tịch;31/02/2026;01/03/2026;;Bồ câu\n"
    rejected = client.post(f"/admin/dossiers/{unit}/import", data={
        "csrf_token": token, "file": (io.BytesIO(bad.encode()), "thang3.csv")}, content_type="multipart/form-data")
    html = rejected.get_data(as_text=True)
    assert rejected.status_code == 400 and "Chưa có thay đổi nào được lưu" in html
    assert "trùng với dòng 2" in html and "Ngày “31/02/2026” không hợp lệ" in html
    assert "Hình thức “Bồ câu” không có trong danh sách" in html  # a warning beside the errors, not one of them
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Dossier)).scalar() == 0

    accepted = client.post(f"/admin/dossiers/{unit}/import", data={
        "csrf_token": token, "file": (io.BytesIO(GOOD.encode()), "thang3.csv")}, content_type="multipart/form-data",
        follow_redirects=True)
    html = accepted.get_data(as_text=True)
    assert "2 hồ sơ mới" in html and 'id="dossiers-late">1<' in html

    odd = "Mã HS nội bộ;Nhận lúc;Hẹn\nB-1;05/03/2026;06/03/2026\n"
    unknown = client.post(f"/admin/dossiers/{unit}/import", data={
        "csrf_token": token, "file": (io.BytesIO(odd.encode()), "khac.csv")}, content_type="multipart/form-data")
    assert unknown.status_code == 400 and "Không nhận ra cột" in unknown.get_data(as_text=True)
    client.post(f"/admin/dossiers/{unit}/mapping", data={
        "csrf_token": token, "code": "Mã HS nội bộ", "received": "Nhận lúc", "due": "Hẹn"})
    again = client.post(f"/admin/dossiers/{unit}/import", data={
        "csrf_token": token, "file": (io.BytesIO(odd.encode()), "khac.csv")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert "1 hồ sơ mới" in again.get_data(as_text=True)
    wrong_type = client.post(f"/admin/dossiers/{unit}/import", data={
        "csrf_token": token, "file": (io.BytesIO(b"x"), "hoso.pdf")}, content_type="multipart/form-data")
    assert wrong_type.status_code == 400 and "Chỉ nhận tệp .xlsx hoặc .csv" in wrong_type.get_data(as_text=True)
    assert client.get(f"/admin/dossiers/{world['units']['hoa-binh']}").status_code == 404


def test_city_admin_sets_rule_parameters_within_bounds(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    with app.app_context():
        for code, settled_day in (("X-1", 3), ("X-2", 3), ("X-3", 3), ("X-4", 6)):
            received = datetime(2026, 3, 2, 9, tzinfo=LOCAL_TZ)
            db.session.add(Dossier(unit_id=unit, code=code, received_at=received, received_day=received.date(),
                                   due_at=end_of_local_day(date(2026, 3, 4)),
                                   settled_at=datetime(2026, 3, settled_day, 10, tzinfo=LOCAL_TZ)))
        db.session.commit()
    auth.login("bd.admin")
    token = auth.csrf(f"/admin/scores/{unit}/2026")
    assert client.get("/admin/scoring-rules/2026").status_code == 200  # readable: the rules are public to staff
    assert client.post("/admin/scoring-rules/2026/2.8", data={"csrf_token": token, "params": '{"mode": "linear"}'}
                       ).status_code == 403
    client.post("/logout", data={"csrf_token": token})

    auth.login("admin")
    token = auth.csrf("/admin/scoring-rules/2026")
    before = next(i for i in _score_json(client, unit)["items"] if i["code"] == "2.8")
    assert before["points"] == 0
    not_json = client.post("/admin/scoring-rules/2026/2.8", data={"csrf_token": token, "params": "{mode: linear"},
                           follow_redirects=True)
    assert "không phải JSON hợp lệ" in not_json.get_data(as_text=True)
    out_of_range = client.post("/admin/scoring-rules/2026/2.7.b", data={
        "csrf_token": token, "params": '{"quarter": 5}'}, follow_redirects=True)
    assert "phải trong khoảng 1–4" in out_of_range.get_data(as_text=True)
    client.post("/admin/scoring-rules/2026/2.8", data={"csrf_token": token, "params": '{"mode": "linear"}'})
    after = next(i for i in _score_json(client, unit)["items"] if i["code"] == "2.8")
    assert after["points"] == 3.75  # 3 of 4 on time: 5 × 0.75
    page = client.get("/admin/scoring-rules/2026").get_data(as_text=True)
    assert "(đã điều chỉnh)" in page
    client.post("/admin/scoring-rules/2026/2.8", data={"csrf_token": token, "params": "{}"})
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(ScoringOverride)).scalar() == 0


def test_a_leader_sets_the_plan_s_survey_quarter_on_the_score_page(client, app, world, auth):
    unit = world["units"]["bach-dang"]
    auth.login("bd.admin")
    page = client.get(f"/admin/scores/{unit}/2026").get_data(as_text=True)
    assert 'id="survey_period"' in page and "Cả năm" in page
    token = auth.csrf(f"/admin/scores/{unit}/2026")
    client.post(f"/admin/scores/{unit}/2026/profile", data={"csrf_token": token, "survey_period": "q4"})
    item = next(i for i in _score_json(client, unit)["items"] if i["code"] == "2.7.b")
    assert "Quý IV/2026" in item["explanation"]
    page = client.get(f"/admin/scores/{unit}/2026").get_data(as_text=True)
    assert '<option value="q4" selected>' in page
