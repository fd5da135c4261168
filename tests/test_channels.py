"""Zalo OA and Facebook Page messages become cases: signed deliveries to the live server, once, never a 500."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import unicodedata
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from sqlalchemy import func, select, update

from survey_app.extensions import db
from survey_app.models import Case, CaseEvent, ChannelAccount, InboundMessage
from survey_app.services import secretbox
from survey_app.timeutil import utcnow
from tests.conftest import Auth

ZALO_APP, ZALO_OA, ZALO_SECRET = "4207135081234567890", "579745863508352884", "zalo-oa-secret-Bach-Dang"
FB_PAGE, FB_SECRET, FB_VERIFY = "104817263545", "fb-app-secret-Bach-Dang", "xac-minh-bach-dang"


@pytest.fixture
def accounts(app, world):
    """Bạch Đằng has a Zalo OA and a Facebook Page connected; Hòa Bình has a Zalo OA with another secret."""
    with app.app_context():
        bd, hb = world["units"]["bach-dang"], world["units"]["hoa-binh"]
        db.session.add_all([
            ChannelAccount(unit_id=bd, platform="zalo", external_id=ZALO_OA, app_id=ZALO_APP,
                           secret_enc=secretbox.seal(ZALO_SECRET), access_token_enc=secretbox.seal("zalo-oa-token")),
            ChannelAccount(unit_id=bd, platform="facebook", external_id=FB_PAGE, app_id="9988",
                           secret_enc=secretbox.seal(FB_SECRET), verify_token_enc=secretbox.seal(FB_VERIFY),
                           access_token_enc=secretbox.seal("fb-page-token")),
            ChannelAccount(unit_id=hb, platform="zalo", external_id="111", app_id=ZALO_APP,
                           secret_enc=secretbox.seal("another-secret")),
        ])
        db.session.commit()
        db.session.remove()


def _ms(delta: timedelta = timedelta()) -> int:
    return int((utcnow() + delta).timestamp() * 1000)


def zalo_payload(text: str, msg_id: str, sender: str = "8412345678901234", event: str = "user_send_text",
                 at: int | None = None) -> dict:
    """The shape of Zalo OA's ``user_send_text`` webhook event."""
    return {"app_id": ZALO_APP, "user_id_by_app": "55" + sender[-8:], "event_name": event,
            "timestamp": str(at or _ms()), "sender": {"id": sender}, "recipient": {"id": ZALO_OA},
            "message": {"msg_id": msg_id, "text": text}}


def post_zalo(base: str, payload: dict, unit: str = "bach-dang", secret: str = ZALO_SECRET,
              signature: str | None = "auto", raw: bytes | None = None):
    body = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "auto":
        mac = hashlib.sha256(ZALO_APP.encode() + body + str(payload.get("timestamp", "")).encode()
                             + secret.encode()).hexdigest()
        headers["X-ZEvent-Signature"] = f"mac={mac}"
    elif signature is not None:
        headers["X-ZEvent-Signature"] = signature
    return requests.post(f"{base}/webhooks/zalo/{unit}", data=body, headers=headers, timeout=30)


def fb_payload(*messages: tuple[str, str], sender: str = "6021987654321") -> dict:
    """The shape of a Messenger Platform ``messages`` webhook delivery (one entry, several events)."""
    return {"object": "page", "entry": [{"id": FB_PAGE, "time": _ms(), "messaging": [
        {"sender": {"id": sender}, "recipient": {"id": FB_PAGE}, "timestamp": _ms(),
         "message": {"mid": mid, "text": text}} for mid, text in messages]}]}


def post_fb(base: str, payload: dict, secret: str = FB_SECRET, signature: str | None = "auto"):
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "auto":
        headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    elif signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return requests.post(f"{base}/webhooks/facebook/bach-dang", data=body, headers=headers, timeout=30)


def _cases(app) -> list[Case]:
    with app.app_context():
        rows = db.session.execute(select(Case).order_by(Case.id)).scalars().all()
        for row in rows:
            db.session.expunge(row)
        return rows


def _events(app, case_id: int, kind: str) -> list[CaseEvent]:
    with app.app_context():
        rows = db.session.execute(select(CaseEvent).where(CaseEvent.case_id == case_id, CaseEvent.kind == kind)
                                  ).scalars().all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_a_signed_zalo_message_becomes_one_case_however_often_it_is_delivered(live_server, app, world, accounts):
    payload = zalo_payload("Đèn đường ở tổ dân phố số 5 bị hỏng 3 hôm nay", "msg-0001")
    first = post_zalo(live_server, payload)
    assert first.status_code == 200 and first.json()["results"][0]["result"] == "created"
    for _ in range(3):
        again = post_zalo(live_server, payload)
        assert again.status_code == 200 and again.json()["results"][0]["result"] == "duplicate"
    cases = _cases(app)
    assert len(cases) == 1
    case = cases[0]
    assert case.unit_id == world["units"]["bach-dang"] and case.channel == "zalo" and case.state == "new"
    assert case.platform_user_id == "8412345678901234" and case.content.startswith("Đèn đường")
    assert first.json()["results"][0]["tracking_code"] == case.tracking_code


def test_simultaneous_redeliveries_file_one_case(live_server, app, accounts):
    payload = zalo_payload("Rác thải tập kết sai giờ ở đầu ngõ 42", "msg-race")
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def deliver():
        barrier.wait()
        statuses.append(post_zalo(live_server, payload).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * 6
    assert len(_cases(app)) == 1
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(InboundMessage)).scalar() == 1


@pytest.mark.parametrize("signature,status", [
    (None, 401),
    ("mac=", 401),
    ("mac=" + "0" * 64, 403),
    ("mac=not hex ✓".encode(), 403),
])
def test_zalo_delivery_without_a_valid_signature_is_refused(live_server, app, accounts, signature, status, caplog):
    caplog.set_level(logging.WARNING, logger="hailong.channels")
    response = post_zalo(live_server, zalo_payload("Giả mạo", "msg-forged"), signature=signature)
    assert response.status_code == status
    assert response.json()["error"]["message"]
    assert _cases(app) == []
    assert any("refused" in r.getMessage() for r in caplog.records)


def test_a_sender_that_keeps_failing_the_signature_is_throttled_and_the_platform_is_not(live_server, app, accounts,
                                                                                       monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_REFUSAL_LIMIT", "3/600")
    for n in range(3):
        assert post_zalo(live_server, zalo_payload("Giả mạo", f"msg-forged-{n}"), signature="mac=" + "0" * 64
                         ).status_code == 403
    throttled = post_zalo(live_server, zalo_payload("Giả mạo", "msg-forged-4"), signature="mac=" + "0" * 64)
    assert throttled.status_code == 429 and int(throttled.headers["Retry-After"]) > 0
    assert throttled.json()["error"]["code"] == "throttled"
    assert _cases(app) == []


def test_signed_deliveries_are_never_throttled(live_server, app, accounts, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOK_REFUSAL_LIMIT", "3/600")
    for n in range(6):
        assert post_zalo(live_server, zalo_payload(f"Tin nhắn {n}", f"msg-ok-{n}")).status_code == 200


def test_a_message_signed_with_another_communes_secret_is_refused(live_server, app, accounts):
    payload = zalo_payload("Tin nhắn", "msg-other")
    assert post_zalo(live_server, payload, secret="another-secret").status_code == 403
    # the tampered body no longer matches the signature either
    body = json.dumps(payload).encode()
    good = hashlib.sha256(ZALO_APP.encode() + body + payload["timestamp"].encode() + ZALO_SECRET.encode()).hexdigest()
    tampered = body.replace(b"Tin nh", b"Tin NH")
    assert post_zalo(live_server, payload, signature=f"mac={good}", raw=tampered).status_code == 403
    assert _cases(app) == []


def test_unknown_events_old_messages_and_stickers_are_ignored_with_a_log_line(live_server, app, accounts, caplog):
    caplog.set_level(logging.INFO, logger="hailong.channels")
    follow = {"app_id": ZALO_APP, "event_name": "follow", "timestamp": str(_ms()), "oa_id": ZALO_OA,
              "follower": {"id": "8412345678901234"}}
    replayed = zalo_payload("Tin nhắn cũ gửi lại", "msg-old", at=_ms(-timedelta(days=3)))
    sticker = zalo_payload("", "msg-sticker", event="user_send_sticker")
    empty = zalo_payload("   ", "msg-empty")
    for payload in (follow, replayed, sticker, empty):
        response = post_zalo(live_server, payload)
        assert response.status_code == 200, response.text
        assert response.json()["results"][0]["result"] == "ignored"
    assert _cases(app) == []
    assert sum("ignored" in r.getMessage() for r in caplog.records) == 4


def test_oversized_and_malformed_bodies_get_a_4xx_never_a_500(live_server, app, accounts):
    huge = zalo_payload("Ồn ào " * 200_000, "msg-huge")  # about 1 MB of text
    assert post_zalo(live_server, huge).status_code == 413
    # a long but small-enough body whose text is over the case limit is ignored, not truncated silently
    long_text = zalo_payload("a" * 6000, "msg-long")
    assert post_zalo(live_server, long_text).json()["results"][0]["result"] == "ignored"
    for raw in (b"{not json", b"[1, 2]", b"\xff\xfe\x00", b""):
        response = post_zalo(live_server, {"timestamp": "1"}, raw=raw)
        assert response.status_code == 400 and response.json()["error"]["message"]  # ours or the edge check
    assert requests.post(f"{live_server}/webhooks/zalo/khong-co", data=b"{}", timeout=10).status_code == 404
    assert requests.post(f"{live_server}/webhooks/viber/bach-dang", data=b"{}", timeout=10).status_code == 404
    # Hòa Bình has no Facebook Page connected
    assert requests.post(f"{live_server}/webhooks/facebook/hoa-binh", data=b"{}", timeout=10).status_code == 404
    assert _cases(app) == []


def test_nfd_text_is_stored_nfc_and_emoji_are_kept(live_server, app, accounts):
    text = unicodedata.normalize("NFD", "Cán bộ tiếp dân rất nhiệt tình 👍🏻🙏")
    assert post_zalo(live_server, zalo_payload(text, "msg-nfd")).status_code == 200
    (case,) = _cases(app)
    assert case.content == unicodedata.normalize("NFC", text) and "👍🏻🙏" in case.content


def test_follow_ups_within_the_window_join_the_case_as_events(live_server, app, accounts):
    post_zalo(live_server, zalo_payload("Cống thoát nước ngõ 12 bị tắc", "m1"))
    post_zalo(live_server, zalo_payload("Nước đã tràn lên mặt đường rồi ạ", "m2"))
    post_zalo(live_server, zalo_payload("Cho tôi hỏi thủ tục cấp giấy khai sinh", "m3", sender="84999"))
    cases = _cases(app)
    assert len(cases) == 2
    joined = _events(app, cases[0].id, "message")
    assert [e.note for e in joined] == ["Nước đã tràn lên mặt đường rồi ạ"]
    assert joined[0].detail["message_id"] == "m2"
    # after the window (24 h by default) the same sender opens a new case
    with app.app_context():
        db.session.execute(update(InboundMessage).values(received_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
    post_zalo(live_server, zalo_payload("Cống lại tắc tiếp", "m4"))
    assert len(_cases(app)) == 3
    # and a follow-up never joins a case that is no longer open
    with app.app_context():
        newest = db.session.execute(select(Case).order_by(Case.id.desc())).scalars().first()
        newest.state = "rejected"
        db.session.commit()
    post_zalo(live_server, zalo_payload("Sao không ai trả lời?", "m5"))
    assert len(_cases(app)) == 4


def test_facebook_handshake_answers_the_challenge_only_with_the_right_token(live_server, accounts):
    url = f"{live_server}/webhooks/facebook/bach-dang"
    ok = requests.get(url, params={"hub.mode": "subscribe", "hub.verify_token": FB_VERIFY,
                                   "hub.challenge": "1158201444"}, timeout=10)
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong = requests.get(url, params={"hub.mode": "subscribe", "hub.verify_token": "doan-mo",
                                      "hub.challenge": "1158201444"}, timeout=10)
    assert wrong.status_code == 403 and "1158201444" not in wrong.text
    assert requests.get(url, timeout=10).status_code == 403


def test_facebook_messages_become_cases_once_and_echoes_are_ignored(live_server, app, accounts):
    payload = fb_payload(("m_AbC1", "Xin hỏi lịch tiêm chủng tháng 12 ở trạm y tế phường?"),
                         ("m_AbC2", "Và có cần mang sổ tiêm không ạ?"))
    echo = {"sender": {"id": FB_PAGE}, "recipient": {"id": "6021987654321"}, "timestamp": _ms(),
            "message": {"mid": "m_echo", "text": "Trả lời của trang", "is_echo": True}}
    read = {"sender": {"id": "6021987654321"}, "recipient": {"id": FB_PAGE}, "timestamp": _ms(),
            "read": {"watermark": _ms()}}
    payload["entry"][0]["messaging"] += [echo, read]
    response = post_fb(live_server, payload)
    assert response.status_code == 200
    assert [r["result"] for r in response.json()["results"]] == ["created", "joined", "ignored", "ignored"]
    assert [r["result"] for r in post_fb(live_server, payload).json()["results"]][:2] == ["duplicate", "duplicate"]
    (case,) = _cases(app)
    assert case.channel == "facebook" and case.platform_user_id == "6021987654321"
    assert post_fb(live_server, payload, signature="sha256=" + "ab" * 32).status_code == 403
    assert post_fb(live_server, payload, signature=None).status_code == 401
    other_page = fb_payload(("m_x", "Trang khác"))
    other_page["entry"][0]["id"] = "999"
    assert post_fb(live_server, other_page).json()["results"][0]["result"] == "ignored"
    instagram = {"object": "instagram", "entry": []}
    assert post_fb(live_server, instagram).json()["results"][0]["result"] == "ignored"
    assert len(_cases(app)) == 1


class _FakePlatform(BaseHTTPRequestHandler):
    """Stands in for Zalo's and Facebook's send APIs: records each request, answers as configured."""

    received: list[dict] = []
    fail = False

    def do_POST(self):  # noqa: N802
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).received.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                     "body": json.loads(body)})
        if type(self).fail:
            self.send_response(500)
            self.end_headers()
            return
        if self.path.startswith("/v3.0/oa/message/cs"):
            answer = {"error": 0, "message": "Success", "data": {"message_id": "zalo-out-1", "user_id": "x"}}
        else:
            answer = {"recipient_id": "6021987654321", "message_id": "m_out_1"}
        data = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def platform_api(app):
    _FakePlatform.received, _FakePlatform.fail = [], False
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakePlatform)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    old = app.config["ZALO_API_URL"], app.config["FACEBOOK_API_URL"]
    app.config["ZALO_API_URL"], app.config["FACEBOOK_API_URL"] = base, base + "/v23.0"
    yield _FakePlatform
    app.config["ZALO_API_URL"], app.config["FACEBOOK_API_URL"] = old
    server.shutdown()
    thread.join(timeout=5)


def test_staff_answer_on_the_same_channel_and_the_sender_is_masked(live_server, app, accounts, auth, client,
                                                                   platform_api):
    post_zalo(live_server, zalo_payload("Xin hỏi giờ làm việc thứ Bảy", "msg-ask"))
    post_fb(live_server, fb_payload(("m_q", "Trang có trả lời tin nhắn không?")))
    zalo_case, fb_case = _cases(app)
    auth.login("bd.canbo")
    listing = client.get("/admin/inbox/").get_data(as_text=True)
    assert "841**********234" in listing and "8412345678901234" not in listing
    page = client.get(f"/admin/inbox/{zalo_case.id}").get_data(as_text=True)
    assert 'id="channel-reply"' in page and "8412345678901234" not in page
    token = auth.csrf(f"/admin/inbox/{zalo_case.id}")
    sent = client.post(f"/admin/channels/cases/{zalo_case.id}/reply",
                       data={"csrf_token": token, "reply": "Bộ phận một cửa làm việc sáng thứ Bảy."},
                       follow_redirects=True)
    assert "Đã gửi tin nhắn" in sent.get_data(as_text=True)
    zalo_request = platform_api.received[-1]
    assert zalo_request["path"] == "/v3.0/oa/message/cs" and zalo_request["headers"]["access_token"] == "zalo-oa-token"
    assert zalo_request["body"] == {"recipient": {"user_id": "8412345678901234"},
                                    "message": {"text": "Bộ phận một cửa làm việc sáng thứ Bảy."}}
    (event,) = _events(app, zalo_case.id, "channel_reply")
    assert event.detail["message_id"] == "zalo-out-1"
    client.post(f"/admin/channels/cases/{fb_case.id}/reply", data={"csrf_token": token, "reply": "Có ạ."})
    fb_request = platform_api.received[-1]
    assert fb_request["path"].startswith("/v23.0/me/messages?access_token=fb-page-token")
    assert fb_request["body"]["recipient"] == {"id": "6021987654321"}
    assert fb_request["body"]["messaging_type"] == "RESPONSE"
    # the platform is down: staff are told, nothing is recorded as sent
    platform_api.fail = True
    failed = client.post(f"/admin/channels/cases/{fb_case.id}/reply", data={"csrf_token": token, "reply": "Lần 2"},
                         follow_redirects=True)
    assert "Không gửi được tin nhắn" in failed.get_data(as_text=True)
    assert len(_events(app, fb_case.id, "channel_reply")) == 1


def test_secrets_are_encrypted_write_only_and_per_commune(client, app, world, auth):
    auth.login("bd.admin")
    page = client.get("/admin/channels/").get_data(as_text=True)
    assert "/webhooks/zalo/bach-dang" in page and "/webhooks/facebook/bach-dang" in page
    token = auth.csrf("/admin/channels/")
    saved = client.post("/admin/channels/", data={
        "csrf_token": token, "platform": "zalo", "external_id": ZALO_OA, "app_id": ZALO_APP,
        "secret": "bi-mat-cua-OA-123", "access_token": "tok-zalo-456", "follow_up_hours": "12", "active": "1"})
    assert saved.status_code == 303
    page = client.get("/admin/channels/").get_data(as_text=True)
    assert "bi-mat-cua-OA-123" not in page and "tok-zalo-456" not in page and "đã lưu" in page
    with app.app_context():
        row = db.session.execute(select(ChannelAccount)).scalar_one()
        assert b"bi-mat-cua-OA-123" not in bytes(row.secret_enc)
        assert secretbox.open_(row.secret_enc) == "bi-mat-cua-OA-123" and row.follow_up_hours == 12
    # a blank field keeps the stored secret
    client.post("/admin/channels/", data={"csrf_token": token, "platform": "zalo", "external_id": ZALO_OA,
                                          "app_id": ZALO_APP, "secret": "", "follow_up_hours": "6", "active": "1"})
    with app.app_context():
        row = db.session.execute(select(ChannelAccount)).scalar_one()
        assert secretbox.open_(row.secret_enc) == "bi-mat-cua-OA-123" and row.follow_up_hours == 6
    bad = client.post("/admin/channels/", data={"csrf_token": token, "platform": "zalo", "external_id": "",
                                                "app_id": ZALO_APP, "follow_up_hours": "9999"})
    assert bad.status_code == 400 and "từ 0 đến 720 giờ" in bad.get_data(as_text=True)
    # staff who are not administrators, and other communes, cannot reach it
    other = app.test_client()
    Auth(other).login("bd.canbo")
    assert other.get("/admin/channels/").status_code == 403
    hb = app.test_client()
    Auth(hb).login("hb.admin")
    assert "bach-dang" not in hb.get("/admin/channels/").get_data(as_text=True)
    assert hb.get(f"/admin/channels/?unit_id={world['units']['bach-dang']}").status_code == 200  # own unit shown


def test_a_changed_secret_key_answers_503_with_a_reason(live_server, app, accounts):
    old = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "rotated-" + old
    try:
        response = post_zalo(live_server, zalo_payload("Tin nhắn", "msg-rotated"))
    finally:
        app.config["SECRET_KEY"] = old
    assert response.status_code == 503 and "nhập lại" in response.json()["error"]["message"]
    assert _cases(app) == []


@pytest.mark.parametrize("payload", [
    {"event_name": "user_send_text", "sender": "8412", "recipient": ["x"], "message": "chuỗi", "timestamp": "abc"},
    {"event_name": ["user_send_text"], "message": {"msg_id": {"a": 1}, "text": 5}, "timestamp": 10 ** 30},
    {"event_name": "user_send_text", "recipient": {"id": ZALO_OA}, "sender": {"id": True},
     "message": {"msg_id": "m-x", "text": ["a"]}, "timestamp": "1"},
    {},
])
def test_malformed_zalo_shapes_are_ignored_never_a_500(live_server, app, accounts, payload):
    response = post_zalo(live_server, payload)
    assert response.status_code == 200 and response.json()["results"][0]["result"] == "ignored"
    assert _cases(app) == []


@pytest.mark.parametrize("payload", [
    {"object": "page", "entry": "x"},
    {"object": "page", "entry": [{"id": FB_PAGE, "messaging": {"a": 1}}, 7, None]},
    {"object": "page", "entry": [{"id": FB_PAGE, "messaging": ["x", {"message": "y"},
                                                              {"message": {"mid": [], "text": "z"}}]}]},
    {"object": ["page"]},
])
def test_malformed_facebook_shapes_are_ignored_never_a_500(live_server, app, accounts, payload):
    response = post_fb(live_server, payload)
    assert response.status_code == 200
    assert all(r["result"] == "ignored" for r in response.json()["results"])
    assert _cases(app) == []
