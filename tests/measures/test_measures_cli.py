"""`jalin measures list` and `jalin measures score`."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jalin.measures.instruments.cli import measures_main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any, str]:
    status = measures_main(list(argv))
    out, err = capsys.readouterr()
    return status, (json.loads(out) if out else None), err


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    status, data, _ = run(capsys, "list")
    assert status == 0
    codes = {i["code"]: i for i in data["instruments"]}
    assert set(codes) == {"phq9", "gad7", "laiseg", "laijapen", "wai_sr", "alliance_jalin"}
    assert codes["alliance_jalin"]["validated"] is False and codes["wai_sr"]["placeholder_wording"] is True


def test_list_titles_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    status, data, _ = run(capsys, "list", "--lang", "en")
    titles = {i["code"]: i["title"] for i in data["instruments"]}
    assert status == 0 and titles["phq9"] == "Patient Health Questionnaire (PHQ-9)"


def test_help_returns_0_with_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    assert measures_main(["score", "--help"]) == 0
    assert "Example: jalin measures score phq9 --answers" in capsys.readouterr().out


def test_docs_show_every_command() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "instruments.md").read_text(encoding="utf-8")
    for command in ("jalin measures list", "jalin measures score", "--answers-json", "--lang", "--dir"):
        assert command in docs


def test_instrument_code_as_people_write_it(capsys: pytest.CaptureFixture[str]) -> None:
    status, data, _ = run(capsys, "score", "PHQ-9", "--answers", "0,0,0,0,0,0,0,0,0")
    assert status == 0 and data["instrument"] == "phq9" and data["critical_items"] == []


def test_score_phq9_prints_total_band_and_critical_items(capsys: pytest.CaptureFixture[str]) -> None:
    status, data, err = run(capsys, "score", "phq9", "--answers", "0,1,2,3,0,1,2,3,1")
    assert status == 0 and err == ""
    assert data["total"] == 13 and data["band"] == {"id": "moderate", "label": "Sedang"}
    assert [c["item"] for c in data["critical_items"]] == ["9"]
    assert data["subscales"] == {}


def test_score_in_english(capsys: pytest.CaptureFixture[str]) -> None:
    status, data, _ = run(capsys, "score", "gad7", "--answers", "3,3,3,3,3,0,0", "--lang", "en")
    assert status == 0 and data["band"] == {"id": "severe", "label": "Severe"} and data["language"] == "en"


def test_score_wai_sr_subscales(capsys: pytest.CaptureFixture[str]) -> None:
    status, data, _ = run(capsys, "score", "wai_sr", "--answers", "5,4,3,2,1,5,4,3,2,1,5,4")
    assert status == 0 and data["subscales"] == {"task": 3.5, "bond": 2.5, "goal": 3.75}
    assert data["total"] == 3.25 and data["band"] is None


def test_answers_json_file_and_stdin(capsys: pytest.CaptureFixture[str], write_json: Callable[[str, Any], Path],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    file = write_json("laiseg.json", {"understanding": "Saya paham", "comfort": 5, "action": "Belajar"})
    status, data, _ = run(capsys, "score", "laiseg", "--answers-json", str(file))
    assert status == 0 and (data["total"], data["band"]["id"]) == (5, "relieved")

    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps([1, 1, 1, 1, 1, 1, 1])))
    status, data, _ = run(capsys, "score", "gad7", "--answers-json", "-")
    assert status == 0 and data["total"] == 7


def test_organisation_directory_option(capsys: pytest.CaptureFixture[str], write_json: Callable[[str, Any], Path],
                                       raw_definition: Callable[[str], dict[str, Any]]) -> None:
    own = dict(raw_definition("alliance_jalin.en"), code="school_feedback")
    org = write_json("org/school_feedback.en.json", own).parent
    status, data, _ = run(capsys, "--dir", str(org), "list")
    assert status == 0
    assert {"code": "school_feedback", "origin": "organisation"}.items() <= next(
        i for i in data["instruments"] if i["code"] == "school_feedback").items()


BAD_INPUT = [
    (["score", "phq9", "--answers", "0,1,2"], "ada 3 jawaban, seharusnya 9"),
    (["score", "phq9", "--answers", "0,1,2,3,0,1,2,3,4", "--lang", "en"], "item 9: value 4 is out of range"),
    (["score", "gad7", "--answers", "0,x,0,0,0,0,0", "--lang", "en"], "item 2: answer 'x' is not a whole number"),
    (["score", "bdi", "--answers", "1"], "tidak dikenal"),
    (["score", "phq9"], "one of the arguments --answers --answers-json is required"),
    (["score", "phq9", "--answers-json", "/nonexistent/answers.json"], "cannot read"),
    (["frobnicate"], "invalid choice"),
    ([], "required"),
]


@pytest.mark.parametrize(("argv", "expected"), BAD_INPUT)
def test_bad_input_is_one_clear_line_and_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str],
                                                 expected: str) -> None:
    status, data, err = run(capsys, *argv)
    assert status == 2 and data is None
    assert err.count("\n") == 1 and err.startswith("error: ") and expected in err


def test_invalid_json_answers(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    file = tmp_path / "a.json"
    file.write_text("{1: 2", encoding="utf-8")
    status, _, err = run(capsys, "score", "gad7", "--answers-json", str(file))
    assert status == 2 and "not valid JSON" in err
    file.write_text('"0,1"', encoding="utf-8")
    status, _, err = run(capsys, "score", "gad7", "--answers-json", str(file))
    assert status == 2 and "JSON object" in err


def test_malformed_organisation_file_exits_2(capsys: pytest.CaptureFixture[str],
                                             write_json: Callable[[str, Any], Path]) -> None:
    org = write_json("org/x.json", {"code": "x"}).parent
    status, _, err = run(capsys, "--dir", str(org), "list", )
    assert status == 2 and "x.json" in err and "$.items" in err
