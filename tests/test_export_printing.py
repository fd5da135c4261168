"""Every document prints right: workbooks carry an A4 page setup that fits the table to one page wide, repeats its
header and gives wrapped cells the height their text needs; the Bảng tự chấm điểm workbook opens with the
Nghị định 30 header; LibreOffice turns every workbook and Word file into a PDF whose pages poppler reads back
(page count, no column split across pages, no clipped text); the evidence ZIP's charts show what their item is
about; the web's whole dossier is one ZIP; the city summary shows official unit codes; the blank paper
questionnaire prints its body text at 11 pt or more."""

from __future__ import annotations

import ctypes
import io
import json
import math
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from datetime import date
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from reports.dossier import build, bundle_zip, collect, file_names
from reports.exporters import city_summary, docx_layout, evidence_zip, letters, sheets
from reports.exporters.letters import LateDossier
from reports.scoring import appraisal
from survey_app.extensions import db
from survey_app.models import AdminUnit
from survey_app.numbers import number_vi
from survey_app.services.demo_data import generate_annual_survey
from tests.test_dossier_documents import _fill

AS_OF = date(2026, 11, 30)
A4_PT = (595.28, 841.89)


def _dossier(world):
    """Bạch Đằng with centre surveys (March–June), dossiers, one entered item and the Quý IV annual survey."""
    _fill(world)
    unit = db.session.get(AdminUnit, world["units"]["bach-dang"])
    generate_annual_survey(db.session, 2026, per_unit=60, units=[unit])
    db.session.commit()
    return collect(db.session, unit, 2026, AS_OF)


def _workbooks(files: dict[str, bytes]) -> dict[str, bytes]:
    """Every workbook of the dossier, those inside the evidence ZIP included."""
    out = {name: data for name, data in files.items() if name.endswith(".xlsx")}
    for name, data in files.items():
        if name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                out.update({n: archive.read(n) for n in archive.namelist() if n.endswith(".xlsx")})
    return out


# -- 1. page setup ---------------------------------------------------------------------------------------------


def _check_sheet(label: str, ws) -> list[str]:
    problems = []
    setup = ws.page_setup
    if str(setup.paperSize) != str(ws.PAPERSIZE_A4):
        problems.append(f"{label}: paper {setup.paperSize}")
    if not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage:
        problems.append(f"{label}: not fit to page")
    if setup.fitToWidth not in (1, "1") or setup.fitToHeight not in (0, "0"):
        problems.append(f"{label}: fit {setup.fitToWidth}×{setup.fitToHeight}")
    width = sheets.table_width(ws)
    wanted = "landscape" if width > sheets.PORTRAIT_WIDTH else "portrait"
    if setup.orientation != wanted:
        problems.append(f"{label}: {setup.orientation} for a table {width} wide")
    if not ws.print_title_rows:
        problems.append(f"{label}: no repeated header row")
    if ws.page_margins.left < 0.3 or ws.page_margins.left > 1.2 or ws.page_margins.top < 0.3:
        problems.append(f"{label}: margins {ws.page_margins.left}/{ws.page_margins.top}")
    for row in ws.iter_rows():
        for cell in row:
            if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
                continue
            lines = sheets.lines_needed(ws, cell)
            size = (cell.font.sz or 11) if cell.font else 11
            height = ws.row_dimensions[cell.row].height
            if lines > 1 and (height is None or height < lines * size * 1.2):
                problems.append(f"{label}!{cell.coordinate}: {lines} lines in a row {height} pt high")
    return problems


def test_every_sheet_of_every_workbook_is_set_up_for_a4_one_page_wide(app, client, auth, world):
    with app.app_context():
        bundle = _dossier(world)
        files = build(bundle)
        summary = city_summary.xlsx(appraisal.city_summary(db.session, 2026))
    books = _workbooks(files) | {"city_summary.xlsx": summary}
    auth.login("admin")
    books["dashboard.xlsx"] = client.get(f"/dashboard/{world['units']['bach-dang']}/data.xlsx?year=2026").data
    books["dashboard-city.xlsx"] = client.get("/dashboard/city/data.xlsx?year=2026").data
    problems = []
    for name, data in books.items():
        book = load_workbook(io.BytesIO(data))
        for ws in book:
            problems += _check_sheet(f"{name}:{ws.title}", ws)
    assert not problems, problems[:20]


# -- 2. the Nghị định 30 header on the Bảng tự chấm điểm ---------------------------------------------------------


def test_the_self_scoring_workbook_opens_with_the_administrative_document_header(app, world):
    with app.app_context():
        unit = db.session.get(AdminUnit, world["units"]["bach-dang"])
        files = build(collect(db.session, unit, 2026, date(2026, 6, 30)))
        issuer = collect(db.session, unit, 2026, date(2026, 6, 30)).score.unit.issuer
    ws = load_workbook(io.BytesIO(files[file_names("bach-dang", 2026)["table_xlsx"]])).active
    head = [[ws.cell(r, c).value for c in range(1, ws.max_column + 1)] for r in range(1, 8)]
    left = "\n".join(str(row[0] or "") for row in head)
    right = "\n".join(str(v or "") for row in head for v in row[1:])
    for line in issuer.body_lines:
        assert line.upper() in left
    assert docx_layout.QUOC_HIEU in right and docx_layout.TIEU_NGU in right
    assert docx_layout.vietnamese_date(None, issuer.place) in right
    assert docx_layout.QUOC_HIEU not in left and issuer.body_lines[-1].upper() not in right
    # the table's own title and header still follow the head
    values = [list(row) for row in ws.iter_rows(values_only=True)]
    date_row = next(i for i, r in enumerate(values) if docx_layout.vietnamese_date(None, issuer.place) in r)
    title_row = next(i for i, r in enumerate(values) if r[0] == "BẢNG TỰ CHẤM ĐIỂM")
    header_row = next(i for i, r in enumerate(values) if r[0] == "TT" and r[1] == "Nội dung tiêu chí")
    assert date_row < title_row < header_row
    assert ws.print_title_rows == f"${header_row + 1}:${header_row + 1}"


# -- 3. LibreOffice and poppler ----------------------------------------------------------------------------------


def _convert(tmp_path: Path, paths: list[Path]) -> None:
    profile = tmp_path / "lo-profile"
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{profile}", "--convert-to", "pdf",
                    "--outdir", str(tmp_path / "pdf"), *map(str, paths)], check=True, capture_output=True,
                   timeout=300)


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                          timeout=60).stdout.decode("utf-8")
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def _info(pdf: Path) -> tuple[int, tuple[float, float]]:
    out = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, timeout=60).stdout.decode()
    pages = int(re.search(r"Pages:\s+(\d+)", out).group(1))
    w, h = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", out).groups()
    return pages, (float(w), float(h))


def _overlaps(pdf: Path) -> list[str]:
    """Words printed over one another (a wrapped cell taller than its row runs into the next one), per page."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                         timeout=60).stdout.decode("utf-8")
    found = []
    for number, page in enumerate(xml.split("<page ")[1:], start=1):
        boxes = [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<', page)]
        boxes.sort()
        for i, (x0, y0, x1, y1, word) in enumerate(boxes):
            for u0, v0, u1, v1, other in boxes[i + 1:]:
                if u0 >= x1:
                    break
                dx, dy = min(x1, u1) - max(x0, u0), min(y1, v1) - max(y0, v0)
                if dx > 1 and dy > 0.3 * min(y1 - y0, v1 - v0):
                    found.append(f"p.{number}: {word!r} over {other!r}")
    return found


def _words(text: str) -> Counter:
    return Counter(re.findall(r"\w+", text.lower()))


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                    reason="LibreOffice and poppler are installed by `python3 dev.py test`")
def test_libreoffice_prints_every_export_one_page_wide_with_nothing_clipped(app, world, tmp_path):
    with app.app_context():
        bundle = _dossier(world)
        files = build(bundle)
        summary_data = appraisal.city_summary(db.session, 2026)
    names = file_names("bach-dang", 2026)
    exports = {name: data for name, data in files.items() if name.endswith((".xlsx", ".docx"))}
    exports["city_summary.xlsx"] = city_summary.xlsx(summary_data)
    exports["city_summary.docx"] = city_summary.docx(summary_data)
    exports["letter.docx"] = letters.letter(bundle.score.unit, LateDossier(
        "TRE-01", "Đăng ký kết hôn", AS_OF, date(2026, 4, 8), None))
    with zipfile.ZipFile(io.BytesIO(files[names["evidence"]])) as archive:
        item = next(n for n in archive.namelist() if n.endswith("2.8_giai-trinh-va-so-lieu.xlsx"))
        exports["item-2.8.xlsx"] = archive.read(item)
        exports["muc-luc.docx"] = archive.read("00_Muc-luc.docx")
    (tmp_path / "in").mkdir()
    paths = []
    for name, data in exports.items():
        path = tmp_path / "in" / _pdf_stem(name)
        path = path.with_name(path.name + "." + name.rsplit(".", 1)[1])
        path.write_bytes(data)
        paths.append(path)
    _convert(tmp_path, paths)

    problems = []
    for name, data in exports.items():
        pdf = tmp_path / "pdf" / (_pdf_stem(name) + ".pdf")
        assert pdf.exists(), name
        count, size = _info(pdf)
        pages = _pages(pdf)
        assert len(pages) == count, name
        if not name.endswith(".xlsx"):
            # a Word table is never wider than the page between its margins (it cannot continue on another page)
            document = Document(io.BytesIO(data))
            for table in document.tables:
                width = sum(int(c.get(qn("w:w"))) * 635 for c in table._tbl.tblGrid.findall(qn("w:gridCol")))
                if width > docx_layout.usable_width(document) + 635 * 20:
                    problems.append(f"{name}: a table {width} EMU wide")
            continue
        book = load_workbook(io.BytesIO(data))
        landscape = book.active.page_setup.orientation == "landscape"
        if sorted(size) != pytest.approx(sorted(A4_PT), abs=1) or (size[0] > size[1]) != landscape:
            problems.append(f"{name}: page {size}, landscape={landscape}")
        problems += [f"{name}: {o}" for o in _overlaps(pdf)[:5]]
        # every cell's words are printed (a row too low, or a column cut off, loses words)
        printed = _words("\n".join(pages))
        wanted = Counter()
        for ws in book:
            for row in ws.iter_rows(values_only=True):
                for v in row:
                    if isinstance(v, str):
                        wanted += _words(v.lstrip("'"))
        missing = wanted - printed
        if missing:
            problems.append(f"{name}: words not printed {list(missing.items())[:8]}")
        # one page wide: the first sheet's table header is on every one of its pages, first and last column alike
        ws = book.worksheets[0]
        header_row = int(ws.print_title_rows.split(":")[0].strip("$"))
        header = [ws.cell(header_row, c).value for c in range(1, ws.max_column + 1)]
        first, last = _flat(str(header[0])), _flat(str([h for h in header if h][-1]))
        sheet_pages = pages if len(book.worksheets) == 1 else pages[:_first_sheet_pages(pages, book)]
        for number, page in enumerate(sheet_pages, start=1):
            flat = _flat(page)
            if first not in flat or last.split()[0] not in flat:
                problems.append(f"{name} p.{number}: header {first!r}…{last!r} not whole")
        expected = sheets.expected_pages(ws)
        if abs(len(sheet_pages) - expected) > 1:
            problems.append(f"{name}: {len(sheet_pages)} pages, the rows need about {expected}")
    assert not problems, problems

    # the Word documents: a letter is one page; the table's head is on the page of its first row
    assert _info(tmp_path / "pdf" / (_pdf_stem("letter.docx") + ".pdf"))[0] == 1
    table = _pages(tmp_path / "pdf" / (_pdf_stem(names["table_docx"]) + ".pdf"))
    assert docx_layout.QUOC_HIEU in table[0] and "Tài liệu minh chứng" in _flat(table[0])


def _pdf_stem(name: str) -> str:
    """The PDF's name: the workbook and the Word file of a document share a stem, so the extension joins it."""
    stem, ext = name.rsplit(".", 1)
    return f"{stem}_{ext}"


def _first_sheet_pages(pages: list[str], book) -> int:
    """Pages of the first sheet: up to the page where the second sheet's first value appears."""
    second = book.worksheets[1]
    marker = _flat(str(next(v for row in second.iter_rows(values_only=True) for v in row if v)))[:30]
    for index, page in enumerate(pages):
        if marker in _flat(page):
            return index
    return len(pages)


# -- 4. the evidence ZIP's charts ----------------------------------------------------------------------------------


class SpecRenderer:
    """Stands in for the PNG renderer: each "picture" is the figure's spec as JSON, so a test reads what it shows."""

    available, problem = True, ""

    def png(self, spec, width: int = 900, height: int = 450) -> bytes:
        return json.dumps(spec, ensure_ascii=False).encode()


def test_the_annual_survey_item_charts_the_annual_survey_with_vietnamese_labels(app, world):
    with app.app_context():
        bundle = _dossier(world)
    annual = next(b for b in bundle.surveys if b.code == "annual-friendly-government")
    centre = next(b for b in bundle.surveys if b is not annual and b.scope == "Toàn đơn vị")
    assert annual.responses > 0 and centre.responses > 0
    with zipfile.ZipFile(io.BytesIO(evidence_zip.build(bundle, SpecRenderer()))) as archive:
        charts = {n: json.loads(archive.read(n)) for n in archive.namelist()
                  if n.endswith(".png") and "/tep-dinh-kem/" not in n}
    a = next(spec for n, spec in charts.items() if "/2.7.a_" in n and "chi-so-hai-long" in n)
    b = next(spec for n, spec in charts.items() if "/2.7.b_" in n and "chi-so-hai-long" in n)
    assert a != b
    assert annual.questionnaire in b["layout"]["title"]["text"]
    assert centre.questionnaire in a["layout"]["title"]["text"]
    assert b["data"][0]["x"] == [e.name for e in annual.sipas.elements]
    assert b["data"][0]["y"] == [round(e.index * 100, 2) for e in annual.sipas.elements]
    # every bar label is the value in Vietnamese style, two decimals where the value has them
    for name, spec in charts.items():
        for trace in spec["data"]:
            if "text" in trace:
                values = trace["y"] if trace.get("orientation") != "h" else trace["x"]
                assert trace["text"] == [number_vi(v, 2) for v in values], name
    overview = charts["00_Tong-quan_diem-theo-tieu-chi.png"]
    points = next(t for t in overview["data"] if "text" in t)
    assert points["text"] == [number_vi(c.points, 2) for c in bundle.score.criteria]


def test_chart_labels_keep_the_quarter_points():
    from reports.exporters import charts

    spec = charts.points_chart("Điểm", ["2.4", "2.7"], [9.25, 3.5], [10, 4])
    assert spec["data"][1]["text"] == ["9,25", "3,5"]
    assert charts.bar("%", ["a"], [92.67])["data"][0]["text"] == ["92,67"]


# -- 5. the whole dossier from the web is one ZIP ----------------------------------------------------------------


def test_the_whole_dossier_is_one_zip_with_the_evidence_as_folders(app, world):
    with app.app_context():
        unit = db.session.get(AdminUnit, world["units"]["bach-dang"])
        files = build(collect(db.session, unit, 2026, date(2026, 6, 30)))
    names = file_names("bach-dang", 2026)
    with zipfile.ZipFile(io.BytesIO(bundle_zip(files))) as archive:
        entries = archive.namelist()
        assert not [e for e in entries if e.lower().endswith(".zip")]
        folder = names["evidence"][:-4] + "/"
        with zipfile.ZipFile(io.BytesIO(files[names["evidence"]])) as evidence:
            inner = evidence.namelist()
            assert {folder + n for n in inner} <= set(entries)
            assert archive.read(folder + "00_Muc-luc.docx") == evidence.read("00_Muc-luc.docx")
        others = {n for n in names.values() if n != names["evidence"]}
        assert others <= set(entries)


# -- 6. the city summary shows official unit codes ---------------------------------------------------------------


def test_the_city_summary_shows_official_unit_codes_not_slugs(app, world):
    with app.app_context():
        unit = db.session.get(AdminUnit, world["units"]["bach-dang"])
        unit.official_code = "11311"
        db.session.commit()
        summary = appraisal.city_summary(db.session, 2026)
    rows = [list(r) for r in load_workbook(io.BytesIO(city_summary.xlsx(summary))).active.iter_rows(values_only=True)]
    header = next(r for r in rows if r[0] == "TT")
    code_column = header.index("Mã ĐVHC")
    shown = {r[code_column + 1]: r[code_column] for r in rows if isinstance(r[0], int)}
    assert shown["Phường Bạch Đằng"] == "11311"
    assert shown["Phường Hòa Bình"] in ("", None, "—")  # no official code yet: never the slug
    codes = [r[code_column] for r in rows if isinstance(r[0], int)]
    assert "bach-dang" not in codes and "hoa-binh" not in codes
    document = Document(io.BytesIO(city_summary.docx(summary)))
    cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
    assert "11311" in cells and "bach-dang" not in cells and "Mã ĐVHC" in cells


# -- 7. the blank paper questionnaire is legible ----------------------------------------------------------------


def _font_sizes(pdf_bytes: bytes) -> Counter:
    """Characters per font size (rounded to 0,5 pt) over every page, read back from the PDF."""
    pdf = pypdfium2.PdfDocument(pdf_bytes)
    sizes: Counter = Counter()
    try:
        for page in pdf:
            textpage = page.get_textpage()
            for index in range(textpage.count_chars()):
                char = pdfium_c.FPDFText_GetUnicode(textpage.raw, index)
                if chr(char).isspace():
                    continue
                size = pdfium_c.FPDFText_GetFontSize(textpage.raw, index)
                matrix = pdfium_c.FS_MATRIX()
                if pdfium_c.FPDFText_GetMatrix(textpage.raw, index, ctypes.byref(matrix)):
                    size *= math.hypot(matrix.a, matrix.b) or 1
                sizes[round(size * 2) / 2] += 1
    finally:
        pdf.close()
    return sizes


def test_the_blank_paper_questionnaire_prints_body_text_at_11_pt_or_more(app, world):
    from survey_app.services.surveys import current_version, definition_of, questionnaire_by_code
    from survey_app.surveys.printing import blank_questionnaire_pdf

    with app.app_context():
        for code in ("centre-service", "annual-friendly-government"):
            version = current_version(questionnaire_by_code(code).id)
            definition = definition_of(version)
            pdf = blank_questionnaire_pdf(definition, version.number, "Phường Bạch Đằng")
            sizes = _font_sizes(pdf)
            assert sizes and min(sizes) >= 11, (code, sorted(sizes.items()))
            text = "\n".join(p.get_textpage().get_text_range() for p in pypdfium2.PdfDocument(pdf))
            first = next(iter(definition.questions.values()))
            assert first.label("vi")[:20] in _flat(text)


def test_an_items_workbook_shows_the_year_plain_and_a_share_as_a_percentage(app, world):
    """Seen in the LibreOffice PDF: "Năm đánh giá 2.026" (a year grouped like a count) and a share printed as
    0,917721518987342."""
    from survey_app.numbers import percent_vi

    with app.app_context():
        bundle = _dossier(world)
    item = next(i for i in bundle.score.items if i.code == "2.8")
    ws = load_workbook(io.BytesIO(evidence_zip.item_workbook(bundle.score, item)))["Giải trình"]
    cells = {row[0].value: row[1] for row in ws.iter_rows(min_row=2)}
    year = cells["Năm đánh giá"]
    assert year.value == "2026" or (year.value == 2026 and "#,##" not in year.number_format)
    share = cells["Số liệu: Tỷ lệ đúng hạn"]
    assert share.value == percent_vi(item.figures["share"])


def test_a_machine_without_chromium_gets_documents_without_charts_instead_of_a_hang(monkeypatch):
    """Kaleido's server thread dies at once when no browser is found, and a figure then waited for it forever (the
    bench's dossier export hung so on a machine without Chromium). The renderer looks for the browser first."""
    from choreographer.browsers.chromium import Chromium

    from reports.exporters.charts import Renderer

    monkeypatch.setattr(Chromium, "find_browser", classmethod(lambda cls, **kwargs: None))
    with Renderer() as renderer:
        assert renderer.png({"data": [{"type": "bar", "x": [1], "y": [2]}], "layout": {}}) is None
        assert not renderer.available and "Chromium" in renderer.problem
