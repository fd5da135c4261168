"""Secrets entered by staff (platform keys and tokens), encrypted at rest with Fernet keyed from SECRET_KEY.

A database dump alone does not reveal them. Changing SECRET_KEY makes them unreadable: they must be entered
again (the settings page says which are missing).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


class SecretUnreadable(Exception):
    """The stored value was encrypted under another SECRET_KEY (or is damaged)."""


def _box() -> Fernet:
    digest = hashlib.sha256(b"hailong/secretbox/v1:" + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(value: str) -> bytes:
    return _box().encrypt(value.encode())


def open_(token: bytes | None) -> str | None:
    """The plain value, or None when nothing is stored; raises SecretUnreadable when it cannot be decrypted."""
    if token is None:
        return None
    try:
        return _box().decrypt(bytes(token)).decode()
    except InvalidToken as exc:
        raise SecretUnreadable from exc
