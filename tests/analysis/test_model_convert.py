"""Converting a format-1 artifact (joblib, scikit-learn objects) to the current format changes no
prediction. The format-1 artifact is a real one, written by the format-1 code
(tests/analysis/data/models/make_format1_fixture.py); it is compared on corpus sessions."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from jalin.analysis.errors import ModelError
from jalin.analysis.model import load_model
from jalin.analysis.model.convert import compare_predictions, convert, corpus_transcripts, load_format1, main
from jalin.analysis.model.features import _ctx_text
from jalin.analysis.model.lexicon import lexicon_hash
from jalin.analysis.model.persist import artifact_name
from jalin.analysis.model.runtime import FrozenTfidf, LinearHead
from jalin.analysis.model.tasks import dense_features

FORMAT1 = Path(__file__).parent / "data" / "models" / "format1-tiny.joblib"


@pytest.fixture(scope="module")
def old():
    model = load_format1(FORMAT1)
    # A failure, not a skip: a skipped conversion test hid itself once (the risk lexicon changed and every
    # test here went quiet). Remake the fixture as make_format1_fixture.py says.
    assert model.meta.get("lexicon_hash") == lexicon_hash(), (
        "the lexicon changed since format1-tiny.joblib was made: remake it with "
        "tests/analysis/data/models/make_format1_fixture.py (format-1 code, today's lexicon files)"
    )
    return model


@pytest.fixture(scope="module")
def converted(old, tmp_path_factory):
    path = convert(FORMAT1, tmp_path_factory.mktemp("conv"), check=0)
    return path, load_model(path)


@pytest.fixture(scope="module")
def sessions():
    ts = corpus_transcripts()
    return ts[:6] + ts[-6:]  # Indonesian and English sessions


def test_converted_artifact_is_current_and_scikit_learn_free(old, converted) -> None:
    path, new = converted
    assert path.name == artifact_name(new) and new.version == old.version
    assert new.meta == old.meta and new.calibration == old.calibration
    for clf in (new.counselor, new.counselee):
        assert isinstance(clf.clf_, LinearHead) and "_sklearn_version" not in vars(clf)
        assert all(isinstance(getattr(clf.featurizer_, n), FrozenTfidf) for n in ("word_", "char_", "ctx_prev_"))
    heads = [new.stages.clf_, *new.tasks.models_.values(), *new.risk.models_.values()]
    assert new.risk.models_ and all(isinstance(h, LinearHead) for h in heads)


def test_converted_model_predicts_exactly_the_same(old, converted, sessions) -> None:
    _, new = converted
    assert compare_predictions(old, new, sessions) == []
    for t in sessions:  # not only within a rounding step: every field, every utterance
        assert [dataclasses.asdict(u) for u in old.predict(t)] == [dataclasses.asdict(u) for u in new.predict(t)]


def test_converted_parts_give_the_same_matrices_and_probabilities(old, converted, sessions) -> None:
    _, new = converted
    t = sessions[0]
    recs = new.records([u.speaker for u in t.utterances], [u.text for u in t.utterances])
    for speaker in ("counselor", "counselee"):
        a, b = getattr(old, speaker), getattr(new, speaker)
        X = [r for r in recs if r["speaker"] == speaker]
        for name, docs in (("word_", [r["text"] for r in X]), ("ctx_prev_", [_ctx_text(r, "prev") for r in X])):
            A, B = getattr(a.featurizer_, name).transform(docs), getattr(b.featurizer_, name).transform(docs)
            assert (A != B).nnz == 0
        np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
        np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=0, atol=1e-6)
    np.testing.assert_allclose(old.tasks.predict_proba(recs), new.tasks.predict_proba(recs), rtol=0, atol=1e-6)
    np.testing.assert_allclose(old.risk.predict_proba(recs), new.risk.predict_proba(recs), rtol=0, atol=1e-6)
    np.testing.assert_allclose(old.stages.log_scores(recs), new.stages.log_scores(recs), rtol=0, atol=1e-6)
    F = dense_features(recs)
    for task, lr in old.tasks.models_.items():
        np.testing.assert_array_equal(lr.decision_function(F), new.tasks.models_[task].decision_function(F))


def test_convert_command(old, tmp_path, capsys) -> None:
    assert main([str(FORMAT1), "--out", f"{tmp_path}/", "--check", "2"]) == 0
    out = capsys.readouterr().out
    written = tmp_path / artifact_name(old)
    assert f"wrote {written}" in out and "same predictions on 2 corpus sessions" in out
    assert load_model(written).version == old.version
    # a current-format artifact, a missing file, a foreign file: exit code 2 and a message
    assert main([str(written), "--check", "0"]) == 2
    assert "damaged" in capsys.readouterr().err
    assert main([str(tmp_path / "none.joblib")]) == 2
    assert "not found" in capsys.readouterr().err
    (tmp_path / "x.joblib").write_bytes(b"hello")
    assert main([str(tmp_path / "x.joblib")]) == 2


def test_load_format1_refuses_another_scikit_learn_release(tmp_path) -> None:
    import joblib

    p = tmp_path / "sk.joblib"
    payload = joblib.load(FORMAT1)
    joblib.dump({**payload, "sklearn": "0.1"}, p)
    with pytest.raises(ModelError) as err:
        load_format1(p)
    assert err.value.message_id == "model_version" and "scikit-learn 0.1" in err.value.message("en")
