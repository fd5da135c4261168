"""The evidence ZIP (Tài liệu minh chứng): "sắp xếp theo thứ tự từng tiêu chí, mỗi tiêu chí là một tập tài liệu riêng
biệt" — one folder per criterion and, inside, one per item with the explanation of its points and the rows behind
them (XLSX), its charts (PNG) and the staff's attachments; an index document lists everything.

Folder and file names are ASCII (every unzip tool reads them); the documents inside are in Vietnamese.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from reports.scoring.labels import figure_label
from survey_app.numbers import percent_vi
from survey_app.text import slug

from . import charts, sheets, survey_summary
from . import docx_layout as dl
from .cells import safe_cell
from .model import MISSING, WHOLE_UNIT, DossierBundle, ItemLine, ScoreDoc

Progress = Callable[[int, str], None]
FACT_HEADERS = ["Thông tin", "Chi tiết"]


def criterion_folder(code: str, text: str) -> str:
    name = text.split(":", 1)[-1]
    return f"Tieu-chi-{code}_{slug(name, 40)}"


def item_folder(item: ItemLine) -> str:
    return f"{item.code}_{slug(item.text, 40)}"


def item_workbook(doc: ScoreDoc, item: ItemLine) -> bytes:
    """Sheet "Giải trình": the item, its points and why; sheet "Số liệu": the rows behind a computed item."""
    wb = sheets.new_workbook()
    ws = wb.active
    ws.title = "Giải trình"
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 62
    ws.append(FACT_HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    facts = [
        ("Đơn vị", doc.unit.full_name), ("Năm đánh giá", str(doc.year)),
        ("Số liệu tính đến", doc.as_of.strftime("%d/%m/%Y")), ("Mục", item.code), ("Nội dung", item.text),
        ("Điểm chuẩn", item.max), ("Điểm", item.points if item.points is not None else "Chưa chấm"),
        ("Cách chấm", item.source_label), ("Giải trình", item.explanation or MISSING),
        ("Ghi chú của cán bộ", item.note), ("Tài liệu minh chứng yêu cầu", item.evidence),
        ("Tệp đính kèm", ", ".join(a.filename for a in item.attachments) or "Không có"),
    ]
    for label, value in facts:
        ws.append([label, safe_cell(value) if isinstance(value, str) else value])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
    for key, value in item.figures.items():
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            ws.append([f"Số liệu: {figure_label(key)}", _figure(key, value)])
    for row in ws.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
    sheets.wrap(ws, 2)
    sheets.finish(ws, 1)
    if item.columns:
        rows = wb.create_sheet("Số liệu")
        rows.append(item.columns)
        for cell in rows[1]:
            cell.font = Font(bold=True)
        for row in item.rows:
            rows.append([safe_cell(v) if isinstance(v, str) else v for v in row])
        width = max(12, min(22, 160 // len(item.columns)))
        for index in range(1, len(item.columns) + 1):
            rows.column_dimensions[get_column_letter(index)].width = width
        rows.freeze_panes = "A2"
        sheets.wrap(rows, 1)
        sheets.finish(rows, 1)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


#: Figures that are shares (0–1), printed as percentages.
SHARE_FIGURES = {"share"}


def _figure(key: str, value):
    """A rule's figure as a person reads it: a share as "91,8%", other numbers as they are (two decimals at most)."""
    if isinstance(value, float) and key in SHARE_FIGURES:
        return percent_vi(value)
    return round(value, 2) if isinstance(value, float) else value


def item_charts(item: ItemLine) -> list[tuple[str, object]]:
    """(file stem, figure) for the items whose rows make a useful picture; built from the rule's own rows."""
    if not item.rows:
        return []
    if item.code == "1.2.d":
        return [("so-buoi-theo-tuan", charts.bar("Số buổi thu thập ý kiến mỗi tuần (MTTQ, đoàn thể, tổ trưởng)",
                                                [r[0] for r in item.rows], [r[1] for r in item.rows],
                                                y_title="Số buổi", target=1, target_label="Tối thiểu 1 buổi/tuần"))]
    if item.code == "2.7.a":
        months = sorted({r[1] for r in item.rows}, key=lambda m: (m[3:], m[:2]))
        series: dict[str, list[float]] = {}
        for centre in dict.fromkeys(r[0] for r in item.rows):
            by_month = {r[1]: r[2] for r in item.rows if r[0] == centre}
            series[centre] = [by_month.get(m, 0) for m in months]
        fig = charts.grouped_bar("Số phiếu khảo sát hợp lệ mỗi tháng theo trung tâm", months, series,
                                 y_title="Số phiếu")
        required = item.rows[0][3]
        charts.add_hline(fig, required, f"Yêu cầu {required} phiếu/tháng")
        return [("so-phieu-theo-thang", fig)]
    if item.code == "3.1.2.b":
        return [("tiep-cong-dan-theo-thang", charts.bar("Số lượt tiếp công dân mỗi tháng", [r[0] for r in item.rows],
                                                        [r[1] for r in item.rows], y_title="Lượt"))]
    if item.code == "2.8" and item.figures.get("judged"):
        judged, late = item.figures["judged"], item.figures["late"]
        return [("dung-han-qua-han", charts.bar("Hồ sơ TTHC giải quyết đúng hạn và quá hạn",
                                                ["Trước và đúng hạn", "Quá hạn"], [judged - late, late],
                                                y_title="Hồ sơ"))]
    return []


def overview_chart(doc: ScoreDoc):
    return charts.points_chart(f"Điểm tự chấm theo tiêu chí – {doc.unit.full_name} năm {doc.year}",
                               [c.text.split(":")[0] for c in doc.criteria], [c.points for c in doc.criteria],
                               [c.max for c in doc.criteria])


def survey_chart(bundle: DossierBundle, item: ItemLine):
    """The SIPAS elements of the questionnaire the item is scored on (2.7.a: the centre's, 2.7.b: the annual
    survey's), over the whole commune; None when that questionnaire has no answers."""
    whole = [b for b in bundle.surveys if b.scope == WHOLE_UNIT and b.code == item.questionnaire]
    if not whole or not whole[0].sipas.elements:
        return None
    block = whole[0]
    labels = [e.name for e in block.sipas.elements]
    values = [round(e.index * 100, 2) if e.index is not None else 0 for e in block.sipas.elements]
    return charts.bar(f"Chỉ số hài lòng theo yếu tố (SIPAS) – {block.questionnaire}", labels, values,
                      y_title="%", color=charts.OK)


def build(bundle: DossierBundle, renderer: charts.Renderer, progress: Progress | None = None) -> bytes:
    """The whole evidence ZIP."""
    doc = bundle.score
    report = progress or (lambda percent, message: None)
    buffer = io.BytesIO()
    listing: list[tuple[str, str, list[str]]] = []  # (item code, text, files)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        total = len(doc.items)
        root_files = []
        png = renderer.png(overview_chart(doc))
        if png:
            archive.writestr("00_Tong-quan_diem-theo-tieu-chi.png", png)
            root_files.append("00_Tong-quan_diem-theo-tieu-chi.png")
        for criterion in doc.criteria:
            folder = criterion_folder(criterion.code, criterion.text)
            for item in doc.items_of(criterion.code):
                done = len(listing)
                report(10 + int(80 * done / max(1, total)), f"Mục {item.code}")
                path = f"{folder}/{item_folder(item)}"
                files = [f"{path}/{item.code}_giai-trinh-va-so-lieu.xlsx"]
                archive.writestr(files[0], item_workbook(doc, item))
                for stem, fig in item_charts(item):
                    image = renderer.png(fig)
                    if image:
                        name = f"{path}/{item.code}_{stem}.png"
                        archive.writestr(name, image)
                        files.append(name)
                if item.code.startswith("2.7"):
                    for name, data in (("Bang-tong-hop-khao-sat.xlsx",
                                        survey_summary.xlsx(doc.unit, doc.year, bundle.surveys, topics=bundle.topics)),
                                       ("Bang-tong-hop-khao-sat.docx",
                                        survey_summary.docx(doc.unit, doc.year, bundle.surveys, topics=bundle.topics))):
                        archive.writestr(f"{path}/{name}", data)
                        files.append(f"{path}/{name}")
                    chart = survey_chart(bundle, item)
                    image = renderer.png(chart) if chart is not None else None
                    if image:
                        archive.writestr(f"{path}/chi-so-hai-long-theo-yeu-to.png", image)
                        files.append(f"{path}/chi-so-hai-long-theo-yeu-to.png")
                used: set[str] = set()
                for attachment in item.attachments:
                    name = _unique(attachment.filename, used)
                    archive.writestr(f"{path}/tep-dinh-kem/{name}", attachment.data)
                    files.append(f"{path}/tep-dinh-kem/{name}")
                listing.append((item.code, item.text, files))
        report(92, "Mục lục")
        archive.writestr("00_Muc-luc.docx", index_docx(bundle, listing, root_files,
                                                       None if renderer.available else renderer.problem))
    return buffer.getvalue()


def _unique(name: str, used: set[str]) -> str:
    stem, dot, ext = name.rpartition(".")
    candidate, number = name, 2
    while candidate in used:
        candidate = f"{stem}-{number}.{ext}" if dot else f"{name}-{number}"
        number += 1
    used.add(candidate)
    return candidate


def index_docx(bundle: DossierBundle, listing: list[tuple[str, str, list[str]]], root_files: list[str],
               chart_problem: str | None) -> bytes:
    doc = bundle.score
    document = dl.new_document()
    dl.header(document, doc.unit.issuer, f"      /DM-{doc.unit.issuer.symbol}", None)
    dl.title(document, "Danh mục tài liệu minh chứng",
             f"Kết quả thực hiện mô hình “Chính quyền thân thiện” năm {doc.year} – {doc.unit.full_name}")
    dl.paragraph(document, f"Tổng điểm tự chấm: {dl.number_vi(doc.total)}/100 – {doc.level}. Số liệu tính đến ngày "
                           f"{doc.as_of.strftime('%d/%m/%Y')}. Mỗi tiêu chí là một thư mục riêng; trong đó mỗi mục "
                           "có bảng giải trình và số liệu, biểu đồ (nếu có) và tệp minh chứng do cán bộ tải lên.",
                 indent_first=True, size=13)
    if chart_problem:
        dl.paragraph(document, f"Biểu đồ chưa tạo được trên máy chủ này ({chart_problem}); số liệu vẫn đầy đủ "
                               "trong các bảng.", italic=True, size=12)
    widths = [1.0, 1.6, 6.5, 1.6, 5.8]
    table = dl.grid_table(document, ["TT", "Mục", "Nội dung", "Điểm", "Tệp trong hồ sơ"], widths, size=10)
    points = {i.code: i for i in doc.items}
    for number, (code, text, files) in enumerate(listing, start=1):
        item = points[code]
        shown = [f.rsplit("/", 1)[-1] for f in files]
        if not item.attachments and item.source != "computed":
            shown.append("(chưa có tệp minh chứng)")
        dl.add_row(table, [number, code, text, f"{dl.number_vi(item.points) if item.points is not None else '—'}/"
                                               f"{dl.number_vi(item.max)}", "\n".join(shown)],
                   widths, size=10, aligns=["center", "center", "left", "center", "left"])
    for name in root_files:
        dl.paragraph(document, f"Biểu đồ tổng quan: {name}", size=12)
    return dl.to_bytes(document)
