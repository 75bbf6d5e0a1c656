"""The corpus's risk flags are those of the documented relabelling (docs/risk-corpus-relabel.md): every
voted line carries the majority of its three opinions, and the vote is a majority per flag."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _module():
    spec = importlib.util.spec_from_file_location("risk_relabel", ROOT / "bench" / "risk_relabel.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_majority_is_per_flag() -> None:
    m = _module().majority
    assert m([], ["risk_self"], ["risk_self"]) == ["risk_self"]
    assert m(["abuse"], [], []) == []
    assert m(["abuse"], ["abuse", "risk_self"], ["risk_self"]) == ["risk_self", "abuse"]
    assert m(["risk_others"], ["abuse"], ["risk_self"]) == []


def test_every_voted_corpus_line_carries_its_vote() -> None:
    mod = _module()
    votes = [json.loads(line) for line in mod.VOTES.read_text("utf-8").splitlines() if line.strip()]
    assert len(votes) >= 600
    rows = mod._corpus_rows()
    for v in votes:
        assert v["final"] == mod.majority(v["original"], v["a"], v["b"])
        row = rows[(v["session"], v["index"])][2]
        assert row["speaker"] == "counselee"
        assert list(row.get("flags") or []) == v["final"], (v["session"], v["index"])


def test_a_new_round_appends_its_votes_and_never_re_votes_a_line(tmp_path, monkeypatch) -> None:
    mod = _module()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [
        {"session": "t-1", "index": 0, "speaker": "counselor", "text": "Apa kabar?"},
        {"session": "t-1", "index": 1, "speaker": "counselee", "text": "Capek hidup, Bu.", "flags": []},
        {"session": "t-1", "index": 2, "speaker": "counselee", "text": "Iya.", "flags": []},
    ]
    (corpus / "t.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines), "utf-8")
    votes = tmp_path / "votes.jsonl"
    votes.write_text(json.dumps({"session": "t-1", "index": 2, "sample": "control", "original": [],
                                 "a": [], "b": [], "final": []}) + "\n", "utf-8")
    monkeypatch.setattr(mod, "CORPUS", corpus)
    monkeypatch.setattr(mod, "VOTES", votes)
    ann = tmp_path / "ann"
    ann.mkdir()
    key = tmp_path / "key.json"
    key.write_text(json.dumps({"r2-0001": {"session": "t-1", "index": 1, "why": "region (round 2)"}}), "utf-8")
    (ann / "labels_p1_a.jsonl").write_text('{"uid": "r2-0001", "flags": ["risk_self"]}\n', "utf-8")
    (ann / "labels_p1_b.jsonl").write_text('{"uid": "r2-0001", "flags": ["risk_self", "nonsense"]}\n', "utf-8")
    mod.build(str(key), str(ann))
    out = [json.loads(line) for line in votes.read_text("utf-8").splitlines()]
    assert [(v["index"], v["final"]) for v in out] == [(1, ["risk_self"]), (2, [])]  # round 1's vote kept
    mod.apply()
    assert json.loads((corpus / "t.jsonl").read_text("utf-8").splitlines()[1])["flags"] == ["risk_self"]
    assert mod.check() == 0
    # the same line again, in a later round: refused, nothing written
    before = votes.read_text("utf-8")
    with pytest.raises(SystemExit, match="voted in an earlier round"):
        mod.build(str(key), str(ann))
    assert votes.read_text("utf-8") == before
    # an annotator's broken line names its file and line
    (ann / "labels_p1_b.jsonl").write_text("{broken\n", "utf-8")
    with pytest.raises(SystemExit, match=r"labels_p1_b.jsonl, line 1"):
        mod.build(str(key), str(ann))
