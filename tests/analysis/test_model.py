"""The shipped artifact: it loads, its version matches the shipped corpus, and ``predict`` fills every
field of LabelledUtterance sensibly. Plus clear ModelErrors for missing/corrupt/incompatible files."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import joblib
import pytest

import jalin.analysis.model as model_pkg
from jalin.analysis.corpus import corpus_hash, load_corpus
from jalin.analysis.errors import ModelError
from jalin.analysis.model import LabelModel, default_model_path, load_model
from jalin.analysis.model.lexicon import lexicon_hash
from jalin.analysis.model.persist import FORMAT_VERSION
from jalin.analysis.risk_train import load_risk_items, risk_items_hash, shipped_risk_train_paths
from jalin.analysis.taxonomy import taxonomy

from ._model_helpers import transcript

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model() -> LabelModel:
    return load_model()


@pytest.fixture(scope="module")
def labelled(model):
    return model.predict(transcript())


def test_public_api() -> None:
    assert {"load_model", "save_model", "train_model", "LabelModel", "ModelError"} <= set(model_pkg.__all__)


def test_shipped_artifact_is_small_and_versioned(model) -> None:
    path = default_model_path()
    assert path.stat().st_size < 8 * 1024 * 1024
    assert re.fullmatch(r"jalin-\d{4}\.\d{2}-\d+\+[0-9a-f]{10}(-r[0-9a-f]{6})?", model.version)
    assert path.name == f"jalin-labels-{model.version.removeprefix('jalin-')}.joblib"
    assert model.backend in ("use", "e5")


def test_shipped_artifact_matches_shipped_corpus(model) -> None:
    # retrain with `jalin train` whenever the corpus changes
    assert model.meta["corpus_hash"] == corpus_hash(load_corpus())
    assert f"+{model.meta['corpus_hash']}" in model.version
    # the risk detector is trained on the shipped risk training items too (docs/risk-training-items.md)
    items = load_risk_items(shipped_risk_train_paths())
    assert model.meta["risk_train_items"] == len(items) > 0
    assert model.version.endswith(f"+{model.meta['corpus_hash']}-r{risk_items_hash(items)}")
    # lexicon cues are features: the artifact must be trained with the shipped lexicon
    assert model.meta["lexicon_hash"] == lexicon_hash()


def test_predict_fills_every_field(labelled) -> None:
    tax = taxonomy()
    lines = transcript().utterances
    assert len(labelled) == len(lines)
    for u, src in zip(labelled, lines):
        assert (u.index, u.speaker, u.text, u.line) == (src.index, src.speaker, src.text, src.line)
        assert u.label in tax.labels_for(u.speaker)
        assert u.group == tax.group_of[u.label]
        assert 0.0 <= u.confidence <= 1.0
        assert len(u.alternatives) == 3
        assert all(a in tax.labels_for(u.speaker) and a != u.label and 0 <= p <= 1 for a, p in u.alternatives)
        assert [p for _, p in u.alternatives] == sorted((p for _, p in u.alternatives), reverse=True)
        assert type(u.alternatives[0][0]) is str
        assert u.stage in tax.stages
        assert set(u.tasks) <= set(tax.tasks)
        assert set(u.flags) <= set(tax.flags)
        assert isinstance(u.evidence, list)


def test_stages_never_go_back(labelled) -> None:
    order = [taxonomy().stages.index(u.stage) for u in labelled]
    assert order == sorted(order)
    assert labelled[0].stage == "awal" and labelled[-1].stage == "akhir"


def test_rules_and_flags_in_a_session(labelled) -> None:
    by_text = {u.text: u for u in labelled}
    assert by_text["[diam]"].label == "reluctant" and "rule:silence" in by_text["[diam]"].evidence
    assert by_text["Hmm..."].label == "minimal_encourager"
    assert by_text["Aku capek hidup, Bu. Kadang pengen menghilang aja."].flags == ["risk_self"]
    assert by_text["Capek banget sama tugas, mati gaya juga di kelas."].flags == []
    assert all(not u.flags for u in labelled if u.speaker == "counselor")


def test_obvious_labels(labelled) -> None:
    by_text = {u.text: u.label for u in labelled}
    assert by_text["Selamat pagi, Dinda. Silakan duduk, santai saja."] == "opening"
    assert by_text["Apa yang ingin kamu ceritakan hari ini?"] == "open_question"
    assert by_text["Kedengarannya kamu sangat lelah dan putus asa."] == "reflection_feeling"
    assert by_text["Kita ketemu lagi Kamis depan jam 10, bagaimana?"] == "planning"
    tasks = {t for u in labelled for t in u.tasks}
    assert {"confidentiality", "next_appointment"} <= tasks


def test_english_and_empty_transcripts(model) -> None:
    out = model.predict(
        transcript(
            [
                ("counselor", "Hi Sam, come on in, take a seat."),
                ("counselee", "Thanks."),
                ("counselor", "What brings you here today?"),
                ("counselee", "Honestly, sometimes I think everyone would be better off without me."),
            ]
        )
    )
    assert out[0].label == "opening" and out[2].label == "open_question"
    assert out[3].flags == ["risk_self"]
    assert model.predict(transcript([])) == []


def test_missing_model_file(tmp_path) -> None:
    with pytest.raises(ModelError) as err:
        load_model(tmp_path / "nope.joblib")
    assert err.value.message_id == "model_missing"
    assert "nope.joblib" in err.value.message("en")


def test_corrupt_model_file(tmp_path) -> None:
    p = tmp_path / "bad.joblib"
    p.write_bytes(b"\x00not a model at all" * 10)
    with pytest.raises(ModelError) as err:
        load_model(p)
    assert err.value.message_id == "model_corrupt"
    q = tmp_path / "other.joblib"
    joblib.dump({"hello": "world"}, q)
    with pytest.raises(ModelError) as err:
        load_model(q)
    assert err.value.message_id == "model_corrupt"


def test_incompatible_model_version(tmp_path, model) -> None:
    p = tmp_path / "old.joblib"
    joblib.dump({"format": FORMAT_VERSION + 1, "sklearn": "0.0", "version": "x", "model": None}, p)
    with pytest.raises(ModelError) as err:
        load_model(p)
    assert err.value.message_id == "model_version"
    p2 = tmp_path / "sk.joblib"
    joblib.dump({"format": FORMAT_VERSION, "sklearn": "0.1", "version": model.version, "model": model}, p2)
    with pytest.raises(ModelError) as err:
        load_model(p2)
    assert err.value.message_id == "model_version" and "scikit-learn" in err.value.message("en")


def test_model_package_never_imports_django() -> None:
    script = (
        "import sys; import jalin.analysis.model, jalin.analysis.training, jalin.analysis.corpus, "
        "jalin.analysis.annomi; m = jalin.analysis.model.load_model(); "
        "assert not [k for k in sys.modules if k == 'django' or k.startswith('django.')]; print('ok')"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
