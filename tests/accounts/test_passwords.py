"""Production password hashing is Argon2 (the tests themselves use MD5 for speed)."""

from __future__ import annotations

from django.conf import settings
from django.test import override_settings

from tests.factories import UserFactory


def test_production_hasher_is_argon2(db):
    assert settings.PRODUCTION_PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=settings.PRODUCTION_PASSWORD_HASHERS):
        user = UserFactory()
        user.set_password("quiet meadow lantern 3")
        assert user.password.startswith("argon2$")
        assert user.check_password("quiet meadow lantern 3")
        assert not user.check_password("quiet meadow lantern 4")
