"""The unseen-style session set is frozen: its bytes must match the sha256 in docs/unseen-evaluation-set.md."""

import hashlib
import re
from pathlib import Path

from jalin.analysis.corpus import group_sessions, load_corpus

ROOT = Path(__file__).resolve().parents[2]
FILE = ROOT / "jalin" / "analysis" / "data" / "eval" / "unseen" / "unseen_id.jsonl"
DOC = ROOT / "docs" / "unseen-evaluation-set.md"


def test_file_matches_its_published_sha256():
    published = re.search(r"\| `unseen_id\.jsonl` \| `([0-9a-f]{64})` \|", DOC.read_text(encoding="utf-8"))
    assert published, "docs/unseen-evaluation-set.md must publish the sha256"
    assert hashlib.sha256(FILE.read_bytes()).hexdigest() == published.group(1)


def test_set_reads_as_a_corpus_of_thirty_sessions():
    # load_corpus validates every row (label ids, stages, indices) as it does for the training corpus.
    assert len(group_sessions(load_corpus([FILE]))) == 30
