"""The reference for ingestion: a bare Flask app with the same shape of exchange (a form page with a hidden
token, a POST answered by a redirect; a JSON batch answered by JSON) and no database, served by the same
gunicorn settings as the real app."""

from __future__ import annotations

import uuid

from flask import Flask, jsonify, redirect, request

app = Flask(__name__)


@app.get("/q/<token>")
def form(token: str):
    return (f'<form method="post"><input type="hidden" name="csrf_token" value="{uuid.uuid4().hex}">'
            f'<input type="hidden" name="sid" value="{uuid.uuid4().hex}"></form>')


@app.post("/q/<token>")
def submit(token: str):
    if not request.form.get("q-overall"):
        return "missing", 400
    return redirect(f"/q/{token}/thanks", code=303)


@app.post("/kiosk/api/ratings")
def ratings():
    items = (request.get_json(silent=True) or {}).get("items", [])
    return jsonify({"results": [{"client_id": i.get("client_id"), "status": "stored"} for i in items]})


@app.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})
