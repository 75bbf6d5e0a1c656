"""Transcript readers of the session-analysis engine.

``parse_file``/``parse_bytes``/``parse_text`` read a counseling transcript in any
supported format (plain text, DOCX, WebVTT, SRT, CSV, JSONL, WhatsApp chat .txt/.zip),
decide who is the counselor and return a ``Transcript``.  Anything wrong with the
input raises ``InputError`` with a message naming the file, line or column and what
was expected; a returned transcript always has at least one utterance by each side.

Every reader works under ``Limits`` (utterances per transcript, characters per
utterance, lines read) and stops at the line where one is passed, so a hostile or
mistaken upload costs bounded time and memory.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from jalin.analysis.errors import InputError
from jalin.analysis.types import Transcript, Utterance

from .common import (
    LimitExceeded,
    Limits,
    RawTurn,
    active_limits,
    check_turn_count,
    check_turn_text,
    silence_text,
    using_limits,
)
from .decoding import decode
from .docx_reader import read_docx_turns
from .language import detect_language
from .records import read_csv_turns, read_jsonl_turns
from .speakers import ROLES, read_speaker_roles, resolve
from .subtitles import looks_like_srt, read_caption_turns
from .text import read_text_turns
from .whatsapp import chat_from_zip, looks_like_whatsapp, merge_messages, read_chat_messages

__all__ = [
    "FORMATS",
    "MAX_BYTES",
    "ROLES",
    "Limits",
    "detect_language",
    "parse_bytes",
    "parse_file",
    "parse_text",
    "read_speaker_roles",
]

MAX_BYTES = 5 * 1024 * 1024
FORMATS = ("text", "docx", "vtt", "srt", "csv", "jsonl", "whatsapp")
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
    ".zip": "whatsapp",
}
_SNIFFED_EXTENSIONS = {"text", ""}  # "notes.txt" may well hold a saved .vtt; sniff those
_CSV_HEADER_WORDS = ("speaker", "interlocutor", "text", "utterance", "pembicara", "pernyataan", "role")


def parse_file(
    path: str | os.PathLike[str],
    *,
    counselor: str | None = None,
    fmt: str | None = None,
    roles: dict[str, str] | None = None,
    limits: Limits | None = None,
) -> Transcript:
    """Read a transcript file; the format comes from ``fmt``, the extension or the content.

    ``counselor`` names the counselor as written; ``roles`` maps speaker labels to
    "counselor", "counselee" or "other" (see ``read_speaker_roles``).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise _too_large(path.name, size)
        data = path.read_bytes()
    except OSError:
        raise InputError(path.name, "file_not_found") from None
    return parse_bytes(data, path.name, counselor=counselor, fmt=fmt, roles=roles, limits=limits)


def parse_bytes(
    data: bytes,
    filename: str,
    *,
    counselor: str | None = None,
    fmt: str | None = None,
    roles: dict[str, str] | None = None,
    limits: Limits | None = None,
    guess_others: bool = False,
) -> Transcript:
    """Read an uploaded transcript (``filename`` is used for the format and in messages).

    ``guess_others``: more than two speakers are guessed (see ``speakers.resolve``)
    instead of refused, for a caller that lets the user confirm the roles.
    """
    source = os.path.basename(filename) or "<upload>"
    if len(data) > MAX_BYTES:
        if source.lower().endswith(".zip"):
            raise InputError(source, "zip_too_large", size_mb=round(len(data) / 2**20, 1),
                             limit_mb=MAX_BYTES // 2**20)
        raise _too_large(source, len(data))
    if not data.strip():
        raise InputError(source, "empty_file")
    with using_limits(limits), _limit_errors(source), _guessing(guess_others):
        fmt = _format(data, source, fmt)
        if fmt == "docx":
            found = read_docx_turns(data, source)
            return _build(found.turns, source, "docx", counselor, found.hint, roles)
        text = chat_from_zip(data, source, MAX_BYTES) if fmt == "whatsapp" and data[:4] == b"PK\x03\x04" else None
        text = decode(data, source) if text is None else text
        return _parse_decoded(text, source, fmt, counselor, roles)


def parse_text(
    text: str,
    *,
    source: str = "<text>",
    counselor: str | None = None,
    roles: dict[str, str] | None = None,
    limits: Limits | None = None,
    guess_others: bool = False,
) -> Transcript:
    """Read a transcript given as a string (pasted into a form); the format is sniffed."""
    if len(text) > MAX_BYTES:
        raise _too_large(source, len(text))
    if not text.strip():
        raise InputError(source, "empty_file")
    with using_limits(limits), _limit_errors(source), _guessing(guess_others):
        return _parse_decoded(text, source, _sniff_text(text), counselor, roles)


class _limit_errors:
    """Turn a reader's ``LimitExceeded`` into an ``InputError`` naming the file and line."""

    def __init__(self, source: str) -> None:
        self.source = source

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, LimitExceeded):
            raise InputError(self.source, exc.kind, line=exc.line, limit=exc.limit, **exc.params) from None


_GUESS_OTHERS: ContextVar[bool] = ContextVar("jalin_guess_others", default=False)


@contextmanager
def _guessing(enabled: bool) -> Iterator[None]:
    token = _GUESS_OTHERS.set(enabled)
    try:
        yield
    finally:
        _GUESS_OTHERS.reset(token)


def _parse_decoded(
    text: str, source: str, fmt: str, counselor: str | None, roles: dict[str, str] | None
) -> Transcript:
    if not text.strip():
        raise InputError(source, "empty_file")
    if fmt == "text" or fmt in _SNIFFED_EXTENSIONS:
        fmt = _sniff_text(text)
    if fmt in ("vtt", "srt"):
        return _build(read_caption_turns(text), source, fmt, counselor, None, roles)
    if fmt == "csv":
        return _build(read_csv_turns(text, source), source, fmt, counselor, None, roles)
    if fmt == "jsonl":
        return _build(read_jsonl_turns(text, source), source, fmt, counselor, None, roles)
    if fmt == "whatsapp":
        chat = read_chat_messages(text, source)
        transcript = _build(merge_messages(chat.messages), source, fmt, counselor, None, roles)
        transcript.skipped = dict(chat.skipped)
        return transcript
    found = read_text_turns(text)
    return _build(found.turns, source, "text", counselor, found.hint, roles)


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
    if looks_like_whatsapp(head):
        return "whatsapp"
    first = head[:4096].splitlines()[0].lower() if head else ""
    # "Konselor: ya, terus?" is dialogue, not a CSV header, hence the colon test.
    has_separator = any(sep in first for sep in ",;\t")
    if has_separator and ":" not in first and any(word in first for word in _CSV_HEADER_WORDS):
        return "csv"
    return "text"


def _too_large(source: str, size: int) -> InputError:
    return InputError(source, "too_large", size_mb=round(size / 2**20, 1), limit_mb=MAX_BYTES // 2**20)


def _build(
    turns: list[RawTurn],
    source: str,
    fmt: str,
    counselor: str | None,
    hint: str | None,
    label_roles: dict[str, str] | None = None,
) -> Transcript:
    turns = [turn for turn in turns if turn.text.strip()]
    if not turns:
        raise InputError(source, "no_dialogue")
    # Every reader checks while reading; this catches a reader that forgot, at no real cost.
    check_turn_count(len(turns), turns[min(len(turns), active_limits().utterances + 1) - 1].line)
    for turn in turns:
        check_turn_text(turn.text, turn.line)
    decision = resolve(
        turns, source, counselor=counselor, hint=hint, roles=label_roles, guess_others=_GUESS_OTHERS.get()
    )
    utterances: list[Utterance] = []
    others: list[Utterance] = []
    for turn, role in zip(turns, decision.roles, strict=True):
        silent = silence_text(turn.text)
        target = others if role == "other" else utterances
        target.append(
            Utterance(
                index=len(target),
                speaker=role,  # type: ignore[arg-type]  # "other" only ever lands in ``others``
                text="[diam]" if silent else " ".join(turn.text.split()),
                speaker_name=turn.label.strip(),
                line=turn.line,
                timestamp=turn.timestamp,
                stage_hint=turn.stage_hint,
                student_label=turn.student_label,
                is_silence=silent,
                sent_at=turn.sent_at,
                sent_until=turn.sent_until,
            )
        )
    language = detect_language(u.text for u in utterances if not u.is_silence)
    return Transcript(
        utterances,
        source=source,
        format=fmt,
        counselor_name=decision.counselor_name,
        language=language,
        others=others,
        speaker_roles=decision.label_roles,
        roles_guessed=decision.guessed,
    )
