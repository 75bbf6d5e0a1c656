"""Read AnnoMI (shared/datasets/annomi, simple or full CSV) and map labels to coarse classes.

AnnoMI is an English benchmark of expert-annotated motivational-interviewing
transcripts. Its therapist utterances carry one of four behaviours (question,
reflection, therapist_input, other) and client utterances one of three talk types
(change, neutral, sustain). Our fine labels map onto those coarse classes as its
README describes, so the shipped model can be scored on it (evaluation (b)); the
same architecture can also be trained and tested on AnnoMI itself (evaluation (a)).
The data are read in place and never copied into the repository.
"""

from __future__ import annotations

import csv
import os
from collections import Counter, OrderedDict

__all__ = [
    "CLIENT_CLASSES",
    "FINE_TO_CLIENT",
    "FINE_TO_THERAPIST",
    "THERAPIST_CLASSES",
    "AnnoMIError",
    "annomi_sessions",
    "is_annomi_csv",
    "read_annomi",
    "to_coarse",
]

THERAPIST_CLASSES = ("question", "reflection", "therapist_input", "other")
CLIENT_CLASSES = ("change", "neutral", "sustain")

FINE_TO_THERAPIST = {
    **{k: "question" for k in ("open_question", "closed_question", "clarification")},
    **{
        k: "reflection"
        for k in (
            "paraphrase",
            "reflection_feeling",
            "reflection_experience",
            "summary",
            "interpretation",
            "confrontation",
        )
    },
    **{k: "therapist_input" for k in ("information", "advice", "directing", "planning", "structuring")},
    **{
        k: "other"
        for k in ("opening", "minimal_encourager", "silence", "affirmation", "self_disclosure", "other")
    },
}
# Client: change <- change_talk; sustain <- defensive. AnnoMI's README also allows mapping
# "sustain-type" reluctant/surface talk to sustain; from the label alone we cannot tell which
# reluctant or surface lines argue for the status quo, so they map to neutral.
FINE_TO_CLIENT = {
    "change_talk": "change",
    "defensive": "sustain",
    **{k: "neutral" for k in ("disclosure", "surface", "reluctant", "question", "neutral")},
}

_SIMPLE_COLS = {
    "transcript_id",
    "video_url",
    "utterance_id",
    "interlocutor",
    "utterance_text",
    "main_therapist_behaviour",
    "client_talk_type",
}


class AnnoMIError(ValueError):
    """The file is not a readable AnnoMI CSV."""


def to_coarse(label: str, speaker: str) -> str:
    """Our fine label -> AnnoMI coarse class for ``speaker`` (counselor/counselee)."""
    table = FINE_TO_THERAPIST if speaker == "counselor" else FINE_TO_CLIENT
    if label not in table:
        raise KeyError(f"no AnnoMI class for {speaker} label {label!r}")
    return table[label]


def is_annomi_csv(path: str | os.PathLike) -> bool:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return _SIMPLE_COLS <= {h.strip() for h in header}


def read_annomi(path: str | os.PathLike) -> list[dict]:
    """One dict per utterance, in transcript order.

    Keys: transcript_id, video_url, utterance_id, speaker (counselor/counselee), text, timestamp,
    mi_quality, label (coarse class: therapist 4-class or client 3-class). For AnnoMI-full, rows of
    the multiply-annotated transcripts are merged by majority vote (ties: first annotator's label),
    as AnnoMI-simple does.
    """
    path = str(path)
    try:
        fh = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by `with fh` below
    except OSError as exc:
        raise AnnoMIError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with fh:
        reader = csv.DictReader(fh)
        cols = {c.strip() for c in (reader.fieldnames or [])}
        if not _SIMPLE_COLS <= cols:
            raise AnnoMIError(
                f"{path}: not an AnnoMI CSV (missing columns: {', '.join(sorted(_SIMPLE_COLS - cols))})"
            )
        merged: OrderedDict[tuple[int, int], dict] = OrderedDict()
        votes: dict[tuple[int, int], Counter] = {}
        try:
            for n, rec in enumerate(reader, 2):
                try:
                    key = (int(rec["transcript_id"]), int(rec["utterance_id"]))
                except (TypeError, ValueError):
                    raise AnnoMIError(f"{path}:{n}: transcript_id/utterance_id must be integers") from None
                who = rec["interlocutor"].strip()
                if who not in ("therapist", "client"):
                    raise AnnoMIError(f"{path}:{n}: interlocutor must be therapist or client, got {who!r}")
                lab = (
                    rec["main_therapist_behaviour"] if who == "therapist" else rec["client_talk_type"]
                ).strip()
                allowed = THERAPIST_CLASSES if who == "therapist" else CLIENT_CLASSES
                if lab not in allowed:
                    raise AnnoMIError(f"{path}:{n}: unexpected {who} label {lab!r}")
                if key not in merged:
                    merged[key] = {
                        "transcript_id": key[0],
                        "utterance_id": key[1],
                        "video_url": rec["video_url"].strip(),
                        "speaker": "counselor" if who == "therapist" else "counselee",
                        "text": rec["utterance_text"],
                        "timestamp": rec.get("timestamp") or None,
                        "mi_quality": rec.get("mi_quality", ""),
                        "topic": rec.get("topic", ""),
                    }
                    votes[key] = Counter()
                votes[key][lab] += 1
        except csv.Error as exc:
            raise AnnoMIError(f"{path}: malformed CSV ({exc})") from None
    for key, row in merged.items():
        row["label"] = votes[key].most_common(1)[0][0]
    rows = sorted(merged.values(), key=lambda r: (r["transcript_id"], r["utterance_id"]))
    return rows


def annomi_sessions(rows: list[dict]) -> OrderedDict[int, list[dict]]:
    out: OrderedDict[int, list[dict]] = OrderedDict()
    for r in rows:
        out.setdefault(r["transcript_id"], []).append(r)
    return out
