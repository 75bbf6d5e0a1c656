"""Extra training material for the risk detector (issue #11): counselee lines in context.

The session corpus (``data/corpus``) holds few risk lines, and most of them were written by the same
hands. ``data/risk_train/`` adds counselee lines *in context* written from separate briefs by writers
who saw neither the detector, its lexicon, the corpus nor the frozen evaluation set
(docs/risk-evaluation-set.md says how). Each item has the format of the frozen set: ``context`` (the
turns just before the line, the two counselor turns among them), ``text`` and ``flags``.

These items train only the risk detector (``RiskDetector``): their context turns carry no labels, so
the utterance labeller, the stages and the tasks never see them. An item becomes one short transcript
(its context, then its line) and only the record of its line is used, so the line's features include
its neighbours exactly as in a real session. Cross-validation groups an item with the items of the
same writer sequence (``category`` ``sequence_<n>``) so a sequence never straddles two folds.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from .corpus import CorpusError

__all__ = [
    "FLAGS",
    "item_groups",
    "load_risk_items",
    "risk_item_records",
    "risk_item_transcripts",
    "risk_items_hash",
    "shipped_risk_train_paths",
]

FLAGS = ("risk_self", "risk_others", "abuse")
MAX_CONTEXT = 8


def shipped_risk_train_paths() -> list[str]:
    """The risk training files shipped with the package, sorted by name (may be empty)."""
    root = Path(str(resources.files("jalin.analysis").joinpath("data/risk_train")))
    return sorted(str(p) for p in root.glob("*.jsonl")) if root.is_dir() else []


def load_risk_items(paths: Sequence[str | Path]) -> list[dict]:
    """Counselee lines in context from JSONL files, validated; errors name the file and line."""
    items: list[dict] = []
    seen: dict[str, str] = {}
    for f in map(Path, paths):
        if not f.is_file():
            raise CorpusError(f"{f}: file not found")
        try:
            text = f.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise CorpusError(f"{f}: not UTF-8 text") from None
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            where = f"{f}, line {n}"
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{where}: not valid JSON ({exc.msg})") from None
            if not isinstance(item, dict):
                raise CorpusError(f"{where}: expected a JSON object")
            missing = {"text", "flags", "context"} - set(item)
            if missing:
                raise CorpusError(f"{where}: missing field(s) {', '.join(sorted(missing))}")
            if not isinstance(item["text"], str) or not item["text"].strip():
                raise CorpusError(f"{where}: 'text' must be a non-empty string")
            if not isinstance(item["flags"], list):
                raise CorpusError(f"{where}: 'flags' must be a list")
            bad = set(item["flags"]) - set(FLAGS)
            if bad:
                raise CorpusError(f"{where}: unknown flag(s) {', '.join(sorted(map(str, bad)))}")
            if not isinstance(item["context"], list) or len(item["context"]) > MAX_CONTEXT:
                raise CorpusError(f"{where}: 'context' must be a list of at most {MAX_CONTEXT} turns")
            for turn in item["context"]:
                if (
                    not isinstance(turn, dict)
                    or turn.get("speaker") not in ("counselor", "counselee")
                    or not isinstance(turn.get("text"), str)
                ):
                    raise CorpusError(f"{where}: each context turn needs speaker (counselor/counselee) and text")
            item_id = str(item.get("id") or f"{f.stem}:{n}")
            if item_id in seen:
                raise CorpusError(f"{where}: id {item_id!r} repeats {seen[item_id]}")
            seen[item_id] = where
            items.append({**item, "id": item_id, "_file": f.name})
    return items


def item_groups(items: Sequence[dict]) -> list[str]:
    """Cross-validation group of each item: its writer sequence if it has one, else the item itself."""
    out = []
    for it in items:
        cat = str(it.get("category") or "")
        if cat.startswith("sequence"):
            out.append(f"{it.get('_file', '')}:{cat}")
        else:
            out.append(f"item:{it['id']}")
    return out


def risk_item_transcripts(items: Sequence[dict], embedder) -> list[list[dict]]:
    """Per item, the records of its short transcript (context turns, then the line; the line last).

    Only the last record is a training example; the context records are there so the screening rule
    can look back, as it does in a session."""
    from .model.features import build_records

    out: list[list[dict]] = []
    for it in items:
        turns = [*it["context"], {"speaker": "counselee", "text": it["text"]}]
        texts = [t["text"] for t in turns]
        recs = build_records([t["speaker"] for t in turns], texts, embedder.encode(texts))
        # A short transcript would put every line at the very end of a session. Disclosures come in
        # the middle of real sessions, and the classifier sees the position: place the line at a
        # stable pseudo-random point of a session's middle, well past its opening turns.
        digest = hashlib.sha256(it["id"].encode()).digest()
        recs[-1] = {**recs[-1], "pos": 0.2 + 0.65 * digest[0] / 255, "index": 10 + digest[1] % 40}
        out.append(recs)
    return out


def risk_item_records(items: Sequence[dict], embedder) -> list[dict]:
    """The training record of each item's line (see ``risk_item_transcripts``)."""
    return [recs[-1] for recs in risk_item_transcripts(items, embedder)]


def risk_items_hash(items: Sequence[dict]) -> str:
    """A short stable hash of the items (context, line, flags), for model versions."""
    h = hashlib.sha256()
    for it in items:
        h.update(json.dumps([it["context"], it["text"], sorted(it["flags"])], ensure_ascii=False).encode())
    return h.hexdigest()[:6]
