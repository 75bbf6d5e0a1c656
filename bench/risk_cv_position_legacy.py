"""Diagnostic for the risk detector (docs/analysis-model.md, Risk flags): the detector *as it was before*
the position-free one (position and the ±3-turn window as features) under ``jalin evaluate --risk-cv``'s
folds, with every risk training item scored at the start, in the middle and at the end of a host session.

Training part of the held-out split and the risk training items only (no frozen set is read). By default
the items are trained where the old code put them, mid-session (``--items-everywhere``: at all three
slots, as the new code does). Nothing is chosen from it.

    python bench/risk_cv_position_legacy.py [--threshold 0.7] [--items-everywhere] [--cache-dir DIR]
"""

from __future__ import annotations

import argparse

from jalin.analysis import risk_eval, risk_train
from jalin.analysis.corpus import held_out_split, load_corpus
from jalin.analysis.model import risk
from jalin.analysis.model.embed import Embedder


class PositionRiskDetector(risk.RiskDetector):
    """The old classifier: ``dense_features`` with the position block (the path old artifacts take)."""

    def fit(self, X, Y):
        super().fit(X, Y)
        self.feature_set_ = "position"
        self.vectorizer_ = None
        idx = [i for i, r in enumerate(X) if r["speaker"] == "counselee"]
        F = self._features([X[i] for i in idx])
        for flag in list(self.models_):
            y = [flag in Y[i] for i in idx]
            self.models_[flag] = risk.LogisticRegression(
                C=self.C, class_weight="balanced", max_iter=self.max_iter, random_state=self.random_state
            ).fit(F, y)
        return self


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--threshold", type=float, default=0.7)
    p.add_argument("--items-everywhere", action="store_true")
    p.add_argument("--cache-dir")
    args = p.parse_args()
    risk.RiskDetector = PositionRiskDetector  # risk_eval imports it at call time
    if not args.items_everywhere:
        risk_train.item_slot = lambda item: "middle"  # the scoring at each slot passes its slot explicitly
    train, _ = held_out_split(load_corpus(None), seed=0)
    items = risk_train.load_risk_items(risk_train.shipped_risk_train_paths())
    emb = Embedder("use", cache_dir=args.cache_dir)
    grid = {"C": (1.0,), "context": (True,), "threshold": (args.threshold,), "weak_threshold": (0.5,)}
    res = risk_eval.risk_cv(train, embedder=emb, grid=grid, extra_items=items)
    if args.cache_dir:
        emb.save_cache()
    print(risk_eval.format_cv(res))


if __name__ == "__main__":
    main()
