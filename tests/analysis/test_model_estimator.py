"""The estimators follow the scikit-learn contract: __init__ stores params, fit returns self, learned
attributes end in '_', randomness via random_state, no I/O in fit/predict."""

from __future__ import annotations

import builtins
import inspect

import numpy as np
import pytest
from sklearn.base import clone

from jalin.analysis.model.estimator import UtteranceClassifier
from jalin.analysis.model.features import build_records
from jalin.analysis.model.risk import RiskDetector
from jalin.analysis.model.stages import StageSequencer
from jalin.analysis.model.tasks import TaskDetector

TEXTS = {
    "open_question": [
        "Apa yang kamu rasakan?",
        "Bagaimana ceritanya?",
        "What happened then?",
        "Bagaimana sekolahmu?",
        "Coba ceritakan lebih lanjut.",
        "How do you feel about it?",
    ],
    "reflection_feeling": [
        "Kamu tampaknya kecewa sekali.",
        "Kedengarannya kamu sedih.",
        "You sound worried.",
        "Sepertinya kamu marah.",
        "It sounds like you're scared.",
        "Kamu merasa bersalah.",
    ],
    "advice": [
        "Sebaiknya kamu belajar lebih awal.",
        "Kamu harus minta maaf.",
        "You should talk to her.",
        "Coba nanti malam kamu tidur cepat.",
        "You need to get more sleep.",
        "Lebih baik kamu istirahat.",
    ],
}


def _data():
    speakers, texts, y = [], [], []
    for lab, ts in TEXTS.items():
        for t in ts:
            speakers.append("counselor")
            texts.append(t)
            y.append(lab)
    rng = np.random.default_rng(0)
    E = rng.normal(size=(len(texts), 16)).astype(np.float32)
    return build_records(speakers, texts, E), np.array(y)


ESTIMATORS = [
    UtteranceClassifier(min_df=1),
    StageSequencer(),
    TaskDetector(tasks=("exploration",)),
    RiskDetector(),
]


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_init_only_stores_parameters(est) -> None:
    params = est.get_params()
    sig = inspect.signature(type(est).__init__)
    assert set(params) == {p for p in sig.parameters if p != "self"}
    assert not [k for k in vars(est) if k.endswith("_")], "no learned attributes before fit"
    c = clone(est)
    assert c.get_params() == params


def test_fit_returns_self_and_learned_attributes_end_in_underscore() -> None:
    X, y = _data()
    est = UtteranceClassifier(min_df=1, C=2.0)
    before = set(vars(est))
    assert est.fit(X, y) is est
    learned = set(vars(est)) - before
    assert learned and all(k.endswith("_") for k in learned)
    assert set(est.classes_) == set(TEXTS)
    assert est.get_params()["C"] == 2.0  # fit does not change parameters


def test_predictions_are_probabilities_and_deterministic() -> None:
    X, y = _data()
    a = UtteranceClassifier(min_df=1, random_state=3).fit(X, y)
    b = UtteranceClassifier(min_df=1, random_state=3).fit(X, y)
    Pa, Pb = a.predict_proba(X), b.predict_proba(X)
    np.testing.assert_allclose(Pa.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(Pa, Pb)
    assert (a.predict(X) == y).mean() > 0.8  # it learns the training data
    assert a.predict([]).shape == (0,)


def test_fit_and_predict_do_no_io(monkeypatch) -> None:
    X, y = _data()

    def no_open(*args, **kwargs):
        raise AssertionError("estimators must not open files")

    monkeypatch.setattr(builtins, "open", no_open)
    est = UtteranceClassifier(min_df=1).fit(X, y)
    est.predict(X)
    stages = ["awal"] * 6 + ["inti"] * 6 + ["akhir"] * 6
    StageSequencer().fit(X, stages).predict_session(X)


def test_fit_rejects_bad_input() -> None:
    X, y = _data()
    with pytest.raises(ValueError):
        UtteranceClassifier(min_df=1).fit(X, y[:-1])
    with pytest.raises(ValueError):
        UtteranceClassifier(min_df=1).fit(X, ["advice"] * len(X))


def test_task_detector_thresholds_are_learned_per_task() -> None:
    X, _ = _data()
    Y = [["exploration"] if i % 6 in (0, 1, 4) else [] for i in range(len(X))]
    det = TaskDetector(tasks=("exploration", "referral"), min_positive=2).fit(
        X, Y, groups=[i // 3 for i in range(len(X))]
    )
    assert det.tasks_ == ("exploration", "referral")
    assert np.isinf(det.thresholds_[1])  # no examples of referral -> never reported
    out = det.predict(X)
    assert len(out) == len(X) and all("referral" not in t for t in out)
