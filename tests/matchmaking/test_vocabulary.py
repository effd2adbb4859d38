"""The fixed words of one-to-one matching (pure: no database)."""

from __future__ import annotations

import pytest

from peercircle.matchmaking.vocabulary import (
    LANGUAGE_CODES,
    LANGUAGES,
    language_code,
    language_key,
)


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("Welsh", "welsh"),
        (" Cymraeg ", "welsh"),
        ("CY", "welsh"),
        ("English", "english"),
        ("en", "english"),
        ("Español", "spanish"),
        ("Tigrinya  ", "tigrinya"),
        ("British  Sign Language", "british sign language"),
    ],
)
def test_a_language_is_known_however_it_is_written(written, key):
    assert language_key(written) == key


def test_every_way_of_writing_a_language_leads_to_its_code():
    for code, names in LANGUAGES.items():
        for name in (*names, code):
            assert LANGUAGE_CODES[name] == code
            assert LANGUAGE_CODES[language_key(name)] == code
            assert language_code(f" {name.upper()} ") == code
    assert language_code("Tigrinya") is None
