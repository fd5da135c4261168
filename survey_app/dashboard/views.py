"""Dashboards for ward staff (their commune) and the city (all communes, read-only drill-down), with JSON and XLSX
of the same numbers."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, jsonify, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from reports.scoring.guidance import city_outlook
from reports.topics import commune_topics

from ..auth.roles import staff_required
from ..downloads import download
from ..extensions import db
from ..models import AdminUnit, ServiceCentre
from ..services.scoping import get_scoped_or_404, visible_units
from ..timeutil import local_today, parse_date
from . import figures

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

#: Plotly sets inline styles and injects its own stylesheet; scripts stay 'self' only.
CHART_CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
             "frame-ancestors 'none'; form-action 'self'")


def with_chart_csp(body):
    """A page with charts: the same policy as everywhere, but Plotly may style its own elements."""
    response = make_response(body)
    response.headers["Content-Security-Policy"] = CHART_CSP
    return response


def period_from_request() -> tuple[date, date]:
    today = local_today()
    start = parse_date(request.args.get("start")) or date(today.year, 1, 1)
    end = parse_date(request.args.get("end")) or today
    if end < start:
        start, end = end, start
    if (end - start).days > 3 * 366:
        start = date(end.year - 2, 1, 1)
    return start, end


def _centre_id(unit: AdminUnit) -> int | None:
    centre_id = request.args.get("centre_id", type=int)
    if centre_id is None:
        return None
    centre = db.session.get(ServiceCentre, centre_id)
    return centre.id if centre is not None and centre.unit_id == unit.id else None


@bp.route("/")
@staff_required()
def index():
    if current_user.city_wide:
        return redirect(url_for(".city"))
    return redirect(url_for(".commune", unit_id=current_user.unit_id))


def _commune_data(unit_id: int) -> tuple[AdminUnit, dict]:
    unit = get_scoped_or_404(AdminUnit, unit_id, current_user)
    start, end = period_from_request()
    data = figures.commune(db.session, unit, start, end, _centre_id(unit),
                           negative_only=request.args.get("negative") == "1")
    return unit, data


@bp.route("/<int:unit_id>")
@staff_required()
def commune(unit_id: int):
    unit, data = _commune_data(unit_id)
    centres = db.session.execute(select(ServiceCentre).where(ServiceCentre.unit_id == unit.id)
                                 .order_by(ServiceCentre.name)).scalars().all()
    score = figures.score_summary(db.session, unit, data["end"].year)
    weeks = figures.collection_weeks(db.session, unit, data["end"])
    topics = commune_topics(db.session, unit.id, data["start"], data["end"])
    db.session.commit()  # keeps the topics for the next view of the same period
    return with_chart_csp(render_template(
        "dashboard/commune.html", unit=unit, data=data, charts=figures.commune_charts(data), centres=centres,
        score=score, weeks=weeks, pct=figures.pct, units=visible_units(current_user),
        topics=topics))


@bp.route("/<int:unit_id>/data.json")
@staff_required()
def commune_json(unit_id: int):
    unit, data = _commune_data(unit_id)
    score = figures.score_summary(db.session, unit, data["end"].year)
    if score:
        score = {k: v for k, v in score.items() if k != "computed"}
    return jsonify(figures.commune_json(data, score))


@bp.route("/<int:unit_id>/data.xlsx")
@staff_required()
def commune_xlsx(unit_id: int):
    unit, data = _commune_data(unit_id)
    title = (f"{unit.full_name}: từ {data['start'].strftime('%d/%m/%Y')} đến {data['end'].strftime('%d/%m/%Y')}")
    return _xlsx(figures.workbook(data["tables"], title), f"bang-dieu-khien_{unit.code}.xlsx")


def _xlsx(content: bytes, name: str) -> Response:
    return download(content, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name)


def _city_only() -> None:
    if not current_user.city_wide:
        abort(403)


def _city_data() -> dict:
    _city_only()
    year = request.args.get("year", type=int) or local_today().year
    if not 2020 <= year <= 2100:
        abort(404)
    today = local_today()
    end = min(today, date(year, 12, 31))
    return figures.city(db.session, year, date(year, 1, 1), end)


@bp.route("/city")
@staff_required()
def city():
    data = _city_data()
    sort = request.args.get("sort", "name")
    keys = {"name": lambda r: r.unit.name, "responses": lambda r: -r.responses,
            "satisfaction": lambda r: -(r.satisfaction or -1), "cases": lambda r: -r.cases,
            "on_time": lambda r: -(r.on_time_share or -1), "self": lambda r: -(r.self_score or -1),
            "appraised": lambda r: -(r.appraised or -1)}
    rows = sorted(data["rows"], key=keys.get(sort, keys["name"]))
    return with_chart_csp(render_template("dashboard/city.html", data=data, rows=rows, sort=sort,
                                          charts=figures.city_charts(data), pct=figures.pct,
                                          outlook=city_outlook(db.session, data["year"])))


@bp.route("/city/data.json")
@staff_required()
def city_json():
    data = _city_data()
    outlook = city_outlook(db.session, data["year"])
    return jsonify({
        "outlook": {"share_standard": outlook["share_standard"], "share_top": outlook["share_top"],
                    "communes": [{"code": c["unit"].code, **{k: v for k, v in c.items() if k != "unit"}}
                                 for c in outlook["communes"]]},
        "year": data["year"], "targets": data["targets"], "reach_self": data["reach_self"],
        "reach_appraised": data["reach_appraised"], "self_levels": data["self_levels"],
        "appraised_levels": data["appraised_levels"],
        "communes": [{"code": r.unit.code, "name": r.unit.full_name, "responses": r.responses,
                      "satisfaction": r.satisfaction, "cases": r.cases, "on_time_share": r.on_time_share,
                      "self_score": r.self_score, "blank_items": r.blank, "appraised": r.appraised,
                      "level": r.level} for r in data["rows"]],
        "trend": [{"month": t[0], "responses": t[1], "index": t[2], "cases": t[3]} for t in data["trend"]],
    })


@bp.route("/city/data.xlsx")
@staff_required()
def city_xlsx():
    data = _city_data()
    return _xlsx(figures.workbook(data["tables"], f"Toàn thành phố Hải Phòng năm {data['year']}"),
                 f"bang-dieu-khien_thanh-pho_{data['year']}.xlsx")
