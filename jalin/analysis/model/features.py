"""Per-utterance feature records and the featurizer used by every classifier of the model.

A *record* is a plain dict describing one utterance in its context: its own text and
speaker, the previous and next utterance, its relative position, the sentence
embeddings of all three and the lexicon feature vectors. Records are built once per
transcript (embeddings in one batched call) and are the ``X`` the estimators take, so
``fit``/``predict`` never read files or call the embedder.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .lexicon import lexicon, normalize
from .runtime import DesignRows, SparseRows, TransformerParams, freeze

__all__ = ["N_POS_BINS", "ContextFeaturizer", "build_records", "position_features"]

N_POS_BINS = 10
WINDOW = 3
BEFORE = 6  # turns before an utterance kept in its record (the risk detector's conversation moves)


def build_records(speakers: Sequence[str], texts: Sequence[str], embeddings: np.ndarray) -> list[dict]:
    """Records for one conversation, in order. ``embeddings[i]`` is the embedding of ``texts[i]``."""
    lex = lexicon()
    n = len(texts)
    lexv = [lex.features(t) for t in texts]
    dim = embeddings.shape[1] if n else 0
    zero_e = np.zeros(dim, dtype=np.float32)
    zero_l = np.zeros_like(lexv[0]) if n else None
    # mean embedding of a window around each utterance (topic of the moment, for stages and tasks)
    if n:
        csum = np.vstack(
            [np.zeros((1, dim), dtype=np.float64), np.cumsum(embeddings, axis=0, dtype=np.float64)]
        )
    out = []
    last_by: dict[str, int] = {}
    own_prev = []
    for i in range(n):
        own_prev.append(last_by.get(speakers[i], -1))
        last_by[speakers[i]] = i
    next_by: dict[str, int] = {}
    own_next = [-1] * n
    for i in range(n - 1, -1, -1):
        own_next[i] = next_by.get(speakers[i], -1)
        next_by[speakers[i]] = i
    for i in range(n):
        p, q = i - 1, i + 1
        o = own_prev[i] if i - own_prev[i] <= 4 else -1
        on = own_next[i] if 0 <= own_next[i] - i <= 4 else -1
        out.append(
            {
                "text": texts[i],
                "speaker": speakers[i],
                "prev_text": texts[p] if p >= 0 else "",
                "prev_speaker": speakers[p] if p >= 0 else "",
                "next_text": texts[q] if q < n else "",
                "next_speaker": speakers[q] if q < n else "",
                "pos": i / max(n - 1, 1),
                "index": i,
                "n": n,
                "emb": embeddings[i],
                "prev_emb": embeddings[p] if p >= 0 else zero_e,
                "next_emb": embeddings[q] if q < n else zero_e,
                "win_emb": (
                    (csum[min(n, i + WINDOW + 1)] - csum[max(0, i - WINDOW)])
                    / (min(n, i + WINDOW + 1) - max(0, i - WINDOW))
                ).astype(np.float32),
                # what came *before* the line only (the risk detector reads no later turn and no position,
                # so a line scores the same whether the session goes on after it or ends there)
                "back_emb": (
                    (csum[i + 1] - csum[max(0, i - WINDOW)]) / (i + 1 - max(0, i - WINDOW))
                ).astype(np.float32),
                "before": tuple(zip(speakers[max(0, i - BEFORE) : i], texts[max(0, i - BEFORE) : i])),
                "own_prev_emb": embeddings[o] if o >= 0 else zero_e,
                "own_prev_lex": lexv[o] if o >= 0 else zero_l,
                "own_next_emb": embeddings[on] if on >= 0 else zero_e,
                "lex": lexv[i],
                "prev_lex": lexv[p] if p >= 0 else zero_l,
                "next_lex": lexv[q] if q < n else zero_l,
            }
        )
    return out


def position_features(records: Sequence[dict]) -> np.ndarray:
    """Relative position in the session (one-hot bins + linear) and log length of the session."""
    pos = np.array([r["pos"] for r in records], dtype=np.float32)
    bins = np.minimum((pos * N_POS_BINS).astype(int), N_POS_BINS - 1)
    onehot = np.zeros((len(records), N_POS_BINS), dtype=np.float32)
    onehot[np.arange(len(records)), bins] = 1.0
    idx = np.array([min(r["index"], 10) / 10.0 for r in records], dtype=np.float32)[:, None]
    return np.hstack([onehot, pos[:, None], idx])


def _ctx_text(r: dict, which: str) -> str:
    t = r[f"{which}_text"]
    if not t:
        return "__none__"
    same = "same" if r[f"{which}_speaker"] == r["speaker"] else "other"
    return f"__{same}__ {normalize(t)}"


class ContextFeaturizer(TransformerParams):
    """Sparse design matrix: word and char n-grams of the utterance, word n-grams of the previous
    (and optionally next) utterance, the sentence embeddings of the utterance and its neighbours,
    lexicon features of all three, and the position in the session.

    Each block is weighted so that the blocks are on comparable scales (TF-IDF rows and
    embeddings are L2-normalised). ``fit`` fits scikit-learn TF-IDF vectorizers and keeps them as
    ``runtime.FrozenTfidf`` (the same matrices without scikit-learn).
    """

    use_own_prev = False  # defaults for artifacts pickled before the parameters existed
    use_own_next = False

    def __init__(
        self,
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
    ):
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

    def _vectorizers(self):
        from sklearn.feature_extraction.text import TfidfVectorizer

        word = TfidfVectorizer(
            analyzer="word",
            ngram_range=tuple(self.word_ngrams),
            min_df=self.min_df,
            max_features=self.max_word_features,
            sublinear_tf=True,
            token_pattern=r"(?u)\b\w[\w'-]*\b|\?",
            preprocessor=normalize,
            dtype=np.float32,
        )
        char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=tuple(self.char_ngrams),
            min_df=self.min_df,
            max_features=self.max_char_features,
            sublinear_tf=True,
            preprocessor=normalize,
            dtype=np.float32,
        )
        ctx = TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            min_df=self.min_df,
            max_features=self.max_ctx_features,
            sublinear_tf=True,
            token_pattern=r"(?u)\b\w[\w'-]*\b|\?",
            dtype=np.float32,
        )
        return word, char, ctx

    def fit(self, X: Sequence[dict], y=None):
        texts = [r["text"] for r in X]
        if self.use_tfidf:
            self.word_, self.char_, self.ctx_prev_ = self._vectorizers()
            self.word_.fit(texts)
            self.char_.fit(texts)
            self.ctx_prev_.fit([_ctx_text(r, "prev") for r in X])
            if self.use_next:
                _, _, self.ctx_next_ = self._vectorizers()
                self.ctx_next_.fit([_ctx_text(r, "next") for r in X])
            # vocabulary and idf only (the stop_words_ set of the fitted vectorizers is large and unused)
            self.word_, self.char_, self.ctx_prev_ = (freeze(v) for v in (self.word_, self.char_, self.ctx_prev_))
            if self.use_next:
                self.ctx_next_ = freeze(self.ctx_next_)
        self.n_features_in_ = 1
        return self

    def transform(self, X: Sequence[dict]):
        """The design matrix as a scipy CSR matrix (for fitting scikit-learn heads)."""
        return self.design(X).to_scipy()

    def design(self, X: Sequence[dict]) -> DesignRows:
        """The design matrix as ``runtime.DesignRows`` (prediction: same products, no scipy)."""
        blocks = []
        if self.use_tfidf:
            texts = [r["text"] for r in X]
            blocks += [
                _rows(self.word_, texts),
                _rows(self.char_, texts),
                _rows(self.ctx_prev_, [_ctx_text(r, "prev") for r in X]) * self.ctx_weight,
            ]
            if self.use_next:
                blocks.append(_rows(self.ctx_next_, [_ctx_text(r, "next") for r in X]) * self.ctx_weight)
        emb = np.stack([r["emb"] for r in X]) * self.emb_weight
        prev = np.stack([r["prev_emb"] for r in X]) * (self.emb_weight * self.ctx_weight)
        dense = [emb, prev]
        if self.use_next:
            dense.append(np.stack([r["next_emb"] for r in X]) * (self.emb_weight * self.ctx_weight))
        if self.use_own_prev:
            dense.append(np.stack([r["own_prev_emb"] for r in X]) * (self.emb_weight * self.ctx_weight))
            dense.append(np.stack([r["own_prev_lex"] for r in X]) * (self.lex_weight * self.ctx_weight))
        if self.use_own_next:
            dense.append(np.stack([r["own_next_emb"] for r in X]) * (self.emb_weight * self.ctx_weight))
        lex = np.stack([r["lex"] for r in X]) * self.lex_weight
        plex = np.stack([r["prev_lex"] for r in X]) * (self.lex_weight * self.ctx_weight)
        dense += [lex, plex]
        if self.use_next:
            dense.append(np.stack([r["next_lex"] for r in X]) * (self.lex_weight * self.ctx_weight))
        same_prev = np.array(
            [
                [
                    float(r["prev_speaker"] == r["speaker"]),
                    float(not r["prev_speaker"]),
                    float(r["next_speaker"] == r["speaker"]),
                ]
                for r in X
            ],
            dtype=np.float32,
        )
        dense.append(same_prev * self.lex_weight)
        if self.use_position:
            dense.append(position_features(X) * self.lex_weight)
        return DesignRows(blocks, np.hstack(dense).astype(np.float32))


def _rows(vectorizer, docs: list[str]) -> SparseRows:
    if hasattr(vectorizer, "transform_rows"):  # a FrozenTfidf
        return vectorizer.transform_rows(docs)
    return SparseRows.from_scipy(vectorizer.transform(docs))  # scikit-learn's, in a format-1 artifact
