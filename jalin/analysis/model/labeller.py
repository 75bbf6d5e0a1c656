"""``LabelModel``: everything the engine needs to label a parsed transcript, and ``train_model``.

Pipeline per transcript (one batched embedding call for all utterances):
1. records: text, speaker, previous/next utterance, position, embeddings, lexicon vectors;
2. labels: a speaker-specific ``UtteranceClassifier`` (counselor 20 labels, counselee 7),
   overridden by rules for silence and pure minimal encouragers;
3. flags: ``RiskDetector`` (lexicon + classifier, counselee lines only);
4. stages: ``StageSequencer`` (per-utterance scores + monotone decoding);
5. tasks: ``TaskDetector`` (cue rules + per-task classifiers).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..corpus import corpus_hash, group_sessions, load_corpus
from ..taxonomy import taxonomy
from ..types import LabelledUtterance, Transcript
from .calibration import claim_threshold, expected_calibration_error, fit_temperature, softmax
from .embed import Embedder, get_embedder
from .estimator import UtteranceClassifier
from .features import build_records
from .lexicon import lexicon_hash
from .risk import RiskDetector
from .rules import evidence_for, rule_label
from .runtime import one_blas_thread
from .stages import STAGES, StageSequencer
from .tasks import TaskDetector

__all__ = [
    "DEFAULT_PARAMS",
    "MODEL_RELEASE",
    "LabelModel",
    "augmented_rows",
    "fit_label_calibration",
    "fit_label_model",
    "records_for_rows",
    "train_model",
]

# 2026.12-3: risk detector retrained with risk training items E and F; 2026.12-4: with items G and H and the
# corpus's second round of risk relabelling; 2026.12-5: with items I and J and the third round
MODEL_RELEASE = "2026.12-5"

# Chosen by group-wise cross-validation inside the training data (see docs/analysis-model.md).
DEFAULT_PARAMS: dict[str, dict] = {
    "counselor": {"C": 1.0, "use_own_prev": True},
    "counselee": {"C": 1.0, "use_own_prev": True},
    "stages": {"C": 1.0, "switch_penalty": 3.0},
    "tasks": {"C": 0.5},
    # jalin evaluate --risk-cv (the rule in risk_eval.choose, the grid in risk_eval.GRID); no position is read
    "risk": {
        "C": 3.0, "context": True, "moves": False, "ngrams": True, "threshold": 0.7, "weak_threshold": 0.3,
        "self_threshold": None,
    },
}

# Calibrated task probabilities below this are not kept on the utterance (they only matter
# for negative claims, whose doubt threshold is far above it).
TASK_CONFIDENCE_FLOOR = 0.05

_STAGE_WORDS = {
    "awal": ("awal", "pembukaan", "initial", "opening", "beginning", "early"),
    "inti": ("inti", "kerja", "working", "middle", "core"),
    "akhir": ("akhir", "penutup", "tindakan", "final", "closing", "ending", "termination"),
}


def _stage_of_hint(hint: str | None) -> str | None:
    if not hint:
        return None
    h = hint.lower()
    for stage, words in _STAGE_WORDS.items():
        if any(w in h for w in words):
            return stage
    return None


def records_for_rows(rows: Sequence[dict], embedder: Embedder) -> list[dict]:
    """Records for corpus-like rows (dicts with session, speaker, text), session by session."""
    out: list[dict] = []
    for srows in group_sessions(list(rows)).values():
        texts = [r["text"] for r in srows]
        E = embedder.encode(texts)
        out += build_records([r["speaker"] for r in srows], texts, E)
    return out


class LabelModel:
    """A trained labelling model. Create with ``train_model`` or ``load_model``; use ``predict``."""

    def __init__(
        self,
        *,
        counselor: UtteranceClassifier,
        counselee: UtteranceClassifier,
        stages: StageSequencer,
        tasks: TaskDetector,
        risk: RiskDetector,
        backend: str,
        version: str,
        meta: dict | None = None,
        calibration: dict | None = None,
    ):
        self.counselor = counselor
        self.counselee = counselee
        self.stages = stages
        self.tasks = tasks
        self.risk = risk
        self.backend = backend
        self.version = version
        self.meta = dict(meta or {})
        # {"counselor": {"temperature", "claim_threshold", ...}, "counselee": {...}}; None = uncalibrated
        self.calibration = calibration

    def temperature(self, speaker: str) -> float:
        cal = getattr(self, "calibration", None) or {}
        return float(cal.get(speaker, {}).get("temperature", 1.0))

    @property
    def claim_policy(self) -> dict:
        """Thresholds for feedback claims (``feedback.build_feedback``): calibrated confidence at or
        above which a label / task is stated, and the task probability below which "not done" is."""
        cal = getattr(self, "calibration", None) or {}
        return {
            "label": {s: float(cal.get(s, {}).get("claim_threshold", 0.5)) for s in ("counselor", "counselee")},
            "task": float(getattr(self.tasks, "claim_threshold_", 0.5)),
            "doubt": float(getattr(self.tasks, "doubt_threshold_", 0.2)),
        }

    def __repr__(self) -> str:
        return f"LabelModel(version={self.version!r}, backend={self.backend!r})"

    # --- prediction ----------------------------------------------------------------
    def records(self, speakers: Sequence[str], texts: Sequence[str]) -> list[dict]:
        E = get_embedder(self.backend).encode(list(texts))
        return build_records(list(speakers), list(texts), E)

    def label_records(
        self, records: Sequence[dict], calibrated: bool = True
    ) -> list[tuple[str, float, list[tuple[str, float]], list[str]]]:
        """Per record: (label, confidence, alternatives, evidence) from classifiers + rules.

        Confidences are temperature-scaled (calibrated) unless ``calibrated`` is False; the labels
        are the same either way."""
        out: list = [None] * len(records)
        for speaker, clf in (("counselor", self.counselor), ("counselee", self.counselee)):
            idx = [i for i, r in enumerate(records) if r["speaker"] == speaker]
            if not idx:
                continue
            T = self.temperature(speaker) if calibrated else 1.0
            P = softmax(clf.decision_function([records[i] for i in idx]), T)
            classes = [str(c) for c in clf.classes_]
            for row, i in enumerate(idx):
                order = np.argsort(-P[row], kind="stable")
                ranked = [(classes[k], float(P[row, k])) for k in order]
                evidence: list[str] = []
                ruled = rule_label(speaker, records[i]["text"])
                if ruled is not None:
                    lab, why = ruled
                    evidence.append(why)
                    conf = max(0.95, dict(ranked).get(lab, 0.0))
                    alts = [(c, round(p, 4)) for c, p in ranked if c != lab][:3]
                    out[i] = (lab, round(conf, 4), alts, evidence)
                else:
                    lab, conf = ranked[0]
                    out[i] = (lab, round(conf, 4), [(c, round(p, 4)) for c, p in ranked[1:4]], evidence)
        return out

    def predict(self, transcript: Transcript) -> list[LabelledUtterance]:
        """Label every utterance of ``transcript`` (label, confidence, alternatives, flags, stage, tasks)."""
        utts = list(transcript.utterances)
        if not utts:
            return []
        tax = taxonomy()
        texts = ["[diam]" if u.is_silence else (u.text or "") for u in utts]
        speakers = [u.speaker if u.speaker in ("counselor", "counselee") else "counselee" for u in utts]
        recs = self.records(speakers, texts)
        with one_blas_thread():
            labels = self.label_records(recs)
            risk = self.risk.predict(recs)
            stages = self.stages.predict_session(recs, [_stage_of_hint(u.stage_hint) for u in utts])
            tasks, _, task_p = self.tasks.predict_with_confidence(recs)
        for i, u in enumerate(utts):
            if u.is_silence and labels[i][3][:1] != ["rule:silence"]:
                lab = "silence" if speakers[i] == "counselor" else "reluctant"
                labels[i] = (lab, 0.95, [a for a in labels[i][2] if a[0] != lab][:3], ["rule:silence"])
        task_ids = list(self.tasks.tasks_)
        result = []
        for i, u in enumerate(utts):
            lab, conf, alts, ev = labels[i]
            flags, risk_ev = risk[i]
            cues = [e for e in evidence_for(texts[i], speakers[i]) if e not in ev]
            evidence = ev + cues + [f"flag:{e}" for e in risk_ev]
            result.append(
                LabelledUtterance(
                    index=u.index,
                    speaker=speakers[i],
                    speaker_name=u.speaker_name,
                    text=u.text,
                    label=lab,
                    group=tax.group_of.get(lab, "other"),
                    confidence=conf,
                    alternatives=alts,
                    flags=flags,
                    stage=stages[i],
                    tasks=tasks[i],
                    student_label=u.student_label,
                    line=u.line,
                    timestamp=u.timestamp,
                    evidence=evidence,
                    task_confidence={
                        t: round(float(task_p[i, j]), 4)
                        for j, t in enumerate(task_ids)
                        if t in tasks[i] or task_p[i, j] >= TASK_CONFIDENCE_FLOOR
                    },
                )
            )
        return result


def fit_label_model(
    train_rows: Sequence[dict],
    *,
    records: Sequence[dict] | None = None,
    backend: str = "use",
    embedder: Embedder | None = None,
    random_state: int = 0,
    params: dict | None = None,
    version: str | None = None,
    with_extras: bool = True,
    risk_extra: tuple[Sequence[dict], Sequence[Sequence[str]]] | None = None,
    risk_extra_hash: str | None = None,
    calibrate: bool = True,
) -> LabelModel:
    """Fit all components on corpus rows (``records`` may be given precomputed, aligned with the rows).

    ``risk_extra``: (records, flags) of extra counselee lines that train only the risk detector
    (``jalin.analysis.risk_train``), with ``risk_extra_hash`` naming them in the model version.

    ``params["augment"]`` (``{"copies": k, "styles": [...], "seed": s}``; ``copies`` 0 or absent: off): every
    training session also trains the label classifiers and the stage sequencer as ``k`` noised copies
    (``jalin.analysis.augment.augment_rows``, embedded with ``embedder``). The task and risk detectors, whose
    thresholds come from cross-validation by session, train on the original rows only."""
    p = {k: dict(v) for k, v in DEFAULT_PARAMS.items()}
    for k, v in (params or {}).items():
        p.setdefault(k, {}).update(v)
    rows = list(train_rows)
    if records is None:
        embedder = embedder or Embedder(backend)
        records = records_for_rows(rows, embedder)
    records = list(records)
    if len(records) != len(rows):
        raise ValueError("records and rows differ in length")
    aug_rows, aug_records = augmented_rows(rows, p.get("augment"), embedder or Embedder(backend))
    tax = taxonomy()
    models = {}
    all_rows, all_records = rows + aug_rows, records + aug_records
    for speaker in ("counselor", "counselee"):
        idx = [i for i, r in enumerate(all_rows) if r["speaker"] == speaker]
        models[speaker] = UtteranceClassifier(random_state=random_state, **p[speaker]).fit(
            [all_records[i] for i in idx], [all_rows[i]["label"] for i in idx]
        )
    with_stage = [i for i, r in enumerate(all_rows) if r.get("stage")]
    stages = StageSequencer(random_state=random_state, **p["stages"])
    if with_extras and len({all_rows[i]["stage"] for i in with_stage}) >= 2:
        stages.fit([all_records[i] for i in with_stage], [all_rows[i]["stage"] for i in with_stage])
    else:
        stages = _position_only_stages(records, rows, random_state)
    tasks = TaskDetector(tasks=tax.tasks, random_state=random_state, **p["tasks"]).fit(
        records, [r.get("tasks") or [] for r in rows], groups=[r["session"] for r in rows]
    )
    risk_X = list(records)
    risk_Y = [r.get("flags") or [] for r in rows]
    if risk_extra is not None:
        risk_X += list(risk_extra[0])
        risk_Y += [list(f) for f in risk_extra[1]]
    risk = RiskDetector(random_state=random_state, **p["risk"]).fit(risk_X, risk_Y)
    calibration = (
        fit_label_calibration(rows, records, params=p, random_state=random_state, extra=(aug_rows, aug_records))
        if calibrate
        else None
    )
    chash = corpus_hash(rows)
    meta = {
        "release": MODEL_RELEASE,
        "corpus_hash": chash,
        "n_rows": len(rows),
        "n_sessions": len(group_sessions(rows)),
        "n_augmented_rows": len(aug_rows),
        "backend": backend,
        "random_state": random_state,
        "params": p,
        "languages": sorted({r.get("lang", "id") for r in rows}),
        "lexicon_hash": lexicon_hash(),
        "risk_train_items": len(risk_extra[0]) if risk_extra is not None else 0,
        "risk_train_hash": risk_extra_hash,
        "calibration": {
            "labels": calibration,
            "tasks": {
                "claim_threshold": getattr(tasks, "claim_threshold_", None),
                "doubt_threshold": getattr(tasks, "doubt_threshold_", None),
                "oof_ece": getattr(tasks, "oof_ece_", None),
                "doubt_curve": getattr(tasks, "doubt_curve_", None),
            },
        },
    }
    return LabelModel(
        counselor=models["counselor"],
        counselee=models["counselee"],
        stages=stages,
        tasks=tasks,
        risk=risk,
        backend=backend,
        version=version or f"jalin-{MODEL_RELEASE}+{chash}" + (f"-r{risk_extra_hash}" if risk_extra_hash else ""),
        meta=meta,
        calibration=calibration,
    )


def augmented_rows(
    rows: Sequence[dict], config: dict | None, embedder: Embedder
) -> tuple[list[dict], list[dict]]:
    """The noised copies ``config`` (``params["augment"]``) asks for, and their records; ``([], [])`` when off."""
    cfg = dict(config or {})
    if int(cfg.get("copies", 0)) <= 0:
        return [], []
    from ..augment import STYLES, augment_rows

    aug = augment_rows(
        rows, copies=int(cfg["copies"]), styles=tuple(cfg.get("styles") or STYLES), seed=int(cfg.get("seed", 0))
    )
    return aug, records_for_rows(aug, embedder)


def fit_label_calibration(
    rows: Sequence[dict],
    records: Sequence[dict],
    *,
    params: dict | None = None,
    random_state: int = 0,
    n_splits: int = 3,
    extra: tuple[Sequence[dict], Sequence[dict]] | None = None,
) -> dict:
    """Temperature and claim threshold per speaker from out-of-fold predictions of ``rows``.

    ``rows`` are the training rows (never an evaluation set): GroupKFold by session, the
    speaker's classifier refitted on each training fold, the logits of the left-out fold
    collected; the temperature minimises their negative log-likelihood and the claim threshold
    is ``calibration.claim_threshold`` of the calibrated confidences (rules included, as in
    ``label_records``). ``extra``: (rows, records) of noised copies (``augmented_rows``); each fold's
    classifier also trains on the copies of its training sessions (by ``origin``), and no copy is scored."""
    from sklearn.model_selection import GroupKFold

    p = {k: dict(v) for k, v in DEFAULT_PARAMS.items()}
    for k, v in (params or {}).items():
        p.setdefault(k, {}).update(v)
    rows, records = list(rows), list(records)
    ex_rows, ex_records = (list(extra[0]), list(extra[1])) if extra is not None else ([], [])
    out: dict = {}
    for speaker in ("counselor", "counselee"):
        idx = [i for i, r in enumerate(rows) if r["speaker"] == speaker]
        groups = np.array([rows[i]["session"] for i in idx])
        ex_idx = [j for j, r in enumerate(ex_rows) if r["speaker"] == speaker]
        y = np.array([rows[i]["label"] for i in idx])
        classes = np.unique(y)
        splits = min(n_splits, len(np.unique(groups)))
        if splits < 2 or len(classes) < 2:
            out[speaker] = {"temperature": 1.0, "claim_threshold": 0.5, "n": len(idx), "folds": 0}
            continue
        logits = np.full((len(idx), len(classes)), -30.0)
        for tr, te in GroupKFold(splits).split(idx, y, groups):
            if len(np.unique(y[tr])) < 2:
                continue
            seen = set(groups[tr])
            ex_tr = [j for j in ex_idx if (ex_rows[j].get("origin") or ex_rows[j]["session"]) in seen]
            clf = UtteranceClassifier(random_state=random_state, **p[speaker]).fit(
                [records[idx[k]] for k in tr] + [ex_records[j] for j in ex_tr],
                [*y[tr], *(ex_rows[j]["label"] for j in ex_tr)],
            )
            cols = np.searchsorted(classes, clf.classes_)
            logits[np.ix_(te, cols)] = clf.decision_function([records[idx[k]] for k in te])
        y_idx = np.searchsorted(classes, y)
        T = fit_temperature(logits, y_idx)
        conf, correct, raw_conf, raw_correct = [], [], [], []
        for P, bucket_c, bucket_ok in ((softmax(logits, T), conf, correct), (softmax(logits, 1.0), raw_conf, raw_correct)):
            for k, i in enumerate(idx):
                ruled = rule_label(speaker, records[i]["text"])
                if ruled is not None:
                    lab = ruled[0]
                    j = np.searchsorted(classes, lab)
                    c = max(0.95, float(P[k, j]) if j < len(classes) and classes[j] == lab else 0.0)
                else:
                    j = int(np.argmax(P[k]))
                    lab, c = str(classes[j]), float(P[k, j])
                bucket_c.append(c)
                bucket_ok.append(lab == y[k])
        out[speaker] = {
            "temperature": T,
            "claim_threshold": claim_threshold(conf, correct),
            "n": len(idx),
            "folds": splits,
            "oof_accuracy": round(float(np.mean(correct)), 4),
            "oof_ece": {
                "before": expected_calibration_error(raw_conf, raw_correct)["ece"],
                "after": expected_calibration_error(conf, correct)["ece"],
            },
        }
    return out


def _position_only_stages(records, rows, random_state) -> StageSequencer:
    """Fallback when the rows carry no stages: awal / inti / akhir by thirds of the session."""
    y = [STAGES[min(int(r["pos"] * 3), 2)] for r in records]
    return StageSequencer(random_state=random_state).fit(list(records), y)


def train_model(
    corpus_paths: Sequence[str] | None = None,
    *,
    random_state: int = 0,
    backend: str = "use",
    params: dict | None = None,
    cache_dir: str | None = None,
    risk_paths: Sequence[str] | None = None,
) -> LabelModel:
    """Train a ``LabelModel`` on corpus JSONL files (default: the shipped corpus) and, for the risk
    detector only, on risk training items (default: the shipped ``data/risk_train``; ``[]``: none)."""
    from ..risk_train import (
        host_sessions,
        load_risk_items,
        risk_item_records,
        risk_items_hash,
        shipped_risk_train_paths,
    )

    rows = load_corpus(corpus_paths)
    items = load_risk_items(shipped_risk_train_paths() if risk_paths is None else risk_paths)
    emb = Embedder(backend, cache_dir=cache_dir)
    records = records_for_rows(rows, emb)
    # each item's line placed inside a corpus session (start, middle or end; risk_train.risk_item_transcripts)
    extra = (risk_item_records(items, emb, host_sessions(rows)), [it["flags"] for it in items]) if items else None
    model = fit_label_model(
        rows,
        records=records,
        backend=backend,
        embedder=emb,  # noised copies (params["augment"]) are embedded with it
        random_state=random_state,
        params=params,
        risk_extra=extra,
        risk_extra_hash=risk_items_hash(items) if items else None,
    )
    if cache_dir:
        emb.save_cache()
    return model
