"""Session metrics computed from labelled utterances.

Everything here is deterministic arithmetic over the labels the model (or a human)
assigned, so a supervisor can check every number by hand against the transcript.
Every key of the returned dict is documented in ``docs/analysis-output.md``.

Convention: every utterance reference in the returned dict is a 1-based *utterance
number* (``LabelledUtterance.index + 1``), the number a person sees in the report.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

from .taxonomy import taxonomy
from .types import LabelledUtterance, TaskHit

__all__ = [
    "DISCLOSURES_BEFORE_ADVICE",
    "DONT_KNOW_PATTERN",
    "MUST_PATTERN",
    "OPEN_UP_WINDOW",
    "OPTIONAL_TASKS",
    "compute_metrics",
    "find_tasks",
    "number",
    "question_clauses",
    "word_count",
]

# Advice counts as premature until the counselee has disclosed this many times or the
# exploration task is reached: seed 004 puts advice/solutions after "menjelajahi masalah".
DISCLOSURES_BEFORE_ADVICE = 3
# A resistance episode counts as resolved when the counselee discloses (or shows change
# talk) within this many counselee turns after it (seed 001: rapport = resistance dropped,
# disclosure begins).
OPEN_UP_WINDOW = 3
# Referral (alih tangan kasus) is done only when needed, so it is never "missed".
OPTIONAL_TASKS = frozenset({"referral"})

OPENING_LABELS = frozenset({"disclosure", "change_talk"})

_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*", re.UNICODE)

# Question words that start a question clause (Indonesian, informal Indonesian, English).
_QUESTION_STARTS = frozenset(
    ["apa", "apakah", "bagaimana", "gimana", "gmn", "bgmn", "kenapa", "knp", "mengapa", "kapan", "siapa", "dimana", "mana", "berapa", "bisakah", "bolehkah", "maukah", "pernahkah", "sudahkah", "adakah", "masihkah", "benarkah", "what", "how", "why", "when", "who", "whom", "where", "which", "whose", "do", "does", "did", "are", "is", "was", "were", "have", "has", "can", "could", "would", "will", "should", "shall"]
)
# A short tag that only checks a reflection ("..., ya?", "..., right?") is not a new question.
_CHECK_TAGS = frozenset(
    ["ya", "iya", "kan", "bukan", "bener", "benar", "begitu", "gitu", "kah", "toh", "nggak", "gak", "ga", "tidak", "right", "yes", "ok", "okay", "correct", "huh", "eh", "no"]
)
_SENTENCE_SPLIT = re.compile(r"(?<=[?!.;])\s+")
# Clause boundaries inside a sentence, keeping the joiner: "atau/or" joins alternatives of
# one question ("Is it X, or Y?"), while commas and "dan/and" can join separate questions.
_CLAUSE_JOINER = re.compile(r"(,\s*(?:(?:dan|atau|terus|lalu|and|or)\s+)?|\s+(?:dan|atau|terus|lalu|and|or)\s+)",
                            re.IGNORECASE)
_ALTERNATIVE = re.compile(r"\b(?:atau|or)\b", re.IGNORECASE)
_NOT_QUESTION = re.compile(r"^\s*(?:apa\s*pun|apapun|whatever)\b", re.IGNORECASE)
# A sentence that only offers options for the question before it ("Misalnya ..., atau ...?",
# "Or the app?") lowers the level of that question; it is not a new one.
_OPTION_STARTS = frozenset(
    {"misalnya", "misal", "contohnya", "seperti", "kayak", "atau", "entah", "mungkin", "like", "or", "maybe", "either"}
)
# "When you say X, what ...?": an opening "when/where" clause sets the scene for the question.
_SUBORDINATE_STARTS = frozenset({"when", "where", "whenever", "wherever"})

# Phrases that mark an order rather than an option ("advice ... never 'kamu harus'").
MUST_PATTERN = re.compile(
    r"\b(?:kamu|kau|anda|engkau|lo|lu|elo|elu|kalian)\s+(?:itu\s+)?(?:harus|wajib|mesti|musti)\b"
    r"|\byou\s+(?:must|have\s+to|need\s+to|should|ought\s+to|gotta)\b",
    re.IGNORECASE,
)
# "I don't know" answers, the commonest reluctant reply (domain brief, resistance table).
DONT_KNOW_PATTERN = re.compile(
    r"\b(?:(?:nggak|ngga|enggak|gak|ga|gk|tidak|tdk|ndak|nda)\s+(?:tahu|tau|taw)|entah(?:lah)?|embuh"
    r"|(?:i\s+)?(?:don'?t|do\s+not|dunno)(?:\s+know)?|idk|no\s+idea)\b",
    re.IGNORECASE,
)
# A counselor referring back to an earlier meeting marks a follow-up session, where
# structuring and confidentiality are not expected again.
_FOLLOW_UP = re.compile(
    r"\b(?:minggu\s+lalu|pekan\s+lalu|pertemuan\s+(?:sebelumnya|lalu|kemarin|kita\s+kemarin|pertama)"
    r"|sesi\s+(?:sebelumnya|lalu|kemarin)|terakhir\s+(?:kita\s+)?(?:bertemu|ketemu)|kemarin\s+kita"
    r"|last\s+(?:week|time|session)|previous\s+session|since\s+we\s+(?:last\s+)?(?:met|spoke|talked))\b",
    re.IGNORECASE,
)
_FOLLOW_UP_WINDOW = 10  # only the opening of a session can say "last time we met" for this purpose


def number(u: LabelledUtterance) -> int:
    """The 1-based utterance number shown to people."""
    return u.index + 1


def word_count(text: str) -> int:
    """Words in an utterance; a silence marker like ``[diam]`` counts as no words."""
    if re.fullmatch(r"\s*[\[(]?\s*(?:diam|silence|hening|\.{2,}|…)\s*[\])]?\s*", text, re.IGNORECASE):
        return 0
    return len(_WORD.findall(text))


def question_clauses(text: str) -> int:
    """How many separate questions an utterance asks.

    Per sentence: a sentence ending in "?" is one question unless it only checks a
    reflection ("Kamu kecewa, ya?", "Terus?"); clauses joined by commas or "dan/atau"
    that each start with a question word are separate questions ("Apa yang terjadi
    dan bagaimana rasanya?" asks two). Utterances without any "?" ask nothing, since
    Indonesian statements may start with "apa yang ..." too.
    """
    if "?" not in text:
        return 0
    return sum(_sentence_questions(s) for s in _SENTENCE_SPLIT.split(text.strip()) if s)


def _sentence_questions(sentence: str) -> int:
    # Only sentences ending in "?" count: a dropped "?" is less harmful than counting
    # statements such as "Apa yang kamu ceritakan di sini bersifat rahasia."
    if not sentence.rstrip().endswith("?") or _NOT_QUESTION.match(sentence):
        return 0
    clauses = _clauses(sentence)
    if not clauses or clauses[0][1][0] in _OPTION_STARTS:
        return 0
    starts = sum(1 for pos, (joiner, words) in enumerate(clauses) if _opens_question(pos, joiner, words, len(clauses)))
    last = clauses[-1][1]
    if starts == 0 and _is_check_tag(last) and (len(clauses) > 1 or len(last) == 1):
        return 0
    return max(starts, 1)


def _clauses(sentence: str) -> list[tuple[str, list[str]]]:
    """(joiner before it, lower-case words) per clause; the first clause has joiner ""."""
    parts = _CLAUSE_JOINER.split(sentence)
    out: list[tuple[str, list[str]]] = []
    joiner = ""
    for i, part in enumerate(parts):
        if i % 2:
            joiner = part
            continue
        words = [w.lower() for w in _WORD.findall(part)]
        if words:
            out.append((joiner, words))
        joiner = ""
    return out


def _opens_question(pos: int, joiner: str, words: list[str], count: int) -> bool:
    if words[0] not in _QUESTION_STARTS:
        return False
    if count > 1 and len(words) == 1:
        return False  # "What, if anything, ...?", "... how or when?": one question word is no new question
    if _ALTERNATIVE.search(joiner):
        return False  # "do you X, or do you Y?" offers alternatives of one question
    # "When you say X, what ...?" : an opening "when/where" clause sets the scene.
    return not (words[0] in _SUBORDINATE_STARTS and pos < count - 1)


def _is_check_tag(words: list[str]) -> bool:
    # One bare word ("Terus?", "Sedih?") only prompts or checks; so do short tags ("kan?").
    return len(words) == 1 or (len(words) <= 2 and all(w in _CHECK_TAGS for w in words))


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _count_table(labels: Iterable[str], keys: Sequence[str]) -> dict[str, dict[str, float | int | None]]:
    counts = Counter(labels)
    total = sum(counts[k] for k in keys)
    return {k: {"count": counts[k], "share": _share(counts[k], total)} for k in keys}


def _by_speaker(utts: Sequence[LabelledUtterance], speaker: str) -> list[LabelledUtterance]:
    return [u for u in utts if u.speaker == speaker]


def _turns(utts: Sequence[LabelledUtterance]) -> list[list[LabelledUtterance]]:
    """Maximal runs of consecutive utterances by one speaker."""
    turns: list[list[LabelledUtterance]] = []
    for u in utts:
        if turns and turns[-1][0].speaker == u.speaker:
            turns[-1].append(u)
        else:
            turns.append([u])
    return turns


def _talk(utts: Sequence[LabelledUtterance]) -> dict:
    words = {"counselor": 0, "counselee": 0}
    for u in utts:
        words[u.speaker] += word_count(u.text)
    total = words["counselor"] + words["counselee"]
    counselor_turns = [t for t in _turns(utts) if t[0].speaker == "counselor"]
    avg = sum(word_count(u.text) for t in counselor_turns for u in t) / len(counselor_turns) if counselor_turns else None
    return {
        "counselor_words": words["counselor"],
        "counselee_words": words["counselee"],
        "counselor_share": _share(words["counselor"], total),
        "counselee_share": _share(words["counselee"], total),
        "counselor_turns": len(counselor_turns),
        "avg_counselor_turn_words": round(avg, 1) if avg is not None else None,
    }


def _questions(counselor: Sequence[LabelledUtterance]) -> dict:
    labels = Counter(u.label for u in counselor)
    tx = taxonomy()
    reflections = sum(n for label, n in labels.items() if tx.group_of.get(label) == "reflection")
    questions = sum(n for label, n in labels.items() if tx.group_of.get(label) == "question")
    open_q, closed_q = labels["open_question"], labels["closed_question"]
    # Only question turns: two small-talk questions in a greeting are not a questioning fault.
    stacked = [number(u) for u in counselor
               if tx.group_of.get(u.label) == "question" and question_clauses(u.text) >= 2]
    return {
        "reflections": reflections,
        "questions": questions,
        "reflection_question_ratio": round(reflections / questions, 2) if questions else None,
        "open_questions": open_q,
        "closed_questions": closed_q,
        "open_question_share": _share(open_q, open_q + closed_q),
        "feeling_reflections": labels["reflection_feeling"],
        "feeling_reflection_share": _share(labels["reflection_feeling"], reflections),
        "stacked_questions": {"count": len(stacked), "utterances": stacked},
    }


def _advice_before_exploration(utts: Sequence[LabelledUtterance]) -> dict:
    """Advice given before the problem was explored (seed 004: explore first, act last)."""
    point: int | None = None  # list position from which exploration counts as done
    disclosures = 0
    for pos, u in enumerate(utts):
        if "exploration" in u.tasks:
            point = pos
            break
        if u.speaker == "counselee" and u.label == "disclosure":
            disclosures += 1
            if disclosures >= DISCLOSURES_BEFORE_ADVICE:
                point = pos
                break
    limit = len(utts) if point is None else point
    early = [number(u) for u in utts[:limit] if u.speaker == "counselor" and u.label == "advice"]
    return {
        "found": bool(early),
        "utterances": early,
        "exploration_at": number(utts[point]) if point is not None else None,
        "disclosures_needed": DISCLOSURES_BEFORE_ADVICE,
    }


def _resistance_episodes(utts: Sequence[LabelledUtterance]) -> list[dict]:
    """Runs of counselee resistance, counselor turns in between allowed.

    An episode ends at the first counselee utterance that is not a resistance sign;
    what the counselor said right after the last sign (before the counselee spoke
    again) is the response the trainee is judged on.
    """
    resistance = set(taxonomy().resistance_labels)
    episodes: list[list[int]] = []  # positions of resistance utterances
    open_episode = False
    for pos, u in enumerate(utts):
        if u.speaker != "counselee":
            continue
        if u.label in resistance:
            if open_episode:
                episodes[-1].append(pos)
            else:
                episodes.append([pos])
                open_episode = True
        else:
            open_episode = False
    return [_describe_episode(utts, positions) for positions in episodes]


def _describe_episode(utts: Sequence[LabelledUtterance], positions: list[int]) -> dict:
    first, last = positions[0], positions[-1]
    during = [utts[p] for p in range(first + 1, last) if utts[p].speaker == "counselor"]
    after: list[LabelledUtterance] = []
    p = last + 1
    while p < len(utts) and utts[p].speaker == "counselor":
        after.append(utts[p])
        p += 1
    opened = _opened_after(utts, last)
    signs = [utts[p].label for p in positions]
    return {
        "start": number(utts[first]),
        "end": number(utts[last]),
        "utterances": [number(utts[p]) for p in positions],
        "signs": signs,
        "sign_counts": dict(Counter(signs)),
        "dont_know": [number(utts[p]) for p in positions if DONT_KNOW_PATTERN.search(utts[p].text)],
        "counselor_during": [{"utterance": number(u), "label": u.label} for u in during],
        "counselor_next": [{"utterance": number(u), "label": u.label} for u in after],
        "opened_up": opened is not None,
        "opened_at": number(opened) if opened is not None else None,
    }


def _opened_after(utts: Sequence[LabelledUtterance], last: int) -> LabelledUtterance | None:
    """The first disclosure/change talk within the window, unless resistance comes back first."""
    resistance = set(taxonomy().resistance_labels)
    later = [u for u in utts[last + 1 :] if u.speaker == "counselee"][:OPEN_UP_WINDOW]
    for u in later:
        if u.label in OPENING_LABELS:
            return u
        if u.label in resistance:
            return None
    return None


def _stages(utts: Sequence[LabelledUtterance]) -> dict:
    tx = taxonomy()
    spans: dict[str, dict] = {}
    for stage in tx.stages:
        members = [u for u in utts if u.stage == stage]
        spans[stage] = {
            "first": number(members[0]) if members else None,
            "last": number(members[-1]) if members else None,
            "count": len(members),
            "share": _share(len(members), len(utts)),
        }
    return spans


def find_tasks(utts: Sequence[LabelledUtterance]) -> tuple[list[TaskHit], list[str]]:
    """Stage tasks found (with 0-based utterance indexes) and taxonomy tasks not found.

    Optional tasks (referral) are never reported as missed.
    """
    tx = taxonomy()
    hits: dict[str, list[int]] = {}
    for u in utts:
        for task in u.tasks:
            if task in tx.task_stage:
                hits.setdefault(task, []).append(u.index)
    done = [TaskHit(id=t, stage=tx.task_stage[t], utterances=hits[t]) for t in tx.tasks if t in hits]
    missed = [t for t in tx.tasks if t not in hits and t not in OPTIONAL_TASKS]
    return done, missed


def _session_kind(utts: Sequence[LabelledUtterance]) -> dict:
    """First or follow-up session: a follow-up needs no new structuring (domain brief)."""
    for u in utts[:_FOLLOW_UP_WINDOW]:
        if u.speaker == "counselor" and _FOLLOW_UP.search(u.text):
            return {"kind": "follow_up", "evidence": number(u)}
    return {"kind": "first", "evidence": None}


def compute_metrics(utterances: list[LabelledUtterance]) -> dict:
    """All metrics of one session as a JSON-ready dict (see docs/analysis-output.md)."""
    tx = taxonomy()
    utts = list(utterances)
    counselor = _by_speaker(utts, "counselor")
    counselee = _by_speaker(utts, "counselee")
    done, missed = find_tasks(utts)
    resistance = set(tx.resistance_labels)
    counselor_groups = [g for g in tx.groups if g not in ("counselee", "resistance")]
    return {
        "utterances": len(utts),
        "counselor_utterances": len(counselor),
        "counselee_utterances": len(counselee),
        "techniques": _count_table((u.label for u in counselor), tx.counselor_labels),
        "groups": _count_table((tx.group_of.get(u.label, "other") for u in counselor), counselor_groups),
        "counselee_labels": _count_table((u.label for u in counselee), tx.counselee_labels),
        "resistance": {
            "count": sum(1 for u in counselee if u.label in resistance),
            "share": _share(sum(1 for u in counselee if u.label in resistance), len(counselee)),
        },
        **_questions(counselor),
        "talk": _talk(utts),
        "must_phrases": {"count": len(m := [number(u) for u in counselor if MUST_PATTERN.search(u.text)]), "utterances": m},
        "advice_before_exploration": _advice_before_exploration(utts),
        "resistance_episodes": _resistance_episodes(utts),
        "stages": _stages(utts),
        "session": _session_kind(utts),
        "tasks": {
            "done": [t.id for t in done],
            "missed": missed,
        },
        "flags": {flag: [number(u) for u in utts if flag in u.flags] for flag in tx.flags},
    }
