"""WhatsApp chat exports ("Export chat" → .txt, or the .zip WhatsApp makes).

Two layouts exist, and each follows the phone's language and region settings:

* Android: ``04/12/26 10.15 - Kak Dina: halo`` (Indonesian), ``12/4/26, 10:15 AM - Dina: hi``
  (English, US), ``04/12/2026, 10:15 - Dina: hi`` (English, UK).
* iPhone: ``[04/12/26 10.15.32] Kak Dina: halo``, ``[12/4/26, 10:15:32 AM] Dina: hi``;
  attachments and notices start with a left-to-right mark (U+200E).

Dates are d/m/y, m/d/y or y-m-d; the order is decided once per file from the dates
themselves (a day above 12, or the order under which the dates never go backwards;
12-hour clocks suggest m/d/y).  Times use ``.`` or ``:``, with or without seconds,
24-hour or with AM/PM (often after a narrow no-break space, U+202F).  A line without
a header continues the message above (messages may span lines).

System lines (the end-to-end encryption notice, someone joined or left, missed
calls), omitted media and deleted messages are skipped and counted, never analysed.

**Merging rule.** Chat partners send bursts of short messages.  Consecutive
messages of one sender become one utterance while each follows the previous one
within ``MERGE_GAP`` (3 minutes) and nobody else wrote in between; the utterance
keeps the time of its first message and the number of messages merged.
"""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from jalin.analysis.errors import InputError

from .common import RawTurn, check_turn_count, check_turn_text, iter_lines

__all__ = [
    "MERGE_GAP",
    "ChatMessage",
    "ChatRead",
    "chat_from_zip",
    "looks_like_whatsapp",
    "merge_messages",
    "read_chat_messages",
]

MERGE_GAP = timedelta(minutes=3)
_MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\ufeff"
_DATE = r"(?P<date>\d{1,4}[./-]\d{1,2}[./-]\d{1,4})"
_TIME = r"(?P<time>\d{1,2}[.:]\d{2}(?:[.:]\d{2})?)(?:\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?))?"
_ANDROID = re.compile(rf"^[{_MARKS}]*{_DATE},?\s+{_TIME}\s+[-–]\s(?P<rest>.*)$")
_IPHONE = re.compile(rf"^[{_MARKS}]*\[{_DATE},?\s+{_TIME}\]\s(?P<rest>.*)$")
_SENDER = re.compile(r"^(?P<sender>[^:\n]{1,80}?):\s?(?P<text>.*)$", re.DOTALL)
_EDITED = re.compile(r"\s*<(?:this message was edited|pesan ini diedit|pesan ini telah diedit)>\s*$", re.IGNORECASE)

# What WhatsApp writes instead of a message; matched on the whole text (marks removed).
_MEDIA = re.compile(
    r"^(?:<media (?:tidak disertakan|omitted)>|<(?:lampiran|attached): [^>]*>|"
    r"(?:image|video|audio|sticker|gif|document|contact card|file) omitted|"
    r"(?:gambar|video|audio|stiker|gif|dokumen|kartu kontak|berkas) tidak disertakan|"
    r".{1,200}\((?:file attached|file terlampir|berkas terlampir)\))$",
    re.IGNORECASE,
)
_DELETED = re.compile(
    r"^(?:pesan ini (?:telah )?dihapus|this message was deleted|you deleted this message|"
    r"anda menghapus pesan ini)\.?$",
    re.IGNORECASE,
)
_NOTICE = re.compile(
    r"end-to-end|(?:missed|tak terjawab).*(?:call|panggilan)|panggilan (?:suara|video) tak terjawab|"
    r"missed (?:voice|video) call|waiting for this message|menunggu pesan ini",
    re.IGNORECASE,
)


@dataclass
class ChatMessage:
    """One chat message as exported."""

    sender: str
    sent_at: datetime
    text: str
    line: int
    has_seconds: bool = False


@dataclass
class ChatRead:
    messages: list[ChatMessage]
    skipped: Counter[str] = field(default_factory=Counter)  # system, media, deleted


@dataclass
class _Header:
    line: int
    date: tuple[str, str, str]
    time: str
    ampm: str | None
    rest: str


def looks_like_whatsapp(text: str) -> bool:
    """True when the first non-empty lines are WhatsApp message headers."""
    seen = 0
    for _, line in iter_lines(text[:8192]):
        if not line.strip():
            continue
        seen += 1
        if _header_match(line):
            return True
        if seen >= 3:
            return False
    return False


def read_chat_messages(text: str, source: str = "<chat>") -> ChatRead:
    """Every message in order, with its sender, date and time; system lines are counted, not kept."""
    order = _date_order(_headers(text), source)
    skipped: Counter[str] = Counter()
    messages: list[ChatMessage] = []
    current: _Header | None = None
    body: list[str] = []
    for number, line in iter_lines(text):
        match = _header_match(line)
        if match is None:
            if current is not None:
                body.append(line)
            continue
        if current is not None:
            _finish(current, body, order, source, messages, skipped)
        current, body = _header(match, number), []
    if current is not None:
        _finish(current, body, order, source, messages, skipped)
    return ChatRead(messages, skipped)


def merge_messages(messages: list[ChatMessage], gap: timedelta = MERGE_GAP) -> list[RawTurn]:
    """Consecutive messages of one sender, each within ``gap`` of the one before, become one turn."""
    turns: list[RawTurn] = []
    last: ChatMessage | None = None
    for message in messages:
        if last is not None and message.sender == last.sender and timedelta(0) <= message.sent_at - last.sent_at <= gap:
            turn = turns[-1]
            turn.text = f"{turn.text}\n{message.text}"
            turn.messages += 1
            turn.sent_until = message.sent_at.isoformat(timespec="seconds")
            check_turn_text(turn.text, turn.line)
        else:
            stamp = message.sent_at.strftime("%H:%M:%S" if message.has_seconds else "%H:%M")
            turns.append(
                RawTurn(
                    label=message.sender,
                    text=message.text,
                    line=message.line,
                    timestamp=stamp,
                    sent_at=message.sent_at.isoformat(timespec="seconds"),
                    sent_until=message.sent_at.isoformat(timespec="seconds"),
                )
            )
            check_turn_count(len(turns), message.line)
        last = message
    return turns


def chat_from_zip(data: bytes, source: str, max_bytes: int) -> str:
    """The chat text inside a WhatsApp .zip export (media files in it are never read)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [info for info in archive.infolist() if info.filename.lower().endswith(".txt")]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise InputError(source, "zip_corrupt") from None
    if not members:
        raise InputError(source, "zip_without_chat")

    def rank(info: zipfile.ZipInfo) -> int:
        name = info.filename.rsplit("/", 1)[-1].lower()
        return 0 if name == "_chat.txt" or "whatsapp" in name else 1

    member = min(members, key=rank)
    if member.file_size > max_bytes:
        raise InputError(
            source, "too_large", size_mb=round(member.file_size / 2**20, 1), limit_mb=max_bytes // 2**20
        )
    try:
        with archive.open(member) as handle:
            raw = handle.read(max_bytes + 1)  # the size in the header may lie (zip bomb)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        raise InputError(source, "zip_corrupt") from None
    if len(raw) > max_bytes:
        raise InputError(source, "too_large", size_mb=round(len(raw) / 2**20, 1), limit_mb=max_bytes // 2**20)
    from .decoding import decode

    return decode(raw, source)


# --- internals ------------------------------------------------------------------------
def _header_match(line: str) -> re.Match[str] | None:
    return _ANDROID.match(line) or _IPHONE.match(line)


def _header(match: re.Match[str], number: int) -> _Header:
    parts = re.split(r"[./-]", match["date"])
    return _Header(number, (parts[0], parts[1], parts[2]), match["time"], match["ampm"], match["rest"])


def _headers(text: str) -> Iterator[_Header]:
    for number, line in iter_lines(text):
        match = _header_match(line)
        if match is not None:
            yield _header(match, number)


_ORDERS = ("dmy", "mdy", "ymd")


def _date_order(headers: Iterator[_Header], source: str) -> str:
    """Which of d/m/y, m/d/y, y/m/d the file uses, decided from all its dates."""
    distinct: dict[tuple[str, str, str], int] = {}
    twelve_hour = False
    for header in headers:
        distinct.setdefault(header.date, header.line)
        twelve_hour = twelve_hour or header.ampm is not None
    if not distinct:
        raise InputError(source, "no_dialogue")
    valid = [order for order in _ORDERS if all(_to_date(d, order) for d in distinct)]
    if not valid:
        bad = next(line for d, line in distinct.items() if not any(_to_date(d, o) for o in _ORDERS))
        first = min(distinct.values())
        raise InputError(source, "chat_date_style", line=bad if bad else first)
    if len(valid) == 1:
        return valid[0]

    def backwards(order: str) -> int:
        dates = [_to_date(d, order) for d in distinct]
        return sum(1 for a, b in itertools.pairwise(dates) if a and b and b < a)

    fewest = min(backwards(order) for order in valid)
    valid = [order for order in valid if backwards(order) == fewest]
    if len(valid) == 1:
        return valid[0]
    # Still undecided (every day ≤ 12, dates in order both ways): US phones use m/d with a
    # 12-hour clock, Indonesian and most other phones d/m with a 24-hour clock.
    return "mdy" if twelve_hour and "mdy" in valid else valid[0]


def _to_date(parts: tuple[str, str, str], order: str) -> date | None:
    values = dict(zip(order, parts, strict=True))
    year_text = values["y"]
    if order != "ymd" and len(parts[0]) > 2:
        return None
    if order == "ymd" and len(year_text) != 4:
        return None
    year = int(year_text) + (2000 if len(year_text) <= 2 else 0)
    try:
        return date(year, int(values["m"]), int(values["d"]))
    except ValueError:
        return None


def _finish(
    header: _Header,
    body: list[str],
    order: str,
    source: str,
    messages: list[ChatMessage],
    skipped: Counter[str],
) -> None:
    sent_at = _when(header, order, source)
    match = _SENDER.match(header.rest)
    if match is None:
        skipped["system"] += 1  # "Kak Dina menambahkan Rara", "Rara left": no "Name:" part
        return
    sender = match["sender"].strip(_MARKS + " ")
    text = "\n".join([match["text"], *body])
    text = _EDITED.sub("", text)
    plain = text.strip(_MARKS + " \t")
    if text.lstrip(" ").startswith(("\u200e", "\u200f")) or not plain:
        # iPhone marks attachments and notices with a left-to-right mark.
        skipped[_kind(plain) or "system"] += 1
        return
    kind = _kind(plain)
    if kind is not None:
        skipped[kind] += 1
        return
    seconds = len(re.split(r"[.:]", header.time)) == 3
    messages.append(ChatMessage(sender, sent_at, plain, header.line, has_seconds=seconds))
    check_turn_text(plain, header.line)


def _kind(text: str) -> str | None:
    # Android writes a view-once photo as the bare word "null", always in lower case.
    if text == "null" or _MEDIA.match(text):
        return "media"
    if _DELETED.match(text):
        return "deleted"
    if _NOTICE.search(text) and len(text) < 300:
        return "system"
    return None


def _when(header: _Header, order: str, source: str) -> datetime:
    day = _to_date(header.date, order)
    parts = [int(p) for p in re.split(r"[.:]", header.time)]
    hour, minute, second = parts[0], parts[1], parts[2] if len(parts) == 3 else 0
    if header.ampm:
        pm = header.ampm.lower().startswith("p")
        if not 1 <= hour <= 12:
            raise InputError(source, "chat_date_style", line=header.line)
        hour = hour % 12 + (12 if pm else 0)
    if day is None or hour > 23 or minute > 59 or second > 59:
        raise InputError(source, "chat_date_style", line=header.line)
    return datetime(day.year, day.month, day.day, hour, minute, second)
