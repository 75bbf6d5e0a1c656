"""Lexicons and rules: risk phrases (direct, indirect, near misses) in both languages, silence and
minimal-encourager rules, feeling words."""

from __future__ import annotations

import pytest

from jalin.analysis.model.lexicon import lexicon
from jalin.analysis.model.risk import RiskDetector
from jalin.analysis.model.rules import rule_label


def _flags(text: str) -> set[str]:
    return {h.flag for h in lexicon().risk_hits(text) if h.tier in ("direct", "indirect")}


@pytest.mark.parametrize(
    "text,flag",
    [
        # Indonesian, direct
        ("Aku pernah kepikiran bunuh diri, Bu.", "risk_self"),
        ("Rasanya pengen mati aja.", "risk_self"),
        ("Kemarin aku nyayat tangan pakai cutter.", "risk_self"),
        # Indonesian, indirect (the domain brief's examples)
        ("Capek hidup, Bu.", "risk_self"),
        ("Aku pengen menghilang aja.", "risk_self"),
        ("Percuma hidup kayak gini.", "risk_self"),
        ("Mending aku nggak ada.", "risk_self"),
        ("Semua orang lebih baik tanpa aku.", "risk_self"),
        ("Kadang mikir, kalau aku nggak ada juga nggak ada yang nyariin.", "risk_self"),
        ("Sumpah, besok gue bawa pisau ke sekolah.", "risk_others"),
        ("Bapak suka mukul aku pakai sabuk kalau mabuk.", "abuse"),
        ("Aku dipukul sama ayah tiap malam.", "abuse"),
        ("Om tetangga suka pegang-pegang.", "abuse"),
        # English
        ("Sometimes I want to kill myself.", "risk_self"),
        ("Everyone would be better off without me.", "risk_self"),
        ("I just don't want to be here anymore.", "risk_self"),
        ("What's the point of living anyway.", "risk_self"),
        ("I'm tired of living like this.", "risk_self"),
        ("I'm going to make him pay. I'll bring a knife.", "risk_others"),
        ("My stepdad hits me when he drinks.", "abuse"),
    ],
)
def test_risk_phrases_are_flagged(text: str, flag: str) -> None:
    assert flag in _flags(text)


@pytest.mark.parametrize(
    "text",
    [
        "Capek banget sama tugas, Bu.",
        "Aduh, mati gaya aku di kelas.",
        "Pengen ngilang dari grup chat sebentar.",
        "HP aku mati terus.",
        "Aku belajar mati-matian buat ujian.",
        "I'm dying to see the results!",
        "That exam killed me.",
        "My mom is going to kill me if I'm late.",
        "I'm so tired of homework.",
        "Hit me up after school.",
        "Mama nampar meja terus aku banting pintu.",
    ],
)
def test_near_misses_are_not_flagged(text: str) -> None:
    assert _flags(text) == set()
    assert lexicon().near_misses(text), "the idiom should be recognised as a near miss"


def test_near_miss_does_not_hide_a_real_sign_in_the_same_utterance() -> None:
    assert "risk_self" in _flags("Capek banget sama tugas. Tapi jujur aku juga capek hidup.")
    assert "risk_self" in _flags("That exam killed me, and honestly I want to die.")


def _records(lines):
    import numpy as np

    from jalin.analysis.model.features import build_records

    return build_records([s for s, _ in lines], [t for _, t in lines], np.zeros((len(lines), 4), np.float32))


def test_risk_detector_answer_to_screening_question() -> None:
    det = RiskDetector().fit(_records([("counselee", "a"), ("counselee", "b")]), [[], []])
    recs = _records(
        [
            ("counselor", "Apakah kamu pernah berpikir untuk bunuh diri?"),
            ("counselee", "Pernah, Bu."),
            ("counselor", "Apakah kamu pernah berpikir untuk bunuh diri?"),
            ("counselee", "Nggak pernah, Bu."),
            ("counselor", "Pernah kepikiran bunuh diri?"),  # counselor lines never carry flags
        ]
    )
    out = det.predict(recs)
    assert out[1][0] == ["risk_self"] and out[1][1][0].startswith("risk_self:screening:")
    assert out[3][0] == []
    assert out[0][0] == [] and out[4][0] == []


def test_risk_detector_lexicon_without_classifier() -> None:
    det = RiskDetector().fit(_records([("counselee", "a")]), [[]])
    out = det.predict(_records([("counselee", "Mending aku nggak ada."), ("counselee", "Mati gaya banget.")]))
    assert out[0][0] == ["risk_self"] and out[0][1][0].startswith("risk_self:phrase:")
    assert out[1][0] == []


@pytest.mark.parametrize(
    "speaker,text,label",
    [
        ("counselor", "[diam]", "silence"),
        ("counselor", "(diam)", "silence"),
        ("counselor", "...", "silence"),
        ("counselee", "[diam]", "reluctant"),
        ("counselor", "Hmm.", "minimal_encourager"),
        ("counselor", "Terus?", "minimal_encourager"),
        ("counselor", "Mm-hm, go on.", "minimal_encourager"),
        ("counselor", "Ya... lalu?", "minimal_encourager"),
    ],
)
def test_rules_decide_silence_and_minimal_encouragers(speaker: str, text: str, label: str) -> None:
    decided = rule_label(speaker, text)
    assert decided is not None and decided[0] == label


@pytest.mark.parametrize(
    "speaker,text",
    [
        ("counselor", "Hmm, apa yang terjadi setelah itu?"),
        ("counselor", "Ya, kamu kelihatan kecewa."),
        ("counselee", "Hmm."),  # counselee acknowledgements are left to the classifier
        ("counselor", "So what happened next?"),
    ],
)
def test_rules_leave_other_utterances_to_the_classifier(speaker: str, text: str) -> None:
    assert rule_label(speaker, text) is None


def test_feeling_words_with_intensity_and_informal_variants() -> None:
    lex = lexicon()
    fams = {(f, lvl) for _, f, lvl in lex.feelings("Aku galau, kesel, dan hancur banget.")}
    assert ("bingung", 1) in fams and ("marah", 1) in fams and ("sedih", 3) in fams
    assert {f for _, f, _ in lex.feelings("I feel so anxious and exhausted")} == {"takut", "lelah"}
    assert lex.feelings("kesepiannya") and lex.feelings("ketakutan")


def test_reflection_leads_and_question_cues() -> None:
    lex = lexicon()
    assert "reflection_lead" in lex.reflection_cues("Kedengarannya kamu kecewa sekali.")
    assert "reflection_lead" in lex.reflection_cues("It sounds like you're worried.")
    assert "summary" in lex.reflection_cues("Jadi sejauh ini ada dua hal yang kamu sampaikan.")
    assert "open" in lex.question_cues("Bagaimana perasaanmu?")
    assert "closed" in lex.question_cues("Apakah kamu sudah makan?")
    assert "clarification" in lex.question_cues("Maksudnya capek itu seperti apa?")


def test_feature_vector_has_a_fixed_layout() -> None:
    lex = lexicon()
    v = lex.features("Apa yang kamu rasakan?")
    assert v.shape == (len(lex.feature_names),)
    assert v[lex.feature_names.index("ends_q")] == 1.0
