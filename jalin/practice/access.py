"""The one door to transcripts and reviews: everything goes through the cases' access helpers first.

A supervisor sees a session's transcript only when the trainee submitted that session to them and the
supervision grant is still active; "missing" and "not yours" both raise ``Http404``.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from jalin.accounts.models import SupervisorAssignment
from jalin.cases import access as case_access

from .models import AnalysisJob, Review, Transcript


def may_see_transcripts(user, session) -> bool:
    """The handling counselor (or a writing co-counselor), or a supervisor the session was submitted to."""
    if case_access.can_write(user, session.case):
        return True
    return active_reviews_for_supervisor(user).filter(session=session).exists()


def latest_transcript(user, session) -> Transcript | None:
    if not may_see_transcripts(user, session):
        return None
    if not getattr(session, "has_transcripts", True):  # the session page asked already: there is none
        return None
    return session.transcripts.first()


def get_transcript_for_user(user, transcript_id, *, write: bool = False) -> Transcript:
    try:
        transcript = Transcript.objects.select_related("session", "session__case").get(pk=int(transcript_id))
    except (Transcript.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    session = case_access.get_session_for_user(user, transcript.session_id, write=write)
    if not may_see_transcripts(user, session):
        raise Http404
    transcript.session = session
    return transcript


def visible_jobs_for_user(user) -> QuerySet[AnalysisJob]:
    """Jobs of transcripts the user may see (``may_see_transcripts``), as one query."""
    if not user.is_authenticated:
        return AnalysisJob.objects.none()
    writable = case_access.writable_cases_for_user(user).values("pk")
    reviewed = active_reviews_for_supervisor(user).values("session_id")
    return AnalysisJob.objects.filter(Q(transcript__session__case__in=writable) | Q(transcript__session__in=reviewed))


def get_job_for_user(user, job_id) -> AnalysisJob:
    """The job's status fields, or 404.

    Constant work: one query with the access rule inside it, so an existing job of someone else and a
    missing id cost the same (no decryption, no second lookup) and timing cannot tell them apart.
    The encrypted result is deferred; status polling never needs it.
    """
    try:
        pk = int(job_id)
    except (ValueError, TypeError):
        raise Http404 from None
    job = (visible_jobs_for_user(user).filter(pk=pk)
           .only("id", "transcript_id", "status", "progress", "error_code", "model_version").first())
    if job is None:
        raise Http404
    return job


def active_reviews_for_supervisor(user) -> QuerySet[Review]:
    if not user.is_authenticated or not user.is_supervisor:
        return Review.objects.none()
    now = timezone.now()
    supervisees = SupervisorAssignment.objects.filter(supervisor=user, active=True).values("supervisee_id")
    return Review.objects.filter(
        supervisor=user, trainee_id__in=supervisees, grant__revoked_at__isnull=True, grant__expires_at__gt=now,
    ).select_related("session", "session__case", "trainee")


def get_review_for_user(user, review_id) -> Review:
    """The reviewing supervisor (while the grant lasts) or the trainee who submitted it."""
    if not user.is_authenticated:
        raise Http404
    own = Review.objects.filter(trainee=user, session__case__counselor=user)
    try:
        return (active_reviews_for_supervisor(user) | own).select_related(
            "session", "session__case", "trainee", "supervisor").distinct().get(pk=int(review_id))
    except (Review.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_supervisee_for_user(user, trainee_id):
    try:
        return SupervisorAssignment.objects.select_related("supervisee").get(
            supervisor=user, supervisee_id=int(trainee_id), active=True).supervisee
    except (SupervisorAssignment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


__all__ = ["active_reviews_for_supervisor", "get_job_for_user", "get_review_for_user",
           "get_supervisee_for_user", "get_transcript_for_user", "latest_transcript", "may_see_transcripts",
           "visible_jobs_for_user"]
