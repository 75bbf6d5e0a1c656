"""The scikit-learn-free runtime parts reproduce the scikit-learn objects they are frozen from, on
corpus sessions (never the frozen evaluation sets), and our estimators keep scikit-learn's contract
(``clone``, ``GridSearchCV``) without inheriting its base classes."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.neural_network import MLPClassifier

from jalin.analysis.corpus import group_sessions, load_corpus
from jalin.analysis.model import load_model
from jalin.analysis.model.estimator import UtteranceClassifier
from jalin.analysis.model.features import ContextFeaturizer, _ctx_text
from jalin.analysis.model.labeller import records_for_rows
from jalin.analysis.model.runtime import (
    DesignRows,
    FrozenTfidf,
    LinearHead,
    MLPHead,
    SparseRows,
    expit,
    freeze,
)
from jalin.analysis.model.stages import StageSequencer
from jalin.analysis.model.tasks import dense_features

ODD_TEXTS = ["", "   ", "?", "a", "Iya,\n\n  Bu...   ok", "Ñoño — café’s \t tab", "x" * 300, "[diam]", "Hmm?? hmm!!"]


@pytest.fixture(scope="module")
def corpus():
    """Records of 24 corpus sessions: the first 16 to fit, the last 8 to compare on."""
    sessions = list(group_sessions(load_corpus()).values())
    chosen = sessions[:12] + sessions[-12:]  # both languages
    rows = [r for s in chosen for r in s]
    from jalin.analysis.model.embed import get_embedder

    records = records_for_rows(rows, get_embedder(load_model().backend))
    cut = sum(len(s) for s in chosen[:16])
    return rows[:cut], records[:cut], rows[cut:], records[cut:]


def _same_csr(a, b) -> None:
    a, b = sp.csr_matrix(a), sp.csr_matrix(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.data, b.data)  # bit for bit


def test_frozen_tfidf_is_bit_identical_for_the_featurizer_settings(corpus) -> None:
    _, train, _, test = corpus
    word, char, ctx = ContextFeaturizer(min_df=1)._vectorizers()
    for vec, docs_of in (
        (word, lambda X: [r["text"] for r in X]),
        (char, lambda X: [r["text"] for r in X]),
        (ctx, lambda X: [_ctx_text(r, "prev") for r in X]),
    ):
        vec.fit(docs_of(train))
        frozen = freeze(vec)
        assert isinstance(frozen, FrozenTfidf)
        docs = docs_of(test) + ODD_TEXTS
        _same_csr(vec.transform(docs), frozen.transform(docs))
        _same_csr(vec.transform(docs), frozen.transform_rows(docs).to_scipy())


@pytest.mark.parametrize(
    "options",
    [
        {"analyzer": "char", "ngram_range": (1, 3)},
        {"analyzer": "char_wb", "ngram_range": (3, 3), "lowercase": False},
        {"analyzer": "word", "ngram_range": (2, 3), "sublinear_tf": False, "norm": None},
        {"analyzer": "word", "use_idf": False, "binary": True, "dtype": np.float64},
        {"analyzer": "word", "token_pattern": r"(?u)\b(\w)\w*\b"},  # one capturing group
    ],
    ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()),
)
def test_frozen_tfidf_other_settings(corpus, options) -> None:
    _, train, _, test = corpus
    vec = TfidfVectorizer(**{"sublinear_tf": True, **options}).fit([r["text"] for r in train])
    docs = [r["text"] for r in test] + ODD_TEXTS
    _same_csr(vec.transform(docs), freeze(vec).transform(docs))


def test_frozen_tfidf_refuses_settings_it_does_not_reproduce() -> None:
    docs = ["satu dua tiga", "dua tiga empat", "tiga empat lima"]
    for vec in (
        TfidfVectorizer(stop_words=["dua"]),
        TfidfVectorizer(strip_accents="unicode"),
        TfidfVectorizer(tokenizer=str.split, token_pattern=None),
        TfidfVectorizer(norm="l1"),
        TfidfVectorizer(preprocessor=lambda s: s.upper()),
    ):
        vec.fit(docs)
        with pytest.raises(ValueError):
            freeze(vec)
    with pytest.raises(TypeError):
        freeze(TfidfVectorizer().fit(docs)).transform("one string")


def test_linear_head_reproduces_multinomial_logistic_regression(corpus) -> None:
    rows, train, _, test = corpus
    idx = [i for i, r in enumerate(rows) if r["speaker"] == "counselor"]
    feat = ContextFeaturizer(min_df=1).fit([train[i] for i in idx])
    Z = feat.transform([train[i] for i in idx])
    T = feat.transform([r for r in test if r["speaker"] == "counselor"])
    assert T.dtype == np.float32
    lr = LogisticRegression(C=1.0, class_weight="balanced", max_iter=300).fit(Z, [rows[i]["label"] for i in idx])
    lr.coef_ = lr.coef_.astype(np.float32)  # the runtime keeps float32 coefficients
    lr.intercept_ = lr.intercept_.astype(np.float32)
    head = freeze(lr)
    assert isinstance(head, LinearHead) and len(head.classes_) > 2
    np.testing.assert_array_equal(head.decision_function(T), lr.decision_function(T))
    design = feat.design([r for r in test if r["speaker"] == "counselor"])  # what prediction multiplies
    np.testing.assert_array_equal(head.decision_function(design), lr.decision_function(T))
    np.testing.assert_array_equal(head.predict_proba(design), lr.predict_proba(T))
    np.testing.assert_array_equal(head.predict_proba(T), lr.predict_proba(T))
    np.testing.assert_array_equal(head.predict(T), lr.predict(T))
    with pytest.raises(ValueError, match="features"):
        head.predict_proba(T[:, :-1])


def test_design_rows_multiply_exactly_as_scipy(corpus) -> None:
    """Prediction multiplies ``DesignRows`` (numpy) where training had scipy's CSR matrix: same bits."""
    _, train, _, test = corpus
    feat = ContextFeaturizer(min_df=1, use_own_prev=True).fit(train)
    design = feat.design(test + train[:3])
    assert isinstance(design, DesignRows) and all(isinstance(b, SparseRows) for b in design.blocks)
    S = feat.transform(test + train[:3])
    assert design.shape == S.shape
    _same_csr(design.to_scipy(), S)
    rng = np.random.default_rng(1)
    for n_out, dtype in ((20, np.float32), (1, np.float32), (7, np.float64), (256, np.float32)):
        W = rng.normal(0, 1, (S.shape[1], n_out)).astype(dtype)
        ours, ref = design @ W, S @ W
        assert ours.dtype == ref.dtype
        np.testing.assert_array_equal(ours, ref)
    np.testing.assert_array_equal(design @ W[:, :3].T.copy().T, S @ W[:, :3])  # a transposed (F-order) W
    with pytest.raises(ValueError, match="multiply"):
        design @ W[:-1]
    empty = ContextFeaturizer(min_df=1).fit(train).design([{**test[0], "text": "", "prev_text": "", "next_text": ""}])
    assert empty.shape[0] == 1 and (empty @ np.ones((empty.shape[1], 2), np.float32)).shape == (1, 2)


def test_linear_head_reproduces_binary_logistic_regression(corpus) -> None:
    rows, train, _, test = corpus
    F, G = dense_features(train), dense_features(test)
    y = np.array([bool(r.get("tasks")) for r in rows])
    lr = LogisticRegression(C=0.5, class_weight="balanced", max_iter=200).fit(F, y)
    lr.coef_ = lr.coef_.astype(np.float32)
    lr.intercept_ = lr.intercept_.astype(np.float32)
    head = freeze(lr)
    np.testing.assert_array_equal(head.decision_function(G), lr.decision_function(G))
    # scipy's float32 sigmoid uses C's expf; ours rounds a float64 exp: the last bit differs now and then
    np.testing.assert_allclose(head.predict_proba(G), lr.predict_proba(G), rtol=0, atol=1e-6)
    np.testing.assert_array_equal(head.predict(G), lr.predict(G))


def test_expit_matches_scipy() -> None:
    from scipy.special import expit as scipy_expit

    x = np.random.default_rng(0).normal(0, 6, 200_000).astype(np.float32)
    x[:4] = [-200.0, 200.0, 0.0, -0.0]
    ours, ref = expit(x), scipy_expit(x)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1.2e-7)
    assert (ours == ref).mean() > 0.999
    np.testing.assert_allclose(expit(x.astype(np.float64)), scipy_expit(x.astype(np.float64)), rtol=1e-15)


@pytest.mark.parametrize("n_classes,activation", [(3, "relu"), (2, "tanh"), (3, "logistic")])
def test_mlp_head_reproduces_mlp_classifier(corpus, n_classes, activation) -> None:
    rows, train, _, test = corpus
    F, G = dense_features(train), dense_features(test)
    y = np.array([["awal", "inti", "akhir"].index(r.get("stage") or "inti") % n_classes for r in rows])
    mlp = MLPClassifier(hidden_layer_sizes=(16,), activation=activation, max_iter=30, random_state=0)
    with pytest.warns(Warning):  # not converged in 30 iterations: fine for a comparison
        mlp.fit(F, y)
    head = freeze(mlp)
    assert isinstance(head, MLPHead) and not hasattr(head, "decision_function")
    np.testing.assert_allclose(head.predict_proba(G), mlp.predict_proba(G), rtol=0, atol=1e-6)
    np.testing.assert_array_equal(head.predict(G), mlp.predict(G))


def test_freeze_refuses_unknown_scikit_learn_parts_and_passes_ours_through() -> None:
    from sklearn.svm import LinearSVC

    with pytest.raises(TypeError, match="LinearSVC"):
        freeze(LinearSVC())
    head = LinearHead(np.zeros((1, 3)), np.zeros(1), ["a", "b"])
    assert freeze(head) is head
    with pytest.raises(ValueError):
        LinearHead(np.zeros((2, 3)), np.zeros(2), ["a", "b"])


def test_fitted_estimators_hold_only_runtime_parts(corpus) -> None:
    rows, train, _, _ = corpus
    clf = UtteranceClassifier(min_df=1).fit(train, [r["label"] for r in rows])
    assert isinstance(clf.clf_, LinearHead) and clf.clf_.coef_.dtype == np.float32
    for name in ("word_", "char_", "ctx_prev_", "ctx_next_"):
        assert isinstance(getattr(clf.featurizer_, name), FrozenTfidf)
    mlp = UtteranceClassifier(min_df=1, head="mlp", hidden=8, max_iter=20)
    with pytest.warns(Warning):
        mlp.fit(train, [r["label"] for r in rows])
    assert isinstance(mlp.clf_, MLPHead)
    P = mlp.predict_proba(train[:5])
    np.testing.assert_allclose(mlp.decision_function(train[:5]), np.log(np.clip(P, 1e-12, 1)))
    stages = StageSequencer().fit(train, [r.get("stage") or "inti" for r in rows])
    assert isinstance(stages.clf_, LinearHead)


def test_estimators_work_with_clone_and_grid_search(corpus) -> None:
    rows, train, _, _ = corpus
    idx = [i for i, r in enumerate(rows) if r["speaker"] == "counselee"]
    X, y = [train[i] for i in idx], np.array([rows[i]["label"] for i in idx])
    groups = [rows[i]["session"] for i in idx]
    est = UtteranceClassifier(C=2.0, min_df=1, use_own_prev=True)
    assert "C=2.0" in repr(est) and "use_own_prev=True" in repr(est) and "max_iter" not in repr(est)
    twin = clone(est)
    assert twin is not est and twin.get_params() == est.get_params()
    assert est.set_params(C=3.0) is est and est.C == 3.0
    with pytest.raises(ValueError, match="invalid parameter"):
        est.set_params(gamma=1)
    search = GridSearchCV(UtteranceClassifier(min_df=1), {"C": [0.5, 2.0]}, cv=GroupKFold(2))
    search.fit(X, y, groups=groups)
    assert search.best_params_["C"] in (0.5, 2.0)
    assert 0.0 <= search.best_score_ <= 1.0
    assert search.best_estimator_.score(X, y) == pytest.approx(float(np.mean(search.predict(X) == y)))


def test_one_blas_thread_limits_and_restores() -> None:
    from threadpoolctl import threadpool_info

    from jalin.analysis.model.runtime import one_blas_thread

    def blas_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    with one_blas_thread():
        assert blas_threads() and set(blas_threads()) == {1}
    assert blas_threads() == before
