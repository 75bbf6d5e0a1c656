"""Measures given in a case: administrations with their scores and bands, giving one, and each one's FHIR
R4 QuestionnaireResponse.

Reads open the case through ``jalin.cases.access``; giving a measure calls
``jalin.measures.services.record_administration``, the function the web's measure form calls (scoring,
alerts, consent, the LAISEG evaluation tick and the audit events are the web's). The instruments offered
are the web form's (``instrument_choices``: no instrument without licensed wording).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from django.http import Http404, HttpResponse
from ninja import Field, Query, Router, Schema

from jalin.cases import access
from jalin.measures import services as measure_services
from jalin.measures.forms import ChooseInstrumentForm, InstrumentForm
from jalin.measures.instruments import (
    AnswerError,
    UnknownInstrumentError,
    get_instrument,
    questionnaire_response,
)
from jalin.measures.models import Administration

from ..context import audit_read
from ._res_common import (
    MAX_ID,
    Moment,
    StrictSchema,
    audit_cases_read,
    created,
    field_problem,
    page_of,
    problem,
    read_scope,
    refuse_unknown_query,
    ui_lang,
    web_form,
    write_scope,
)

router = Router(tags=["measures"])


class BandOut(Schema):
    id: str
    label: str = Field(..., description="In the caller's language (Accept-Language).")


class CriticalItemOut(Schema):
    item: str
    value: Any
    condition: str


class AdministrationOut(Schema):
    id: int
    case_id: int
    session_id: int | None
    instrument: str
    instrument_name: str
    instrument_version: str
    language: Literal["id", "en"] | str
    mode: Literal["in_session", "link"]
    administered_at: datetime
    total: float | None
    subscales: dict[str, float]
    band: BandOut | None
    critical_items: list[CriticalItemOut]
    fhir_url: str


class AdministrationDetailOut(AdministrationOut):
    answers: dict[str, int | str]


class AdministrationPage(Schema):
    items: list[AdministrationOut]
    next_cursor: str | None = None


class AdministrationIn(StrictSchema):
    instrument: str = Field(..., min_length=1, max_length=40, description="Code, e.g. `phq9` (GET /instruments "
                                                                          "of the web lists them).")
    language: Literal["id", "en"] = "id"
    answers: dict[str, int | str] = Field(..., description="Item id → answer value, as the instrument defines.")
    session_id: int | None = Field(None, ge=1, le=MAX_ID)
    administered_at: Moment | None = Field(None, description="Defaults to now; never in the future.")


class MeasureFilters(StrictSchema):
    instrument: str | None = Field(None, max_length=40)
    session_id: int | None = Field(None, ge=1, le=MAX_ID)
    cursor: str | None = None
    limit: int = Field(50, ge=1, le=200)


class AllMeasureFilters(MeasureFilters):
    case_id: int | None = Field(None, ge=1, le=MAX_ID, description="Only this case (a case you may not read is a 404).")


def _band(result: dict, lang: str) -> dict | None:
    band = result.get("band")
    if not band:
        return None
    label = band.get("label")
    return {"id": band["id"], "label": (label.get(lang) or label.get("id") or "") if isinstance(label, dict)
            else str(label or "")}


def _name(code: str, lang: str) -> str:
    try:
        return get_instrument(code, lang).name
    except UnknownInstrumentError:
        return code.upper()


def _out(a: Administration, lang: str, *, answers: bool = False) -> dict:
    result = a.result or {}
    out = {"id": a.pk, "case_id": a.case_id, "session_id": a.session_id, "instrument": a.instrument,
           "instrument_name": _name(a.instrument, lang), "instrument_version": a.instrument_version,
           "language": a.language, "mode": a.mode, "administered_at": a.administered_at,
           "total": result.get("total"), "subscales": result.get("subscales") or {}, "band": _band(result, lang),
           "critical_items": [{"item": c["item"], "value": c["value"], "condition": c["condition"]}
                              for c in result.get("critical_items") or []],
           "fhir_url": f"/api/v1/measures/{a.pk}/fhir"}
    if answers:
        out["answers"] = a.answers or {}
    return out


def _get(request, administration_id: int) -> Administration:
    administration = (Administration.objects.select_related("case", "case__counselee")
                      .filter(pk=administration_id, case__in=access.cases_for_user(request.user)).first())
    if administration is None:
        raise Http404
    return administration


def _page(request, qs, filters: MeasureFilters) -> dict:
    if filters.instrument:
        qs = qs.filter(instrument=filters.instrument)
    if filters.session_id is not None:
        qs = qs.filter(session_id=filters.session_id)
    items, next_cursor = page_of(qs.select_related("case"), order=("administered_at", "id"), cursor=filters.cursor,
                                 limit=filters.limit)
    audit_cases_read(request, items, part="measures")
    lang = ui_lang()
    return {"items": [_out(a, lang) for a in items], "next_cursor": next_cursor}


@router.get("/measures", response=AdministrationPage, auth=read_scope,
            summary="List measure administrations of all my cases")
def list_measures(request, filters: Query[AllMeasureFilters]):
    """Administrations in the cases the caller may read, oldest first (as the case page's chart)."""
    refuse_unknown_query(request, AllMeasureFilters)
    qs = Administration.objects.filter(access.readable_cases_q(request.user, prefix="case__"))
    if filters.case_id is not None:
        qs = qs.filter(case=access.get_case_for_user(request.user, filters.case_id))
    return _page(request, qs, filters)


@router.get("/cases/{case_id}/measures", response=AdministrationPage, auth=read_scope,
            summary="List a case's measure administrations")
def list_case_measures(request, case_id: int, filters: Query[MeasureFilters]):
    refuse_unknown_query(request, MeasureFilters)
    case = access.get_case_for_user(request.user, case_id)
    return _page(request, case.administrations.all(), filters)


@router.get("/measures/{administration_id}", response=AdministrationDetailOut, auth=read_scope,
            summary="One administration with its answers and scores")
def get_measure(request, administration_id: int):
    refuse_unknown_query(request)
    administration = _get(request, administration_id)
    case = administration.case
    audit_read(request, "case.view", obj=administration, case_id=case.pk, counselee_id=case.counselee_id,
               part="measure")
    return _out(administration, ui_lang(), answers=True)


@router.get("/measures/{administration_id}/fhir", auth=read_scope, summary="The FHIR R4 QuestionnaireResponse",
            response={200: dict[str, Any]}, openapi_extra={"responses": {200: {"description": "FHIR R4 "
                "QuestionnaireResponse", "content": {"application/fhir+json": {"schema": {"type": "object"}}}}}})
def get_measure_fhir(request, administration_id: int):
    """The same document as the case page's FHIR export, audited as the same event."""
    refuse_unknown_query(request)
    administration = _get(request, administration_id)
    case = administration.case
    instrument = get_instrument(administration.instrument, administration.language)
    resource = questionnaire_response(instrument, administration.answers, subject_ref=f"Patient/{case.counselee.code}",
                                      authored=administration.administered_at)
    audit_read(request, "measure.export_fhir", obj=administration, case_id=case.pk, counselee_id=case.counselee_id)
    return HttpResponse(json.dumps(resource, ensure_ascii=False), content_type="application/fhir+json; charset=utf-8")


@router.post("/cases/{case_id}/measures", response={201: AdministrationDetailOut}, auth=write_scope,
             summary="Give a measure")
def create_measure(request, response: HttpResponse, case_id: int, data: AdministrationIn):
    """Score and store one administration given in session, checked by the web's forms (the instrument chooser,
    then the instrument's own form) and stored by the web's service: scores, bands and alerts as on the web.
    Wrong or missing answers: 422 naming each item (`body.answers.<item>`)."""
    case = access.get_case_for_user(request.user, case_id, write=True)
    chosen = web_form(ChooseInstrumentForm, {"instrument": data.instrument, "language": data.language}).cleaned_data
    instrument = get_instrument(chosen["instrument"], chosen["language"])
    items = {item.id for item in instrument.items}
    unknown = sorted(set(data.answers) - items)
    if unknown:
        raise problem(422, errors=[{"field": f"body.answers.{key}"[:80], "message": _unknown_item()}
                                   for key in unknown])
    form = web_form(InstrumentForm, {f"item_{key}": value for key, value in data.answers.items()},
                    rename={f"item_{item}": f"answers.{item}" for item in items}, instrument=instrument)
    session = None
    if data.session_id is not None:
        session = case.sessions.filter(pk=data.session_id).first()
        if session is None:
            raise field_problem("session_id", "not_in_case")
    try:
        administration = measure_services.record_administration(
            case, instrument_code=instrument.code, lang=chosen["language"], answers=form.answers(),
            actor=request.user, session=session, request=request, administered_at=data.administered_at)
    except AnswerError as exc:
        lang = ui_lang()
        raise problem(422, errors=[{"field": f"body.answers.{p.item}" if p.item else "body.answers",
                                    "message": p.text(lang)} for p in exc.problems]) from None
    return created(request, response, _out(administration, ui_lang(), answers=True), f"measures/{administration.pk}")


def _unknown_item() -> str:
    from django.utils.translation import gettext as _

    return _("This instrument has no item with this number.")
