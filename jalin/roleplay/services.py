"""Every write of the practice app: one function, one transaction, one audit event.

The engine's state is read, advanced and written back inside one transaction with the row locked, so a
turn is either saved whole (trainee line, counselee reply, new state) or not at all.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalin.audit.services import record
from jalin.cases.services import ServiceError
from jalin.practice.models import Review
from jalin.practice.services import supervisors_of

from .engine import RoleplaySession, warm_labeller
from .errors import RoleplayError
from .hints import hint_key
from .models import PracticeRun, PracticeRunComment, PracticeRunReview
from .scenario import get_scenario, load_scenarios

__all__ = ["add_run_comment", "decide_run_review", "end_run", "run_session", "start_run", "submit_run",
           "take_turn", "use_hint"]


def _lang_of(lang: str) -> str:
    return "en" if (lang or "").startswith("en") else "id"


@transaction.atomic
def start_run(*, actor, scenario_id: str, lang: str, seed: int | None = None, request=None) -> PracticeRun:
    if scenario_id not in load_scenarios():
        raise ServiceError(_("There is no such scenario."))
    scenario = get_scenario(scenario_id)
    seed = secrets.randbelow(1_000_000) if seed is None else int(seed)
    session = RoleplaySession(scenario, lang=_lang_of(lang), seed=seed)
    run = PracticeRun.objects.create(trainee=actor, scenario=scenario.id, scenario_version=scenario.version,
                                     lang=session.lang, seed=seed, engine_state=session.to_dict())
    record("roleplay.start", actor=actor, obj=run, request=request, scenario=scenario.id)
    warm_labeller()  # once per process: the trainee's first turn is then as quick as the rest
    return run


def run_session(run: PracticeRun) -> RoleplaySession:
    """The engine exactly where the run stopped (a run with no saved state starts from its seed)."""
    if not run.engine_state:
        return RoleplaySession(get_scenario(run.scenario), lang=run.lang, seed=run.seed)
    return RoleplaySession.from_dict(get_scenario(run.scenario), run.engine_state)


def _locked(run: PracticeRun, actor) -> PracticeRun:
    locked = PracticeRun.objects.select_for_update().get(pk=run.pk)
    if locked.trainee_id != actor.pk:
        raise ServiceError(_("Only the trainee who started this practice session can do this."))
    return locked


@transaction.atomic
def take_turn(run: PracticeRun, *, actor, text: str, revision: int | None = None, request=None) -> PracticeRun:
    """One trainee turn and the counselee's reply; a bad turn raises ServiceError and saves nothing."""
    run = _locked(run, actor)
    if revision is not None and revision != run.revision:
        raise ServiceError(_("This practice session changed in another window; the page now shows the latest."))
    if not run.is_active:
        raise ServiceError(_("This practice session has ended; start a new one to practise again."))
    session = run_session(run)
    try:
        session.turn(text)
    except RoleplayError as exc:
        raise ServiceError(exc.message(_ui_lang())) from None
    run.engine_state = session.to_dict()
    run.last_hint = ""
    run.revision += 1
    if session.state.ended:
        _finish(run, session)
    run.save()
    record("roleplay.turn", actor=actor, obj=run, request=request, turn=session.state.turns)
    return run


@transaction.atomic
def use_hint(run: PracticeRun, *, actor, request=None) -> str:
    """Show the hint for the current state (counted in the debrief); returns its key."""
    run = _locked(run, actor)
    if not run.is_active:
        raise ServiceError(_("This practice session has ended; start a new one to practise again."))
    session = run_session(run)
    session.state.hints += 1
    run.engine_state = session.to_dict()
    run.last_hint = hint_key(session)
    run.save(update_fields=["engine_state", "last_hint"])
    record("roleplay.hint", actor=actor, obj=run, request=request, hint=run.last_hint)
    return run.last_hint


def _finish(run: PracticeRun, session: RoleplaySession) -> None:
    """Debrief and the full analysis report of the practice transcript."""
    from jalin.analysis import Transcript, Utterance, analyze, to_json

    debrief = session.end()
    run.engine_state = session.to_dict()
    utterances = [Utterance(i, t.speaker, t.text, speaker_name="")
                  for i, t in enumerate(session.turns)]
    if utterances:
        result = analyze(Transcript(utterances, source="practice", language=session.lang), lang=_ui_lang())
        run.report = to_json(result)
        run.model_version = result.model_version
    run.debrief = debrief
    run.status = PracticeRun.Status.REFERRED if debrief["ended_by"] == "referral" else PracticeRun.Status.ENDED
    run.ended_at = timezone.now()


@transaction.atomic
def end_run(run: PracticeRun, *, actor, request=None) -> PracticeRun:
    run = _locked(run, actor)
    if not run.is_active:
        return run
    _finish(run, run_session(run))
    run.revision += 1
    run.save()
    record("roleplay.end", actor=actor, obj=run, request=request, outcome=run.debrief["outcome"])
    return run


@transaction.atomic
def submit_run(run: PracticeRun, *, actor, supervisor, note: str = "", request=None) -> PracticeRunReview:
    if run.trainee_id != actor.pk:
        raise ServiceError(_("Only the trainee who practised can submit this session."))
    if run.is_active:
        raise ServiceError(_("End the practice session before submitting it."))
    if not supervisors_of(actor).filter(supervisor=supervisor).exists():
        raise ServiceError(_("This supervisor is not assigned to you."))
    if run.reviews.filter(supervisor=supervisor, status=Review.Status.SUBMITTED).exists():
        raise ServiceError(_("This practice session is already waiting for this supervisor's review."))
    review = PracticeRunReview.objects.create(run=run, trainee=actor, supervisor=supervisor,
                                              trainee_note=(note or "").strip())
    record("roleplay.submit", actor=actor, obj=review, request=request, run=run.pk, supervisor=supervisor.pk)
    return review


def _reviewer(review: PracticeRunReview, actor) -> None:
    if review.supervisor_id != actor.pk:
        raise ServiceError(_("Only the reviewing supervisor can do this."))


@transaction.atomic
def add_run_comment(review: PracticeRunReview, *, actor, text: str, utterance: int | None = None,
                    request=None) -> PracticeRunComment:
    _reviewer(review, actor)
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("Write a comment."))
    count = len((review.run.engine_state or {}).get("turns", []))
    if utterance is not None and not 1 <= utterance <= count:
        raise ServiceError(_("There is no utterance with this number."))
    comment = PracticeRunComment.objects.create(review=review, utterance=utterance, text=text, author=actor)
    record("roleplay.comment", actor=actor, obj=comment, request=request, review=review.pk, utterance=utterance)
    return comment


@transaction.atomic
def decide_run_review(review: PracticeRunReview, *, actor, decision: str, minutes: int, note: str = "",
                      request=None) -> PracticeRunReview:
    _reviewer(review, actor)
    if decision not in (Review.Status.RETURNED, Review.Status.SIGNED_OFF):
        raise ServiceError(_("Unknown decision."))
    if review.status == Review.Status.SIGNED_OFF:
        raise ServiceError(_("This review is already signed off."))
    if not 0 <= minutes <= 600:
        raise ServiceError(_("Supervision time is 0 to 600 minutes."))
    review.status, review.minutes = decision, minutes
    review.decision_note, review.decided_at = (note or "").strip(), timezone.now()
    review.save(update_fields=["status", "minutes", "decision_note", "decided_at"])
    record("roleplay.decide", actor=actor, obj=review, request=request, decision=decision, minutes=minutes)
    return review


def _ui_lang() -> str:
    from django.utils.translation import get_language

    return _lang_of(get_language() or "id")
