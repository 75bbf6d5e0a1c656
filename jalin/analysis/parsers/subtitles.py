"""WebVTT and SRT captions from online meetings (Zoom, Teams, Meet).

Teams writes the speaker as ``<v Name>``; Zoom writes ``Name: text``.  Each cue is
one utterance, even when the same person speaks in several cues in a row: that
is how the meeting software split the talk and the analysis counts turns.  A cue
without a speaker continues the previous one (captions wrapped into two cues).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .common import RawTurn, check_turn_count, check_turn_text, clean_timestamp, iter_lines
from .text import _speaker_like

__all__ = ["looks_like_srt", "read_caption_turns"]

_TIMING = re.compile(r"^\s*(?P<start>[\d:.,]+)\s*-->\s*(?P<end>[\d:.,]+)")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+(?P<name>[^>]+)>", re.IGNORECASE)
_TAG = re.compile(r"</?[^>]{1,60}>")
_NAME_COLON = re.compile(r"^(?P<name>[^:：]{1,40}?)\s*[:：]\s*(?P<text>.+)$")
_BLOCK_KEYWORDS = ("NOTE", "STYLE", "REGION")


def looks_like_srt(text: str) -> bool:
    lines = [line for line in text.lstrip("\ufeff")[:2048].splitlines() if line.strip()][:2]
    return len(lines) == 2 and lines[0].strip().isdigit() and bool(_TIMING.match(lines[1]))


def read_caption_turns(text: str) -> list[RawTurn]:
    """Turns from VTT or SRT text (both are blocks of: [id] timing text...)."""
    turns: list[RawTurn] = []
    for block in _blocks(text):
        turn = _cue(block)
        if turn is None:
            continue
        if not turn.label and turns:
            turns[-1].text = f"{turns[-1].text} {turn.text}".strip()
            check_turn_text(turns[-1].text, turns[-1].line)
        else:
            check_turn_text(turn.text, turn.line)
            turns.append(turn)
            check_turn_count(len(turns), turn.line)
    # Captions without any speaker names are not a dialogue we can attribute.
    return turns if any(turn.label for turn in turns) else []


def _blocks(text: str) -> Iterator[list[tuple[int, str]]]:
    """Blank-line separated blocks as (line number, line) pairs, read lazily."""
    block: list[tuple[int, str]] = []
    for number, line in iter_lines(text.lstrip("\ufeff")):
        if line.strip():
            block.append((number, line.rstrip()))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _cue(block: list[tuple[int, str]]) -> RawTurn | None:
    timing_at = next((i for i, (_, line) in enumerate(block) if _TIMING.match(line)), None)
    first = block[0][1].strip()
    if timing_at is None or first.startswith(_BLOCK_KEYWORDS) or first.startswith("WEBVTT"):
        return None  # header, NOTE/STYLE block, or stray text outside a cue
    timing = _TIMING.match(block[timing_at][1])
    assert timing is not None
    body = block[timing_at + 1 :]
    if not body:
        return None
    raw = " ".join(line.strip() for _, line in body)
    label, words = _speaker(raw)
    if not words:
        return None
    return RawTurn(
        label=label,
        text=words,
        line=body[0][0],
        timestamp=_stamp(timing["start"]),
    )


def _speaker(raw: str) -> tuple[str, str]:
    voice = _VOICE.search(raw)
    if voice:
        return voice["name"].strip(), " ".join(_TAG.sub(" ", raw).split())
    plain = " ".join(_TAG.sub(" ", raw).split())
    match = _NAME_COLON.match(plain)
    if match and _speaker_like(match["name"]):
        return match["name"].strip(), match["text"].strip()
    return "", plain


def _stamp(raw: str) -> str | None:
    """ "00:01:23.450" -> "00:01:23"; VTT allows "01:23.450" without hours."""
    value = raw.replace(",", ".").split(".")[0] if raw.count(":") else raw
    if value.count(":") == 1:
        value = f"00:{value}"
    return clean_timestamp(value)
