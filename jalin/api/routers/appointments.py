"""Appointments of a case: list (cursor pages, filters), detail, create, update and cancel.

Reads open the case through ``jalin.cases.access`` (a colleague's case is the same 404 as a missing one);
writes go through ``jalin.cases.services.save_appointment``, the function the web's appointment form
calls, so its rules (open case, processing consent, 5–480 minutes, a new appointment in the future)
and its audit events are the web's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import Http404, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from jalin.audit.services import record
from jalin.cases import access
from jalin.cases import services as case_services
from jalin.cases.models import Appointment

from .res_common import StrictSchema, created, page_of, read_scope, write_scope

router = Router(tags=["appointments"])

Mode = Literal["in_person", "online"]
Status = Literal["scheduled", "held", "cancelled", "no_show"]


class AppointmentOut(Schema):
    id: int
    case_id: int
    starts_at: datetime
    duration_minutes: int
    mode: Mode
    status: Status
    created_at: datetime


class AppointmentPage(Schema):
    items: list[AppointmentOut]
    next_cursor: str | None = Field(None, description="Pass as `cursor` for the next page; null on the last.")


class AppointmentIn(StrictSchema):
    case_id: int = Field(..., ge=1)
    starts_at: datetime = Field(..., description="ISO 8601; without an offset it is read in the site's time zone.")
    duration_minutes: int = Field(45, ge=5, le=480)
    mode: Mode = "in_person"


class AppointmentPatch(StrictSchema):
    starts_at: datetime | None = None
    duration_minutes: int | None = Field(None, ge=5, le=480)
    mode: Mode | None = None
    status: Status | None = None


class AppointmentFilters(StrictSchema):
    case_id: int | None = Field(None, ge=1)
    status: Status | None = None
    starts_after: datetime | None = None
    starts_before: datetime | None = None
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value)
    return value


def _out(appointment: Appointment) -> dict:
    return {"id": appointment.pk, "case_id": appointment.case_id, "starts_at": appointment.starts_at,
            "duration_minutes": appointment.duration_minutes, "mode": appointment.mode,
            "status": appointment.status, "created_at": appointment.created_at}


def _get(request, appointment_id: int, *, write: bool = False) -> Appointment:
    """The appointment through its case's door: not readable (or, to write, not writable) is a 404."""
    cases = access.writable_cases_for_user(request.user) if write else access.cases_for_user(request.user)
    appointment = (Appointment.objects.select_related("case", "case__counselee")
                   .filter(pk=appointment_id, case__in=cases).first())
    if appointment is None:
        raise Http404
    return appointment


@router.get("/appointments", response=AppointmentPage, auth=read_scope, summary="List appointments")
def list_appointments(request, filters: Query[AppointmentFilters]):
    """Appointments of the cases the caller may read, soonest first; `case_id` narrows to one case
    (a case the caller may not read is a 404)."""
    qs = Appointment.objects.filter(access.readable_cases_q(request.user, prefix="case__"))
    if filters.case_id is not None:
        case = access.get_case_for_user(request.user, filters.case_id)
        qs = qs.filter(case=case)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.starts_after:
        qs = qs.filter(starts_at__gte=_aware(filters.starts_after))
    if filters.starts_before:
        qs = qs.filter(starts_at__lt=_aware(filters.starts_before))
    items, next_cursor = page_of(qs, order=("starts_at", "id"), cursor=filters.cursor, limit=filters.limit)
    record("appointment.list", actor=request.user, request=request, count=len(items),
           case=filters.case_id)
    return {"items": [_out(a) for a in items], "next_cursor": next_cursor}


@router.get("/appointments/{appointment_id}", response=AppointmentOut, auth=read_scope, summary="One appointment")
def get_appointment(request, appointment_id: int):
    appointment = _get(request, appointment_id)
    case = appointment.case
    record("case.view", actor=request.user, obj=appointment, case_id=case.pk, counselee_id=case.counselee_id,
           request=request, page="api_appointment")
    return _out(appointment)


@router.post("/appointments", response={201: AppointmentOut}, auth=write_scope, summary="Make an appointment")
def create_appointment(request, response: HttpResponse, payload: AppointmentIn):
    case = access.get_case_for_user(request.user, payload.case_id, write=True)
    appointment = Appointment(case=case, starts_at=_aware(payload.starts_at),
                              duration_minutes=payload.duration_minutes, mode=payload.mode)
    case_services.save_appointment(appointment, actor=request.user, request=request)
    return created(request, response, _out(appointment), f"appointments/{appointment.pk}")


@router.patch("/appointments/{appointment_id}", response=AppointmentOut, auth=write_scope,
              summary="Change an appointment (time, duration, mode, status)")
def update_appointment(request, appointment_id: int, payload: AppointmentPatch):
    appointment = _get(request, appointment_id, write=True)
    changes = payload.model_dump(exclude_unset=True)
    for name, value in changes.items():
        if value is None:
            from .res_common import field_problem

            raise field_problem(name, "null")
        setattr(appointment, name, _aware(value) if name == "starts_at" else value)
    case_services.save_appointment(appointment, actor=request.user, request=request)
    return _out(appointment)


@router.post("/appointments/{appointment_id}/cancel", response=AppointmentOut, auth=write_scope,
             summary="Cancel an appointment")
def cancel_appointment(request, appointment_id: int):
    """The web cancels by setting the status to "cancelled" on the appointment form: the same save."""
    appointment = _get(request, appointment_id, write=True)
    appointment.status = Appointment.Status.CANCELLED
    case_services.save_appointment(appointment, actor=request.user, request=request)
    return _out(appointment)
