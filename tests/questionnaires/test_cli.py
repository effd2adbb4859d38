"""``peercircle measures load-text FILE --organisation SLUG`` and ``measures status``,
called in-process as people call them: a good file is loaded and said so; a
bad one says what is wrong, exits non-zero and loads nothing.
See docs/questionnaires.md and docs/examples/README.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from peercircle import cli
from peercircle.core.models import AuditEvent
from peercircle.questionnaires import services
from peercircle.questionnaires.models import InstrumentText
from tests.questionnaires.test_services import WEMWBS_FILE

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "docs/examples/instrument-texts.example.json"


def _file(tmp_path, data, name="texts.json"):
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def _load(path, slug="riverside"):
    return cli.main(["measures", "load-text", path, "--organisation", slug])


def test_a_good_file_is_loaded_and_the_instrument_can_be_scheduled(
    tmp_path, org, programme, coordinator, capsys
):
    assert _load(_file(tmp_path, WEMWBS_FILE)) == 0
    out = capsys.readouterr().out
    assert "Loaded the WEMWBS texts for Riverside Peer Support (WEMWBS v1, licence R-123)" in out
    assert "14 questions, 5 answer options each, instructions." in out
    assert "can now be scheduled" in out
    assert services.instrument_status(org.pk, "wemwbs") == "ready"
    assert services.texts_for(org.pk, "wemwbs").items[13] == "Statement 14"
    assert AuditEvent.objects.filter(action="questionnaires.text_load").count() == 1
    services.schedule_point_add(
        actor=coordinator, programme=programme, instrument="wemwbs", label="Baseline"
    )


def test_loading_again_replaces_the_texts_and_says_so(tmp_path, org, capsys):
    assert _load(_file(tmp_path, WEMWBS_FILE)) == 0
    second = {**WEMWBS_FILE, "version": "WEMWBS v2, licence R-124", "items": ["New"] * 14}
    assert _load(_file(tmp_path, second, "second.json")) == 0
    out = capsys.readouterr().out
    assert "They replace the texts loaded on" in out and "(WEMWBS v1, licence R-123)" in out
    row = InstrumentText.objects.get()
    assert row.version == "WEMWBS v2, licence R-124" and row.items[0] == "New"


def test_options_may_be_given_per_question(tmp_path, org, capsys):
    data = {
        "instrument": "epds",
        "version": "EPDS, permission letter 2025",
        "items": [f"Question {n}" for n in range(1, 11)],
        "options": [[f"Answer {n}.{k}" for k in range(1, 5)] for n in range(1, 11)],
    }
    assert _load(_file(tmp_path, data)) == 0
    assert services.texts_for(org.pk, "epds").options[9][3] == "Answer 10.4"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON: Expecting property name enclosed in double quotes"),
        ("[]", "The file must hold one object"),
        (json.dumps({**WEMWBS_FILE, "instrument": "nope"}), "Unknown instrument 'nope'"),
        (
            json.dumps({**WEMWBS_FILE, "items": ["one"] * 13}),
            'WEMWBS "items" must have 14 entries; the file has 13.',
        ),
        (
            json.dumps({**WEMWBS_FILE, "options": ["a", "b", "c"]}),
            "WEMWBS item 1 options must have 5 entries; the file has 3.",
        ),
        (json.dumps({**WEMWBS_FILE, "version": ""}), "which edition and licence"),
    ],
)
def test_a_bad_file_says_what_is_wrong_and_loads_nothing(tmp_path, org, capsys, content, message):
    assert _load(_file(tmp_path, content)) == 1
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""
    assert not InstrumentText.objects.exists()


def test_a_missing_file_or_one_that_is_not_text_fails_plainly(tmp_path, org, capsys):
    assert _load(str(tmp_path / "missing.json")) == 1
    assert "there is no file" in capsys.readouterr().err
    binary = tmp_path / "texts.json"
    binary.write_bytes(b"\xff\xfe\x00{")
    assert _load(str(binary)) == 1
    assert "is not UTF-8 text" in capsys.readouterr().err
    assert not InstrumentText.objects.exists()


def test_an_unknown_organisation_is_refused(tmp_path, org, capsys):
    assert _load(_file(tmp_path, WEMWBS_FILE), slug="nowhere") == 1
    err = capsys.readouterr().err
    assert "no organisation with the slug 'nowhere'" in err and "riverside" in err
    assert not InstrumentText.objects.exists()


def test_the_example_file_has_the_right_layout_but_is_refused_as_placeholder(tmp_path, org, capsys):
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    # Its layout is right: with a real version it would load.
    services.text_load(organisation=org, data={**example, "version": "test"})
    InstrumentText.objects.all().delete()
    assert _load(str(EXAMPLE)) == 1
    assert "is the example file, with placeholder wording" in capsys.readouterr().err
    assert not InstrumentText.objects.exists()


def test_the_organisation_option_is_required(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["measures", "load-text", "texts.json"])
    assert exited.value.code == 2
    assert "--organisation" in capsys.readouterr().err


def test_measures_alone_prints_its_help(capsys, db):
    assert cli.main(["measures"]) == 2
    assert "load-text" in capsys.readouterr().out


def test_status_lists_what_is_ready_and_where_the_texts_come_from(tmp_path, org, capsys):
    _load(_file(tmp_path, WEMWBS_FILE))
    capsys.readouterr()
    assert cli.main(["measures", "status", "--organisation", "riverside"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert "ready" in lines["phq9"] and "shipped" in lines["phq9"]
    assert "ready" in lines["wemwbs"] and "WEMWBS v1, licence R-123" in lines["wemwbs"]
    assert "needs licensed text" in lines["epds"] and "load-text" in lines["epds"]
    assert "needs text" in lines["core10"]
