"""The OpenAPI 3.0 description of the machine APIs — the kiosk API and Open311 GeoReport v2 (JSON) — served at the
stable URL ``/api/openapi.json``. Schemathesis fuzzes the live server against it in the test suite, so the
document and the code cannot drift apart silently."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from sqlalchemy import select

from .extensions import db
from .models import AdminUnit, CaseCategory

bp = Blueprint("openapi", __name__)


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _nullable(kind: str, **extra) -> dict:
    return {"type": kind, "nullable": True, **extra}


UNAVAILABLE = _json(_ref("Error"), "Cơ sở dữ liệu hoặc Redis không truy cập được (header Retry-After).")
OPEN311_ERRORS = {
    "4XX": _json({"anyOf": [_ref("Open311Errors"), _ref("Error")]}, "Yêu cầu bị từ chối (mảng lỗi của Open311)."),
    "503": UNAVAILABLE,
}
KIOSK_ERRORS = {"4XX": _json(_ref("Error"), "Yêu cầu bị từ chối, với mã lỗi."), "503": UNAVAILABLE}
BEARER = [{"kiosk": []}]


def _query(name: str, description: str, **schema) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "string", **schema},
            "description": description}


def document() -> dict:
    units = list(db.session.execute(select(AdminUnit.code).where(AdminUnit.parent_id.is_not(None),
                                                                 AdminUnit.active.is_(True))
                                    .order_by(AdminUnit.code)).scalars())
    categories = list(db.session.execute(select(CaseCategory.code).where(CaseCategory.active.is_(True))
                                         .order_by(CaseCategory.code)).scalars())
    jurisdiction = {"name": "jurisdiction_id", "in": "query", "required": True,
                    "schema": {"type": "string", **({"enum": units} if units else {})},
                    "description": "Mã xã, phường, đặc khu (flask units list)."}
    service = {"type": "object", "required": ["service_code", "service_name"], "properties": {
        "service_code": {"type": "string"}, "service_name": {"type": "string"}, "description": {"type": "string"},
        "metadata": {"type": "boolean"}, "type": {"type": "string"}, "keywords": {"type": "string"},
        "group": {"type": "string"}}}
    service_request = {"type": "object", "required": ["service_request_id", "status"], "properties": {
        "service_request_id": {"type": "string"}, "status": {"type": "string", "enum": ["open", "closed"]},
        "status_notes": _nullable("string"), "service_name": {"type": "string"},
        "service_code": {"type": "string"}, "description": {"type": "string"},
        "agency_responsible": {"type": "string"}, "service_notice": {"type": "string"},
        "requested_datetime": _nullable("string"), "updated_datetime": _nullable("string"),
        "expected_datetime": _nullable("string"), "address": _nullable("string"),
        "address_id": _nullable("string"), "zipcode": _nullable("string"), "lat": _nullable("number"),
        "long": _nullable("number"), "media_url": _nullable("string")}}
    attribute = {"type": "object", "properties": {
        "variable": {"type": "boolean"}, "code": {"type": "string"}, "datatype": {"type": "string"},
        "required": {"type": "boolean"}, "order": {"type": "integer"}, "description": {"type": "string"},
        "values": {"type": "array", "items": {"type": "object", "properties": {
            "key": {"type": "string"}, "name": {"type": "string"}}}}}}
    kiosk_item = {"type": "object", "required": ["client_id", "value", "answered_at"], "properties": {
        "client_id": {"type": "string", "minLength": 8, "maxLength": 48},
        "value": {"type": "integer", "minimum": 1, "maximum": 5},
        "answered_at": {"type": "string", "format": "date-time"},
        "aspects": {"type": "array", "items": {"type": "string",
                                               "enum": ["thoi_gian", "thai_do", "huong_dan", "co_so", "thu_tuc"]}},
        "comment": {"type": "string", "maxLength": 1000}, "dossier_code": {"type": "string", "maxLength": 64},
        # what the citizen saw and when: judged by it, not by the kiosk's setup when the batch arrives
        "scale": {"type": "integer", "enum": [3, 5]}, "binding": {"type": "integer"},
        "question_version": {"type": "integer"}, "counter_id": _nullable("integer"),
        "officer_id": _nullable("integer"), "clock_offset_ms": _nullable("integer"),
        "clock_checked_at": _nullable("string")}}
    kiosk_config = {"type": "object", "required": ["name", "scale", "levels"], "properties": {
        "name": {"type": "string"}, "scale": {"type": "integer", "enum": [3, 5]}, "unit": {"type": "string"},
        "centre": {"type": "string"}, "counter": _nullable("string"), "officer": _nullable("object"),
        "levels": {"type": "array", "items": {"type": "object"}},
        "aspects": {"type": "array", "items": {"type": "object"}}, "binding": _nullable("integer"),
        "counter_id": _nullable("integer"), "officer_id": _nullable("integer"),
        "question_version": _nullable("integer"), "server_time": {"type": "string"}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Hài Lòng – API máy đánh giá và Open311", "version": "1",
                 "description": "Kiosk API (Bearer credential from pairing) and Open311 GeoReport v2 (JSON). "
                                "Open311 GET serves only public cases (published, not tố cáo/khiếu nại, not private "
                                "or confidential); any other answers 404."},
        "servers": [{"url": request.host_url.rstrip("/")}],
        "components": {
            "securitySchemes": {"kiosk": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {
                    "type": "object", "required": ["status", "code", "message"], "properties": {
                        "status": {"type": "integer"}, "code": {"type": "string"}, "message": {"type": "string"}}}}},
                "Open311Errors": {"type": "array", "items": {"type": "object", "required": ["code", "description"],
                                                             "properties": {"code": {"type": "integer"},
                                                                            "description": {"type": "string"}}}},
                "Service": service, "ServiceRequest": service_request, "KioskItem": kiosk_item,
                "KioskConfig": kiosk_config,
            },
        },
        "paths": {
            "/open311/v2/services.json": {"get": {
                "operationId": "open311ListServices", "parameters": [jurisdiction],
                "responses": {"200": _json({"type": "array", "items": _ref("Service")}, "Các lĩnh vực."),
                              **OPEN311_ERRORS}}},
            "/open311/v2/services/{service_code}.json": {"get": {
                "operationId": "open311ServiceDefinition",
                "parameters": [jurisdiction, {"name": "service_code", "in": "path", "required": True,
                                              "schema": {"type": "string", "enum": categories or ["moi-truong"]}}],
                "responses": {"200": _json({"type": "object", "required": ["service_code", "attributes"],
                                            "properties": {"service_code": {"type": "string"},
                                                           "attributes": {"type": "array", "items": attribute}}},
                                           "Thuộc tính của lĩnh vực."), **OPEN311_ERRORS}}},
            "/open311/v2/requests.json": {
                "get": {"operationId": "open311ListRequests", "parameters": [
                    jurisdiction, _query("service_request_id", "Mã tra cứu, cách nhau bởi dấu phẩy"),
                    _query("service_code", "Lĩnh vực, cách nhau bởi dấu phẩy"),
                    _query("status", "open hoặc closed", enum=["open", "closed"]),
                    _query("start_date", "W3C datetime", format="date-time"),
                    _query("end_date", "W3C datetime", format="date-time")],
                    "responses": {"200": _json({"type": "array", "items": _ref("ServiceRequest")},
                                               "Các phản ánh công khai."), **OPEN311_ERRORS}},
                "post": {"operationId": "open311CreateRequest", "requestBody": {"required": True, "content": {
                    "application/x-www-form-urlencoded": {"schema": {
                        "type": "object", "required": ["jurisdiction_id", "api_key", "service_code", "description"],
                        "properties": {k: {"type": "string"} for k in (
                            "jurisdiction_id", "api_key", "service_code", "description", "address_string",
                            "first_name", "last_name", "phone", "email", "lat", "long")}}}}},
                    "responses": {"201": _json({"type": "array", "items": {"type": "object", "properties": {
                        "service_request_id": {"type": "string"}, "service_notice": {"type": "string"},
                        "account_id": _nullable("string")}}}, "Đã tiếp nhận."), **OPEN311_ERRORS}}},
            "/open311/v2/requests/{service_request_id}.json": {"get": {
                "operationId": "open311GetRequest",
                "parameters": [jurisdiction, {"name": "service_request_id", "in": "path", "required": True,
                                              "schema": {"type": "string", "pattern": "^[A-Z0-9]{4,16}$"}}],
                "responses": {"200": _json({"type": "array", "items": _ref("ServiceRequest")}, "Một phản ánh."),
                              **OPEN311_ERRORS}}},
            "/kiosk/api/pair": {"post": {
                "operationId": "kioskPair", "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"type": "object", "required": ["code"], "properties": {
                        "code": {"type": "string", "pattern": "^[0-9]{6}$"}}}}}},
                "responses": {"200": _json({"type": "object", "required": ["token", "config"], "properties": {
                    "token": {"type": "string"}, "config": _ref("KioskConfig"), "server_time": {"type": "string"}}},
                    "Đã ghép nối."), **KIOSK_ERRORS}}},
            "/kiosk/api/config": {"get": {
                "operationId": "kioskConfig", "security": BEARER,
                "parameters": [{"name": "queue", "in": "query", "required": False, "schema": {"type": "integer"}}],
                "responses": {"200": _json(_ref("KioskConfig"), "Cấu hình máy."), **KIOSK_ERRORS}}},
            "/kiosk/api/ratings": {"post": {
                "operationId": "kioskRatings", "security": BEARER,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["items"], "properties": {
                        "items": {"type": "array", "maxItems": 100, "items": _ref("KioskItem")},
                        "queue_length": {"type": "integer", "minimum": 0},
                        "failed": {"type": "array", "items": {"type": "string"}}}}}}},
                "responses": {"200": _json({"type": "object", "required": ["results"], "properties": {
                    "results": {"type": "array", "items": {"type": "object", "required": ["status"], "properties": {
                        "client_id": _nullable("string"),
                        "status": {"type": "string", "enum": ["stored", "duplicate", "rejected", "discarded"]},
                        "error": _nullable("string"), "flags": {"type": "array", "items": {"type": "string"}}}}},
                    "resolutions": {"type": "object"}, "server_time": {"type": "string"}}},
                    "Kết quả từng mục."), **KIOSK_ERRORS}}},
            "/kiosk/api/report": {"post": {
                "operationId": "kioskReport", "security": BEARER,
                "requestBody": {"required": False, "content": {"application/json": {"schema": {
                    "type": "object", "properties": {"queue_length": {"type": "integer", "minimum": 0},
                                                     "failed": {"type": "array", "items": {"type": "string"}}}}}}},
                "responses": {"200": _json({"type": "object", "required": ["state", "server_time"], "properties": {
                    "state": {"type": "string", "enum": ["active", "revoked", "recoded"]},
                    "server_time": {"type": "string"}, "resolutions": {"type": "object"},
                    "config": _ref("KioskConfig")}}, "Trạng thái máy."), **KIOSK_ERRORS}}},
        },
    }


@bp.route("/api/openapi.json")
def openapi_json():
    return jsonify(document())
