"""Extra training material for the risk detector (issue #11): counselee lines in context.

The session corpus (``data/corpus``) holds few risk lines, and most of them were written by the same
hands. ``data/risk_train/`` adds counselee lines *in context* written from separate briefs by writers
who saw neither the detector, its lexicon, the corpus nor the frozen evaluation set
(docs/risk-evaluation-set.md says how). Each item has the format of the frozen set: ``context`` (the
turns just before the line, the two counselor turns among them), ``text`` and ``flags``.

These items train only the risk detector (``RiskDetector``): their context turns carry no labels, so
the utterance labeller, the stages and the tasks never see them. Each item is placed in a real corpus
session (at its start, in its middle or at its very end: ``risk_item_transcripts``) and only the record
of its line is used, so the line's features include the turns before it exactly as in a real session. Cross-validation groups an item with the items of the
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
    "host_sessions",
    "item_groups",
    "item_slot",
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


SLOTS = ("start", "middle", "end")


def _digest(item: dict) -> bytes:
    return hashlib.sha256(str(item["id"]).encode()).digest()


def item_slot(item: dict) -> str:
    """Where an item's line is placed in its host session: a stable third of the items each at the
    start, in the middle and at the very end (the line is then the session's last line)."""
    return SLOTS[_digest(item)[0] % len(SLOTS)]


def risk_item_transcripts(
    items: Sequence[dict],
    embedder,
    hosts: dict[str, Sequence[Sequence[tuple[str, str]]]] | None = None,
    *,
    slot: str | None = None,
) -> list[list[dict]]:
    """Per item, the records of a transcript that ends with its line: the context turns, then the line.

    ``hosts`` (per language, real sessions as ``(speaker, text)`` turns, e.g. the corpus) places every
    item *inside* a session of its language, chosen by a stable hash, at the slot ``item_slot`` gives
    (or ``slot`` for all): the host's turns before the slot, the item's context, its line, the host's
    turns after it. What is returned are the records up to the line (its context and at least
    ``MAX_CONTEXT`` turns before it, for the screening rule to look back), the line last, each with its
    position in that whole session (``pos``, ``index``, ``n``). The detector reads no position and no
    later turn, so wherever an item sits its line scores the same unless the turns before it differ; the
    placement lets cross-validation measure recall by position (``jalin evaluate --risk-cv``).
    Without hosts each item is its own short transcript, the line last (a short excerpt)."""
    from .model.features import build_records

    out: list[list[dict]] = []
    for it in items:
        turns = [(t["speaker"], t["text"]) for t in it["context"]] + [("counselee", it["text"])]
        pool = (hosts or {}).get(it.get("lang", "id")) or []
        before: list[tuple[str, str]] = []
        n_total = len(turns)
        if pool:
            digest = _digest(it)
            host = pool[int.from_bytes(digest[1:5], "big") % len(pool)]
            cut = {"start": 0, "middle": len(host) // 2, "end": len(host)}[slot or item_slot(it)]
            before = list(host[:cut])
            n_total = len(host) + len(turns)
        keep = max(len(turns) - 1, MAX_CONTEXT)
        offset = max(0, len(before) + len(turns) - 1 - keep)
        # only the turns the line's record and the rules can read are built: what comes before it (a later
        # turn is never read); the position fields say where it sits in the whole session
        session = (before + turns)[offset:]
        texts = [t for _, t in session]
        recs = build_records([s for s, _ in session], texts, embedder.encode(texts))
        for k, r in enumerate(recs):
            index = offset + k
            r.update(index=index, n=n_total, pos=index / max(n_total - 1, 1))
        out.append(recs)
    return out


def host_sessions(rows: Sequence[dict]) -> dict[str, list[list[tuple[str, str]]]]:
    """Corpus sessions as host sessions for ``risk_item_transcripts``, per language, in file order."""
    from .corpus import group_sessions

    out: dict[str, list[list[tuple[str, str]]]] = {}
    for srows in group_sessions(list(rows)).values():
        out.setdefault(srows[0].get("lang", "id"), []).append([(r["speaker"], r["text"]) for r in srows])
    return out


def risk_item_records(items: Sequence[dict], embedder, hosts=None) -> list[dict]:
    """The training record of each item's line (see ``risk_item_transcripts``)."""
    return [recs[-1] for recs in risk_item_transcripts(items, embedder, hosts)]


def risk_items_hash(items: Sequence[dict]) -> str:
    """A short stable hash of the items (context, line, flags), for model versions."""
    h = hashlib.sha256()
    for it in items:
        h.update(json.dumps([it["context"], it["text"], sorted(it["flags"])], ensure_ascii=False).encode())
    return h.hexdigest()[:6]
