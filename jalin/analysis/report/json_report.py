"""The machine-readable report (schema ``jalin.analysis/1.2``, docs/analysis-output.schema.json)."""

from __future__ import annotations

from typing import Any

from ..types import AnalysisResult, LabelledUtterance

__all__ = ["SCHEMA_VERSION", "to_json", "utterance_json"]

SCHEMA_VERSION = "jalin.analysis/1.2"


def utterance_json(u: LabelledUtterance) -> dict[str, Any]:
    """One utterance; ``index`` is the 1-based number people see (``u.index + 1``)."""
    return {
        "index": u.index + 1,
        "speaker": u.speaker,
        "speaker_name": u.speaker_name,
        "text": u.text,
        "label": u.label,
        "group": u.group,
        "confidence": round(float(u.confidence), 4),
        "alternatives": [{"label": label, "score": round(float(score), 4)} for label, score in u.alternatives],
        "flags": list(u.flags),
        "stage": u.stage,
        "tasks": list(u.tasks),
        "student_label": u.student_label,
        "student_label_id": u.student_label_id,
        "line": u.line,
        # calibrated probability of each detected task (issue #12); {} for utterances without one
        "task_confidence": {t: round(float(p), 4) for t, p in (u.task_confidence or {}).items() if t in u.tasks},
    }


def to_json(result: AnalysisResult) -> dict[str, Any]:
    """The report as a JSON-ready dict; every utterance reference is a 1-based number."""
    return {
        "schema": SCHEMA_VERSION,
        "language": result.language,
        "source": result.source,
        "model_version": result.model_version,
        "utterances": [utterance_json(u) for u in result.utterances],
        "tasks": {
            "done": [{"id": t.id, "stage": t.stage, "utterances": [i + 1 for i in t.utterances]}
                     for t in result.tasks_done],
            "missed": list(result.tasks_missed),
        },
        "metrics": result.metrics,
        "feedback": result.feedback,
        "risk": result.risk,
        "student_labels": result.student_labels,
    }
