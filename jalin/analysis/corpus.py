"""Load and validate the labelled corpus (JSON Lines, see docs/corpus-format.md) and split it by session.

Errors name the file and the 1-based line, so a corpus writer can fix the exact row.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import json
import os
import random
from collections import OrderedDict
from collections.abc import Iterable
from importlib import resources
from pathlib import Path

from .taxonomy import taxonomy

__all__ = [
    "CorpusError",
    "corpus_hash",
    "group_sessions",
    "held_out_split",
    "load_corpus",
    "load_labelled_csv",
    "load_rows",
    "shipped_corpus_paths",
    "validate_row",
]

LANGS = ("id", "en")
_SPEAKER_ALIASES = {
    "counselor": "counselor",
    "counsellor": "counselor",
    "konselor": "counselor",
    "therapist": "counselor",
    "k": "counselor",
    "counselee": "counselee",
    "konseli": "counselee",
    "client": "counselee",
    "klien": "counselee",
}
SPEAKERS = ("counselor", "counselee")


class CorpusError(ValueError):
    """A corpus file is missing, unreadable or has an invalid row (message names file and line)."""


def shipped_corpus_paths() -> list[str]:
    """The corpus files shipped with the package, sorted by name."""
    root = resources.files("jalin.analysis").joinpath("data/corpus")
    return sorted(str(p) for p in Path(str(root)).glob("*.jsonl"))


def _expand(paths: Iterable[str | os.PathLike]) -> list[str]:
    out: list[str] = []
    for p in paths:
        p = str(p)
        if os.path.isdir(p):
            found = sorted(glob.glob(os.path.join(p, "*.jsonl")))
            if not found:
                raise CorpusError(f"{p}: no *.jsonl files in this folder")
            out.extend(found)
        elif any(ch in p for ch in "*?["):
            found = sorted(glob.glob(p))
            if not found:
                raise CorpusError(f"{p}: no files match")
            out.extend(found)
        else:
            if not os.path.exists(p):
                raise CorpusError(f"{p}: file not found")
            out.append(p)
    return out


def validate_row(row: object, where: str) -> dict:
    """Check one corpus object against the format; return it with defaults filled. ``where`` = "file:line"."""
    tax = taxonomy()
    if not isinstance(row, dict):
        raise CorpusError(f"{where}: expected a JSON object, got {type(row).__name__}")
    for key in ("session", "speaker", "text", "label"):
        if key not in row:
            raise CorpusError(f"{where}: missing field {key!r}")
    if not isinstance(row["session"], str) or not row["session"]:
        raise CorpusError(f"{where}: 'session' must be a non-empty string")
    if row["speaker"] not in SPEAKERS:
        raise CorpusError(f"{where}: 'speaker' must be counselor or counselee, got {row['speaker']!r}")
    if not isinstance(row["text"], str):
        raise CorpusError(f"{where}: 'text' must be a string")
    allowed = tax.labels_for(row["speaker"])
    if row["label"] not in allowed:
        raise CorpusError(
            f"{where}: label {row['label']!r} is not a {row['speaker']} label "
            f"(expected one of {', '.join(allowed)})"
        )
    lang = row.get("lang", "id")
    if lang not in LANGS:
        raise CorpusError(f"{where}: 'lang' must be id or en, got {lang!r}")
    flags = row.get("flags", []) or []
    tasks = row.get("tasks", []) or []
    if not isinstance(flags, list) or any(f not in tax.flags for f in flags):
        raise CorpusError(f"{where}: 'flags' must be a list of {', '.join(tax.flags)}; got {flags!r}")
    if not isinstance(tasks, list) or any(t not in tax.tasks for t in tasks):
        bad = [t for t in tasks if t not in tax.tasks] if isinstance(tasks, list) else tasks
        raise CorpusError(f"{where}: unknown stage task(s) {bad!r}")
    stage = row.get("stage")
    if stage is not None and stage not in tax.stages:
        raise CorpusError(f"{where}: 'stage' must be one of {', '.join(tax.stages)}; got {stage!r}")
    out = dict(row)
    out.update(lang=lang, flags=list(flags), tasks=list(tasks), stage=stage)
    out.setdefault("index", None)
    out["_where"] = where
    return out


def load_rows(path: str | os.PathLike) -> list[dict]:
    """Read one corpus JSONL file; raises ``CorpusError`` with file and line on any problem."""
    path = str(path)
    rows: list[dict] = []
    try:
        fh = open(path, encoding="utf-8")  # noqa: SIM115 - closed by `with fh` below
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror or exc})") from None
    with fh:
        try:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CorpusError(f"{path}:{n}: invalid JSON ({exc.msg} at column {exc.colno})") from None
                rows.append(validate_row(obj, f"{path}:{n}"))
        except UnicodeDecodeError:
            raise CorpusError(f"{path}: not UTF-8 text") from None
    return rows


def _check_sessions(rows: list[dict]) -> None:
    """Sessions must be contiguous and their stages non-decreasing."""
    order = {s: i for i, s in enumerate(taxonomy().stages)}
    seen_closed: set[str] = set()
    current = None
    last_stage = -1
    for r in rows:
        if r["session"] != current:
            if r["session"] in seen_closed:
                raise CorpusError(
                    f"{r['_where']}: session {r['session']!r} is not contiguous (it appeared earlier)"
                )
            if current is not None:
                seen_closed.add(current)
            current = r["session"]
            last_stage = -1
        if r["stage"] is not None:
            s = order[r["stage"]]
            if s < last_stage:
                raise CorpusError(
                    f"{r['_where']}: stage goes back to {r['stage']!r} within session {current!r}"
                )
            last_stage = s


def load_corpus(paths: Iterable[str | os.PathLike] | None = None) -> list[dict]:
    """All rows of the given corpus files (default: the shipped corpus), validated."""
    files = _expand(paths) if paths is not None else shipped_corpus_paths()
    if not files:
        raise CorpusError("no corpus files given")
    rows: list[dict] = []
    sessions_in: dict[str, str] = {}
    for f in files:
        file_rows = load_rows(f)
        _check_sessions(file_rows)
        for s in OrderedDict.fromkeys(r["session"] for r in file_rows):
            if s in sessions_in and sessions_in[s] != f:
                raise CorpusError(f"{f}: session {s!r} also appears in {sessions_in[s]}")
            sessions_in[s] = f
        rows.extend(file_rows)
    return rows


def load_labelled_csv(path: str | os.PathLike) -> list[dict]:
    """A CSV with at least speaker,text,label columns (optional session, lang) as corpus rows."""
    path = str(path)
    try:
        fh = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed by `with fh` below
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror or exc})") from None
    rows = []
    with fh:
        reader = csv.DictReader(fh)
        need = {"speaker", "text", "label"}
        if not reader.fieldnames or not need <= {c.strip() for c in reader.fieldnames}:
            raise CorpusError(
                f"{path}: a labelled CSV needs the columns speaker,text,label "
                f"(found {', '.join(reader.fieldnames or [])})"
            )
        for n, rec in enumerate(reader, 2):
            rec = {k.strip(): (v or "").strip() for k, v in rec.items() if k}
            rec.setdefault("session", "csv")
            if not rec.get("session"):
                rec["session"] = "csv"
            rec["speaker"] = _SPEAKER_ALIASES.get(rec.get("speaker", "").lower(), rec.get("speaker", ""))
            rec["lang"] = rec.get("lang") or "id"
            rec["flags"] = [f for f in rec.get("flags", "").replace(";", ",").split(",") if f.strip()]
            rec["tasks"] = [t for t in rec.get("tasks", "").replace(";", ",").split(",") if t.strip()]
            rec["stage"] = rec.get("stage") or None
            rows.append(validate_row(rec, f"{path}:{n}"))
    return rows


def group_sessions(rows: list[dict]) -> OrderedDict[str, list[dict]]:
    """Rows grouped by session, in file order."""
    out: OrderedDict[str, list[dict]] = OrderedDict()
    for r in rows:
        out.setdefault(r["session"], []).append(r)
    return out


def held_out_split(
    rows: list[dict], test_fraction: float = 0.2, seed: int = 0
) -> tuple[list[dict], list[dict]]:
    """Split by session (never by utterance), stratified by language: both languages appear in the test part."""
    if not 0 < test_fraction < 1:
        raise ValueError("test_fraction must be between 0 and 1")
    sessions = group_sessions(rows)
    by_lang: dict[str, list[str]] = {}
    for sid, srows in sessions.items():
        by_lang.setdefault(srows[0].get("lang", "id"), []).append(sid)
    rng = random.Random(seed)
    test_ids: set[str] = set()
    for lang in sorted(by_lang):
        ids = sorted(by_lang[lang])
        rng.shuffle(ids)
        k = max(1, round(len(ids) * test_fraction)) if len(ids) > 1 else 0
        test_ids.update(ids[:k])
    train = [r for r in rows if r["session"] not in test_ids]
    test = [r for r in rows if r["session"] in test_ids]
    return train, test


def corpus_hash(rows: list[dict]) -> str:
    """A short stable hash of the corpus content (sessions, texts, labels) for model versions."""
    h = hashlib.sha256()
    for r in rows:
        h.update(
            json.dumps(
                [
                    r["session"],
                    r["speaker"],
                    r["text"],
                    r["label"],
                    r.get("flags"),
                    r.get("stage"),
                    r.get("tasks"),
                ],
                ensure_ascii=False,
                sort_keys=True,
            ).encode("utf-8")
        )
        h.update(b"\n")
    return h.hexdigest()[:10]
