"""Senders: one interface (:class:`Sender`) for every way a message leaves — e-mail over SMTP, and HTTP
gateways for SMS and Zalo ZNS. Configured from the environment (see the README); a medium with no sender
configured is not sent, and the outbox says why.

A sender raises :class:`TemporaryFailure` when trying again later may work (connection refused, timeout, a 4xx
SMTP reply, HTTP 5xx/408/429) and :class:`PermanentFailure` when it cannot (address refused, HTTP 4xx); the
outbox (:mod:`survey_app.services.delivery`) retries the first with backoff and records the second.
"""

from __future__ import annotations

import importlib
import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

TIMEOUT_SECONDS = 15


class DeliveryError(Exception):
    """A message could not be sent; the text is recorded in the outbox."""


class TemporaryFailure(DeliveryError):
    """Worth another try later."""


class PermanentFailure(DeliveryError):
    """Will never work as it stands (the address or the request is refused)."""


@dataclass(frozen=True)
class OutgoingMessage:
    medium: str
    recipient: str
    subject: str
    body: str
    #: Unique per outbox row ("hailong-42"): gateways use it to drop a repeated request.
    reference: str
    #: Named values for a template-based channel (Zalo ZNS): tracking code, state, link, commune.
    data: dict = field(default_factory=dict)


class Sender(Protocol):
    def send(self, message: OutgoingMessage) -> None:
        """Deliver or raise :class:`DeliveryError`."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    starttls: bool
    ssl: bool
    sender: str

    @classmethod
    def from_url(cls, url: str, default_from: str | None = None) -> SmtpSettings:
        """``smtp://user:pass@host:587?starttls=1`` (``smtps://`` for implicit TLS; ``&from=`` sets the From)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("HAILONG_SMTP_URL phải có dạng smtp://người-dùng:mật-khẩu@máy-chủ:587?starttls=1")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        secure = parts.scheme == "smtps"
        sender = query.get("from") or default_from or f"hailong@{parts.hostname}"
        return cls(host=parts.hostname, port=parts.port or (465 if secure else 25),
                   username=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None,
                   starttls=query.get("starttls", "0").lower() in ("1", "true", "yes"), ssl=secure, sender=sender)


class SmtpSender:
    """E-mail through an SMTP server (the city's mail server or a relay)."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    def send(self, message: OutgoingMessage) -> None:
        s = self.settings
        mail = EmailMessage()
        mail["From"], mail["To"], mail["Subject"] = s.sender, message.recipient, message.subject
        mail["Message-ID"] = make_msgid(idstring=message.reference)
        mail.set_content(message.body)
        try:
            if s.ssl:
                client = smtplib.SMTP_SSL(s.host, s.port, timeout=TIMEOUT_SECONDS,
                                          context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(s.host, s.port, timeout=TIMEOUT_SECONDS)
            with client:
                if s.starttls:
                    client.starttls(context=ssl.create_default_context())
                if s.username:
                    client.login(s.username, s.password or "")
                client.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure(f"Máy chủ thư từ chối địa chỉ {message.recipient}: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            reply = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else exc.smtp_error
            kind = PermanentFailure if 500 <= exc.smtp_code < 600 else TemporaryFailure
            raise kind(f"Máy chủ thư trả lời {exc.smtp_code} {reply}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"Không kết nối được máy chủ thư {s.host}:{s.port}: {exc}") from exc


class HttpGatewaySender:
    """SMS or Zalo ZNS through an HTTP gateway: one JSON POST per message (shape in the README)."""

    def __init__(self, medium: str, url: str, key: str | None, template_id: str | None = None) -> None:
        self.medium, self.url, self.key, self.template_id = medium, url, key, template_id

    def payload(self, message: OutgoingMessage) -> dict:
        body = {"channel": self.medium, "to": message.recipient, "text": message.body,
                "reference": message.reference}
        if self.medium == "zalo":
            body["template_id"] = self.template_id
            body["template_data"] = message.data
        return body

    def send(self, message: OutgoingMessage) -> None:
        request = urllib.request.Request(  # noqa: S310 -- the URL is the operator's configuration
            self.url, data=json.dumps(self.payload(message), ensure_ascii=False).encode(), method="POST",
            headers={"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": message.reference,
                     **({"Authorization": f"Bearer {self.key}"} if self.key else {})})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as exc:
            text = exc.read()[:200].decode(errors="replace")
            kind = TemporaryFailure if exc.code >= 500 or exc.code in (408, 429) else PermanentFailure
            raise kind(f"Cổng {self.medium} trả lời HTTP {exc.code}: {text}") from exc
        except (OSError, urllib.error.URLError) as exc:
            raise TemporaryFailure(f"Không kết nối được cổng {self.medium} {urlsplit(self.url).netloc}: {exc}") \
                from exc


class CallableSender:
    """``NOTIFICATION_SENDER=module:function``: a site's own adapter, ``function(message)``, for every medium."""

    def __init__(self, path: str) -> None:
        module, _, name = path.partition(":")
        self.function = getattr(importlib.import_module(module), name)

    def send(self, message: OutgoingMessage) -> None:
        self.function(message)


def from_config(config) -> dict[str, Sender]:
    """The senders configured for this process, by medium."""
    if config.get("NOTIFICATION_SENDER"):
        sender = CallableSender(config["NOTIFICATION_SENDER"])
        return {"email": sender, "sms": sender, "zalo": sender}
    senders: dict[str, Sender] = {}
    if config.get("SMTP_URL"):
        senders["email"] = SmtpSender(SmtpSettings.from_url(config["SMTP_URL"], config.get("SMTP_FROM")))
    if config.get("SMS_GATEWAY_URL"):
        senders["sms"] = HttpGatewaySender("sms", config["SMS_GATEWAY_URL"], config.get("SMS_GATEWAY_KEY"))
    if config.get("ZALO_GATEWAY_URL"):
        senders["zalo"] = HttpGatewaySender("zalo", config["ZALO_GATEWAY_URL"], config.get("ZALO_GATEWAY_KEY"),
                                            config.get("ZALO_TEMPLATE_ID"))
    return senders


#: Where each medium is configured, for the reason recorded when it is not.
SETTING = {"email": "HAILONG_SMTP_URL", "sms": "HAILONG_SMS_URL", "zalo": "HAILONG_ZALO_URL"}
