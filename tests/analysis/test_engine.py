"""The engine: trainee-label mapping, kappa, the assembled result, and end to end with
the real parser and model on an invented transcript."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jalin.analysis.engine import (
    analyze,
    cohen_kappa,
    compare_student_labels,
    default_model,
    map_student_label,
)
from jalin.analysis.taxonomy import taxonomy

from .report_sessions import FakeModel, good_id, result_of, risk_en, transcript_of, weak_id
from .schema_check import validate

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "analysis-output.schema.json"


# --- trainee labels ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("refleksi perasaan", "reflection_feeling"),
        ("Refleksi Perasaan", "reflection_feeling"),
        ("refleksi perasan", "reflection_feeling"),  # typo
        ("bertanya terbuka", "open_question"),
        ("pertanyaan tertutup", "closed_question"),
        ("Pertanyaan  tertutup.", "closed_question"),
        ("dorongan minimal", "minimal_encourager"),
        ("Dorongan minimal (hmm)", "minimal_encourager"),
        ("parafrase", "paraphrase"),
        ("menangkap pesan utama", "paraphrase"),
        ("konfrontasi", "confrontation"),
        ("interpretasi", "interpretation"),
        ("penguatan positif", "affirmation"),
        ("structuring", "structuring"),
        ("strukturing", "structuring"),
        ("eksplorasi", "open_question"),
        ("memberi nasehat", "advice"),
        ("memberi nasihat", "advice"),
        ("menyimpulkan", "summary"),
        ("diam", "silence"),
        ("attending", "minimal_encourager"),
        ("empati", "reflection_feeling"),
        ("teknik klarifikasi", "clarification"),
        ("Reflection of feeling", "reflection_feeling"),
        ("open-ended question", "open_question"),
        ("Refleksi perasaan + bertanya terbuka", "reflection_feeling"),  # the first, main technique
        ("memberi informasi", "information"),
        ("open_question", "open_question"),  # a taxonomy id itself
    ],
)
def test_map_student_label(raw: str, expected: str) -> None:
    assert map_student_label(raw) == expected


@pytest.mark.parametrize("raw", ["", "   ", None, "???", "bagus sekali", "xyz"])
def test_unknown_student_labels_do_not_map(raw: str | None) -> None:
    assert map_student_label(raw) is None


def test_student_label_file_maps_to_taxonomy_ids() -> None:
    from importlib import resources

    data = json.loads(resources.files("jalin.analysis").joinpath("data/student_labels.json").read_text("utf-8"))
    ids = set(taxonomy().counselor_labels)
    assert set(data["labels"].values()) <= ids
    assert ids <= set(data["labels"].values())  # every technique has at least one name


def test_cohen_kappa() -> None:
    assert cohen_kappa(["a", "a", "b", "b"], ["a", "b", "b", "b"]) == 0.5
    assert cohen_kappa(["a", "b"], ["a", "b"]) == 1.0
    assert cohen_kappa(["a", "b"], ["b", "a"]) == -1.0
    assert cohen_kappa(["a", "a"], ["a", "a"]) is None  # chance agreement 1: undefined
    assert cohen_kappa([], []) is None


def test_compare_student_labels() -> None:
    utts = weak_id()
    student = {3: "pertanyaan tertutup", 5: "bertanya tertutup", 9: "memberi nasehat", 13: "bertanya terbuka",
               15: "refleksi perasaan", 2: "netral?", 11: "lol"}
    result = result_of(utts, student=student)
    s = result.student_labels
    assert s["labelled"] == 6  # counselee row 2 is not compared
    assert s["mapped"] == 5
    assert s["agreements"] == 4
    assert s["agreement"] == 0.8
    assert s["disagreements"] == [{"utterance": 15, "student_label": "refleksi perasaan",
                                   "student_label_id": "reflection_feeling", "label": "closed_question"}]
    assert s["unmapped"] == [{"utterance": 11, "student_label": "lol"}]
    assert s["per_label"]["closed_question"] == {"student": 2, "engine": 3, "agree": 2}
    assert s["kappa"] is not None and -1 <= s["kappa"] <= 1
    assert result.utterances[2].student_label_id == "closed_question"


def test_no_student_labels_gives_none() -> None:
    assert compare_student_labels(good_id()) is None
    assert result_of(good_id()).student_labels is None


# --- the assembled result --------------------------------------------------------------


def test_analyze_with_a_given_model() -> None:
    utts = risk_en()
    result = analyze(transcript_of(utts, "risk.txt"), lang="en", model=FakeModel(utts))
    assert result.source == "risk.txt" and result.format == "text"
    assert result.language == "en" and result.model_version == "fake-1"
    assert result.transcript_language == "en"
    assert [t.id for t in result.tasks_done][:2] == ["rapport", "structuring"]
    assert "referral" not in result.tasks_missed
    assert result.risk == [
        {"flag": "risk_self", "utterance": 7, "text": utts[6].text,
         "counselor_turn": {"utterance": 6, "text": utts[5].text}},
        {"flag": "risk_self", "utterance": 9, "text": utts[8].text,
         "counselor_turn": {"utterance": 8, "text": utts[7].text}},
    ]
    assert result.feedback[0]["kind"] == "risk"
    assert result.metrics["utterances"] == len(utts)


def test_analyze_unknown_language_falls_back_to_indonesian() -> None:
    utts = good_id()
    assert analyze(transcript_of(utts), lang="fr", model=FakeModel(utts)).language == "id"


# --- end to end with the real parser and model -------------------------------------------

SESSION = """\
Konselor: Selamat pagi, Dimas. Silakan duduk, anggap saja ruang sendiri.
Konseli: Pagi, Bu.
Konselor: Sebelum mulai, Ibu jelaskan dulu ya. Kita punya waktu sekitar 30 menit. Apa yang kamu ceritakan di sini rahasia, kecuali kalau ada bahaya untuk dirimu atau orang lain.
Konseli: Iya, Bu.
Konselor: Barangkali ada hal yang ingin kamu bicarakan hari ini?
Konseli: Nggak tahu, Bu.
Konselor: Hmm, sepertinya kamu agak bingung mau mulai dari mana.
Konseli: Nggak tahu juga sih. Saya cuma disuruh wali kelas ke sini.
Konselor: Kamu datang karena disuruh, bukan karena mau sendiri. Wajar kalau rasanya agak kesal.
Konseli: Iya. Sebenarnya saya capek, Bu. Orang tua saya sering bertengkar sampai malam, saya jadi nggak bisa tidur.
Konselor: Kedengarannya kamu lelah dan sedih melihat mereka bertengkar.
Konseli: Banget. Kadang saya mikir mending saya nggak ada aja, Bu.
Konselor: Terima kasih sudah mau cerita. Apakah kamu pernah berpikir untuk menyakiti dirimu?
Konseli: Pernah kepikiran, tapi belum pernah melakukan apa-apa.
Konselor: Kamu harus tetap fokus belajar ya. Apakah kamu sudah cerita ke orang lain? Ke kakakmu? Ke teman?
Konseli: Belum.
Konselor: Jadi sejauh ini ada dua hal: kamu capek karena kurang tidur, dan kamu sedih dengan keadaan di rumah.
Konseli: Iya, Bu. Saya mau coba cerita ke kakak saya.
Konselor: Itu langkah yang berani. Apa yang kamu rasakan setelah ngobrol hari ini?
Konseli: Lebih lega, Bu.
Konselor: Kita ketemu lagi Kamis depan jam 10, bagaimana?
Konseli: Baik, Bu. Terima kasih.
"""


@pytest.fixture(scope="module")
def real_result():
    from jalin.analysis import parse_text

    return analyze(parse_text(SESSION, source="sesi_dimas.txt"), lang="id")


def test_default_model_is_loaded_once() -> None:
    assert default_model() is default_model()
    assert default_model().version


def test_end_to_end_real_model(real_result) -> None:
    from jalin.analysis import to_json

    r = real_result
    assert len(r.utterances) == 22
    assert [u.speaker for u in r.utterances[:2]] == ["counselor", "counselee"]
    assert r.model_version == default_model().version
    assert r.transcript_language == "id"
    for u in r.utterances:
        assert u.label in taxonomy().labels_for(u.speaker)
        assert 0.0 <= u.confidence <= 1.0
    # the unmistakable parts of this session
    assert r.utterances[0].label == "opening"
    assert r.utterances[5].label in taxonomy().resistance_labels  # "Nggak tahu, Bu."
    assert 15 in r.metrics["must_phrases"]["utterances"]
    assert 15 in r.metrics["stacked_questions"]["utterances"]
    data = json.loads(json.dumps(to_json(r), ensure_ascii=False))
    assert validate(data, json.loads(SCHEMA_PATH.read_text("utf-8"))) == []


def test_end_to_end_risk_comes_first(real_result) -> None:
    # "mending saya nggak ada aja" is an indirect risk sign (docs/labelling-rules.md)
    assert any(x["flag"] == "risk_self" for x in real_result.risk)
    assert real_result.feedback[0]["kind"] == "risk"
    assert real_result.feedback[0]["code"] == "risk_self"


def test_end_to_end_english_report(real_result) -> None:
    from jalin.analysis import parse_text, to_html

    r = analyze(parse_text(SESSION, source="sesi_dimas.txt"), lang="en")
    assert r.language == "en"
    assert [f["code"] for f in r.feedback] == [f["code"] for f in real_result.feedback]
    assert "Counseling session analysis" in to_html(r)
