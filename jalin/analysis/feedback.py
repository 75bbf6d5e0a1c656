"""Supervisor-style feedback on one session, tied to utterance numbers.

Each rule looks at the metrics (see ``metrics.py``) and the tasks and, when it fires,
emits one item ``{"kind", "code", "text", "utterances"}``. Texts come from the
bilingual catalog ``data/feedback.json`` so translators see every message in one
place; ``code`` is stable for programs (the web UI, statistics across a class).

Claims and questions (issue #12): an item that cites utterances cites only those whose
calibrated confidence (of the label, or of the stage task the sentence is about) reaches the
model's claim threshold (``LabelModel.claim_policy``). The others become questions for the
trainee ("Ujaran 22 mungkin merupakan kontrak waktu?"); when no cited utterance is left the
claim is not made at all. A negative claim ("no action plan") is made only when no utterance
has even the doubt-threshold probability of that task; otherwise the likeliest utterances are
asked about. Every item carries ``"certainty": "claim"|"question"`` and ``"confidence"`` (the
lowest confidence among the cited utterances, 1 − the highest task probability for a negative
claim, the highest confidence asked about for a question, ``None`` for statements that do not
rest on the model: counts of words, phrases found in the text, risk prompts, which are shown
for a counselor to check by design).

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

__all__ = ["DEFAULT_POLICY", "KINDS", "LANGS", "build_feedback", "catalog"]

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
MAX_QUESTION_CANDIDATES = 3  # utterances named when a negative claim becomes a question
# Used when the model carries no calibration (hand-built utterances, old artifacts).
DEFAULT_POLICY: dict[str, Any] = {"label": {"counselor": 0.5, "counselee": 0.5}, "task": 0.5, "doubt": 0.2}


@lru_cache(maxsize=1)
def catalog() -> dict[str, Any]:
    """The message catalog (``data/feedback.json``)."""
    text = resources.files("jalin.analysis").joinpath("data/feedback.json").read_text("utf-8")
    return json.loads(text)


class _Writer:
    """Formats catalog messages in one language."""

    def __init__(self, lang: str, policy: dict | None = None) -> None:
        self.lang = lang if lang in LANGS else "id"
        self.words = {k: v[self.lang] for k, v in catalog()["words"].items()}
        self.policy = _merge_policy(policy)
        self.ctx: _Context | None = None
        self._reset()
        self.questions: list[dict] = []
        self._asked: set[tuple[int, str]] = set()

    def _reset(self) -> None:
        self._unsure: list[tuple[int, str, float]] = []  # (number, "label:x" | "task:x", confidence)
        self._sure_conf: list[float] = []
        self._emptied = False

    # --- certainty -----------------------------------------------------------------
    def confidence(self, n: int, task: str | None) -> tuple[float, float, str]:
        """(confidence, threshold, thing) of utterance ``n`` for its label or for ``task``."""
        u = self.ctx.by_number[n]
        if task is None:
            return float(u.confidence), float(self.policy["label"].get(u.speaker, 0.5)), f"label:{u.label}"
        return _task_conf(u, task), float(self.policy["task"]), f"task:{task}"

    def is_sure(self, n: int, task: str | None = None) -> bool:
        if self.ctx is None or n not in self.ctx.by_number:
            return True
        return _ge(*self.confidence(n, task)[:2])

    def sure_first(self, numbers: Sequence[int], task: str | None = None) -> list[int]:
        """``numbers`` with the ones above the claim threshold first (order kept otherwise)."""
        if self.ctx is None:
            return list(numbers)
        ok = [n for n in numbers if n in self.ctx.by_number and _ge(*self.confidence(n, task)[:2])]
        return ok + [n for n in numbers if n not in ok]

    def nums(self, numbers: Sequence[int], task: str | None = None, checked: bool = True) -> str:
        """ "ujaran 3, 5 dan 7" / "utterances 3, 5 and 7" (shortened with "dll."/"etc.").

        ``checked``: keep only utterances whose confidence (of the label, or of ``task``) reaches
        the claim threshold; the rest are remembered for a question. Unchecked: statements that
        do not rest on the model (phrases found in the text, word counts, risk prompts)."""
        if checked and self.ctx is not None:
            numbers = self._check(numbers, task)
        return self._format_nums(numbers)

    def join_nums(self, first: Sequence[int], first_task: str, second: Sequence[int], second_task: str) -> str:
        """One list of numbers for a sentence about two tasks, each checked against its own task."""
        return self._format_nums(self._check(first, first_task) + self._check(second, second_task))

    def _check(self, numbers: Sequence[int], task: str | None) -> list[int]:
        kept = []
        for n in dict.fromkeys(numbers):
            if n not in self.ctx.by_number:
                kept.append(n)
                continue
            conf, thr, thing = self.confidence(n, task)
            if _ge(conf, thr):
                kept.append(n)
                self._sure_conf.append(conf)
            else:
                self._unsure.append((n, thing, conf))
        if numbers and not kept:
            self._emptied = True
        return kept

    def _format_nums(self, numbers: Sequence[int]) -> str:
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

    def thing(self, thing: str) -> str:
        kind, _, ident = thing.partition(":")
        return taxonomy().name(kind, ident, self.lang)

    def item(self, code: str, utterances: Iterable[int], **fields: Any) -> dict | None:
        """The claim (``None`` when none of its cited utterances is sure); the unsure ones
        become questions in ``self.questions``."""
        entry = catalog()["codes"][code]
        unsure, sure_conf, emptied = self._unsure, self._sure_conf, self._emptied
        self._reset()
        dropped = {n for n, _, _ in unsure}
        self._ask(entry["kind"], code, unsure)
        if emptied:
            return None
        return {
            "kind": entry["kind"],
            "code": code,
            "text": entry[self.lang].format(**fields),
            "utterances": sorted(n for n in dict.fromkeys(utterances) if n not in dropped),
            "certainty": "claim",
            "confidence": round(min(sure_conf), 4) if sure_conf else None,
        }

    def absent(self, code: str, task: str) -> dict | None:
        """A negative claim ("no action plan") when no utterance reaches the doubt threshold for
        ``task``; otherwise a question about the likeliest utterances."""
        entry = catalog()["codes"][code]
        scored = sorted(((_task_conf(u, task), number(u)) for u in self.ctx.utts), reverse=True)
        best = scored[0][0] if scored else 0.0
        if best < float(self.policy["doubt"]):
            return {"kind": entry["kind"], "code": code, "text": entry[self.lang],
                    "utterances": [], "certainty": "claim", "confidence": round(1.0 - best, 4)}
        candidates = [(n, f"task:{task}", c) for c, n in scored[:MAX_QUESTION_CANDIDATES]
                      if c >= float(self.policy["doubt"])]
        self._ask(entry["kind"], code, candidates)
        return None

    def _ask(self, kind: str, code: str, unsure: list[tuple[int, str, float]]) -> None:
        """One question per thing ("Ujaran 5 dan 22 mungkin merupakan kontrak waktu?"), each
        (utterance, thing) asked once per feedback."""
        by_thing: dict[str, list[tuple[int, float]]] = {}
        for n, thing, conf in unsure:
            if (n, thing) not in self._asked:
                self._asked.add((n, thing))
                by_thing.setdefault(thing, []).append((n, conf))
        for thing, found in by_thing.items():
            nums = sorted(n for n, _ in found)
            template = self.words["question_one" if len(nums) == 1 else "question_many"]
            text = template.format(utts=self._format_nums(nums), thing=self.thing(thing))
            self.questions.append({
                "kind": kind,
                "code": code,
                "text": text[:1].upper() + text[1:],
                "utterances": nums,
                "certainty": "question",
                "confidence": round(max(c for _, c in found), 4),
            })

    def take_questions(self) -> list[dict]:
        out, self.questions = self.questions, []
        return out


def _ge(conf: float, threshold: float) -> bool:
    return conf >= threshold - 1e-9


def _task_conf(u: LabelledUtterance, task: str) -> float:
    """Calibrated probability that ``u`` accomplishes ``task`` (hand-built utterances without
    probabilities: their label confidence when the task is marked, else 0)."""
    if u.task_confidence is None:
        return float(u.confidence) if task in u.tasks else 0.0
    return float(u.task_confidence.get(task, 0.0))


def _merge_policy(policy: dict | None) -> dict:
    out = {"label": dict(DEFAULT_POLICY["label"]), "task": DEFAULT_POLICY["task"], "doubt": DEFAULT_POLICY["doubt"]}
    for key, value in (policy or {}).items():
        if key == "label" and isinstance(value, dict):
            out["label"].update(value)
        elif key in out:
            out[key] = value
    return out


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
            items.append(w.item(flag, nums, utts=w.nums(nums, checked=False), quote=_quote(c.by_number[nums[0]].text)))
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
                labels=w.labels(r["label"] for r in responses if w.is_sure(r["utterance"])),
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
        first = w.sure_first(c.done["rapport"], "rapport")[:1]
        items.append(w.item("warm_opening", first, utts=w.nums(first, "rapport")))
    if c.first_session and "structuring" in c.done and "confidentiality" in c.done:
        st, co = c.done["structuring"], c.done["confidentiality"]
        # one sentence about two tasks: each list checked against its own task
        items.append(w.item("structuring_done", st + co, utts=w.join_nums(st, "structuring", co, "confidentiality")))
    if "contract_time" in c.done:
        items.append(w.item("contract_done", c.done["contract_time"],
                            utts=w.nums(c.done["contract_time"], "contract_time")))
    if "evaluation" in c.done and "next_appointment" in c.done:
        ev = w.sure_first(c.done["evaluation"], "evaluation")[:1]
        nx = w.sure_first(c.done["next_appointment"], "next_appointment")[:1]
        items.append(w.item("closing_done", ev + nx, eval=w.nums(ev, "evaluation"), next=w.nums(nx, "next_appointment")))
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
                   labels=w.labels(r["label"] for r in responses if w.is_sure(r["utterance"])),
                   resp=w.nums(resp))]


def _technique_improvements(w: _Writer, c: _Context) -> list[dict]:
    m, items = c.m, []
    early = m["advice_before_exploration"]
    if early["found"]:
        items.append(w.item("advice_early", early["utterances"], utts=w.nums(early["utterances"])))
    must = m["must_phrases"]["utterances"]
    if must:
        match = MUST_PATTERN.search(c.by_number[must[0]].text)
        items.append(w.item("must_phrase", must, utts=w.nums(must, checked=False), quote=match.group(0) if match else ""))
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
                            avg=talk["avg_counselor_turn_words"], utts=w.nums(longest, checked=False)))
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
            items.append(w.absent("no_structuring_first", "structuring"))
        if "confidentiality" in c.missed:
            items.append(w.absent("no_confidentiality_first", "confidentiality"))
    if "contract_time" in c.missed:
        items.append(w.absent("no_contract_time", "contract_time"))
    if "exploration" in c.missed:
        items.append(w.absent("no_exploration", "exploration"))
    if not c.reached_final:
        # A session cut off before the final stage misses all its tasks at once; one
        # item says so instead of four separate ones.
        last = c.utts[-1] if c.utts else None
        if last is not None:
            stage = taxonomy().name("stage", last.stage, w.lang)
            items.append(w.item("final_stage_not_reached", [number(last)], stage=stage,
                                utts=w.nums([number(last)], checked=False)))
        return items
    for task, code in (("action_plan", "no_action_plan"), ("evaluation", "no_evaluation"),
                       ("next_appointment", "no_next_appointment")):
        if task in c.missed:
            items.append(w.absent(code, task))
    return items


def _info(w: _Writer, c: _Context) -> list[dict]:
    items = []
    session = c.m.get("session", {})
    if session.get("kind") == "follow_up" and session.get("evidence"):
        items.append(w.item("follow_up_session", [session["evidence"]],
                            utts=w.nums([session["evidence"]], checked=False)))
    if "referral" in c.done:
        items.append(w.item("referral_discussed", c.done["referral"], utts=w.nums(c.done["referral"], "referral")))
    unsure = [number(u) for u in c.utts if u.confidence < LOW_CONFIDENCE]
    if unsure:
        items.append(w.item("low_confidence", unsure, utts=w.nums(unsure, checked=False), pct=_pct(LOW_CONFIDENCE)))
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
    policy: dict | None = None,
) -> list[dict]:
    """Feedback items in ``lang`` ("id" or "en"), risk first, then strengths, improvements, info.

    ``policy``: the model's claim thresholds (``LabelModel.claim_policy``; ``DEFAULT_POLICY``
    when not given). Claims cite only sure utterances; the rest are asked about."""
    writer = _Writer(lang, policy)
    context = _Context(utterances, metrics, tasks_done, tasks_missed)
    writer.ctx = context
    items: list[dict] = []
    for rule in _RULES:
        items += [item for item in rule(writer, context) if item is not None]
        items += writer.take_questions()
    # Stable sort: kinds in KINDS order, rule order kept within a kind.
    return sorted(items, key=lambda item: KINDS.index(item["kind"]))

