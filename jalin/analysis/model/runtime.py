"""What prediction needs of a trained model, in numpy and scipy.sparse only (never scikit-learn).

Importing scikit-learn costs about 0.7 s (it pulls in scipy.stats), more than the rest of a
`jalin analyze` run's imports together, so the analysis path must not need it:

- ``Params`` / ``ClassifierParams`` / ``TransformerParams``: the parameter handling of a
  scikit-learn estimator (``get_params``/``set_params`` from the ``__init__`` signature), so
  ``sklearn.base.clone`` and search code work on our estimators without them inheriting
  ``sklearn.base.BaseEstimator``.
- ``LinearHead``: a fitted ``LogisticRegression`` (binary or multinomial) as three arrays.
- ``MLPHead``: a fitted ``MLPClassifier`` (the ``head="mlp"`` option) as its weight matrices.
- ``FrozenTfidf``: a fitted ``TfidfVectorizer`` as its vocabulary and idf vector.
- ``SparseRows`` / ``DesignRows``: the featurizer's sparse design matrix as numpy arrays, with a
  product that adds up exactly as scipy's CSR product: prediction does not import scipy either
  (``scipy.sparse`` alone took 0.2 s to import); training converts them with ``to_scipy``.

``freeze`` turns a fitted scikit-learn part into one of these. The estimators freeze their parts
right after fitting, so the model evaluated in memory is exactly the one that is saved. Each
frozen part reproduces the scikit-learn object it came from (same arithmetic in the same order;
``tests/analysis/test_model_runtime.py`` compares them on corpus sessions). Changing the
attributes of these classes changes the artifact format: bump ``persist.FORMAT_VERSION``.
"""

from __future__ import annotations

import inspect
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import repeat

import numpy as np

__all__ = [
    "ClassifierParams",
    "DesignRows",
    "FrozenTfidf",
    "LinearHead",
    "MLPHead",
    "Params",
    "SparseRows",
    "TransformerParams",
    "expit",
    "freeze",
    "one_blas_thread",
]


# --- estimator parameters (the scikit-learn contract without scikit-learn) ----------------------
class Params:
    """``get_params``/``set_params`` from the ``__init__`` signature, as ``sklearn.base.BaseEstimator``.

    ``__init__`` must only store its arguments under the same names (no ``*args``/``**kwargs``)."""

    _estimator_type: str | None = None

    @classmethod
    def _get_param_names(cls) -> list[str]:
        init = cls.__init__
        if init is object.__init__:
            return []
        params = [p for p in inspect.signature(init).parameters.values() if p.name != "self"]
        for p in params:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise RuntimeError(f"{cls.__name__}.__init__ must not take *args or **kwargs")
        return sorted(p.name for p in params)

    def get_params(self, deep: bool = True) -> dict:
        out: dict = {}
        for key in self._get_param_names():
            value = getattr(self, key)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{key}__{k}", v) for k, v in value.get_params().items())
            out[key] = value
        return out

    def set_params(self, **params):
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested: dict[str, dict] = {}
        for key, value in params.items():
            key, delim, sub_key = key.partition("__")
            if key not in valid:
                raise ValueError(
                    f"invalid parameter {key!r} for estimator {type(self).__name__}; "
                    f"valid parameters are {sorted(self._get_param_names())}"
                )
            if delim:
                nested.setdefault(key, {})[sub_key] = value
            else:
                setattr(self, key, value)
                valid[key] = value
        for key, sub_params in nested.items():
            valid[key].set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        defaults = {
            p.name: p.default for p in inspect.signature(type(self).__init__).parameters.values() if p.name != "self"
        }
        changed = []
        for key in self._get_param_names():
            value = getattr(self, key, None)
            default = defaults.get(key, inspect.Parameter.empty)
            try:
                same = bool(value == default) if not isinstance(value, np.ndarray) else False
            except (TypeError, ValueError):
                same = False
            if not same:
                changed.append(f"{key}={value!r}")
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self):
        # only ever called by scikit-learn code (search, clone checks), so scikit-learn is loaded already
        from sklearn.utils import ClassifierTags, Tags, TargetTags, TransformerTags

        kind = self._estimator_type
        return Tags(
            estimator_type=kind,
            target_tags=TargetTags(required=kind == "classifier"),
            transformer_tags=TransformerTags() if kind == "transformer" else None,
            classifier_tags=ClassifierTags() if kind == "classifier" else None,
            regressor_tags=None,
        )


class ClassifierParams(Params):
    """``Params`` for a classifier: ``score`` is the accuracy of ``predict``, as ``ClassifierMixin``."""

    _estimator_type = "classifier"

    def score(self, X, y, sample_weight=None) -> float:
        ok = np.asarray(self.predict(X)) == np.asarray(y)
        return float(np.average(ok, weights=sample_weight))


class TransformerParams(Params):
    """``Params`` for a transformer: ``fit_transform``, as ``TransformerMixin``."""

    _estimator_type = "transformer"

    def fit_transform(self, X, y=None, **fit_params):
        return self.fit(X, y, **fit_params).transform(X)


# --- classifier heads --------------------------------------------------------------------------
def expit(x: np.ndarray) -> np.ndarray:
    """The logistic function 1 / (1 + e^-x), as ``scipy.special.expit`` computes it.

    For float32 the exponential is taken in float64 and rounded (what C's ``expf`` does, to
    within the last bit in a few cases in ten thousand), the rest in float32."""
    x = np.asarray(x)
    if x.dtype == np.float32:
        with np.errstate(over="ignore"):
            e = np.exp(-x.astype(np.float64)).astype(np.float32)
        one = np.float32(1.0)
        return one / (one + e)
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def _softmax_rows(scores: np.ndarray) -> np.ndarray:
    """In place, as ``sklearn.utils.extmath.softmax(copy=False)``."""
    scores -= np.reshape(np.max(scores, axis=1), (-1, 1))
    np.exp(scores, out=scores)
    scores /= np.reshape(np.sum(scores, axis=1), (-1, 1))
    return scores


def _check_width(X, n_features: int, what: str) -> None:
    if X.ndim != 2 or X.shape[1] != n_features:
        raise ValueError(f"{what} expects {n_features} features, got an array of shape {X.shape}")


class LinearHead:
    """A fitted (multinomial or binary) logistic regression: ``coef_``, ``intercept_``, ``classes_``.

    ``predict_proba`` gives the sigmoid of the score as two columns for two classes and the
    softmax of the scores otherwise, as ``LogisticRegression.predict_proba``. Coefficients are
    float32 (half the artifact; float32 features give float32 scores)."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: Sequence):
        self.coef_ = np.ascontiguousarray(coef, dtype=np.float32)
        self.intercept_ = np.asarray(intercept, dtype=np.float32)
        self.classes_ = np.asarray(classes)
        if self.coef_.ndim != 2 or self.intercept_.shape != (self.coef_.shape[0],):
            raise ValueError("coef must be (n_outputs, n_features) and intercept (n_outputs,)")
        if len(self.classes_) < 2 or self.coef_.shape[0] != (1 if len(self.classes_) == 2 else len(self.classes_)):
            raise ValueError(f"{len(self.classes_)} classes do not fit coefficients of shape {self.coef_.shape}")
        self.n_features_in_ = self.coef_.shape[1]

    @classmethod
    def from_sklearn(cls, lr) -> LinearHead:
        if getattr(lr, "multi_class", "auto") == "ovr" or (
            len(lr.classes_) > 2 and getattr(lr, "solver", "lbfgs") == "liblinear"
        ):
            raise ValueError("one-vs-rest logistic regression is not supported; use the multinomial one")
        return cls(lr.coef_, lr.intercept_, lr.classes_)

    def decision_function(self, X) -> np.ndarray:
        _check_width(X, self.n_features_in_, "LinearHead")
        scores = np.asarray(X @ self.coef_.T + self.intercept_)  # scipy and DesignRows products are dense
        return scores.reshape(-1) if scores.shape[1] == 1 else scores

    def predict_proba(self, X) -> np.ndarray:
        scores = self.decision_function(X)
        if scores.ndim == 1:
            p = expit(scores)
            return np.stack([1 - p, p], axis=1)
        return _softmax_rows(scores)

    def predict(self, X) -> np.ndarray:
        scores = self.decision_function(X)
        idx = (scores > 0).astype(int) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[idx]


_ACTIVATIONS: dict[str, Callable[[np.ndarray], object]] = {
    "identity": lambda a: None,
    "relu": lambda a: np.maximum(a, 0, out=a),
    "tanh": lambda a: np.tanh(a, out=a),
    "logistic": lambda a: np.copyto(a, expit(a)),
}


class MLPHead:
    """A fitted ``MLPClassifier``: weight matrices, biases, hidden activation; softmax output
    (logistic for two classes), as ``MLPClassifier.predict_proba``. No ``decision_function``."""

    def __init__(self, coefs: Sequence[np.ndarray], intercepts: Sequence[np.ndarray], activation: str,
                 classes: Sequence):
        if activation not in _ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}")
        self.coefs_ = [np.asarray(c) for c in coefs]
        self.intercepts_ = [np.asarray(b) for b in intercepts]
        self.activation = activation
        self.classes_ = np.asarray(classes)
        self.n_features_in_ = self.coefs_[0].shape[0]

    @classmethod
    def from_sklearn(cls, mlp) -> MLPHead:
        if getattr(mlp, "out_activation_", "softmax") not in ("softmax", "logistic") or len(mlp.classes_) < 2:
            raise ValueError("only single-label MLP classifiers can be frozen")
        return cls(mlp.coefs_, mlp.intercepts_, mlp.activation, mlp.classes_)

    def predict_proba(self, X) -> np.ndarray:
        _check_width(X, self.n_features_in_, "MLPHead")
        a = X
        last = len(self.coefs_) - 1
        for i, (W, b) in enumerate(zip(self.coefs_, self.intercepts_)):
            a = np.asarray(a @ W)
            a += b
            if i != last:
                _ACTIVATIONS[self.activation](a)
        if a.shape[1] == 1:
            p = expit(a.reshape(-1))
            return np.vstack([1 - p, p]).T
        a = a - a.max(axis=1)[:, np.newaxis]
        np.exp(a, out=a)
        a /= a.sum(axis=1)[:, np.newaxis]
        return a

    def predict(self, X) -> np.ndarray:
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


# --- TF-IDF -------------------------------------------------------------------------------------
_WHITE_SPACES = re.compile(r"\s\s+")


class FrozenTfidf:
    """``TfidfVectorizer.transform`` from a fitted vectorizer's ``vocabulary_`` and ``idf_``.

    Supported settings (the ones the featurizer uses): analyzer word / char / char_wb,
    ``ngram_range``, ``lowercase`` or a module-level ``preprocessor`` function, ``token_pattern``,
    ``sublinear_tf``, ``norm`` None or "l2", ``use_idf``, ``binary``; ``from_sklearn`` refuses
    anything else (stop words, accent stripping, a custom tokenizer or analyzer)."""

    def __init__(
        self,
        *,
        vocabulary: dict[str, int],
        idf: np.ndarray | None,
        analyzer: str = "word",
        ngram_range: tuple[int, int] = (1, 1),
        lowercase: bool = True,
        preprocessor: Callable[[str], str] | None = None,
        token_pattern: str = r"(?u)\b\w\w+\b",
        sublinear_tf: bool = False,
        norm: str | None = "l2",
        binary: bool = False,
        dtype=np.float64,
    ):
        if analyzer not in ("word", "char", "char_wb"):
            raise ValueError(f"unsupported analyzer {analyzer!r}")
        if norm not in (None, "l2"):
            raise ValueError(f"unsupported norm {norm!r}")
        if analyzer == "word" and re.compile(token_pattern).groups > 1:
            raise ValueError("more than one capturing group in token_pattern")
        # plain ints: scikit-learn's numpy integers would unpickle one by one, ten times slower
        self.vocabulary_ = {str(term): int(index) for term, index in vocabulary.items()}
        self.idf_ = None if idf is None else np.asarray(idf)
        self.analyzer = analyzer
        self.ngram_range = (int(ngram_range[0]), int(ngram_range[1]))
        self.lowercase = bool(lowercase)
        self.preprocessor = preprocessor
        self.token_pattern = token_pattern
        self.sublinear_tf = bool(sublinear_tf)
        self.norm = norm
        self.binary = bool(binary)
        self.dtype = np.dtype(dtype)
        self._analyze = None

    @classmethod
    def from_sklearn(cls, vec) -> FrozenTfidf:
        problems = [
            name
            for name, ok in (
                ("stop_words", not getattr(vec, "stop_words", None)),
                ("strip_accents", not getattr(vec, "strip_accents", None)),
                ("tokenizer", getattr(vec, "tokenizer", None) is None),
                ("analyzer", isinstance(vec.analyzer, str)),
                ("input", getattr(vec, "input", "content") == "content"),
                ("preprocessor", vec.preprocessor is None or inspect.isfunction(vec.preprocessor)),
            )
            if not ok
        ]
        if problems:
            raise ValueError(f"TfidfVectorizer settings not supported by FrozenTfidf: {', '.join(problems)}")
        if vec.preprocessor is not None and vec.preprocessor.__name__ == "<lambda>":
            raise ValueError("a preprocessor must be a module-level function (it is stored by name)")
        return cls(
            vocabulary=vec.vocabulary_,
            idf=np.array(vec.idf_) if getattr(vec, "use_idf", True) else None,
            analyzer=vec.analyzer,
            ngram_range=vec.ngram_range,
            lowercase=vec.lowercase,
            preprocessor=vec.preprocessor,
            token_pattern=vec.token_pattern,
            sublinear_tf=vec.sublinear_tf,
            norm=vec.norm,
            binary=vec.binary,
            dtype=vec.dtype,
        )

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state["_analyze"] = None  # rebuilt on first use (compiled regex, bound methods)
        return state

    # the analysers below are scikit-learn's (feature_extraction/text.py), step for step
    def _preprocess(self, doc: str) -> str:
        if self.preprocessor is not None:
            return self.preprocessor(doc)
        return doc.lower() if self.lowercase else doc

    def _word_ngrams(self, tokens: list[str]) -> list[str]:
        min_n, max_n = self.ngram_range
        if max_n == 1:
            return tokens
        original = tokens
        if min_n == 1:
            tokens = list(original)
            min_n += 1
        else:
            tokens = []
        n_orig = len(original)
        append = tokens.append
        join = " ".join
        for n in range(min_n, min(max_n + 1, n_orig + 1)):
            for i in range(n_orig - n + 1):
                append(join(original[i : i + n]))
        return tokens

    def _char_ngrams(self, text: str) -> list[str]:
        text = _WHITE_SPACES.sub(" ", text)
        text_len = len(text)
        min_n, max_n = self.ngram_range
        if min_n == 1:
            ngrams = list(text)
            min_n += 1
        else:
            ngrams = []
        append = ngrams.append
        for n in range(min_n, min(max_n + 1, text_len + 1)):
            for i in range(text_len - n + 1):
                append(text[i : i + n])
        return ngrams

    def _char_wb_ngrams(self, text: str) -> list[str]:
        text = _WHITE_SPACES.sub(" ", text)
        min_n, max_n = self.ngram_range
        ngrams: list[str] = []
        append, extend = ngrams.append, ngrams.extend
        for w in text.split():
            w = " " + w + " "
            w_len = len(w)
            for n in range(min_n, max_n + 1):
                if w_len <= n:  # the padded word itself, once (scikit-learn: "count a short word only once")
                    append(w)
                    break
                extend([w[i : i + n] for i in range(w_len - n + 1)])
        return ngrams

    def build_analyzer(self) -> Callable[[str], list[str]]:
        if self._analyze is None:
            prep = self._preprocess
            if self.analyzer == "word":
                tokenize = re.compile(self.token_pattern).findall
                ngrams = self._word_ngrams
                self._analyze = lambda doc: ngrams(tokenize(prep(doc)))
            else:
                ngrams = self._char_wb_ngrams if self.analyzer == "char_wb" else self._char_ngrams
                self._analyze = lambda doc: ngrams(prep(doc))
        return self._analyze

    def transform(self, raw_documents: Iterable[str]):
        """The TF-IDF matrix as a scipy CSR matrix (what ``TfidfVectorizer.transform`` returns)."""
        return self.transform_rows(raw_documents).to_scipy()

    def transform_rows(self, raw_documents: Iterable[str]) -> SparseRows:
        """The same matrix as ``SparseRows`` (no scipy)."""
        if isinstance(raw_documents, str):
            raise TypeError("an iterable of documents is expected, not a single string")
        analyze = self.build_analyzer()
        lookup = self.vocabulary_.get
        # count each document's terms (in C), then look the distinct ones up; -1: not in the vocabulary
        terms: list[int] = []
        values: list[int] = []
        row_lengths: list[int] = []
        for doc in raw_documents:
            counts = Counter(analyze(doc))
            terms.extend(map(lookup, counts, repeat(-1)))
            values.extend(counts.values())
            row_lengths.append(len(counts))
        cols = np.asarray(terms, dtype=np.int64)
        known = cols >= 0
        rows = np.repeat(np.arange(len(row_lengths)), row_lengths)[known]
        cols = cols[known].astype(np.int32)
        order = np.lexsort((cols, rows))  # columns sorted within each row, as scipy's sort_indices
        data = np.asarray(values, dtype=np.intc)[known][order].astype(self.dtype)
        indptr = np.zeros(len(row_lengths) + 1, dtype=np.int32)
        np.cumsum(np.bincount(rows, minlength=len(row_lengths)), out=indptr[1:])
        X = SparseRows(data, cols[order], indptr, len(self.vocabulary_))
        if self.binary:
            X.data.fill(1)
        if self.sublinear_tf:
            np.log(X.data, X.data)
            X.data += 1.0
        if self.idf_ is not None:
            X.data *= self.idf_[X.indices]
        if self.norm == "l2":
            _l2_normalize_rows(X.data, X.indptr)
        return X


def _l2_normalize_rows(data: np.ndarray, indptr: np.ndarray) -> None:
    """In place, as ``sklearn.utils.sparsefuncs_fast.inplace_csr_row_normalize_l2``: squares in the
    data's precision, summed in float64 from left to right, rows of zeros left alone."""
    counts = np.diff(indptr)
    if not len(data):
        return
    squares = (data * data).astype(np.float64)
    sums = np.zeros(len(counts))
    for rows, positions in _row_steps(indptr):
        sums[rows] += squares[positions]
    norms = np.sqrt(sums)
    norms[norms == 0.0] = 1.0
    data[:] = (data.astype(np.float64) / np.repeat(norms, counts)).astype(data.dtype)


def _row_steps(indptr: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Step k: (the rows that have more than k entries, the position of their k-th entry).
    Going through the steps in order visits every row's entries from left to right."""
    counts = np.diff(indptr)
    order = np.argsort(-counts, kind="stable")
    starts = indptr[:-1][order]
    longest_first = counts[order]
    for k in range(int(longest_first[0]) if len(counts) else 0):
        m = int(np.searchsorted(-longest_first, -k, side="left"))
        yield order[:m], starts[:m] + k


# --- sparse rows without scipy --------------------------------------------------------------------
class SparseRows:
    """A CSR matrix as numpy arrays: ``data``, ``indices`` (sorted within each row), ``indptr``."""

    ndim = 2

    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, n_cols: int):
        self.data, self.indices, self.indptr = data, indices, indptr
        self.shape = (len(indptr) - 1, int(n_cols))

    @classmethod
    def from_scipy(cls, X) -> SparseRows:
        X = X.tocsr()
        X.sort_indices()
        return cls(X.data, X.indices, X.indptr, X.shape[1])

    def __mul__(self, scalar: float) -> SparseRows:
        # as scipy's csr * scalar: the data times the scalar, in the data's precision
        return SparseRows(self.data * scalar, self.indices, self.indptr, self.shape[1])

    def to_scipy(self):
        import scipy.sparse as sp

        return sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)


class DesignRows:
    """Sparse blocks side by side, then one dense block: the featurizer's design matrix.

    ``X @ W`` (``W`` dense, one row per column of ``X``) equals scipy's product of the same CSR
    matrix bit for bit: scipy adds, for each row, the products of its nonzero entries one by one
    in column order, in the precision of the data (sparsetools ``csr_matvecs``); so does this,
    vectorised over rows (zeros of the dense block add nothing). About 30 ms for 300 rows and 20
    classes, where scipy takes 3 ms, but importing scipy.sparse took 0.2 s."""

    ndim = 2

    def __init__(self, blocks: Sequence[SparseRows], dense: np.ndarray):
        self.blocks = list(blocks)
        self.dense = np.asarray(dense)
        n = self.dense.shape[0]
        if any(b.shape[0] != n for b in self.blocks):
            raise ValueError("all blocks need the same number of rows")
        self.shape = (n, sum(b.shape[1] for b in self.blocks) + self.dense.shape[1])
        self.dtype = np.result_type(*(b.data.dtype for b in self.blocks), self.dense.dtype)

    def to_scipy(self):
        import scipy.sparse as sp

        parts = [b.to_scipy() for b in self.blocks] + [sp.csr_matrix(self.dense)]
        return sp.hstack(parts, format="csr", dtype=self.dtype)

    def __matmul__(self, W: np.ndarray) -> np.ndarray:
        W = np.ascontiguousarray(W)  # its rows are gathered (scipy copies it too)
        if W.ndim != 2 or W.shape[0] != self.shape[1]:
            raise ValueError(f"cannot multiply a {self.shape} matrix by one of shape {W.shape}")
        out = np.zeros((self.shape[0], W.shape[1]), dtype=np.result_type(self.dtype, W.dtype))
        offset = 0
        for b in self.blocks:
            Wb = W[offset : offset + b.shape[1]]
            for rows, positions in _row_steps(b.indptr):
                out[rows] += b.data[positions][:, None] * Wb[b.indices[positions]]
            offset += b.shape[1]
        Wd = W[offset:]
        for j in range(self.dense.shape[1]):
            out += self.dense[:, j, None] * Wd[j]
        return out


# --- freezing ------------------------------------------------------------------------------------
def freeze(part):
    """The runtime equivalent of a fitted scikit-learn part (``LogisticRegression``, ``MLPClassifier``,
    ``TfidfVectorizer``); anything else is returned as it is."""
    kind = type(part).__name__
    if not type(part).__module__.startswith("sklearn."):
        return part
    if kind == "LogisticRegression":
        return LinearHead.from_sklearn(part)
    if kind == "MLPClassifier":
        return MLPHead.from_sklearn(part)
    if kind == "TfidfVectorizer":
        return FrozenTfidf.from_sklearn(part)
    raise TypeError(f"no runtime equivalent for scikit-learn's {kind}")


# --- BLAS threads ------------------------------------------------------------------------------
_controller = None
_controller_lock = threading.Lock()


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Run the block with one BLAS thread (results are the same: a thread computes whole outputs).

    The heads' products are small (600 x 1,600 by 1 for a task): a second BLAS thread saves nothing
    on an idle machine, and on a busy one every product waited for that thread to be scheduled
    (~4-16 ms each, 0.3 s per session at load average 5). The sentence encoder limits its own."""
    global _controller
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        yield
        return
    with _controller_lock:
        if _controller is None:
            _controller = ThreadpoolController()
    with _controller.limit(limits=1, user_api="blas"):
        yield
