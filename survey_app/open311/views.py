"""GeoReport v2 endpoints (JSON and XML). ``jurisdiction_id`` is the commune code; POST needs an API key.

Spec: http://wiki.open311.org/GeoReport_v2. Errors are the spec's array of {code, description}. GET serves only
the public view of a case (``services.public_cases``): a case that is not public answers 404, like one that does
not exist, and the address is the commune, never the citizen's own text.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, jsonify, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from ..errors import MESSAGES
from ..extensions import csrf, db
from ..models import AdminUnit, ApiKey, Case, CaseCategory, CaseChannel, CaseKind
from ..services import cases as case_service
from ..services import legal, public_cases, ratelimit
from ..services.surveys import ip_hash
from ..text import clean
from ..timeutil import as_utc, format_date, utcnow

bp = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(bp)

MAX_LIST = 200


class ApiError(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    return _respond([{"code": exc.status, "description": exc.description}], "errors", "error", exc.status)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    """Refusals at the edge (NUL bytes, numbers out of range) in the spec's error array too."""
    status = exc.code or 400
    description = exc.description if getattr(exc, "vi", False) else MESSAGES.get(status, MESSAGES[400])
    return _respond([{"code": status, "description": description}], "errors", "error", status)


def _format() -> str:
    return "xml" if request.path.endswith(".xml") else "json"


def _respond(items: list[dict], root: str, element: str, status: int = 200):
    if _format() == "json":
        return jsonify(items), status
    tree = ET.Element(root)
    for item in items:
        node = ET.SubElement(tree, element)
        for key, value in item.items():
            ET.SubElement(node, key).text = "" if value is None else str(value)
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(tree, encoding="utf-8")
    return Response(body, status=status, mimetype="text/xml")


def _jurisdiction() -> AdminUnit:
    code = clean(request.values.get("jurisdiction_id"))
    if not code:
        raise ApiError(400, "Thiếu jurisdiction_id (mã xã, phường, đặc khu). / jurisdiction_id is required.")
    unit = db.session.execute(select(AdminUnit).where(AdminUnit.code == code)).scalar_one_or_none()
    if unit is None or unit.is_city:
        raise ApiError(404, f"Không có đơn vị mã “{code}”. / Unknown jurisdiction_id.")
    return unit


def _limit() -> None:
    from flask import current_app

    limit, window = ratelimit.parse_limit(current_app.config["PUBLIC_RATE_LIMIT"])
    if not ratelimit.hit(f"open311:{ip_hash(request.remote_addr)}", limit * 4, window).allowed:
        raise ApiError(429, "Quá nhiều yêu cầu, vui lòng thử lại sau. / Too many requests.")


def _service(category: CaseCategory) -> dict:
    return {"service_code": category.code, "service_name": category.name, "description": category.description,
            "metadata": "true", "type": "realtime", "keywords": "", "group": "Phản ánh, kiến nghị"}


#: Optional attributes every service accepts (attribute[code]=value on POST).
ATTRIBUTES = [
    ("kind", "singlevaluelist", "Loại: gop_y (góp ý, có thể ẩn danh), phan_anh, kien_nghi (cần họ tên và liên hệ)",
     [("gop_y", "Góp ý"), ("phan_anh", "Phản ánh"), ("kien_nghi", "Kiến nghị")]),
    ("consent_contact", "singlevaluelist", "Người gửi đồng ý cho dùng thông tin liên hệ để trả lời ({personal_data})",
     [("true", "Đồng ý"), ("false", "Không")]),
    ("consent_notify", "singlevaluelist", "Người gửi đồng ý nhận thông báo tiến độ",
     [("true", "Đồng ý"), ("false", "Không")]),
    ("private", "singlevaluelist", "Người gửi yêu cầu không công khai nội dung (vẫn được xử lý, trả lời riêng)",
     [("true", "Không công khai"), ("false", "Cho phép công khai khi có kết quả")]),
    ("client_id", "string", "Mã duy nhất do ứng dụng sinh cho mỗi lần gửi (gửi lại không tạo trùng)", []),
]


@bp.route("/services/<code>.json")
@bp.route("/services/<code>.xml")
def service_definition(code: str):
    _limit()
    _jurisdiction()
    category = db.session.execute(select(CaseCategory).where(CaseCategory.code == clean(code),
                                                             CaseCategory.active.is_(True))).scalar_one_or_none()
    if category is None:
        raise ApiError(404, "Không có dịch vụ này. / Unknown service_code.")
    attributes = [
        {"variable": True, "code": attr, "datatype": kind, "required": False, "datatype_description": "",
         "order": order, "description": text.format(personal_data=legal.cite("personal_data")),
         "values": [{"key": k, "name": n} for k, n in values]}
        for order, (attr, kind, text, values) in enumerate(ATTRIBUTES, start=1)
    ]
    if _format() == "json":
        return jsonify({"service_code": category.code, "attributes": attributes})
    root = ET.Element("service_definition")
    ET.SubElement(root, "service_code").text = category.code
    attrs = ET.SubElement(root, "attributes")
    for attribute in attributes:
        node = ET.SubElement(attrs, "attribute")
        for key in ("variable", "code", "datatype", "required", "datatype_description", "order", "description"):
            ET.SubElement(node, key).text = str(attribute[key]).lower() if isinstance(attribute[key], bool) \
                else str(attribute[key])
        values = ET.SubElement(node, "values")
        for value in attribute["values"]:
            item = ET.SubElement(values, "value")
            ET.SubElement(item, "key").text = value["key"]
            ET.SubElement(item, "name").text = value["name"]
    body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="utf-8")
    return Response(body, mimetype="text/xml")


@bp.route("/services.json")
@bp.route("/services.xml")
def services():
    _limit()
    _jurisdiction()
    rows = db.session.execute(select(CaseCategory).where(CaseCategory.active.is_(True))
                              .order_by(CaseCategory.id)).scalars()
    items = [_service(c) for c in rows]
    if _format() == "json":
        for item in items:
            item["metadata"] = True
    return _respond(items, "services", "service")


def _iso(value: datetime | None) -> str | None:
    return as_utc(value).isoformat(timespec="seconds") if value else None


def _request_item(view: public_cases.PublicCase) -> dict:
    return {
        "service_request_id": view.tracking_code, "status": view.status, "status_notes": view.answer,
        "service_name": view.category, "service_code": view.category_code, "description": view.text,
        "agency_responsible": f"UBND {view.commune}", "service_notice": f"Hạn trả lời: {format_date(view.due_at)}",
        "requested_datetime": _iso(view.received_at), "updated_datetime": _iso(view.updated_at),
        "expected_datetime": _iso(view.due_at), "address": view.commune, "address_id": None,
        "zipcode": None, "lat": None, "long": None, "media_url": None,
    }


def _parse_time(name: str) -> datetime | None:
    value = request.args.get(name)
    if not value:
        return None
    try:
        parsed = as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
        if not 1900 <= parsed.year <= 9998:  # a calendar edge would overflow once shifted to the local zone
            raise ValueError(value)
        return parsed
    except (ValueError, OverflowError) as exc:
        raise ApiError(400, f"{name} không đúng dạng W3C (ISO 8601). / {name} must be W3C datetime.") from exc


@bp.route("/requests.json", methods=["GET", "POST"])
@bp.route("/requests.xml", methods=["GET", "POST"])
def requests_collection():
    _limit()
    unit = _jurisdiction()
    if request.method == "POST":
        return _create(unit)
    query = public_cases.public_cases(unit.id)
    ids = [clean(x).upper() for x in request.args.get("service_request_id", "").split(",") if clean(x)]
    if ids:
        query = query.where(Case.tracking_code.in_(ids[:MAX_LIST]))
    else:
        codes = [clean(x) for x in request.args.get("service_code", "").split(",") if clean(x)]
        if codes:
            query = query.join(CaseCategory).where(CaseCategory.code.in_(codes))
        status = request.args.get("status")
        if status == "open":
            query = query.where(Case.state.in_(["new", "assigned", "in_progress"]))
        elif status == "closed":
            query = query.where(Case.state.not_in(["new", "assigned", "in_progress"]))
        elif status:
            raise ApiError(400, "status chỉ nhận open hoặc closed. / status must be open or closed.")
        start, end = _parse_time("start_date"), _parse_time("end_date")
        if start:
            query = query.where(Case.received_at >= start)
        if end:
            query = query.where(Case.received_at <= end)
    rows = db.session.execute(query.order_by(Case.received_at.desc()).limit(MAX_LIST)).scalars().all()
    return _respond([_request_item(public_cases.public_view(c)) for c in rows], "service_requests", "request")


@bp.route("/requests/<code>.json")
@bp.route("/requests/<code>.xml")
def request_detail(code: str):
    _limit()
    unit = _jurisdiction()
    case = db.session.execute(select(Case).where(Case.unit_id == unit.id,
                                                 Case.tracking_code == clean(code).upper())).scalar_one_or_none()
    view = public_cases.public_view(case) if case is not None else None
    if view is None:  # not public: the same answer as no such request
        raise ApiError(404, "Không tìm thấy yêu cầu. / Request not found.")
    return _respond([_request_item(view)], "service_requests", "request")


def _float(name: str) -> float | None:
    value = request.values.get(name)
    if value in (None, ""):
        return None
    try:
        return float(value)
    except ValueError as exc:
        raise ApiError(400, f"{name} phải là số. / {name} must be a number.") from exc


def _create(unit: AdminUnit):
    key = request.values.get("api_key", "")
    row = db.session.execute(select(ApiKey).where(
        ApiKey.key_hash == hashlib.sha256(key.encode()).hexdigest(), ApiKey.active.is_(True))
    ).scalar_one_or_none() if key else None
    if row is None or (row.unit_id is not None and row.unit_id != unit.id):
        raise ApiError(403, "Thiếu hoặc sai api_key. / A valid api_key is required.")
    category = db.session.execute(select(CaseCategory).where(
        CaseCategory.code == clean(request.values.get("service_code")))).scalar_one_or_none()
    if category is None:
        raise ApiError(400, "service_code không có trong danh sách dịch vụ. / Unknown service_code.")
    name = " ".join(p for p in (clean(request.values.get("first_name")), clean(request.values.get("last_name"))) if p)
    phone, email = clean(request.values.get("phone")), clean(request.values.get("email"))
    consent = request.values.get("attribute[consent_contact]") in ("true", "1", "yes")
    kind = clean(request.values.get("attribute[kind]")) or (
        CaseKind.REPORT.value if name and (phone or email) else CaseKind.SUGGESTION.value)
    client_id = clean(request.values.get("attribute[client_id]"))[:48] or None
    ci = case_service.CaseInput(
        unit_id=unit.id, channel=CaseChannel.APP.value, kind=kind, category_id=category.id,
        content=request.values.get("description", ""), location=clean(request.values.get("address_string")),
        lat=_float("lat"), long=_float("long"), name=name, phone=phone, email=email,
        consent_contact=consent or not (name or phone or email),
        consent_notify=request.values.get("attribute[consent_notify]") in ("true", "1", "yes"),
        private=request.values.get("attribute[private]") in ("true", "1", "yes"),
        api_key_id=row.id, client_id=f"api:{row.id}:{client_id}" if client_id else f"api:{uuid.uuid4().hex}",
    )
    try:
        case, _ = case_service.file_case(ci)
        row.last_used_at = utcnow()
        db.session.commit()
    except case_service.CaseError as exc:
        db.session.rollback()
        raise ApiError(exc.status if exc.status >= 500 else 400, str(exc)) from exc
    except IntegrityError:
        db.session.rollback()
        case = case_service.find_by_client_id(ci.client_id)
        if case is None:
            raise
    return _respond([{"service_request_id": case.tracking_code,
                      "service_notice": f"Đã tiếp nhận. Hạn trả lời: {case.due_at.date().isoformat()}",
                      "account_id": None}], "service_requests", "request", 201 if _format() == "json" else 200)
