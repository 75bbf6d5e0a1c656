"""The stop-word language detector, and the language set on parsed transcripts."""

from __future__ import annotations

import pytest

from jalin.analysis.parsers import detect_language, parse_text
from jalin.analysis.parsers.language import EN_WORDS, ID_WORDS


@pytest.mark.parametrize(
    "texts",
    [
        ["Selamat pagi, apa yang ingin kamu ceritakan hari ini?"],
        ["Saya tidak tahu harus mulai dari mana."],
        ["nggak tau bu", "gue capek banget", "ya udah aja"],  # informal chat Indonesian
        ["Kamu merasa kecewa karena nilai turun."],
        ["Bu, saya galau."],
        ["oke bu", "hmm"],  # too little evidence: Indonesian by default
        [],
        ["Dimas", "Rina"],
    ],
)
def test_indonesian(texts):
    assert detect_language(texts) == "id"


@pytest.mark.parametrize(
    "texts",
    [
        ["Good morning, what brings you here today?"],
        ["I don't know where to start.", "It sounds like you are worried about your exams."],
        ["Yeah, I feel like nobody listens to me."],
        ["Tell me more about that."],
    ],
)
def test_english(texts):
    assert detect_language(texts) == "en"


def test_mixed_goes_to_the_majority():
    texts = ["Saya merasa sangat down hari ini", "aku tidak bisa tidur", "it is what it is"]
    assert detect_language(texts) == "id"


def test_accepts_any_iterable():
    assert detect_language(text for text in ["What do you think?"]) == "en"


def test_word_lists_do_not_overlap_much():
    # Shared words would count for both sides and blunt the detector.
    assert len(ID_WORDS & EN_WORDS) <= 2


def test_transcript_language_ignores_silences():
    transcript = parse_text(
        "Counselor: How are you feeling today?\nClient: [diam]\nCounselor: Take your time."
    )
    assert transcript.language == "en"
