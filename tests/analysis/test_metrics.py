"""Metrics on hand-labelled sessions; every expected number can be checked by reading
the session in report_sessions.py."""

from __future__ import annotations

import json

import pytest

from jalin.analysis.metrics import compute_metrics, find_tasks, question_clauses, word_count
from jalin.analysis.taxonomy import taxonomy

from .report_sessions import build, follow_up_id, good_id, risk_en, weak_id


@pytest.fixture(scope="module")
def weak() -> dict:
    return compute_metrics(weak_id())


@pytest.fixture(scope="module")
def good() -> dict:
    return compute_metrics(good_id())


def test_counts_and_shares(weak: dict) -> None:
    assert weak["utterances"] == 20
    assert weak["counselor_utterances"] == 10 and weak["counselee_utterances"] == 10
    assert weak["techniques"]["closed_question"] == {"count": 5, "share": 0.5}
    assert weak["techniques"]["advice"]["count"] == 3
    assert set(weak["techniques"]) == set(taxonomy().counselor_labels)  # stable keys, zeros included
    assert weak["groups"]["question"]["count"] == 6
    assert weak["groups"]["reflection"] == {"count": 0, "share": 0.0}
    assert weak["counselee_labels"]["reluctant"]["count"] == 4
    assert weak["resistance"] == {"count": 4, "share": 0.4}
    assert sum(v["count"] for v in weak["techniques"].values()) == weak["counselor_utterances"]


def test_question_and_reflection_ratios(weak: dict, good: dict) -> None:
    assert weak["reflection_question_ratio"] == 0.0
    assert weak["open_question_share"] == pytest.approx(1 / 6, abs=1e-4)
    assert weak["feeling_reflection_share"] is None  # no reflections at all: undefined, not 0
    assert good["reflections"] == 5 and good["questions"] == 4
    assert good["reflection_question_ratio"] == 1.25
    assert good["open_question_share"] == 1.0
    assert good["feeling_reflection_share"] == 0.6


def test_ratios_without_questions_are_none() -> None:
    m = compute_metrics(build([("K", "Halo.", "opening", "awal", [], []), ("S", "Halo, Bu.", "neutral", "awal", [], [])]))
    assert m["reflection_question_ratio"] is None
    assert m["open_question_share"] is None


def test_talk_share_and_turns(weak: dict) -> None:
    talk = weak["talk"]
    assert talk["counselor_words"] + talk["counselee_words"] > 0
    assert talk["counselor_share"] + talk["counselee_share"] == pytest.approx(1.0, abs=1e-3)
    assert talk["counselor_turns"] == 10
    assert talk["avg_counselor_turn_words"] == pytest.approx(talk["counselor_words"] / 10, abs=0.05)


def test_consecutive_counselor_lines_are_one_turn(good: dict) -> None:
    # utterances 3-4 and 18-19 and 21-22 are by the counselor back to back
    assert good["talk"]["counselor_turns"] == 12


def test_silence_has_no_words() -> None:
    assert word_count("[diam]") == 0
    assert word_count("(diam)") == 0
    assert word_count("...") == 0
    assert word_count("Nggak tahu, Bu.") == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Apa yang membuatmu sedih dan bagaimana kamu menghadapinya?", 2),
        ("Kamu tahu kenapa dipanggil ke sini? Sudah dikasih tahu wali kelas?", 2),
        ("Sudah bilang ke ibu? Kapan? Terus ibu bilang apa?", 3),
        ("What happened, and how did you feel about it?", 2),
        ("Kamu kecewa, ya? Apa yang terjadi?", 1),  # reflection check + one real question
        ("Kamu kecewa, ya?", 0),
        ("So you felt left out, right?", 0),
        ("Hmm. Terus?", 0),
        ("Bagaimana perasaanmu ketika apa yang kamu harapkan tidak terjadi?", 1),
        ("Apa yang kamu pahami dan rasakan setelah ngobrol hari ini?", 1),
        ("Apa pun pilihanmu, Ibu dukung. Bagaimana menurutmu?", 1),
        ("Ceritakan apa yang terjadi.", 0),
        ("Apa yang kamu ceritakan di sini bersifat rahasia.", 0),  # a statement, no "?"
        ("When you say you snap, what does that look like?", 1),  # "when" sets the scene
        ("When you say likes you, what do you mean? Like as a friend, or more than that?", 1),  # options
        ("Do you open the file and get stuck, or do you not open it at all?", 1),  # alternatives
        ("Have you thought about how or when?", 1),
        ("What, if anything, would you want from these sessions?", 1),
        ("Apakah ada masalah di rumah? Atau di kos?", 1),
        ("Sudah berapa lama seperti itu? Apakah dia punya pacar? Apakah temannya ada yang merokok?", 3),
        ("Kenapa? Kamu takut wali kelas tahu?", 2),
    ],
)
def test_question_clauses(text: str, expected: int) -> None:
    assert question_clauses(text) == expected


def test_stacked_questions(weak: dict, good: dict) -> None:
    assert weak["stacked_questions"] == {"count": 3, "utterances": [3, 7, 13]}
    assert good["stacked_questions"]["count"] == 0


def test_small_talk_questions_in_a_greeting_are_not_stacked() -> None:
    rows = [("K", "Pak Rudi ya? Silakan duduk, Pak. Ibu nggak ikut?", "opening", "awal", ["rapport"], []),
            ("S", "Nggak, Bu.", "neutral", "awal", [], [])]
    assert compute_metrics(build(rows))["stacked_questions"]["count"] == 0


def test_must_phrases(weak: dict, good: dict) -> None:
    assert weak["must_phrases"]["utterances"] == [9, 19]
    assert good["must_phrases"]["count"] == 0


def test_advice_before_exploration(weak: dict, good: dict) -> None:
    early = weak["advice_before_exploration"]
    # no exploration task; the third disclosure (utterance 18) marks exploration
    assert early["exploration_at"] == 18
    assert early["utterances"] == [9, 17]
    assert early["found"] is True
    assert good["advice_before_exploration"] == {
        "found": False, "utterances": [], "exploration_at": 10, "disclosures_needed": 3,
    }


def test_advice_after_exploration_task_is_fine() -> None:
    rows = [
        ("K", "Bagaimana ceritanya?", "open_question", "inti", ["exploration"], []),
        ("S", "Saya bingung pilih jurusan.", "disclosure", "inti", [], []),
        ("K", "Sebaiknya kamu coba tes minat bakat dulu.", "advice", "akhir", [], []),
    ]
    assert compute_metrics(build(rows))["advice_before_exploration"]["found"] is False


def test_resistance_episode_that_stays(weak: dict) -> None:
    first = weak["resistance_episodes"][0]
    assert (first["start"], first["end"]) == (4, 8)
    assert first["utterances"] == [4, 6, 8]
    assert first["signs"] == ["reluctant"] * 3
    assert first["sign_counts"] == {"reluctant": 3}
    assert first["dont_know"] == [4, 6, 8]
    assert [r["utterance"] for r in first["counselor_during"]] == [5, 7]
    assert first["counselor_next"] == [{"utterance": 9, "label": "advice"}]
    # 10 neutral, then 12 resistance again before any disclosure: not opened up
    assert first["opened_up"] is False and first["opened_at"] is None


def test_resistance_episode_that_opens(good: dict) -> None:
    (ep,) = good["resistance_episodes"]
    assert ep["signs"] == ["defensive"]
    assert ep["counselor_next"] == [{"utterance": 6, "label": "reflection_feeling"}]
    assert ep["opened_up"] is True and ep["opened_at"] == 7


def test_resistance_episode_spans_counselor_turns() -> None:
    rows = [
        ("K", "Apa kabar?", "open_question", "awal", [], []),
        ("S", "Biasa aja.", "reluctant", "awal", [], []),
        ("K", "Hmm.", "minimal_encourager", "awal", [], []),
        ("K", "Kedengarannya ada yang berat.", "reflection_feeling", "awal", [], []),
        ("S", "Bukan urusan Ibu.", "defensive", "awal", [], []),
        ("K", "Kamu datang ke sini tidak untuk dihukum.", "structuring", "awal", [], []),
        ("S", "Iya.", "neutral", "awal", [], []),
        ("K", "[diam]", "silence", "awal", [], []),
        ("S", "Sebenarnya saya dibully di kelas.", "disclosure", "inti", [], []),
    ]
    (ep,) = compute_metrics(build(rows))["resistance_episodes"]
    assert ep["utterances"] == [2, 5]
    assert ep["signs"] == ["reluctant", "defensive"]
    assert [r["label"] for r in ep["counselor_during"]] == ["minimal_encourager", "reflection_feeling"]
    assert ep["counselor_next"] == [{"utterance": 6, "label": "structuring"}]
    assert ep["opened_up"] is True and ep["opened_at"] == 9  # second counselee turn after the episode


def test_stage_spans(good: dict) -> None:
    assert good["stages"]["awal"] == {"first": 1, "last": 7, "count": 7, "share": round(7 / 27, 4)}
    assert good["stages"]["akhir"]["first"] == 21
    risk = compute_metrics(risk_en())
    assert risk["stages"]["akhir"] == {"first": None, "last": None, "count": 0, "share": 0.0}


def test_tasks_done_and_missed() -> None:
    done, missed = find_tasks(good_id())
    ids = [t.id for t in done]
    assert "structuring" in ids and "evaluation" in ids
    assert missed == ["contract_task"]
    hit = next(t for t in done if t.id == "alternatives")
    assert hit.stage == "inti" and hit.utterances == [18, 19]  # 0-based indexes in TaskHit
    # referral is optional: never missed, listed when done
    assert "referral" not in missed
    done_en, missed_en = find_tasks(risk_en())
    assert "referral" in [t.id for t in done_en]
    assert "referral" not in missed_en


def test_session_kind(weak: dict) -> None:
    assert weak["session"] == {"kind": "first", "evidence": None}
    assert compute_metrics(follow_up_id())["session"] == {"kind": "follow_up", "evidence": 1}


def test_flags_listed() -> None:
    m = compute_metrics(risk_en())
    assert m["flags"] == {"risk_self": [7, 9], "risk_others": [], "abuse": []}


def test_empty_session_is_all_zero_and_json_ready() -> None:
    m = compute_metrics([])
    assert m["utterances"] == 0
    assert m["talk"]["counselor_share"] is None
    assert m["resistance_episodes"] == []
    json.dumps(m)


def test_metrics_are_json_serialisable(good: dict) -> None:
    assert json.loads(json.dumps(good)) == good


def test_every_metric_key_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "analysis-output.md").read_text("utf-8")
    m = compute_metrics(good_id())
    for key, value in m.items():
        assert f"`{key}" in doc, key
        if isinstance(value, dict) and key not in ("techniques", "groups", "counselee_labels", "stages", "flags"):
            for sub in value:
                assert f"{sub}" in doc, f"{key}.{sub}"
    for sub in m["resistance_episodes"][0]:
        assert f"`{sub}`" in doc, f"resistance_episodes.{sub}"
