"""CSV and JSONL utterance records, the shape of research data sets.

Fields: speaker (or interlocutor/role: therapist/client, konselor/konseli, names),
text (or utterance_text/utterance), and an optional label/technique kept as the
student label.  One file is one session: a conversation id column with several
values is refused rather than merged into one nonsense dialogue.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from jalin.analysis.errors import InputError

from .columns import field_for
from .common import (
    LimitExceeded,
    RawTurn,
    active_limits,
    check_turn_count,
    check_turn_text,
    clean_timestamp,
    iter_lines,
    stage_heading,
)

__all__ = ["EXPECTED_FIELDS", "read_csv_turns", "read_jsonl_turns"]

EXPECTED_FIELDS = ("speaker/interlocutor", "text/utterance_text/utterance", "label/technique (opsional)")
_TOO_DEEP = "nested too deeply"
_CONVERSATION_FIELDS = (
    "conversation_id",
    "dialog_id",
    "dialogue_id",
    "session_id",
    "transcript_id",
    "conv_id",
)


def read_csv_turns(text: str, source: str) -> list[RawTurn]:
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = _csv_rows(reader, source)
    header = next(rows, None)
    if header is None:
        raise InputError(source, "empty_file")
    header = [cell.strip() for cell in header]
    records = ((number, dict(zip(header, row, strict=False))) for number, row in rows)
    return _turns(records, header, source)


def _json(text: str, source: str, line: int | None) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(source, "bad_json", line=line or exc.lineno, detail=exc.msg) from None
    except RecursionError:  # e.g. [[[[...]]]] thousands deep: a clear message, not a crash
        raise InputError(source, "json_too_deep", line=line) from None


def _csv_rows(reader: Any, source: str) -> Iterator[Any]:
    """Non-empty rows, read one at a time; the header comes out as a bare row, the rest with their line."""
    limits = active_limits()
    first = True
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(source, "bad_csv", line=reader.line_num, detail=str(exc)) from None
        if reader.line_num > limits.lines:
            raise LimitExceeded("too_many_lines", reader.line_num, limits.lines)
        if not any(cell.strip() for cell in row):
            continue
        if first:
            first = False
            yield row
        else:
            yield reader.line_num, row


def read_jsonl_turns(text: str, source: str) -> list[RawTurn]:
    stripped = text.strip()
    if stripped.startswith("["):
        # A JSON array of records is accepted too: data sets ship both.
        items = _json(stripped, source, None)
        records = [(i, item) for i, item in enumerate(items, start=1)]
    else:
        records = []
        for number, line in iter_lines(text):
            if not line.strip():
                continue
            records.append((number, _json(line, source, number)))
            check_turn_count(len(records), number)
    if len(records) > active_limits().utterances:
        check_turn_count(len(records), records[active_limits().utterances][0])
    for number, item in records:
        if not isinstance(item, dict):
            raise InputError(source, "bad_json", line=number, detail=type(item).__name__)
    header = list(dict.fromkeys(key for _, item in records for key in item))
    return _turns(((n, {k: _plain(v, source, n) for k, v in item.items()}) for n, item in records), header, source)


def _plain(value: Any, source: str, line: int) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except RecursionError:
        raise InputError(source, "json_too_deep", line=line) from None


def _turns(records: Iterable[tuple[int, Mapping[str, str]]], header: list[str], source: str) -> list[RawTurn]:
    fields = {name: field_for(name) for name in header}
    speaker = _column(fields, "speaker")
    text = _column(fields, "utterance")
    if speaker is None or text is None:
        raise InputError(source, "bad_columns", found=header, expected=EXPECTED_FIELDS)
    label = _column(fields, "technique")
    stamp = _column(fields, "time")
    stage = _column(fields, "stage")
    conversation = next((h for h in header if h.strip().lower() in _CONVERSATION_FIELDS), None)
    seen_conversations: set[str] = set()
    turns: list[RawTurn] = []
    for number, record in records:
        words = (record.get(text) or "").strip()
        if not words:
            continue
        if conversation:
            seen_conversations.add((record.get(conversation) or "").strip())
        who = (record.get(speaker) or "").strip()
        if not who:
            raise InputError(
                source, "unattributed_line", line=number, column=speaker, expected=EXPECTED_FIELDS[:1]
            )
        check_turn_text(words, number)
        check_turn_count(len(turns) + 1, number)
        turns.append(
            RawTurn(
                label=who,
                text=words,
                line=number,
                timestamp=clean_timestamp(record.get(stamp) or "") if stamp else None,
                stage_hint=_stage(record.get(stage)) if stage else None,
                student_label=(record.get(label) or "").strip() or None if label else None,
            )
        )
    if len(seen_conversations) > 1:
        raise InputError(source, "multiple_conversations", count=len(seen_conversations), column=conversation)
    return turns


def _stage(value: str | None) -> str | None:
    """A stage cell ("awal", "Tahap Inti", "working") as a stage id; unknown text is kept as written."""
    value = (value or "").strip()
    if not value:
        return None
    return stage_heading(value) or stage_heading(f"tahap {value}") or value


def _column(fields: Mapping[str, str | None], kind: str) -> str | None:
    return next((name for name, field in fields.items() if field == kind), None)
