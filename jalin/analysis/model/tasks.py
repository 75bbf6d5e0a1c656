"""Stage-task detection: per task, cue rules + a classifier -> the utterances that accomplish it.

For each task (taxonomy §5) a binary logistic regression scores every utterance from
its embedding, its context, the lexicon cues and its position. An utterance is reported
for the task when the score passes the task's threshold, or when the task's cue phrase
fires and the score passes a lower threshold (cue evidence). Thresholds are chosen in
``fit`` by group-wise cross-validation on the training data only (maximising F1).

The same out-of-fold scores calibrate the probabilities (Platt scaling per task on the
score and the cue, ``calibration.fit_platt``) and fix the claim threshold (out-of-fold
precision of detections ≥ 0.85) and the doubt threshold for negative claims
(``calibration.doubt_threshold``). The decisions themselves do not change.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .calibration import (
    CLAIM_GRID,
    DOUBT_GRID,
    claim_threshold,
    doubt_threshold,
    expected_calibration_error,
    fit_platt,
    platt_apply,
)
from .features import position_features
from .lexicon import lexicon
from .runtime import LinearHead, Params, freeze

__all__ = ["TaskDetector", "dense_features"]


def dense_features(X: Sequence[dict], context: bool = True, position: bool = True) -> np.ndarray:
    """Embedding of the utterance (+ previous and window mean), lexicon vector, position, speaker."""
    cols = [np.stack([r["emb"] for r in X])]
    if context:
        cols += [0.5 * np.stack([r["prev_emb"] for r in X]), 0.5 * np.stack([r["win_emb"] for r in X])]
    cols.append(np.stack([r["lex"] for r in X]))
    if position:
        cols.append(position_features(X))
    cols.append(np.array([[float(r["speaker"] == "counselor")] for r in X], dtype=np.float32))
    return np.hstack(cols).astype(np.float32)


def _f1(pred: np.ndarray, gold: np.ndarray) -> float:
    tp = float((pred & gold).sum())
    return 2 * tp / max(float(pred.sum() + gold.sum()), 1.0)


class TaskDetector(Params):
    """One binary classifier per stage task, with cue rules; ``predict`` gives a task list per record."""

    def __init__(
        self,
        tasks: Sequence[str] = (),
        C: float = 0.5,
        cue_factor: float = 0.5,
        session_weight: float = 0.0,
        min_positive: int = 4,
        n_splits: int = 3,
        max_iter: int = 200,
        random_state=0,
    ):
        self.tasks = tasks
        self.C = C
        self.cue_factor = cue_factor
        self.session_weight = session_weight
        self.min_positive = min_positive
        self.n_splits = n_splits
        self.max_iter = max_iter
        self.random_state = random_state

    def _lr(self):
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(
            C=self.C,
            class_weight="balanced",
            max_iter=self.max_iter,
            tol=1e-3,
            random_state=self.random_state,
        )

    def _cue_matrix(self, X: Sequence[dict]) -> np.ndarray:
        lex = lexicon()
        names = lex.feature_names
        cols = [names.index(f"task_{t}") if f"task_{t}" in names else None for t in self.tasks]
        L = np.stack([r["lex"] for r in X])
        return np.stack([L[:, c] > 0 if c is not None else np.zeros(len(X), bool) for c in cols], axis=1)

    def _decide(self, P: np.ndarray, cues: np.ndarray, thr: np.ndarray) -> np.ndarray:
        return (P >= thr) | (cues & (P >= thr * self.cue_factor))

    def fit(self, X: Sequence[dict], Y: Sequence[Sequence[str]], groups: Sequence[str] | None = None):
        from sklearn.model_selection import GroupKFold

        F = dense_features(X)
        cues = self._cue_matrix(X)
        self.models_: dict[str, LinearHead] = {}
        thresholds = []
        self.calibration_: dict[str, tuple[float, float, float]] = {}
        oof_all = np.zeros((len(X), len(self.tasks)))
        cal_all = np.zeros((len(X), len(self.tasks)))
        dec_all = np.zeros((len(X), len(self.tasks)), bool)
        gold_all = np.zeros((len(X), len(self.tasks)), bool)
        groups_arr = np.asarray(groups) if groups is not None else np.arange(len(X)) // 50
        n_groups = len(np.unique(groups_arr))
        for j, task in enumerate(self.tasks):
            y = np.array([task in ts for ts in Y])
            if y.sum() < self.min_positive or (~y).sum() < self.min_positive:
                thresholds.append(np.inf)
                continue
            # out-of-fold scores -> threshold that maximises F1 (cue rule included)
            oof = np.zeros(len(X))
            splits = min(self.n_splits, n_groups)
            if splits >= 2:
                for tr, te in GroupKFold(splits).split(F, y, groups_arr):
                    if y[tr].sum() == 0 or y[tr].all():
                        continue
                    oof[te] = self._lr().fit(F[tr], y[tr]).predict_proba(F[te])[:, 1]
                best_t, best_f = 0.5, -1.0
                _, session_of = np.unique(groups_arr, return_inverse=True)
                y_sess = np.bincount(session_of, weights=y.astype(float)) > 0
                for t in np.linspace(0.2, 0.95, 16):
                    pred = self._decide(oof[:, None], cues[:, j : j + 1], np.array([t]))[:, 0]
                    f = _f1(pred, y)
                    if self.session_weight:
                        # the checklist reports whether a task was done in the session at all
                        p_sess = np.bincount(session_of, weights=pred.astype(float)) > 0
                        f = (1 - self.session_weight) * f + self.session_weight * _f1(p_sess, y_sess)
                    if f > best_f + 1e-9:
                        best_t, best_f = float(t), f
                coef = fit_platt(oof, cues[:, j], y)
                self.calibration_[task] = coef
                oof_all[:, j] = oof
                cal_all[:, j] = platt_apply(coef, oof, cues[:, j])
                dec_all[:, j] = self._decide(oof[:, None], cues[:, j : j + 1], np.array([best_t]))[:, 0]
                gold_all[:, j] = y
            else:
                best_t = 0.5
            self.models_[task] = freeze(self._lr().fit(F, y))
            thresholds.append(best_t)
        self.thresholds_ = np.array(thresholds)
        self.tasks_ = tuple(self.tasks)
        self._fit_claim_rules(oof_all, cal_all, dec_all, gold_all, groups_arr)
        return self

    def _fit_claim_rules(self, oof, cal, dec, gold, groups) -> None:
        """Claim and doubt thresholds and the out-of-fold ECE, from the calibrated OOF scores."""
        cols = [j for j, t in enumerate(self.tasks) if t in self.calibration_]
        self.claim_threshold_ = 0.5
        self.doubt_threshold_ = 0.2
        self.oof_ece_ = {}
        if not cols:
            return
        hits = dec[:, cols]
        if hits.any():
            self.claim_threshold_ = claim_threshold(cal[:, cols][hits], gold[:, cols][hits], grid=CLAIM_GRID)
        _, session_of = np.unique(groups, return_inverse=True)
        smax, present = [], []
        for s in range(session_of.max() + 1):
            m = session_of == s
            for j in cols:
                if not dec[m, j].any():  # a negative claim is only ever made for a task not detected
                    smax.append(float(cal[m, j].max()))
                    present.append(bool(gold[m, j].any()))
        if smax:
            self.doubt_threshold_ = doubt_threshold(smax, present)
            mx, there = np.array(smax), np.array(present)
            # for the record (docs): how often "not done" is right below each grid value
            self.doubt_curve_ = [
                (d, int((mx < d).sum()), round(float((~there[mx < d]).mean()), 4) if (mx < d).any() else None)
                for d in DOUBT_GRID
            ]
        self.oof_ece_ = {
            "before": expected_calibration_error(oof[:, cols].ravel(), gold[:, cols].ravel())["ece"],
            "after": expected_calibration_error(cal[:, cols].ravel(), gold[:, cols].ravel())["ece"],
        }

    def predict_proba(self, X: Sequence[dict]) -> np.ndarray:
        """``(n, len(tasks_))`` probabilities (0 for tasks without a model)."""
        P = np.zeros((len(X), len(self.tasks_)))
        if len(X) == 0:
            return P
        F = dense_features(X)
        for j, task in enumerate(self.tasks_):
            m = self.models_.get(task)
            if m is not None:
                P[:, j] = m.predict_proba(F)[:, 1]
        return P

    def calibrate(self, P: np.ndarray, cues: np.ndarray) -> np.ndarray:
        """Calibrated probabilities from raw ``predict_proba`` scores (raw ones for an artifact without calibration)."""
        cal = getattr(self, "calibration_", None)
        if cal is None:
            return P
        out = np.zeros_like(P)
        for j, task in enumerate(self.tasks_):
            if task in cal:
                out[:, j] = platt_apply(cal[task], P[:, j], cues[:, j])
        return out

    def predict_with_confidence(self, X: Sequence[dict]) -> tuple[list[list[str]], np.ndarray, np.ndarray]:
        """(task lists, raw probabilities, calibrated probabilities), one row per record."""
        P = self.predict_proba(X)
        if not len(X):
            return [], P, P
        cues = self._cue_matrix(X)
        hit = self._decide(P, cues, self.thresholds_)
        tasks = [[t for j, t in enumerate(self.tasks_) if hit[i, j]] for i in range(len(X))]
        return tasks, P, self.calibrate(P, cues)

    def predict(self, X: Sequence[dict]) -> list[list[str]]:
        return self.predict_with_confidence(X)[0]
