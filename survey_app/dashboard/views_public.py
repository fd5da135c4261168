"""The public transparency page (no login): survey results and feedback handling of every commune, as the city's
plans ask ("Kết quả khảo sát được tổng hợp, công khai") and the one-stop regime
(registry key "one_stop") requires for evaluation results.
Only aggregate figures; nothing about a person. Also serves the Plotly library from the installed package."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Response, render_template, request
from sqlalchemy import func, select

from reports import dashboard as dash

from ..extensions import db
from ..inbox.common import public_rate_limited, unit_by_code
from ..models import Case
from ..services import public_cases
from ..timeutil import local_today
from . import figures
from .views import with_chart_csp

bp = Blueprint("transparency", __name__)


@lru_cache(maxsize=1)
def _plotly_js() -> bytes:
    import plotly

    return (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_bytes()


@bp.route("/vendor/plotly.min.js")
def plotly_js():
    response = Response(_plotly_js(), mimetype="text/javascript")
    response.headers["Cache-Control"] = "public, max-age=604800"
    return response


def _year() -> int:
    year = request.args.get("year", type=int) or local_today().year
    return year if 2020 <= year <= 2100 else local_today().year


def _cached(response):
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.route("/minh-bach")
def city():
    limited = public_rate_limited("transparency")
    if limited:
        return limited
    year = _year()
    start, end = date(year, 1, 1), min(local_today(), date(year, 12, 31))
    q, definition = figures.questionnaire()
    rows = dash.city_rows(db.session, definition, q.id, year, start, end)
    return _cached(with_chart_csp(render_template("public/transparency_city.html", rows=rows, year=year, start=start,
                                                  end=end, pct=figures.pct)))


@bp.route("/minh-bach/<code>")
def commune(code: str):
    limited = public_rate_limited("transparency")
    if limited:
        return limited
    unit = unit_by_code(code)
    year = _year()
    start, end = date(year, 1, 1), min(local_today(), date(year, 12, 31))
    q, definition = figures.questionnaire()
    months = dash.commune_satisfaction(db.session, definition, q.id, dash.Period(start, end, unit.id)).months
    fb = dash.feedback(db.session, dash.Period(start, end, unit.id))
    # Published outcomes counted by the one public rule (a published tố cáo or private case is not "public").
    public_count = db.session.execute(select(func.count()).select_from(public_cases.public_cases(unit.id).where(
        Case.received_day >= start, Case.received_day <= end).subquery())).scalar()
    from reports.exporters import charts

    labels = [m.label for m in months]
    fig = charts.count_and_index("Chỉ số hài lòng theo tháng", labels, {"Số phiếu": [m.responses for m in months]},
                                 [figures.pct(m.result.index) for m in months])
    return _cached(with_chart_csp(render_template(
        "public/transparency_unit.html", unit=unit, year=year, months=months, fb=fb, pct=figures.pct,
        public_count=public_count,
        month_chart=("months", f"Biểu đồ chỉ số hài lòng theo tháng của {unit.full_name}.",
                     charts.embeddable_json(fig)))))
