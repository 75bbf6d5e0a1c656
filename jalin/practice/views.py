"""Thin views of transcripts, analysis and supervision: parse input, open through ``access``, call one
service, render. The session page's analysis block is built by ``session_analysis_context``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jalin.analysis.timing import chat_timing
from jalin.audit.services import record
from jalin.cases import access as case_access
from jalin.cases.models import CaseTask
from jalin.cases.services import ServiceError

from . import access, growth, services
from .forms import (
    CommentForm,
    DecisionForm,
    LabelForm,
    RatingForm,
    SubmitReviewForm,
    TaskForm,
    TranscriptForm,
)
from .models import AnalysisJob, Review, ReviewComment, Strategy
from .report import build_report, current_model_version


def ui_lang() -> str:
    from django.utils.translation import get_language

    return "en" if (get_language() or "id").startswith("en") else "id"


def _errors(request, exc: ServiceError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _back(session, anchor: str = "analysis"):
    return redirect(reverse("session_detail", args=[session.pk]) + f"#{anchor}")


def consent_url(counselee) -> str:
    """The privacy app's consent form for this counselee, when that app provides one."""
    for name, args in (("consent_new", [counselee.pk]), ("counselee_consent", [counselee.pk]),
                       ("privacy_consent_new", [counselee.pk]), ("consent_list", [counselee.pk])):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return ""


def job_message(job: AnalysisJob | None) -> str:
    if job is None or job.shown_status != AnalysisJob.Status.FAILED:
        return ""
    if job.is_stale or job.error_code == "timeout":
        return _("The analysis did not finish in time (the worker may have stopped). Re-run it; if it fails "
                 "again, tell the administrator.")
    if job.error_code == "input":
        error = (job.result or {}).get("error") or {}
        return _("The transcript could not be read: %(message)s") % {"message": error.get(ui_lang(), "")}
    if job.error_code.startswith("model_"):
        return _("The analysis model is missing or damaged, so this transcript could not be analysed. "
                 "Ask the administrator to reinstall or retrain the model, then re-run.")
    return _("The analysis failed (code %(code)s). Re-run it; if it fails again, tell the administrator.") % {
        "code": job.error_code or "internal"}


def _practice(request, session, *, review: Review | None = None) -> dict:
    """Everything the analysis block needs, for the session page and for a review page."""
    user, lang = request.user, ui_lang()
    case = session.case
    writable = case_access.can_write(user, case) and review is None
    transcript = access.latest_transcript(user, session)
    ctx: dict = {"session": session, "case": case, "writable": writable, "transcript": transcript,
                 "review": review, "lang": lang}
    if writable:
        from jalin.privacy.consent import recording_allowed

        # has_consents / has_reviews: asked by the session page when it opened the session
        ctx["recording_allowed"] = recording_allowed(case.counselee,
                                                     None if getattr(session, "has_consents", True) else {})
        ctx["consent_url"] = consent_url(case.counselee)
        ctx["transcript_form"] = TranscriptForm()
    if transcript is not None:
        jobs = list(transcript.jobs.all()[:20])
        latest = jobs[0] if jobs else None
        done = next((j for j in jobs if j.status == AnalysisJob.Status.DONE), None)
        ctx.update(job=latest, done_job=done, job_message=job_message(latest),
                   current_model_version=current_model_version(),
                   speakers=services.speaker_overview(transcript) if transcript.speaker_roles else [],
                   others=transcript.others or [], timing=chat_timing(transcript.utterances or []))
        if done is not None:
            if review is not None:
                reviews = [review]
            elif case.counselor_id == user.pk:
                reviews = list(session.reviews.all())
            else:
                reviews = list(access.active_reviews_for_supervisor(user).filter(session=session))
            comments = ReviewComment.objects.filter(review__in=reviews).select_related("author")
            ctx["report"] = build_report(
                done, lang=lang, corrections=list(transcript.corrections.all()), comments=comments,
                case_tasks=set(CaseTask.objects.filter(case=case).values_list("task", flat=True)))
            ctx["outdated"] = bool(ctx["current_model_version"]) and done.model_version != ctx[
                "current_model_version"]
        record("transcript.view", actor=user, obj=transcript, case_id=case.pk, counselee_id=case.counselee_id,
               request=request, session=session.pk)
    ctx["may_delete"] = transcript is not None and case.counselor_id == user.pk and review is None
    if case.counselor_id == user.pk and review is None:
        ctx["session_reviews"] = list(session.reviews.select_related("supervisor")) \
            if getattr(session, "has_reviews", True) else []
        # Only a transcript can be submitted for review: without one the supervisors are not read.
        supervisors = [a.supervisor for a in services.supervisors_of(user)] if transcript is not None else []
        if supervisors:
            from django.contrib.auth import get_user_model

            ctx["submit_form"] = SubmitReviewForm(
                supervisors=get_user_model().objects.filter(pk__in=[s.pk for s in supervisors]))
    return ctx


def session_analysis_context(request, session) -> dict:
    """Called by cases.views.session_detail: the analysis block of the session page."""
    return {"analysis_block": "practice/session_block.html", "practice": _practice(request, session)}


# --- transcripts and analysis ---------------------------------------------------------------

@login_required
@require_POST
def transcript_attach(request, session_id):
    session = case_access.get_session_for_user(request.user, session_id, write=True)
    form = TranscriptForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(session, "transcript")
    upload = form.cleaned_data.get("file")
    try:
        if upload:
            services.attach_transcript(session, actor=request.user, data=upload.read(), filename=upload.name,
                                       lang=ui_lang(), request=request)
        else:
            services.attach_transcript(session, actor=request.user, text=form.cleaned_data["text"],
                                       lang=ui_lang(), request=request)
    except ServiceError as exc:
        _errors(request, exc)
        return _back(session, "transcript")
    messages.success(request, _("Transcript saved. The analysis is running; this page shows its progress."))
    return _back(session)


@login_required
@require_POST
def transcript_speakers(request, transcript_id):
    """Confirm or swap who is the counselor, the counselee and anyone else; re-analyses the transcript."""
    transcript = access.get_transcript_for_user(request.user, transcript_id, write=True)
    labels = list((transcript.speaker_roles or {}).keys())
    roles = {label: request.POST.get(f"role-{index}", "") for index, label in enumerate(labels)}
    try:
        services.confirm_speaker_roles(transcript, roles, actor=request.user, lang=ui_lang(), request=request)
    except ServiceError as exc:
        _errors(request, exc)
        return _back(transcript.session, "speakers")
    messages.success(request, _("Speaker roles saved for this case. The analysis runs again with them."))
    return _back(transcript.session)


@login_required
@require_POST
def transcript_rerun(request, transcript_id):
    transcript = access.get_transcript_for_user(request.user, transcript_id, write=True)
    services.rerun_analysis(transcript, actor=request.user, request=request)
    messages.success(request, _("The analysis runs again with the current model."))
    return _back(transcript.session)


@login_required
@require_POST
def transcript_delete(request, transcript_id):
    transcript = access.get_transcript_for_user(request.user, transcript_id, write=True)
    session = transcript.session
    if request.POST.get("confirm") != "on":
        messages.error(request, _("Tick the box to confirm that the transcript is deleted for good."))
        return _back(session)
    try:
        services.delete_transcript(transcript, actor=request.user, request=request)
    except ServiceError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Transcript deleted, with its analyses and label corrections."))
    return _back(session)


def _done_job(transcript):
    job = transcript.jobs.filter(status=AnalysisJob.Status.DONE).first()
    if job is None:
        raise Http404
    return job


@login_required
@require_POST
def transcript_label(request, transcript_id):
    from .report import effective_labels

    transcript = access.get_transcript_for_user(request.user, transcript_id, write=True)
    job = _done_job(transcript)
    form = LabelForm(request.POST)
    if form.is_valid():
        number = form.cleaned_data["utterance"]
        old = effective_labels(job, transcript.corrections.all()).get(number, "")
        try:
            services.correct_label(transcript, actor=request.user, utterance=number, old_label=old,
                                   new_label=form.cleaned_data["label"], job=job, request=request)
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Label corrected."))
        return _back(transcript.session, f"u{number}")
    messages.error(request, _("Choose a label."))
    return _back(transcript.session)


@login_required
@require_POST
def transcript_task(request, transcript_id):
    transcript = access.get_transcript_for_user(request.user, transcript_id, write=True)
    job = _done_job(transcript)
    form = TaskForm(request.POST)
    suggested = {t["id"] for t in job.result["report"].get("tasks", {}).get("done", [])}
    if not form.is_valid() or form.cleaned_data["task"] not in suggested:
        messages.error(request, _("This task was not suggested by the transcript."))
        return _back(transcript.session, "suggestions")
    try:
        services.confirm_task(transcript, form.cleaned_data["task"], actor=request.user, request=request)
    except ServiceError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Stage task confirmed in the case's checklist."))
    return _back(transcript.session, "suggestions")


@login_required
@require_GET
def job_status(request, job_id):
    job = access.get_job_for_user(request.user, job_id)
    shown = AnalysisJob.Status(job.shown_status)
    return JsonResponse({"id": job.pk, "status": shown.value, "status_display": shown.label,
                         "progress": job.progress, "finished": not job.is_active,
                         "model_version": job.model_version, "message": job_message(job)})


# --- supervision ----------------------------------------------------------------------------

@login_required
@require_POST
def review_submit(request, session_id):
    session = case_access.get_session_for_user(request.user, session_id, write=True)
    if session.case.counselor_id != request.user.pk:
        raise Http404
    from django.contrib.auth import get_user_model

    supervisors = get_user_model().objects.filter(
        pk__in=services.supervisors_of(request.user).values("supervisor_id"))
    form = SubmitReviewForm(request.POST, supervisors=supervisors)
    if form.is_valid():
        try:
            services.submit_for_review(session, actor=request.user, supervisor=form.cleaned_data["supervisor"],
                                       note=form.cleaned_data["note"], request=request)
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Submitted for review. Your supervisor can read this case (read-only) "
                                        "for 30 days."))
    else:
        messages.error(request, _("Choose your supervisor."))
    return _back(session, "review")


def _growth_context(trainee, sessions, lang: str) -> dict:
    from jalin.measures.charts import line_chart

    points = growth.growth_series(sessions)
    names = {
        "reflection_question_ratio": _("Reflections per question"),
        "open_question_share": _("Share of open questions"),
        "feeling_reflection_share": _("Share of reflections of feeling"),
        "advice_before_exploration": _("Advice before exploration (1 = yes)"),
        "resistance_handled": _("Resistance episodes after which the counselee opened up"),
        "tasks_covered": _("Stage tasks covered"),
    }
    maxima = {"reflection_question_ratio": max([2.0] + [p["reflection_question_ratio"] or 0 for p in points]),
              "tasks_covered": max([14] + [p["tasks_covered"] for p in points])}
    charts = [{"key": key, "title": title,
               "svg": line_chart(title, points, y_min=0, y_max=maxima.get(key, 1.0), series_keys=(key,))}
              for key, title in names.items()]
    return {"trainee": trainee, "points": points, "charts": charts, "series_names": names,
            "hours": growth.training_hours(trainee)}


@login_required
def supervision_dashboard(request):
    if not request.user.is_supervisor:
        raise Http404
    from jalin.accounts.models import SupervisorAssignment

    assignments = SupervisorAssignment.objects.filter(supervisor=request.user, active=True).select_related(
        "supervisee")
    reviews = list(access.active_reviews_for_supervisor(request.user))
    record("review.list", actor=request.user, request=request, count=len(reviews))
    return render(request, "practice/supervision_dashboard.html", {
        "assignments": assignments, "waiting": [r for r in reviews if r.status == Review.Status.SUBMITTED],
        "decided": [r for r in reviews if r.status != Review.Status.SUBMITTED]})


@login_required
def supervision_trainee(request, trainee_id):
    trainee = access.get_supervisee_for_user(request.user, trainee_id)
    reviews = list(access.active_reviews_for_supervisor(request.user).filter(trainee=trainee))
    sessions = {r.session.pk: r.session for r in reviews}.values()  # only what was submitted to me
    record("review.trainee", actor=request.user, request=request, trainee=trainee.pk)
    return render(request, "practice/trainee.html", {
        "reviews": reviews, "supervisor_view": True, **_growth_context(trainee, sessions, ui_lang())})


@login_required
def my_reviews(request):
    if request.user.is_org_admin:
        raise Http404
    from jalin.cases.models import CounselingSession

    reviews = list(Review.objects.filter(trainee=request.user, session__case__counselor=request.user)
                   .select_related("session", "session__case", "supervisor"))
    sessions = CounselingSession.objects.filter(case__counselor=request.user).select_related("case")
    record("review.mine", actor=request.user, request=request, count=len(reviews))
    return render(request, "practice/trainee.html", {
        "reviews": reviews, "supervisor_view": False, **_growth_context(request.user, sessions, ui_lang())})


@login_required
def review_detail(request, review_id):
    review = access.get_review_for_user(request.user, review_id)
    session = review.session
    is_supervisor = review.supervisor_id == request.user.pk
    if is_supervisor:  # the session itself through the cases' door (the supervision grant)
        session = case_access.get_session_for_user(request.user, session.pk)
    record("review.view", actor=request.user, obj=review, case_id=session.case_id,
           counselee_id=session.case.counselee_id, request=request)
    ratings = {r.strategy: r for r in review.ratings.all()}
    rating_initial = {}
    for strategy, rating in ratings.items():
        rating_initial[f"score_{strategy}"] = rating.score
        rating_initial[f"note_{strategy}"] = rating.note
    return render(request, "practice/review_detail.html", {
        "review": review, "session": session, "case": session.case, "is_supervisor": is_supervisor,
        "practice": _practice(request, session, review=review),
        "ratings": [(value, label, ratings.get(value)) for value, label in Strategy.choices],
        "general_comments": [c for c in review.comments.select_related("author") if c.utterance is None],
        "comment_form": CommentForm(), "rating_form": RatingForm(initial=rating_initial),
        "decision_form": DecisionForm(initial={"minutes": review.minutes or None}),
    })


def _review_for_supervisor(request, review_id) -> Review:
    review = access.get_review_for_user(request.user, review_id)
    if review.supervisor_id != request.user.pk:
        raise Http404
    return review


def _to_review(review, anchor=""):
    return redirect(reverse("review_detail", args=[review.pk]) + (f"#{anchor}" if anchor else ""))


@login_required
@require_POST
def review_comment(request, review_id):
    review = _review_for_supervisor(request, review_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.add_comment(review, actor=request.user, text=form.cleaned_data["text"],
                                 utterance=form.cleaned_data["utterance"], request=request)
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Comment saved."))
    else:
        messages.error(request, _("Write a comment."))
    number = request.POST.get("utterance", "")
    return _to_review(review, f"u{number}" if number.isdigit() else "comments")


@login_required
@require_POST
def review_rate(request, review_id):
    review = _review_for_supervisor(request, review_id)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.rate_session(review, actor=request.user, ratings=form.ratings(), request=request)
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Ratings saved."))
    else:
        messages.error(request, _("Rate from 1 to 5."))
    return _to_review(review, "ratings")


@login_required
@require_POST
def review_decide(request, review_id):
    review = _review_for_supervisor(request, review_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide_review(review, actor=request.user, decision=form.cleaned_data["decision"],
                                   minutes=form.cleaned_data["minutes"], note=form.cleaned_data["note"],
                                   request=request)
        except ServiceError as exc:
            _errors(request, exc)
        else:
            messages.success(request, _("Decision saved."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return _to_review(review, "decision")
