"""Risk flags on the line that carries the sign (issue #11): word-form normalisation, the screening
rule, acknowledgements, evidence, the honest-evaluation helpers and the alert in every report format.
All lines are invented; none comes from the frozen evaluation set."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from jalin.analysis.corpus import CorpusError
from jalin.analysis.model.features import build_records
from jalin.analysis.model.lexicon import lexicon
from jalin.analysis.model.risk import RiskDetector
from jalin.analysis.report import to_html, to_json, to_markdown, to_text
from jalin.analysis.risk_eval import choose, load_risk_eval, risk_cv, score_flags, wilson
from jalin.analysis.training import evaluate_main

from .report_sessions import result_of, risk_en
from .schema_check import validate

C, K = "counselor", "counselee"
ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "analysis-output.schema.json").read_text("utf-8"))


def _records(lines):
    return build_records([s for s, _ in lines], [t for _, t in lines], np.zeros((len(lines), 4), np.float32))


@pytest.fixture(scope="module")
def detector() -> RiskDetector:
    # no classifier (nothing to learn from): only the lexicon and the screening rule decide
    return RiskDetector().fit(_records([(K, "a")]), [[]])


def _flags(detector: RiskDetector, lines) -> list[list[str]]:
    return [flags for flags, _ in detector.predict(_records(lines))]


# --- word forms ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text,canonical",
    [
        ("gue pengen ngehajar dia sampe mampus", "gue pengen hajar dia sampai mampus"),
        ("Aku capeeek bgt", "aku capek banget"),
        ("di pukul-pukul sm bokap", "dipukul sama ayah"),
        ("dipukul2 terus", "dipukul terus"),
        ("dia nusuk orang", "dia tusuk orang"),
        ("Ayah nyiksa aku", "ayah siksa aku"),
        ("I wanna kms", "i want to kill myself"),
    ],
)
def test_word_forms_are_unified(text: str, canonical: str) -> None:
    assert lexicon().canonical(text) == canonical


@pytest.mark.parametrize(
    "text,flag",
    [
        ("gue pengen ngehajar dia sampe mampus", "risk_others"),
        ("sumpah gw mau ngebacok dia", "risk_others"),
        ("Akuuu capeeek banget sama idup", "risk_self"),
        ("kemarin aku di pukul-pukul sm bokap", "abuse"),
        ("tiap malem aku berdoa semoga Tuhan cepet ambil nyawaku", "risk_self"),
        ("pengen tidur aja terus nggak usah bangun lagi", "risk_self"),
        ("buat apa lagi aku hidup", "risk_self"),
        ("I just pray I don't wake up tomorrow", "risk_self"),
        ("my stepdad takes his belt to me", "abuse"),
    ],
)
def test_variants_and_passive_ideation_are_caught(text: str, flag: str) -> None:
    assert flag in {h.flag for h in lexicon().risk_hits(text) if h.tier in ("direct", "indirect")}


@pytest.mark.parametrize(
    "text",
    ["Mati gaya banget di kelas.", "Ujian kimia kemarin killed me.", "Capeeek bgt sama tugas.",
     "My mom's gonna kill me if she sees this.", "Kita bantai bos terakhir di game sampe pagi."],
)
def test_variants_do_not_turn_idioms_into_flags(text: str) -> None:
    assert not [h for h in lexicon().risk_hits(text) if h.tier in ("direct", "indirect")]


@pytest.mark.parametrize(
    "text",
    ["Nggak, Bu. Aku takut, tapi aku nggak mau mati.", "Nggak sampe pengen mati, Bu.",
     "Saya tidak akan bunuh diri, itu dosa.", "I don't want to die, I just want it to stop."],
)
def test_a_risk_phrase_right_after_a_negator_is_denied_not_said(text: str) -> None:
    assert not [h for h in lexicon().risk_hits(text) if h.flag == "risk_self" and h.tier != "weak"]


@pytest.mark.parametrize(
    "text", ["Aku nggak mau hidup lagi.", "Nggak tau, Bu, pengen mati aja rasanya.", "I want to die."]
)
def test_a_negator_inside_the_phrase_or_further_away_keeps_it(text: str) -> None:
    assert "risk_self" in {h.flag for h in lexicon().risk_hits(text) if h.tier != "weak"}


@pytest.mark.parametrize(
    "answer", ["Kagak, Tadz. Aye takut dosa.", "Ora, Nduk. Dosa.", "Mboten, Pak. Mboten ada.",
               "Tra. Anak-anak masih kecil.", "not like that. i just mean school."],
)
def test_a_no_in_a_regional_register_answers_a_screening_question(detector: RiskDetector, answer: str) -> None:
    assert lexicon().is_denial(answer)
    assert _flags(detector, [(C, "Pernah kepikiran nyakitin diri sendiri?"), (K, answer)]) == [[], []]


def test_conversation_moves_describe_the_turn_before_and_the_line() -> None:
    from jalin.analysis.model.risk import MOVE_FEATURES, conversation_moves

    def moves(lines):
        return dict(zip(MOVE_FEATURES, conversation_moves(_records(lines)[-1])))

    screened = moves([(C, "Apakah kamu pernah berpikir untuk bunuh diri?"), (K, "Nggak, Bu.")])
    assert screened["asks_risk_self"] == 1 and screened["line_denial"] == 1 and screened["asks_abuse"] == 0
    plan = "Jadi minggu ini kamu mau coba cerita ke wali kelas. Kita ketemu lagi Kamis depan ya."
    wrap = moves([(K, "Aku dipukul ayah."), (C, plan), (K, "Iya, Bu.")])
    assert wrap["counselor_wraps_up"] == 1 and wrap["raised_abuse"] == 1 and wrap["asks_abuse"] == 0
    other = moves([(C, "Terus?"), (K, "Temen saya bilang dia mau nusuk orang itu.")])
    assert other["line_third_person"] == 1 and other["asks_question"] == 1 and other["asks_open"] == 0
    alone = moves([(K, "Kalau aku nggak ada, siapa yang jemput adik?")])
    assert alone["no_counselor_turn"] == 1 and alone["line_hypothetical"] == 1


# --- context: only a direct screening question passes a flag on ----------------------------------
def test_acknowledgements_never_inherit_a_flag_from_the_topic(detector: RiskDetector) -> None:
    self_harm = [
        (C, "Gimana minggu ini?"),
        (K, "Aku kemarin nyayat tangan pakai cutter."),
        (C, "Kamu biasanya main sama siapa di sekolah?"),
        (K, "Iya, Bu."),
    ]
    assert _flags(detector, self_harm) == [[], ["risk_self"], [], []]
    abuse = [
        (C, "Cerita soal rumah?"),
        (K, "Aku sering dipukul sama ayah pakai sabuk."),
        (C, "Biasanya kamu belajar di mana?"),
        (K, "Iya, Bu, di kamar."),
    ]
    assert _flags(detector, abuse) == [[], ["abuse"], [], []]


def test_answer_to_a_direct_screening_question_carries_the_question(detector: RiskDetector) -> None:
    lines = [
        (C, "Ibu mau tanya langsung. Apakah kamu pernah berpikir untuk bunuh diri?"),
        (K, "Iya, Bu."),
        (C, "Sudah ada rencana?"),  # a C-SSRS follow-up counts while the flag is recent
        (K, "Pernah kepikiran pakai obat."),
    ]
    out = detector.predict(_records(lines))
    question = "Ibu mau tanya langsung. Apakah kamu pernah berpikir untuk bunuh diri?"
    assert out[1] == (["risk_self"], [f'risk_self:screening:"{question}"'])
    assert out[3][0] == ["risk_self"] and out[3][1][0] == 'risk_self:screening:"Sudah ada rencana?"'


def test_screening_question_counts_for_two_turns_only(detector: RiskDetector) -> None:
    lines = [
        (C, "Apakah ada orang di rumah yang memukul kamu?"),
        (C, "Pelan-pelan saja jawabnya."),
        (K, "Iya. Ayah."),
        (C, "Terus kamu ngapain sepulang sekolah?"),
        (K, "Iya, main."),
    ]
    assert _flags(detector, lines) == [[], [], ["abuse"], [], []]


def test_follow_up_without_recent_risk_is_no_screening(detector: RiskDetector) -> None:
    assert _flags(detector, [(C, "Sudah ada rencana buat liburan?"), (K, "Iya, Bu, ke rumah nenek.")]) == [[], []]


def test_denials_and_echoes_are_not_flagged(detector: RiskDetector) -> None:
    lines = [
        (C, "Pernah kepikiran bunuh diri?"),
        (K, "Bunuh diri? Nggak lah Bu, aku nggak sampai segitu."),
        (C, "Are you having thoughts of killing yourself?"),
        (K, "No, never."),
    ]
    assert _flags(detector, lines) == [[], [], [], []]


def test_every_flag_carries_evidence(detector: RiskDetector) -> None:
    out = detector.predict(_records([(C, "Terus?"), (K, "gue pengen ngehajar dia sampe mampus")]))
    flags, evidence = out[1]
    assert flags == ["risk_others"]
    assert evidence[0].startswith('risk_others:phrase:"') and "hajar" in evidence[0]


def test_risk_self_can_have_a_classifier_threshold_of_its_own(detector: RiskDetector) -> None:
    # a line with no phrase: only the classifier's probabilities (given here) can flag it
    X = _records([(C, "Bagaimana minggu ini?"), (K, "Rasanya semuanya sudah tidak ada artinya lagi buat saya.")])
    P = np.array([[0.0, 0.0, 0.0], [0.5, 0.5, 0.5]])
    assert detector.decide(X, P, threshold=0.6)[1][0] == []
    own = RiskDetector(threshold=0.6, self_threshold=0.45)
    flags, evidence = own.decide(X, P)[1]
    assert flags == ["risk_self"] and evidence[0].basis == "classifier"
    assert RiskDetector(threshold=0.6, self_threshold=0.55).decide(X, P)[1][0] == []
    # an artifact saved before the setting existed reads the class default: one threshold for every flag
    old = RiskDetector(threshold=0.45)
    del old.self_threshold
    assert old.self_threshold is None and old.decide(X, P)[1][0] == ["risk_self", "risk_others", "abuse"]


# --- honest figures ---------------------------------------------------------------------------------
def test_wilson_interval_known_values() -> None:
    assert wilson(10, 10) == (0.7225, 1.0)
    assert wilson(0, 10) == (0.0, 0.2775)
    lo, hi = wilson(45, 50)
    assert lo < 0.9 < hi
    assert wilson(0, 0) is None


def test_score_flags_counts_and_acknowledgements() -> None:
    gold = [["risk_self"], ["abuse"], [], [], []]
    pred = [["risk_self"], [], ["abuse"], [], ["risk_self"]]
    acks = [False, False, False, True, True]
    s = score_flags(gold, pred, acks)
    assert (s["risk_self"]["recall"]["k"], s["risk_self"]["recall"]["n"]) == (1, 1)
    assert (s["risk_self"]["precision"]["k"], s["risk_self"]["precision"]["n"]) == (1, 2)
    assert s["abuse"]["recall"]["value"] == 0.0 and s["abuse"]["precision"]["value"] == 0.0
    assert s["any"]["recall"]["value"] == 0.5
    assert s["ack_after_non_screening"] == {"lines": 2, "flagged": 1}


def _result(recall: float, precision: float) -> dict:
    return {"scores": {**{f: {"recall": {"value": recall}} for f in ("risk_self", "risk_others", "abuse")},
                       "any": {"precision": {"value": precision}}}}


def test_choice_rule_prefers_recall_above_the_precision_floor() -> None:
    a, b, c = _result(0.95, 0.60), _result(0.90, 0.75), _result(0.85, 0.90)
    assert choose([a, b, c]) is b
    d = _result(0.5, 0.65)
    assert choose([a, d]) is d  # none reaches the floor: the best precision


def _six_sessions() -> tuple[list[dict], list[dict]]:
    """Six short sessions (rows, records); the odd ones carry one risk_self line, the second line."""
    rows = []
    for s in range(6):
        lines = [(C, "Gimana kabarnya?"), (K, "Aku pengen mati aja." if s % 2 else "Biasa aja, Bu."),
                 (C, "Kamu main sama siapa?"), (K, "Iya, Bu.")]
        for i, (sp, t) in enumerate(lines):
            rows.append({"session": f"t-{s}", "index": i, "lang": "id", "speaker": sp, "text": t,
                         "flags": ["risk_self"] if (s % 2 and i == 1) else []})
    records = []
    for s in range(6):
        records += _records([(r["speaker"], r["text"]) for r in rows if r["session"] == f"t-{s}"])
    return rows, records


def test_risk_cv_runs_on_grouped_sessions() -> None:
    rows, records = _six_sessions()
    grid = {"C": (1.0,), "context": (False,), "threshold": (1.01,), "weak_threshold": (0.3,)}
    res = risk_cv(rows, records=records, folds=3, grid=grid)
    assert res["chosen"]["params"]["threshold"] == 1.01
    scores = res["chosen"]["scores"]
    assert scores["risk_self"]["recall"]["k"] == 3 and scores["any"]["precision"]["value"] == 1.0
    assert scores["ack_after_non_screening"] == {"lines": 9, "flagged": 0}  # "Iya, Bu." and "Biasa aja, Bu."
    # recall by the line's position: every risk line is in one third; the last lines are the "Iya, Bu."s
    bp = res["chosen"]["by_position"]
    assert sum(bp[b]["recall"]["n"] for b in ("first third", "middle third", "last third")) == 3
    assert bp["last line"]["recall"]["n"] == 0
    assert bp["last line"]["corpus_false_alarms"] == {"flagged": 0, "lines": 6}
    assert "predictions" not in res["chosen"]


def test_risk_cv_keeps_out_of_fold_predictions_on_request() -> None:
    # the rule paths alone (threshold 1.01): the lexicon phrase flags its line in every fold, nothing else is
    rows, records = _six_sessions()
    grid = {"C": (1.0,), "context": (False,), "threshold": (1.01,), "weak_threshold": (0.3,)}
    pred = risk_cv(rows, records=records, folds=3, grid=grid, predictions=True)["chosen"]["predictions"]
    assert [(p["session"], p["index"]) for p in pred] == [(f"t-{s}", i) for s in range(6) for i in (1, 3)]
    assert [p["flags"] for p in pred] == [["risk_self"] if (s % 2 and i == 1) else [] for s in range(6) for i in (1, 3)]
    assert all(0.0 <= p["p"] <= 1.0 for p in pred)


def test_risk_eval_files_are_validated(tmp_path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "x", "flags": [], "context": []}\n{"text": "y", "flags": ["nope"], "context": []}\n')
    with pytest.raises(CorpusError, match=r"bad.jsonl, line 2: unknown flag"):
        load_risk_eval([str(bad)])
    with pytest.raises(CorpusError, match="file not found"):
        load_risk_eval([str(tmp_path / "missing.jsonl")])


def test_cli_risk_errors(tmp_path, capsys) -> None:
    assert evaluate_main(["--risk", "--risk-cv"]) == 2
    assert "cannot be combined" in capsys.readouterr().err
    assert evaluate_main(["--risk-cv", "--jobs", "0"]) == 2
    assert "--jobs must be at least 1" in capsys.readouterr().err
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n")
    assert evaluate_main(["--risk", str(broken)]) == 2
    assert "broken.jsonl, line 1" in capsys.readouterr().err


# --- the alert -------------------------------------------------------------------------------------
@pytest.fixture
def flagged_result():
    utts = risk_en()
    utts[6] = replace(utts[6], evidence=['flag:risk_self:phrase:"better off without me"'])
    utts[8] = replace(utts[8], evidence=['flag:risk_self:screening:"Are you having thoughts of ending your life?"'])
    return utts


@pytest.mark.parametrize("lang", ["en", "id"])
def test_alert_names_lines_in_order_with_counselor_turn_reason_and_safety_steps(flagged_result, lang) -> None:
    result = result_of(flagged_result, lang, "risk.txt")
    assert [r["utterance"] for r in result.risk] == [7, 9]
    data = to_json(result)
    assert validate(data, SCHEMA) == []
    assert data["risk"][1]["basis"] == "screening"
    assert data["risk"][1]["counselor_turn"]["utterance"] == 8
    steps = {"en": ("Ask directly and calmly", "safety plan", "Today: consult", "Limits of confidentiality"),
             "id": ("Tanyakan langsung dan tenang", "rencana keselamatan", "Hari ini juga", "Batas kerahasiaan")}[lang]
    never = {"en": "never a diagnosis", "id": "bukan diagnosis"}[lang]
    for rendered in (to_html(result), to_markdown(result), to_text(result)):
        flat = " ".join(rendered.split())
        first, second = flat.index("better off without me"), flat.index("Sometimes, at night.")
        # the counselor turn comes right before each flagged line, and the lines come in order
        assert flat.index("Sounds like everything feels heavy") < first < second
        assert first < flat.index("Are you having thoughts") < second
        assert never in flat
        for step in steps:
            assert step in flat


def test_frozen_runner_scores_by_position_when_items_say_where_they_sit() -> None:
    """Invented items only: v3-style items carry "position"; the runner reports each position apart."""
    from jalin.analysis.model import load_model
    from jalin.analysis.risk_eval import risk_frozen

    ask = {"speaker": "counselor", "text": "Apakah kamu pernah berpikir untuk bunuh diri?"}
    bye = {"speaker": "counselor", "text": "Baik, kita ketemu lagi Kamis depan ya."}
    items = [
        {"lang": "id", "context": [ask], "text": "Pernah, Bu.", "flags": ["risk_self"], "position": "short"},
        {"lang": "id", "context": [bye], "text": "Iya, Bu. Makasih.", "flags": [], "position": "closing"},
        {"lang": "id", "context": [bye], "text": "Bu, saya mau bunuh diri.", "flags": ["risk_self"],
         "position": "closing"},
    ]
    res = risk_frozen(load_model(), items)
    assert set(res["by_position"]) == {"short", "closing"}
    assert res["by_position"]["short"]["risk_lines"] == 1
    assert res["by_position"]["closing"]["lines"] == 2
    assert res["by_position"]["closing"]["risk_lines"] == 1
    assert res["all"]["lines"] == 3
    # items without "position" (sets v1, v2) get no breakdown
    assert "by_position" not in risk_frozen(load_model(), [{k: v for k, v in items[0].items() if k != "position"}])
