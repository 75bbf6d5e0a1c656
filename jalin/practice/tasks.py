"""Background work of the practice app on Django's Tasks framework (``django.tasks``).

A transcript upload is stored as it came and an ``AnalysisJob`` row is created in the web request; the
``analyse_transcript`` task then parses the upload and runs the engine in a worker (``jalin worker``, or a
thread of ``jalin demo``). The job row, not the queue, is the truth the pages show, which makes every
run safe to repeat:

- a task claims its job with one conditional UPDATE, so a job is analysed by one task at a time and a
  task delivered twice (Redis redelivery, a re-queue by ``recover_jobs``) finds nothing to do;
- the result, the job's status and the risk alerts are written in one transaction, after checking that
  the job is still this task's, so a crash mid-way leaves nothing half-written and a result is stored once;
- a transient failure (database or network) puts the job back in the queue with a growing delay, up to
  ``TASK_MAX_ATTEMPTS``; a bad transcript or a broken model fails at once with a message for the user;
- ``recover_jobs`` (run by every worker at start and each minute) re-queues jobs whose task was never
  queued (Redis away during the upload) and jobs whose worker died (no sign of life for
  ``TASK_TIMEOUT_SECONDS``); the pages show such a job as failed, with a re-run button, meanwhile.

Logs carry job ids and exception class names only, never what was said in a session.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.tasks import task
from django.utils import timezone

from .models import AnalysisJob

log = logging.getLogger("jalin.tasks")

RETRY_BASE_SECONDS = 10  # 10 s, 40 s, 160 s, … capped at RETRY_MAX_SECONDS
RETRY_MAX_SECONDS = 600
REQUEUE_GRACE_SECONDS = 60  # a job not in the queue this long after its upload is queued again


def _transient_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [DatabaseError, OSError]
    try:
        from redis.exceptions import RedisError
    except ImportError:  # redis is installed with django-tasks-redis; without it nothing raises it
        pass
    else:
        errors.append(RedisError)
    return tuple(errors)


def retry_delay(attempt: int) -> int:
    """Seconds to wait before attempt ``attempt + 1`` (attempt counts from 1)."""
    return min(RETRY_BASE_SECONDS * 4 ** max(attempt - 1, 0), RETRY_MAX_SECONDS)


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:80]


def _timeout() -> timedelta:
    return timedelta(seconds=settings.TASK_TIMEOUT_SECONDS)


# --- queueing -----------------------------------------------------------------------------------

def enqueue_job(job_id: int, *, delay_seconds: int = 0) -> bool:
    """Put the job's task in the queue; on failure (Redis unreachable) log it and leave the job for
    ``recover_jobs``. Returns whether the task was queued."""
    try:
        runner = analyse_transcript
        if delay_seconds:
            runner = analyse_transcript.using(run_after=timezone.now() + timedelta(seconds=delay_seconds))
        result = runner.enqueue(job_id)
    except Exception as exc:  # noqa: BLE001 - the upload is kept; the worker queues the job again
        log.warning("analysis job %s could not be queued (%s: %s); the worker queues it again within %s s",
                    job_id, type(exc).__name__, exc, REQUEUE_GRACE_SECONDS)
        return False
    AnalysisJob.objects.filter(pk=job_id, status=AnalysisJob.Status.QUEUED).update(task_id=str(result.id)[:64])
    return True


def enqueue_on_commit(job: AnalysisJob) -> None:
    """Queue the job's task once the transaction that created the job has committed (a worker must never
    see a task whose job is not there yet)."""
    job_id = job.pk
    transaction.on_commit(lambda: enqueue_job(job_id))


def recover_jobs(*, grace_seconds: int = REQUEUE_GRACE_SECONDS) -> int:
    """Queue again what was never queued or whose worker died; fail what used up its attempts.
    Returns how many jobs were queued again."""
    now = timezone.now()
    stale_before = now - _timeout()
    Status = AnalysisJob.Status
    dead = AnalysisJob.objects.filter(
        Q(status=Status.RUNNING, heartbeat_at__lt=stale_before)
        | Q(status=Status.QUEUED, heartbeat_at__lt=stale_before)
        | Q(status=Status.QUEUED, heartbeat_at__isnull=True, created_at__lt=stale_before))
    failed = dead.filter(attempts__gte=settings.TASK_MAX_ATTEMPTS).update(
        status=Status.FAILED, error_code="timeout", finished_at=now, worker="")
    if failed:
        log.warning("%s analysis job(s) gave no sign of life after %s attempts: marked failed",
                    failed, settings.TASK_MAX_ATTEMPTS)
    revived = list(dead.values_list("pk", flat=True)[:500])
    if revived:
        # heartbeat_at is set, and the job queued below at once, so that it counts as alive again
        AnalysisJob.objects.filter(pk__in=revived).update(status=Status.QUEUED, progress=0, worker="", task_id="",
                                                          heartbeat_at=now - timedelta(seconds=grace_seconds))
        log.warning("%s analysis job(s) gave no sign of life for %s s: queued again",
                    len(revived), settings.TASK_TIMEOUT_SECONDS)
    unqueued = list(AnalysisJob.objects.filter(status=Status.QUEUED, task_id="").filter(
        Q(heartbeat_at__lte=now - timedelta(seconds=grace_seconds))
        | Q(heartbeat_at__isnull=True, created_at__lte=now - timedelta(seconds=grace_seconds)))
        .values_list("pk", flat=True)[:500])
    return sum(1 for job_id in unqueued if enqueue_job(job_id))


# --- the task -------------------------------------------------------------------------------------

@task
def analyse_transcript(job_id: int) -> str:
    """Parse (if still needed) and analyse the job's transcript; returns what happened, for the logs."""
    return run_analysis_job(job_id)


def _claim(job_id: int, name: str) -> bool:
    now = timezone.now()
    Status = AnalysisJob.Status
    return AnalysisJob.objects.filter(
        Q(status=Status.QUEUED) | Q(status=Status.RUNNING, heartbeat_at__lt=now - _timeout()), pk=job_id,
    ).update(status=Status.RUNNING, progress=5, started_at=now, heartbeat_at=now, worker=name,
             attempts=F("attempts") + 1) == 1


def _heartbeat(job_id: int, name: str, progress: int) -> None:
    AnalysisJob.objects.filter(pk=job_id, worker=name, status=AnalysisJob.Status.RUNNING).update(
        progress=progress, heartbeat_at=timezone.now())


def run_analysis_job(job_id: int) -> str:
    from jalin.analysis.errors import AnalysisError

    from . import services

    name = _worker_name()
    if not _claim(job_id, name):
        status = AnalysisJob.objects.filter(pk=job_id).values_list("status", flat=True).first()
        if status is None:
            log.warning("analysis job %s no longer exists (its transcript was deleted): nothing to do", job_id)
            return "gone"
        log.info("analysis job %s is %s: nothing to do", job_id, status)
        return "skipped"
    job = AnalysisJob.objects.select_related("transcript").filter(pk=job_id).first()
    if job is None:
        log.warning("analysis job %s was deleted with its transcript while starting: nothing to do", job_id)
        return "gone"
    try:
        transcript = job.transcript
        if not transcript.parsed:
            services.parse_stored_upload(transcript)
        _heartbeat(job_id, name, 20)
        stored = services.store_analysis(job, worker=name, on_progress=lambda p: _heartbeat(job_id, name, p))
    except AnalysisError as exc:  # a bad transcript or a missing model: retrying would fail the same way
        log.warning("analysis job %s failed: %s (%s)", job_id, type(exc).__name__, exc.message_id)
        services.fail_analysis(job_id, worker=name, error=exc)
        return "failed"
    except _transient_errors() as exc:
        return _retry_or_fail(job, name, exc)
    except Exception as exc:
        log.exception("analysis job %s failed: %s", job_id, type(exc).__name__)
        services.fail_analysis(job_id, worker=name, error=exc)
        return "failed"
    log.info("analysis job %s %s", job_id, stored)
    return stored


def _retry_or_fail(job: AnalysisJob, name: str, exc: BaseException) -> str:
    attempt = AnalysisJob.objects.filter(pk=job.pk).values_list("attempts", flat=True).first() or job.attempts
    if attempt >= settings.TASK_MAX_ATTEMPTS:
        log.warning("analysis job %s failed after %s attempts: %s", job.pk, attempt, type(exc).__name__)
        from . import services

        services.fail_analysis(job.pk, worker=name, error=exc)
        return "failed"
    delay = retry_delay(attempt)
    log.warning("analysis job %s attempt %s failed (%s); retried in %s s", job.pk, attempt, type(exc).__name__,
                delay)
    try:
        requeued = AnalysisJob.objects.filter(pk=job.pk, worker=name, status=AnalysisJob.Status.RUNNING).update(
            status=AnalysisJob.Status.QUEUED, progress=0, worker="", task_id="", heartbeat_at=timezone.now())
    except DatabaseError as again:  # the database itself is away: the job is re-queued after its timeout
        log.warning("analysis job %s: the retry could not be recorded (%s); it is queued again after %s s",
                    job.pk, type(again).__name__, settings.TASK_TIMEOUT_SECONDS)
        return "retry"
    if requeued:
        enqueue_job(job.pk, delay_seconds=delay)
    return "retry"


__all__ = ["analyse_transcript", "enqueue_job", "enqueue_on_commit", "recover_jobs", "retry_delay",
           "run_analysis_job"]
