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


@pytest.mark.parametrize("body,name", [
    ("[" * 100_000 + "]" * 100_000, "deep.json"),  # a JSON array, nested
    ('{"speaker": "Konselor", "text": "halo", "x": ' + "[" * 100_000 + "]" * 100_000 + "}\n", "deep.jsonl"),
])
def test_deeply_nested_json_upload_gets_a_clear_message(client, owner, consented, body, name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, owner)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("transcript_attach", args=[consented.pk]),
                           {"file": SimpleUploadedFile(name, body.encode())}, follow=True)
    assert response.status_code == 200
    assert "nested too deeply" in response.content.decode()
    assert not consented.transcripts.exists()


def test_deeply_nested_json_in_the_library_names_the_line():
    from jalin.analysis.errors import InputError
    from jalin.analysis.parsers.records import read_jsonl_turns

    with pytest.raises(InputError) as caught:
        read_jsonl_turns('{"speaker": "a", "text": "b"}\n' + "[" * 50_000 + "]" * 50_000 + "\n", "x.jsonl")
    assert caught.value.message_id == "json_too_deep" and caught.value.line == 2
    assert "terlalu dalam" in caught.value.message("id")
