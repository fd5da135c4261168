"""Messages really leave: e-mail to a real SMTP server (aiosmtpd) started here, SMS and Zalo ZNS to a local HTTP
gateway that checks the request shape; unreachable servers are retried with backoff, then failed with the
reason, while the rest of the queue moves; a claimed message is never sent twice."""

from __future__ import annotations

import json
import socket
import threading
from datetime import timedelta
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from survey_app.extensions import db
from survey_app.models import CaseCategory, Notification, User
from survey_app.services import cases as case_service
from survey_app.services.delivery import MAX_ATTEMPTS, deliver_pending
from survey_app.timeutil import utcnow


class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 -- aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield inbox, f"smtp://127.0.0.1:{controller.port}?from=hailong@haiphong.gov.vn"
    controller.stop()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gateway:
    """A local SMS/Zalo gateway: records each request; answers ``status`` (200 by default)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 -- http.server's hook name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.requests.append({"path": self.path, "headers": dict(self.headers),
                                         "json": json.loads(body.decode("utf-8"))})
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if gateway.status == 200 else b'{"error": "invalid phone"}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    g = Gateway()
    yield g
    g.close()


@pytest.fixture
def configured(app):
    saved = dict(app.config)
    app.config["PUBLIC_BASE_URL"] = "https://hailong.haiphong.gov.vn"
    yield app.config
    app.config.clear()
    app.config.update(saved)


def _case(world, email: str = "", phone: str = "", consent: bool = True):
    category = db.session.execute(select(CaseCategory.id).where(CaseCategory.code == "moi-truong")).scalar()
    case, _ = case_service.file_case(case_service.CaseInput(
        unit_id=world["units"]["bach-dang"], channel="web", kind="phan_anh", category_id=category,
        content="Đèn đường ngõ 5 bị hỏng", name="Nguyễn Văn An", email=email, phone=phone,
        consent_contact=consent, consent_notify=consent))
    db.session.commit()
    return case


def _rows():
    return db.session.execute(select(Notification).order_by(Notification.id)).scalars().all()


def test_the_answer_email_reaches_a_real_smtp_server_with_the_commune_and_the_tracking_link(
        app, world, configured, smtp_server):
    inbox, url = smtp_server
    configured["SMTP_URL"] = url
    with app.app_context():
        case = _case(world, email="an.nguyen@example.vn")
        staff = db.session.get(User, world["users"]["bd.canbo"])
        case_service.answer(staff, case, "Đã thay bóng đèn ngày 28/11.", publish_now=True)
        db.session.commit()
        result = deliver_pending(db.session)
        assert (result.sent, result.retry, result.failed) == (2, 0, 0)
        assert [r.status for r in _rows()] == ["sent", "sent"]
        again = deliver_pending(db.session)  # nothing is sent twice
        assert (again.sent, again.retry, again.failed) == (0, 0, 0)
        code = case.tracking_code
    assert len(inbox.messages) == 2
    recipients, mail = inbox.messages[1]
    assert recipients == ["an.nguyen@example.vn"]
    assert mail["From"] == "hailong@haiphong.gov.vn"
    assert "Phường Bạch Đằng" in mail["Subject"] and code in mail["Subject"]
    text = mail.get_content()
    assert f"https://hailong.haiphong.gov.vn/tra-cuu?code={code}" in text
    assert "UBND Phường Bạch Đằng" in text and "đã có kết quả trả lời" in text
    assert "Nguyễn Văn An" not in text and "Đã thay bóng đèn" not in text  # code, state and link only


def test_sms_and_zalo_gateways_receive_the_documented_request(app, world, configured, gateway):
    configured.update(SMS_GATEWAY_URL=gateway.url + "/sms", SMS_GATEWAY_KEY="sms-key",
                      ZALO_GATEWAY_URL=gateway.url + "/zns", ZALO_GATEWAY_KEY="zalo-key", ZALO_TEMPLATE_ID="271828")
    with app.app_context():
        case = _case(world, phone="0912345678")  # Zalo configured: phones get ZNS
        configured["ZALO_GATEWAY_URL"] = None
        configured["SMS_GATEWAY_URL"] = gateway.url + "/sms"
        sms_case = _case(world, phone="0987654321")
        configured["ZALO_GATEWAY_URL"] = gateway.url + "/zns"
        assert [r.medium for r in _rows()] == ["zalo", "sms"]
        result = deliver_pending(db.session)
        assert result.sent == 2
        zalo_id, sms_id = (r.id for r in _rows())
    zalo, sms = gateway.requests
    assert zalo["path"] == "/zns" and zalo["headers"]["Authorization"] == "Bearer zalo-key"
    assert zalo["headers"]["Idempotency-Key"] == f"hailong-{zalo_id}"
    assert zalo["json"]["channel"] == "zalo" and zalo["json"]["to"] == "0912345678"
    assert zalo["json"]["template_id"] == "271828"
    assert zalo["json"]["template_data"] == {
        "tracking_code": case.tracking_code, "status": "Mới tiếp nhận", "commune": "Phường Bạch Đằng",
        "link": f"https://hailong.haiphong.gov.vn/tra-cuu?code={case.tracking_code}"}
    assert sms["path"] == "/sms" and sms["headers"]["Authorization"] == "Bearer sms-key"
    assert sms["json"]["channel"] == "sms" and sms["json"]["to"] == "0987654321"
    assert sms["json"]["reference"] == f"hailong-{sms_id}" and sms_case.tracking_code in sms["json"]["text"]
    assert "template_id" not in sms["json"]


def test_a_refused_message_fails_at_once_with_the_gateway_reason(app, world, configured, gateway):
    configured.update(SMS_GATEWAY_URL=gateway.url, SMS_GATEWAY_KEY="k")
    gateway.status = 400
    with app.app_context():
        _case(world, phone="0912345678")
        result = deliver_pending(db.session)
        assert (result.sent, result.failed) == (0, 1)
        row = _rows()[0]
        assert row.status == "failed" and row.attempts == 1 and "HTTP 400" in row.error and row.failed_at
        assert "invalid phone" in row.error


def test_an_unreachable_smtp_server_is_retried_with_backoff_then_failed_and_the_rest_of_the_queue_moves(
        app, world, configured, gateway):
    configured.update(SMTP_URL=f"smtp://127.0.0.1:{_free_port()}", SMS_GATEWAY_URL=gateway.url)
    with app.app_context():
        _case(world, email="a@example.vn", phone="0912345678")
        _case(world, email="b@example.vn")
        now = utcnow()
        first = deliver_pending(db.session, now=now)
        assert (first.sent, first.retry, first.failed) == (1, 2, 0)  # the SMS left; both e-mails wait
        assert len(gateway.requests) == 1
        email_rows = [r for r in _rows() if r.medium == "email"]
        assert all(r.status == "pending" and "Không kết nối được máy chủ thư" in r.error for r in email_rows)
        assert deliver_pending(db.session, now=now + timedelta(seconds=10)).retry == 0  # backing off
        for _ in range(3 * MAX_ATTEMPTS):
            now += timedelta(hours=3)
            deliver_pending(db.session, now=now)
            db.session.expire_all()
            if all(r.status == "failed" for r in _rows() if r.medium == "email"):
                break
        failed = [r for r in _rows() if r.medium == "email"]
        assert [r.status for r in failed] == ["failed", "failed"]
        assert all(r.attempts == MAX_ATTEMPTS and "Thất bại sau 5 lần thử" in r.error for r in failed)
        assert len(gateway.requests) == 1  # the SMS was not sent again


def test_a_medium_without_a_sender_is_recorded_as_not_configured(app, world, configured):
    with app.app_context():
        _case(world, email="a@example.vn")
        assert deliver_pending(db.session).failed == 1
        assert "HAILONG_SMTP_URL" in _rows()[0].error


def test_two_workers_never_send_the_same_message(app, world, configured, smtp_server):
    inbox, url = smtp_server
    configured["SMTP_URL"] = url
    with app.app_context():
        for n in range(6):
            _case(world, email=f"c{n}@example.vn")
        db.session.remove()
    totals = []

    def worker():
        with app.app_context():
            totals.append(deliver_pending(db.session).sent)
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(totals) == 6 and len(inbox.messages) == 6
    assert sorted(r[0][0] for r in inbox.messages) == [f"c{n}@example.vn" for n in range(6)]
