"""Thin views of the practice app ("Latihan"): parse input, open through ``access``, call one service,
render. The chat page works without JavaScript: a form per turn, Enter sends."""

from __future__ import annotations

from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from jalin.analysis.taxonomy import taxonomy
from jalin.audit.services import record
from jalin.cases.services import ServiceError
from jalin.practice.forms import CommentForm, DecisionForm, SubmitReviewForm
from jalin.practice.growth import growth_point
from jalin.practice.models import Review
from jalin.practice.report import build_report
from jalin.practice.services import supervisors_of

from . import access, services
from .debrief import debrief_text
from .forms import StartForm, TurnForm
from .hints import HINTS
from .models import PracticeRun
from .scenario import load_scenarios

STRATEGY_NAMES = {
    "topic_shift": gettext_lazy("shifting the topic"), "motivate": gettext_lazy("motivating"),
    "level_change": gettext_lazy("changing the level of talk"),
    "restate_role": gettext_lazy("restating role, confidentiality and voluntariness"),
    "patience": gettext_lazy("patience with silence"), "reflection": gettext_lazy("reflection"),
}
FAULT_NAMES = {
    "premature_advice": gettext_lazy("advice before exploring"), "must_statement": gettext_lazy("\"you must\""),
    "judgement": gettext_lazy("judgement"), "stacked_questions": gettext_lazy("stacked closed questions"),
    "early_confrontation": gettext_lazy("confrontation before rapport"),
    "self_disclosure_takes_stage": gettext_lazy("self-disclosure that takes the stage"),
}
KIND_NAMES = {"surface": gettext_lazy("surface talk"), "reluctant": gettext_lazy("reluctance, silence"),
              "defensive": gettext_lazy("defensiveness")}
SAFETY_NAMES = {"warning": gettext_lazy("warning signs"), "coping": gettext_lazy("coping alone"),
                "people": gettext_lazy("people to call"), "professional": gettext_lazy("professional services"),
                "means": gettext_lazy("making the means safer")}
LAISEG_NAMES = {"understanding": gettext_lazy("understanding"), "comfort": gettext_lazy("comfort"),
                "action": gettext_lazy("action")}


def ui_lang() -> str:
    from django.utils.translation import get_language

    return "en" if (get_language() or "id").startswith("en") else "id"


def _counselor_only(request) -> None:
    if request.user.is_org_admin:
        raise Http404


def _errors(request, exc: ServiceError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@login_required
def home(request):
    _counselor_only(request)
    lang = ui_lang()
    scenarios = [{"id": s.id, "title": s.title[lang], "persona": s.persona[lang], "setting": s.setting,
                  "risk": s.is_risk} for s in load_scenarios().values()]
    runs = list(PracticeRun.objects.filter(trainee=request.user))
    titles = {s.id: s.title[lang] for s in load_scenarios().values()}
    history = [{"run": r, "title": titles.get(r.scenario, r.scenario),
                "outcome": debrief_text(r.debrief, lang)[0] if r.debrief else ""} for r in runs]
    growth = [{"run": r, "title": titles.get(r.scenario, r.scenario), **growth_point(r.report)}
              for r in sorted(runs, key=lambda r: r.started_at) if r.report]
    to_review = list(access.reviews_for_supervisor(request.user).filter(status=Review.Status.SUBMITTED))
    record("roleplay.home", actor=request.user, request=request, count=len(runs))
    return render(request, "roleplay/home.html", {
        "scenarios": scenarios, "history": history, "growth": growth, "to_review": to_review,
        "default_lang": lang})


@login_required
@require_POST
def start(request):
    _counselor_only(request)
    form = StartForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a scenario and a language."))
        return redirect("roleplay_home")
    try:
        run = services.start_run(actor=request.user, scenario_id=form.cleaned_data["scenario"],
                                 lang=form.cleaned_data["lang"], request=request)
    except ServiceError as exc:
        _errors(request, exc)
        return redirect("roleplay_home")
    return redirect("roleplay_chat", run.pk)


def _dialogue(run: PracticeRun) -> list[dict]:
    turns = (run.engine_state or {}).get("turns", [])
    return [{"number": i, **t} for i, t in enumerate(turns, start=1)]


@login_required
def chat(request, run_id):
    run = access.get_run_for_user(request.user, run_id, own=True)
    if not run.is_active:
        return redirect("roleplay_debrief", run.pk)
    form = TurnForm(initial={"revision": run.revision})
    if request.method == "POST":
        form = TurnForm(request.POST)
        if form.is_valid():
            try:
                run = services.take_turn(run, actor=request.user, text=form.cleaned_data["text"],
                                         revision=form.cleaned_data["revision"], request=request)
            except ServiceError as exc:
                _errors(request, exc)
                if "text" in request.POST and len(request.POST["text"]) <= 2000:
                    # Keep what the trainee typed so a fix is one edit away (never echoed as HTML).
                    form = TurnForm(initial={"text": request.POST["text"], "revision": run.revision})
                else:
                    form = TurnForm(initial={"revision": run.revision})
                return _chat_page(request, run, form, status=400)
            if not run.is_active:
                return redirect("roleplay_debrief", run.pk)
            # No "#fragment": Chromium blocks autofocus on a URL with one, and the input must keep the focus.
            return redirect("roleplay_chat", run.pk)
    return _chat_page(request, run, form)


def _chat_page(request, run, form, status=200):
    scenario = load_scenarios()[run.scenario]
    lang = run.lang
    state = (run.engine_state or {}).get("state", {})
    tax = taxonomy()
    return render(request, "roleplay/chat.html", {
        "run": run, "form": form, "dialogue": _dialogue(run), "name": scenario.persona_name,
        "title": scenario.title[ui_lang()], "persona": scenario.persona[lang],
        "stage": tax.name("stage", state.get("stage", "awal"), ui_lang()),
        "hint": HINTS[run.last_hint][ui_lang()] if run.last_hint else "",
        "is_risk": scenario.is_risk,
    }, status=status)


@login_required
@require_POST
def hint(request, run_id):
    run = access.get_run_for_user(request.user, run_id, own=True)
    try:
        services.use_hint(run, actor=request.user, request=request)
    except ServiceError as exc:
        _errors(request, exc)
    return redirect("roleplay_chat", run.pk)


@login_required
@require_POST
def end(request, run_id):
    run = access.get_run_for_user(request.user, run_id, own=True)
    services.end_run(run, actor=request.user, request=request)
    return redirect("roleplay_debrief", run.pk)


def debrief_context(run: PracticeRun, lang: str, comments=()) -> dict:
    tax = taxonomy()
    d = run.debrief or {}
    episodes = [{**e, "kind_name": KIND_NAMES.get(e["kind"], e["kind"]),
                 "met_by_names": [STRATEGY_NAMES.get(x, x) for x in e.get("met_by", [])],
                 "faults": [FAULT_NAMES.get(f, f) for r in e.get("responses", []) for f in r.get("faults", [])]}
                for e in d.get("episodes", [])]
    risk = d.get("risk")
    if risk:
        risk = {**risk, "plan_names": [SAFETY_NAMES.get(x, x) for x in risk["safety_plan"]],
                "missing_names": [v for k, v in SAFETY_NAMES.items() if k not in risk["safety_plan"]]}
    report = None
    if run.report:
        job = SimpleNamespace(result={"report": run.report}, model_version=run.model_version)
        report = build_report(job, lang=lang, comments=comments)
    return {
        "verdict": debrief_text(d, lang) if d else [],
        "layers": _layers(run, d), "episodes": episodes,
        "faults": [{"turn": f["turn"], "name": FAULT_NAMES.get(f["fault"], f["fault"])} for f in d.get("faults", [])],
        "goals_done": [tax.name("task", g, lang) for g in d.get("goals_done", [])],
        "goals_missed": [tax.name("task", g, lang) for g in d.get("goals_missed", [])],
        "laiseg": [(LAISEG_NAMES[k], v) for k, v in d.get("laiseg", {}).items()],
        "referral": d.get("referral"), "risk": risk, "d": d,
        "stage_reached": tax.name("stage", d.get("stage_reached", "awal"), lang),
        "report": report,
    }


def _layers(run: PracticeRun, d: dict) -> list[dict]:
    """Each layer with what the counselee said when it came out, or what stayed hidden."""
    scenario = load_scenarios().get(run.scenario)
    texts = {layer.id: layer.text[run.lang][0] for layer in scenario.layers} if scenario else {}
    turns = (run.engine_state or {}).get("turns", [])
    said = {t["state"].removeprefix("layer:"): t["text"] for t in turns if t.get("state", "").startswith("layer:")}
    return [{**layer, "text": said.get(layer["id"]) or texts.get(layer["id"], "")} for layer in d.get("layers", [])]


@login_required
def debrief(request, run_id):
    run = access.get_run_for_user(request.user, run_id, own=True)
    if run.is_active:
        return redirect("roleplay_chat", run.pk)
    lang = ui_lang()
    reviews = list(run.reviews.select_related("supervisor").prefetch_related("comments__author"))
    comments = [c for r in reviews for c in r.comments.all()]
    scenario = load_scenarios()[run.scenario]
    supervisors = supervisors_of(request.user)
    from jalin.accounts.models import User

    form = SubmitReviewForm(supervisors=User.objects.filter(pk__in=supervisors.values("supervisor_id")))
    record("roleplay.debrief", actor=request.user, obj=run, request=request)
    return render(request, "roleplay/debrief.html", {
        "run": run, "title": scenario.title[lang], "name": scenario.persona_name, "reviews": reviews,
        "general_comments": [c for c in comments if c.utterance is None], "submit_form": form,
        "has_supervisor": supervisors.exists(), "is_supervisor": False, **debrief_context(run, lang, comments)})


@login_required
@require_POST
def submit(request, run_id):
    run = access.get_run_for_user(request.user, run_id, own=True)
    from jalin.accounts.models import User

    supervisors = User.objects.filter(pk__in=supervisors_of(request.user).values("supervisor_id"))
    form = SubmitReviewForm(request.POST, supervisors=supervisors)
    if not form.is_valid():
        messages.error(request, _("Choose your supervisor."))
        return redirect("roleplay_debrief", run.pk)
    try:
        services.submit_run(run, actor=request.user, supervisor=form.cleaned_data["supervisor"],
                            note=form.cleaned_data["note"], request=request)
        messages.success(request, _("Submitted to your supervisor."))
    except ServiceError as exc:
        _errors(request, exc)
    return redirect("roleplay_debrief", run.pk)


@login_required
def review(request, review_id):
    item = access.get_review_for_user(request.user, review_id)
    if item.trainee_id == request.user.pk:
        return redirect("roleplay_debrief", item.run_id)
    lang = ui_lang()
    run = item.run
    comments = list(item.comments.select_related("author"))
    scenario = load_scenarios()[run.scenario]
    record("roleplay.review", actor=request.user, obj=item, request=request)
    return render(request, "roleplay/debrief.html", {
        "run": run, "title": scenario.title[lang], "name": scenario.persona_name, "review": item,
        "reviews": [item], "general_comments": [c for c in comments if c.utterance is None],
        "comment_form": CommentForm(), "decision_form": DecisionForm(), "is_supervisor": True,
        **debrief_context(run, lang, comments)})


@login_required
@require_POST
def review_comment(request, review_id):
    item = access.get_review_for_user(request.user, review_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.add_run_comment(item, actor=request.user, text=form.cleaned_data["text"],
                                     utterance=form.cleaned_data["utterance"], request=request)
        except ServiceError as exc:
            _errors(request, exc)
    else:
        messages.error(request, _("Write a comment; the utterance number is optional."))
    return redirect("roleplay_review", item.pk)


@login_required
@require_POST
def review_decide(request, review_id):
    item = access.get_review_for_user(request.user, review_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide_run_review(item, actor=request.user, decision=form.cleaned_data["decision"],
                                       minutes=form.cleaned_data["minutes"], note=form.cleaned_data["note"],
                                       request=request)
        except ServiceError as exc:
            _errors(request, exc)
    else:
        messages.error(request, _("Choose a decision and the supervision time."))
    return redirect("roleplay_review", item.pk)
