"""The typed environment readers behind settings.py (peercircle.config.env).

They must accept the documented spellings, fall back to defaults when a
variable is unset or empty, read ``NAME_FILE`` for secrets, and fail loudly with
a message that names the variable and the bad value.
"""

from __future__ import annotations

import pytest

from peercircle.config.env import ConfigError, env_bool, env_int, env_list, env_str

NAME = "PEERCIRCLE_TEST_SETTING"


@pytest.fixture(autouse=True)
def _clean(monkeypatch):
    monkeypatch.delenv(NAME, raising=False)
    monkeypatch.delenv(f"{NAME}_FILE", raising=False)


def test_unset_and_empty_variables_give_the_default(monkeypatch):
    assert env_str(NAME, "fallback") == "fallback"
    assert env_bool(NAME, True) is True
    assert env_int(NAME, 7) == 7
    assert env_list(NAME, ["a"]) == ["a"]
    monkeypatch.setenv(NAME, "")
    assert env_str(NAME, "fallback") == "fallback"
    assert env_bool(NAME, False) is False
    assert env_int(NAME, 3) == 3


@pytest.mark.parametrize("value", ["1", "true", "TRUE", "yes", "on", " On "])
def test_env_bool_reads_the_spellings_of_true(monkeypatch, value):
    monkeypatch.setenv(NAME, value)
    assert env_bool(NAME, False) is True


@pytest.mark.parametrize("value", ["0", "false", "No", "off"])
def test_env_bool_reads_the_spellings_of_false(monkeypatch, value):
    monkeypatch.setenv(NAME, value)
    assert env_bool(NAME, True) is False


@pytest.mark.parametrize("value", ["maybe", "2", "enabled", "tru"])
def test_env_bool_refuses_anything_else_and_names_the_variable(monkeypatch, value):
    monkeypatch.setenv(NAME, value)
    with pytest.raises(ConfigError) as caught:
        env_bool(NAME)
    message = str(caught.value)
    assert NAME in message
    assert repr(value) in message
    assert "true or false" in message


def test_env_int_reads_whole_numbers(monkeypatch):
    monkeypatch.setenv(NAME, "42")
    assert env_int(NAME, 1) == 42


@pytest.mark.parametrize("value", ["ten", "1.5", "8000abc"])
def test_env_int_refuses_what_is_not_a_whole_number(monkeypatch, value):
    monkeypatch.setenv(NAME, value)
    with pytest.raises(ConfigError, match=rf"{NAME} must be a whole number, not '{value}'"):
        env_int(NAME, 1)


def test_env_int_refuses_a_number_below_its_minimum(monkeypatch):
    monkeypatch.setenv(NAME, "0")
    with pytest.raises(ConfigError, match=rf"{NAME} must be at least 1, not 0"):
        env_int(NAME, 5, minimum=1)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv(NAME, " example.org, ,www.example.org ,")
    assert env_list(NAME) == ["example.org", "www.example.org"]


def test_a_file_variable_supplies_the_value(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-the-file\n", encoding="utf-8")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret))
    assert env_str(NAME) == "from-the-file"


def test_the_file_variable_wins_over_the_plain_one(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("25", encoding="utf-8")
    monkeypatch.setenv(NAME, "10")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret))
    assert env_int(NAME, 1) == 25


def test_file_values_are_checked_like_plain_ones(monkeypatch, tmp_path):
    secret = tmp_path / "flag"
    secret.write_text("perhaps\n", encoding="utf-8")
    monkeypatch.setenv(f"{NAME}_FILE", str(secret))
    with pytest.raises(ConfigError, match="must be true or false"):
        env_bool(NAME)


def test_a_missing_file_fails_loudly_and_says_which(monkeypatch, tmp_path):
    missing = tmp_path / "not-there"
    monkeypatch.setenv(f"{NAME}_FILE", str(missing))
    with pytest.raises(ConfigError) as caught:
        env_str(NAME, "default")
    message = str(caught.value)
    assert f"{NAME}_FILE" in message
    assert str(missing) in message
    assert "cannot be read" in message


def _variables_read() -> set[str]:
    """Every variable settings.py and the command read through the helpers."""
    import re
    from pathlib import Path

    src = Path(__file__).resolve().parents[2] / "src" / "peercircle"
    pattern = re.compile(r"""env_(?:str|bool|int|list)\(\s*["']([A-Z][A-Z0-9_]*)["']""")
    names: set[str] = set()
    for path in (src / "config" / "settings.py", src / "cli.py"):
        names |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return names


def test_env_example_and_the_configuration_page_list_every_variable_read():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    example = (root / ".env.example").read_text(encoding="utf-8")
    page = (root / "docs" / "configuration.md").read_text(encoding="utf-8")
    names = _variables_read()
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TASKS_BACKEND"} <= names
    assert not [name for name in sorted(names) if f"#{name}=" not in example]
    assert not [name for name in sorted(names) if f"`{name}`" not in page]
