"""The one door to practice runs: the trainee's own, or one submitted to a supervisor who still
supervises them. "Missing" and "not yours" both raise ``Http404``."""

from __future__ import annotations

from django.http import Http404

from jalin.accounts.models import SupervisorAssignment

from .models import PracticeRun, PracticeRunReview


def _supervised(user):
    return SupervisorAssignment.objects.filter(supervisor=user, active=True).values("supervisee_id")


def reviews_for_supervisor(user):
    if not user.is_authenticated or not user.is_supervisor:
        return PracticeRunReview.objects.none()
    return PracticeRunReview.objects.filter(supervisor=user, trainee_id__in=_supervised(user)).select_related(
        "run", "trainee")


def get_run_for_user(user, run_id, *, own: bool = False) -> PracticeRun:
    try:
        run = PracticeRun.objects.select_related("trainee").get(pk=int(run_id))
    except (PracticeRun.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if run.trainee_id == user.pk:
        return run
    if not own and reviews_for_supervisor(user).filter(run=run).exists():
        return run
    raise Http404


def get_review_for_user(user, review_id) -> PracticeRunReview:
    try:
        review = PracticeRunReview.objects.select_related("run", "trainee", "supervisor").get(pk=int(review_id))
    except (PracticeRunReview.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if review.trainee_id == user.pk or reviews_for_supervisor(user).filter(pk=review.pk).exists():
        return review
    raise Http404
