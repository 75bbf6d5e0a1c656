"""Calibration (issue #12): the expected calibration error on known inputs, temperature and
Platt scaling, the threshold rules, and that calibration is fitted on training rows only."""

from __future__ import annotations

import numpy as np
import pytest

from jalin.analysis.corpus import group_sessions, load_corpus
from jalin.analysis.model import calibration as cal
from jalin.analysis.model import labeller

from ._model_helpers import small_corpus

UNSEEN = "jalin/analysis/data/eval/unseen/unseen_id.jsonl"


# --- ECE on toy inputs, worked by hand ---------------------------------------------------


def test_ece_of_a_known_toy_input() -> None:
    # bin 0.1–0.2: confidence 0.1, 1 of 2 right -> |0.5 - 0.1| * 2/5 = 0.16
    # bin 0.9–1.0: confidences 0.9, 0.9, 1.0 (1.0 falls in the last bin), all right
    #              -> |1 - 0.9333| * 3/5 = 0.04;  ECE = 0.20
    res = cal.expected_calibration_error([0.1, 0.1, 0.9, 0.9, 1.0], [0, 1, 1, 1, 1])
    assert res["ece"] == pytest.approx(0.20, abs=1e-4)
    assert res["n"] == 5 and len(res["bins"]) == 10
    assert res["bins"][1] == {"lo": 0.1, "hi": 0.2, "n": 2, "confidence": 0.1, "accuracy": 0.5}
    assert res["bins"][9]["n"] == 3 and res["bins"][9]["accuracy"] == 1.0
    assert res["bins"][5] == {"lo": 0.5, "hi": 0.6, "n": 0, "confidence": None, "accuracy": None}


def test_ece_is_zero_when_confidence_matches_accuracy() -> None:
    conf = [0.75] * 4 + [0.25] * 4
    outcome = [1, 1, 1, 0] + [1, 0, 0, 0]
    assert cal.expected_calibration_error(conf, outcome)["ece"] == 0.0


def test_ece_of_an_overconfident_model() -> None:
    assert cal.expected_calibration_error([0.95] * 10, [1] * 6 + [0] * 4)["ece"] == pytest.approx(0.35)


def test_ece_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        cal.expected_calibration_error([0.5, 0.5], [1])
    with pytest.raises(ValueError):
        cal.expected_calibration_error([1.2], [1])


# --- the calibrators -------------------------------------------------------------------------


def test_temperature_is_recovered_and_keeps_the_argmax() -> None:
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, size=(4000, 5))
    true_p = cal.softmax(logits, 2.5)  # the classifier is overconfident by a factor 2.5
    y = np.array([rng.choice(5, p=p) for p in true_p])
    T = cal.fit_temperature(logits, y)
    assert 2.2 < T < 2.8
    assert (cal.softmax(logits, T).argmax(1) == logits.argmax(1)).all()
    before = cal.expected_calibration_error(cal.softmax(logits).max(1), cal.softmax(logits).argmax(1) == y)["ece"]
    after = cal.expected_calibration_error(cal.softmax(logits, T).max(1), logits.argmax(1) == y)["ece"]
    assert after < before / 3


def test_platt_scaling_fixes_an_inflated_score() -> None:
    rng = np.random.default_rng(1)
    true_p = rng.uniform(0.01, 0.6, 3000)
    y = rng.uniform(size=3000) < true_p
    inflated = np.sqrt(true_p)  # a class-balanced classifier overstates the positive class
    cues = np.zeros(3000)
    coef = cal.fit_platt(inflated, cues, y)
    fixed = cal.platt_apply(coef, inflated, cues)
    assert cal.expected_calibration_error(fixed, y)["ece"] < cal.expected_calibration_error(inflated, y)["ece"] / 2


def test_claim_threshold_rule() -> None:
    conf = np.repeat([0.35, 0.45, 0.55, 0.65, 0.75], 20)
    # precision per level: 0.5, 0.6, 0.8, 0.9, 1.0; at or above 0.45: 66/80 = 0.825 < 0.85,
    # at or above 0.50 (levels 0.55-0.75): 54/60 = 0.9 >= 0.85 -> 0.5, the lowest grid value that qualifies
    correct = np.concatenate([np.arange(20) < k for k in (10, 12, 16, 18, 20)])
    assert cal.claim_threshold(conf, correct) == 0.5
    assert cal.claim_threshold(conf, correct, precision=0.99) == 0.7  # only the 0.75 level is all right
    assert cal.claim_threshold([0.5] * 5, [False] * 5) == cal.CLAIM_GRID[-1]  # never met: top of the grid


def test_doubt_threshold_rule() -> None:
    smax = np.repeat([0.02, 0.12, 0.22, 0.32], 20)
    # share of pairs where the task is really absent: 1.0, 0.95, 0.5, 0.2
    present = np.concatenate([np.arange(20) >= k for k in (20, 19, 10, 4)])
    # below 0.15 and 0.20: (20 + 19) / 40 = 0.975; below 0.25: 49/60 = 0.82 < 0.9 -> the highest is 0.20
    assert cal.doubt_threshold(smax, present) == 0.2
    assert cal.doubt_threshold(smax, present, precision=0.99) == 0.1


# --- calibration sees training rows only ---------------------------------------------------


def test_label_calibration_is_fitted_on_the_rows_it_is_given(tmp_path, monkeypatch) -> None:
    path, _ = small_corpus(tmp_path, per_lang=4)
    rows = load_corpus([str(path)])
    seen: list[list[str]] = []
    real = labeller.fit_label_calibration

    def spy(train_rows, records, **kw):
        seen.append(sorted({r["session"] for r in train_rows}))
        return real(train_rows, records, **kw)

    monkeypatch.setattr(labeller, "fit_label_calibration", spy)
    from jalin.analysis.training import held_out

    res = held_out(rows, seed=0, test_fraction=0.25)
    from jalin.analysis.corpus import held_out_split

    train, test = held_out_split(rows, test_fraction=0.25, seed=0)
    assert seen == [sorted(group_sessions(train))]
    assert not set(seen[0]) & set(group_sessions(test))
    assert res["calibration"]["counselor"]["n"] + res["calibration"]["counselee"]["n"] == len(test)


def test_the_shipped_model_was_calibrated_on_the_training_corpus_only() -> None:
    from jalin.analysis.engine import default_model

    model = default_model()
    corpus = load_corpus(None)
    unseen = load_corpus([UNSEEN])
    assert not set(group_sessions(corpus)) & set(group_sessions(unseen))
    assert not {r["text"] for r in unseen if len(r["text"]) > 40} & {r["text"] for r in corpus}
    fitted = model.meta["calibration"]["labels"]
    assert fitted["counselor"]["n"] + fitted["counselee"]["n"] == model.meta["n_rows"] == len(corpus)
    assert model.meta["corpus_hash"] in model.version


def test_calibration_does_not_change_the_labels() -> None:
    from jalin.analysis.engine import default_model
    from jalin.analysis.model.embed import get_embedder

    model = default_model()
    rows = load_corpus([UNSEEN])[:120]
    records = labeller.records_for_rows(rows, get_embedder(model.backend))
    raw = model.label_records(records, calibrated=False)
    calibrated = model.label_records(records, calibrated=True)
    assert [r[0] for r in raw] == [c[0] for c in calibrated]
    assert [r[1] for r in raw] != [c[1] for c in calibrated]  # but the confidences move


def test_a_speaker_with_two_labels_is_calibrated_and_predicted(tmp_path) -> None:
    """A corpus of one's own may give a speaker only two labels: the binary head's single score becomes two
    columns, so calibration and prediction work (they raised on a one-dimensional score before)."""
    from jalin.analysis.types import Transcript, Utterance

    _, chosen = small_corpus(tmp_path, per_lang=4)
    rows = [
        {**r, "label": ("disclosure" if i % 2 else "neutral")} if r["speaker"] == "counselee" else r
        for i, r in enumerate(chosen)
    ]
    model = labeller.fit_label_model(rows, calibrate=True)
    assert sorted(str(c) for c in model.counselee.classes_) == ["disclosure", "neutral"]
    assert model.temperature("counselee") > 0
    utts = [Utterance(index=i, speaker=s, text=t) for i, (s, t) in enumerate(
        [("counselor", "Apa yang ingin kamu ceritakan hari ini?"), ("counselee", "Saya bingung soal kuliah, Bu.")]
    )]
    out = model.predict(Transcript(utts))
    assert out[1].label in ("disclosure", "neutral")
    assert 0.5 <= out[1].confidence <= 1.0
