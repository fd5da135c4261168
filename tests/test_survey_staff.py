"""Staff survey pages: QR files decode to the form's URL, posters print, paper forms go in whole or not at all,
versions stay immutable, results are scoped."""

import io
import uuid

import pypdfium2
import zxingcpp
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import func, select

from survey_app.extensions import db
from survey_app.models import QrToken, QuestionnaireVersion, SurveyResponse


def _decode(image: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(image)]


def _token_id(app, token):
    with app.app_context():
        return db.session.execute(select(QrToken.id).where(QrToken.token == token)).scalar()


def _count(app):
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(SurveyResponse)).scalar()


def test_qr_png_svg_and_poster_decode_to_the_form_url(client, app, auth, tokens):
    auth.login("bd.canbo")
    token_id = _token_id(app, tokens[1])
    png = client.get(f"/admin/surveys/qr/{token_id}.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert "bach-dang_" in png.headers["Content-Disposition"] and "quay-1" in png.headers["Content-Disposition"]
    expected = f"http://localhost/q/{tokens[1]}"
    assert _decode(Image.open(io.BytesIO(png.data))) == [expected]
    svg = client.get(f"/admin/surveys/qr/{token_id}.svg")
    assert b"<svg" in svg.data
    for kind in ("poster.pdf", "card.pdf"):
        pdf = client.get(f"/admin/surveys/qr/{token_id}.{kind}")
        assert pdf.mimetype == "application/pdf"
        document = pypdfium2.PdfDocument(pdf.data)
        page = document[0]
        text = page.get_textpage().get_text_range()
        assert "ĐÁNH GIÁ SỰ HÀI LÒNG" in text and "Bạch Đằng" in text and expected in text
        image = page.render(scale=3).to_pil()
        assert _decode(image) == [expected]
        page.close()
        document.close()


def test_centre_sheet_holds_every_counter(client, app, auth, tokens, world):
    auth.login("bd.canbo")
    pdf = client.get(f"/admin/surveys/centres/{world['centres']['bach-dang']}/sheet.pdf")
    document = pypdfium2.PdfDocument(pdf.data)
    image = document[0].render(scale=3).to_pil()
    found = set(_decode(image))
    document.close()
    assert found == {f"http://localhost/q/{tokens[1]}", f"http://localhost/q/{tokens[2]}"}


def test_another_communes_qr_files_are_404(client, app, auth, tokens):
    auth.login("hb.admin")
    assert client.get(f"/admin/surveys/qr/{_token_id(app, tokens[1])}.png").status_code == 404
    response = client.post(f"/admin/surveys/qr/{_token_id(app, tokens[1])}/reissue", data={"csrf_token": auth.csrf()})
    assert response.status_code == 404


def test_qr_export_refuses_without_a_public_url_and_then_prints_it_on_every_file(runner, app, world, tmp_path):
    refused = runner.invoke(args=["qr", "export", str(tmp_path)])
    assert refused.exit_code != 0 and "Chưa đặt HAILONG_PUBLIC_URL" in refused.output
    assert list(tmp_path.iterdir()) == []
    app.config["PUBLIC_BASE_URL"] = "https://hailong.haiphong.gov.vn"
    try:
        result = runner.invoke(args=["qr", "export", str(tmp_path)])
    finally:
        app.config["PUBLIC_BASE_URL"] = None
    assert result.exit_code == 0, result.output
    files = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    folder = "bach-dang/trung-tam-pvhcc-phuong-bach-dang"
    for name in ("trung-tam.png", "trung-tam.svg", "trung-tam_ap-phich-A4.pdf", "quay-01_the-A6.pdf",
                 "quay-02.png", "tat-ca-cac-quay_A4.pdf"):
        assert f"{folder}/{name}" in files
    url = (tmp_path / folder / "quay-01.url.txt").read_text().strip()
    assert url.startswith("https://hailong.haiphong.gov.vn/q/")
    assert _decode(Image.open(tmp_path / folder / "quay-01.png")) == [url]
    poster = pypdfium2.PdfDocument(tmp_path / folder / "quay-01_ap-phich-A4.pdf")
    assert url.removeprefix("https://") in "".join(page.get_textpage().get_text_range() for page in poster)
    poster.close()


def test_blank_questionnaire_pdf_has_every_question(client, auth, world):
    auth.login("bd.canbo")
    pdf = client.get("/admin/surveys/versions/1/blank.pdf")
    document = pypdfium2.PdfDocument(pdf.data)
    text = "".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    document.close()
    assert "Công chức có thái độ giao tiếp lịch sự" in text and "Rất không hài lòng" in text


def _paper_post(client, auth, world, **fields):
    data = {"csrf_token": auth.csrf("/admin/surveys/paper"), "sid": uuid.uuid4().hex,
            "centre_id": world["centres"]["bach-dang"], "day": "20/11/2026", **fields}
    return client.post("/admin/surveys/paper", data=data)


def test_paper_entry_stores_a_form_and_refuses_a_repeat_serial(client, app, auth, world):
    auth.login("bd.canbo")
    response = _paper_post(client, auth, world, serial="0001", counter="2", **{"q-overall": "4", "q-staff.polite": "5"})
    assert response.status_code == 303
    again = _paper_post(client, auth, world, serial="0001", **{"q-overall": "4"})
    assert again.status_code == 400
    assert "Phiếu số “0001” đã được nhập trước đây." in again.get_data(as_text=True)
    bad = _paper_post(client, auth, world, serial="0002", day="31/02/2026", **{"q-overall": "7"})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Ngày trên phiếu không hợp lệ" in html and "Câu trả lời không hợp lệ." in html
    with app.app_context():
        stored = db.session.execute(select(SurveyResponse)).scalars().all()
        assert len(stored) == 1
        assert stored[0].channel == "paper" and stored[0].paper_serial == "0001"
        assert stored[0].counter_id == world["counters"]["bach-dang"][1]
        assert stored[0].answered_at.date().isoformat() == "2026-11-20"


def test_paper_import_template_round_trip_all_or_nothing(client, app, auth, world):
    auth.login("bd.canbo")
    template = client.get("/admin/surveys/paper/template.xlsx")
    wb = load_workbook(io.BytesIO(template.data))
    ws = wb["Phiếu"]
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["Số phiếu", "Ngày", "Quầy"] and "staff.polite" in headers
    col = {h: i for i, h in enumerate(headers)}

    def row(serial, day, overall, polite="", improve=""):
        values = [""] * len(headers)
        values[col["Số phiếu"]], values[col["Ngày"]], values[col["overall"]] = serial, day, overall
        values[col["staff.polite"]], values[col["improve"]] = polite, improve
        return values

    ws.append(row("A1", "01/11/2026", "5", "4", "1;3"))
    ws.append(row("A2", "02/11/2026", "9"))
    ws.append(row("A1", "03/11/2026", "3"))
    buffer = io.BytesIO()
    wb.save(buffer)
    data = {"csrf_token": auth.csrf("/admin/surveys/paper/import"), "centre_id": world["centres"]["bach-dang"],
            "file": (io.BytesIO(buffer.getvalue()), "phieu.xlsx"), "scans": (io.BytesIO(_scan_pdf()), "lo.pdf")}
    response = client.post("/admin/surveys/paper/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Chưa lưu phiếu nào" in html and "trùng với dòng 2" in html and "overall" in html
    assert _count(app) == 0
    ws.delete_rows(3, 2)
    ws.append(row("A2", "02/11/2026", "2"))
    buffer = io.BytesIO()
    wb.save(buffer)
    data["file"] = (io.BytesIO(buffer.getvalue()), "phieu.xlsx")
    data["scans"] = (io.BytesIO(b"GIF89a not a scan"), "lo.pdf")
    no_scan = client.post("/admin/surveys/paper/import", data=data, content_type="multipart/form-data")
    assert no_scan.status_code == 400 and "không được chấp nhận" in no_scan.get_data(as_text=True)
    assert _count(app) == 0
    data["file"] = (io.BytesIO(buffer.getvalue()), "phieu.xlsx")
    data["scans"] = (io.BytesIO(_scan_pdf()), "lo.pdf")
    response = client.post("/admin/surveys/paper/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 303 and "/admin/surveys/paper/batches/" in response.headers["Location"]
    assert _count(app) == 2
    with app.app_context():
        from survey_app.models import PaperBatch

        batch = db.session.execute(select(PaperBatch)).scalar_one()
        assert (batch.source, batch.status, batch.import_filename) == ("import", "submitted", "phieu.xlsx")
        assert [s.content_type for s in batch.scans] == ["application/pdf"]
        assert {r.check_status for r in db.session.execute(select(SurveyResponse)).scalars()} == {"pending"}
    data["file"] = (io.BytesIO(buffer.getvalue()), "phieu.xlsx")
    data["scans"] = (io.BytesIO(_scan_pdf()), "lo.pdf")
    repeat = client.post("/admin/surveys/paper/import", data=data, content_type="multipart/form-data")
    assert repeat.status_code == 400 and "đã được nhập trước đây" in repeat.get_data(as_text=True)
    assert _count(app) == 2


def _scan_pdf() -> bytes:
    """A one-page PDF, as a scanner writes it (made by Pillow)."""
    buffer = io.BytesIO()
    Image.new("RGB", (60, 80), "white").save(buffer, "PDF")
    return buffer.getvalue()


def test_paper_import_rejects_unreadable_files(client, app, auth, world):
    auth.login("bd.canbo")
    for name, payload, message in [("x.xlsx", b"not a workbook", "Không đọc được tệp"),
                                   ("x.csv", "Số phiếu,Ngày,overall\n1,01/11/2026,5\n".encode("utf-16"), "UTF-8"),
                                   ("x.pdf", b"%PDF", "Chỉ nhận tệp")]:
        data = {"csrf_token": auth.csrf("/admin/surveys/paper/import"), "centre_id": world["centres"]["bach-dang"],
                "file": (io.BytesIO(payload), name)}
        response = client.post("/admin/surveys/paper/import", data=data, content_type="multipart/form-data")
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert _count(app) == 0


def test_versions_copy_edit_publish_and_published_is_immutable(client, app, auth, world):
    auth.login("bd.admin")
    refused = client.post("/admin/surveys/versions/1", data={"csrf_token": auth.csrf(), "action": "copy"})
    assert refused.status_code == 403
    client.post("/logout", data={"csrf_token": auth.csrf()})
    auth.login("admin")
    token = auth.csrf()
    response = client.post("/admin/surveys/versions/1", data={"csrf_token": token, "action": "copy"})
    assert response.status_code == 302
    draft_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    with app.app_context():
        definition = db.session.get(QuestionnaireVersion, draft_id).definition
    import json

    definition["sections"][0]["questions"][0]["text"]["vi"] = "Ông/Bà hài lòng với Trung tâm hôm nay không?"
    ok = client.post(f"/admin/surveys/versions/{draft_id}", data={
        "csrf_token": token, "action": "save", "definition": json.dumps(definition, ensure_ascii=False)})
    assert ok.status_code == 302
    definition["sections"][0]["questions"][0]["type"] = "text"
    changed_type = client.post(f"/admin/surveys/versions/{draft_id}", data={
        "csrf_token": token, "action": "save", "definition": json.dumps(definition, ensure_ascii=False)})
    assert changed_type.status_code == 400 and "giữ nguyên loại" in changed_type.get_data(as_text=True)
    broken = client.post(f"/admin/surveys/versions/{draft_id}", data={
        "csrf_token": token, "action": "save", "definition": "{not json"})
    assert broken.status_code == 400 and "JSON không hợp lệ" in broken.get_data(as_text=True)
    assert client.post(f"/admin/surveys/versions/{draft_id}", data={
        "csrf_token": token, "action": "publish"}).status_code == 302
    published = client.post(f"/admin/surveys/versions/{draft_id}", data={
        "csrf_token": token, "action": "save", "definition": "{}"})
    assert published.status_code == 400 and "không thể sửa" in published.get_data(as_text=True)


def test_results_page_shows_indices_for_the_own_commune_only(client, app, auth, tokens, world):
    citizen = app.test_client()
    form = citizen.get(f"/q/{tokens[1]}").get_data(as_text=True)
    from tests.conftest import csrf_from

    sid = form.split('name="sid" value="')[1].split('"')[0]
    citizen.post(f"/q/{tokens[1]}", data={"csrf_token": csrf_from(form), "sid": sid, "q-overall": "5",
                                          "q-staff.polite": "5"})
    auth.login("bd.canbo")
    html = client.get("/admin/surveys/results").get_data(as_text=True)
    assert "1 phiếu hợp lệ" in html and "100,0%" in html
    assert client.get(f"/admin/surveys/results?unit_id={world['units']['hoa-binh']}").status_code == 404
