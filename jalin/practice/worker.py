"""The analysis worker: claims queued ``AnalysisJob`` rows and runs the engine on them.

Production runs ``jalin worker`` (the ``jalin_worker`` management command) beside the web server;
``jalin demo`` starts the same loop in a background thread so one command is enough. Claiming uses
``SELECT … FOR UPDATE SKIP LOCKED`` where the database has it (PostgreSQL) and a conditional
UPDATE otherwise (SQLite), so two workers never run the same job. Logs carry job ids only.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from .models import AnalysisJob

log = logging.getLogger("jalin.practice.worker")

# A job left "running" this long was orphaned by a worker that died; it is queued again.
STALE_AFTER = timedelta(minutes=30)
_thread: threading.Thread | None = None


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:80]


def _requeue_stale() -> None:
    AnalysisJob.objects.filter(status=AnalysisJob.Status.RUNNING, started_at__lt=timezone.now() - STALE_AFTER) \
        .update(status=AnalysisJob.Status.QUEUED, progress=0, worker="")


def claim_next() -> AnalysisJob | None:
    """Mark the oldest queued job as running for this worker and return it (None when the queue is empty)."""
    _requeue_stale()
    name = _worker_name()
    queued = AnalysisJob.objects.filter(status=AnalysisJob.Status.QUEUED).order_by("created_at", "id")
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            job = queued.select_for_update(skip_locked=True).first()
            if job is None:
                return None
            job.status, job.progress, job.started_at, job.worker = AnalysisJob.Status.RUNNING, 5, timezone.now(), name
            job.save(update_fields=["status", "progress", "started_at", "worker"])
            return job
    for pk in queued.values_list("pk", flat=True)[:5]:
        # SQLite: the conditional UPDATE is atomic; whoever changes the row first owns the job.
        if AnalysisJob.objects.filter(pk=pk, status=AnalysisJob.Status.QUEUED).update(
                status=AnalysisJob.Status.RUNNING, progress=5, started_at=timezone.now(), worker=name) == 1:
            return AnalysisJob.objects.get(pk=pk)
    return None


def _progress(job: AnalysisJob, value: int) -> None:
    AnalysisJob.objects.filter(pk=job.pk).update(progress=value)


def _error_code(exc: Exception) -> str:
    from jalin.analysis.errors import AnalysisError

    if isinstance(exc, AnalysisError):
        return exc.message_id[:40]
    return "internal"


def run_job(job: AnalysisJob) -> AnalysisJob:
    """Run the engine on a claimed job and store the result (or the failure) on it."""
    from jalin.analysis.engine import analyze
    from jalin.analysis.report import to_json

    from .services import raise_transcript_alerts, transcript_for_engine

    try:
        transcript = job.transcript
        engine_transcript = transcript_for_engine(transcript)
        _progress(job, 20)
        result = analyze(engine_transcript, lang="id")
        _progress(job, 80)
        report = to_json(result)
        feedback = {"id": report["feedback"], "en": _feedback_en(result)}
        with transaction.atomic():
            job.result = {"report": report, "feedback": feedback}
            job.model_version = result.model_version[:80]
            job.status, job.progress, job.finished_at, job.error_code = (
                AnalysisJob.Status.DONE, 100, timezone.now(), "")
            job.save(update_fields=["result", "model_version", "status", "progress", "finished_at", "error_code"])
            raise_transcript_alerts(transcript, report)
        log.info("analysis job %s done", job.pk)
    except Exception as exc:  # noqa: BLE001 - the page shows a clear message; a failure is never a 500
        log.warning("analysis job %s failed: %s", job.pk, type(exc).__name__)
        job.status, job.error_code, job.finished_at = AnalysisJob.Status.FAILED, _error_code(exc), timezone.now()
        AnalysisJob.objects.filter(pk=job.pk).update(status=job.status, error_code=job.error_code,
                                                     finished_at=job.finished_at)
    return job


def _feedback_en(result) -> list:
    """The same feedback in English, so the report follows the reader's language without a second run."""
    from jalin.analysis.feedback import build_feedback
    from jalin.analysis.report import to_json

    english = build_feedback(result.utterances, result.metrics, result.tasks_done, result.tasks_missed, "en")
    probe = type(result)(**{**result.__dict__, "feedback": english, "language": "en"})
    return to_json(probe)["feedback"]


def run_one() -> AnalysisJob | None:
    """Claim and run one queued job; returns it, or None when there was nothing to do."""
    job = claim_next()
    if job is None:
        return None
    return run_job(job)


def run_forever(*, poll_seconds: float = 2.0, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    while not stop.is_set():
        close_old_connections()
        try:
            job = run_one()
        except Exception as exc:  # noqa: BLE001 - database briefly away: keep polling
            log.warning("analysis worker: %s", type(exc).__name__)
            job = None
        if job is None:
            stop.wait(poll_seconds)


def start_background_worker(poll_seconds: float = 2.0) -> threading.Thread:
    """Start the in-process worker thread once (demo / runserver)."""
    global _thread
    if _thread is None or not _thread.is_alive():
        _thread = threading.Thread(target=run_forever, kwargs={"poll_seconds": poll_seconds},
                                   name="jalin-analysis-worker", daemon=True)
        _thread.start()
    return _thread


__all__ = ["claim_next", "run_forever", "run_job", "run_one", "start_background_worker"]
