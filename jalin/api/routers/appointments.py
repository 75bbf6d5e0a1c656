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
from ninja import Field, Query, Router, Schema

from jalin.cases import access
from jalin.cases import services as case_services
from jalin.cases.forms import AppointmentForm
from jalin.cases.models import Appointment

from ..context import audit_read
from ..formdata import validated_form
from ._res_common import (
    MAX_ID,
    Moment,
    StrictSchema,
    audit_cases_read,
    created,
    page_of,
    read_scope,
    refuse_unknown_query,
    write_scope,
)

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
    starts_at: Moment = Field(..., description="ISO 8601; without an offset it is read in the site's time zone.")
    duration_minutes: int = Field(45, ge=5, le=480)
    mode: Mode = "in_person"
    status: Status = "scheduled"


class AppointmentPatch(StrictSchema):
    starts_at: Moment | None = None
    duration_minutes: int | None = Field(None, ge=5, le=480)
    mode: Mode | None = None
    status: Status | None = None


class AppointmentFilters(StrictSchema):
    status: Status | None = None
    starts_after: Moment | None = Field(None, description="From this moment on (inclusive).")
    starts_before: Moment | None = Field(None, description="Before this moment.")
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class AllAppointmentFilters(AppointmentFilters):
    case_id: int | None = Field(None, ge=1, le=MAX_ID, description="Only this case (a case you may not read is a 404).")


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


def _page(request, qs, filters: AppointmentFilters) -> dict:
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.starts_after:
        qs = qs.filter(starts_at__gte=filters.starts_after)
    if filters.starts_before:
        qs = qs.filter(starts_at__lt=filters.starts_before)
    items, next_cursor = page_of(qs.select_related("case"), order=("starts_at", "id"), cursor=filters.cursor,
                                 limit=filters.limit)
    audit_cases_read(request, items, part="appointments")
    return {"items": [_out(a) for a in items], "next_cursor": next_cursor}


@router.get("/appointments", response=AppointmentPage, auth=read_scope, summary="List appointments of all my cases")
def list_appointments(request, filters: Query[AllAppointmentFilters]):
    """Appointments of the cases the caller may read (own, shared, under a supervision grant), soonest first."""
    refuse_unknown_query(request, AllAppointmentFilters)
    qs = Appointment.objects.filter(access.readable_cases_q(request.user, prefix="case__"))
    if filters.case_id is not None:
        qs = qs.filter(case=access.get_case_for_user(request.user, filters.case_id))
    return _page(request, qs, filters)


@router.get("/cases/{case_id}/appointments", response=AppointmentPage, auth=read_scope,
            summary="List a case's appointments")
def list_case_appointments(request, case_id: int, filters: Query[AppointmentFilters]):
    refuse_unknown_query(request, AppointmentFilters)
    case = access.get_case_for_user(request.user, case_id)
    return _page(request, case.appointments.all(), filters)


@router.get("/appointments/{appointment_id}", response=AppointmentOut, auth=read_scope, summary="One appointment")
def get_appointment(request, appointment_id: int):
    refuse_unknown_query(request)
    appointment = _get(request, appointment_id)
    case = appointment.case
    audit_read(request, "case.view", obj=appointment, case_id=case.pk, counselee_id=case.counselee_id,
               part="appointment")
    return _out(appointment)


@router.post("/cases/{case_id}/appointments", response={201: AppointmentOut}, auth=write_scope,
             summary="Make an appointment")
def create_appointment(request, response: HttpResponse, case_id: int, data: AppointmentIn):
    """As the web's appointment form: the case must be open, with consent to processing, the time in the future
    and 5 to 480 minutes long; in the final stage it ticks the "next appointment" task."""
    case = access.get_case_for_user(request.user, case_id, write=True)
    form = validated_form(AppointmentForm, data.model_dump(), instance=Appointment(case=case))
    appointment = case_services.save_appointment(form.instance, actor=request.user, request=request)
    return created(request, response, _out(appointment), f"appointments/{appointment.pk}")


@router.patch("/appointments/{appointment_id}", response=AppointmentOut, auth=write_scope,
              summary="Change an appointment (time, duration, mode, status)")
def update_appointment(request, appointment_id: int, data: AppointmentPatch):
    """Fields left out keep their value; the web's appointment form checks the result, its save writes it."""
    appointment = _get(request, appointment_id, write=True)
    form = validated_form(AppointmentForm, data.model_dump(exclude_unset=True), instance=appointment, partial=True)
    case_services.save_appointment(form.instance, actor=request.user, request=request)
    return _out(form.instance)


@router.post("/appointments/{appointment_id}/cancel", response=AppointmentOut, auth=write_scope,
             summary="Cancel an appointment")
def cancel_appointment(request, appointment_id: int):
    """The web cancels by setting the status to "cancelled" on the appointment form: the same form, the same save."""
    appointment = _get(request, appointment_id, write=True)
    form = validated_form(AppointmentForm, {"status": Appointment.Status.CANCELLED}, instance=appointment,
                          partial=True)
    case_services.save_appointment(form.instance, actor=request.user, request=request)
    return _out(form.instance)
