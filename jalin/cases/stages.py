"""The stage engine: tahap awal → inti → akhir, their tasks, the guards, and next-step guidance.

Task ids and their stages come from the analysis taxonomy (shared/domain/taxonomy.md §5), so the
case checklist and the transcript analysis speak the same language. Texts come from
``data/guidance.json`` (drawn from the seeds).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils.translation import get_language

from jalin.analysis.taxonomy import taxonomy

STAGES = ("awal", "inti", "akhir")
CLOSED = "closed"  # pseudo-target for the close guard


@lru_cache(maxsize=1)
def guidance() -> dict:
    return json.loads((Path(__file__).parent / "data" / "guidance.json").read_text("utf-8"))


def _lang() -> str:
    lang = (get_language() or "id")[:2]
    return "en" if lang == "en" else "id"


def text(entry: dict) -> str:
    return entry[_lang()]


def tasks_of(stage: str) -> list[str]:
    """Checklist tasks of a stage, in taxonomy order (referral is offered separately)."""
    return [t for t in taxonomy().tasks if taxonomy().task_stage[t] == stage]


def task_name(task: str) -> str:
    return taxonomy().name("task", task, _lang())


def stage_name(stage: str) -> str:
    return taxonomy().name("stage", stage, _lang())


@dataclass(frozen=True)
class GuardFailure:
    code: str

    @property
    def message(self) -> str:
        return text(guidance()["guards"][self.code])


def check_guards(case, target: str) -> list[GuardFailure]:
    """What stands in the way of moving ``case`` to ``target`` (a stage or CLOSED). Empty = allowed."""
    done = {t.task for t in case.tasks.all()}  # .all(): uses the case page's prefetch
    failures: list[str] = []
    # One source: the ticks. Records tick their tasks when saved (services.RECORD_TASKS).
    if target == "inti":
        if "problem_definition" not in done:
            failures.append("needs_problem")
        if not {"contract_time", "contract_task"} <= done:
            failures.append("needs_contract")
    elif target == "akhir":
        if case.stage != "inti" or "exploration" not in done:
            failures.append("needs_inti")
    elif target == CLOSED:
        if case.stage != "akhir":
            failures.append("needs_akhir")
        if "conclusion" not in done:
            failures.append("needs_conclusions")
        if "action_plan" not in done:
            failures.append("needs_action_plan")
        if "evaluation" not in done:
            failures.append("needs_evaluation")
    return [GuardFailure(code) for code in failures]


def next_steps(case) -> list[str]:
    """Guidance for the counselor: the open tasks of the current stage, then what the next move needs."""
    if not case.is_open:
        return []
    done = {t.task for t in case.tasks.all()}  # .all(): uses the case page's prefetch
    open_tasks = [t for t in tasks_of(case.stage) if t not in done]
    steps = [text(guidance()["tasks"][t]) for t in open_tasks]
    nxt = {"awal": "inti", "inti": "akhir", "akhir": CLOSED}[case.stage]
    for failure in check_guards(case, nxt):
        # A guard that only repeats an open task of this stage says nothing new.
        if set(GUARD_TASKS.get(failure.code, ())) & set(open_tasks) or failure.message in steps:
            continue
        steps.append(failure.message)
    return steps


# The stage tasks each guard stands for: the guidance names a guard's task once, not twice.
GUARD_TASKS = {
    "needs_problem": ("problem_definition",),
    "needs_contract": ("contract_time", "contract_task"),
    "needs_inti": ("exploration",),
    "needs_conclusions": ("conclusion",),
    "needs_action_plan": ("action_plan",),
    "needs_evaluation": ("evaluation",),
}


def four_step_mapping() -> list[dict]:
    """Seed 003's four steps shown against the three stages."""
    return [{"step": s["step"], "stages": s["stages"], "stage_names": [stage_name(x) for x in s["stages"]],
             "text": text(s)} for s in guidance()["four_steps"]]


def _place_name(place: str) -> str:
    if place == CLOSED:
        from django.utils.translation import gettext

        return gettext("closed")
    return stage_name(place) if place in STAGES else place


def describe_event(event) -> str:
    """What an event in the case history means, in words: stage names, task names, guard texts; never keys."""
    from django.utils.translation import gettext

    from .models import Case, CaseEvent

    kind, code = event.kind, event.code
    if kind == CaseEvent.Kind.STAGE:
        return f"{_place_name(event.from_stage)} → {_place_name(event.to_stage)}"
    if kind == CaseEvent.Kind.OVERRIDE:
        guards = guidance()["guards"]
        reasons = [text(guards[c]) for c in code.split(",") if c in guards]
        return f"{_place_name(event.from_stage)} → {_place_name(event.to_stage)}: " + " ".join(reasons)
    if kind == CaseEvent.Kind.TASK and code in taxonomy().task_stage:
        return task_name(code)
    if kind == CaseEvent.Kind.CONTRACT and code.startswith("v"):
        return gettext("version %(number)s") % {"number": code[1:]}
    if kind == CaseEvent.Kind.CLOSED and code in Case.ClosureReason.values:
        return str(Case.ClosureReason(code).label)
    if kind in (CaseEvent.Kind.OPENED, CaseEvent.Kind.REOPENED) and event.to_stage:
        return _place_name(event.to_stage)
    if kind == CaseEvent.Kind.REFERRED and event.from_stage:
        return gettext("from %(stage)s") % {"stage": _place_name(event.from_stage)}
    return ""


# Words a counselor writes in session notes when the counselee resists (seed 001's three signs).
RESISTANCE_NOTE = re.compile(r"\b(resisten\w*|resistan\w*|menolak bicara|enggan|defensif|menarik diri|"
                             r"resist\w*|reluctan\w*|defensive)\b", re.IGNORECASE)


def shows_resistance(case) -> bool:
    """Whether the resistance hint belongs on this case: it is open and a session note or an analysed
    transcript of its sessions shows resistance (seed 001). New and closed cases never show it."""
    if not case.is_open:
        return False
    sessions = list(case.sessions.all())
    if any(RESISTANCE_NOTE.search(f"{s.notes_awal} {s.notes_inti} {s.notes_akhir}") for s in sessions):
        return True
    if not getattr(case, "has_done_analysis", True):  # the case page asked already: no analysis done
        return False
    # Imported here: the practice app builds on cases.
    from jalin.practice.models import AnalysisJob

    jobs = AnalysisJob.objects.filter(transcript__session__case=case, status=AnalysisJob.Status.DONE)
    return any((job.result or {}).get("report", {}).get("metrics", {}).get("resistance_episodes") for job in jobs)
