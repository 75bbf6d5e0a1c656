"""AnnoMI reading (simple and full CSV) and the mapping of our labels to its coarse classes."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from jalin.analysis.annomi import (
    CLIENT_CLASSES,
    FINE_TO_CLIENT,
    FINE_TO_THERAPIST,
    THERAPIST_CLASSES,
    AnnoMIError,
    is_annomi_csv,
    read_annomi,
    to_coarse,
)
from jalin.analysis.taxonomy import taxonomy

ANNOMI = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "annomi"
SIMPLE_COLS = [
    "transcript_id",
    "mi_quality",
    "video_title",
    "video_url",
    "topic",
    "utterance_id",
    "interlocutor",
    "timestamp",
    "utterance_text",
    "main_therapist_behaviour",
    "client_talk_type",
]


def _simple(tmp_path, rows):
    p = tmp_path / "annomi.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(SIMPLE_COLS)
        w.writerows(rows)
    return p


def test_every_fine_label_maps_to_a_coarse_class() -> None:
    tax = taxonomy()
    assert set(FINE_TO_THERAPIST) == set(tax.counselor_labels)
    assert set(FINE_TO_CLIENT) == set(tax.counselee_labels)
    assert set(FINE_TO_THERAPIST.values()) == set(THERAPIST_CLASSES)
    assert set(FINE_TO_CLIENT.values()) == set(CLIENT_CLASSES)
    assert to_coarse("summary", "counselor") == "reflection"
    assert to_coarse("planning", "counselor") == "therapist_input"
    assert to_coarse("affirmation", "counselor") == "other"
    assert to_coarse("defensive", "counselee") == "sustain"
    assert to_coarse("change_talk", "counselee") == "change"
    with pytest.raises(KeyError):
        to_coarse("disclosure", "counselor")


def test_read_simple_csv(tmp_path) -> None:
    p = _simple(
        tmp_path,
        [
            [
                0,
                "high",
                "t",
                "u1",
                "x",
                1,
                "client",
                "00:00:02",
                "I guess I could cut down.",
                "n/a",
                "change",
            ],
            [
                0,
                "high",
                "t",
                "u1",
                "x",
                0,
                "therapist",
                "00:00:01",
                "How much do you drink?",
                "question",
                "n/a",
            ],
        ],
    )
    assert is_annomi_csv(p)
    rows = read_annomi(p)
    assert [r["utterance_id"] for r in rows] == [0, 1]
    assert rows[0]["speaker"] == "counselor" and rows[0]["label"] == "question"
    assert rows[1]["speaker"] == "counselee" and rows[1]["label"] == "change"


def test_full_csv_majority_vote(tmp_path) -> None:
    cols = SIMPLE_COLS[:9] + ["annotator_id", "main_therapist_behaviour", "client_talk_type"]
    p = tmp_path / "full.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(cols)
        for ann, lab in ((1, "reflection"), (2, "question"), (3, "reflection")):
            w.writerow([7, "high", "t", "u", "x", 0, "therapist", "", "So you're worried.", ann, lab, "n/a"])
    rows = read_annomi(p)
    assert len(rows) == 1 and rows[0]["label"] == "reflection"


def test_bad_files(tmp_path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    assert not is_annomi_csv(p)
    with pytest.raises(AnnoMIError, match="not an AnnoMI CSV"):
        read_annomi(p)
    bad = _simple(tmp_path, [[0, "high", "t", "u", "x", 0, "robot", "", "hi", "question", "n/a"]])
    with pytest.raises(AnnoMIError, match=r":2: interlocutor"):
        read_annomi(bad)
    with pytest.raises(AnnoMIError, match="cannot read"):
        read_annomi(tmp_path / "missing.csv")


@pytest.mark.skipif(not (ANNOMI / "AnnoMI-simple.csv").exists(), reason="AnnoMI not available")
def test_real_annomi_simple_and_full_agree() -> None:
    simple = read_annomi(ANNOMI / "AnnoMI-simple.csv")
    assert len(simple) == 9699
    assert len({r["video_url"] for r in simple}) == 119
    full = read_annomi(ANNOMI / "AnnoMI-full.csv")
    assert len(full) == len(simple)
    agree = sum(a["label"] == b["label"] for a, b in zip(simple, full)) / len(simple)
    assert agree > 0.99
