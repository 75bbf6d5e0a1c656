"""Plain-text verbatims: one utterance per line, "Speaker: text".

Trainees write these by hand, so the reader accepts what they actually write:
numbered lines ("1. K:", "12) Konseli:", "K1:"), timestamps in several forms,
stage headings, a title/identity block before the dialogue, and lines that
continue the previous utterance.  It produces ``RawTurn``s; roles are decided
later by ``speakers.resolve``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Literal

from .common import (
    RawTurn,
    check_turn_count,
    check_turn_text,
    clean_timestamp,
    is_generic_label,
    is_role_prefix,
    iter_lines,
    known_role,
    normalise_label,
    stage_heading,
)

__all__ = ["TextTurns", "read_text_turns"]

_TS_BRACKET = r"[\[(]\s*(?P<{0}>\d{{1,2}}[:.]\d{{2}}(?:[:.]\d{{2}})?(?:[.,]\d+)?)\s*[\])]"
_TS_BARE = r"(?P<{0}>\d{{1,2}}:\d{{2}}(?::\d{{2}})?(?:[.,]\d+)?)"
_TS = rf"(?:{_TS_BRACKET.format('ts1')}|{_TS_BARE.format('ts2')})\s*[-–—|]?\s*"
_LINE = re.compile(
    r"^\s*(?:[-•*–]\s+)?(?:(?P<num>\d{1,4})\s*[.)]\s+|(?P<num2>\d{1,4})\s+(?=[^\W\d_]))?"  # "1. " / "12) " / "3 "
    rf"(?:{_TS})?"
    r"[*_]*(?P<label>[^\W\d_][^:：\n]{0,39}?)[*_]*\s*[:：][*_]*\s*"
    r"(?P<text>.*)$"
)
_TS_ONLY = re.compile(rf"^\s*{_TS}$")
# Otter, Notta and Teams put the speaker and the time on one line and the words below:
# "Speaker 1  0:03", "Dina Pratiwi   00:01:05".
_NAME_TIME = re.compile(
    r"^(?P<label>[^\W\d_][^:：\n]{0,39}?)\s{1,}(?:[-–|]\s*)?"
    r"(?P<ts>\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d+)?)$"
)
_TS_LEAD = re.compile(rf"^{_TS}")

# Labels that introduce identity/header data rather than an utterance.
_META_WORDS = frozenset(  # a word block is easier to review than a list
    """
    nama name tanggal date hari day waktu time jam tempat place lokasi location kelas class
    sekolah school topik topic tema masalah problem permasalahan sesi session pertemuan meeting
    durasi duration jenis type nim nis prodi program mata dosen lecturer judul title usia umur
    age gender kelamin pendekatan approach kasus case observer pengamat keterangan catatan note
    notes kesimpulan conclusion analisis analysis evaluasi evaluation rencana supervisor
    pembimbing1 alamat address agama semester fakultas universitas identitas inisial initial
    tujuan goal
    """.split()  # noqa: SIM905
)
_HONORIFICS = frozenset(  # a word block is easier to review than a list
    """
    bu ibu pak bapak kak mbak mas dik adik mr mrs ms miss dr bro sis
    """.split()  # noqa: SIM905
)
_NAME_PUNCT = re.compile(r"[?!,;\"]")

Kind = Literal["speaker", "meta", "text", "heading", "timestamp", "skip"]


@dataclass
class _Line:
    number: int
    kind: Kind
    raw: str
    label: str = ""
    text: str = ""
    timestamp: str | None = None
    stage: str | None = None


@dataclass
class TextTurns:
    turns: list[RawTurn]
    hint: str | None  # counselor's name from the header block, if written there


def read_text_turns(text: str, *, first_line: int = 1) -> TextTurns:
    """Split a plain-text verbatim into raw turns (roles not yet decided)."""
    lines: list[_Line] = []
    speakers = 0
    for number, raw in iter_lines(text, first_line=first_line):
        line = _classify(raw, number)
        if line is None:
            continue
        if line.kind == "speaker":
            speakers += 1
            check_turn_count(speakers, number)
        lines.append(line)
    _name_lines_before_times(lines)
    header_end, hint = _header(lines)
    _demote_stray_labels(lines[header_end:])
    # A stage heading may sit above the first speaker line, inside the header block.
    stage = next((line.stage for line in reversed(lines[:header_end]) if line.kind == "heading"), None)
    return TextTurns(_turns(lines[header_end:], stage), hint)


def _classify(raw: str, number: int) -> _Line | None:
    stripped = raw.strip().strip("\ufeff")
    if not stripped:
        return None
    stage = stage_heading(stripped)
    if stage is not None:
        return _Line(number, "heading", stripped, stage=stage)
    if _TS_ONLY.match(stripped):
        match = _TS_ONLY.match(stripped)
        assert match is not None
        return _Line(number, "timestamp", stripped, timestamp=clean_timestamp(match["ts1"] or match["ts2"]))
    block = _NAME_TIME.match(stripped)
    if block and _speaker_like(block["label"].strip()):
        # The words follow on the next lines and are joined to this turn as text lines.
        return _Line(number, "speaker", stripped, label=block["label"].strip(), timestamp=clean_timestamp(block["ts"]))
    match = _LINE.match(stripped)
    if match and _speaker_like(match["label"]):
        label = match["label"].strip()
        if _is_meta(label):
            return _Line(number, "meta", stripped, label=label, text=match["text"].strip())
        body, stamp = _split_timestamp(match["text"].strip())
        stamp = stamp or _stamp(match)
        return _Line(number, "speaker", stripped, label=label, text=body, timestamp=stamp)
    return _Line(number, "text", stripped)


def _stamp(match: re.Match[str]) -> str | None:
    raw = match["ts1"] or match["ts2"]
    return clean_timestamp(raw) if raw else None


def _split_timestamp(text: str) -> tuple[str, str | None]:
    """ "[00:01:23] Selamat pagi" -> ("Selamat pagi", "00:01:23")."""
    match = _TS_LEAD.match(text)
    if not match:
        return text, None
    return text[match.end() :].strip(), clean_timestamp(match["ts1"] or match["ts2"])


def _name_lines_before_times(lines: list[_Line]) -> None:
    """Google Meet and Teams documents: a name line, a time line, then the words.

    A bare name followed by a time and then by text is a speaker heading; the time
    belongs to it (it is never utterance text).  Anything else stays as it was.
    """
    for index in range(len(lines) - 2):
        name, stamp, words = lines[index], lines[index + 1], lines[index + 2]
        if (
            name.kind == "text"
            and stamp.kind == "timestamp"
            and words.kind == "text"
            and _speaker_like(name.raw)
            and len(name.raw) <= 40
        ):
            name.kind, name.label, name.timestamp = "speaker", name.raw, stamp.timestamp
            stamp.kind = "skip"


def _speaker_like(label: str) -> bool:
    """A role prefix, a tool's placeholder ("Speaker 1"), or a name ("Bu Rina", "Dimas", "KI1")."""
    if known_role(label) is not None or is_generic_label(label):
        return True
    plain = re.sub(r"\([^)]*\)", " ", label).strip()
    words = plain.split()
    if not words or len(words) > 4 or _NAME_PUNCT.search(plain):
        return False
    return all(w[0].isupper() or w.lower().rstrip(".") in _HONORIFICS for w in words)


def _is_meta(label: str) -> bool:
    first = normalise_label(label).split()
    # "Nama Konselor: Bu Rina" is identity data even though it names a role.
    return bool(first) and first[0] in _META_WORDS and not is_role_prefix(label)


def _demote_stray_labels(lines: list[_Line]) -> None:
    """Turn rare capitalised "Word:" lines back into text when they cannot be a speaker.

    "Intinya: saya capek" inside a verbatim looks like a speaker line.  When two
    speakers are already clear, a label used only once is far more likely text than
    a third person, so it continues the previous utterance instead.
    """
    speakers = [line for line in lines if line.kind == "speaker"]
    counts = Counter(normalise_label(line.label) for line in speakers)
    known = {known_role(line.label) for line in speakers} - {None}
    names = [key for key in counts if known_role(key) is None]
    groups = len(known) + len(names)
    if groups <= 2:
        return
    for line in speakers:
        key = normalise_label(line.label)
        if key in names and counts[key] == 1:
            line.kind = "text"


def _header(lines: list[_Line]) -> tuple[int, str | None]:
    """Index of the first dialogue line, and the counselor named in the header block.

    Everything before the first speaker line is header.  "Konselor: Bu Rina" next to
    identity lines ("Tanggal: ...") is header too, not an utterance "Bu Rina".
    """
    hint: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.kind == "meta" and re.search(r"konselor|counsell?or|therapist", line.label, re.IGNORECASE):
            hint = hint or _name_value(line.text)
        if line.kind == "speaker" and not _header_role_line(lines, index):
            return index, hint
        if line.kind == "speaker" and known_role(line.label) == "counselor":
            hint = hint or _name_value(line.text)
        index += 1
    return index, hint


def _name_value(text: str) -> str | None:
    value = re.sub(r"\([^)]*\)", " ", text).strip(" .")
    return value if value and _speaker_like(value) else None


def _header_role_line(lines: list[_Line], index: int) -> bool:
    """A "Role: Name" line inside a block of identity lines."""
    if not _is_name_valued(lines[index]):
        return False
    for step in (-1, 1):
        other = index + step
        while 0 <= other < len(lines) and _is_name_valued(lines[other]):
            other += step
        if 0 <= other < len(lines) and lines[other].kind == "meta":
            return True
    return False


def _is_name_valued(line: _Line) -> bool:
    return (
        line.kind == "speaker"
        and known_role(line.label) is not None
        and _name_value(line.text) is not None
        and not line.text.rstrip().endswith((".", "?", "!"))
    )


def _turns(lines: list[_Line], stage: str | None) -> list[RawTurn]:
    turns: list[RawTurn] = []
    pending_stamp: str | None = None
    for line in lines:
        if line.kind == "heading":
            stage = line.stage
        elif line.kind == "timestamp":
            pending_stamp = line.timestamp
        elif line.kind == "speaker":
            turns.append(
                RawTurn(
                    label=line.label,
                    text=line.text,
                    line=line.number,
                    timestamp=line.timestamp or pending_stamp,
                    stage_hint=stage,
                )
            )
            pending_stamp = None
        elif line.kind == "text" and turns:
            # A line without a prefix continues the previous utterance (wrapped text,
            # a non-verbal note on its own line).
            turns[-1].text = f"{turns[-1].text} {line.raw}".strip()
            check_turn_text(turns[-1].text, turns[-1].line)
        # meta lines (and text before the first speaker) are header/notes, not dialogue
    return turns
