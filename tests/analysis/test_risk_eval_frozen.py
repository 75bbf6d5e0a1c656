"""The risk evaluation set is frozen: its bytes must match the sha256 published in docs/risk-evaluation-set.md."""

import hashlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVAL_DIR = ROOT / "jalin" / "analysis" / "data" / "eval" / "risk"
V2_DIR = ROOT / "jalin" / "analysis" / "data" / "eval" / "risk_v2"
V3_DIR = ROOT / "jalin" / "analysis" / "data" / "eval" / "risk_v3"
V4_DIR = ROOT / "jalin" / "analysis" / "data" / "eval" / "risk_v4"
V5_DIR = ROOT / "jalin" / "analysis" / "data" / "eval" / "risk_v5"
V6_DIR = ROOT / "jalin" / "analysis" / "data" / "eval" / "risk_v6"
V7_DIR = ROOT / "jalin" / "analysis" / "data" / "eval" / "risk_v7"
V8_DIR = ROOT / "jalin" / "analysis" / "data" / "eval" / "risk_v8"
DOC = ROOT / "docs" / "risk-evaluation-set.md"


def published_hashes() -> dict[str, str]:
    rows = re.findall(r"\| `(risk_eval_\w+\.jsonl)` \| `([0-9a-f]{64})` \|", DOC.read_text(encoding="utf-8"))
    return dict(rows)


FILES = {
    "risk_eval_id.jsonl": EVAL_DIR,
    "risk_eval_en.jsonl": EVAL_DIR,
    "risk_eval_v2_id.jsonl": V2_DIR,
    "risk_eval_v2_en.jsonl": V2_DIR,
    "risk_eval_v3_id.jsonl": V3_DIR,
    "risk_eval_v3_en.jsonl": V3_DIR,
    "risk_eval_v4_id.jsonl": V4_DIR,
    "risk_eval_v4_en.jsonl": V4_DIR,
    "risk_eval_v5_id.jsonl": V5_DIR,
    "risk_eval_v5_en.jsonl": V5_DIR,
    "risk_eval_v6_id.jsonl": V6_DIR,
    "risk_eval_v6_en.jsonl": V6_DIR,
    "risk_eval_v7_id.jsonl": V7_DIR,
    "risk_eval_v7_en.jsonl": V7_DIR,
    "risk_eval_v8_id.jsonl": V8_DIR,
    "risk_eval_v8_en.jsonl": V8_DIR,
}


def test_docs_publish_a_hash_for_each_file():
    on_disk = {p.name for d in (EVAL_DIR, V2_DIR, V3_DIR, V4_DIR, V5_DIR, V6_DIR, V7_DIR, V8_DIR) for p in d.glob("*.jsonl")}
    assert set(published_hashes()) == on_disk == set(FILES)


@pytest.mark.parametrize("name", sorted(FILES))
def test_file_matches_its_published_sha256(name):
    digest = hashlib.sha256((FILES[name] / name).read_bytes()).hexdigest()
    assert digest == published_hashes()[name]


@pytest.mark.parametrize("name", sorted(FILES))
def test_items_are_well_formed(name):
    items = [json.loads(line) for line in (FILES[name] / name).read_text(encoding="utf-8").splitlines()]
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        assert set(item["flags"]) <= {"risk_self", "risk_others", "abuse"}
        # v1 and v2 always give the two counselor turns before the line; v3's to v8's short excerpts may give one
        # (its point is where the line sits: "short", "long" or "closing")
        least = 1 if "position" in item else 2
        assert sum(turn["speaker"] == "counselor" for turn in item["context"]) >= least
        assert item["context"][-1]["speaker"] == "counselor" or "position" not in item
        assert item.get("position", "short") in ("short", "long", "closing")
