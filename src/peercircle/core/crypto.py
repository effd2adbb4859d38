"""Encryption at rest for contact details.

Values are encrypted with Fernet (AES-128-CBC with HMAC-SHA256) under keys from
``FIELD_ENCRYPTION_KEYS``; the first key encrypts, all keys decrypt, so keys can
be rotated. Without configured keys a key is derived from SECRET_KEY, which is
fine for the embedded default and documented as not enough for production.
See docs/data-protection.md.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=1)
def _fernet() -> MultiFernet:
    keys = list(settings.FIELD_ENCRYPTION_KEYS)
    if not keys:
        digest = hashlib.sha256(
            b"peercircle-field-encryption:" + settings.SECRET_KEY.encode()
        ).digest()
        keys = [base64.urlsafe_b64encode(digest).decode()]
    return MultiFernet([Fernet(key.encode()) for key in keys])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValueError("This value was encrypted with a key that is not configured") from exc


class EncryptedTextField(models.TextField):
    """A text field stored encrypted; reads give back the plain text.

    It cannot be searched or ordered in the database, by design.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
