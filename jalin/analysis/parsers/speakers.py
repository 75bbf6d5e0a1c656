"""Decide which speaker is the counselor.

Role prefixes ("Konselor", "K", "Client") say it outright.  With people's names we
weigh the cues counselors are taught to show and trainees write down: the
counselor opens and greets, asks most of the questions, talks about the process
(kerahasiaan, sesi, konseling), carries an honorific (Bu/Pak/Kak + name) and is
addressed as "Bu"/"Pak" by the counselee.  When the cues tie we refuse to guess
and ask the user to name the counselor: a swapped transcript would turn the
whole analysis upside down.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence

from jalin.analysis.errors import InputError
from jalin.analysis.types import Speaker

from .common import EXPECTED_PREFIXES, RawTurn, known_role, normalise_label

__all__ = ["resolve"]

_HONORIFIC_LABEL = re.compile(r"^(bu|ibu|pak|bapak|kak|mr|mrs|ms|miss|dr|drs|prof)\.?\s+\S", re.IGNORECASE)
# Vocative forms only: counselors call themselves "Ibu"/"Bapak" ("Ibu sampaikan ..."), so
# the long forms count only after a comma or at the end ("Iya, Ibu.", "Terima kasih Bapak").
_ADDRESS = re.compile(
    r"\b(bu|pak|miss|sir|ma'?am)\b|,\s*(ibu|bapak)\b|\b(ibu|bapak)\s*[.!?]*\s*$", re.IGNORECASE
)
_GREETING = re.compile(
    r"\b(selamat (pagi|siang|sore|malam|datang)|assalamu'?alaikum|halo|hai|silakan|silahkan|"
    r"good (morning|afternoon|evening)|welcome|hello|hi)\b",
    re.IGNORECASE,
)
_QUESTION_START = re.compile(
    r"^\s*(apa|apakah|bagaimana|gimana|kenapa|mengapa|kapan|siapa|di ?mana|coba ceritakan|"
    r"bisa (kamu )?(ceritakan|jelaskan)|what|how|why|when|who|where|could you|can you|tell me)\b",
    re.IGNORECASE,
)
_PROCESS = re.compile(
    r"\b(kerahasiaan|rahasia|konseling|sesi|pertemuan|kontrak|menit|confidential\w*|session|"
    r"counsell?ing|minutes)\b",
    re.IGNORECASE,
)
_COUNSELEE_LABELS = {"cl", "cli", "client", "klien", "kl", "kli", "ki", "konseli"}
_COUNSELOR_LABELS = {"co", "counselor", "counsellor", "konselor", "t", "th", "therapist", "k"}


def resolve(
    turns: Sequence[RawTurn],
    source: str,
    *,
    counselor: str | None = None,
    hint: str | None = None,
) -> tuple[list[Speaker], str]:
    """Give every turn a role; return the roles (in turn order) and the counselor's name.

    ``counselor`` is what the user said and must match a speaker; ``hint`` is a name
    read from the transcript header ("Konselor: Bu Rina") and is used only if it does.
    """
    if not turns:
        raise InputError(source, "no_dialogue")
    labels = _labels_in_order(turns, source)
    keys = {normalise_label(label) for label in labels}
    c_means_counselor = bool(keys & _COUNSELEE_LABELS) and not keys & _COUNSELOR_LABELS
    roles: dict[str, Speaker] = {}
    for label in labels:
        role = known_role(label, c_means_counselor=c_means_counselor)
        if role is not None:
            roles[_key(label)] = role

    names = [label for label in labels if _key(label) not in roles]
    wanted = counselor or hint
    if wanted and (match := _find(wanted, labels)) is not None:
        _assign_named(match, labels, roles, source)
    elif counselor and names:
        raise InputError(source, "counselor_not_found", counselor=counselor, speakers=labels)
    else:
        _assign_unnamed(names, roles, turns, source)

    result: list[Speaker] = [t.role or roles[_key(t.label)] for t in turns]
    _check_both(result, turns, source)
    counselor_name = counselor or hint or _first_label(turns, result, "counselor")
    return result, counselor_name


def _key(label: str) -> str:
    return normalise_label(label)


def _labels_in_order(turns: Sequence[RawTurn], source: str) -> list[str]:
    """Distinct labels (first spelling wins) of the turns whose role is not yet known."""
    seen: dict[str, str] = {}
    for turn in turns:
        if turn.role is None:
            if not turn.label.strip():
                raise InputError(source, "unattributed_line", line=turn.line, expected=EXPECTED_PREFIXES)
            seen.setdefault(_key(turn.label), turn.label.strip())
    return list(seen.values())


def _find(name: str, labels: Sequence[str]) -> str | None:
    """The label the user meant by ``name``: exact, without honorific, or as a whole word."""
    wanted = _strip_honorific(normalise_label(name))
    if not wanted:
        return None
    for label in labels:
        if _strip_honorific(_key(label)) == wanted:
            return label
    for label in labels:
        if re.search(rf"\b{re.escape(wanted)}\b", _key(label)):
            return label
    return None


def _strip_honorific(key: str) -> str:
    return re.sub(r"^(bu|ibu|pak|bapak|kak|mr|mrs|ms|miss|dr)\.?\s+", "", key)


def _assign_named(match: str, labels: Sequence[str], roles: dict[str, Speaker], source: str) -> None:
    roles[_key(match)] = "counselor"
    others = [
        label for label in labels if _key(label) != _key(match) and roles.get(_key(label)) != "counselor"
    ]
    unknown = [label for label in others if _key(label) not in roles]
    if len(unknown) > 1:
        raise InputError(source, "too_many_speakers", speakers=labels)
    for label in unknown:
        roles[_key(label)] = "counselee"


def _assign_unnamed(
    names: list[str], roles: dict[str, Speaker], turns: Sequence[RawTurn], source: str
) -> None:
    known = set(roles.values()) | {t.role for t in turns if t.role is not None}
    if not names:
        return
    if len(known) == 2:
        first = next(t for t in turns if t.role is None and _key(t.label) == _key(names[0]))
        raise InputError(
            source, "unknown_speaker", line=first.line, speaker=names[0], expected=EXPECTED_PREFIXES
        )
    if len(known) == 1:
        if len(names) > 1:
            raise InputError(source, "too_many_speakers", speakers=[*_known_labels(roles, turns), *names])
        roles[_key(names[0])] = "counselee" if known == {"counselor"} else "counselor"
        return
    if len(names) == 1:
        raise InputError(source, "one_speaker", speaker=names[0])
    if len(names) > 2:
        raise InputError(source, "too_many_speakers", speakers=names)
    counselor = _infer(names[0], names[1], turns, source)
    for name in names:
        roles[_key(name)] = "counselor" if name == counselor else "counselee"


def _known_labels(roles: dict[str, Speaker], turns: Sequence[RawTurn]) -> list[str]:
    seen: dict[str, str] = {}
    for turn in turns:
        if _key(turn.label) in roles:
            seen.setdefault(_key(turn.label), turn.label)
    return list(seen.values())


def _infer(a: str, b: str, turns: Sequence[RawTurn], source: str) -> str:
    """Which of two named speakers is the counselor, from the cues in the module doc."""
    said = {
        a: [t.text for t in turns if _key(t.label) == _key(a)],
        b: [t.text for t in turns if _key(t.label) == _key(b)],
    }
    first = next(t for t in turns if t.role is None)
    opener = a if _key(first.label) == _key(a) else b
    score: Counter[str] = Counter({a: 0, b: 0})
    if _GREETING.search(first.text):
        score[opener] += 1
    _more(score, a, b, _rate(said[a], _is_question), _rate(said[b], _is_question), weight=2)
    _more(score, a, b, _count(said[a], _PROCESS), _count(said[b], _PROCESS), weight=2)
    for name in (a, b):
        if _HONORIFIC_LABEL.match(name):
            score[name] += 3
    # Being called "Bu"/"Pak" by the other speaker marks the counselor.
    _more(score, a, b, _rate(said[b], _ADDRESS.search), _rate(said[a], _ADDRESS.search), weight=2)
    if score[a] == score[b] == 0:
        # Speaking first is a weak cue on its own; without any other we would be guessing.
        raise InputError(source, "ambiguous_speakers", speakers=[a, b], first=a)
    score[opener] += 1
    if score[a] == score[b]:
        raise InputError(source, "ambiguous_speakers", speakers=[a, b], first=a)
    return a if score[a] > score[b] else b


def _is_question(text: str) -> bool:
    return "?" in text or bool(_QUESTION_START.match(text))


def _rate(texts: list[str], test: Callable[[str], object]) -> float:
    return sum(1 for text in texts if test(text)) / len(texts) if texts else 0.0


def _count(texts: list[str], pattern: re.Pattern[str]) -> int:
    return sum(len(pattern.findall(text)) for text in texts)


def _more(score: Counter[str], a: str, b: str, value_a: float, value_b: float, *, weight: int) -> None:
    if value_a > value_b:
        score[a] += weight
    elif value_b > value_a:
        score[b] += weight


def _check_both(roles: list[Speaker], turns: Sequence[RawTurn], source: str) -> None:
    present = set(roles)
    if len(present) == 2:
        return
    role = roles[0]
    speakers = sorted({t.label or role for t in turns})
    if len(speakers) > 1 and not any(t.role for t in turns):
        raise InputError(
            source, "same_role", speakers=speakers, role_id=_ROLE_ID[role], role_en=_ROLE_EN[role]
        )
    raise InputError(source, "one_speaker", speaker=", ".join(speakers))


def _first_label(turns: Sequence[RawTurn], roles: list[Speaker], role: Speaker) -> str:
    return next((t.label for t, r in zip(turns, roles, strict=True) if r == role and t.label), "")


_ROLE_ID: dict[str, str] = {"counselor": "konselor", "counselee": "konseli"}
_ROLE_EN: dict[str, str] = {"counselor": "counselor", "counselee": "counselee"}
