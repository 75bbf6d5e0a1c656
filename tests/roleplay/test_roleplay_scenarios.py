"""Scenario files are checked against the schema; errors name the file, the line and the field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jalin.roleplay.errors import ScenarioError
from jalin.roleplay.scenario import load_scenario, scenario_dir

TRUANCY = (scenario_dir() / "truancy.yaml").read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str, name: str = "truancy") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_roleplay_scenario_with_unknown_label_id_names_file_line_and_field(tmp_path):
    text = TRUANCY.replace("opens: [reflection_feeling,", "opens: [reflektion_feeling,")
    path = _write(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    error = caught.value
    assert error.message_id == "unknown_label"
    assert error.line == _line_of(text, "opens:")
    assert error.field == "opens[0]"
    assert str(path) in error.message("id") and f":{error.line}" in error.message("en")
    assert "reflektion_feeling" in error.message("en") and "kolom 'opens[0]'" in error.message("id")


def test_roleplay_scenario_with_missing_field_names_it(tmp_path):
    text = TRUANCY.replace("presenting_problem:", "presenting_trouble:")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_write(tmp_path, text))
    # The misspelt key is reported first, where it stands.
    assert caught.value.message_id == "unknown_field"
    assert caught.value.line == _line_of(text, "presenting_trouble:")
    lines = [line for line in TRUANCY.splitlines() if not line.startswith("goals:")]
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_write(tmp_path, "\n".join(lines)))
    assert caught.value.message_id == "missing_field" and caught.value.field == "goals"
    assert "goals" in caught.value.message("id")


@pytest.mark.parametrize(("old", "new", "message_id", "field"), [
    ("level: 3", "level: 9", "out_of_range", "resistance.level"),
    ("start: defensive", "start: angry", "bad_choice", "resistance.start"),
    ("age: 16", "age: enam belas", "wrong_type", "persona.age"),
    ("goals: [rapport,", "goals: [kenalan,", "unknown_label", "goals[0]"),
    ("register: slang", "register: alay", "bad_choice", "persona.register"),
])
def test_roleplay_scenario_field_errors(tmp_path, old, new, message_id, field):
    text = TRUANCY.replace(old, new, 1)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_write(tmp_path, text))
    assert (caught.value.message_id, caught.value.field) == (message_id, field)
    assert caught.value.line == _line_of(text, new)


def test_roleplay_scenario_yaml_syntax_error_has_a_line(tmp_path):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_write(tmp_path, TRUANCY.replace("version: 1", "version: [1")))
    assert caught.value.message_id == "yaml_syntax" and caught.value.line


def test_roleplay_scenario_id_must_match_file_name(tmp_path):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_write(tmp_path, TRUANCY, name="bolos"))
    assert caught.value.message_id == "id_mismatch"


def _jalin(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jalin", "roleplay", *args], capture_output=True, text=True, check=False,
                          timeout=120, cwd=Path(__file__).parents[2])


def test_roleplay_cli_list_and_check(tmp_path):
    done = _jalin("list", "--lang", "en")
    assert done.returncode == 0 and "hopelessness_risk" in done.stdout and "[risk]" in done.stdout
    bad = _write(tmp_path, TRUANCY.replace("opens: [reflection_feeling,", "opens: [empathy,"))
    done = _jalin("list", "--check", str(bad))
    assert done.returncode == 2 and "empathy" in done.stderr and "opens[0]" in done.stderr
    assert "Traceback" not in done.stderr


def test_roleplay_cli_replay_text_and_json(tmp_path):
    script = Path(__file__).with_name("scripts") / "truancy.skilled.en.txt"
    done = _jalin("replay", "truancy", "--script", str(script), "--lang", "en", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["debrief"]["outcome"] == "breakthrough"
    assert data["dialogue"][0]["speaker"] == "counselor" and data["dialogue"][1]["speaker"] == "counselee"
    text = _jalin("replay", "truancy", "--script", str(script), "--lang", "en")
    assert "deepest layer" in text.stdout
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    done = _jalin("replay", "truancy", "--script", str(empty))
    assert done.returncode == 2 and "naskah" in done.stderr
    html = tmp_path / "html.txt"
    html.write_text("Selamat pagi.\n<b>Halo</b>\n")
    done = _jalin("replay", "truancy", "--script", str(html))
    assert done.returncode == 2 and f"{html}:2" in done.stderr
    done = _jalin("replay", "nope", "--script", str(script))
    assert done.returncode == 2 and "truancy" in done.stderr


def test_roleplay_cli_run_is_interactive():
    done = subprocess.run([sys.executable, "-m", "jalin", "roleplay", "run", "truancy", "--seed", "2"],
                          input="/petunjuk\nSelamat pagi Dimas, silakan duduk.\n\n/selesai\n", capture_output=True, check=False,
                          text=True, timeout=120, cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr
    assert "Dimas:" in done.stdout and "Siapkan diri" in done.stdout and "ujaran kosong" in done.stdout


def test_roleplay_engine_and_cli_never_import_django():
    code = ("import sys, jalin.roleplay.engine, jalin.roleplay.cli, jalin.roleplay.hints; "
            "print(any(m == 'django' or m.startswith('django.') for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)
    assert done.stdout.strip() == "False", done.stderr


def test_roleplay_authoring_doc_names_every_field_and_state():
    from jalin.roleplay.scenario import FAULTS, OPENER_MOVES, STATES

    doc = (Path(__file__).parents[2] / "docs" / "scenario-authoring.md").read_text(encoding="utf-8")
    for name in (*STATES, *FAULTS, *OPENER_MOVES, "layers", "resistance", "opens", "closes", "goals",
                 "presenting_problem", "persona", "register", "risk"):
        assert f"`{name}`" in doc, name


def test_roleplay_every_scenario_has_scripts():
    from jalin.roleplay.scenario import load_scenarios

    scripts = Path(__file__).with_name("scripts")
    for scenario_id in load_scenarios():
        for kind in ("skilled", "poor"):
            for lang in ("id", "en"):
                assert (scripts / f"{scenario_id}.{kind}.{lang}.txt").exists()
