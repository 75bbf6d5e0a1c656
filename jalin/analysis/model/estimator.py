"""The utterance classifier: ``ContextFeaturizer`` + multinomial logistic regression.

A scikit-learn style estimator: ``__init__`` only stores parameters, ``fit`` returns
``self``, learned attributes end in ``_``, randomness comes from ``random_state`` and
there is no I/O. ``X`` is a list of records from ``features.build_records``.
scikit-learn is imported by ``fit`` only: the fitted head is frozen into a ``runtime``
object, so prediction (and loading a saved model) never imports it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .features import ContextFeaturizer
from .runtime import ClassifierParams, LinearHead, MLPHead, freeze

__all__ = ["UtteranceClassifier"]


class UtteranceClassifier(ClassifierParams):
    """Label one speaker's utterances from text, context, embeddings and lexicon cues."""

    def __init__(
        self,
        C: float = 4.0,
        class_weight: str | None = "balanced",
        max_iter: int = 300,
        word_ngrams=(1, 2),
        char_ngrams=(2, 5),
        max_word_features=20000,
        max_char_features=30000,
        max_ctx_features=5000,
        min_df=2,
        use_next=True,
        emb_weight=1.0,
        ctx_weight=0.5,
        lex_weight=0.5,
        use_position=True,
        use_tfidf=True,
        use_own_prev=False,
        use_own_next=False,
        head="lr",
        hidden=256,
        random_state=0,
    ):
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.max_word_features = max_word_features
        self.max_char_features = max_char_features
        self.max_ctx_features = max_ctx_features
        self.min_df = min_df
        self.use_next = use_next
        self.emb_weight = emb_weight
        self.ctx_weight = ctx_weight
        self.lex_weight = lex_weight
        self.use_position = use_position
        self.use_tfidf = use_tfidf
        self.use_own_prev = use_own_prev
        self.use_own_next = use_own_next
        self.head = head
        self.hidden = hidden
        self.random_state = random_state

    def _featurizer(self) -> ContextFeaturizer:
        return ContextFeaturizer(
            word_ngrams=self.word_ngrams,
            char_ngrams=self.char_ngrams,
            max_word_features=self.max_word_features,
            max_char_features=self.max_char_features,
            max_ctx_features=self.max_ctx_features,
            min_df=self.min_df,
            use_next=self.use_next,
            emb_weight=self.emb_weight,
            ctx_weight=self.ctx_weight,
            lex_weight=self.lex_weight,
            use_position=self.use_position,
            use_tfidf=self.use_tfidf,
            use_own_prev=self.use_own_prev,
            use_own_next=self.use_own_next,
        )

    def fit(self, X: Sequence[dict], y: Sequence[str]):
        y = np.asarray(y)
        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} records but y has {len(y)} labels")
        if len(np.unique(y)) < 2:
            raise ValueError("need at least two classes to fit")
        self.featurizer_ = self._featurizer().fit(X)
        Z = self.featurizer_.transform(X)
        if getattr(self, "head", "lr") == "mlp":
            # a one-hidden-layer network over the same features (compared in `jalin evaluate --compare`);
            # alpha plays the part of 1/C, early stopping holds out 10 % of the training rows
            from sklearn.neural_network import MLPClassifier

            self.clf_ = MLPClassifier(
                hidden_layer_sizes=(self.hidden,),
                alpha=1e-3 / max(self.C, 1e-6),
                early_stopping=True,
                max_iter=self.max_iter,
                random_state=self.random_state,
            )
        elif getattr(self, "head", "lr") == "lr":
            from sklearn.linear_model import LogisticRegression

            self.clf_ = LogisticRegression(
                C=self.C, class_weight=self.class_weight, max_iter=self.max_iter, random_state=self.random_state
            )
        else:
            raise ValueError(f"unknown head {self.head!r} (expected lr or mlp)")
        self.clf_ = freeze(self.clf_.fit(Z, y))  # what ships is what is evaluated from here on
        self.classes_ = self.clf_.classes_
        self.n_features_in_ = Z.shape[1]
        return self

    def _design(self, X: Sequence[dict]):
        Z = self.featurizer_.design(X)
        # a scikit-learn head (a format-1 artifact being converted) needs a scipy matrix
        return Z if isinstance(self.clf_, (LinearHead, MLPHead)) else Z.to_scipy()

    def decision_function(self, X: Sequence[dict]) -> np.ndarray:
        """One score column per class, in ``classes_`` order (softmax of a row gives its probabilities)."""
        if not hasattr(self.clf_, "decision_function"):
            return np.log(np.clip(self.predict_proba(X), 1e-12, 1.0))
        scores = self.clf_.decision_function(self._design(X))
        if scores.ndim == 1:
            # a two-class head gives one score, the log-odds of classes_[1]; softmax([0, s]) is its sigmoid
            scores = np.column_stack([np.zeros_like(scores), scores])
        return scores

    def predict_proba(self, X: Sequence[dict]) -> np.ndarray:
        if len(X) == 0:
            return np.zeros((0, len(self.classes_)))
        return self.clf_.predict_proba(self._design(X))

    def predict(self, X: Sequence[dict]) -> np.ndarray:
        if len(X) == 0:
            return np.array([], dtype=self.classes_.dtype)
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]
