"""AnnoMI grouped-CV per candidate (issue #12): ``jalin evaluate AnnoMI.csv --cv-annomi --candidates ...``.

A tiny AnnoMI-shaped CSV of invented lines (no real transcript text); the encoders are replaced by a
deterministic stand-in, so the table of all four candidates is computed in seconds."""

from __future__ import annotations

import csv
import hashlib
import json

import numpy as np
import pytest

from jalin.analysis import compare, training
from jalin.analysis.compare import ANNOMI_GOALS, CANDIDATES, annomi_cv, format_annomi_cv
from jalin.analysis.model import embed
from jalin.analysis.model.estimator import UtteranceClassifier
from jalin.analysis.training import cv_annomi, evaluate_main

from .test_annomi import SIMPLE_COLS

COLS = SIMPLE_COLS  # AnnoMI-simple.csv header
TOPICS = ["smoking", "soda", "gaming", "snacks", "coffee", "sleep", "walking", "homework", "spending", "driving"]
THERAPIST = {
    "question": ["How do you feel about {t}?", "What would you like to change about {t}?"],
    "reflection": ["So {t} is weighing on you.", "It sounds like {t} worries you a little."],
    "therapist_input": ["Many people find that a plan for {t} helps.", "I suggest we write down a goal for {t}."],
    "other": ["Thank you for coming in today.", "Mm-hmm."],
}
CLIENT = {
    "change": ["I really want to cut down on {t}.", "I think I could try less {t} this week."],
    "neutral": ["I live with my cousin Rina.", "My shift starts at nine."],
    "sustain": ["I don't think {t} is a problem at all.", "Honestly {t} relaxes me, I won't stop."],
}
N_VIDEOS = 10


def _write_csv(path) -> None:
    """12 transcripts on 10 invented videos (videos 0 and 1 each have two transcripts)."""
    rows = []
    transcripts = [(v, v) for v in range(N_VIDEOS)] + [(N_VIDEOS, 0), (N_VIDEOS + 1, 1)]
    for tid, vid in transcripts:
        topic = TOPICS[(tid + vid) % len(TOPICS)]
        uid = 0
        for k in range(2):
            for (tlab, tlines), (clab, clines) in zip(THERAPIST.items(), [*CLIENT.items(), *CLIENT.items()][k:]):
                for who, lab, text in (
                    ("therapist", tlab, tlines[(k + tid) % 2]),
                    ("client", clab, clines[(k + vid) % 2]),
                ):
                    rows.append(
                        [tid, "high", f"Invented video {vid}", f"https://example.org/v{vid}", topic, uid, who,
                         f"00:00:{uid:02d}", text.format(t=topic),
                         lab if who == "therapist" else "n/a", lab if who == "client" else "n/a"]
                    )
                    uid += 1
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(COLS)
        w.writerows(rows)


class _FakeEncoder:
    """Stands in for USE / mE5: a fixed pseudo-random unit vector per text."""

    def __init__(self, dim: int):
        self.dim = dim

    def encode(self, texts):
        out = []
        for t in texts:
            seed = int.from_bytes(hashlib.sha1(t.encode()).digest()[:4], "little")
            v = np.random.default_rng(seed).normal(size=self.dim)
            out.append(v / np.linalg.norm(v))
        return np.array(out, dtype=np.float32)

    query = encode


@pytest.fixture()
def fake_encoders(monkeypatch):
    calls: list[str] = []

    def load(name):
        calls.append(name)
        return _FakeEncoder(embed.BACKENDS[name])

    monkeypatch.setattr(embed, "_load_backend", load)
    return calls


@pytest.fixture(scope="module")
def annomi_csv(tmp_path_factory):
    p = tmp_path_factory.mktemp("annomi") / "AnnoMI-tiny.csv"
    _write_csv(p)
    return p


def _rows(path):
    from jalin.analysis.annomi import read_annomi

    return read_annomi(path)


def test_every_candidate_is_scored_on_the_same_folds(annomi_csv, fake_encoders, monkeypatch) -> None:
    seen = []
    real = training.cv_annomi_scores

    def spy(data, splits, **kw):
        seen.append((kw["head"], splits))
        return real(data, splits, **kw)

    monkeypatch.setattr(training, "cv_annomi_scores", spy)
    fitted = []
    real_fit = UtteranceClassifier.fit

    def fit(self, X, y):
        fitted.append((self.head, len(X[0]["emb"])))
        return real_fit(self, X, y)

    monkeypatch.setattr(UtteranceClassifier, "fit", fit)
    rows = _rows(annomi_csv)
    names = ["use-lr", "use-mlp", "e5-lr", "use+e5-lr"]
    res = annomi_cv(rows, candidates=names, folds=5)
    assert list(res["candidates"]) == names
    assert [h for h, _ in seen] == [CANDIDATES[n]["head"] for n in names]
    # 2 speakers x 5 folds per candidate, each with its own head and embeddings
    dims = {"use": 512, "e5": 384, "use+e5": 896}
    assert fitted == [(CANDIDATES[n]["head"], dims[CANDIDATES[n]["backend"]]) for n in names for _ in range(10)]
    first = seen[0][1]
    for _, splits in seen[1:]:
        for who in ("therapist", "client"):
            assert len(splits[who]) == 5
            for (tr0, te0), (tr1, te1) in zip(first[who], splits[who]):
                assert np.array_equal(tr0, tr1) and np.array_equal(te0, te1)
    # only the two encoders are ever asked for (use+e5 is their concatenation)
    assert set(fake_encoders) == {"use", "e5"}

    n_t = sum(r["speaker"] == "counselor" for r in rows)
    n_c = len(rows) - n_t
    for who, n in (("therapist", n_t), ("client", n_c)):
        sizes = res["fold_sizes"][who]
        assert len(sizes) == 5 and sum(s["utterances"] for s in sizes) == n
        assert sum(s["videos"] for s in sizes) == N_VIDEOS  # a video never spans two test folds
    for name, out in res["candidates"].items():
        assert out["config"] == CANDIDATES[name]
        assert out["therapist"]["n"] == n_t and out["client"]["n"] == n_c
        assert out["therapist"]["kappa"] is not None
    # the templates are learnable from their words: far above a constant guess (macro-F1 0.1 / 0.17)
    lr = res["candidates"]["use-lr"]
    assert lr["therapist"]["macro_f1"] > 0.9 and lr["client"]["macro_f1"] > 0.9
    assert res["goals"] == ANNOMI_GOALS and not res["tuned"]
    assert "nothing is chosen" in res["note"]


def test_the_shipped_candidate_matches_the_single_backend_function(annomi_csv, fake_encoders) -> None:
    rows = _rows(annomi_csv)
    res = annomi_cv(rows, candidates=["use-lr"], folds=3)
    one = cv_annomi(rows, backend="use", folds=3)
    for who in ("therapist", "client"):
        assert res["candidates"]["use-lr"][who] == one[who]
    assert res["fold_sizes"] == one["fold_sizes"]


def test_table_lists_each_candidate_with_its_figures() -> None:
    rep = {"macro_f1": 0.0, "kappa": 0.0}
    res = {
        "mode": "m",
        "note": "reported only",
        "goals": ANNOMI_GOALS,
        "fold_sizes": {"therapist": [{"videos": 3, "utterances": 40}] * 2, "client": [{"videos": 2, "utterances": 9}]},
        "candidates": {
            "use-lr": {"therapist": {**rep, "macro_f1": 0.7721}, "client": {**rep, "macro_f1": 0.5384, "kappa": 0.333},
                       "fit_seconds": 12.0},
            "e5-lr": {"therapist": {**rep, "macro_f1": 0.8049, "kappa": 0.75}, "client": {**rep, "macro_f1": 0.61},
                      "fit_seconds": 3.0},
        },
    }
    lines = format_annomi_cv(res).splitlines()
    row = {ln.split()[0]: ln.split() for ln in lines if ln and ln.split()[0] in ("use-lr", "e5-lr", "goal")}
    assert row["use-lr"][1:] == ["0.772", "0.000", "0.538", "0.333", "12"]
    assert row["e5-lr"][1:] == ["0.805", "0.750", "0.610", "0.000", "3"]
    assert row["goal"] == ["goal", ">=", "0.80", ">=", "0.60"]
    assert "3 / 40" in "\n".join(lines) and "(total 80)" in "\n".join(lines) and "(total 9)" in "\n".join(lines)
    assert lines.index(next(ln for ln in lines if ln.startswith("use-lr"))) < lines.index(
        next(ln for ln in lines if ln.startswith("e5-lr"))
    )


def test_cli_default_is_the_shipped_candidate_with_its_full_reports(annomi_csv, fake_encoders, capsys) -> None:
    assert evaluate_main([str(annomi_csv), "--cv-annomi", "--folds", "3"]) == 0
    out = capsys.readouterr().out
    table = [ln for ln in out.splitlines() if ln.split()[:1] in (["use-lr"], ["e5-lr"], ["use-mlp"])]
    assert [ln.split()[0] for ln in table] == ["use-lr"]
    assert "Therapist (4 classes)" in out and "Client (3 classes)" in out and "confusion" in out

    assert evaluate_main([str(annomi_csv), "--cv-annomi", "--folds", "3", "--backend", "e5", "--json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert list(res["candidates"]) == ["e5-lr"]
    # one candidate: the keys --cv-annomi printed before --candidates are still there
    assert res["backend"] == "e5" and res["head"] == "lr"
    assert res["therapist"] == res["candidates"]["e5-lr"]["therapist"]
    assert res["client"]["macro_f1"] == res["candidates"]["e5-lr"]["client"]["macro_f1"]


def test_cli_candidates_json_table(annomi_csv, fake_encoders, capsys) -> None:
    argv = [str(annomi_csv), "--cv-annomi", "--folds", "3", "--candidates", "e5-lr, use-lr,e5-lr", "--json"]
    assert evaluate_main(argv) == 0
    res = json.loads(capsys.readouterr().out)
    assert list(res["candidates"]) == ["e5-lr", "use-lr"]  # order kept, repeats dropped
    assert "therapist" not in res  # several candidates: only the table
    for out in res["candidates"].values():
        assert 0.0 <= out["therapist"]["macro_f1"] <= 1.0 and len(out["therapist"]["C_per_fold"]) == 3


@pytest.mark.parametrize(
    "extra,needle",
    [
        (["--cv-annomi", "--candidates", "use-lr,bogus"], "unknown candidate(s) bogus (allowed: "),
        (["--cv-annomi", "--candidates", "USE-LR"], "unknown candidate(s) USE-LR"),
        (["--cv-annomi", "--candidates", " , "], "unknown candidate(s) (none given)"),
        (["--compare", "--candidates", "e5-svm"], "unknown candidate(s) e5-svm (allowed: "),
        (["--candidates", "use-lr"], "--candidates needs --compare or --cv-annomi"),
        (["--cv-annomi", "--candidates", "e5-lr", "--backend", "e5"], "leave out --backend"),
        (["--cv-annomi", "--backend", "bert"], "invalid choice"),
    ],
)
def test_cli_bad_candidates_exit_2_before_any_work(extra, needle, annomi_csv, monkeypatch, capsys) -> None:
    def boom(*a, **k):
        raise AssertionError("no embedding or training for a bad command line")

    monkeypatch.setattr(embed, "_load_backend", boom)
    monkeypatch.setattr(compare, "annomi_cv", boom)
    assert evaluate_main([str(annomi_csv), *extra]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err
    if "allowed" in needle:
        assert err.strip().endswith(f"(allowed: {', '.join(CANDIDATES)})")
