"""Security review #14, practice side: job status in constant work, transcripts the counselor deletes."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jalin.practice import services
from tests.conftest import login

from .conftest import TEXT


@pytest.fixture
def transcript(consented, owner):
    return services.attach_transcript(consented, actor=owner, text=TEXT, filename="sesi.txt")


def _status_queries(client, job_id) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("job_status", args=[job_id]))
    # Ids and times differ between calls; the shape of the work must not.
    shapes = [re.sub(r'"s\d+_x\d+"|\b\d+\b', "N", q["sql"]) for q in captured.captured_queries]
    return response.status_code, shapes


def test_job_status_does_the_same_work_for_another_users_job_and_a_missing_one(client, colleague, transcript):
    job = transcript.jobs.get()
    login(client, colleague)
    client.get(reverse("dashboard"))  # warm the session and user lookups
    existing_status, existing = _status_queries(client, job.pk)
    missing_status, missing = _status_queries(client, job.pk + 1000)
    assert existing_status == missing_status == 404
    assert existing == missing, (existing, missing)


def test_job_status_does_not_load_the_encrypted_result(client, owner, transcript):
    job = transcript.jobs.get()
    login(client, owner)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("job_status", args=[job.pk])).json()["id"] == job.pk
    assert not any('"result"' in q["sql"] for q in captured.captured_queries)
