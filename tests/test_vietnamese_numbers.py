"""One helper formats numbers the Vietnamese way; no page, file or command output shows a decimal point."""

import io
import re
import zipfile

from docx import Document
from openpyxl import load_workbook

from reports.dossier import build, collect
from survey_app.extensions import db
from survey_app.models import AdminUnit
from survey_app.numbers import interval_vi, number_vi, percent_vi, size_vi
from tests.test_dossier_documents import AS_OF, _fill
from tests.test_plain_words import visible_text

#: A number written with a decimal point: "84.4%", "9.25/10", "3.5 điểm", "1.2 MB", a mean "4.17". Dotted codes
#: ("2.7.b", "1.2") and thousands ("12.345") are not numbers with a decimal point and are left alone.
#: "mục 1.1 điểm a" is a clause of a legal text (điểm a = point a), not 1.1 points: a lone letter after "điểm"
#: marks a clause.
DECIMAL_POINT = re.compile(
    r"(?<![\w.])\d+\.\d+(?=\s*(?:%|/\s*\d|điểm(?!\s+[a-zđ](?!\w))|MB|KB))|(?<![\w.])\d+\.\d{2}(?![\w.])(?!\d)")


def decimal_points(text: str) -> list[str]:
    return [m.group(0) for m in DECIMAL_POINT.finditer(text)]


def test_the_helper_writes_numbers_the_vietnamese_way():
    assert number_vi(9.25) == "9,25" and number_vi(9.2) == "9,2" and number_vi(10.0) == "10"
    assert number_vi(12345.5) == "12.345,5" and number_vi(1234567) == "1.234.567" and number_vi(-1234.5) == "-1.234,5"
    assert number_vi(4.1666, 2, keep_zeros=True) == "4,17" and number_vi(None) == "—"
    assert percent_vi(0.844) == "84,4%" and percent_vi(0.8) == "80,0%" and percent_vi(None) == "chưa có dữ liệu"
    assert interval_vi(0.8244, 0.8751) == "82,4–87,5%"
    assert size_vi(830) == "830 byte" and size_vi(12_400) == "12 KB" and size_vi(1_468_006) == "1,4 MB"


def test_the_scan_finds_decimal_points_and_leaves_codes_alone():
    assert decimal_points("Chỉ số 84.4% – 9.25/10 điểm – 1.2 MB – trung bình 4.17") == ["84.4", "9.25", "1.2", "4.17"]
    assert decimal_points("Mục 2.7.b, tiêu chí 1.2, dân số 12.345, 84,4%, 9,25/10") == []


def _text_of(name: str, data: bytes) -> str:
    """The text a person reads in a generated file (workbooks: every string cell of every sheet)."""
    if name.endswith(".xlsx"):
        book = load_workbook(io.BytesIO(data))
        return "\n".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
                         if isinstance(v, str))
    if name.endswith(".docx"):
        document = Document(io.BytesIO(data))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "\n".join(_text_of(n, archive.read(n)) for n in archive.namelist()
                             if n.endswith((".xlsx", ".docx")))
    return ""


def test_pages_files_and_the_cli_show_no_decimal_point(app, client, auth, runner, world):
    with app.app_context():
        _fill(world)
        unit = db.session.get(AdminUnit, world["units"]["bach-dang"])
        files = build(collect(db.session, unit, 2026, AS_OF))
    found = {}
    for name, data in files.items():
        if hits := decimal_points(_text_of(name, data)):
            found[name] = hits[:5]
    unit_id = world["units"]["bach-dang"]
    auth.login("admin")
    for path in ["/admin/surveys/results?from=01/03/2026&to=30/06/2026", f"/dashboard/{unit_id}?year=2026",
                 f"/admin/scores/{unit_id}/2026", "/dashboard/city?year=2026", "/minh-bach/bach-dang?year=2026",
                 f"/admin/units/{unit_id}"]:
        response = client.get(path)
        assert response.status_code == 200, path
        if hits := decimal_points(visible_text(response.get_data(as_text=True))):
            found[path] = hits[:5]
    xlsx = client.get(f"/dashboard/{unit_id}/data.xlsx?year=2026")
    if hits := decimal_points(_text_of("dashboard.xlsx", xlsx.data)):
        found["dashboard.xlsx"] = hits[:5]
    result = runner.invoke(args=["reports", "score", "--unit", "bach-dang", "--year", "2026", "--as-of",
                                 "30/06/2026"])
    assert result.exit_code == 0, result.output
    if hits := decimal_points(result.output):
        found["reports score"] = hits[:5]
    assert not found, found
