"""Thin views: parse input, open the record through ``access``, call one service, render."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jalin.audit.services import record

from . import access, services, stages
from .forms import (
    ActionStepForm,
    AppointmentForm,
    CaseForm,
    CloseForm,
    ConferenceForm,
    ContractForm,
    CounseleeForm,
    FollowUpForm,
    HomeVisitForm,
    NewCaseForm,
    ReferralForm,
    ReopenForm,
    RestrictedNoteForm,
    SearchForm,
    SessionForm,
    ShareForm,
    StageForm,
    TaskForm,
)
from .models import (
    ActionStep,
    Appointment,
    Case,
    CaseAccess,
    CaseConference,
    FollowUp,
    HomeVisit,
    Referral,
)


def _read(request, case: Case, what: str = "case.view", obj=None, **detail) -> None:
    record(what, actor=request.user, obj=obj if obj is not None else case, case_id=case.pk,
           counselee_id=case.counselee_id, request=request, **detail)


def _form_read(request, case: Case, obj=None) -> None:
    """A form page shows the record it edits (and the case's header): showing it is a read, audited."""
    _read(request, case, obj=obj, page=request.resolver_match.url_name)


def _counselee_read(request, counselee) -> None:
    record("counselee.view", actor=request.user, obj=counselee, counselee_id=counselee.pk, request=request,
           page=request.resolver_match.url_name)


def _service_errors(request, exc: services.ServiceError, form=None) -> None:
    for message in exc.messages:
        if form is not None:
            form.add_error(None, message)
        else:
            messages.error(request, message)


def _version(form) -> int | None:
    return form.cleaned_data.get("version")


# --- dashboard and agenda ---------------------------------------------------------------------

# What the dashboard and the case list show of each case, and search on: the rest of the case row, the
# counselor's account and the counselee's other (encrypted) fields are neither loaded nor decrypted.
_LISTED_FIELDS = ("id", "code", "area", "status", "stage", "opened_on", "counselee_id", "counselor_id",
                  "counselee__id", "counselee__code", "counselee__name")


def _as_listed(cases):
    return cases.select_related(None).select_related("counselee").only(*_LISTED_FIELDS)


@login_required
def dashboard(request):
    if request.user.is_org_admin:
        from jalin.privacy.services import admin_created_break_glass

        return render(request, "cases/admin_home.html", {
            "admin_created_break_glass": admin_created_break_glass(request.user.organisation)})
    cases = access.cases_for_user(request.user)
    today = timezone.localdate()
    now = timezone.now()
    # One query for today's and the next two weeks' appointments; "next two weeks" starts tomorrow, so
    # today's appointments are listed once, under today.
    day_start = timezone.make_aware(datetime.combine(today, time.min))
    tomorrow = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    appointments = Appointment.objects.filter(
        case__in=cases, status=Appointment.Status.SCHEDULED, starts_at__gte=day_start,
        starts_at__lte=max(now + timedelta(days=14), tomorrow)).select_related("case__counselee")
    overdue = FollowUp.objects.filter(case__in=cases, done_on__isnull=True, due_date__lt=today).select_related(
        "case__counselee")
    overdue_steps = ActionStep.objects.filter(case__in=cases, status__in=["planned", "doing"],
                                              due_date__lt=today).select_related("case__counselee")
    # Imported here: these apps build on cases and import from it at module level.
    from jalin.measures.models import Alert
    from jalin.measures.services import open_alerts_for_user
    from jalin.privacy.services import overdue_requests_for_user

    overdue_requests = overdue_requests_for_user(request.user)
    # Whether each list has anything at all is asked in the open cases' query (uncorrelated EXISTS: the
    # database answers each once), so an empty list costs no round trip of its own; most are empty on most
    # days. Without open cases there is no row to carry the answers, and every list is read.
    listed = {"appointments": appointments, "overdue": overdue, "overdue_steps": overdue_steps,
              "alerts": Alert.objects.filter(case__in=cases, acknowledged_at__isnull=True),
              "overdue_requests": overdue_requests}
    open_cases = list(_as_listed(cases.filter(status__in=[Case.Status.BARU, Case.Status.PENANGANAN])).annotate(
        **{f"any_{name}": Exists(queryset) for name, queryset in listed.items()}))
    has = {name: getattr(open_cases[0], f"any_{name}") if open_cases else True for name in listed}
    by_stage = [(stage, label, [c for c in open_cases if c.stage == stage]) for stage, label in
                [("awal", stages.stage_name("awal")), ("inti", stages.stage_name("inti")),
                 ("akhir", stages.stage_name("akhir"))]]
    appointments = list(appointments.order_by("starts_at")) if has["appointments"] else []
    todays = [a for a in appointments if a.starts_at < tomorrow]
    upcoming = [a for a in appointments if tomorrow <= a.starts_at <= now + timedelta(days=14)]
    alerts = open_alerts_for_user(request.user, cases=cases) if has["alerts"] else []
    # The dashboard lists codes, names and alert texts (which may quote a transcript): a read, audited.
    record("dashboard.view", actor=request.user, request=request, alerts=len(alerts))
    return render(request, "cases/dashboard.html", {
        "by_stage": by_stage, "todays": todays, "upcoming": upcoming,
        "overdue": overdue if has["overdue"] else [],
        "overdue_steps": overdue_steps if has["overdue_steps"] else [], "open_count": len(open_cases),
        "alerts": alerts,
        # data subject requests past their 3 x 24-hour deadline, for the counselor handling them
        "overdue_requests": overdue_requests if has["overdue_requests"] else [],
    })


# --- counselees -----------------------------------------------------------------------------

def _search_form(request) -> SearchForm:
    """Searches are POSTed so names never reach URLs, browser history or proxy logs; ``?q=`` is ignored."""
    if request.method == "POST":
        return SearchForm(request.POST)
    data = request.GET.copy()
    data.pop("q", None)
    return SearchForm(data or None)


@login_required
def counselee_list(request):
    form = _search_form(request)
    counselees = list(access.counselees_for_user(request.user))
    query = form.cleaned_data.get("q", "").strip().lower() if form.is_valid() else ""
    if query:
        # Names are encrypted, so the search runs over the decrypted rows this user may see.
        counselees = [c for c in counselees if query in c.name.lower() or query in c.code.lower()
                      or query in c.affiliation.lower()]
    record("counselee.list", actor=request.user, request=request, count=len(counselees))
    return render(request, "cases/counselee_list.html", {"counselees": counselees, "form": form})


@login_required
def counselee_new(request):
    if not request.user.is_counselor:
        raise Http404
    form = CounseleeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        counselee = services.create_counselee(actor=request.user, data=form.cleaned_data, request=request)
        messages.success(request, _("Counselee registered."))
        return redirect("counselee_detail", counselee.pk)
    return render(request, "cases/form.html", {"form": form, "title": _("New counselee")})


@login_required
def counselee_detail(request, counselee_id):
    counselee = access.get_counselee_for_user(request.user, counselee_id)
    record("counselee.view", actor=request.user, obj=counselee, counselee_id=counselee.pk, request=request)
    cases = access.cases_for_user(request.user).filter(counselee=counselee)
    return render(request, "cases/counselee_detail.html", {"counselee": counselee, "cases": cases})


@login_required
def counselee_edit(request, counselee_id):
    counselee = access.get_counselee_for_user(request.user, counselee_id)
    if counselee.registered_by_id != request.user.pk:
        raise Http404
    form = CounseleeForm(request.POST or None, instance=counselee)
    if request.method == "POST" and form.is_valid():
        services.update_counselee(counselee, actor=request.user, data=form.cleaned_data, request=request)
        messages.success(request, _("Saved."))
        return redirect("counselee_detail", counselee.pk)
    _counselee_read(request, counselee)
    return render(request, "cases/form.html", {"form": form, "title": _("Edit counselee")})


# --- cases ----------------------------------------------------------------------------------

@login_required
def case_list(request):
    form = _search_form(request)
    cases = access.cases_for_user(request.user)
    query = ""
    if form.is_valid():
        if form.cleaned_data["status"]:
            cases = cases.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["stage"]:
            cases = cases.filter(stage=form.cleaned_data["stage"])
        query = form.cleaned_data["q"].strip().lower()
    rows = list(_as_listed(cases))
    if query:
        rows = [c for c in rows if query in c.code.lower() or query in c.counselee.name.lower()
                or query in c.counselee.code.lower()]
    record("case.list", actor=request.user, request=request, count=len(rows))
    return render(request, "cases/case_list.html", {"cases": rows, "form": form})


@login_required
def case_new(request, counselee_id):
    counselee = access.get_counselee_for_user(request.user, counselee_id)
    if not request.user.is_counselor:
        raise Http404
    form = NewCaseForm(request.POST or None, initial={"opened_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        case = services.open_case(actor=request.user, counselee=counselee, data=form.cleaned_data, request=request)
        messages.success(request, _("Case opened."))
        return redirect("case_detail", case.pk)
    _counselee_read(request, counselee)
    return render(request, "cases/form.html", {"form": form, "title": _("New case")})


# What the case page and its guidance, measures, privacy and checklist blocks list, by the case's relation.
# Each list is read once (prefetched), and only when the case has rows in it: whether it has is asked in
# the query that opens the case (one EXISTS per list), so an empty list costs no round trip. Most cases
# have most of these empty (no referral, no home visit, no conference, no disclosure, ...).
_CASE_PAGE_LISTS = ("tasks", "contract_versions", "sessions", "measure_schedules", "administrations",
                    "action_steps", "follow_ups", "appointments", "referrals", "home_visits", "conferences",
                    "disclosures")


def _has_rows(model, column: str, outer_column: str = "id") -> RawSQL:
    """Whether the case row of the outer query has rows in ``model`` (``model.column = case.outer_column``),
    as ``EXISTS (SELECT 1 …)`` written from the models' metadata: Django's Exists() costs about 0.25 ms of
    CPU to compile, this a tenth of it, and the case page asks sixteen of these."""
    quote = connection.ops.quote_name
    return RawSQL(f"EXISTS (SELECT 1 FROM {quote(model._meta.db_table)} WHERE {quote(column)} = "
                  f"{quote(Case._meta.db_table)}.{quote(outer_column)})", (), output_field=BooleanField())


def _case_page_probes() -> dict:
    """``has_<list>`` for every list of the case page; open alerts, active grants, analyses, consents."""
    from jalin.measures.models import Alert
    from jalin.practice.models import AnalysisJob
    from jalin.privacy.models import Consent

    probes = {}
    for name in _CASE_PAGE_LISTS:
        relation = Case._meta.get_field(name)
        probes[f"has_{name}"] = _has_rows(relation.related_model, relation.field.column)
    probes["has_consents"] = _has_rows(Consent, Consent._meta.get_field("counselee").column,
                                       Case._meta.get_field("counselee").column)
    # These three filter their rows as the page does, so they stay Django's Exists (one condition, one place).
    probes["has_open_alerts"] = Exists(Alert.objects.filter(case=OuterRef("pk"), acknowledged_at__isnull=True))
    probes["has_active_grants"] = Exists(CaseAccess.objects.filter(
        case=OuterRef("pk"), revoked_at__isnull=True, expires_at__gt=timezone.now()))
    probes["has_done_analysis"] = Exists(AnalysisJob.objects.filter(
        transcript__session__case=OuterRef("pk"), status=AnalysisJob.Status.DONE))
    return probes


def _prefetch_case_page(case) -> None:
    """Load every list of the case page at once, each with one query or, when empty, none (see above); the
    page's query count is asserted in tests/web/test_query_counts.py."""
    from django.db.models import Prefetch, prefetch_related_objects

    from jalin.measures.models import Administration

    lookups, prefetched = [], case.__dict__.setdefault("_prefetched_objects_cache", {})
    for name in _CASE_PAGE_LISTS:
        model = Case._meta.get_field(name).related_model
        if not getattr(case, f"has_{name}", True):
            # Known empty: what prefetching an empty queryset leaves behind (case.<name>.all() answers it),
            # without Django's prefetch machinery, which costs CPU even for a list it need not read.
            prefetched[name] = model.objects.none()
        elif name == "administrations":
            lookups.append(Prefetch(name, queryset=Administration.objects.select_related("session")))
        else:
            lookups.append(name)
    prefetch_related_objects([case], *lookups)


# Where the record behind a stage task lives (done), or the form that writes it (not done yet).
_RECORD_URLS = {
    "case": lambda case, pk: reverse("case_detail", args=[case.pk]) + "#problem",
    "contract": lambda case, pk: reverse("case_detail", args=[case.pk]) + "#contract",
    "session": lambda case, pk: reverse("session_detail", args=[pk]),
    "measure": lambda case, pk: reverse("case_detail", args=[case.pk]) + "#measures",
    "action_step": lambda case, pk: reverse("child_edit", args=[case.pk, "action-steps", pk]),
    "appointment": lambda case, pk: reverse("child_edit", args=[case.pk, "appointments", pk]),
    "referral": lambda case, pk: reverse("referral_edit", args=[case.pk, pk]),
}
_TASK_FORMS = {
    "problem_definition": lambda case: reverse("case_edit", args=[case.pk]),
    "conclusion": lambda case: reverse("case_edit", args=[case.pk]),
    "contract_time": lambda case: reverse("case_contract", args=[case.pk]),
    "contract_task": lambda case: reverse("case_contract", args=[case.pk]),
    "action_plan": lambda case: reverse("child_new", args=[case.pk, "action-steps"]),
    "evaluation": lambda case: reverse("session_new", args=[case.pk]),
    "next_appointment": lambda case: reverse("child_new", args=[case.pk, "appointments"]),
    "referral": lambda case: reverse("referral_new", args=[case.pk]),
}


def _task_entry(case, task: str, done) -> dict:
    """One line of the checklist: a record-backed task links to its record (or its form); others tick."""
    url = ""
    if done is not None and done.record_kind in _RECORD_URLS and done.record_id:
        url = _RECORD_URLS[done.record_kind](case, done.record_id)
    elif done is not None and done.session_id:
        url = reverse("session_detail", args=[done.session_id])
    elif task in services.RECORD_TASKS:
        url = _TASK_FORMS[task](case)
    return {"task": task, "name": stages.task_name(task), "done": done, "record_url": url}


@login_required
def case_detail(request, case_id):
    case = access.get_case_for_user(request.user, case_id, annotate=_case_page_probes())
    _read(request, case)
    _prefetch_case_page(case)
    done = {t.task: t for t in case.tasks.all()}
    checklist = [(stage, stages.stage_name(stage), [_task_entry(case, t, done.get(t)) for t in stages.tasks_of(stage)])
                 for stage in stages.STAGES]
    contract_versions = list(case.contract_versions.all())
    context = {
        "case": case,
        "writable": access.can_write(request.user, case),
        "is_owner": access.can_see_restricted_note(request.user, case),
        "checklist": checklist,
        "stage_names": [(s, stages.stage_name(s)) for s in stages.STAGES],
        "stage_index": stages.STAGES.index(case.stage),
        "stage_intro": stages.text(stages.guidance()["stage_intro"][case.stage]),
        "next_steps": stages.next_steps(case),
        "four_steps": stages.four_step_mapping(),
        "contract": contract_versions[-1] if contract_versions else None,
        "contract_history": contract_versions[:-1],
        "sessions": case.sessions.all(),
        "steps": case.action_steps.all(),
        "follow_ups": case.follow_ups.all(),
        "appointments": case.appointments.all(),
        "referrals": case.referrals.all(),
        "home_visits": case.home_visits.all(),
        "conferences": case.conferences.all(),
        "events": [(event, stages.describe_event(event)) for event in case.events.select_related("actor")],
        "grants": case.access_grants.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())
        .select_related("user") if access.can_see_restricted_note(request.user, case) and case.has_active_grants
        else [],
        "stage_form": StageForm(initial={"version": case.version}),
        "resistance_hint": stages.text(stages.guidance()["resistance"]) if stages.shows_resistance(case) else "",
    }
    from jalin.measures.views import case_measures_context

    context.update(case_measures_context(request, case))
    return render(request, "cases/case_detail.html", context)


@login_required
def case_edit(request, case_id):
    case = access.get_case_for_user(request.user, case_id, write=True)
    form = CaseForm(request.POST or None, instance=case, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.update_case(case, actor=request.user, data=data, expected_version=_version(form),
                                 request=request)
        except services.ServiceError as exc:
            _service_errors(request, exc, form)
        else:
            messages.success(request, _("Saved."))
            return redirect("case_detail", case.pk)
    _form_read(request, case)
    return render(request, "cases/form.html", {"form": form, "title": _("Edit case"), "case": case})


@login_required
def case_restricted_note(request, case_id):
    case = access.get_case_for_user(request.user, case_id, write=True)
    if not access.can_see_restricted_note(request.user, case):
        raise Http404
    form = RestrictedNoteForm(request.POST or None, initial={"version": case.version,
                                                             "restricted_note": case.restricted_note})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_case(case, actor=request.user, data={"restricted_note": form.cleaned_data[
                "restricted_note"]}, expected_version=_version(form), request=request)
        except services.ServiceError as exc:
            _service_errors(request, exc, form)
        else:
            messages.success(request, _("Saved."))
            return redirect("case_detail", case.pk)
    _read(request, case, "case.restricted_note.view")
    return render(request, "cases/form.html", {"form": form, "title": _("Restricted note"), "case": case})


@login_required
@require_POST
def case_stage(request, case_id):
    case = access.get_case_for_user(request.user, case_id, write=True)
    form = StageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a stage."))
        return redirect("case_detail", case.pk)
    try:
        services.change_stage(case, form.cleaned_data["target"], actor=request.user,
                              expected_version=_version(form),
                              override_reason=form.cleaned_data["override_reason"], request=request)
    except services.GuardError as exc:
        messages.error(request, _("The case cannot move yet:"))
        _service_errors(request, exc)
        messages.info(request, _("If there is a good reason, write it in the override field and move again."))
    except services.ServiceError as exc:
        _service_errors(request, exc)
    else:
        messages.success(request, _("Stage changed."))
    return redirect("case_detail", case.pk)


@login_required
@require_POST
def case_task(request, case_id):
    case = access.get_case_for_user(request.user, case_id, write=True)
    form = TaskForm(request.POST)
    htmx = request.headers.get("HX-Request") == "true"
    if form.is_valid():
        task = form.cleaned_data["task"]
        try:
            services.set_task(case, task, form.cleaned_data["done"], actor=request.user, request=request)
        except services.ServiceError as exc:
            _service_errors(request, exc)
            if htmx:  # the page reloads and shows the message
                return HttpResponse(headers={"HX-Redirect": reverse("case_detail", args=[case.pk])})
        if htmx:
            # Progressive enhancement: htmx swaps this task's line and the next steps in place.
            context = {"case": case, "writable": True, "oob": True, "next_steps": stages.next_steps(case),
                       **_task_entry(case, task, case.tasks.filter(task=task).first())}
            return HttpResponse(render_to_string("cases/_task_item.html", context, request=request)
                                + render_to_string("cases/_next_steps.html", context, request=request))
        return redirect(reverse("case_detail", args=[case.pk]) + f"#task-{task}")
    messages.error(request, _("Unknown stage task."))
    return redirect("case_detail", case.pk)


@login_required
def case_close(request, case_id):
    case = access.get_case_for_user(request.user, case_id, write=True)
    form = CloseForm(request.POST or None, initial={"version": case.version,
                                                     "closure_reason": request.GET.get("reason", "")})
    if request.method == "POST" and form.is_valid():
        try:
            services.close_case(case, actor=request.user, expected_version=_version(form),
                                closure_reason=form.cleaned_data["closure_reason"],
                                override_reason=form.cleaned_data["override_reason"], request=request)
        except services.ServiceError as exc:
            _service_errors(request, exc, form)
        else:
            messages.success(request, _("Case closed."))
            return redirect("case_detail", case.pk)
    _form_read(request, case)
    return render(request, "cases/form.html", {
        "form": form, "title": _("Close case"), "case": case,
        "intro": _("Closing needs conclusions, an action plan, an evaluation (understanding, comfort, action) "
                   "and either a next appointment or a closure reason."),
    })


@login_required
def case_reopen(request, case_id):
    case = access.get_case_for_user(request.user, case_id, write=True)
    form = ReopenForm(request.POST or None, initial={"version": case.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.reopen_case(case, actor=request.user, expected_version=_version(form),
                                 reason=form.cleaned_data["reason"], request=request)
        except services.ServiceError as exc:
            _service_errors(request, exc, form)
        else:
            return redirect("case_detail", case.pk)
    _form_read(request, case)
    return render(request, "cases/form.html", {"form": form, "title": _("Reopen case"), "case": case})


@login_required
def case_contract(request, case_id):
    case = access.get_case_for_user(request.user, case_id, write=True)
    current = case.contract_versions.last()
    initial = {}
    if current is not None:
        initial = {f: getattr(current, f) for f in ContractForm.Meta.fields if f != "change_note"}
    form = ContractForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.agree_contract(case, actor=request.user, data=form.cleaned_data, request=request)
        except services.ServiceError as exc:
            _service_errors(request, exc, form)
        else:
            messages.success(request, _("Contract recorded."))
            return redirect("case_detail", case.pk)
    _form_read(request, case)
    return render(request, "cases/form.html", {"form": form, "title": _("Contract"), "case": case})


# --- sessions -------------------------------------------------------------------------------

@login_required
def session_new(request, case_id):
    case = access.get_case_for_user(request.user, case_id, write=True)
    form = SessionForm(request.POST or None, initial={"date": timezone.localdate(), "stage_reached": case.stage,
                                                      "duration_minutes": 45})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            session = services.record_session(case, actor=request.user, data=data, request=request)
        except services.ServiceError as exc:
            _service_errors(request, exc, form)
        else:
            messages.success(request, _("Session recorded."))
            return redirect("session_detail", session.pk)
    _form_read(request, case)
    return render(request, "cases/form.html", {"form": form, "title": _("New session"), "case": case})


def _session_page_probes() -> dict:
    """Whether the session page's analysis block has anything to read (see _case_page_probes)."""
    from jalin.practice.models import Review, Transcript
    from jalin.privacy.models import Consent

    return {"has_transcripts": Exists(Transcript.objects.filter(session=OuterRef("pk"))),
            "has_reviews": Exists(Review.objects.filter(session=OuterRef("pk"))),
            "has_consents": Exists(Consent.objects.filter(counselee_id=OuterRef("case__counselee_id")))}


@login_required
def session_detail(request, session_id):
    session = access.get_session_for_user(request.user, session_id, annotate=_session_page_probes())
    record("session.view", actor=request.user, obj=session, case_id=session.case_id,
           counselee_id=session.case.counselee_id, request=request)
    context = {"session": session, "case": session.case,
               "writable": access.can_write(request.user, session.case)}
    from jalin.practice.views import session_analysis_context

    context.update(session_analysis_context(request, session))
    return render(request, "cases/session_detail.html", context)


@login_required
def session_edit(request, session_id):
    session = access.get_session_for_user(request.user, session_id, write=True)
    form = SessionForm(request.POST or None, instance=session, initial={"version": session.version})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.update_session(session, actor=request.user, data=data, expected_version=_version(form),
                                    request=request)
        except services.ServiceError as exc:
            _service_errors(request, exc, form)
        else:
            messages.success(request, _("Saved."))
            return redirect("session_detail", session.pk)
    _read(request, session.case, "session.view", obj=session, page="session_edit")
    return render(request, "cases/form.html", {"form": form, "title": _("Edit session"), "case": session.case})


# --- records hanging off a case: one generic create/edit view -------------------------------

CHILDREN = {
    "action-steps": (ActionStep, ActionStepForm, services.save_action_step, _("Action plan step")),
    "follow-ups": (FollowUp, FollowUpForm, services.save_follow_up, _("Follow-up (LAIJAPEN)")),
    "appointments": (Appointment, AppointmentForm, services.save_appointment, _("Appointment")),
    "home-visits": (HomeVisit, HomeVisitForm, services.save_home_visit, _("Home visit")),
    "conferences": (CaseConference, ConferenceForm, services.save_conference, _("Case conference")),
}
# Follow-ups and referral feedback continue after a case closes; everything else needs an open case.
AFTER_CLOSE = {"follow-ups", "referrals"}


@login_required
def child_edit(request, case_id, kind, pk=None):
    if kind not in CHILDREN:
        raise Http404
    model, form_class, save, title = CHILDREN[kind]
    case = access.get_case_for_user(request.user, case_id, write=True)
    instance = access.get_child_for_user(request.user, model, case, pk) if pk else model(case=case)
    if pk is None and not case.is_open and kind not in AFTER_CLOSE:
        messages.error(request, _("This case is closed. Reopen it before changing it."))
        return redirect("case_detail", case.pk)
    initial = {}
    if pk is None and kind == "follow-ups":
        initial["due_date"] = timezone.localdate() + timedelta(days=14)
    form = form_class(request.POST or None, instance=instance, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            save(form.instance, actor=request.user, request=request)
        except services.ServiceError as exc:
            _service_errors(request, exc, form)
        except ValidationError as exc:  # model validation from full_clean
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Saved."))
            return redirect("case_detail", case.pk)
    _form_read(request, case, obj=instance if pk else None)
    return render(request, "cases/form.html", {"form": form, "title": title, "case": case})


@login_required
def referral_new(request, case_id):
    case = access.get_case_for_user(request.user, case_id, write=True)
    form = ReferralForm(request.POST or None, instance=Referral(case=case),
                        initial={"version": case.version, "date": timezone.localdate(),
                                 "guardian_consent": False})
    if request.method == "POST" and form.is_valid():
        try:
            services.refer_case(form.instance, actor=request.user, expected_version=_version(form), request=request)
        except services.ServiceError as exc:
            _service_errors(request, exc, form)
        else:
            messages.success(request, _("Referral saved. The case stays open: close it as referred once the "
                                        "receiver has accepted."))
            return redirect("case_detail", case.pk)
    _form_read(request, case)
    return render(request, "cases/form.html", {
        "form": form, "title": _("Referral (alih tangan kasus)"), "case": case,
        "intro": _("Refer when resistance persists or the problem is beyond your competence. The counselee "
                   "(and for a minor, the guardian) must consent; an external referral needs the head's "
                   "permission."),
    })


@login_required
def referral_edit(request, case_id, pk):
    case = access.get_case_for_user(request.user, case_id, write=True)
    referral = access.get_child_for_user(request.user, Referral, case, pk)
    form = ReferralForm(request.POST or None, instance=referral)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_referral(form.instance, actor=request.user, request=request)
        except services.ServiceError as exc:
            _service_errors(request, exc, form)
        else:
            messages.success(request, _("Saved."))
            return redirect("case_detail", case.pk)
    _read(request, case, "referral.view", obj=referral)
    return render(request, "cases/form.html", {"form": form, "title": _("Referral"), "case": case})


# --- sharing --------------------------------------------------------------------------------

@login_required
def case_share(request, case_id):
    case = access.get_case_for_user(request.user, case_id)
    if not access.can_see_restricted_note(request.user, case):
        raise Http404
    form = ShareForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = get_user_model().objects.filter(username=form.cleaned_data["username"], is_active=True,
                                               organisation=request.user.organisation).first()
        if user is None:
            form.add_error("username", _("No active colleague with that username in your organisation."))
        else:
            try:
                services.grant_access(case, actor=request.user, user=user, purpose=form.cleaned_data["purpose"],
                                      days=form.cleaned_data["days"], can_write=form.cleaned_data["can_write"],
                                      request=request)
            except services.ServiceError as exc:
                _service_errors(request, exc, form)
            else:
                messages.success(request, _("Access granted."))
                return redirect("case_detail", case.pk)
    _form_read(request, case)
    return render(request, "cases/form.html", {"form": form, "title": _("Share case"), "case": case})


@login_required
@require_POST
def case_unshare(request, case_id, grant_id):
    case = access.get_case_for_user(request.user, case_id)
    if not access.can_see_restricted_note(request.user, case):
        raise Http404
    grant = access.get_child_for_user(request.user, CaseAccess, case, grant_id)
    services.revoke_access(grant, actor=request.user, request=request)
    messages.success(request, _("Access revoked."))
    return redirect("case_detail", case.pk)
