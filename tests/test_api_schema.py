"""The kiosk API and Open311 against their OpenAPI document (``/api/openapi.json``): Schemathesis fuzzes the live
server (positive and negative data, on SQLite and PostgreSQL) and finds no 5xx and no response that breaks the
schema. The run is bounded (a few examples per operation, well under a minute)."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import requests

from survey_app.extensions import db
from survey_app.models import ApiKey
from tests.test_kiosk_api import _item, _paired

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def test_the_document_is_served_at_a_stable_url(client):
    document = client.get("/api/openapi.json").json
    assert document["openapi"].startswith("3.")
    assert {"/kiosk/api/ratings", "/kiosk/api/pair", "/open311/v2/requests.json"} <= set(document["paths"])


def test_schemathesis_finds_no_5xx_and_no_schema_violation(app, world, live_server, tmp_path):
    client = app.test_client()
    headers = _paired(client, app, world)
    key = "hl_schema_key"
    with app.app_context():
        db.session.add(ApiKey(unit_id=world["units"]["bach-dang"], name="Schemathesis", prefix=key[:8],
                              key_hash=hashlib.sha256(key.encode()).hexdigest()))
        db.session.commit()
    stored = client.post("/kiosk/api/ratings", json={"items": [_item(3)]}, headers=headers)
    assert stored.json["results"][0]["status"] == "stored"
    limit = app.config["PUBLIC_RATE_LIMIT"]
    app.config["PUBLIC_RATE_LIMIT"] = "100000/60"  # fuzz the handlers, not the rate limiter
    report = tmp_path / "report.json"
    try:
        result = subprocess.run(  # noqa: S603 - our own tool, fixed arguments
            [str(SCHEMATHESIS), "run", f"{live_server}/api/openapi.json",
             "--checks", "not_a_server_error,response_schema_conformance,status_code_conformance,"
                         "content_type_conformance",
             "--max-examples", "8", "--phases", "examples,coverage,fuzzing", "--workers", "1", "--seed", "13",
             "--no-shrink", "--generation-database", "none", "--request-timeout", "20",
             "--header", f"Authorization: {headers['Authorization']}", "--max-time", "50",
             "--report", "json", "--report-json-path", str(report), "--no-color"],
            capture_output=True, text=True, timeout=170, env={**os.environ, "NO_COLOR": "1"}, check=False)
    finally:
        app.config["PUBLIC_RATE_LIMIT"] = limit
    print(result.stdout[-3000:])
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "open311ListRequests" in result.stdout or "/open311/v2/requests.json" in result.stdout
    if report.exists():
        json.loads(report.read_text())
    # the server is still healthy after the run
    assert requests.get(f"{live_server}/healthz", timeout=10).status_code == 200
