"""Training: a smoke test on a tiny corpus, reproducibility, a held-out check against the majority
baseline, and the train/evaluate commands' argument and file errors."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from sklearn.metrics import f1_score

from jalin.analysis.corpus import group_sessions
from jalin.analysis.model import load_model, save_model, train_model
from jalin.analysis.risk_train import shipped_risk_train_paths
from jalin.analysis.training import evaluate_main, predict_rows, train_main

from ._model_helpers import small_corpus, small_risk_items, transcript


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tiny")
    path, rows = small_corpus(tmp, per_lang=4)
    return path, rows, train_model([str(path)], random_state=0, risk_paths=small_risk_items(tmp))


def test_training_smoke_and_roundtrip(tiny, tmp_path) -> None:
    _, rows, model = tiny
    assert model.meta["n_rows"] == len(rows) and model.meta["n_sessions"] == 8
    assert model.meta["risk_train_items"] == 25 * len(shipped_risk_train_paths())  # 25 per shipped file
    saved = save_model(model, tmp_path)
    assert saved.name.startswith("jalin-labels-") and saved.suffix == ".model"
    again = load_model(saved)
    t = transcript()
    a, b = model.predict(t), again.predict(t)
    assert [(u.label, u.stage, u.tasks, u.flags) for u in a] == [
        (u.label, u.stage, u.tasks, u.flags) for u in b
    ]
    for x, y in zip(a, b):
        assert abs(x.confidence - y.confidence) < 1e-3


def test_same_inputs_same_predictions(tmp_path) -> None:
    path, _ = small_corpus(tmp_path, per_lang=2)
    items = small_risk_items(tmp_path)
    one = train_model([str(path)], random_state=0, risk_paths=items)
    two = train_model([str(path)], random_state=0, risk_paths=items)
    assert one.version == two.version
    t = transcript()
    assert [(u.label, u.confidence, u.stage, u.tasks, u.flags) for u in one.predict(t)] == [
        (u.label, u.confidence, u.stage, u.tasks, u.flags) for u in two.predict(t)
    ]


def test_beats_majority_baseline_on_held_out_sessions(tiny, tmp_path) -> None:
    _, train_rows, model = tiny
    _, test_rows = small_corpus(tmp_path, per_lang=2, skip=4)  # sessions the model never saw
    assert not set(group_sessions(test_rows)) & set(group_sessions(train_rows))
    preds = predict_rows(model, test_rows)
    for speaker in ("counselor", "counselee"):
        idx = [i for i, r in enumerate(test_rows) if r["speaker"] == speaker]
        gold = [test_rows[i]["label"] for i in idx]
        majority = Counter(r["label"] for r in train_rows if r["speaker"] == speaker).most_common(1)[0][0]
        ours = f1_score(gold, [preds[i]["label"] for i in idx], average="macro")
        base = f1_score(gold, [majority] * len(gold), average="macro")
        assert ours > base + 0.2, (speaker, ours, base)


@pytest.mark.parametrize(
    "argv,needle",
    [
        (["--seed", "x"], "invalid int"),
        (["--data", "/nonexistent/corpus.jsonl"], "file not found"),
        (["--bogus"], "unrecognized arguments"),
    ],
)
def test_train_errors_exit_2_without_traceback(argv, needle, capsys) -> None:
    assert train_main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_train_bad_corpus_line(tmp_path, capsys) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text(
        '{"session": "a", "speaker": "counselor", "text": "hi", "label": "nope"}\n', encoding="utf-8"
    )
    assert train_main(["--data", str(p), "--out", str(tmp_path)]) == 2
    assert f"{p}:1" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv,needle",
    [
        ([], "give DATA"),
        (["/nonexistent.jsonl"], "file not found"),
        (["x.jsonl", "--lang", "fr"], "invalid choice"),
        (["x.jsonl", "--cv-annomi"], "needs AnnoMI"),
    ],
)
def test_evaluate_errors_exit_2(argv, needle, capsys, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.jsonl").write_text(
        json.dumps({"session": "a", "speaker": "counselor", "text": "Halo", "label": "opening"}) + "\n",
        encoding="utf-8",
    )
    assert evaluate_main(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err


def test_evaluate_on_corpus_file_and_missing_model(tiny, tmp_path, capsys) -> None:
    path, _, _ = tiny
    assert evaluate_main([str(path), "--lang", "en", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["counselor"]["macro_f1"] > 0.5 and res["counselor"]["kappa"] is not None
    assert "confusion" in res["counselee"] and "stage" in res
    assert evaluate_main([str(path), "--model", str(tmp_path / "none.model")]) == 1
    assert "not found" in capsys.readouterr().err


def test_evaluate_labelled_csv_text_output(tmp_path, capsys) -> None:
    p = tmp_path / "l.csv"
    p.write_text(
        "speaker,text,label\ncounselor,Selamat pagi. Silakan duduk.,opening\n"
        "counselee,Pagi Bu.,neutral\ncounselor,Apa yang ingin kamu ceritakan?,open_question\n"
        "counselee,Nggak tahu.,reluctant\n",
        encoding="utf-8",
    )
    assert evaluate_main([str(p)]) == 0
    out = capsys.readouterr().out
    assert "macro-F1" in out and "Cohen's kappa" in out and "confusion" in out
