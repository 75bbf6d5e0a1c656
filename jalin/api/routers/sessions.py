"""Sessions (notes, evaluation) and the action plan, through the web's forms and services."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.utils import timezone
from ninja import Query, Router, Schema, Status
from pydantic import Field

from jalin.cases import access, services, stages
from jalin.cases.forms import ActionStepForm, SessionForm
from jalin.cases.models import ActionStep, CounselingSession

from ..context import acting_user, audit_read
from ..formdata import clean, validated_form
from ..pagination import paginate
from ..schemas import InputSchema, Page, PageParams

router = Router(tags=["sessions"])

# Wall-clock times are local (JALIN_TIME_ZONE), without an offset: JSON Schema's "time" format needs one.
TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"

StageCode = Literal[stages.STAGES]
Mode = Literal[tuple(CounselingSession.Mode.values)]
StepOwner = Literal[tuple(ActionStep.Owner.values)]
StepStatus = Literal[tuple(ActionStep.Status.values)]


class SessionOut(Schema):
    id: int
    case_id: int
    number: int
    date: dt.date
    start_time: str = Field(pattern=TIME_PATTERN, description="local time, HH:MM")
    duration_minutes: int
    mode: str
    stage_reached: str
    notes_awal: str
    notes_inti: str
    notes_akhir: str
    eval_understanding: str
    eval_comfort: str
    eval_action: str
    version: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_start_time(obj) -> str:
        return obj.start_time.strftime("%H:%M")


class SessionIn(InputSchema):
    date: dt.date | None = Field(None, description="default: today; never in the future")
    start_time: str = Field(pattern=TIME_PATTERN, description="local time, HH:MM")
    duration_minutes: int = 45
    mode: Mode = "in_person"
    stage_reached: StageCode | None = Field(None, description="default: the case's stage")
    notes_awal: str = ""
    notes_inti: str = ""
    notes_akhir: str = ""
    eval_understanding: str = ""
    eval_comfort: str = ""
    eval_action: str = ""


class SessionPatch(InputSchema):
    expected_version: int | None = None
    date: dt.date | None = None
    start_time: str | None = Field(None, pattern=TIME_PATTERN)
    duration_minutes: int | None = None
    mode: Mode | None = None
    stage_reached: StageCode | None = None
    notes_awal: str | None = None
    notes_inti: str | None = None
    notes_akhir: str | None = None
    eval_understanding: str | None = None
    eval_comfort: str | None = None
    eval_action: str | None = None


class ActionStepOut(Schema):
    id: int
    case_id: int
    description: str
    owner: str
    due_date: dt.date | None
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime


class ActionStepIn(InputSchema):
    description: str
    owner: StepOwner = "counselee"
    due_date: dt.date | None = None
    status: StepStatus = "planned"


class ActionStepPatch(InputSchema):
    description: str | None = None
    owner: StepOwner | None = None
    due_date: dt.date | None = None
    status: StepStatus | None = None


@router.get("/cases/{case_id}/sessions", response=Page[SessionOut], summary="Sessions of a case, newest first")
def list_sessions(request, case_id: int, page: Query[PageParams]):
    case = access.get_case_for_user(acting_user(request), case_id)
    result = paginate(case.sessions.all(), cursor=page.cursor, limit=page.limit)
    audit_read(request, "case.view", obj=case, case_id=case.pk, counselee_id=case.counselee_id, part="sessions")
    return result


@router.post("/cases/{case_id}/sessions", response={201: SessionOut}, summary="Record a session")
def create_session(request, case_id: int, data: SessionIn):
    case = access.get_case_for_user(acting_user(request), case_id, write=True)
    fields = data.model_dump()
    fields["date"] = fields["date"] or timezone.localdate()
    fields["stage_reached"] = fields["stage_reached"] or case.stage
    cleaned = clean(SessionForm, fields)
    cleaned.pop("version", None)
    return Status(201, services.record_session(case, actor=acting_user(request), data=cleaned, request=request))


@router.get("/sessions/{session_id}", response=SessionOut)
def get_session(request, session_id: int):
    session = access.get_session_for_user(acting_user(request), session_id)
    audit_read(request, "session.view", obj=session, case_id=session.case_id,
               counselee_id=session.case.counselee_id)
    return session


@router.patch("/sessions/{session_id}", response=SessionOut, summary="Edit a session's record")
def update_session(request, session_id: int, data: SessionPatch):
    session = access.get_session_for_user(acting_user(request), session_id, write=True)
    patch = data.model_dump(exclude_unset=True)
    expected = patch.pop("expected_version", None)
    cleaned = clean(SessionForm, patch, instance=session, partial=True)
    cleaned.pop("version", None)
    return services.update_session(session, actor=acting_user(request), data=cleaned, expected_version=expected,
                                   request=request)


@router.get("/cases/{case_id}/action-steps", response=Page[ActionStepOut], summary="The action plan")
def list_action_steps(request, case_id: int, page: Query[PageParams]):
    case = access.get_case_for_user(acting_user(request), case_id)
    result = paginate(case.action_steps.all(), cursor=page.cursor, limit=page.limit)
    audit_read(request, "case.view", obj=case, case_id=case.pk, counselee_id=case.counselee_id,
               part="action_steps")
    return result


@router.post("/cases/{case_id}/action-steps", response={201: ActionStepOut}, summary="Add an action plan step")
def create_action_step(request, case_id: int, data: ActionStepIn):
    case = access.get_case_for_user(acting_user(request), case_id, write=True)
    form = validated_form(ActionStepForm, data.model_dump(), instance=ActionStep(case=case))
    return Status(201, services.save_action_step(form.instance, actor=acting_user(request), request=request))


@router.patch("/cases/{case_id}/action-steps/{step_id}", response=ActionStepOut, summary="Edit an action plan step")
def update_action_step(request, case_id: int, step_id: int, data: ActionStepPatch):
    case = access.get_case_for_user(acting_user(request), case_id, write=True)
    step = access.get_child_for_user(acting_user(request), ActionStep, case, step_id)
    form = validated_form(ActionStepForm, data.model_dump(exclude_unset=True), instance=step, partial=True)
    return services.save_action_step(form.instance, actor=acting_user(request), request=request)
