"""Decide which speaker is the counselor.

Role prefixes ("Konselor", "K", "Client") say it outright.  With people's names we
weigh the cues counselors are taught to show and trainees write down: the
counselor opens and greets, asks most of the questions, reflects ("Jadi kamu
merasa..."), talks about the process (kerahasiaan, sesi, konseling), carries an honorific (Bu/Pak/Kak + name) and is
addressed as "Bu"/"Pak" by the counselee.  When the cues tie we refuse to guess
and ask the user to name the counselor: a swapped transcript would turn the
whole analysis upside down.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from jalin.analysis.errors import InputError
from jalin.analysis.types import Role

from .common import EXPECTED_PREFIXES, RawTurn, known_role, normalise_label

__all__ = ["ROLES", "RoleDecision", "read_speaker_roles", "resolve", "role_word"]

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
# Reflections as counselors are taught to open them: "Jadi kamu merasa...", "It sounds like you...".
_REFLECTION = re.compile(
    r"^\s*(jadi|sepertinya|kedengarannya|kelihatannya|tampaknya|kalau (ibu|bapak|saya) tidak salah)?,?\s*"
    r"(kamu|anda|adik|dik|kak)\s+(merasa|rasa|ingin|sedang|tampak)\b|"
    r"^\s*(so|it sounds like|sounds like|it seems|you seem)\b.{0,20}\byou\b",
    re.IGNORECASE,
)
_COUNSELEE_LABELS = {"cl", "cli", "client", "klien", "kl", "kli", "ki", "konseli"}
_COUNSELOR_LABELS = {"co", "counselor", "counsellor", "konselor", "t", "th", "therapist", "k"}


ROLES = ("counselor", "counselee", "other")
MAX_SPEAKERS = 8  # beyond this a file is a group chat, not a counseling session: always refused
# Words a user may write for a role in a speaker list or a form.
_ROLE_WORDS: dict[str, Role] = {
    **dict.fromkeys(["counselor", "counsellor", "konselor", "k", "therapist", "terapis"], "counselor"),
    **dict.fromkeys(["counselee", "client", "konseli", "klien", "ki", "siswa", "student"], "counselee"),
    **dict.fromkeys(["other", "lain", "lainnya", "lain-lain", "others", "o"], "other"),
}


@dataclass
class RoleDecision:
    """Who is who: a role per turn, and per speaker label, and whether it was a guess."""

    roles: list[Role]
    counselor_name: str
    label_roles: dict[str, str] = field(default_factory=dict)
    guessed: bool = False


def role_word(word: str) -> Role | None:
    """ "konselor"/"counselor" -> "counselor", "lain"/"other" -> "other"; None if not a role word."""
    return _ROLE_WORDS.get(" ".join(word.lower().split()))


def read_speaker_roles(text: str, source: str) -> dict[str, str]:
    """A speaker list: one ``Name = role`` (or ``Name: role``) per line, or a JSON object."""
    stripped = text.strip().lstrip("\ufeff")
    if stripped.startswith("{"):
        try:
            raw = json.loads(stripped)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise InputError(source, "speakers_file", detail=type(exc).__name__) from None
        if not isinstance(raw, dict):
            raise InputError(source, "speakers_file", detail="JSON")
        pairs = [(None, str(k), str(v)) for k, v in raw.items()]
    else:
        pairs = []
        for number, line in enumerate(stripped.splitlines()[:1000], start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            name, sep, role = line.rpartition("=") if "=" in line else line.rpartition(":")
            if not sep or not name.strip():
                raise InputError(source, "speakers_file", line=number, detail=line.strip()[:40])
            pairs.append((number, name.strip(), role.strip()))
    result: dict[str, str] = {}
    for number, name, role in pairs:
        found = role_word(role)
        if found is None:
            raise InputError(source, "speakers_file", line=number, detail=role[:40])
        result[name] = found
    return result


def resolve(
    turns: Sequence[RawTurn],
    source: str,
    *,
    counselor: str | None = None,
    hint: str | None = None,
    roles: Mapping[str, str] | None = None,
    guess_others: bool = False,
) -> RoleDecision:
    """Give every turn a role; say which roles were read, given, or guessed from the talk.

    ``counselor`` is what the user said and must match a speaker; ``roles`` maps
    speaker labels to counselor/counselee/other (a speaker list or the upload form);
    ``hint`` is a name read from the transcript header ("Konselor: Bu Rina") and is
    used only if it matches.  With ``guess_others`` (the upload page, where the
    counselor confirms the roles next), more than two speakers are not refused: the
    two who speak most are counselor and counselee, the rest "other", marked guessed.
    """
    if not turns:
        raise InputError(source, "no_dialogue")
    labels = _labels_in_order(turns, source)
    if len(labels) > MAX_SPEAKERS:
        raise InputError(source, "too_many_speakers", speakers=[*labels[:MAX_SPEAKERS], "…"])
    decided: dict[str, Role] = {}
    for name, role in (roles or {}).items():
        match = _find(name, labels)
        if match is None:
            raise InputError(source, "speaker_not_found", speaker=name, speakers=labels)
        decided[_key(match)] = role_word(role) or "other"
    keys = {normalise_label(label) for label in labels}
    c_means_counselor = bool(keys & _COUNSELEE_LABELS) and not keys & _COUNSELOR_LABELS
    for label in labels:
        role = known_role(label, c_means_counselor=c_means_counselor)
        if role is not None and _key(label) not in decided:
            decided[_key(label)] = role

    names = [label for label in labels if _key(label) not in decided]
    guessed = False
    wanted = counselor or hint
    if guess_others and not roles and not wanted and len(labels) <= MAX_SPEAKERS:
        names, guessed = _others_beyond_two(names, decided, turns)
    if roles and names and {"counselor", "counselee"} <= set(decided.values()):
        # The user gave both roles: whoever else speaks is "other" (a parent, an interpreter).
        for label in names:
            decided[_key(label)] = "other"
    elif wanted and (match := _find(wanted, labels)) is not None:
        _assign_named(match, labels, decided, source)
    elif counselor and names:
        raise InputError(source, "counselor_not_found", counselor=counselor, speakers=labels)
    else:
        guessed = _assign_unnamed(names, decided, turns, source) or guessed

    result: list[Role] = [t.role or decided[_key(t.label)] for t in turns]
    _check_both(result, turns, source)
    counselor_name = counselor or hint or _first_label(turns, result, "counselor")
    label_roles: dict[str, str] = {}
    for turn, role in zip(turns, result, strict=True):
        label_roles.setdefault(turn.label.strip() or role, role)
    return RoleDecision(result, counselor_name, label_roles, guessed)


def _others_beyond_two(
    names: list[str], decided: dict[str, Role], turns: Sequence[RawTurn]
) -> tuple[list[str], bool]:
    """Keep as many unnamed speakers as there are free roles (the most talkative); the rest are "other"."""
    taken = (set(decided.values()) | {t.role for t in turns if t.role is not None}) - {"other", None}
    free = 2 - len(taken)
    if len(names) <= free:
        return names, False
    said = Counter(_key(t.label) for t in turns if t.role is None)
    keep = {_key(label) for label in sorted(names, key=lambda label: -said[_key(label)])[: max(free, 0)]}
    for label in names:
        if _key(label) not in keep:
            decided[_key(label)] = "other"
    return [label for label in names if _key(label) in keep], True


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
    exact = normalise_label(name)
    for label in labels:
        if _key(label) == exact:
            return label
    wanted = _strip_honorific(exact)
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


def _assign_named(match: str, labels: Sequence[str], roles: dict[str, Role], source: str) -> None:
    roles[_key(match)] = "counselor"
    others = [
        label for label in labels if _key(label) != _key(match) and roles.get(_key(label)) != "counselor"
    ]
    unknown = [label for label in others if _key(label) not in roles]
    if len(unknown) > 1:
        raise InputError(source, "too_many_speakers", speakers=labels)
    for label in unknown:
        roles[_key(label)] = "counselee"


def _assign_unnamed(names: list[str], roles: dict[str, Role], turns: Sequence[RawTurn], source: str) -> bool:
    """Roles for the speakers no label names; True when they were guessed from the talk."""
    known = (set(roles.values()) | {t.role for t in turns if t.role is not None}) - {"other"}
    if not names:
        return False
    if len(known) == 2:
        first = next(t for t in turns if t.role is None and _key(t.label) == _key(names[0]))
        raise InputError(
            source, "unknown_speaker", line=first.line, speaker=names[0], expected=EXPECTED_PREFIXES
        )
    if len(known) == 1:
        if len(names) > 1:
            raise InputError(source, "too_many_speakers", speakers=[*_known_labels(roles, turns), *names])
        roles[_key(names[0])] = "counselee" if known == {"counselor"} else "counselor"
        return False
    if len(names) == 1:
        raise InputError(source, "one_speaker", speaker=names[0])
    if len(names) > 2:
        raise InputError(source, "too_many_speakers", speakers=names)
    counselor = _infer(names[0], names[1], turns, source)
    for name in names:
        roles[_key(name)] = "counselor" if name == counselor else "counselee"
    return True


def _known_labels(roles: dict[str, Role], turns: Sequence[RawTurn]) -> list[str]:
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
    _more(score, a, b, _rate(said[a], _REFLECTION.search), _rate(said[b], _REFLECTION.search), weight=2)
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


def _check_both(roles: list[Role], turns: Sequence[RawTurn], source: str) -> None:
    present = set(roles) - {"other"}
    if len(present) == 2:
        return
    if not present:
        raise InputError(source, "one_speaker", speaker=", ".join(sorted({t.label for t in turns})))
    role = next(iter(present))
    speakers = sorted({t.label or role for t in turns})
    if len(speakers) > 1 and not any(t.role for t in turns):
        raise InputError(
            source, "same_role", speakers=speakers, role_id=_ROLE_ID[role], role_en=_ROLE_EN[role]
        )
    raise InputError(source, "one_speaker", speaker=", ".join(speakers))


def _first_label(turns: Sequence[RawTurn], roles: list[Role], role: Role) -> str:
    return next((t.label for t, r in zip(turns, roles, strict=True) if r == role and t.label), "")


_ROLE_ID: dict[str, str] = {"counselor": "konselor", "counselee": "konseli"}
_ROLE_EN: dict[str, str] = {"counselor": "counselor", "counselee": "counselee"}
