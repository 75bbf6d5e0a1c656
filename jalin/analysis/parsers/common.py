"""Pieces shared by every reader: raw turns, speaker roles, silences, stages, timestamps.

Each reader turns its format into a list of ``RawTurn`` (who spoke as written, what
was said, where); ``speakers.resolve`` then decides who is the counselor and
``build_transcript`` makes the final ``Transcript``.  Keeping the format-specific
part that thin means every format gets the same speaker inference and checks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from jalin.analysis.types import Speaker

__all__ = [
    "EXPECTED_PREFIXES",
    "LimitExceeded",
    "Limits",
    "RawTurn",
    "active_limits",
    "check_turn_count",
    "check_turn_text",
    "clean_timestamp",
    "is_generic_label",
    "is_role_prefix",
    "iter_lines",
    "known_role",
    "normalise_label",
    "silence_text",
    "stage_heading",
    "using_limits",
]

EXPECTED_PREFIXES = ("Konselor:/Konseli:", "K:/KI:", "Counselor:/Client:", "Bu Rina:/Dimas:")


@dataclass
class RawTurn:
    """One utterance as found in the source, before roles are decided."""

    label: str  # speaker as written ("K", "Bu Rina", "Counselor"); "" if none
    text: str
    line: int | None = None
    timestamp: str | None = None
    stage_hint: str | None = None
    student_label: str | None = None
    role: Speaker | None = None  # set when the source says it outright (table column)
    sent_at: str | None = None  # ISO date and time of a chat message ("2026-12-04T10:15:32")
    sent_until: str | None = None  # time of the last chat message merged into this turn
    messages: int = 1  # chat messages merged into this turn


# --- limits ------------------------------------------------------------------------
# A transcript is one counseling session: even a long chat session stays far below
# these.  They are enforced while reading, so a hostile or mistaken upload (868k
# paragraphs in a 270 KB DOCX, a 100k-character line) is refused after reading at
# most ``utterances`` turns, never after building a huge list first.
@dataclass(frozen=True)
class Limits:
    """Upper bounds on one transcript; each reader stops as soon as one is passed."""

    utterances: int = 5_000  # utterances (turns) per transcript
    utterance_chars: int = 10_000  # characters in one utterance (and in one input line)
    lines: int = 100_000  # physical lines, paragraphs or table rows read from the input


_ACTIVE_LIMITS: ContextVar[Limits] = ContextVar("jalin_parse_limits", default=Limits())  # noqa: B039


class LimitExceeded(Exception):
    """Raised by a reader at the line where a limit is passed; ``parse_*`` adds the file name."""

    def __init__(self, kind: str, line: int | None, limit: int, **params: object) -> None:
        self.kind, self.line, self.limit, self.params = kind, line, limit, params
        super().__init__(kind)


def active_limits() -> Limits:
    return _ACTIVE_LIMITS.get()


@contextmanager
def using_limits(limits: Limits | None) -> Iterator[Limits]:
    """Apply ``limits`` (or the defaults) to every reader called inside the block."""
    token = _ACTIVE_LIMITS.set(limits or Limits())
    try:
        yield _ACTIVE_LIMITS.get()
    finally:
        _ACTIVE_LIMITS.reset(token)


def check_turn_count(count: int, line: int | None) -> None:
    """Refuse the transcript once ``count`` turns exceed the limit (``line`` is where)."""
    limit = active_limits().utterances
    if count > limit:
        raise LimitExceeded("too_many_utterances", line, limit)


def check_turn_text(text: str, line: int | None) -> None:
    """Refuse an utterance longer than the limit (``line`` is where it starts)."""
    limit = active_limits().utterance_chars
    if len(text) > limit:
        raise LimitExceeded("utterance_too_long", line, limit, chars=len(text))


# Exactly the line boundaries of ``str.splitlines``, found lazily so a huge input is
# never copied into a list of lines.
_LINE_BREAK = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def iter_lines(text: str, *, first_line: int = 1) -> Iterator[tuple[int, str]]:
    """(line number, line) pairs without building a list; refuses over-long lines and too many lines."""
    limits = active_limits()
    start, number = 0, first_line
    for match in _LINE_BREAK.finditer(text):
        yield number, _bounded_line(text, start, match.start(), number, first_line, limits)
        start, number = match.end(), number + 1
    if start < len(text):
        yield number, _bounded_line(text, start, len(text), number, first_line, limits)


def _bounded_line(text: str, start: int, end: int, number: int, first_line: int, limits: Limits) -> str:
    if number - first_line >= limits.lines:
        raise LimitExceeded("too_many_lines", number, limits.lines)
    if end - start > limits.utterance_chars:
        raise LimitExceeded("utterance_too_long", number, limits.utterance_chars, chars=end - start)
    return text[start:end]


# Prefixes that name a role outright.  Keys are normalised (lower case, single spaces,
# no trailing digits).  "K" is konselor and "KI"/"Ki"/"Kl" konseli, as in Indonesian
# verbatims; "C" is decided in ``known_role`` because it means client next to "T"
# but counselor next to "Cl".
_ROLES: dict[str, Speaker] = {
    **dict.fromkeys(
        [
            "konselor",
            "konsélor",
            "k",
            "ko",
            "kr",
            "kons",
            "counselor",
            "counsellor",
            "counselour",
            "therapist",
            "terapis",
            "t",
            "th",
            "co",
            "cou",
            "guru bk",
            "guru",
            "gbk",
            "bk",
            "guru pembimbing",
            "pembimbing",
            "konselor sebaya",
            "psikolog",
            "psychologist",
            "g",
            "interviewer",
            "pewawancara",
            "helper",
            "konselor praktikan",
            "praktikan",
        ],
        "counselor",
    ),
    **dict.fromkeys(
        [
            "konseli",
            "ki",
            "kl",
            "kli",
            "klien",
            "client",
            "c",
            "cl",
            "cli",
            "counselee",
            "siswa",
            "murid",
            "peserta didik",
            "pasien",
            "patient",
            "s",
            "mahasiswa",
            "mhs",
            "konseli sebaya",
            "interviewee",
            "helpee",
        ],
        "counselee",
    ),
}

# Role words that may appear inside a longer label, e.g. "Rina Wulandari (Guru BK)".
_ROLE_WORDS: tuple[tuple[re.Pattern[str], Speaker], ...] = (
    (
        re.compile(r"\b(konselor|counsell?or|therapist|terapis|guru bk|guru pembimbing)\b", re.IGNORECASE),
        "counselor",
    ),
    (
        re.compile(r"\b(konseli|klien|client|counselee|siswa|student|murid|patient|pasien)\b", re.IGNORECASE),
        "counselee",
    ),
)

_TRAILING_NUMBER = re.compile(r"[\s\-_.#]*\d+$")


def normalise_label(label: str) -> str:
    """Lower-case, collapse spaces, drop a verbatim number after a role prefix ("KI12" -> "ki").

    The number stays on anything else: "Speaker 1" and "Speaker 2" (or "SPEAKER_00"
    and "SPEAKER_01") are two people, not one.
    """
    label = " ".join(label.replace("*", " ").split()).strip(" .-_").lower()
    bare = _TRAILING_NUMBER.sub("", label)
    return bare if bare in _ROLES or not bare else label


# Labels that transcription tools give when they do not know the name.
_GENERIC_LABEL = re.compile(
    r"^(?:speaker|pembicara|peserta|participant|partisipan|guest|tamu|host|unknown speaker|"
    r"pembicara tidak dikenal|spk|orang|person)(?:[\s_\-#]*(?:\d{1,3}|[a-z]))?$",
    re.IGNORECASE,
)


def is_generic_label(label: str) -> bool:
    """True for a tool's placeholder ("Speaker 1", "Pembicara 2", "SPEAKER_00", "Guest")."""
    return bool(_GENERIC_LABEL.match(" ".join(label.split())))


def is_role_prefix(label: str) -> bool:
    """True for a bare role prefix ("K", "Konseli", "Guru BK"), not a name containing a role word."""
    return normalise_label(label) in _ROLES


def known_role(label: str, *, c_means_counselor: bool = False) -> Speaker | None:
    """The role a prefix names outright, or None for names and unknown labels."""
    key = normalise_label(label)
    if key == "c" and c_means_counselor:
        return "counselor"
    if key in _ROLES:
        return _ROLES[key]
    # A name with the role in brackets or after a dash: "Rina (Konselor)", "Dimas - siswa".
    hits = {role for pattern, role in _ROLE_WORDS if pattern.search(label)}
    return hits.pop() if len(hits) == 1 else None


# --- silences ----------------------------------------------------------------
_SILENCE = re.compile(
    r"^[\[(<{]?\s*(diam|silence|silent|hening|jeda|pause|tidak menjawab|no answer|no response)"
    r"(\s*\d+\s*(detik|dtk|s|sec|seconds?|menit))?\s*[\])>}]?\.*$|^(\.{2,}|…+)$",
    re.IGNORECASE,
)


def silence_text(text: str) -> bool:
    """True when the utterance is only a silence marker ("[diam]", "(silence)", "...", "…")."""
    return bool(_SILENCE.match(text.strip()))


# --- stage headings -------------------------------------------------------------
_STAGE_WORDS: dict[str, str] = {
    "awal": "awal",
    "pembukaan": "awal",
    "pembuka": "awal",
    "initial": "awal",
    "opening": "awal",
    "beginning": "awal",
    "early": "awal",
    "pendahuluan": "awal",
    "inti": "inti",
    "kerja": "inti",
    "pertengahan": "inti",
    "tengah": "inti",
    "working": "inti",
    "middle": "inti",
    "core": "inti",
    "akhir": "akhir",
    "penutup": "akhir",
    "penutupan": "akhir",
    "tindakan": "akhir",
    "final": "akhir",
    "closing": "akhir",
    "ending": "akhir",
    "termination": "akhir",
}
_STAGE = re.compile(
    r"^[#*_\s]*(?:(?:[A-Za-z]|[IVXivx]+|\d+)[.)]\s*)?[*_\s]*"
    r"(?:(?:tahap|tahapan|fase|stage|phase)\s+(?P<a>\w+)|(?P<b>\w+)\s+(?:stage|phase))"
    r"(?:\s*(?:[(:/\-–—].*)?)?[*_\s]*$",
    re.IGNORECASE,
)


def stage_heading(line: str) -> str | None:
    """The stage id ("awal", "inti", "akhir") if the line is a stage heading, else None."""
    match = _STAGE.match(line.strip())
    if not match:
        return None
    word = (match.group("a") or match.group("b")).lower()
    return _STAGE_WORDS.get(word)


# --- timestamps -----------------------------------------------------------------
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:[.,]\d+)?$")


def clean_timestamp(raw: str) -> str | None:
    """Normalise "0:01:23", "10.15", "00:01:23,500" to "00:01:23"/"10:15"; None if not a time."""
    match = _TIME.match(raw.strip())
    if not match:
        return None
    first, second, third = match.groups()
    if third is None:
        return f"{int(first):02d}:{second}"
    return f"{int(first):02d}:{second}:{third}"
