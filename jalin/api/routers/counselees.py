"""Counselees: list, register, read, edit — through jalin.cases.access and jalin.cases.services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import Http404
from ninja import Query, Router, Schema, Status

from jalin.cases import access, services
from jalin.cases.forms import CounseleeForm
from jalin.cases.models import Counselee

from ..context import acting_user, audit_read
from ..formdata import clean
from ..pagination import paginate
from ..schemas import InputSchema, Page, PageParams

router = Router(tags=["counselees"])

Gender = Literal[tuple(Counselee.Gender.values)]


class CounseleeOut(Schema):
    id: int
    code: str
    name: str
    birth_year: int | None
    birth_date: date | None
    gender: str
    affiliation: str
    contact: str
    is_minor: bool
    guardian_name: str
    guardian_contact: str
    created_at: datetime


class CounseleeIn(InputSchema):
    name: str
    birth_year: int | None = None
    birth_date: date | None = None
    gender: Gender = "x"
    affiliation: str = ""
    contact: str = ""
    is_minor: bool = False
    guardian_name: str = ""
    guardian_contact: str = ""


class CounseleePatch(InputSchema):
    name: str | None = None
    birth_year: int | None = None
    birth_date: date | None = None
    gender: Gender | None = None
    affiliation: str | None = None
    contact: str | None = None
    is_minor: bool | None = None
    guardian_name: str | None = None
    guardian_contact: str | None = None


@router.get("/counselees", response=Page[CounseleeOut], summary="Counselees you registered or whose case you see")
def list_counselees(request, page: Query[PageParams]):
    # No name search in the URL: names never go into URLs or logs (the web searches by POST).
    user = acting_user(request)
    result = paginate(access.counselees_for_user(user), cursor=page.cursor, limit=page.limit)
    audit_read(request, "counselee.list", count=len(result["items"]))
    return result


@router.post("/counselees", response={201: CounseleeOut}, summary="Register a counselee (counselors)")
def create_counselee(request, data: CounseleeIn):
    user = acting_user(request)
    if not user.is_counselor:
        raise Http404
    cleaned = clean(CounseleeForm, data.model_dump())
    return Status(201, services.create_counselee(actor=user, data=cleaned, request=request))


@router.get("/counselees/{counselee_id}", response=CounseleeOut)
def get_counselee(request, counselee_id: int):
    user = acting_user(request)
    counselee = access.get_counselee_for_user(user, counselee_id)
    audit_read(request, "counselee.view", obj=counselee, counselee_id=counselee.pk)
    return counselee


@router.patch("/counselees/{counselee_id}", response=CounseleeOut,
              summary="Edit a counselee (the counselor who registered them)")
def update_counselee(request, counselee_id: int, data: CounseleePatch):
    user = acting_user(request)
    counselee = access.get_counselee_for_user(user, counselee_id)
    if counselee.registered_by_id != user.pk:
        raise Http404
    cleaned = clean(CounseleeForm, data.model_dump(exclude_unset=True), instance=counselee, partial=True)
    return services.update_counselee(counselee, actor=user, data=cleaned, request=request)
