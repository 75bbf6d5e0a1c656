"""Security review #14, practice side: job status in constant work, transcripts the counselor deletes."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jalin.core.task_worker import run_pending
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
    shapes = [re.sub(r'"s\d+_x\d+"|\b[0-9a-f]{64}\b|\b\d+\b', "N", q["sql"]) for q in captured.captured_queries]
    # The session row is rewritten with a fresh signed timestamp on every request (inactivity logoff).
    return response.status_code, [q for q in shapes if '"django_session"' not in q]


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


@pytest.mark.parametrize("body,name,expected", [
    ("[" * 100_000 + "]" * 100_000, "deep.json", "nested too deeply"),  # a JSON array, nested
    # one JSON Lines record 100,000 levels deep is stopped earlier, by the per-line limit, while streaming
    ('{"speaker": "Konselor", "text": "halo", "x": ' + "[" * 100_000 + "]" * 100_000 + "}\n", "deep.jsonl",
     "an utterance is too long"),
])
def test_deeply_nested_json_upload_gets_a_clear_message(client, owner, consented, body, name, expected):
    from django.core.files.uploadedfile import SimpleUploadedFile

    login(client, owner)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("transcript_attach", args=[consented.pk]),
                           {"file": SimpleUploadedFile(name, body.encode())}, follow=True)
    assert response.status_code == 200
    run_pending()  # the upload is parsed in the worker: its job fails with the message, nothing else is stored
    transcript = consented.transcripts.get()
    assert (transcript.parsed, transcript.jobs.get().status) == (False, "failed")
    assert expected in client.get(reverse("session_detail", args=[consented.pk])).content.decode()


def test_deeply_nested_json_in_the_library_names_the_line():
    from jalin.analysis.errors import InputError
    from jalin.analysis.parsers.common import Limits, using_limits
    from jalin.analysis.parsers.records import read_jsonl_turns

    # with a per-line limit above the line's length, the nesting itself is what is refused
    with pytest.raises(InputError) as caught, using_limits(Limits(utterance_chars=1_000_000)):
        read_jsonl_turns('{"speaker": "a", "text": "b"}\n' + "[" * 100_000 + "]" * 100_000 + "\n", "x.jsonl")
    assert caught.value.message_id == "json_too_deep" and caught.value.line == 2
    assert "terlalu dalam" in caught.value.message("id")


# --- item 8: alerts quote the transcript only to its readers ------------------------------------

@pytest.fixture
def analysed(transcript):
    run_pending()
    assert transcript.jobs.get().status == "done"
    return transcript


def _case_page(client, user, case):
    login(client, user)
    client.cookies["django_language"] = "en"
    return client.get(reverse("case_detail", args=[case.pk])).content.decode()


def test_risk_alert_quotes_only_to_transcript_readers(client, owner, colleague, analysed):
    from jalin.measures.models import Alert
    from jalin.privacy.services import break_glass

    case = analysed.session.case
    alert = Alert.objects.get(case=case, source="transcript")
    assert "ingin mati" not in alert.reason_en + alert.reason_id  # the words are not copied into the alert
    owner_page = _case_page(client, owner, case)
    assert "utterance 4" in owner_page and "ingin mati" in owner_page
    assert "ingin mati" in client.get(reverse("dashboard")).content.decode()
    break_glass(actor=colleague, case_code=case.code, reason="Konseli tidak bisa dihubungi, darurat.")
    viewer_page = _case_page(client, colleague, case)
    assert "utterance 4" in viewer_page and "ingin mati" not in viewer_page
    assert "ingin mati" not in client.get(reverse("dashboard")).content.decode()


def test_alert_stored_with_a_quote_before_the_fix_is_shown_without_it(client, owner, colleague, analysed):
    from jalin.measures.models import Alert
    from jalin.measures.services import raise_alert
    from jalin.privacy.services import break_glass

    case = analysed.session.case
    raise_alert(case, code="risk_others", severity="critical", source="transcript", source_ref=f"t{analysed.pk}:u2",
                reason_id='Transkrip sesi 1, ucapan 2: risiko — "Saya bingung bu, nilai saya turun terus."',
                reason_en='Transcript of session 1, utterance 2: risk — "Saya bingung bu, nilai saya turun terus."')
    assert Alert.objects.filter(case=case, source_ref=f"t{analysed.pk}:u2").exists()
    break_glass(actor=colleague, case_code=case.code, reason="Konseli tidak bisa dihubungi, darurat.")
    page = _case_page(client, colleague, case)
    assert "utterance 2" in page and "nilai saya turun" not in page
    assert "nilai saya turun" in _case_page(client, owner, case)


# --- item 2 (part): the counselor deletes a transcript; erasure removes transcripts ------------

def test_the_counselor_deletes_a_transcript_and_it_is_audited(client, owner, analysed):
    from jalin.audit.models import AuditEvent
    from jalin.measures.models import Alert
    from jalin.practice.models import AnalysisJob, Transcript

    session = analysed.session
    login(client, owner)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("session_detail", args=[session.pk])).content.decode()
    assert reverse("transcript_delete", args=[analysed.pk]) in page
    # without the confirmation box nothing happens
    client.post(reverse("transcript_delete", args=[analysed.pk]))
    assert Transcript.objects.filter(pk=analysed.pk).exists()
    response = client.post(reverse("transcript_delete", args=[analysed.pk]), {"confirm": "on"})
    assert response.status_code == 302
    assert not Transcript.objects.filter(pk=analysed.pk).exists()
    assert not AnalysisJob.objects.filter(transcript_id=analysed.pk).exists()
    event = AuditEvent.objects.get(action="transcript.delete")
    assert event.actor == owner and event.object_id == str(analysed.pk) and event.case_id == session.case_id
    # the risk alert stays, naming the utterance number only
    alert = Alert.objects.get(case=session.case, source="transcript")
    page = client.get(reverse("case_detail", args=[session.case_id])).content.decode()
    assert "utterance 4" in page and "ingin mati" not in page
    assert alert.acknowledged_at is None


def test_a_co_counselor_with_write_access_cannot_delete_the_transcript(client, owner, colleague, transcript):
    from jalin.cases.services import grant_access
    from jalin.practice.models import Transcript

    grant_access(transcript.session.case, actor=owner, user=colleague, purpose="colleague", days=7, can_write=True)
    login(client, colleague)
    client.post(reverse("transcript_delete", args=[transcript.pk]), {"confirm": "on"})
    assert Transcript.objects.filter(pk=transcript.pk).exists()


def test_the_worker_survives_a_transcript_deleted_while_queued(owner, transcript):
    from jalin.practice import services as practice_services
    from jalin.practice.models import AnalysisJob

    job_id = transcript.jobs.get().pk
    practice_services.delete_transcript(transcript, actor=owner)
    run_pending()  # the queued task finds nothing to analyse and ends without error
    assert not AnalysisJob.objects.filter(pk=job_id).exists()


@pytest.mark.parametrize("mode", ["anonymise", "delete"])
def test_erasure_removes_transcripts(owner, transcript, mode):
    from jalin.practice.models import AnalysisJob, Transcript
    from jalin.privacy import services as privacy_services

    counselee = transcript.session.case.counselee
    dsr = privacy_services.create_request(counselee, actor=owner, data={"kind": "erasure"})
    privacy_services.erase_counselee(dsr, actor=owner, mode=mode)
    assert not Transcript.objects.filter(pk=transcript.pk).exists()
    assert not AnalysisJob.objects.filter(transcript_id=transcript.pk).exists()
