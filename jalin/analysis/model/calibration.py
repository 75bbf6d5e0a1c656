"""Calibrated confidences, the expected calibration error, and the claim / doubt thresholds.

Everything here is fitted on **out-of-fold predictions of the training rows only** (grouped
cross-validation by session, see ``labeller.fit_label_calibration`` and ``TaskDetector.fit``);
the frozen evaluation sets are never passed to these functions.

- Labels: **temperature scaling** of the multinomial logistic regression (one temperature per
  speaker). It rescales the logits, so the argmax (the label) and every F1 stay the same.
- Stage tasks: **Platt scaling** per task on the out-of-fold score and whether the task's cue
  phrase fired (the detector's own decision rule uses both).
- ``claim_threshold``: the rule fixed in advance for "claim" vs "ask": the lowest calibrated
  confidence on the grid at which the out-of-fold precision of everything at or above it is at
  least ``CLAIM_PRECISION`` (0.85).
- ``doubt_threshold``: the rule for negative claims ("no action plan"): the highest session
  maximum probability on the grid below which the task was really absent in at least
  ``NEGATIVE_PRECISION`` (0.90) of the out-of-fold sessions; capped at 0.5 ("moderate").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "CLAIM_GRID",
    "CLAIM_PRECISION",
    "DOUBT_GRID",
    "NEGATIVE_PRECISION",
    "claim_threshold",
    "doubt_threshold",
    "expected_calibration_error",
    "fit_platt",
    "fit_temperature",
    "platt_apply",
    "softmax",
]

CLAIM_PRECISION = 0.85
NEGATIVE_PRECISION = 0.90
CLAIM_GRID = tuple(round(0.30 + 0.05 * i, 2) for i in range(14))  # 0.30 … 0.95
DOUBT_GRID = tuple(round(0.05 * i, 2) for i in range(1, 11))  # 0.05 … 0.50


def softmax(logits: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64) / float(temperature)
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_temperature(logits: np.ndarray, y: Sequence[int]) -> float:
    """The temperature that minimises the negative log-likelihood of ``y`` (class indexes)."""
    from scipy.optimize import minimize_scalar

    logits = np.asarray(logits, dtype=np.float64)
    y = np.asarray(y, dtype=int)
    if len(y) == 0:
        return 1.0

    def nll(log_t: float) -> float:
        p = softmax(logits, float(np.exp(log_t)))
        return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, 1.0))))

    res = minimize_scalar(nll, bounds=(np.log(0.05), np.log(20.0)), method="bounded")
    return round(float(np.exp(res.x)), 4)


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def fit_platt(scores: np.ndarray, cues: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """``(a, b, c)`` with P(y=1) = sigmoid(a·logit(score) + b·cue + c), fitted by logistic regression."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(y, dtype=bool)
    if y.all() or not y.any():
        return (1.0, 0.0, 0.0)
    Z = np.column_stack([_logit(scores), np.asarray(cues, dtype=np.float64)])
    lr = LogisticRegression(C=100.0, max_iter=500).fit(Z, y)
    return (float(lr.coef_[0, 0]), float(lr.coef_[0, 1]), float(lr.intercept_[0]))


def platt_apply(coef: tuple[float, float, float], scores: np.ndarray, cues: np.ndarray) -> np.ndarray:
    a, b, c = coef
    z = a * _logit(scores) + b * np.asarray(cues, dtype=np.float64) + c
    return 1.0 / (1.0 + np.exp(-z))


def expected_calibration_error(confidence: Sequence[float], outcome: Sequence[float], n_bins: int = 10) -> dict:
    """ECE with ``n_bins`` equal-width bins on [0, 1] (the last bin includes 1.0).

    ``confidence``: the predicted probability (top-label confidence for labels, the
    probability of the task for tasks); ``outcome``: 1 when the prediction was right (labels)
    or the task is really there (tasks). ECE = Σ_bins n_b / N · |mean outcome − mean confidence|.
    Returns ``{"ece", "n", "bins": [{"lo", "hi", "n", "confidence", "accuracy"}]}`` (empty bins
    have ``None`` means).
    """
    conf = np.asarray(confidence, dtype=np.float64)
    out = np.asarray(outcome, dtype=np.float64)
    if conf.shape != out.shape:
        raise ValueError("confidence and outcome differ in length")
    if len(conf) and (conf.min() < 0 or conf.max() > 1):
        raise ValueError("confidences must lie in [0, 1]")
    idx = np.minimum((conf * n_bins).astype(int), n_bins - 1)
    bins, ece = [], 0.0
    for b in range(n_bins):
        m = idx == b
        n = int(m.sum())
        c = float(conf[m].mean()) if n else None
        a = float(out[m].mean()) if n else None
        if n:
            ece += n / len(conf) * abs(a - c)
        bins.append({"lo": round(b / n_bins, 2), "hi": round((b + 1) / n_bins, 2), "n": n,
                     "confidence": None if c is None else round(c, 4),
                     "accuracy": None if a is None else round(a, 4)})
    return {"ece": round(float(ece), 4), "n": len(conf), "bins": bins}


def claim_threshold(confidence: Sequence[float], correct: Sequence[bool], *, precision: float = CLAIM_PRECISION,
                    grid: Sequence[float] = CLAIM_GRID) -> float:
    """The lowest ``t`` on ``grid`` with precision(correct | confidence ≥ t) ≥ ``precision``
    (at least 10 predictions above it); the top of the grid when none qualifies."""
    conf = np.asarray(confidence, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    for t in grid:
        m = conf >= t
        if m.sum() >= 10 and ok[m].mean() >= precision:
            return float(t)
    return float(grid[-1])


def doubt_threshold(session_max: Sequence[float], present: Sequence[bool], *,
                    precision: float = NEGATIVE_PRECISION, grid: Sequence[float] = DOUBT_GRID) -> float:
    """The highest ``d`` on ``grid`` such that, among (session, task) pairs whose highest
    probability is below ``d``, the task is really absent in at least ``precision`` of them
    (at least 10 pairs); the bottom of the grid when none qualifies."""
    mx = np.asarray(session_max, dtype=np.float64)
    there = np.asarray(present, dtype=bool)
    best = float(grid[0])
    for d in grid:
        m = mx < d
        if m.sum() >= 10 and (~there[m]).mean() >= precision:
            best = float(d)
    return best
