"""Risk flags (risk_self, risk_others, abuse): lexicon rules + a classifier, tuned for recall.

Decision per counselee utterance and flag:
- a *direct* or *indirect* lexicon phrase (after removing near-miss idioms such as
  "mati gaya", "capek sama tugas", "I'm dying to see", "this exam killed me") -> flag;
- an affirmative answer right after a counselor's risk-screening question -> flag;
- a *weak* cue ("memar", "revenge", "scared to go home") -> flag if the classifier gives at
  least ``weak_threshold`` (0.3);
- otherwise the classifier alone flags at ``threshold`` (0.5), but only where the text
  contains no near-miss idiom. The thresholds were chosen by GroupKFold on the training
  part with the classifier alone (lexicon off), because the lexicon itself was written
  from the training examples and would make a joint estimate optimistic.
Counselor utterances never carry flags (a counselor asking about risk is not a risk sign).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

from .lexicon import lexicon
from .tasks import dense_features

__all__ = ["FLAGS", "RiskDetector"]

FLAGS = ("risk_self", "risk_others", "abuse")


class RiskDetector(BaseEstimator):
    def __init__(
        self,
        C: float = 1.0,
        threshold: float = 0.5,
        weak_threshold: float = 0.3,
        min_positive: int = 5,
        max_iter: int = 500,
        random_state=0,
    ):
        self.C = C
        self.threshold = threshold
        self.weak_threshold = weak_threshold
        self.min_positive = min_positive
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(self, X: Sequence[dict], Y: Sequence[Sequence[str]]):
        """``X``: records (counselee lines are used), ``Y``: the flag list of each record."""
        idx = [i for i, r in enumerate(X) if r["speaker"] == "counselee"]
        self.models_: dict[str, LogisticRegression] = {}
        if idx:
            F = dense_features([X[i] for i in idx])
            for flag in FLAGS:
                y = np.array([flag in Y[i] for i in idx])
                if y.sum() >= self.min_positive:
                    self.models_[flag] = LogisticRegression(
                        C=self.C,
                        class_weight="balanced",
                        max_iter=self.max_iter,
                        random_state=self.random_state,
                    ).fit(F, y)
        self.flags_ = FLAGS
        return self

    def predict_proba(self, X: Sequence[dict]) -> np.ndarray:
        P = np.zeros((len(X), len(FLAGS)))
        idx = [i for i, r in enumerate(X) if r["speaker"] == "counselee"]
        if idx and self.models_:
            F = dense_features([X[i] for i in idx])
            for j, flag in enumerate(FLAGS):
                m = self.models_.get(flag)
                if m is not None:
                    P[idx, j] = m.predict_proba(F)[:, 1]
        return P

    def predict(self, X: Sequence[dict]) -> list[tuple[list[str], list[str]]]:
        """Per record: (flags, evidence strings). ``X`` is one conversation in order (the screening
        rule looks back a few utterances)."""
        lex = lexicon()
        P = self.predict_proba(X)
        out: list[tuple[list[str], list[str]]] = []
        context: list[tuple[int, set[str]]] = []  # (index, flags talked about) for the last few utterances
        for i, r in enumerate(X):
            context = [(k, f) for k, f in context if i - k <= lex.screening_window]
            if r["speaker"] != "counselee":
                asked = set(lex.screening_flags(r["text"]))
                asked |= {h.flag for h in lex.risk_hits(r["text"]) if h.tier != "weak"}
                if asked:
                    context.append((i, asked))
                out.append(([], []))
                continue
            hits = lex.risk_hits(r["text"])
            # flags asked about by the counselor just before, if this answer is a "yes"
            answered: set[str] = set()
            if r["prev_speaker"] == "counselor" and lex.is_affirmative(r["text"]):
                answered = set(lex.screening_flags(r["prev_text"]))
                if lex.is_followup_question(r["prev_text"]):
                    answered |= {f for _, fs in context for f in fs}
            flags: list[str] = []
            evidence: list[str] = []
            for j, flag in enumerate(FLAGS):
                strong = [h for h in hits if h.flag == flag and h.tier in ("direct", "indirect")]
                weak = [h for h in hits if h.flag == flag and h.tier == "weak"]
                if strong:
                    flags.append(flag)
                    evidence.append(f'{flag}:{strong[0].tier}:"{strong[0].phrase}"')
                elif flag in answered:
                    flags.append(flag)
                    evidence.append(f"{flag}:answer to a risk question")
                elif weak and P[i, j] >= self.weak_threshold:
                    flags.append(flag)
                    evidence.append(f'{flag}:weak:"{weak[0].phrase}" (p={P[i, j]:.2f})')
                elif P[i, j] >= self.threshold and not lex.near_misses(r["text"]):
                    flags.append(flag)
                    evidence.append(f"{flag}:classifier (p={P[i, j]:.2f})")
            if flags:
                context.append((i, set(flags)))
            out.append((flags, evidence))
        return out
