"""The evidence dossier as the appraisers get it: every file opened by its own library (openpyxl, python-docx, a
PDF reader) and checked against the figures the score computes; Word files converted by LibreOffice; a commune
with no data still gets a correct dossier."""

import io
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import pypdfium2
import pytest
from docx import Document
from openpyxl import load_workbook
from PIL import Image

from reports.dossier import build, collect, file_names
from reports.jobs import refresh
from reports.scoring.engine import score
from survey_app.extensions import db
from survey_app.models import AdminUnit, Dossier, ScoreAttachment, ScoreEntry
from survey_app.services.demo_data import DossierPlan, SurveyPlan, generate_dossiers, generate_survey_responses
from survey_app.services.workdays import end_of_local_day
from survey_app.timeutil import LOCAL_TZ
from tests.conftest import save_screenshot

AS_OF = date(2026, 6, 30)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "navy").save(buffer, format="PNG")
    return buffer.getvalue()


def _fill(world) -> None:
    """Three months of responses and dossiers for Bạch Đằng, one entered item with a dangerous note and a file."""
    unit = db.session.get(AdminUnit, world["units"]["bach-dang"])
    generate_survey_responses(db.session, SurveyPlan(start=date(2026, 3, 2), days=90, per_day=4),
                              centres=[unit_centre(unit)])
    generate_dossiers(db.session, DossierPlan(start=date(2026, 3, 2), days=90, per_day=3, late_share=0.05),
                      units=[unit])
    received = datetime(2026, 4, 6, 9, tzinfo=LOCAL_TZ)
    db.session.add(Dossier(unit_id=unit.id, code="TRE-01", procedure="Đăng ký kết hôn", field="Hộ tịch",
                           received_at=received, received_day=received.date(),
                           due_at=end_of_local_day(date(2026, 4, 8)),
                           settled_at=datetime(2026, 4, 10, 15, tzinfo=LOCAL_TZ)))
    # entered and uploaded before the documents' as-of date (30/06): a score as of a day sees the entries of then
    entered = datetime(2026, 6, 15, 10, tzinfo=LOCAL_TZ)
    db.session.add(ScoreEntry(unit_id=unit.id, year=2026, item_code="2.3", points=2.5, entered_at=entered,
                              note="=HYPERLINK(\"http://x\") Sổ trực tình nguyện viên"))
    db.session.add(ScoreAttachment(unit_id=unit.id, year=2026, item_code="2.3", filename="so-truc.png",
                                   content_type="image/png", size=len(_png()), data=_png(), uploaded_at=entered))
    db.session.commit()
    refresh(db.session, full=True)
    db.session.commit()


def unit_centre(unit):
    from survey_app.models import ServiceCentre

    return db.session.query(ServiceCentre).filter_by(unit_id=unit.id).one()


def _docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _pdf_text(data: bytes) -> str:
    pdf = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def _poppler_text(path: Path) -> str:
    """Text of a PDF LibreOffice wrote (poppler keeps the reading order where it mixes fonts for diacritics)."""
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode("utf-8")


def _row_by_code(sheet, code: str) -> list:
    for row in sheet.iter_rows(values_only=True):
        if row and row[0] == code:
            return list(row)
    raise AssertionError(f"no row {code}")


def test_cli_writes_every_document_with_the_computed_figures(runner, app, world, tmp_path):
    with app.app_context():
        _fill(world)
        unit = db.session.get(AdminUnit, world["units"]["bach-dang"])
        expected = score(db.session, unit, 2026, AS_OF)
        bundle = collect(db.session, unit, 2026, AS_OF)
        whole = bundle.surveys[0]
    result = runner.invoke(args=["reports", "dossier", "--unit", "bach-dang", "--year", "2026", "--out",
                                 str(tmp_path), "--as-of", "30/06/2026"])
    assert result.exit_code == 0, result.output
    names = file_names("bach-dang", 2026)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names.values())

    # Bảng tự chấm điểm, XLSX: every item, the total and the level, as computed
    sheet = load_workbook(tmp_path / names["table_xlsx"]).active
    assert _row_by_code(sheet, "2.8")[3] == expected.item("2.8").points
    assert _row_by_code(sheet, "2.3")[3] == 2.5
    assert "Sổ trực tình nguyện viên" in _row_by_code(sheet, "2.3")[4]
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    total = next(r for r in values if r[1] == "TỔNG ĐIỂM")
    level = next(r for r in values if r[1] == "XẾP LOẠI")
    assert total[3] == expected.total and level[3].startswith(expected.level_name)
    assert sum(1 for r in values if r[0] and str(r[0])[0].isdigit() and r[1] and r[2] is not None) >= 69

    # the same table in Word and PDF
    text = _docx_text((tmp_path / names["table_docx"]).read_bytes())
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and "Độc lập - Tự do - Hạnh phúc" in text
    assert "BẢNG TỰ CHẤM ĐIỂM" in text and f"{expected.total:g}".replace(".", ",") in text
    pdf_text = _pdf_text((tmp_path / names["table_pdf"]).read_bytes())
    assert "TỔNG ĐIỂM" in pdf_text and "Chính quyền thân thiện" in pdf_text

    # survey summary: n and the index as the survey summary computes them
    survey = load_workbook(tmp_path / names["survey_xlsx"]).active
    rows = [list(r) for r in survey.iter_rows(values_only=True)]
    overall = next(r for r in rows if r[0] == "CHỈ SỐ HÀI LÒNG CHUNG (SIPAS)")
    assert overall[1] == whole.responses > 0
    assert overall[7] == pytest.approx(round(whole.sipas.index * 100, 2))
    assert "Tiếp cận dịch vụ" in _docx_text((tmp_path / names["survey_docx"]).read_bytes())

    # the draft report: total, level, each criterion's points, the 2.8 explanation; placeholders left for prose
    report = _docx_text((tmp_path / names["report"]).read_bytes())
    assert f"{expected.total:g}".replace(".", ",") + "/100 điểm" in report and expected.level_name in report
    assert expected.item("2.8").explanation in report
    for criterion in expected.criteria:
        assert f"{criterion.text.split(':')[0]} đạt {criterion.points:g}".replace(".", ",") in report
    assert "I. CÔNG TÁC CHỈ ĐẠO, TRIỂN KHAI" in report and "III. PHƯƠNG HƯỚNG" in report and "[Nêu" in report
    assert "Kính gửi: Chủ tịch Ủy ban nhân dân thành phố Hải Phòng (qua Sở Nội vụ)" in _docx_text(
        (tmp_path / names["submission"]).read_bytes())

    # the evidence ZIP: a folder per criterion, a workbook per item, the staff's file, an index
    with zipfile.ZipFile(tmp_path / names["evidence"]) as archive:
        entries = archive.namelist()
        assert {e.split("/")[0] for e in entries if "/" in e} == {
            "Tieu-chi-1_chinh-quyen-cong-khai-minh-bach", "Tieu-chi-2_chinh-quyen-than-thien-hanh-dong-vi-nhan",
            "Tieu-chi-3_chinh-quyen-co-doi-ngu-can-bo-cong-chuc", "Tieu-chi-4_chinh-quyen-xanh-van-minh-hien-dai"}
        assert sum(1 for e in entries if e.endswith("_giai-trinh-va-so-lieu.xlsx")) == 69
        attached = next(e for e in entries if e.endswith("tep-dinh-kem/so-truc.png"))
        assert archive.read(attached) == _png()
        assert any(e.endswith("2.8_dung-han-qua-han.png") for e in entries)
        item = next(e for e in entries if e.endswith("2.8_giai-trinh-va-so-lieu.xlsx"))
        book = load_workbook(io.BytesIO(archive.read(item)))
        late_codes = [r[0] for r in book["Số liệu"].iter_rows(min_row=2, values_only=True)]
        assert "TRE-01" in late_codes and len(late_codes) == expected.item("2.8").figures["late"]
        entered = next(e for e in entries if e.endswith("2.3_giai-trinh-va-so-lieu.xlsx"))
        facts = dict(load_workbook(io.BytesIO(archive.read(entered)))["Giải trình"].iter_rows(values_only=True))
        assert facts["Ghi chú của cán bộ"].startswith("'=HYPERLINK")  # staff text cannot run as a formula
        index = _docx_text(archive.read("00_Muc-luc.docx"))
        assert "DANH MỤC TÀI LIỆU MINH CHỨNG" in index and "so-truc.png" in index


def test_a_commune_with_no_data_gets_a_dossier_of_zeros(app, world):
    with app.app_context():
        unit = db.session.get(AdminUnit, world["units"]["hoa-binh"])
        files = build(collect(db.session, unit, 2026, AS_OF))
    names = file_names("hoa-binh", 2026)
    sheet = load_workbook(io.BytesIO(files[names["table_xlsx"]])).active
    total = next(list(r) for r in sheet.iter_rows(values_only=True) if r[1] == "TỔNG ĐIỂM")
    assert total[3] == 0
    assert "chưa có dữ liệu" in _docx_text(files[names["survey_docx"]])
    assert "chưa có dữ liệu" in _docx_text(files[names["report"]])
    with zipfile.ZipFile(io.BytesIO(files[names["evidence"]])) as archive:
        assert "00_Muc-luc.docx" in archive.namelist()


def test_documents_name_their_date_show_blank_items_and_never_print_staff_notes(app, world):
    """Finding 8: a commune far below the standard is not asked to be recognised "đạt chuẩn"; the table's note about
    Tiêu chí 2 (25 against 24) stays on staff pages; every document names the as-of date and the blank items."""
    with app.app_context():
        unit = db.session.get(AdminUnit, world["units"]["hoa-binh"])
        result = score(db.session, unit, 2026, AS_OF)
        bundle = collect(db.session, unit, 2026, AS_OF)
        files = build(bundle)
    blank = [s.item.code for s in result.items if s.source == "missing"]
    assert result.level_code == "khong_dat" and blank and result.discrepancies
    blank_text = f"còn {len(blank)}/69 mục chưa chấm: {', '.join(blank)}"
    names = file_names("hoa-binh", 2026)
    request = _docx_text(files[names["submission"]])
    assert "công nhận" not in request and "đề nghị thẩm định" not in request
    assert "chưa đạt chuẩn" in request and "báo cáo kết quả tự đánh giá" in request
    assert "số liệu tính đến ngày 30/06/2026" in request and blank_text in request
    report = _docx_text(files[names["report"]])
    assert "cộng lại 25" not in report and "Ghi chú:" not in report
    assert "số liệu tính đến ngày 30/06/2026" in report and blank_text in report
    for name in ("table_docx",):
        text = _docx_text(files[names[name]])
        assert "số liệu tính đến ngày 30/06/2026" in text and blank_text in text and "cộng lại 25" not in text
    book = load_workbook(io.BytesIO(files[names["table_xlsx"]]))
    assert book.sheetnames == ["Bảng tự chấm điểm"]
    heading = next(v for v in (c.value for c in book.active["A"]) if isinstance(v, str) and "tính đến" in v)
    assert "số liệu tính đến ngày 30/06/2026" in heading and blank_text in heading
    assert "cộng lại 25" not in _pdf_text(files[names["table_pdf"]])
    assert "Số liệu tính đến ngày 30/06/2026" in _docx_text(files[names["survey_docx"]])
    survey = load_workbook(io.BytesIO(files[names["survey_xlsx"]])).active
    assert "Số liệu tính đến ngày 30/06/2026" in survey.cell(2, 1).value
    assert "61/2018" not in request + report
    survey_text = _docx_text(files[names["survey_docx"]])  # TT 01's indicators only as a reference scale, said so
    assert ("theo Thang tham chiếu: chín chỉ tiêu 2/1/0 điểm của Thông tư 01/2018/TT-VPCP (đã hết hiệu lực"
            in survey_text)
    assert "theo Phương pháp SIPAS hiện hành của Bộ Nội vụ" in survey_text and "1001/QĐ-BNV" not in survey_text


def test_the_request_asks_for_recognition_only_at_a_level_of_the_standard(app, world):
    from dataclasses import replace

    from reports.exporters import report_docx

    with app.app_context():
        unit = db.session.get(AdminUnit, world["units"]["hoa-binh"])
        bundle = collect(db.session, unit, 2026, AS_OF)
    reached = replace(bundle, score=replace(bundle.score, total=86.5, level="Mức 2", level_code="muc_2"))
    text = _docx_text(report_docx.to_trinh(reached))
    assert "Về việc đề nghị thẩm định, công nhận phường Hòa Bình đạt chuẩn mô hình" in text and "(Mức 2)" in text
    assert "công nhận phường Hòa Bình đạt chuẩn mô hình “Chính quyền thân thiện” năm 2026, Mức 2." in text
    disqualified = replace(reached, score=replace(reached.score, disqualified=["Có cán bộ bị kỷ luật"]))
    assert "công nhận" not in _docx_text(report_docx.to_trinh(disqualified))


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is installed by `python3 dev.py test`")
def test_word_files_open_in_libreoffice_with_every_diacritic(app, world, tmp_path, backend):
    with app.app_context():
        _fill(world)
        unit = db.session.get(AdminUnit, world["units"]["bach-dang"])
        bundle = collect(db.session, unit, 2026, AS_OF)
    from reports.exporters import letters, report_docx, score_table
    from reports.exporters.letters import LateDossier

    (tmp_path / "bao-cao.docx").write_bytes(report_docx.bao_cao(bundle))
    (tmp_path / "bang-diem.docx").write_bytes(score_table.docx(bundle.score))
    (tmp_path / "thu-xin-loi.docx").write_bytes(letters.letter(bundle.score.unit, LateDossier(
        "TRE-01", "Đăng ký kết hôn", datetime(2026, 4, 6, 9), date(2026, 4, 8), datetime(2026, 4, 10, 15))))
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), *(str(tmp_path / n) for n in ("bao-cao.docx", "bang-diem.docx",
                                                                              "thu-xin-loi.docx"))],
                   check=True, capture_output=True, timeout=180)
    report = _poppler_text(tmp_path / "bao-cao.pdf")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in report and "phường Bạch Đằng" in report
    assert "số liệu tính đến ngày 30/06/2026" in report
    letter = _poppler_text(tmp_path / "thu-xin-loi.pdf")
    assert "VĂN BẢN XIN LỖI" in letter and "TRE-01" in letter and "chân thành xin lỗi" in letter
    assert "BẢNG TỰ CHẤM ĐIỂM" in _poppler_text(tmp_path / "bang-diem.pdf")
    if backend == "sqlite":
        for name in ("bao-cao", "bang-diem", "thu-xin-loi"):
            subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(tmp_path / f"{name}.pdf"),
                            str(tmp_path / name)], check=True, timeout=60)
            page = next(Path(tmp_path).glob(f"{name}-*1.png"))
            save_screenshot(f"dossier-{name}.png", image=Image.open(page))
