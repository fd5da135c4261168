"""The dashboards' numbers gathered once per request (from :mod:`reports.dashboard`) and turned into the three
forms people use: the page (charts and tables), JSON, and an XLSX workbook. Nothing here computes an index."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy.orm import Session

from reports import dashboard as dash
from reports.exporters import charts, sheets
from reports.exporters.cells import safe_cell
from reports.scoring.appraisal import targets_for
from reports.scoring.table import for_year

from ..models import AdminUnit, ScoreCache
from ..numbers import interval_vi, percent_vi
from ..services.surveys import current_version, definition_of, questionnaire_by_code

QUESTIONNAIRE = "centre-service"
#: The breakdowns shown on the commune dashboard, in order.
BREAKDOWNS = ["counter", "officer", "channel", "field", "group.age", "group.gender", "group.first_visit"]


def pct(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


@dataclass
class Table:
    """One table: the chart's data as rows (every chart also as a table)."""

    key: str
    title: str
    columns: list[str]
    rows: list[list]


def questionnaire():
    q = questionnaire_by_code(QUESTIONNAIRE)
    return q, definition_of(current_version(q.id))


def _sipas_row(label: str, n: int, result) -> list:
    return [label, n, pct(result.index)] + [pct(e.index) for e in result.elements]


def commune(session: Session, unit: AdminUnit, start: date, end: date, centre_id: int | None,
            negative_only: bool = False) -> dict:
    """Everything the commune dashboard shows, as plain data."""
    q, definition = questionnaire()
    period = dash.Period(start, end, unit.id, centre_id)
    whole = dash.commune_satisfaction(session, definition, q.id, period)
    overall, months = whole.overall, whole.months
    element_names = [e.name for e in overall.elements]
    tables = [Table("months", "Chỉ số hài lòng theo tháng", ["Tháng", "Số phiếu", "Chỉ số chung (%)"] + element_names,
                    [_sipas_row(m.label, m.responses, m.result) for m in months])]
    centres = whole.centres if centre_id is None else dash.commune_satisfaction(
        session, definition, q.id, dash.Period(start, end, unit.id)).centres
    tables.append(Table("centres", "Theo trung tâm", ["Trung tâm", "Số phiếu", "Chỉ số chung (%)"] + element_names,
                        [_sipas_row(name, n, result) for name, n, result in centres]))
    breakdowns = {}
    for dimension in BREAKDOWNS:
        items = dash.ratings_by(session, definition, q.id, period, dimension)
        breakdowns[dimension] = items
        tables.append(Table(dimension, f"Mức độ hài lòng chung theo {dash.DIMENSIONS[dimension].lower()}",
                            [dash.DIMENSIONS[dimension], "Số ý kiến", "Hài lòng, rất hài lòng (%)",
                             "Khoảng tin cậy 95% (%)"],
                            [[b.label, b.rating.n, pct(b.share), _ci(b.rating.ci)] for b in items]))
    lowest = dash.lowest_criteria(overall)
    tables.append(Table("lowest", "Các tiêu chí có chỉ số thấp nhất", ["Tiêu chí", "Số ý kiến", "Chỉ số (%)"],
                        [[c.label, c.n, pct(c.share)] for c in lowest]))
    fb = dash.feedback(session, dash.Period(start, end, unit.id))
    channels = sorted({ch for week in fb.weekly.values() for ch in week})
    tables.append(Table("weekly", "Phản ánh, kiến nghị tiếp nhận theo tuần và kênh",
                        ["Tuần (từ thứ Hai)"] + [dash.CHANNEL_LABELS.get(c, c) for c in channels] + ["Tổng"],
                        [[monday.strftime("%d/%m/%Y")] + [fb.weekly[monday].get(c, 0) for c in channels]
                         + [sum(fb.weekly[monday].values())] for monday in sorted(fb.weekly)]))
    return {
        "unit": unit, "start": start, "end": end, "centre_id": centre_id, "overall": overall,
        "responses": whole.responses,
        "suspicious": dash.suspicious_count(session, q.id, period), "months": months, "centres": centres,
        "unconfirmed": dash.unconfirmed_count(session, q.id, period),
        "breakdowns": breakdowns, "lowest": lowest, "feedback": fb, "channels": channels, "tables": tables,
        "comments": dash.recent_comments(session, q.id, period, negative_only),
        "negative_only": negative_only, "definition": definition,
    }


def _ci(ci) -> str:
    return interval_vi(ci[0], ci[1]).rstrip("%") if ci else ""


def commune_charts(data: dict) -> list[tuple[str, str, str]]:
    """(key, accessible summary, Plotly JSON) for each chart."""
    out = []
    months = data["months"]
    labels = [m.label for m in months]
    fig = charts.count_and_index("Chỉ số hài lòng (SIPAS) và số phiếu theo tháng", labels,
                                 {"Số phiếu": [m.responses for m in months]}, [pct(m.result.index) for m in months],
                                 y_title="Số phiếu")
    last = next((m for m in reversed(months) if m.result.index is not None), None)
    out.append(("months", "Biểu đồ chỉ số hài lòng theo tháng. " + (
        f"Tháng {last.label}: {percent_vi(last.result.index)} với {last.responses} phiếu." if last
        else "Chưa có dữ liệu."),
                charts.embeddable_json(fig)))
    element_fig = charts.bar("Chỉ số hài lòng theo yếu tố (SIPAS)", [e.name for e in data["overall"].elements],
                             [pct(e.index) or 0 for e in data["overall"].elements], y_title="%", color=charts.OK)
    element_fig["layout"]["yaxis"]["range"] = [0, 105]
    out.append(("elements", "Biểu đồ chỉ số hài lòng theo 5 yếu tố SIPAS: " + "; ".join(
        f"{e.name} {percent_vi(e.index)}" for e in data["overall"].elements if e.index is not None) + ".",
                charts.embeddable_json(element_fig)))
    for dimension in ("counter", "officer", "channel", "field", "group.age"):
        items = data["breakdowns"][dimension]
        if not items:
            continue
        fig = charts.share_bars(f"Hài lòng, rất hài lòng theo {dash.DIMENSIONS[dimension].lower()} (%)",
                                [b.label for b in items], [pct(b.share) for b in items], [b.rating.n for b in items])
        out.append((dimension, f"Biểu đồ tỷ lệ hài lòng theo {dash.DIMENSIONS[dimension].lower()}: " + "; ".join(
            f"{b.label} {percent_vi(b.share)} ({b.rating.n} ý kiến)" for b in items[:8]) + ".",
            charts.embeddable_json(fig)))
    weekly = data["feedback"].weekly
    if weekly:
        weeks = sorted(weekly)
        fig = charts.grouped_bar("Phản ánh, kiến nghị theo tuần và kênh", [w.strftime("%d/%m") for w in weeks],
                                 {dash.CHANNEL_LABELS.get(c, c): [weekly[w].get(c, 0) for w in weeks]
                                  for c in data["channels"]}, y_title="Số phản ánh", stacked=True)
        out.append(("weekly", f"Biểu đồ số phản ánh theo tuần: tổng {data['feedback'].received} trong kỳ.",
                    charts.embeddable_json(fig)))
    return out


def commune_json(data: dict, score: dict | None) -> dict:
    fb = data["feedback"]
    return {
        "unit": data["unit"].code, "start": data["start"].isoformat(), "end": data["end"].isoformat(),
        "centre_id": data["centre_id"], "responses": data["responses"], "suspicious": data["suspicious"],
        "unconfirmed_paper": data["unconfirmed"],
        "sipas_index": data["overall"].index,
        "elements": {e.key: e.index for e in data["overall"].elements},
        "months": [{"month": m.label, "responses": m.responses, "index": m.result.index} for m in data["months"]],
        "breakdowns": {d: [{"key": b.key, "label": b.label, "n": b.rating.n, "share": b.share} for b in items]
                       for d, items in data["breakdowns"].items()},
        "lowest": [{"key": c.key, "label": c.label, "n": c.n, "share": c.share} for c in data["lowest"]],
        "feedback": {"received": fb.received, "answered": fb.answered, "answered_on_time": fb.answered_on_time,
                     "published": fb.published, "open": fb.open, "due_soon": fb.due_soon, "overdue": fb.overdue,
                     "median_days_to_answer": fb.median_days, "on_time_share": fb.on_time_share,
                     "published_share": fb.published_share, "rated": fb.rated, "rated_unhappy": fb.rated_unhappy},
        "score": score,
    }


def score_summary(session: Session, unit: AdminUnit, year: int) -> dict | None:
    """The cached score (refreshed with the rollups): Tiêu chí 2 and 1.2, the total, the level, when computed."""
    from sqlalchemy import select

    cache = session.execute(select(ScoreCache).where(ScoreCache.unit_id == unit.id, ScoreCache.year == year)
                            ).scalar_one_or_none()
    if cache is None:
        return None
    items = [i for i in cache.data["items"] if i["code"].startswith(("2", "1.2"))]
    return {"total": cache.total, "level": cache.level, "computed_at": cache.computed_at.isoformat(),
            "computed": cache.computed_at, "items": items,
            "criteria": [c for c in cache.data["criteria"] if c["code"] == "2"],
            "guidance": cache.data.get("guidance")}


def collection_weeks(session: Session, unit: AdminUnit, end: date) -> list[list]:
    """The weekly-collection calendar of the year: the rows rule 1.2.d scores on (week, sessions, organisations)."""
    from reports.scoring.engine import score_item

    evidence = score_item(session, unit, end.year, "1.2.d", as_of=end).rows()
    return evidence.rows if evidence else []


def workbook(tables: list[Table], title: str) -> bytes:
    wb = sheets.new_workbook()
    wb.remove(wb.active)
    for table in tables:
        ws = wb.create_sheet(table.title[:31].replace("/", "-"))
        columns = max(1, len(table.columns))
        ws.column_dimensions["A"].width = 40
        for index in range(2, columns + 1):
            ws.column_dimensions[get_column_letter(index)].width = 14
        ws.append([safe_cell(title)])
        ws.append([table.title])
        for row in (1, 2):
            sheets.span(ws, row, columns)
        ws.append(table.columns)
        for cell in ws[3]:
            cell.font = Font(bold=True)
        for row in table.rows:
            ws.append([safe_cell(v) for v in row])
        sheets.wrap(ws, 3)
        sheets.finish(ws, 3)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# -- the city ------------------------------------------------------------------------------------------------------


def city(session: Session, year: int, start: date, end: date) -> dict:
    q, definition = questionnaire()
    rows = dash.city_rows(session, definition, q.id, year, start, end)
    trend = dash.city_trend(session, definition, q.id, start, end)
    table = for_year(year)
    names = [lv.name for lv in sorted(table.levels, key=lambda lv: -lv.min)]
    self_levels = {n: sum(1 for r in rows if r.self_level == n) for n in names}
    appraised = {n: sum(1 for r in rows if r.appraised_level == n) for n in names}
    targets = targets_for(year)
    total = len(rows) or 1
    lowest, top = names[-1], names[0]
    reach_self = sum(v for k, v in self_levels.items() if k != lowest) / total
    reach_appraised = sum(v for k, v in appraised.items() if k != lowest) / total
    tables = [
        Table("communes", "Các xã, phường, đặc khu",
              ["Mã", "Đơn vị", "Số phiếu", "Chỉ số hài lòng (%)", "Phản ánh", "Trả lời đúng hạn (%)", "Tự chấm",
               "Mục chưa chấm", "Thẩm định", "Xếp loại"],
              [[r.unit.code, r.unit.full_name, r.responses, pct(r.satisfaction), r.cases, pct(r.on_time_share),
                r.self_score, r.blank, r.appraised, r.level or ""] for r in rows]),
        Table("trend", "Xu hướng toàn thành phố theo tháng", ["Tháng", "Số phiếu", "Chỉ số hài lòng (%)", "Phản ánh"],
              [[label, n, pct(index), cases] for label, n, index, cases in trend]),
        Table("levels", f"Phân bố xếp loại năm {year}", ["Xếp loại", "Theo điểm tự chấm", "Theo kết quả thẩm định"],
              [[n, self_levels[n], appraised[n]] for n in names]),
    ]
    return {"year": year, "start": start, "end": end, "rows": rows, "trend": trend, "levels": names,
            "self_levels": self_levels, "appraised_levels": appraised, "targets": targets, "tables": tables,
            "reach_self": reach_self, "reach_appraised": reach_appraised,
            "top_self": self_levels[top] / total, "top_appraised": appraised[top] / total, "top": top}


def city_charts(data: dict) -> list[tuple[str, str, str]]:
    trend = data["trend"]
    labels = [t[0] for t in trend]
    fig = charts.count_and_index("Số phiếu và phản ánh toàn thành phố theo tháng", labels,
                                 {"Số phiếu khảo sát": [t[1] for t in trend],
                                  "Phản ánh, kiến nghị": [t[3] for t in trend]}, [pct(t[2]) for t in trend])
    levels = charts.grouped_bar(f"Phân bố xếp loại năm {data['year']}", data["levels"],
                                {"Theo điểm tự chấm": [data["self_levels"][n] for n in data["levels"]],
                                 "Theo kết quả thẩm định": [data["appraised_levels"][n] for n in data["levels"]]},
                                y_title="Số đơn vị")
    return [("trend", "Biểu đồ xu hướng toàn thành phố theo tháng.", charts.embeddable_json(fig)),
            ("levels", "Biểu đồ phân bố xếp loại: " + "; ".join(
                f"{n}: {data['self_levels'][n]} tự chấm, {data['appraised_levels'][n]} thẩm định"
                for n in data["levels"]) + ".", charts.embeddable_json(levels))]
