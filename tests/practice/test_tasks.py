"""The analysis task on Django's Tasks framework, on whichever backend the settings give (the database by
default; CI runs this file again with JALIN_TASKS_REDIS_URL): one run per job, retries with backoff, no
half-written result, deleted transcripts, dead workers, an unreachable queue."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from jalin.core.task_worker import backend_kind, run_pending
from jalin.measures.models import Alert
from jalin.practice import services, tasks
from jalin.practice.models import AnalysisJob, Transcript
from tests.conftest import login

from .conftest import TEXT

JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture(autouse=True)
def _empty_queue():
    """Each test starts with an empty queue (Redis keeps its keys across tests; the database rolls back)."""
    if backend_kind() == "redis":
        from django.tasks import task_backends

        client = task_backends["default"].client if hasattr(task_backends["default"], "client") else None
        prefix = settings.TASKS["default"]["OPTIONS"]["REDIS_KEY_PREFIX"]
        if client is None:
            import redis

            client = redis.Redis.from_url(settings.TASKS_REDIS_URL)
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
    yield


@pytest.fixture
def transcript(consented, owner):
    return services.attach_transcript(consented, actor=owner, text=TEXT, filename="sesi.txt")


def test_a_job_runs_once_however_often_its_task_is_delivered(transcript):
    job = transcript.jobs.get()
    assert tasks.enqueue_job(job.pk) and tasks.enqueue_job(job.pk)  # delivered twice
    run_pending()
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 1)
    assert tasks.run_analysis_job(job.pk) == "skipped"  # and a third time, by hand
    assert AnalysisJob.objects.get().attempts == 1
    assert Alert.objects.filter(source="transcript").count() == 1


def test_a_crash_while_storing_writes_nothing_and_is_retried_with_backoff(transcript, monkeypatch):
    job = transcript.jobs.get()
    real = services.raise_transcript_alerts
    crashes = []

    def crash_once(*args, **kwargs):
        if not crashes:
            crashes.append(1)
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "raise_transcript_alerts", crash_once)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        run_pending()
    job.refresh_from_db()
    # the result and the alerts were one transaction: nothing of it is there
    assert (job.status, job.attempts, job.result, job.task_id != "") == ("queued", 1, None, True)
    assert not Alert.objects.exists()
    with time_machine.travel(start + timedelta(seconds=tasks.retry_delay(1) - 1), tick=False):
        run_pending()  # not due yet
    assert AnalysisJob.objects.get().status == "queued"
    with time_machine.travel(start + timedelta(seconds=tasks.retry_delay(1) + 1), tick=False):
        run_pending()
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2) and job.result["report"]
    assert Alert.objects.filter(source="transcript").count() == 1


def test_backoff_grows_and_is_capped():
    assert [tasks.retry_delay(n) for n in (1, 2, 3)] == [10, 40, 160]
    assert tasks.retry_delay(9) == tasks.RETRY_MAX_SECONDS


def test_repeated_transient_failures_end_in_a_clean_failure(transcript, monkeypatch):
    def always(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "raise_transcript_alerts", always)
    start = timezone.now()
    for attempt in range(settings.TASK_MAX_ATTEMPTS):
        with time_machine.travel(start + timedelta(seconds=tasks.RETRY_MAX_SECONDS * 2 * attempt), tick=False):
            run_pending()
    job = transcript.jobs.get()
    assert (job.status, job.attempts, job.error_code) == ("failed", settings.TASK_MAX_ATTEMPTS, "internal")


def test_a_transcript_deleted_meanwhile_is_a_clear_log_line(transcript, caplog):
    job_id = transcript.jobs.get().pk
    tasks.enqueue_job(job_id)
    Transcript.objects.filter(pk=transcript.pk).delete()
    with caplog.at_level(logging.WARNING, logger="jalin.tasks"):
        run_pending()
        assert tasks.run_analysis_job(job_id) == "gone"
    assert f"analysis job {job_id} no longer exists" in caplog.text
    assert "Konseli" not in caplog.text and "sesi.txt" not in caplog.text  # no counselee data in logs


@pytest.mark.parametrize("local", ["00:05", "09:59", "10:01", "23:59"])
def test_a_job_whose_worker_died_shows_failed_with_rerun_and_is_queued_again(client, owner, transcript, local):
    hour, minute = map(int, local.split(":"))
    start = datetime(2026, 12, 31, hour, minute, tzinfo=JAKARTA)
    job = transcript.jobs.get()
    with time_machine.travel(start, tick=False):
        assert tasks._claim(job.pk, "a-worker-that-was-killed")  # then SIGKILL: no result, no failure
        login(client, owner)
        client.cookies["django_language"] = "en"
        page = client.get(reverse("session_detail", args=[transcript.session.pk])).content.decode()
        assert "did not finish in time" not in page
    later = start + timedelta(seconds=settings.TASK_TIMEOUT_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        client.logout()  # the inactivity logoff has run meanwhile: log in again
        login(client, owner)
        client.cookies["django_language"] = "en"
        page = client.get(reverse("session_detail", args=[transcript.session.pk])).content.decode()
        assert "did not finish in time" in page
        assert reverse("transcript_rerun", args=[transcript.pk]) in page  # the re-run button
        status = client.get(reverse("job_status", args=[job.pk])).json()
        assert (status["status"], status["finished"]) == ("failed", True)
        assert tasks.recover_jobs() == 1  # what every worker does each minute
        job.refresh_from_db()
        assert (job.status, job.worker, job.is_active) == ("queued", "", True)
        run_pending()
    job.refresh_from_db()
    assert (job.status, job.attempts) == ("done", 2)


def test_a_job_that_keeps_dying_fails_after_its_attempts(transcript):
    job = transcript.jobs.get()
    AnalysisJob.objects.filter(pk=job.pk).update(status="running", attempts=settings.TASK_MAX_ATTEMPTS,
                                                 heartbeat_at=timezone.now() - timedelta(days=1))
    assert tasks.recover_jobs() == 0
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "timeout")


def test_rerun_replaces_a_stale_job(client, owner, transcript):
    job = transcript.jobs.get()
    AnalysisJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=2))
    login(client, owner)
    client.post(reverse("transcript_rerun", args=[transcript.pk]))
    job.refresh_from_db()
    assert (job.status, job.error_code) == ("failed", "timeout")
    new = transcript.jobs.first()
    assert new.pk != job.pk and new.status == "queued"
    run_pending()
    new.refresh_from_db()
    assert new.status == "done"
    job.refresh_from_db()
    assert job.status == "failed"  # the old task, delivered late, finds nothing to do


def test_an_unreachable_queue_keeps_the_upload_and_the_worker_queues_it_later(consented, owner, monkeypatch,
                                                                             caplog):
    from django.tasks import task_backends

    transcript = services.attach_transcript(consented, actor=owner, text=TEXT)
    job = transcript.jobs.get()
    unreachable = {"default": {"BACKEND": "django_tasks_redis.RedisTaskBackend", "QUEUES": [], "OPTIONS": {
        "REDIS_URL": "redis://127.0.0.1:1/0", "REDIS_SOCKET_CONNECT_TIMEOUT": 1}}}
    monkeypatch.setitem(task_backends.__dict__, "settings", unreachable)
    del task_backends["default"]
    try:
        with caplog.at_level(logging.WARNING, logger="jalin.tasks"):
            assert tasks.enqueue_job(job.pk) is False
        assert f"analysis job {job.pk} could not be queued" in caplog.text
    finally:
        monkeypatch.undo()
        del task_backends["default"]
    job.refresh_from_db()
    assert (job.status, job.task_id) == ("queued", "")  # kept, waiting for the worker's sweep
    run_pending()
    job.refresh_from_db()
    assert job.status == "done"


def test_worker_without_a_database_says_so_in_one_line(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(DATABASE_URL="postgres://jalin@127.0.0.1:1/nothing", JALIN_DATA_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-m", "jalin", "worker", "--once"], check=False, capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 1
    assert "the database is not reachable" in done.stderr and "check DATABASE_URL" in done.stderr
    assert "Traceback" not in done.stderr
