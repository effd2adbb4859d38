"""Contact details are encrypted at rest: the column holds ciphertext, reads give plain text."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection

from peercircle.accounts.models import User
from peercircle.core import crypto
from tests.factories import UserFactory


def _raw_columns(user_id):
    table = User._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT real_name, email, phone FROM {table} WHERE id = %s", [user_id])  # noqa: S608
        return cursor.fetchone()


def test_contact_details_are_not_stored_as_plain_text(db):
    user = UserFactory(real_name="Harriet Quill", email="harriet@example.org", phone="07700 900456")
    raw = _raw_columns(user.pk)
    for plain, stored in zip(
        ["Harriet Quill", "harriet@example.org", "07700 900456"], raw, strict=True
    ):
        assert stored
        assert plain not in stored
        assert crypto.decrypt(stored) == plain


def test_reading_back_gives_the_plain_text(db):
    user = UserFactory(real_name="Harriet Quill", email="harriet@example.org", phone="07700 900456")
    again = User.objects.get(pk=user.pk)
    assert (again.real_name, again.email, again.phone) == (
        "Harriet Quill",
        "harriet@example.org",
        "07700 900456",
    )


def test_empty_values_stay_empty(db):
    user = UserFactory(real_name="", email="", phone="")
    assert _raw_columns(user.pk) == ("", "", "")


def test_same_value_encrypts_differently_each_time(db):
    assert crypto.encrypt("same") != crypto.encrypt("same")


def test_keys_rotate_old_key_still_decrypts(settings, db):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    try:
        settings.FIELD_ENCRYPTION_KEYS = [old_key]
        crypto._fernet.cache_clear()
        token = crypto.encrypt("rotate me")
        settings.FIELD_ENCRYPTION_KEYS = [new_key, old_key]
        crypto._fernet.cache_clear()
        assert crypto.decrypt(token) == "rotate me"
        settings.FIELD_ENCRYPTION_KEYS = [new_key]
        crypto._fernet.cache_clear()
        with pytest.raises(ValueError, match="not configured"):
            crypto.decrypt(token)
    finally:
        crypto._fernet.cache_clear()
