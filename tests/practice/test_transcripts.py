"""Attaching transcripts: formats, consent, bad input, encryption at rest."""

from __future__ import annotations

import docx
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from jalin.audit.models import AuditEvent
from jalin.core.task_worker import run_pending
from jalin.practice.models import AnalysisJob, Transcript
from tests.conftest import login

from .conftest import TEXT

VTT = ("WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Konselor>Selamat pagi, silakan duduk.\n\n"
       "00:00:05.000 --> 00:00:08.000\n<v Konseli>Pagi bu, saya bingung.\n\n"
       "00:00:09.000 --> 00:00:12.000\n<v Konselor>Apa yang membuatmu bingung?\n")
SRT = ("1\n00:00:01,000 --> 00:00:04,000\nKonselor: Selamat pagi, silakan duduk.\n\n"
       "2\n00:00:05,000 --> 00:00:08,000\nKonseli: Pagi bu, saya bingung.\n\n"
       "3\n00:00:09,000 --> 00:00:12,000\nKonselor: Apa yang membuatmu bingung?\n")


def _docx_bytes(tmp_path) -> bytes:
    document = docx.Document()
    document.add_paragraph("VERBATIM KONSELING")
    rows = [["No", "Konselor", "Konseli", "Teknik"],
            ["1", "Selamat pagi, silakan duduk.", "Pagi, Bu.", "Attending"],
            ["2", "Apa yang ingin kamu ceritakan?", "Saya bingung.", "Bertanya terbuka"]]
    table = document.add_table(rows=len(rows), cols=4)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    path = tmp_path / "verbatim.docx"
    document.save(path)
    return path.read_bytes()


def _upload(client, session, name, data):
    return client.post(reverse("transcript_attach", args=[session.pk]),
                       {"file": SimpleUploadedFile(name, data)}, follow=True)


@pytest.mark.parametrize("name,kind", [("sesi.txt", "text"), ("sesi.vtt", "vtt"), ("sesi.srt", "srt"),
                                       ("verbatim.docx", "docx")])
def test_upload_each_format_stores_transcript_and_queues_job(client, owner, consented, tmp_path, name, kind):
    data = {"text": TEXT.encode(), "vtt": VTT.encode(), "srt": SRT.encode(), "docx": _docx_bytes(tmp_path)}[kind]
    login(client, owner)
    response = _upload(client, consented, name, data)
    assert response.status_code == 200
    transcript = Transcript.objects.get(session=consented)
    assert not transcript.parsed and transcript.jobs.get().status == AnalysisJob.Status.QUEUED
    run_pending()  # the worker parses the stored upload, then analyses it
    transcript.refresh_from_db()
    assert transcript.parsed and transcript.format == kind
    assert transcript.utterances[0]["speaker"] == "counselor"
    assert transcript.jobs.get().status == AnalysisJob.Status.DONE
    assert transcript.has_student_labels is (kind == "docx")
    assert AuditEvent.objects.filter(action="transcript.attach", case_id=consented.case_id).exists()


def test_paste_is_stored_encrypted(client, owner, consented):
    login(client, owner)
    client.post(reverse("transcript_attach", args=[consented.pk]), {"text": TEXT})
    transcript = Transcript.objects.get(session=consented)
    assert transcript.raw == TEXT
    with connection.cursor() as cursor:
        cursor.execute("SELECT raw, utterances FROM practice_transcript WHERE id = %s", [transcript.pk])
        raw, utterances = cursor.fetchone()
    assert "nilai saya" not in raw and "nilai saya" not in utterances
    assert not raw.startswith("Konselor")


def test_consent_required_first(client, owner, session):
    login(client, owner)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("session_detail", args=[session.pk]))
    assert b"no standing consent to record" in page.content
    assert b'name="file"' not in page.content
    response = client.post(reverse("transcript_attach", args=[session.pk]), {"text": TEXT}, follow=True)
    assert response.status_code == 200
    assert b"no standing consent to record" in response.content
    assert not Transcript.objects.exists()
    assert not AnalysisJob.objects.exists()


def test_minor_needs_guardian_consent_too(client, owner, session):
    from datetime import date

    from jalin.privacy.services import record_consent

    record_consent(session.case.counselee, actor=owner, data={
        "kind": "recording", "given_on": date(2026, 11, 1), "method": "signed_form", "viewers": "supervisor"})
    login(client, owner)
    client.post(reverse("transcript_attach", args=[session.pk]), {"text": TEXT})
    assert not Transcript.objects.exists()


@pytest.mark.parametrize("name,data,expected_en", [
    ("sesi.txt", b"Konselor: halo saja semua\nKonselor: lagi\n", "only one speaker"),
    ("sesi.doc", b"\xd0\xcf\x11\xe0 old word", "old Word files"),
    ("verbatim.docx", b"not a zip at all", "not a Word"),
])
def test_bad_file_is_kept_and_its_failed_job_shows_the_engine_message(client, owner, consented, name, data,
                                                                       expected_en):
    login(client, owner)
    client.cookies["django_language"] = "en"
    response = _upload(client, consented, name, data)
    assert response.status_code == 200
    run_pending()  # parsing happens in the worker: the upload is never lost, the job fails with a message
    transcript = Transcript.objects.get()
    job = transcript.jobs.get()
    assert (job.status, job.error_code, transcript.parsed) == ("failed", "input", False)
    text = client.get(reverse("session_detail", args=[consented.pk])).content.decode()
    assert "The transcript could not be read" in text and expected_en in text
    assert f"File &#x27;{name}&#x27;" in text or f"File '{name}'" in text
    with connection.cursor() as cursor:  # the message may quote the file name: encrypted at rest
        cursor.execute("SELECT result FROM practice_analysisjob WHERE id = %s", [job.pk])
        assert name not in cursor.fetchone()[0]


def test_empty_file_refused_in_the_request(client, owner, consented):
    login(client, owner)
    client.cookies["django_language"] = "en"
    response = _upload(client, consented, "kosong.txt", b"   \n")
    assert "empty" in response.content.decode()
    assert not Transcript.objects.exists() and not AnalysisJob.objects.exists()


def test_bad_file_message_in_indonesian(client, owner, consented):
    login(client, owner)
    client.cookies["django_language"] = "id"
    _upload(client, consented, "sesi.txt", b"Konselor: halo saja semua\nKonselor: lagi\n")
    run_pending()
    assert "hanya ada satu pembicara" in client.get(reverse("session_detail", args=[consented.pk])).content.decode()


def test_too_large_refused(client, owner, consented):
    login(client, owner)
    client.cookies["django_language"] = "en"
    response = _upload(client, consented, "sesi.txt", b"Konselor: a\n" * (600 * 1024))
    assert "5 MB" in response.content.decode()
    assert not Transcript.objects.exists()


@pytest.mark.parametrize("who", ["colleague", "outsider", "admin_user", "supervisor"])
def test_others_cannot_attach(client, consented, who, request):
    login(client, request.getfixturevalue(who))
    response = client.post(reverse("transcript_attach", args=[consented.pk]), {"text": TEXT})
    assert response.status_code == 404
    assert not Transcript.objects.exists()
