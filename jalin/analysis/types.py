"""Plain data passed between the parsers, the model and the reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Speaker = Literal["counselor", "counselee"]
Role = Literal["counselor", "counselee", "other"]  # "other": a parent, a co-counselor; shown, never scored

__all__ = ["AnalysisResult", "LabelledUtterance", "Role", "Speaker", "TaskHit", "Transcript", "Utterance"]


@dataclass
class Utterance:
    """One utterance as read from the input, before analysis."""

    index: int                      # 0-based position in the transcript
    speaker: Speaker
    text: str                       # silences are normalised to "[diam]"
    speaker_name: str = ""          # the prefix or name as written ("K", "Bu Rina", "Counselor")
    line: int | None = None         # 1-based line (or table row) in the source, for messages
    timestamp: str | None = None    # "00:01:23" when the source has one
    stage_hint: str | None = None   # stage from a heading in the source ("Tahap Awal"), if any
    student_label: str | None = None  # the trainee's own technique label from a DOCX verbatim, verbatim
    is_silence: bool = False
    sent_at: str | None = None      # ISO date and time of a chat message ("2026-12-04T10:15:32")
    sent_until: str | None = None   # ...and of the last message merged into this utterance


@dataclass
class Transcript:
    """A parsed transcript: utterances in input order plus where they came from."""

    utterances: list[Utterance]
    source: str = "<text>"          # file name shown in messages
    format: str = "text"            # text, vtt, srt, docx, csv, jsonl
    counselor_name: str = ""        # who was taken to be the counselor
    language: str | None = None     # "id" / "en" when known or detected
    others: list[Utterance] = field(default_factory=list)  # speakers mapped to "other": kept, not analysed
    speaker_roles: dict[str, str] = field(default_factory=dict)  # label as written -> counselor/counselee/other
    roles_guessed: bool = False     # True when the roles were inferred from the talk, not read or given
    skipped: dict[str, int] = field(default_factory=dict)  # chat lines not analysed: system, media, deleted

    @property
    def has_student_labels(self) -> bool:
        return any(u.student_label for u in self.utterances)


@dataclass
class LabelledUtterance:
    """An utterance with what the engine decided about it."""

    index: int
    speaker: Speaker
    speaker_name: str
    text: str
    label: str
    group: str
    confidence: float
    alternatives: list[tuple[str, float]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    stage: str = "awal"
    tasks: list[str] = field(default_factory=list)
    student_label: str | None = None
    student_label_id: str | None = None  # the trainee's label mapped to a taxonomy id, when it maps
    line: int | None = None
    timestamp: str | None = None
    evidence: list[str] = field(default_factory=list)  # rule/lexicon cues that fired, for explanations
    # Calibrated probability per stage task (every detected task, and others of at least 0.05);
    # None when unknown (hand-built utterances): then a detected task counts as sure.
    task_confidence: dict[str, float] | None = None


@dataclass
class TaskHit:
    id: str
    stage: str
    utterances: list[int]


@dataclass
class AnalysisResult:
    """The whole analysis of one transcript; serialised by ``jalin.analysis.report``."""

    source: str
    format: str
    language: str                    # report language (id/en)
    transcript_language: str         # detected language of the transcript
    model_version: str
    utterances: list[LabelledUtterance]
    tasks_done: list[TaskHit]
    tasks_missed: list[str]
    metrics: dict
    feedback: list[dict]             # {"kind": "risk"|"strength"|"improve"|"info", "text": ..., "utterances": [...]}
    risk: list[dict]                 # {"flag": ..., "utterance": index, "text": ...}
    # Added by the reporting engine (optional): comparison with the trainee's own labels,
    # None when the transcript has none. Keys in docs/analysis-output.md.
    student_labels: dict | None = None
    # The model's claim thresholds (``LabelModel.claim_policy``), so the feedback can be rebuilt
    # in another language with the same claims and questions; None: the defaults.
    claim_policy: dict | None = None
