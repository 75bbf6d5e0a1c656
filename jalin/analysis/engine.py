"""From a parsed transcript to a full ``AnalysisResult``.

The model labels utterances; everything after that (tasks, metrics, feedback, risk
list, comparison with the trainee's own labels) is deterministic code here, so the
reports can be explained line by line.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import Any, Protocol

from .feedback import LANGS, build_feedback
from .metrics import compute_metrics, find_tasks, number
from .model import load_model
from .taxonomy import taxonomy
from .types import AnalysisResult, LabelledUtterance, Transcript

__all__ = ["analyze", "cohen_kappa", "compare_student_labels", "default_model", "map_student_label"]

# Spelling slips in a trainee's label ("refleksi perasan") still map; lower cut-offs
# start to confuse "interpretasi" with "informasi".
_FUZZY_CUTOFF = 0.86
_LABEL_SPLIT = re.compile(r"\s*(?:\+|/|,|;|&|\bdan\b|\band\b|\bserta\b)\s*")


class _Model(Protocol):
    version: str

    def predict(self, transcript: Transcript) -> list[LabelledUtterance]: ...


@lru_cache(maxsize=1)
def default_model() -> _Model:
    """The packaged model, loaded once per process (loading reads and unpickles files)."""
    return load_model()


def analyze(transcript: Transcript, *, lang: str = "id", model: _Model | None = None) -> AnalysisResult:
    """Label every utterance and build metrics, feedback and the risk list in ``lang``."""
    lang = lang if lang in LANGS else "id"
    model = model if model is not None else default_model()
    utterances = model.predict(transcript)
    _attach_student_labels(transcript, utterances)
    done, missed = find_tasks(utterances)
    metrics = compute_metrics(utterances)
    policy = getattr(model, "claim_policy", None)
    return AnalysisResult(
        source=transcript.source,
        format=transcript.format,
        language=lang,
        transcript_language=transcript.language or _guess_language(transcript),
        model_version=str(getattr(model, "version", "unknown")),
        utterances=utterances,
        tasks_done=done,
        tasks_missed=missed,
        metrics=metrics,
        feedback=build_feedback(utterances, metrics, done, missed, lang, policy=policy),
        risk=_risk_list(utterances),
        student_labels=compare_student_labels(utterances),
        claim_policy=policy,
    )


def _guess_language(transcript: Transcript) -> str:
    try:
        from .parsers import detect_language
    except ImportError:  # parsers are optional for callers that build transcripts themselves
        return "id"
    return detect_language(u.text for u in transcript.utterances)


def _risk_list(utterances: Sequence[LabelledUtterance]) -> list[dict]:
    """One entry per flag per utterance, in transcript order (utterance = 1-based number): the line
    that carries the sign, why it was flagged (``basis``: phrase / screening / weak / classifier, and
    ``evidence``: the phrase or the screening question) and the counselor turn just before it."""
    order = taxonomy().flags
    out = []
    last_counselor: LabelledUtterance | None = None
    for u in utterances:
        if u.speaker == "counselor":
            last_counselor = u
            continue
        why = _flag_evidence(u.evidence)
        for flag in sorted(u.flags, key=lambda f: order.index(f) if f in order else len(order)):
            entry: dict = {"flag": flag, "utterance": number(u), "text": u.text}
            if flag in why:  # a model that gives no evidence (an older artifact) leaves these out
                entry["basis"], entry["evidence"] = why[flag]
            entry["counselor_turn"] = (
                {"utterance": number(last_counselor), "text": last_counselor.text}
                if last_counselor is not None else None
            )
            out.append(entry)
    return out


def _flag_evidence(evidence: Sequence[str]) -> dict[str, tuple[str, str]]:
    """'flag:risk_self:phrase:"pengen mati"' -> {"risk_self": ("phrase", "pengen mati")}."""
    out: dict[str, tuple[str, str]] = {}
    for e in evidence:
        if not e.startswith("flag:"):
            continue
        parts = e[len("flag:"):].split(":", 2)
        if len(parts) == 3:
            out.setdefault(parts[0], (parts[1], parts[2].strip().strip('"')))
    return out


# --- the trainee's own labels -----------------------------------------------------


@lru_cache(maxsize=1)
def _student_table() -> tuple[dict[str, str], tuple[str, ...]]:
    raw = json.loads(resources.files("jalin.analysis").joinpath("data/student_labels.json").read_text("utf-8"))
    return {_normalise(k): v for k, v in raw["labels"].items()}, tuple(raw["prefixes"])


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _lookup(text: str) -> str | None:
    table, prefixes = _student_table()
    key = _normalise(text)
    if not key:
        return None
    candidates = [key]
    for prefix in prefixes:
        if key.startswith(prefix + " "):
            candidates.append(key[len(prefix) + 1 :])
    for cand in candidates:
        if cand in table:
            return table[cand]
    for cand in candidates:
        close = difflib.get_close_matches(cand, table.keys(), n=1, cutoff=_FUZZY_CUTOFF)
        if close:
            return table[close[0]]
    return None


def map_student_label(label: str | None) -> str | None:
    """Map a trainee's free-text technique label to a taxonomy id, or None.

    A combined label ("refleksi perasaan + bertanya terbuka") maps by its first part
    that is known, since trainees write the main technique first.
    """
    if not label or not label.strip():
        return None
    found = _lookup(label)
    if found is not None:
        return found
    # "Dorongan minimal (hmm)": the example in brackets is not part of the name.
    bare = re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", label)
    for part in [bare, *_LABEL_SPLIT.split(bare)]:
        found = _lookup(part)
        if found is not None:
            return found
    return None


def _attach_student_labels(transcript: Transcript, utterances: Sequence[LabelledUtterance]) -> None:
    """Copy the trainee's label from the transcript if the model did not, and map it."""
    by_index = {u.index: u for u in transcript.utterances}
    for lu in utterances:
        if lu.student_label is None and lu.index in by_index:
            lu.student_label = by_index[lu.index].student_label
        if lu.student_label and lu.student_label_id is None:
            lu.student_label_id = map_student_label(lu.student_label)


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa of two label sequences; None when undefined (no rows, or chance
    agreement is 1 because both used one and the same label throughout)."""
    n = len(a)
    if n == 0 or n != len(b):
        return None
    observed = sum(x == y for x, y in zip(a, b)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in ca) / (n * n)
    if expected >= 1.0:
        return None
    return round((observed - expected) / (1 - expected), 4)


def compare_student_labels(utterances: Sequence[LabelledUtterance]) -> dict[str, Any] | None:
    """Agreement between the trainee's labels and the engine's on counselor utterances.

    Only rows whose trainee label maps to a taxonomy id are compared; the others are
    listed as unmapped so the supervisor sees them. None when there are no trainee labels.
    """
    rows = [u for u in utterances if u.speaker == "counselor" and u.student_label]
    if not rows:
        return None
    mapped = [u for u in rows if u.student_label_id]
    student = [u.student_label_id or "" for u in mapped]
    engine = [u.label for u in mapped]
    agree = sum(s == e for s, e in zip(student, engine))
    per_label: dict[str, dict[str, int]] = {}
    for s, e in zip(student, engine):
        per_label.setdefault(s, {"student": 0, "engine": 0, "agree": 0})["student"] += 1
        per_label.setdefault(e, {"student": 0, "engine": 0, "agree": 0})["engine"] += 1
        if s == e:
            per_label[s]["agree"] += 1
    return {
        "labelled": len(rows),
        "mapped": len(mapped),
        "agreements": agree,
        "agreement": round(agree / len(mapped), 4) if mapped else None,
        "kappa": cohen_kappa(student, engine),
        "per_label": {k: per_label[k] for k in taxonomy().counselor_labels if k in per_label},
        "disagreements": [
            {"utterance": number(u), "student_label": u.student_label, "student_label_id": u.student_label_id,
             "label": u.label}
            for u in mapped
            if u.student_label_id != u.label
        ],
        "unmapped": [{"utterance": number(u), "student_label": u.student_label} for u in rows if not u.student_label_id],
    }
