"""Supervisor-style feedback on one session, tied to utterance numbers.

Each rule looks at the metrics (see ``metrics.py``) and the tasks and, when it fires,
emits one item ``{"kind", "code", "text", "utterances"}``. Texts come from the
bilingual catalog ``data/feedback.json`` so translators see every message in one
place; ``code`` is stable for programs (the web UI, statistics across a class).

Order: risk flags first of all (a flagged session needs action before any teaching
point), then strengths (feedback to trainees starts with what went well, as seed 001
advises starting from the counselee's strengths), then points to improve, then info.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from importlib import resources
from typing import Any

from .metrics import DONT_KNOW_PATTERN, MUST_PATTERN, number
from .taxonomy import taxonomy
from .types import LabelledUtterance, TaskHit

__all__ = ["KINDS", "LANGS", "build_feedback", "catalog"]

KINDS = ("risk", "strength", "improve", "info")
LANGS = ("id", "en")

# Thresholds, with the reason for each.
MIN_QUESTIONS = 4          # a ratio over fewer questions says little about a trainee's habit
GOOD_RQ_RATIO = 1.0        # MITI "fair/competent": at least one reflection per question
GOOD_OPEN_SHARE = 0.7      # MITI proficiency for open questions
LOW_OPEN_SHARE = 0.5       # below MITI competency: closed questions dominate
MIN_FEELING_REFLECTIONS = 2
MIN_TALK_WORDS = 150       # talk shares of a few sentences are noise
COUNSELOR_TALK_HIGH = 0.6  # the counselor speaking most of the words means lecturing, not listening
COUNSELEE_TALK_GOOD = 0.6
LOW_CONFIDENCE = 0.5
SHORT_SESSION = 12
MAX_EXAMPLES = 6           # utterance numbers quoted in a sentence; the item lists all
ARGUING_LABELS = frozenset({"confrontation", "advice", "interpretation"})


@lru_cache(maxsize=1)
def catalog() -> dict[str, Any]:
    """The message catalog (``data/feedback.json``)."""
    text = resources.files("jalin.analysis").joinpath("data/feedback.json").read_text("utf-8")
    return json.loads(text)


class _Writer:
    """Formats catalog messages in one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else "id"
        self.words = {k: v[self.lang] for k, v in catalog()["words"].items()}

    def nums(self, numbers: Sequence[int]) -> str:
        """ "ujaran 3, 5 dan 7" / "utterances 3, 5 and 7" (shortened with "dll."/"etc.")."""
        nums = sorted(dict.fromkeys(numbers))
        noun = self.words["utterance" if len(nums) == 1 else "utterances"]
        shown = [str(n) for n in nums[:MAX_EXAMPLES]]
        if len(nums) > MAX_EXAMPLES:
            listed = ", ".join(shown) + " " + self.words["etc"]
        else:
            listed = self.join(shown)
        return f"{noun} {listed}"

    def join(self, items: Sequence[str]) -> str:
        if len(items) <= 1:
            return "".join(items)
        return ", ".join(items[:-1]) + f" {self.words['and']} " + items[-1]

    def times(self, n: int) -> str:
        if n == 1:
            return self.words["once"]
        if n == 2:
            return self.words["twice"]
        names = self.words["numbers"].split()
        count = names[n - 3] if 3 <= n < 3 + len(names) else str(n)
        return self.words["times"].format(n=count)

    def labels(self, labels: Iterable[str]) -> str:
        tx = taxonomy()
        return self.join([tx.name("label", lab, self.lang) for lab in dict.fromkeys(labels)])

    def item(self, code: str, utterances: Iterable[int], **fields: Any) -> dict:
        entry = catalog()["codes"][code]
        return {
            "kind": entry["kind"],
            "code": code,
            "text": entry[self.lang].format(**fields),
            "utterances": sorted(dict.fromkeys(utterances)),
        }


def _quote(text: str, limit: int = 90) -> str:
    # A final full stop would clash with the sentence the quote sits in; "?" and "!" carry meaning.
    text = " ".join(text.split()).rstrip(".")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _by_number(utts: Sequence[LabelledUtterance]) -> dict[int, LabelledUtterance]:
    return {number(u): u for u in utts}


# --- rules ----------------------------------------------------------------------
# Every rule: (writer, context) -> list of items.


class _Context:
    def __init__(
        self,
        utts: Sequence[LabelledUtterance],
        metrics: dict,
        done: Sequence[TaskHit],
        missed: Sequence[str],
    ) -> None:
        self.utts = list(utts)
        self.m = metrics
        self.done = {t.id: [i + 1 for i in t.utterances] for t in done}
        self.missed = set(missed)
        self.by_number = _by_number(self.utts)
        self.first_session = metrics.get("session", {}).get("kind", "first") == "first"
        self.reached_final = bool(metrics.get("stages", {}).get("akhir", {}).get("count"))

    def numbers_with(self, speaker: str, labels: Iterable[str]) -> list[int]:
        wanted = set(labels)
        return [number(u) for u in self.utts if u.speaker == speaker and u.label in wanted]


def _risk(w: _Writer, c: _Context) -> list[dict]:
    items = []
    for flag in taxonomy().flags:
        nums = [number(u) for u in c.utts if flag in u.flags]
        if nums:
            items.append(w.item(flag, nums, utts=w.nums(nums), quote=_quote(c.by_number[nums[0]].text)))
    return items


def _resistance_strengths(w: _Writer, c: _Context) -> list[dict]:
    items = []
    for ep in c.m["resistance_episodes"]:
        responses = ep["counselor_next"] or ep["counselor_during"][-1:]
        if not (ep["opened_up"] and responses) or not _helpful(c, responses):
            continue
        resp = [r["utterance"] for r in responses]
        items.append(
            w.item(
                "resistance_opened",
                ep["utterances"] + resp + [ep["opened_at"]],
                signs_at=w.nums(ep["utterances"]),
                labels=w.labels(r["label"] for r in responses),
                resp=w.nums(resp),
                at=w.nums([ep["opened_at"]]),
            )
        )
    return items[:2]  # two examples make the point; the rest is in the metrics


def _helpful(c: _Context, responses: list[dict]) -> bool:
    """Credit only responses the seeds teach for resistance (reflect, motivate, shift the
    topic, change the level), not arguing, advising or stacking questions."""
    stacked = set(c.m["stacked_questions"]["utterances"])
    return all(r["label"] not in ARGUING_LABELS and r["utterance"] not in stacked for r in responses)


def _technique_strengths(w: _Writer, c: _Context) -> list[dict]:
    m, items = c.m, []
    ratio = m["reflection_question_ratio"]
    if m["questions"] >= MIN_QUESTIONS and ratio is not None and ratio >= GOOD_RQ_RATIO:
        refl = c.numbers_with("counselor", _group_labels("reflection"))
        items.append(w.item("reflection_ratio_good", refl, ratio=_ratio(ratio), r=m["reflections"],
                            q=m["questions"], utts=w.nums(refl)))
    feeling = c.numbers_with("counselor", ["reflection_feeling"])
    if len(feeling) >= MIN_FEELING_REFLECTIONS:
        items.append(w.item("feeling_reflections", feeling, utts=w.nums(feeling)))
    share = m["open_question_share"]
    if share is not None and m["open_questions"] + m["closed_questions"] >= MIN_QUESTIONS and share >= GOOD_OPEN_SHARE:
        opens = c.numbers_with("counselor", ["open_question"])
        items.append(w.item("open_questions_good", opens, pct=_pct(share), utts=w.nums(opens)))
    affirm = c.numbers_with("counselor", ["affirmation"])
    if affirm:
        items.append(w.item("affirmation_used", affirm, utts=w.nums(affirm)))
    talk = m["talk"]
    total = talk["counselor_words"] + talk["counselee_words"]
    if total >= MIN_TALK_WORDS and (talk["counselee_share"] or 0) >= COUNSELEE_TALK_GOOD:
        items.append(w.item("counselee_talks_more", [], pct=_pct(talk["counselee_share"])))
    return items


def _task_strengths(w: _Writer, c: _Context) -> list[dict]:
    items = []
    if "rapport" in c.done:
        items.append(w.item("warm_opening", c.done["rapport"][:1], utts=w.nums(c.done["rapport"][:1])))
    if c.first_session and "structuring" in c.done and "confidentiality" in c.done:
        nums = c.done["structuring"] + c.done["confidentiality"]
        items.append(w.item("structuring_done", nums, utts=w.nums(nums)))
    if "contract_time" in c.done:
        items.append(w.item("contract_done", c.done["contract_time"], utts=w.nums(c.done["contract_time"])))
    if "evaluation" in c.done and "next_appointment" in c.done:
        ev, nx = c.done["evaluation"], c.done["next_appointment"]
        items.append(w.item("closing_done", ev + nx, eval=w.nums(ev[:1]), next=w.nums(nx[:1])))
    return items


def _resistance_improvements(w: _Writer, c: _Context) -> list[dict]:
    items = []
    for ep in c.m["resistance_episodes"]:
        dont_know = ep["dont_know"]
        if len(dont_know) >= 2:
            first = c.by_number[dont_know[0]]
            match = DONT_KNOW_PATTERN.search(first.text)
            items.append(
                w.item(
                    "resistance_dont_know",
                    dont_know,
                    at=w.nums(dont_know[:1]),
                    times=w.times(len(dont_know)),
                    quote=match.group(0) if match else _quote(first.text, 30),
                    utts=w.nums(dont_know),
                )
            )
        if not ep["opened_up"] and (len(ep["utterances"]) >= 3 or (len(ep["utterances"]) >= 2 and len(dont_know) < 2)):
            signs = w.join([taxonomy().name("label", s, w.lang) for s in dict.fromkeys(ep["signs"])])
            items.append(w.item("resistance_persistent", ep["utterances"], utts=w.nums(ep["utterances"]), signs=signs))
        items.extend(_argued(w, c, ep))
    return items


def _argued(w: _Writer, c: _Context, ep: dict) -> list[dict]:
    """Arguing with a defensive counselee (confronting, advising) raises the defence."""
    defensive = [n for n, s in zip(ep["utterances"], ep["signs"]) if s == "defensive"]
    if not defensive:
        return []
    responses = [
        r for r in ep["counselor_during"] + ep["counselor_next"]
        if r["utterance"] > defensive[0]
        and (r["label"] in ARGUING_LABELS or MUST_PATTERN.search(c.by_number[r["utterance"]].text))
    ]
    if not responses:
        return []
    resp = [r["utterance"] for r in responses]
    return [w.item("defensive_argued", defensive[:1] + resp, at=w.nums(defensive[:1]),
                   labels=w.labels(r["label"] for r in responses), resp=w.nums(resp))]


def _technique_improvements(w: _Writer, c: _Context) -> list[dict]:
    m, items = c.m, []
    early = m["advice_before_exploration"]
    if early["found"]:
        items.append(w.item("advice_early", early["utterances"], utts=w.nums(early["utterances"])))
    must = m["must_phrases"]["utterances"]
    if must:
        match = MUST_PATTERN.search(c.by_number[must[0]].text)
        items.append(w.item("must_phrase", must, utts=w.nums(must), quote=match.group(0) if match else ""))
    stacked = m["stacked_questions"]["utterances"]
    if stacked:
        items.append(w.item("stacked_questions", stacked, utts=w.nums(stacked)))
    ratio = m["reflection_question_ratio"]
    if m["questions"] >= MIN_QUESTIONS and ratio is not None and ratio < GOOD_RQ_RATIO:
        missed = _missed_reflections(c)
        items.append(w.item("reflection_ratio_low", missed, ratio=_ratio(ratio), r=m["reflections"],
                            q=m["questions"], utts=w.nums(missed)))
    share = m["open_question_share"]
    if share is not None and m["open_questions"] + m["closed_questions"] >= MIN_QUESTIONS and share < LOW_OPEN_SHARE:
        closed = c.numbers_with("counselor", ["closed_question"])
        items.append(w.item("closed_questions_dominate", closed, closed=m["closed_questions"],
                            open=m["open_questions"], utts=w.nums(closed)))
    talk = m["talk"]
    total = talk["counselor_words"] + talk["counselee_words"]
    if total >= MIN_TALK_WORDS and (talk["counselor_share"] or 0) > COUNSELOR_TALK_HIGH:
        longest = _longest_counselor_utterances(c)
        items.append(w.item("counselor_talks_much", longest, pct=_pct(talk["counselor_share"]),
                            avg=talk["avg_counselor_turn_words"], utts=w.nums(longest)))
    return items


def _missed_reflections(c: _Context) -> list[int]:
    """Questions asked right after a counselee disclosure: where a reflection fitted first."""
    found = []
    for prev, cur in zip(c.utts, c.utts[1:]):
        if prev.speaker == "counselee" and prev.label == "disclosure" and taxonomy().group_of.get(cur.label) == "question":
            found.append(number(cur))
    return found or c.numbers_with("counselor", _group_labels("question"))[:MAX_EXAMPLES]


def _longest_counselor_utterances(c: _Context, n: int = 3) -> list[int]:
    counselor = [u for u in c.utts if u.speaker == "counselor"]
    return sorted(number(u) for u in sorted(counselor, key=lambda u: -len(u.text.split()))[:n])


def _task_improvements(w: _Writer, c: _Context) -> list[dict]:
    items = []
    if c.first_session:
        if "structuring" in c.missed:
            items.append(w.item("no_structuring_first", []))
        if "confidentiality" in c.missed:
            items.append(w.item("no_confidentiality_first", []))
    if "contract_time" in c.missed:
        items.append(w.item("no_contract_time", []))
    if "exploration" in c.missed:
        items.append(w.item("no_exploration", []))
    if not c.reached_final:
        # A session cut off before the final stage misses all its tasks at once; one
        # item says so instead of four separate ones.
        last = c.utts[-1] if c.utts else None
        if last is not None:
            stage = taxonomy().name("stage", last.stage, w.lang)
            items.append(w.item("final_stage_not_reached", [number(last)], stage=stage, utts=w.nums([number(last)])))
        return items
    for task, code in (("action_plan", "no_action_plan"), ("evaluation", "no_evaluation"),
                       ("next_appointment", "no_next_appointment")):
        if task in c.missed:
            items.append(w.item(code, []))
    return items


def _info(w: _Writer, c: _Context) -> list[dict]:
    items = []
    session = c.m.get("session", {})
    if session.get("kind") == "follow_up" and session.get("evidence"):
        items.append(w.item("follow_up_session", [session["evidence"]], utts=w.nums([session["evidence"]])))
    if "referral" in c.done:
        items.append(w.item("referral_discussed", c.done["referral"], utts=w.nums(c.done["referral"])))
    unsure = [number(u) for u in c.utts if u.confidence < LOW_CONFIDENCE]
    if unsure:
        items.append(w.item("low_confidence", unsure, utts=w.nums(unsure), pct=_pct(LOW_CONFIDENCE)))
    if len(c.utts) < SHORT_SESSION:
        items.append(w.item("short_session", [], n=len(c.utts)))
    return items


_RULES: tuple[Callable[[_Writer, _Context], list[dict]], ...] = (
    _risk,
    _resistance_strengths,
    _technique_strengths,
    _task_strengths,
    _resistance_improvements,
    _technique_improvements,
    _task_improvements,
    _info,
)


def _group_labels(group: str) -> list[str]:
    return [lab for lab, g in taxonomy().group_of.items() if g == group]


def _pct(share: float) -> int:
    return round(share * 100)


def _ratio(value: float) -> str:
    return f"{value:.2f}"


def build_feedback(
    utterances: Sequence[LabelledUtterance],
    metrics: dict,
    tasks_done: Sequence[TaskHit],
    tasks_missed: Sequence[str],
    lang: str = "id",
) -> list[dict]:
    """Feedback items in ``lang`` ("id" or "en"), risk first, then strengths, improvements, info."""
    writer = _Writer(lang)
    context = _Context(utterances, metrics, tasks_done, tasks_missed)
    items = [item for rule in _RULES for item in rule(writer, context)]
    # Stable sort: kinds in KINDS order, rule order kept within a kind.
    return sorted(items, key=lambda item: KINDS.index(item["kind"]))

