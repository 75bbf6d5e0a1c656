"""Thin views for consents, data subject requests, export, processing history, disclosures, break-glass."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jalin.audit.services import record
from jalin.cases import access
from jalin.cases.services import ServiceError

from . import services
from .consent import latest_consents, processing_allowed, recording_allowed
from .export import build_export, processing_history, readable_sections
from .forms import (
    BreakGlassForm,
    ConsentForm,
    DisclosureForm,
    ErasureForm,
    RequestActionForm,
    RequestForm,
    WithdrawForm,
)
from .models import Consent, DataSubjectRequest


def _errors(form, exc) -> None:
    if isinstance(exc, ValidationError):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def _managed_counselee(request, counselee_id):
    counselee = access.get_counselee_for_user(request.user, counselee_id)
    if not services.can_manage(request.user, counselee):
        raise Http404
    return counselee


def _form_page(request, form, title, *, intro="", case=None, counselee=None, obj=None):
    """Render a form page; it shows whose record it is, so showing it is an audited read."""
    page = request.resolver_match.url_name
    if case is not None:
        record("case.view", actor=request.user, obj=obj if obj is not None else case, case_id=case.pk,
               counselee_id=case.counselee_id, request=request, page=page)
    elif counselee is not None:
        record("counselee.view", actor=request.user, obj=obj if obj is not None else counselee,
               counselee_id=counselee.pk, request=request, page=page)
    return render(request, "cases/form.html", {"form": form, "title": title, "intro": intro, "case": case})


# --- counselee privacy page and consents ----------------------------------------------------

@login_required
def counselee_privacy(request, counselee_id):
    counselee = access.get_counselee_for_user(request.user, counselee_id)
    record("privacy.view", actor=request.user, obj=counselee, counselee_id=counselee.pk, request=request)
    manage = services.can_manage(request.user, counselee)
    return render(request, "privacy/counselee.html", {
        "counselee": counselee, "manage": manage,
        "consents": counselee.consents.select_related("recorded_by"),
        "current": latest_consents(counselee),
        "processing_ok": processing_allowed(counselee), "recording_ok": recording_allowed(counselee),
        "requests": counselee.data_requests.select_related("handler") if manage else [],
        "now": timezone.now(),
    })


@login_required
def consent_new(request, counselee_id):
    counselee = _managed_counselee(request, counselee_id)
    form = ConsentForm(request.POST or None, counselee=counselee,
                       initial={"given_on": timezone.localdate(), "kind": request.GET.get("kind", "processing")})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_consent(counselee, actor=request.user, data=form.cleaned_data, request=request)
        except (ServiceError, ValidationError) as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Consent recorded."))
            return redirect("privacy_counselee", counselee.pk)
    return _form_page(request, form, _("Record consent"), counselee=counselee, intro=_(
        "Record who consented, when and how. Recording consent needs its scope, how long recordings are kept "
        "and who may view them; a minor also needs the parent's or guardian's consent."))


@login_required
def consent_withdraw(request, counselee_id, consent_id):
    counselee = _managed_counselee(request, counselee_id)
    consent = Consent.objects.filter(pk=consent_id, counselee=counselee).first()
    if consent is None:
        raise Http404
    form = WithdrawForm(request.POST or None, initial={"withdrawn_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_consent(consent, actor=request.user, withdrawn_on=form.cleaned_data["withdrawn_on"],
                                      reason=form.cleaned_data["reason"], request=request)
        except ServiceError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Withdrawal recorded."))
            return redirect("privacy_counselee", counselee.pk)
    return _form_page(request, form, _("Withdraw consent: %(kind)s") % {"kind": consent.get_kind_display()},
                      counselee=counselee, obj=consent,
                      intro=_("A withdrawn processing consent stops new records for this counselee; reading, "
                              "export, correction and erasure still work."))


@login_required
def counselee_history(request, counselee_id):
    counselee = _managed_counselee(request, counselee_id)
    events = list(processing_history(counselee).select_related(None)[:2000])
    record("privacy.history", actor=request.user, obj=counselee, counselee_id=counselee.pk, request=request)
    return render(request, "privacy/history.html", {"counselee": counselee, "events": events})


@login_required
def counselee_export(request, counselee_id, fmt):
    counselee = _managed_counselee(request, counselee_id)
    if fmt not in ("json", "html"):
        raise Http404
    data = build_export(counselee, user=request.user)
    record("privacy.export", actor=request.user, obj=counselee, counselee_id=counselee.pk, request=request,
           format=fmt, cases=len(data["cases"]))
    if fmt == "json":
        response = HttpResponse(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
                                content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="export-{counselee.pk}.json"'
        return response
    response = render(request, "privacy/export.html", {"counselee": counselee, "export": data,
                                                       "sections": readable_sections(data)})
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="export-{counselee.pk}.html"'
    return response


# --- data subject requests ------------------------------------------------------------------

@login_required
def request_new(request, counselee_id):
    counselee = _managed_counselee(request, counselee_id)
    form = RequestForm(request.POST or None, initial={"received_at": timezone.localtime().replace(second=0,
                                                                                                  microsecond=0)})
    if request.method == "POST" and form.is_valid():
        try:
            dsr = services.create_request(counselee, actor=request.user, data=dict(form.cleaned_data),
                                          request=request)
        except (ServiceError, ValidationError) as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Request recorded; answer it within 3 × 24 hours."))
            return redirect("privacy_request", dsr.pk)
    return _form_page(request, form, _("Data subject request"), counselee=counselee, intro=_(
        "UU 27/2022: a request to access, correct, erase or object must be answered within 3 × 24 hours "
        "of receipt."))


def _handled_request(request, pk) -> DataSubjectRequest:
    try:
        return DataSubjectRequest.objects.select_related("counselee").get(pk=int(pk), handler=request.user)
    except (DataSubjectRequest.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


@login_required
def request_list(request):
    if request.user.is_org_admin:
        raise Http404
    rows = DataSubjectRequest.objects.filter(handler=request.user).select_related("counselee")
    record("dsr.list", actor=request.user, request=request, count=len(rows))
    return render(request, "privacy/request_list.html", {"requests": rows, "now": timezone.now()})


@login_required
def request_detail(request, pk):
    dsr = _handled_request(request, pk)
    form = RequestActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        action, text = form.cleaned_data["action"], form.cleaned_data["text"]
        try:
            if action == RequestActionForm.Action.START:
                services.start_request(dsr, actor=request.user, request=request)
            elif action == RequestActionForm.Action.COMPLETE:
                services.complete_request(dsr, actor=request.user, outcome=text,
                                          restrict=form.cleaned_data["restrict"], request=request)
            else:
                services.refuse_request(dsr, actor=request.user, reason=text, request=request)
        except ServiceError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Saved."))
        return redirect("privacy_request", dsr.pk)
    record("dsr.view", actor=request.user, obj=dsr, counselee_id=dsr.counselee_id, request=request)
    return render(request, "privacy/request_detail.html", {
        "dsr": dsr, "now": timezone.now(), "manage": services.can_manage(request.user, dsr.counselee)})


@login_required
def request_erase(request, pk):
    dsr = _handled_request(request, pk)
    if dsr.kind != DataSubjectRequest.Kind.ERASURE or not dsr.is_open:
        raise Http404
    form = ErasureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.erase_counselee(dsr, actor=request.user, mode=form.cleaned_data["mode"], request=request)
        except ServiceError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("The counselee's data was erased."))
            return redirect("privacy_request", dsr.pk)
    return _form_page(request, form, _("Erase the counselee's data"), counselee=dsr.counselee, obj=dsr, intro=_(
        "Deletion removes every case. Anonymisation keeps dates, stages and score totals (where records must "
        "be kept) and empties all content. The identity is replaced either way; the audit log keeps only ids."))


# --- disclosure -----------------------------------------------------------------------------

@login_required
def disclosure_new(request, case_id, alert_id=None):
    case = access.get_case_for_user(request.user, case_id, write=True)
    alert = None
    if alert_id is not None:
        from jalin.measures.models import Alert

        alert = access.get_child_for_user(request.user, Alert, case, alert_id)
    form = DisclosureForm(request.POST or None, initial={"informed_at": timezone.localtime().replace(
        second=0, microsecond=0)})
    if request.method == "POST" and form.is_valid():
        try:
            services.record_disclosure(case, actor=request.user, data=form.cleaned_data, alert=alert,
                                       request=request)
        except (ServiceError, ValidationError) as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("Disclosure recorded."))
            return redirect("case_detail", case.pk)
    return _form_page(request, form, _("Limits of confidentiality: disclosure"), case=case, intro=_(
        "When risk to the counselee or others is confirmed, record who was informed, when, why, and whether "
        "the counselee was told."))


# --- break-glass ----------------------------------------------------------------------------

@login_required
def break_glass(request):
    if request.user.is_org_admin:
        raise Http404
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            grant = services.break_glass(actor=request.user, case_code=form.cleaned_data["case_code"],
                                         reason=form.cleaned_data["reason"], request=request)
        except ServiceError as exc:
            _errors(form, exc)
        else:
            messages.warning(request, _("Emergency read access for 24 hours. The handling counselor is alerted."))
            return redirect("case_detail", grant.case_id)
    return _form_page(request, form, _("Emergency access (break-glass)"), intro=_(
        "Only when a counselee is at risk and the handling counselor cannot be reached. You get read access "
        "for 24 hours; the access is recorded and the handling counselor is alerted."))


@login_required
def break_glass_report(request):
    if not request.user.is_org_admin:
        raise Http404
    return render(request, "privacy/break_glass_report.html", {
        "rows": services.break_glass_counts(request.user.organisation)})
