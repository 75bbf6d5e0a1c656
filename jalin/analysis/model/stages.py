"""Stage of each utterance: per-utterance stage scores + a monotone sequence step.

A logistic regression scores every utterance for awal / inti / akhir from its position
in the session, its embedding, the mean embedding of the surrounding window and the
lexicon/task cues. The sequence step then picks the best path that never goes back
(awal -> inti -> akhir), i.e. Viterbi over a left-to-right chain with a switch penalty.
Stage headings in the source ("Tahap Inti") are honoured as strong evidence.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .features import position_features
from .runtime import Params, freeze

__all__ = ["STAGES", "StageSequencer", "monotone_decode"]

STAGES = ("awal", "inti", "akhir")


def monotone_decode(
    log_scores: np.ndarray, switch_penalty: float = 0.0, start_bonus: np.ndarray | None = None
) -> list[int]:
    """Best non-decreasing state path for an ``(n, k)`` matrix of log scores (states ordered).

    Score of a path = sum of its log scores - ``switch_penalty`` per state change
    (+ ``start_bonus[state]`` for the first utterance). Ties keep the earlier state.
    """
    n, k = log_scores.shape
    if n == 0:
        return []
    best = log_scores[0].astype(np.float64).copy()
    if start_bonus is not None:
        best = best + start_bonus
    back = np.zeros((n, k), dtype=np.int64)
    for i in range(1, n):
        new = np.empty(k)
        for s in range(k):
            # stay in s, or come from any earlier state (skipping a stage is allowed, with one penalty)
            cands = [best[s]] + [best[p] - switch_penalty for p in range(s)]
            j = int(np.argmax(cands))
            new[s] = cands[j] + log_scores[i, s]
            back[i, s] = s if j == 0 else j - 1
        best = new
    path = [int(np.argmax(best))]
    for i in range(n - 1, 0, -1):
        path.append(int(back[i, path[-1]]))
    return path[::-1]


class StageSequencer(Params):
    """Stage classifier + monotone decoding. ``fit(X, y)`` on records (any order); ``predict_sessions``
    decodes each session's records in order."""

    def __init__(
        self,
        C: float = 1.0,
        switch_penalty: float = 3.0,
        class_weight: str | None = "balanced",
        emb_weight: float = 1.0,
        max_iter: int = 500,
        random_state=0,
    ):
        self.C = C
        self.switch_penalty = switch_penalty
        self.class_weight = class_weight
        self.emb_weight = emb_weight
        self.max_iter = max_iter
        self.random_state = random_state

    def _features(self, X: Sequence[dict]) -> np.ndarray:
        pos = position_features(X) * 2.0
        spk = np.array([[float(r["speaker"] == "counselor")] for r in X], dtype=np.float32)
        emb = np.stack([r["emb"] for r in X]) * self.emb_weight
        win = np.stack([r["win_emb"] for r in X]) * self.emb_weight
        lex = np.stack([r["lex"] for r in X])
        return np.hstack([pos, spk, emb, win, lex]).astype(np.float32)

    def fit(self, X: Sequence[dict], y: Sequence[str]):
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(y)
        self.clf_ = freeze(
            LogisticRegression(
                C=self.C, class_weight=self.class_weight, max_iter=self.max_iter, random_state=self.random_state
            ).fit(self._features(X), y)
        )
        self.classes_ = np.array(STAGES)
        self.n_features_in_ = self.clf_.n_features_in_
        return self

    def log_scores(self, X: Sequence[dict]) -> np.ndarray:
        """``(n, 3)`` log-probabilities in STAGES order (stages unseen in training get a very low score)."""
        if len(X) == 0:
            return np.zeros((0, len(STAGES)))
        proba = self.clf_.predict_proba(self._features(X))
        out = np.full((len(X), len(STAGES)), 1e-6)
        for j, c in enumerate(self.clf_.classes_):
            out[:, STAGES.index(c)] = proba[:, j]
        return np.log(np.clip(out, 1e-6, 1.0))

    def decode(self, log_scores: np.ndarray, hints: Sequence[str | None] | None = None) -> list[str]:
        ls = log_scores.copy()
        if hints is not None:
            for i, h in enumerate(hints):
                if h in STAGES:
                    ls[i] += np.where(np.arange(len(STAGES)) == STAGES.index(h), 0.0, -20.0)
        return [STAGES[s] for s in monotone_decode(ls, self.switch_penalty)]

    def predict_session(self, X: Sequence[dict], hints: Sequence[str | None] | None = None) -> list[str]:
        return self.decode(self.log_scores(X), hints)

    def predict_sessions(self, sessions: Sequence[Sequence[dict]]) -> list[list[str]]:
        return [self.predict_session(s) for s in sessions]
