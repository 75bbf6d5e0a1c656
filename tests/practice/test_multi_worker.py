"""Scale-out: three `jalin worker` processes on one database analyse every uploaded transcript exactly
once, and a worker killed with SIGKILL while it holds a job loses nothing (its job is queued again)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from jalin.practice import services
from jalin.practice.models import AnalysisJob
from tests import factories

from .conftest import TEXT, give_recording_consent

TRANSCRIPTS = 12


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _worker(env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "jalin", "worker", "--poll", "0.2"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_three_workers_analyse_each_transcript_once_and_survive_a_sigkill(org):
    owner = factories.make_user("pemilik", org=org)
    jobs = []
    for n in range(TRANSCRIPTS):
        case = factories.make_case(owner, factories.make_counselee(owner, name=f"Konseli Skala {n}"))
        session = factories.add_session(case, owner)
        give_recording_consent(case.counselee, owner)
        jobs.append(services.attach_transcript(session, actor=owner, text=TEXT).jobs.get().pk)
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(DATABASE_URL=_database_url(), JALIN_TASK_TIMEOUT="30", JALIN_TASK_SWEEP_SECONDS="2",
               JALIN_LOG_LEVEL="WARNING")
    victim = _worker(env)  # starts alone, so that it is caught holding a job
    workers = [victim]
    try:
        deadline = time.monotonic() + 240
        killed_job = None
        while time.monotonic() < deadline and killed_job is None:
            held = AnalysisJob.objects.filter(status="running", worker__contains=f":{victim.pid}:").first()
            if held is not None:
                victim.send_signal(signal.SIGKILL)
                killed_job = held.pk
            time.sleep(0.01)
        assert killed_job is not None, "the first worker never held a job"
        victim.wait(timeout=20)
        workers += [_worker(env), _worker(env)]  # two more workers, as a second machine would run them
        while time.monotonic() < deadline and AnalysisJob.objects.exclude(status="done").exists():
            time.sleep(0.5)
        statuses = dict(AnalysisJob.objects.values_list("pk", "status"))
        assert statuses == {pk: "done" for pk in jobs}, statuses
        attempts = dict(AnalysisJob.objects.values_list("pk", "attempts"))
        # Each job ran once, except the one the killed worker held: it ran again, after its timeout.
        assert {pk: n for pk, n in attempts.items() if pk != killed_job} == {pk: 1 for pk in jobs if pk != killed_job}
        assert attempts[killed_job] == 2
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
