"""Cases: list (cursor, filters), open, read, edit; stage moves through the stage guards; contract versions;
the stage checklist; the event history. Every write is the web's service call; every case opens through
``jalin.cases.access`` (a colleague's case is a 404, as on the web)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import Http404
from ninja import Query, Router, Schema, Status
from pydantic import Field

from jalin.analysis.taxonomy import taxonomy
from jalin.cases import access, services, stages
from jalin.cases.forms import CaseForm, CloseForm, ContractForm, NewCaseForm, ReopenForm, StageForm, TaskForm
from jalin.cases.models import Case, CaseEvent

from ..context import acting_user, audit_read
from ..formdata import clean
from ..pagination import paginate
from ..schemas import InputSchema, Page, PageParams
from ._res_common import MAX_ID

router = Router(tags=["cases"])

StageCode = Literal[stages.STAGES]
Area = Literal[tuple(Case.Area.values)]
CameVia = Literal[tuple(Case.CameVia.values)]
CaseStatus = Literal[tuple(Case.Status.values)]


class CaseOut(Schema):
    id: int
    code: str
    counselee_id: int
    counselor_id: int
    area: str
    came_via: str
    status: str
    stage: str
    opened_on: date
    closed_at: datetime | None
    closure_reason: str
    reported_by: str
    description: str
    problem_definition: str
    conclusions: str
    version: int = Field(description="Send as expected_version with a change: a stale version is a 409")
    created_at: datetime
    updated_at: datetime


class CaseIn(InputSchema):
    counselee_id: int = Field(ge=1, le=MAX_ID)
    area: Area
    came_via: CameVia
    opened_on: date | None = Field(None, description="default: today")
    reported_by: str = ""
    description: str = ""


class CasePatch(InputSchema):
    expected_version: int | None = Field(None, description="the version you read; null: no check")
    area: Area | None = None
    came_via: CameVia | None = None
    opened_on: date | None = None
    reported_by: str | None = None
    description: str | None = None
    problem_definition: str | None = None
    conclusions: str | None = None


class CaseFilters(PageParams):
    stage: StageCode | None = None
    status: CaseStatus | None = None
    counselee_id: int | None = Field(None, ge=1, le=MAX_ID)


class StageIn(InputSchema):
    target: StageCode
    expected_version: int | None = None
    override_reason: str = Field("", max_length=2000,
                                 description="a written reason overrides the guards (recorded as an event)")


ClosureReason = Literal[tuple(Case.ClosureReason.values)]


class CloseIn(InputSchema):
    expected_version: int | None = None
    closure_reason: ClosureReason | None = Field(None, description="none: the close guards apply")
    override_reason: str = Field("", max_length=2000, description="a written reason overrides the guards")


class ReopenIn(InputSchema):
    expected_version: int | None = None
    reason: str = Field(max_length=2000)


class ContractOut(Schema):
    id: int
    number: int
    sessions_planned: int
    minutes_per_session: int
    period_start: date
    period_end: date
    counselor_tasks: str
    counselee_tasks: str
    collaboration: str
    agreed_on: date
    change_note: str
    created_at: datetime


class ContractIn(InputSchema):
    sessions_planned: int
    minutes_per_session: int
    period_start: date
    period_end: date
    counselor_tasks: str
    counselee_tasks: str
    collaboration: str = ""
    agreed_on: date
    change_note: str = ""


class TaskOut(Schema):
    task: str
    stage: str
    name: str
    done: bool
    done_at: datetime | None
    source: str | None
    by_record: bool = Field(description="done by saving its record (form), not by ticking it")


class TaskIn(InputSchema):
    done: bool


class EventOut(Schema):
    id: int
    kind: str
    from_stage: str
    to_stage: str
    code: str
    description: str
    at: datetime


def _case(request, case_id: int, *, write: bool = False) -> Case:
    return access.get_case_for_user(acting_user(request), case_id, write=write)


def _read(request, case: Case, **detail) -> None:
    audit_read(request, "case.view", obj=case, case_id=case.pk, counselee_id=case.counselee_id, **detail)


@router.get("/cases", response=Page[CaseOut], summary="Cases you handle or were granted")
def list_cases(request, filters: Query[CaseFilters]):
    cases = access.cases_for_user(acting_user(request))
    if filters.stage:
        cases = cases.filter(stage=filters.stage)
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.counselee_id is not None:
        cases = cases.filter(counselee_id=filters.counselee_id)
    result = paginate(cases, cursor=filters.cursor, limit=filters.limit)
    audit_read(request, "case.list", count=len(result["items"]))
    return result


@router.post("/cases", response={201: CaseOut}, summary="Open a case for a counselee (counselors)")
def open_case(request, data: CaseIn):
    from django.utils import timezone

    user = acting_user(request)
    counselee = access.get_counselee_for_user(user, data.counselee_id)
    if not user.is_counselor:
        raise Http404
    fields = data.model_dump(exclude={"counselee_id"})
    fields["opened_on"] = fields["opened_on"] or timezone.localdate()
    cleaned = clean(NewCaseForm, fields)
    return Status(201, services.open_case(actor=user, counselee=counselee, data=cleaned, request=request))


@router.get("/cases/{case_id}", response=CaseOut)
def get_case(request, case_id: int):
    case = _case(request, case_id)
    _read(request, case)
    return case


@router.patch("/cases/{case_id}", response=CaseOut, summary="Edit a case (same fields as the web form)")
def update_case(request, case_id: int, data: CasePatch):
    case = _case(request, case_id, write=True)
    patch = data.model_dump(exclude_unset=True)
    expected = patch.pop("expected_version", None)
    cleaned = clean(CaseForm, patch, instance=case, partial=True)
    cleaned.pop("version", None)
    return services.update_case(case, actor=acting_user(request), data=cleaned, expected_version=expected,
                                request=request)


@router.post("/cases/{case_id}/stage", response=CaseOut,
             summary="Move the case to another stage; the stage guards apply (409 stage_guard lists them)")
def change_stage(request, case_id: int, data: StageIn):
    case = _case(request, case_id, write=True)
    cleaned = clean(StageForm, {"target": data.target, "override_reason": data.override_reason})
    return services.change_stage(case, cleaned["target"], actor=acting_user(request),
                                 expected_version=data.expected_version,
                                 override_reason=cleaned["override_reason"], request=request)


@router.post("/cases/{case_id}/close", response=CaseOut,
             summary="Close the case; the close guards apply unless a closure reason or an override is given")
def close_case(request, case_id: int, data: CloseIn):
    case = _case(request, case_id, write=True)
    cleaned = clean(CloseForm, {"closure_reason": data.closure_reason, "override_reason": data.override_reason})
    return services.close_case(case, actor=acting_user(request), expected_version=data.expected_version,
                               closure_reason=cleaned["closure_reason"],
                               override_reason=cleaned["override_reason"], request=request)


@router.post("/cases/{case_id}/reopen", response=CaseOut, summary="Reopen a closed case, saying why")
def reopen_case(request, case_id: int, data: ReopenIn):
    case = _case(request, case_id, write=True)
    cleaned = clean(ReopenForm, {"reason": data.reason})
    return services.reopen_case(case, actor=acting_user(request), expected_version=data.expected_version,
                                reason=cleaned["reason"], request=request)


@router.get("/cases/{case_id}/contracts", response=list[ContractOut], summary="Contract versions, oldest first")
def list_contracts(request, case_id: int):
    case = _case(request, case_id)
    _read(request, case, part="contracts")
    return list(case.contract_versions.order_by("number"))


@router.post("/cases/{case_id}/contracts", response={201: ContractOut},
             summary="Agree a new contract version (the earlier ones stay)")
def agree_contract(request, case_id: int, data: ContractIn):
    case = _case(request, case_id, write=True)
    cleaned = clean(ContractForm, data.model_dump())
    return Status(201, services.agree_contract(case, actor=acting_user(request), data=cleaned, request=request))


def _tasks(case: Case) -> list[dict]:
    done = {t.task: t for t in case.tasks.all()}
    rows = []
    for stage in stages.STAGES:
        for task in stages.tasks_of(stage):
            tick = done.get(task)
            rows.append({"task": task, "stage": stage, "name": stages.task_name(task), "done": tick is not None,
                         "done_at": tick.done_at if tick else None, "source": tick.source if tick else None,
                         "by_record": task in services.RECORD_TASKS})
    return rows


@router.get("/cases/{case_id}/tasks", response=list[TaskOut], summary="The stage checklist")
def list_tasks(request, case_id: int):
    case = _case(request, case_id)
    _read(request, case, part="tasks")
    return _tasks(case)


@router.put("/cases/{case_id}/tasks/{task}", response=list[TaskOut],
            summary="Tick or untick a checklist task (record-backed tasks are done by their record)")
def set_task(request, case_id: int, task: str, data: TaskIn):
    case = _case(request, case_id, write=True)
    if task not in taxonomy().tasks:
        raise Http404
    cleaned = clean(TaskForm, {"task": task, "done": data.done})
    services.set_task(case, cleaned["task"], cleaned["done"], actor=acting_user(request), request=request)
    return _tasks(case)


@router.get("/cases/{case_id}/events", response=Page[EventOut], summary="The case history, newest first")
def list_events(request, case_id: int, page: Query[PageParams]):
    case = _case(request, case_id)
    result = paginate(CaseEvent.objects.filter(case=case), cursor=page.cursor, limit=page.limit)
    result["items"] = [{"id": e.pk, "kind": e.kind, "from_stage": e.from_stage, "to_stage": e.to_stage,
                        "code": e.code, "description": stages.describe_event(e), "at": e.at}
                       for e in result["items"]]
    _read(request, case, part="events")
    return result
