"""Transcript readers of the session-analysis engine.

``parse_file``/``parse_bytes``/``parse_text`` read a counseling transcript in any
supported format (plain text, DOCX, WebVTT, SRT, CSV, JSONL), decide who is the
counselor and return a ``Transcript``.  Anything wrong with the input raises
``InputError`` with a message naming the file, line or column and what was
expected; a returned transcript always has at least one utterance by each side.
"""

from __future__ import annotations

import os
from pathlib import Path

from jalin.analysis.errors import InputError
from jalin.analysis.types import Transcript, Utterance

from .common import RawTurn, silence_text
from .decoding import decode
from .docx_reader import read_docx_turns
from .language import detect_language
from .records import read_csv_turns, read_jsonl_turns
from .speakers import resolve
from .subtitles import looks_like_srt, read_caption_turns
from .text import read_text_turns

__all__ = ["FORMATS", "MAX_BYTES", "detect_language", "parse_bytes", "parse_file", "parse_text"]

MAX_BYTES = 5 * 1024 * 1024
FORMATS = ("text", "docx", "vtt", "srt", "csv", "jsonl")
_EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".docx": "docx",
    ".vtt": "vtt",
    ".srt": "srt",
    ".csv": "csv",
    ".tsv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
}
_SNIFFED_EXTENSIONS = {"text", ""}  # "notes.txt" may well hold a saved .vtt; sniff those
_CSV_HEADER_WORDS = ("speaker", "interlocutor", "text", "utterance", "pembicara", "pernyataan", "role")


def parse_file(
    path: str | os.PathLike[str], *, counselor: str | None = None, fmt: str | None = None
) -> Transcript:
    """Read a transcript file; the format comes from ``fmt``, the extension or the content."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _too_large(path.name, size)
        data = path.read_bytes()
    except OSError:
        raise InputError(path.name, "file_not_found") from None
    return parse_bytes(data, path.name, counselor=counselor, fmt=fmt)


def parse_bytes(
    data: bytes, filename: str, *, counselor: str | None = None, fmt: str | None = None
) -> Transcript:
    """Read an uploaded transcript (``filename`` is used for the format and in messages)."""
    source = os.path.basename(filename) or "<upload>"
    if len(data) > MAX_BYTES:
        raise _too_large(source, len(data))
    if not data.strip():
        raise InputError(source, "empty_file")
    fmt = _format(data, source, fmt)
    if fmt == "docx":
        found = read_docx_turns(data, source)
        return _build(found.turns, source, "docx", counselor, found.hint)
    text = decode(data, source)
    return _parse_decoded(text, source, fmt, counselor)


def parse_text(text: str, *, source: str = "<text>", counselor: str | None = None) -> Transcript:
    """Read a transcript given as a string (pasted into a form); the format is sniffed."""
    if len(text) > MAX_BYTES:
        raise _too_large(source, len(text))
    if not text.strip():
        raise InputError(source, "empty_file")
    return _parse_decoded(text, source, _sniff_text(text), counselor)


def _parse_decoded(text: str, source: str, fmt: str, counselor: str | None) -> Transcript:
    if not text.strip():
        raise InputError(source, "empty_file")
    if fmt == "text" or fmt in _SNIFFED_EXTENSIONS:
        fmt = _sniff_text(text)
    if fmt in ("vtt", "srt"):
        return _build(read_caption_turns(text), source, fmt, counselor, None)
    if fmt == "csv":
        return _build(read_csv_turns(text, source), source, fmt, counselor, None)
    if fmt == "jsonl":
        return _build(read_jsonl_turns(text, source), source, fmt, counselor, None)
    found = read_text_turns(text)
    return _build(found.turns, source, "text", counselor, found.hint)


def _format(data: bytes, source: str, fmt: str | None) -> str:
    if fmt is not None:
        fmt = fmt.lower().lstrip(".")
        fmt = {"txt": "text", "json": "jsonl", "tsv": "csv"}.get(fmt, fmt)
        if fmt not in FORMATS:
            raise InputError(source, "unsupported_format", fmt=fmt, expected=FORMATS)
        return fmt
    extension = os.path.splitext(source)[1].lower()
    if extension == ".doc":
        if data.startswith(b"PK\x03\x04"):
            return "docx"  # a .docx renamed to .doc; read it anyway
        raise InputError(source, "legacy_doc")
    if extension in _EXTENSIONS:
        return _EXTENSIONS[extension]
    if data.startswith(b"PK\x03\x04"):
        return "docx"
    return ""  # decide from the decoded text


def _sniff_text(text: str) -> str:
    head = text.lstrip("\ufeff \t\r\n")
    if head.startswith("WEBVTT"):
        return "vtt"
    if looks_like_srt(head):
        return "srt"
    if head.startswith(("{", "[{")):
        return "jsonl"
    first = head.splitlines()[0].lower() if head else ""
    # "Konselor: ya, terus?" is dialogue, not a CSV header, hence the colon test.
    has_separator = any(sep in first for sep in ",;\t")
    if has_separator and ":" not in first and any(word in first for word in _CSV_HEADER_WORDS):
        return "csv"
    return "text"


def _too_large(source: str, size: int) -> InputError:
    return InputError(source, "too_large", size_mb=round(size / 2**20, 1), limit_mb=MAX_BYTES // 2**20)


def _build(
    turns: list[RawTurn], source: str, fmt: str, counselor: str | None, hint: str | None
) -> Transcript:
    turns = [turn for turn in turns if turn.text.strip()]
    if not turns:
        raise InputError(source, "no_dialogue")
    roles, counselor_name = resolve(turns, source, counselor=counselor, hint=hint)
    utterances = []
    for index, (turn, role) in enumerate(zip(turns, roles, strict=True)):
        silent = silence_text(turn.text)
        utterances.append(
            Utterance(
                index=index,
                speaker=role,
                text="[diam]" if silent else " ".join(turn.text.split()),
                speaker_name=turn.label.strip(),
                line=turn.line,
                timestamp=turn.timestamp,
                stage_hint=turn.stage_hint,
                student_label=turn.student_label,
                is_silence=silent,
            )
        )
    language = detect_language(u.text for u in utterances if not u.is_silence)
    return Transcript(utterances, source=source, format=fmt, counselor_name=counselor_name, language=language)
