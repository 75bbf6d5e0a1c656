"""The risk evaluation set is frozen: its bytes must match the sha256 published in docs/risk-evaluation-set.md."""

import hashlib
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVAL_DIR = ROOT / "jalin" / "analysis" / "data" / "eval" / "risk"
DOC = ROOT / "docs" / "risk-evaluation-set.md"


def published_hashes() -> dict[str, str]:
    rows = re.findall(r"\| `(risk_eval_\w+\.jsonl)` \| `([0-9a-f]{64})` \|", DOC.read_text(encoding="utf-8"))
    return dict(rows)


def test_docs_publish_a_hash_for_each_file():
    assert set(published_hashes()) == {p.name for p in EVAL_DIR.glob("*.jsonl")}


@pytest.mark.parametrize("name", ["risk_eval_id.jsonl", "risk_eval_en.jsonl"])
def test_file_matches_its_published_sha256(name):
    digest = hashlib.sha256((EVAL_DIR / name).read_bytes()).hexdigest()
    assert digest == published_hashes()[name]


@pytest.mark.parametrize("name", ["risk_eval_id.jsonl", "risk_eval_en.jsonl"])
def test_items_are_well_formed(name):
    items = [json.loads(line) for line in (EVAL_DIR / name).read_text(encoding="utf-8").splitlines()]
    assert len({i["id"] for i in items}) == len(items)
    for item in items:
        assert set(item["flags"]) <= {"risk_self", "risk_others", "abuse"}
        assert sum(turn["speaker"] == "counselor" for turn in item["context"]) >= 2
