"""The corpus's risk flags are those of the documented relabelling (docs/risk-corpus-relabel.md): every
voted line carries the majority of its three opinions, and the vote is a majority per flag."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

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
