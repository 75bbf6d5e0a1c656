"""The stage engine: tahap awal → inti → akhir, their tasks, the guards, and next-step guidance.

Task ids and their stages come from the analysis taxonomy (shared/domain/taxonomy.md §5), so the
case checklist and the transcript analysis speak the same language. Texts come from
``data/guidance.json`` (drawn from the seeds).
"""

from __future__ import annotations

import json
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
    if target == "inti":
        if not case.problem_definition.strip() or "problem_definition" not in done:
            failures.append("needs_problem")
        if not case.contract_versions.all():
            failures.append("needs_contract")
    elif target == "akhir":
        if case.stage != "inti" or "exploration" not in done:
            failures.append("needs_inti")
    elif target == CLOSED:
        if case.stage != "akhir":
            failures.append("needs_akhir")
        if not case.conclusions.strip():
            failures.append("needs_conclusions")
        if not case.action_steps.exists():
            failures.append("needs_action_plan")
        if not any(s.has_evaluation for s in case.sessions.all()):
            failures.append("needs_evaluation")
    return [GuardFailure(code) for code in failures]


def next_steps(case) -> list[str]:
    """Guidance for the counselor: the open tasks of the current stage, then what the next move needs."""
    if not case.is_open:
        return []
    done = {t.task for t in case.tasks.all()}
    steps = [text(guidance()["tasks"][t]) for t in tasks_of(case.stage) if t not in done]
    nxt = {"awal": "inti", "inti": "akhir", "akhir": CLOSED}[case.stage]
    for failure in check_guards(case, nxt):
        if failure.message not in steps:
            steps.append(failure.message)
    return steps


def four_step_mapping() -> list[dict]:
    """Seed 003's four steps shown against the three stages."""
    return [{"step": s["step"], "stages": s["stages"], "text": text(s)} for s in guidance()["four_steps"]]
