"""The shipped artifact: it loads, its version matches the shipped corpus, and ``predict`` fills every
field of LabelledUtterance sensibly. Plus clear ModelErrors for missing/corrupt/incompatible files."""

from __future__ import annotations

import json
import re
import struct
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
from jalin.analysis.model.persist import FORMAT_VERSION, MAGIC, artifact_version, dumps_artifact
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
    # ~8.4 MB since the risk detector reads word n-grams (20,000 of them): keep the package small
    assert path.stat().st_size < 12 * 1024 * 1024
    assert re.fullmatch(r"jalin-\d{4}\.\d{2}-\d+\+[0-9a-f]{10}(-r[0-9a-f]{6})?", model.version)
    assert path.name == f"jalin-labels-{model.version.removeprefix('jalin-')}.model"
    assert artifact_version(path) == model.version
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
        load_model(tmp_path / "nope.model")
    assert err.value.message_id == "model_missing"
    assert "nope.model" in err.value.message("en")


def _error(path) -> ModelError:
    with pytest.raises(ModelError) as err:
        load_model(path)
    return err.value


def test_corrupt_or_foreign_files(tmp_path) -> None:
    p = tmp_path / "bad.model"
    p.write_bytes(b"\x00not a model at all" * 10)
    assert (_error(p).message_id, _error(p).params["detail"]) == ("model_corrupt", "not a Jalin model artifact")
    p.write_bytes(b"")
    assert _error(p).message_id == "model_corrupt"
    q = tmp_path / "other.joblib"
    joblib.dump({"hello": "world"}, q)  # a pickle, but not one of ours
    assert _error(q).message_id == "model_corrupt"
    r = tmp_path / "header.model"
    r.write_bytes(MAGIC + struct.pack("<I", 5) + b"{nope" + b"\0" * 100)
    assert (_error(r).message_id, _error(r).params["detail"]) == ("model_corrupt", "header")


def test_truncated_and_damaged_artifacts(tmp_path, model) -> None:
    data = dumps_artifact(model)
    cut = tmp_path / "cut.model"
    cut.write_bytes(data[: len(data) // 2])
    assert (_error(cut).message_id, _error(cut).params["detail"]) == ("model_corrupt", "truncated")
    flipped = bytearray(data)
    flipped[-1000] ^= 0x01  # one bit of a coefficient
    bad = tmp_path / "flip.model"
    bad.write_bytes(bytes(flipped))
    assert (_error(bad).message_id, _error(bad).params["detail"]) == ("model_corrupt", "checksum")
    assert "checksum" in _error(bad).message("id")


def _with_header(data: bytes, **changes) -> bytes:
    (n,) = struct.unpack_from("<I", data, len(MAGIC))
    start = len(MAGIC) + 4
    header = json.loads(data[start : start + n])
    header.update(changes)
    raw = json.dumps(header).encode()
    return MAGIC + struct.pack("<I", len(raw)) + raw + data[start + n :]


def test_incompatible_model_version(tmp_path, model) -> None:
    data = dumps_artifact(model)
    p = tmp_path / "next.model"
    p.write_bytes(_with_header(data, format=FORMAT_VERSION + 1))
    err = _error(p)
    assert err.message_id == "model_version" and f"format {FORMAT_VERSION + 1}" in err.message("en")
    p.write_bytes(_with_header(data, numpy=1))  # pickled arrays name numpy 2's modules
    err = _error(p)
    assert err.message_id == "model_version" and "numpy 1" in err.message("en")
    p.write_bytes(_with_header(data, size=len(data)))  # the header itself is intact: only the size is off
    assert _error(p).message_id == "model_corrupt"


def test_format_1_artifacts_are_refused_as_an_old_version(tmp_path) -> None:
    # a joblib file of the previous format: a clear version error, without unpickling it
    old = ROOT / "tests/analysis/data/models/format1-tiny.joblib"
    err = _error(old)
    assert err.message_id == "model_version"
    assert "format 1" in err.message("en") and f"format {FORMAT_VERSION}" in err.message("en")
    p = tmp_path / "old.joblib"
    joblib.dump({"format": 1, "sklearn": "0.1", "version": "x", "model": None}, p, compress=0)
    assert _error(p).message_id == "model_version"


def test_artifacts_only_unpickle_model_classes(tmp_path, model) -> None:
    """An artifact naming anything else (scikit-learn, os.system) is refused, and never saved."""
    import pickle

    from jalin.analysis.model.persist import _ArtifactUnpickler

    evil = pickle.dumps({"version": "x", "model": __import__("os").getcwd}, protocol=5)
    with pytest.raises(pickle.UnpicklingError, match="posix.getcwd|os.getcwd"):
        _ArtifactUnpickler(__import__("io").BytesIO(evil)).load()
    from sklearn.linear_model import LogisticRegression

    clone_model = pickle.loads(pickle.dumps(model))
    clone_model.stages.clf_ = LogisticRegression()
    with pytest.raises(ValueError, match="sklearn"):
        dumps_artifact(clone_model)


def _assert_script_prints_ok(script: str, timeout: int) -> None:
    """Run ``script`` in a fresh interpreter (what a new process imports) and expect it to print "ok"."""
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=timeout, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_model_package_never_imports_django() -> None:
    script = (
        "import sys; import jalin.analysis.model, jalin.analysis.training, jalin.analysis.corpus, "
        "jalin.analysis.annomi; m = jalin.analysis.model.load_model(); "
        "assert not [k for k in sys.modules if k == 'django' or k.startswith('django.')]; print('ok')"
    )
    _assert_script_prints_ok(script, timeout=120)


def test_analysis_never_imports_scikit_learn_or_scipy() -> None:
    """`jalin analyze` and the web worker's analysis run without scikit-learn (0.7 s of imports) or scipy."""
    script = (
        "import sys; import jalin.analysis.engine as e; from jalin.analysis import parse_text, to_html, to_json; "
        "r = e.analyze(parse_text('Konselor: Apa kabar?\\nKonseli: Aku capek hidup, Bu.', source='x.txt')); "
        "to_html(r); to_json(r); assert r.utterances[1].flags == ['risk_self'], r.utterances[1].flags; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'joblib', 'scipy')); "
        "assert not bad, bad; print('ok')"
    )
    _assert_script_prints_ok(script, timeout=300)
