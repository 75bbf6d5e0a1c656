"""Measures in a case (thin views) and the counselee's one-time link page (no login)."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jalin.audit.services import record
from jalin.cases import access
from jalin.cases.services import ServiceError

from . import services
from .charts import line_chart
from .forms import AcknowledgeForm, ChooseInstrumentForm, InstrumentForm, ScheduleForm
from .instruments import AnswerError, UnknownInstrumentError, get_instrument, questionnaire_response
from .models import Administration, Alert, MeasureSchedule

ALLIANCE = {"alliance_jalin", "wai_sr"}


def instrument_name(code: str, lang: str) -> str:
    """The name the forms use ("PHQ-9", "Umpan balik sesi"), never the code."""
    try:
        return get_instrument(code, lang).name
    except UnknownInstrumentError:  # an instrument no longer installed: its code is all there is
        return code.upper()


def stage_label(stage: str) -> str:
    from jalin.cases.models import CounselingSession

    return str(dict(CounselingSession._meta.get_field("stage_reached").flatchoices).get(stage, stage))


def _charts(case, lang: str) -> list[str]:
    """The charts' SVG alone (the reports place them under their own headings)."""
    return [chart["svg"] for chart in titled_charts(case, lang)]


def titled_charts(case, lang: str) -> list[dict]:
    """One chart per instrument with its name as a visible title: ``{"title", "svg"}``."""
    charts = []
    administrations = list(case.administrations.all())  # prefetched with their sessions by the case page
    for code in sorted({a.instrument for a in administrations}):
        instrument = get_instrument(code, lang)
        rows = [a for a in administrations if a.instrument == code and a.result.get("total") is not None]
        if not rows:
            continue
        points = []
        for a in rows:
            point = {"label": f"S{a.session.number}" if a.session else a.administered_at.strftime("%d/%m"),
                     "stage": stage_label(a.session.stage_reached) if a.session else "",
                     "total": float(a.result["total"])}
            point.update({k: float(v) for k, v in a.result.get("subscales", {}).items()})
            points.append(point)
        low, high = instrument.total_range() or (0.0, 1.0)
        bands = [{"min": b.min, "max": b.max, "label": b.label.get(lang)} for b in instrument.bands]
        if code in ALLIANCE and instrument.subscales:
            keys = tuple(s.id for s in instrument.subscales)
            labels = [s.label.get(lang) for s in instrument.subscales]
            charts.append({"title": instrument.name, "svg": line_chart(
                instrument.name, points, y_min=low, y_max=high, bands=bands, series_keys=keys, series_labels=labels)})
        else:
            charts.append({"title": instrument.name,
                           "svg": line_chart(instrument.name, points, y_min=low, y_max=high, bands=bands)})
    return charts


def group_superseded(alerts: list) -> list:
    """One line per kind of alert (source and code): the newest, with the older ones it supersedes attached
    as ``superseded`` (still open, still to acknowledge), most severe first."""
    heads: dict[tuple, object] = {}
    for alert in sorted(alerts, key=lambda a: (a.created_at, a.pk), reverse=True):
        key = (alert.source, alert.code)
        if key in heads:
            heads[key].superseded.append(alert)
        else:
            alert.superseded = []
            heads[key] = alert
    return sorted(heads.values(), key=lambda a: a.severity_rank)


def case_measures_context(request, case) -> dict:
    lang = services.ui_lang()
    # has_open_alerts: asked by the case page when it opened the case (no query when there are none)
    alerts = list(case.alerts.filter(acknowledged_at__isnull=True)) if getattr(case, "has_open_alerts", True) else []
    services.alert_texts(alerts, request.user, lang)
    alerts = group_superseded(alerts)
    administrations = sorted(case.administrations.all(), key=lambda a: a.administered_at, reverse=True)
    for a in administrations:
        band = a.result.get("band")
        a.band_label = band["label"].get(lang) if band and isinstance(band.get("label"), dict) else ""
        a.instrument_name = instrument_name(a.instrument, lang)
        if not a.band_label and a.result.get("subscales"):
            # Instruments without bands (the alliance scales) are read by their subscales.
            labels = {sub.id: sub.label.get(lang) for sub in get_instrument(a.instrument, lang).subscales}
            a.band_label = " · ".join(f"{labels.get(k, k)} {number_format(v, decimal_pos=None)}"
                                      for k, v in a.result["subscales"].items())
    schedules = list(case.measure_schedules.all())
    due = list(services.due_measures(case))
    for schedule in (*schedules, *due):
        schedule.instrument_name = instrument_name(schedule.instrument, lang)
    return {
        "measure_alerts": alerts,
        "measures_chart": titled_charts(case, lang) or [""],
        "administrations": administrations,
        "schedules": schedules,
        "due_measures": due,
        "choose_form": ChooseInstrumentForm(initial={"language": lang}),
        "ack_form": AcknowledgeForm(),
    }


@login_required
def give(request, case_id):
    case = access.get_case_for_user(request.user, case_id, write=True)
    chooser = ChooseInstrumentForm(request.GET or None)
    if not chooser.is_valid():
        messages.error(request, _("Choose an instrument."))
        return redirect(reverse("case_detail", args=[case.pk]) + "#measures")
    code, lang = chooser.cleaned_data["instrument"], chooser.cleaned_data["language"]
    instrument = get_instrument(code, lang)
    sessions = list(case.sessions.order_by("-number"))
    form = InstrumentForm(instrument, request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = next((s for s in sessions if str(s.pk) == request.POST.get("session")), None)
        try:
            services.record_administration(case, instrument_code=code, lang=lang, answers=form.answers(),
                                           actor=request.user, session=session, request=request)
        except AnswerError as exc:
            form.add_answer_errors(exc, services.ui_lang())
        except ServiceError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("Answers saved and scored."))
            return redirect(reverse("case_detail", args=[case.pk]) + "#measures")
    return render(request, "measures/give.html", {"case": case, "instrument": instrument, "form": form,
                                                  "sessions": sessions})


@login_required
@require_POST
def send_link(request, case_id):
    case = access.get_case_for_user(request.user, case_id, write=True)
    chooser = ChooseInstrumentForm(request.POST)
    if not chooser.is_valid():
        messages.error(request, _("Choose an instrument."))
        return redirect("case_detail", case.pk)
    try:
        link, token = services.create_link(case, actor=request.user, instrument_code=chooser.cleaned_data[
            "instrument"], lang=chooser.cleaned_data["language"], hours=chooser.cleaned_data["hours"] or 72,
            request=request)
    except ServiceError as exc:
        messages.error(request, exc.messages[0])
        return redirect("case_detail", case.pk)
    url = request.build_absolute_uri(reverse("measure_link", args=[token]))
    # The token is shown once; only its hash is stored.
    return render(request, "measures/link_created.html", {"case": case, "link": link, "url": url})


@login_required
@require_POST
def acknowledge(request, case_id, alert_id):
    case = access.get_case_for_user(request.user, case_id, write=True)
    alert = access.get_child_for_user(request.user, Alert, case, alert_id)
    form = AcknowledgeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a note on what you did about this alert."))
    else:
        try:
            services.acknowledge_alert(alert, actor=request.user, note=form.cleaned_data["note"], request=request)
        except ServiceError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(request, _("Alert acknowledged."))
    return redirect(reverse("case_detail", args=[case.pk]) + "#measures")


@login_required
def schedule_new(request, case_id):
    case = access.get_case_for_user(request.user, case_id, write=True)
    form = ScheduleForm(request.POST or None, instance=MeasureSchedule(case=case))
    if request.method == "POST" and form.is_valid():
        try:
            services.save_schedule(form.instance, actor=request.user, request=request)
        except ValidationError as exc:  # one schedule per instrument and moment
            form.add_error(None, " ".join(exc.messages))
        else:
            return redirect(reverse("case_detail", args=[case.pk]) + "#measures")
    record("case.view", actor=request.user, obj=case, case_id=case.pk, counselee_id=case.counselee_id,
           request=request, page="measure_schedule_new")
    return render(request, "cases/form.html", {"form": form, "title": _("Measure schedule"), "case": case})


@login_required
def fhir_export(request, case_id, administration_id):
    case = access.get_case_for_user(request.user, case_id)
    administration = access.get_child_for_user(request.user, Administration, case, administration_id)
    instrument = get_instrument(administration.instrument, administration.language)
    resource = questionnaire_response(instrument, administration.answers, subject_ref=f"Patient/{case.counselee.code}",
                                      authored=administration.administered_at)
    record("measure.export_fhir", actor=request.user, obj=administration, case_id=case.pk,
           counselee_id=case.counselee_id, request=request)
    response = HttpResponse(json.dumps(resource, ensure_ascii=False, indent=1),
                            content_type="application/fhir+json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="questionnaire-response-{administration.pk}.json"'
    return response


@never_cache
def fill_link(request, token):
    """The counselee's page: nothing about the case, in the link's language, usable on a phone."""
    try:
        link = services.open_link(token)
    except services.LinkUnavailable as exc:
        return render(request, "measures/link_unavailable.html", {"state": exc.state}, status=410
                      if exc.state in {"used", "expired"} else 404)
    with translation.override(link.language):
        instrument = get_instrument(link.instrument, link.language)
        form = InstrumentForm(instrument, request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                services.submit_link(token, form.answers(), request=request)
            except services.LinkUnavailable as exc:
                return render(request, "measures/link_unavailable.html", {"state": exc.state}, status=410)
            except AnswerError as exc:
                form.add_answer_errors(exc, link.language)
            else:
                return render(request, "measures/link_thanks.html", {})
        response = render(request, "measures/fill.html", {"instrument": instrument, "form": form,
                                                          "lang": link.language})
    # Not "no-referrer": Chromium then sends "Origin: null" with the form post and CSRF refuses it.
    # "same-origin" still keeps the token in this URL from reaching any other site.
    response["Referrer-Policy"] = "same-origin"
    return response


