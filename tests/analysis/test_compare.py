"""Choosing the labelling model by measurement (issue #12): the learning-curve subsets and the choice rule,
which reads held-out scores and speed only (never the frozen set)."""

from __future__ import annotations

import numpy as np
import pytest

from jalin.analysis.compare import MIN_GAIN, SPEED_BUDGET_S, choose_candidate, subset_sessions
from jalin.analysis.model.embed import Embedder
from jalin.analysis.model.estimator import UtteranceClassifier
from jalin.analysis.model.features import build_records


def _rows():
    rows = []
    for lang, n in (("id", 12), ("en", 4)):
        for s in range(n):
            for i in range(3):
                rows.append({"session": f"{lang}-{s}", "lang": lang, "speaker": "counselor", "text": f"t{i}",
                             "label": "open_question"})
    return rows


def test_subsets_are_drawn_by_session_per_language_and_are_stable() -> None:
    rows = _rows()
    quarter = subset_sessions(rows, 0.25, seed=0)
    sessions = {r["session"] for r in quarter}
    assert len([s for s in sessions if s.startswith("id")]) == 3 and len([s for s in sessions if s.startswith("en")]) == 1
    assert all(sum(1 for r in quarter if r["session"] == s) == 3 for s in sessions)  # whole sessions only
    assert subset_sessions(rows, 0.25, seed=0) == quarter
    assert {r["session"] for r in subset_sessions(rows, 0.5, seed=0)} != sessions
    assert subset_sessions(rows, 1.0) == rows


def _result(cou, cle, speed, frozen=0.0):
    e = {"held_out": {"counselor_macro_f1": cou, "counselee_macro_f1": cle},
         "frozen": {"counselor_macro_f1": frozen, "counselee_macro_f1": frozen}, "cold_600_seconds": speed}
    return {"by_fraction": {"0.5": {"held_out": {"counselor_macro_f1": 0, "counselee_macro_f1": 0}}, "1.0": e}}


def test_the_rule_needs_speed_and_a_real_gain_and_ignores_the_frozen_set() -> None:
    shipped = _result(0.80, 0.70, 1.0, frozen=0.5)
    assert choose_candidate({"use-lr": shipped, "e5-lr": _result(0.90, 0.80, SPEED_BUDGET_S + 3)}) == "use-lr"
    small = MIN_GAIN / 4
    assert choose_candidate({"use-lr": shipped, "use-mlp": _result(0.80 + small, 0.70 + small, 1.0)}) == "use-lr"
    assert choose_candidate({"use-lr": shipped, "use-mlp": _result(0.83, 0.73, 1.5)}) == "use-mlp"
    # a better frozen score never wins on its own
    assert choose_candidate({"use-lr": shipped, "use-mlp": _result(0.79, 0.70, 1.0, frozen=0.99)}) == "use-lr"


def test_mlp_head_learns_and_unknown_head_is_refused() -> None:
    texts = ["Apa yang kamu rasakan?", "Bagaimana ceritanya?", "Kamu sudah makan?", "Apakah kamu datang?"] * 6
    labels = ["open_question", "open_question", "closed_question", "closed_question"] * 6
    rng = np.random.default_rng(0)
    recs = build_records(["counselor"] * len(texts), texts, rng.normal(size=(len(texts), 8)).astype(np.float32))
    mlp = UtteranceClassifier(head="mlp", min_df=1, max_iter=300).fit(recs, labels)
    assert (mlp.predict(recs) == np.array(labels)).mean() >= 0.9
    assert mlp.decision_function(recs).shape == (len(texts), 2)
    with pytest.raises(ValueError, match="unknown head 'svm'"):
        UtteranceClassifier(head="svm", min_df=1).fit(recs, labels)


class _Fixed:
    def __init__(self, dim, value):
        self.dim, self.value = dim, value

    def encode(self, texts, batch_size=256):
        v = np.full((len(texts), self.dim), self.value, np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_concatenated_embeddings_stay_unit_length() -> None:
    emb = Embedder("use+e5")
    emb._parts = [_Fixed(512, 1.0), _Fixed(384, 2.0)]  # the encoders themselves are libraries
    v = emb.encode(["a", "b"])
    assert v.shape == (2, 896)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0)
