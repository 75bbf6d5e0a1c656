"""Claiming jobs: one worker per job, orphaned jobs come back, the command runs one job."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from jalin.practice import services, worker
from jalin.practice.models import AnalysisJob

from .conftest import TEXT


def test_a_job_is_claimed_once(consented, owner):
    services.attach_transcript(consented, actor=owner, text=TEXT)
    job = worker.claim_next()
    assert job.status == "running" and job.started_at and job.worker
    assert worker.claim_next() is None
    assert AnalysisJob.objects.get().status == "running"


def test_oldest_first(consented, owner):
    first = services.attach_transcript(consented, actor=owner, text=TEXT).jobs.get()
    services.attach_transcript(consented, actor=owner, text=TEXT)
    assert worker.claim_next().pk == first.pk


def test_orphaned_running_job_is_queued_again(consented, owner):
    services.attach_transcript(consented, actor=owner, text=TEXT)
    job = worker.claim_next()
    AnalysisJob.objects.filter(pk=job.pk).update(started_at=timezone.now() - timedelta(hours=1))
    again = worker.claim_next()
    assert again is not None and again.pk == job.pk


def test_worker_command_once_with_empty_queue(db):
    out = StringIO()
    call_command("jalin_worker", "--once", stdout=out)
    assert "no queued job" in out.getvalue()
