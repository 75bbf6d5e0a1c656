"""Choosing the labelling model by measurement (issue #12): the learning-curve subsets and the choice rule,
which reads held-out scores and speed only (never the frozen set, never the noised held-out diagnostic),
and the noise-augmented candidate, whose copies are made of the training sessions only."""

from __future__ import annotations

import numpy as np
import pytest

from jalin.analysis.augment import STYLES, augment_rows
from jalin.analysis.compare import (
    CANDIDATES,
    MIN_GAIN,
    SPEED_BUDGET_S,
    choose_candidate,
    format_compare,
    subset_sessions,
)
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


# --- noise augmentation (use-lr-noise) ------------------------------------------------------------
def _noised_result(cou, cle, noised):
    r = _result(cou, cle, 1.0)
    r["by_fraction"]["1.0"]["held_out_noised"] = {"all": {"counselor_macro_f1": noised, "counselee_macro_f1": noised}}
    return r


def test_noise_candidate_augments_and_is_chosen_by_the_same_rule_only() -> None:
    assert CANDIDATES["use-lr-noise"]["augment"]["copies"] == 1
    assert set(CANDIDATES["use-lr-noise"]["augment"]["styles"]) == set(STYLES)
    assert all("augment" not in cfg for name, cfg in CANDIDATES.items() if name != "use-lr-noise")
    shipped = _noised_result(0.80, 0.70, 0.40)
    # far more robust to noise but no better on the clean held-out sessions: the diagnostic never chooses
    assert choose_candidate({"use-lr": shipped, "use-lr-noise": _noised_result(0.80, 0.70, 0.79)}) == "use-lr"
    assert choose_candidate({"use-lr": shipped, "use-lr-noise": _noised_result(0.81, 0.71, 0.10)}) == "use-lr-noise"


def test_format_compare_prints_the_noised_diagnostic() -> None:
    def entry(v):
        s = {"counselor_macro_f1": v, "counselee_macro_f1": v - 0.1, "stage_accuracy": 0.8, "tasks_session_macro_f1": 0.7}
        noised = {k: {**s, "counselor_macro_f1": v - d, "counselee_macro_f1": v - 0.1 - d}
                  for k, d in (("all", 0.2), ("chat", 0.1), ("typo", 0.05), ("asr", 0.3))}
        return {"train_sessions": 4, "fit_seconds": 3.0, "held_out": s, "frozen": s, "held_out_noised": noised,
                "cold_600_seconds": 1.0}

    res = {"mode": "m", "rule": "r", "noised_held_out": "diagnostic only", "chosen": "use-lr",
           "candidates": {"use-lr": {"by_fraction": {"0.5": entry(0.7), "1.0": entry(0.9)}},
                          "use-lr-noise": {"by_fraction": {"1.0": entry(0.95)}}}}
    text = format_compare(res)
    assert "noised held-out: diagnostic only" in text and "noised: cou F1" in text
    row = next(line for line in text.splitlines() if line.startswith("use-lr ") and "100%" in line)
    assert "0.700   0.600" in row  # held-out 0.9/0.8 minus the pooled noise drop 0.2
    style_row = [line for line in text.splitlines() if line.startswith("use-lr-noise")][-1]
    assert style_row.split()[1:] == ["0.950", "/", "0.850", "0.850", "/", "0.750", "0.900", "/", "0.800",
                                     "0.650", "/", "0.550"]
    assert text.rstrip().endswith("chosen: use-lr")


def test_calibration_folds_train_on_the_copies_of_their_own_sessions_only(monkeypatch) -> None:
    from jalin.analysis.model import labeller

    rows = []
    for s in range(6):
        for text, lab in [("Apa yang kamu rasakan sekarang?", "open_question"),
                          ("Kamu sudah makan tadi pagi?", "closed_question"),
                          ("Jadi kamu merasa sedih karena nilai turun.", "reflection_feeling")] * 2:
            rows.append({"session": f"id-{s}", "lang": "id", "speaker": "counselor", "text": text, "label": lab})
    extra_rows = augment_rows(rows, seed=0)
    rng = np.random.default_rng(0)

    def recs(rs):
        out = build_records([r["speaker"] for r in rs], [r["text"] for r in rs],
                            rng.normal(size=(len(rs), 8)).astype(np.float32))
        for rec, r in zip(out, rs):
            rec["_sid"] = r["session"]
        return out

    fits, scored = [], []
    real_fit, real_dec = UtteranceClassifier.fit, UtteranceClassifier.decision_function
    monkeypatch.setattr(UtteranceClassifier, "fit", lambda self, X, y: fits.append({x["_sid"] for x in X}) or real_fit(self, X, y))
    monkeypatch.setattr(UtteranceClassifier, "decision_function",
                        lambda self, X: scored.append({x["_sid"] for x in X}) or real_dec(self, X))
    labeller.fit_label_calibration(rows, recs(rows), extra=(extra_rows, recs(extra_rows)), n_splits=3)
    assert len(fits) == 3 and len(scored) == 3
    for trained, tested in zip(fits, scored):
        origins = {sid.split("~")[0] for sid in trained if "~" in sid}
        assert origins and origins == {sid for sid in trained if "~" not in sid}  # every training session's copy
        assert not any("~" in sid for sid in tested) and not origins & tested


def test_compare_noises_only_the_training_sessions(tmp_path, monkeypatch) -> None:
    """A real (tiny) run: the copies are made of the training part after the subset, and the held-out and
    frozen sessions reach the model unchanged; the noised held-out copies only feed the diagnostic."""
    from jalin.analysis import augment, training
    from jalin.analysis import compare as cmp
    from jalin.analysis.corpus import group_sessions, held_out_split

    from ._model_helpers import small_corpus

    _, rows = small_corpus(tmp_path, per_lang=5)
    _, frozen = small_corpus(tmp_path, per_lang=1, skip=5)
    train, test = held_out_split(rows, seed=0)
    train_ids, test_ids = set(group_sessions(train)), set(group_sessions(test))
    augmented, predicted = [], []
    real_aug, real_pred = augment.augment_rows, training.predict_rows
    monkeypatch.setattr(augment, "augment_rows", lambda rs, **kw: augmented.append({r["session"] for r in rs}) or real_aug(rs, **kw))
    monkeypatch.setattr(training, "predict_rows", lambda m, rs: predicted.append(list(rs)) or real_pred(m, rs))
    res = cmp.compare(rows, frozen, candidates=["use-lr", "use-lr-noise"], fractions=(0.5, 1.0))
    assert len(augmented) == 2  # the noise candidate, once per fraction; use-lr never
    assert augmented[0] == {r["session"] for r in cmp.subset_sessions(train, 0.5, 0)} and augmented[1] == train_ids
    for name, n_aug in (("use-lr", 0), ("use-lr-noise", None)):
        for frac, e in res["candidates"][name]["by_fraction"].items():
            sub = cmp.subset_sessions(train, float(frac), 0)
            assert e["augmented_rows"] == (len(sub) if n_aug is None else 0)
            assert set(e["held_out_noised"]) == {"all", *STYLES}
    clean = {id(r) for r in [*test, *frozen]}
    for rs in predicted:
        sids = {r["session"] for r in rs}
        if sids <= test_ids | {r["session"] for r in frozen}:
            assert all(id(r) in clean for r in rs)  # the very rows given, texts untouched
        else:  # the diagnostic: held-out sessions in each style, never a training session
            assert {s.split("~")[0] for s in sids} == test_ids
            assert {s.split("~")[1] for s in sids} == set(STYLES)
    assert res["chosen"] in ("use-lr", "use-lr-noise")


def test_fit_label_model_trains_labels_and_stages_on_the_copies_tasks_and_risk_on_the_originals(monkeypatch) -> None:
    from jalin.analysis.model import labeller

    lines = [("counselor", "Apa yang kamu rasakan sekarang?", "open_question", "awal"),
             ("counselee", "Aku capek banget sama tugas.", "surface", "awal"),
             ("counselor", "Kamu sudah cerita ke ibumu?", "closed_question", "inti"),
             ("counselee", "Belum, aku takut dimarahi.", "deeper", "inti"),
             ("counselor", "Jadi kamu merasa takut dan lelah.", "reflection_feeling", "akhir"),
             ("counselee", "Iya, betul begitu.", "neutral", "akhir")]
    rows = [{"session": f"id-{s}", "lang": "id", "speaker": sp, "text": t, "label": lab, "stage": st,
             "tasks": ["rapport"] if i == 0 else [], "flags": []}
            for s in range(6) for i, (sp, t, lab, st) in enumerate(lines)]
    emb = _Fixed(8, 1.0)
    seen: dict[str, list[int]] = {}

    def spy(cls):
        real = cls.fit
        monkeypatch.setattr(cls, "fit", lambda self, X, *a, **k: seen.setdefault(cls.__name__, []).append(len(X))
                            or real(self, X, *a, **k))

    for cls in (UtteranceClassifier, labeller.StageSequencer, labeller.TaskDetector, labeller.RiskDetector):
        spy(cls)
    recs = labeller.records_for_rows(rows, emb)
    model = labeller.fit_label_model(rows, records=recs, embedder=emb, calibrate=False,
                                     params={"augment": {"copies": 1, "seed": 0}})
    assert model.meta["n_augmented_rows"] == len(rows) and model.meta["params"]["augment"]["copies"] == 1
    assert seen["UtteranceClassifier"] == [len(rows), len(rows)]  # counselor and counselee, each twice its rows
    assert seen["StageSequencer"] == [2 * len(rows)]
    assert seen["TaskDetector"] == [len(rows)] and seen["RiskDetector"] == [len(rows)]
    seen.clear()
    plain = labeller.fit_label_model(rows, records=recs, embedder=emb, calibrate=False)
    assert plain.meta["n_augmented_rows"] == 0 and seen["StageSequencer"] == [len(rows)]
