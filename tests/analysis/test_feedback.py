"""Feedback rules: which items fire, in what order, citing which utterances, in both languages."""

from __future__ import annotations

import re
import string

import pytest

from jalin.analysis.feedback import KINDS, build_feedback, catalog
from jalin.analysis.metrics import compute_metrics, find_tasks
from jalin.analysis.types import LabelledUtterance

from .report_sessions import build, follow_up_id, good_id, risk_en, weak_id


def feedback(utts: list[LabelledUtterance], lang: str = "id") -> list[dict]:
    metrics = compute_metrics(utts)
    done, missed = find_tasks(utts)
    return build_feedback(utts, metrics, done, missed, lang)


def codes(items: list[dict]) -> list[str]:
    return [i["code"] for i in items]


def by_code(items: list[dict], code: str) -> dict:
    return next(i for i in items if i["code"] == code)


# --- the catalog ----------------------------------------------------------------


def test_catalog_has_both_languages_for_every_code() -> None:
    for code, entry in catalog()["codes"].items():
        assert entry["kind"] in KINDS, code
        for lang in ("id", "en"):
            assert entry.get(lang, "").strip(), f"{code} has no {lang} text"


def test_catalog_languages_use_the_same_fields() -> None:
    fields = lambda t: {f for _, f, _, _ in string.Formatter().parse(t) if f}
    for code, entry in catalog()["codes"].items():
        assert fields(entry["id"]) == fields(entry["en"]), code


def test_catalog_words_complete() -> None:
    for key, entry in catalog()["words"].items():
        assert entry["id"] and entry["en"], key


def test_codes_are_stable_identifiers() -> None:
    for code in catalog()["codes"]:
        assert re.fullmatch(r"[a-z][a-z0-9_]*", code)


# --- the rules -------------------------------------------------------------------


def test_item_shape() -> None:
    for item in feedback(weak_id()):
        assert set(item) == {"kind", "code", "text", "utterances", "certainty", "confidence"}
        assert item["certainty"] == "claim"  # every hand-built utterance is sure (confidence 0.9)
        assert item["kind"] in KINDS
        assert all(isinstance(n, int) and n >= 1 for n in item["utterances"])
        assert "{" not in item["text"]  # every field filled


def test_order_risk_then_strengths_then_improve_then_info() -> None:
    for utts in (weak_id(), good_id(), risk_en(), follow_up_id()):
        kinds = [i["kind"] for i in feedback(utts)]
        assert kinds == sorted(kinds, key=KINDS.index)


def test_risk_first_with_utterance_and_quote() -> None:
    items = feedback(risk_en(), "en")
    first = items[0]
    assert first["kind"] == "risk" and first["code"] == "risk_self"
    assert first["utterances"] == [7, 9]
    assert "utterances 7 and 9" in first["text"]
    assert "better off without me" in first["text"]
    assert "supervisor" in first["text"]


def test_dont_know_three_times() -> None:
    item = by_code(feedback(weak_id()), "resistance_dont_know")
    assert item["utterances"] == [4, 6, 8]
    assert item["text"].startswith("Mulai ujaran 4 konseli tiga kali menjawab \"Nggak tahu\"")
    assert "pilihan jawaban" in item["text"]
    en = by_code(feedback(weak_id(), "en"), "resistance_dont_know")
    assert "three times" in en["text"] and "lowers the level" in en["text"]


def test_persistent_resistance_suggests_handling_and_referral() -> None:
    item = by_code(feedback(weak_id()), "resistance_persistent")
    assert item["utterances"] == [4, 6, 8]
    for words in ("alihkan topik", "motivasi", "tingkat pembicaraan", "alih tangan kasus"):
        assert words in item["text"]


def test_good_handling_of_resistance_is_a_strength() -> None:
    items = feedback(good_id())
    item = by_code(items, "resistance_opened")
    assert item["kind"] == "strength"
    assert item["utterances"] == [5, 6, 7]
    assert "refleksi perasaan" in item["text"]


def test_advice_is_not_credited_as_handling_resistance() -> None:
    assert "resistance_opened" not in codes(feedback(weak_id()))


def test_defensive_argued() -> None:
    rows = [
        ("K", "Kenapa kamu sering bolos?", "open_question", "awal", [], []),
        ("S", "Bukan urusan Ibu.", "defensive", "awal", [], []),
        ("K", "Kamu harus sadar, bolos itu merugikan dirimu sendiri.", "advice", "awal", [], []),
        ("S", "Terserah.", "reluctant", "awal", [], []),
    ]
    item = by_code(feedback(build(rows)), "defensive_argued")
    assert item["utterances"] == [2, 3]
    assert "Jangan berdebat" in item["text"]


def test_weak_trainee_faults() -> None:
    items = feedback(weak_id())
    found = codes(items)
    for code in ("advice_early", "must_phrase", "stacked_questions", "reflection_ratio_low",
                 "closed_questions_dominate", "no_structuring_first", "no_confidentiality_first",
                 "no_contract_time", "no_evaluation", "no_next_appointment"):
        assert code in found, code
    assert by_code(items, "advice_early")["utterances"] == [9, 17]
    assert by_code(items, "stacked_questions")["utterances"] == [3, 7, 13]
    assert "\"Kamu harus\"" in by_code(items, "must_phrase")["text"]
    assert "5 tertutup, 1 terbuka" in by_code(items, "closed_questions_dominate")["text"]


def test_good_session_strengths() -> None:
    items = feedback(good_id(), "en")
    found = codes(items)
    for code in ("reflection_ratio_good", "feeling_reflections", "open_questions_good", "structuring_done",
                 "contract_done", "affirmation_used", "closing_done", "warm_opening"):
        assert code in found, code
    for code in ("no_contract_time", "no_evaluation", "advice_early", "reflection_ratio_low", "stacked_questions"):
        assert code not in found, code
    assert by_code(items, "feeling_reflections")["utterances"] == [6, 8, 14]
    assert items[0]["kind"] == "strength"


def test_follow_up_session_skips_structuring() -> None:
    found = codes(feedback(follow_up_id()))
    assert "follow_up_session" in found
    assert "no_structuring_first" not in found and "no_confidentiality_first" not in found


def test_session_cut_before_final_stage_gives_one_item() -> None:
    found = codes(feedback(risk_en()))
    assert "final_stage_not_reached" in found
    assert "no_evaluation" not in found and "no_next_appointment" not in found
    assert "referral_discussed" in found


def test_counselor_talks_too_much() -> None:
    lecture = ("Jadi begini ya, belajar itu penting sekali untuk masa depanmu, kalau kamu tidak belajar nanti "
               "nilaimu turun dan orang tuamu kecewa, guru juga kecewa, dan kamu sendiri yang rugi nanti.")
    rows = []
    for _ in range(5):
        rows += [("K", lecture, "information", "inti", [], []), ("S", "Iya, Bu.", "neutral", "inti", [], [])]
    item = by_code(feedback(build(rows)), "counselor_talks_much")
    assert item["kind"] == "improve"
    assert "%" in item["text"]


def test_low_confidence_is_noted() -> None:
    utts = build([("K", "Hmm, ya.", "minimal_encourager", "awal", [], []), ("S", "Iya.", "neutral", "awal", [], [])],
                 confidence=0.3)
    item = by_code(feedback(utts), "low_confidence")
    assert item["kind"] == "info" and item["utterances"] == [1, 2]


@pytest.mark.parametrize("session", [weak_id, good_id, risk_en, follow_up_id])
def test_both_languages_give_the_same_items(session) -> None:
    id_items, en_items = feedback(session(), "id"), feedback(session(), "en")
    assert [(i["code"], i["utterances"]) for i in id_items] == [(i["code"], i["utterances"]) for i in en_items]
    assert all(a["text"] != b["text"] for a, b in zip(id_items, en_items))


def test_texts_cite_their_utterances() -> None:
    for lang in ("id", "en"):
        for item in feedback(weak_id(), lang) + feedback(good_id(), lang):
            if item["utterances"] and item["code"] not in ("counselee_talks_more",):
                first = str(item["utterances"][0])
                assert re.search(rf"\b{first}\b", item["text"]), (item["code"], item["text"])


def test_unknown_language_falls_back_to_indonesian() -> None:
    assert feedback(weak_id(), "fr") == feedback(weak_id(), "id")


def test_every_code_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "analysis-output.md").read_text("utf-8")
    for code in catalog()["codes"]:
        assert f"`{code}`" in doc, code
