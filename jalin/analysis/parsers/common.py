"""Pieces shared by every reader: raw turns, speaker roles, silences, stages, timestamps.

Each reader turns its format into a list of ``RawTurn`` (who spoke as written, what
was said, where); ``speakers.resolve`` then decides who is the counselor and
``build_transcript`` makes the final ``Transcript``.  Keeping the format-specific
part that thin means every format gets the same speaker inference and checks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jalin.analysis.types import Speaker

__all__ = [
    "EXPECTED_PREFIXES",
    "RawTurn",
    "clean_timestamp",
    "is_role_prefix",
    "known_role",
    "normalise_label",
    "silence_text",
    "stage_heading",
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
    """Lower-case, collapse spaces, drop a verbatim number ("KI12" -> "ki")."""
    label = " ".join(label.replace("*", " ").split()).strip(" .-_")
    return _TRAILING_NUMBER.sub("", label).lower()


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
