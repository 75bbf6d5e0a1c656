"""Definition files: what ships, the validator's messages, and the registry with organisation files."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from jalin.measures.instruments import (
    Instrument,
    InstrumentError,
    UnknownInstrumentError,
    get_instrument,
    list_instruments,
    load_instrument,
    parse_instrument,
)
from jalin.measures.instruments.loader import SCHEMA_PATH
from jalin.measures.instruments.registry import DATA_DIR, ENV_VAR

REPO = Path(__file__).resolve().parents[2]
SHIPPED = ["phq9.id", "phq9.en", "gad7.id", "gad7.en", "laiseg.id", "laiseg.en", "laijapen.id", "laijapen.en",
           "alliance_jalin.id", "alliance_jalin.en", "wai_sr"]


# --------------------------------------------------------------------------- shipped files

def test_shipped_files_are_exactly_the_expected_set() -> None:
    assert sorted(p.stem for p in DATA_DIR.glob("*.json")) == sorted(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_file_loads_and_names_its_source(name: str) -> None:
    instrument = load_instrument(DATA_DIR / f"{name}.json")
    assert instrument.source.wording and instrument.source.licence
    assert instrument.instructions
    for band in instrument.bands:
        assert band.label.id and band.label.en
    if "." in name:
        assert instrument.language == name.split(".")[1]


@pytest.mark.parametrize(("code", "period_id", "period_en"), [
    ("phq9", "2 minggu terakhir", "last 2 weeks"), ("gad7", "2 minggu terakhir", "last 2 weeks"),
])
def test_phq_gad_ask_about_the_last_two_weeks(code: str, period_id: str, period_en: str) -> None:
    assert get_instrument(code, "id").period == period_id
    assert get_instrument(code, "en").period == period_en


@pytest.mark.parametrize("code", ["phq9", "gad7"])
def test_phq_gad_sources_are_honest_about_the_indonesian_wording(code: str) -> None:
    indonesian = get_instrument(code, "id")
    assert "phqscreeners" in indonesian.source.wording
    assert "must check" in indonesian.source.wording
    assert "Pfizer" in indonesian.source.licence and "No permission required" in indonesian.source.licence


@pytest.mark.parametrize("code", ["phq9", "gad7", "laiseg", "laijapen", "alliance_jalin"])
def test_both_languages_share_the_same_scoring(code: str) -> None:
    def shape(i: Instrument) -> tuple[object, ...]:
        items = [(x.id, x.type, x.allowed_values(), x.reverse, x.subscale, x.critical) for x in i.items]
        return items, i.method, i.bands, i.critical_items, i.reliable_change, i.concern_level

    assert shape(get_instrument(code, "id")) == shape(get_instrument(code, "en"))


def test_phq9_and_gad7_carry_their_loinc_codes() -> None:
    phq, gad = get_instrument("phq9", "en"), get_instrument("gad7", "en")
    assert (phq.loinc, gad.loinc) == ("44249-1", "69737-5")
    assert [i.loinc for i in phq.items] == ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2",
                                            "44252-5", "44253-3", "44260-8"]
    assert [i.loinc for i in gad.items] == ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8",
                                            "69736-7"]
    assert phq.critical_items == ("9",) and str(phq.item("9").critical) == "> 0"
    assert (phq.reliable_change.threshold, gad.reliable_change.threshold) == (6, 4)


def test_wai_sr_ships_scoring_but_no_wording() -> None:
    wai = get_instrument("wai_sr", "id")
    assert wai.placeholder_wording and wai.language == "*"
    assert all(re.fullmatch(r"WAI-SR item \d+ \(load licensed wording\)", i.text) for i in wai.items)
    assert [(i.min, i.max) for i in wai.items] == [(1, 5)] * 12
    assert {s.id: [int(x) for x in s.items] for s in wai.subscales} == {
        "task": [1, 2, 10, 12], "bond": [3, 5, 7, 9], "goal": [4, 6, 8, 11]}
    assert "licen" in (wai.note or "")


def test_jalin_alliance_form_says_it_is_not_validated() -> None:
    for lang in ("id", "en"):
        form = get_instrument("alliance_jalin", lang)
        assert form.validated is False
        assert "NOT a validated" in (form.note or "") or "BUKAN instrumen tervalidasi" in (form.note or "")
        assert 3 <= len(form.items) <= 6
        assert {s.id for s in form.subscales} == {"goal", "task", "bond"}
        assert any(i.reverse for i in form.items)


def test_laiseg_is_text_plus_a_comfort_rating() -> None:
    laiseg = get_instrument("laiseg", "id")
    assert [i.type for i in laiseg.items].count("choice") == 1
    assert {"understanding", "comfort", "action"} <= {i.id for i in laiseg.items}


def test_laijapen_asks_the_follow_up_questions() -> None:
    laijapen = get_instrument("laijapen", "en")
    assert [i.id for i in laijapen.items] == ["carried_out", "what_changed", "obstacles", "source", "source_note",
                                              "further_service"]
    assert laijapen.method == "none"


# --------------------------------------------------------------------------- malformed definitions

def _set(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    target: Any = data
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is _DELETE:
        del target[int(last) if last.isdigit() else last]
    elif last.isdigit():
        target[int(last)] = value
    else:
        target[last] = value


_DELETE = object()

MALFORMED = [
    # (what, edits, JSON path the error must name)
    ("missing items", [("items", _DELETE)], "$.items"),
    ("unknown field", [("colour", "red")], "$.colour"),
    ("unknown language", [("language", "fr")], "$.language"),
    ("bad code", [("code", "PHQ 9")], "$.code"),
    ("unknown item type", [("items.2.type", "radio")], "$.items[2].type"),
    ("option value not an integer", [("option_sets.frequency.0.value", "0")], "$.option_sets.frequency[0].value"),
    ("unknown option set", [("items.0.options", "often")], "$.items[0].options"),
    ("duplicate item id", [("items.1.id", "1")], "$.items[1]"),
    ("duplicate option value", [("option_sets.frequency.1.value", 0)], "$.items[0].options[1]"),
    ("band gap", [("bands.1.min", 6)], "$.bands[1].min"),
    ("band overlap", [("bands.1.min", 4)], "$.bands[1].min"),
    ("band beyond the range", [("bands.4.max", 30)], "$.bands[4]"),
    ("bands do not reach the top", [("bands.4.max", 26)], "$.bands[4].max"),
    ("band label without English", [("bands.0.label.en", _DELETE)], "$.bands[0].label.en"),
    ("critical item without a condition", [("items.8.critical", _DELETE)], "$.critical_items[0]"),
    ("condition on an unlisted item", [("critical_items", [])], "$.items[8].critical"),
    ("critical item that does not exist", [("critical_items", ["9", "10"])], "$.critical_items[1]"),
    ("bad critical operator", [("items.8.critical.op", "=>")], "$.items[8].critical.op"),
    ("critical condition not an object", [("items.8.critical", "yes")], "$.items[8].critical"),
    ("options neither a list nor a set name", [("items.0.options", 5)], "$.items[0].options"),
    ("undeclared subscale", [("items.0.subscale", "mood")], "$.items[0].subscale"),
    ("scored without direction", [("scoring.higher_is", _DELETE)], "$.scoring.higher_is"),
    ("unknown method", [("scoring.method", "median")], "$.scoring.method"),
    ("negative reliable change", [("reliable_change.threshold", -1)], "$.reliable_change.threshold"),
    ("concern level not an object", [("concern_level", 10)], "$.concern_level"),
    ("no_improvement_after without reliable_change", [("reliable_change", None)], "$.no_improvement_after"),
    ("drop threshold on a higher-is-worse scale", [("drop_threshold", 1)], "$.drop_threshold"),
    ("empty title", [("title", "")], "$.title"),
    ("source without licence", [("source.licence", _DELETE)], "$.source.licence"),
    ("wrong format", [("format", "jalin.instrument/2")], "$.format"),
]


@pytest.mark.parametrize(("what", "edits", "path"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_definition_names_the_file_and_path(
    what: str, edits: list[tuple[str, Any]], path: str,
    raw_definition: Callable[[str], dict[str, Any]], write_json: Callable[[str, Any], Path],
) -> None:
    data = raw_definition("phq9.id")
    for dotted, value in edits:
        _set(data, dotted, value)
    file = write_json("broken.phq9.json", data)
    with pytest.raises(InstrumentError) as caught:
        load_instrument(file)
    paths = [p.path for p in caught.value.problems]
    assert path in paths, (what, paths)
    for lang in ("id", "en"):
        message = caught.value.message(lang)
        assert "broken.phq9.json" in message and path in message


def test_int_item_needs_a_range_and_text_item_cannot_be_reversed(
    raw_definition: Callable[[str], dict[str, Any]],
) -> None:
    data = raw_definition("wai_sr")
    del data["items"][0]["max"]
    data["items"][1]["max"] = 1
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(data, file="wai.json")
    assert {"$.items[0].max", "$.items[1].max"} <= {p.path for p in caught.value.problems}

    laiseg = raw_definition("laiseg.id")
    laiseg["items"][0]["reverse"] = True
    with pytest.raises(InstrumentError, match=r"\$\.items\[0\]\.reverse"):
        parse_instrument(laiseg)


def test_reverse_item_needs_consecutive_option_values(raw_definition: Callable[[str], dict[str, Any]]) -> None:
    data = raw_definition("alliance_jalin.en")
    data["option_sets"]["agree"][4]["value"] = 7  # 1, 2, 3, 4, 7
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(data)
    assert "$.items[3].reverse" in {p.path for p in caught.value.problems}


def test_unscored_instrument_cannot_have_bands_or_alert_levels(raw_definition: Callable[[str], dict[str, Any]]) -> None:
    data = raw_definition("laijapen.en")
    data["concern_level"] = {"value": 1, "when": "below"}
    data["bands"] = [{"id": "x", "min": 0, "max": 1, "label": {"id": "x", "en": "x"}}]
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(data)
    assert "$.concern_level" in {p.path for p in caught.value.problems}


def test_nullable_object_reports_the_real_mistake(raw_definition: Callable[[str], dict[str, Any]]) -> None:
    data = raw_definition("phq9.en")
    data["reliable_change"]["compare_to"] = ["baseline"]
    data["concern_level"] = 10
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(data)
    messages = [p.text("en") for p in caught.value.problems]
    assert messages == [
        '$.reliable_change.compare_to[0]: unknown value "baseline"; allowed: "first", "previous"',
        "$.concern_level: must be null or an object, not 10",
    ]


def test_messages_differ_by_language(raw_definition: Callable[[str], dict[str, Any]]) -> None:
    data = raw_definition("gad7.en")
    del data["items"]
    with pytest.raises(InstrumentError) as caught:
        parse_instrument(data, file="gad7.en.json")
    assert "wajib diisi" in caught.value.message("id")
    assert "is required" in caught.value.message("en")
    assert caught.value.path == "$.items" and caught.value.file == "gad7.en.json"


def test_invalid_json_reports_line_and_column(tmp_path: Path) -> None:
    file = tmp_path / "bad.json"
    file.write_text('{"code": "x",\n  "items": [}', encoding="utf-8")
    with pytest.raises(InstrumentError) as caught:
        load_instrument(file)
    assert caught.value.path == "$"
    assert "line 2" in caught.value.message("en") and "baris 2" in caught.value.message("id")


def test_missing_file_is_an_instrument_error(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError, match="cannot read"):
        load_instrument(tmp_path / "nope.json")


def test_top_level_must_be_an_object(write_json: Callable[[str, Any], Path]) -> None:
    with pytest.raises(InstrumentError) as caught:
        load_instrument(write_json("list.json", [1, 2]))
    assert caught.value.path == "$" and "object" in caught.value.message("en")


# --------------------------------------------------------------------------- registry

def test_get_instrument_by_language_and_unknown_code() -> None:
    assert get_instrument("phq9", "en").language == "en"
    assert get_instrument("phq9").language == "id"  # Bahasa Indonesia by default
    with pytest.raises(UnknownInstrumentError) as caught:
        get_instrument("bdi", "id")
    assert "phq9.id" in caught.value.message("en") and "tidak dikenal" in caught.value.message("id")


def test_list_instruments_covers_every_code() -> None:
    infos = {i.code: i for i in list_instruments()}
    assert set(infos) == {"phq9", "gad7", "laiseg", "laijapen", "wai_sr", "alliance_jalin"}
    assert infos["phq9"].languages == ("en", "id") and infos["phq9"].origin == "jalin"
    assert infos["wai_sr"].placeholder_wording and not infos["laijapen"].scored


def _licensed_wai(raw: dict[str, Any]) -> dict[str, Any]:
    raw = dict(raw, language="id", placeholder_wording=False, instructions="Instruksi berlisensi (uji).")
    raw["items"] = [dict(item, text=f"Kalimat berlisensi {item['id']}") for item in raw["items"]]
    return raw


def test_organisation_loads_licensed_wai_sr_wording_through_env_var(
    raw_definition: Callable[[str], dict[str, Any]], write_json: Callable[[str, Any], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    file = write_json("org/wai_sr.id.json", _licensed_wai(raw_definition("wai_sr")))
    monkeypatch.setenv(ENV_VAR, str(file.parent))
    wai = get_instrument("wai_sr", "id")
    assert wai.items[0].text == "Kalimat berlisensi 1" and not wai.placeholder_wording
    assert get_instrument("wai_sr", "en").placeholder_wording  # other languages still get the scoring-only file
    info = next(i for i in list_instruments() if i.code == "wai_sr")
    assert info.origin == "organisation" and info.languages == ("*", "id")


def test_organisation_file_cannot_change_shipped_scoring(
    raw_definition: Callable[[str], dict[str, Any]], write_json: Callable[[str, Any], Path],
) -> None:
    licensed = _licensed_wai(raw_definition("wai_sr"))
    licensed["items"][0]["subscale"] = "bond"
    file = write_json("org/wai_sr.id.json", licensed)
    with pytest.raises(InstrumentError) as caught:
        get_instrument("wai_sr", "id", directory=file.parent)
    assert caught.value.path == "$.items" and "wai_sr.id.json" in caught.value.file


def test_organisation_may_reword_phq9_but_not_move_its_bands(
    raw_definition: Callable[[str], dict[str, Any]], write_json: Callable[[str, Any], Path],
) -> None:
    reworded = raw_definition("phq9.id")
    reworded["items"][0]["text"] = "Kata-kata yang sudah diperiksa organisasi"
    org = write_json("ok/phq9.id.json", reworded).parent
    assert get_instrument("phq9", "id", directory=org).items[0].text.startswith("Kata-kata")

    moved = raw_definition("phq9.id")
    moved["bands"][0]["max"], moved["bands"][1]["min"] = 5, 6
    bad = write_json("bad/phq9.id.json", moved).parent
    with pytest.raises(InstrumentError, match=r"\$\.bands"):
        get_instrument("phq9", "id", directory=bad)


def test_organisation_may_add_its_own_instrument(
    raw_definition: Callable[[str], dict[str, Any]], write_json: Callable[[str, Any], Path],
) -> None:
    own = dict(raw_definition("alliance_jalin.en"), code="school_feedback")
    org = write_json("org/school_feedback.en.json", own).parent
    assert get_instrument("school_feedback", "en", directory=org).code == "school_feedback"


def test_malformed_organisation_file_is_reported(write_json: Callable[[str, Any], Path]) -> None:
    org = write_json("org/mine.json", {"code": "mine"}).parent
    with pytest.raises(InstrumentError) as caught:
        list_instruments(directory=org)
    assert caught.value.file.endswith("mine.json") and "$.items" in caught.value.message("en")


def test_missing_organisation_directory_is_reported(tmp_path: Path) -> None:
    with pytest.raises(InstrumentError, match="does not exist"):
        list_instruments(directory=tmp_path / "nowhere")


def test_duplicate_code_and_language_in_one_directory(
    raw_definition: Callable[[str], dict[str, Any]], write_json: Callable[[str, Any], Path],
) -> None:
    write_json("org/a.json", raw_definition("gad7.en"))
    org = write_json("org/b.json", raw_definition("gad7.en")).parent
    with pytest.raises(InstrumentError, match="already defined"):
        get_instrument("gad7", "en", directory=org)


# --------------------------------------------------------------------------- schema, docs, isolation

def test_schema_is_json_schema_and_documented() -> None:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert schema["$schema"].startswith("https://json-schema.org/")
    docs = (REPO / "docs" / "instruments.md").read_text(encoding="utf-8")
    for field in schema["properties"]:
        assert f"`{field}`" in docs, f"docs/instruments.md does not document `{field}`"
    for code in ("phq9", "gad7", "laiseg", "laijapen", "wai_sr", "alliance_jalin", ENV_VAR):
        assert code in docs


def test_measures_core_never_imports_django() -> None:
    code = ("import sys, jalin.measures.instruments as m, jalin.measures.instruments.cli; "
            "print(any(n == 'django' or n.startswith('django.') for n in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "False"


def test_public_api_is_declared() -> None:
    import jalin.measures.instruments as api

    for name in api.__all__:
        assert hasattr(api, name), name
