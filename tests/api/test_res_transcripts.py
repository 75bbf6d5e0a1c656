"""Transcripts through the API: upload (202 + job URL), poll until the analysis is there, read the risk flags;
refused files (type, size, form) give problem+json and write nothing; the web and the API give the same
records and audit events for the same upload."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jalin.audit.models import AuditEvent
from jalin.core.task_worker import run_pending
from jalin.practice.models import AnalysisJob, Transcript
from tests import factories
from tests.practice.conftest import TEXT, give_recording_consent

from .res_helpers import Api, bearer, is_problem


@pytest.fixture
def session(case, owner):
    return factories.add_session(case, owner)


@pytest.fixture
def consented(session, owner):
    give_recording_consent(session.case.counselee, owner)
    return session


@pytest.fixture
def api(owner):
    return Api(bearer(owner))


def _file(name="sesi.txt", data: bytes | None = None, content_type="text/plain"):
    return {"file": SimpleUploadedFile(name, TEXT.encode() if data is None else data, content_type)}


def _nothing_written(session) -> None:
    assert not Transcript.objects.filter(session=session).exists()
    assert not AnalysisJob.objects.filter(transcript__session=session).exists()
    assert not AuditEvent.objects.filter(action="transcript.attach").exists()


@pytest.mark.django_db
def test_upload_poll_and_read_the_risk_flags(api, consented):
    response = api.upload(f"/sessions/{consented.pk}/transcripts", _file())
    assert response.status_code == 202, response.content
    body = response.json()
    job_url = body["job"]["url"]
    assert response["Location"].endswith(job_url) and job_url == f"/api/v1/analysis-jobs/{body['job']['id']}"
    assert body["job"]["status"] == "queued" and body["job"]["analysis"] is None
    polled = api.get(job_url.removeprefix("/api/v1")).json()
    assert polled["status"] == "queued" and not polled["finished"]
    run_pending()  # the worker
    done = api.get(job_url.removeprefix("/api/v1")).json()
    assert done["status"] == "done" and done["finished"] and done["progress"] == 100
    analysis = done["analysis"]
    # the same schema as `jalin analyze --format json`
    assert analysis["schema"].startswith("jalin.analysis/")
    assert {"utterances", "tasks", "metrics", "feedback", "risk", "student_labels"} <= set(analysis)
    assert [r["utterance"] for r in analysis["risk"]] == [4]  # "kadang saya ingin mati saja"
    transcript = Transcript.objects.get(session=consented)
    assert transcript.pk == body["transcript_id"]
    assert AuditEvent.objects.filter(action="transcript.view", object_id=str(transcript.pk)).exists()


@pytest.mark.django_db
def test_analysis_validates_against_the_cli_schema(api, consented):
    from pathlib import Path

    from tests.analysis.schema_check import validate

    schema = json.loads((Path(__file__).resolve().parents[2] / "docs" / "analysis-output.schema.json").read_text())
    job_url = api.upload(f"/sessions/{consented.pk}/transcripts", _file()).json()["job"]["url"]
    run_pending()
    assert validate(api.get(job_url.removeprefix("/api/v1")).json()["analysis"], schema) == []


@pytest.mark.django_db
def test_a_failed_analysis_says_why(api, consented):
    job_url = api.upload(f"/sessions/{consented.pk}/transcripts",
                         _file("kosong.txt", b"ini bukan transkrip sama sekali")).json()["job"]["url"]
    run_pending()
    body = api.get(job_url.removeprefix("/api/v1")).json()
    assert body["status"] == "failed" and body["error"]["code"] == "input" and body["error"]["message"]
    assert body["analysis"] is None


@pytest.mark.django_db
@pytest.mark.parametrize("name,content_type", [("sesi.pdf", "application/pdf"), ("foto.png", "image/png"),
                                                ("sesi.txt", "audio/mpeg"), ("setup.exe", "application/octet-stream")])
def test_wrong_file_type_is_415(api, consented, name, content_type):
    body = is_problem(api.upload(f"/sessions/{consented.pk}/transcripts", _file(name, b"%PDF-1.4", content_type)),
                      415)
    assert body["errors"][0]["field"] == "body.file"
    _nothing_written(consented)


@pytest.mark.django_db
def test_json_body_instead_of_a_file_is_415(api, consented):
    is_problem(api.post(f"/sessions/{consented.pk}/transcripts", {"text": TEXT}), 415)
    _nothing_written(consented)


@pytest.mark.django_db
def test_too_large_file_is_413(api, consented):
    big = (TEXT * 80_000).encode()[: 5 * 1024 * 1024 + 1]
    body = is_problem(api.upload(f"/sessions/{consented.pk}/transcripts", _file("besar.txt", big)), 413)
    assert "5" in body["errors"][0]["message"]
    _nothing_written(consented)


@pytest.mark.django_db
def test_a_20_mb_body_is_413_before_it_is_read(api, consented):
    response = api.client.post(f"/api/v1/sessions/{consented.pk}/transcripts", b"x" * (20 * 1024 * 1024),
                               content_type="multipart/form-data; boundary=zzz", headers=api.headers)
    is_problem(response, 413)
    _nothing_written(consented)


@pytest.mark.django_db
def test_missing_file_and_unknown_fields_are_422(api, consented):
    body = is_problem(api.upload(f"/sessions/{consented.pk}/transcripts", {"text": TEXT}), 422)
    assert [e["field"] for e in body["errors"]] == ["body.text"]
    body = is_problem(api.upload(f"/sessions/{consented.pk}/transcripts", {}, {}), 422)
    assert body["errors"][0]["field"] == "body.file"
    _nothing_written(consented)


@pytest.mark.django_db
def test_empty_file_is_422_with_the_engine_message(api, consented):
    body = is_problem(api.upload(f"/sessions/{consented.pk}/transcripts", _file("kosong.txt", b"  \n")), 422)
    assert body["detail"]
    _nothing_written(consented)


@pytest.mark.django_db
def test_no_recording_consent_is_refused_in_the_callers_language(owner, session):
    api = Api(bearer(owner), lang="id")
    body = is_problem(api.upload(f"/sessions/{session.pk}/transcripts", _file()), 422)
    assert "persetujuan" in body["detail"].lower()
    _nothing_written(session)


@pytest.mark.django_db
def test_speaker_roles_confirmation_requeues(api, consented, owner):
    from pathlib import Path

    chat = (Path(__file__).resolve().parents[1] / "analysis" / "data" / "exports" / "family_three_speakers.txt")
    upload = api.upload(f"/sessions/{consented.pk}/transcripts", _file("keluarga.txt", chat.read_bytes()))
    transcript_id = upload.json()["transcript_id"]
    run_pending()
    shown = api.get(f"/transcripts/{transcript_id}").json()
    labels = set(shown["speaker_roles"])
    assert labels == {"Bu Sari", "Rara", "Ibu Rara"}
    assert shown["roles_guessed"] and shown["speakers"]
    # refused: two counselors
    bad = {"Bu Sari": "counselor", "Rara": "counselor", "Ibu Rara": "counselee"}
    is_problem(api.post(f"/transcripts/{transcript_id}/speakers", {"roles": bad}), 422)
    # refused: an unknown role names the field
    body = is_problem(api.post(f"/transcripts/{transcript_id}/speakers",
                               {"roles": {"Bu Sari": "teacher"}}), 422)
    assert body["errors"][0]["field"].startswith("body.roles"), body
    jobs_before = AnalysisJob.objects.filter(transcript_id=transcript_id).count()
    good = {"Bu Sari": "counselor", "Rara": "counselee", "Ibu Rara": "other"}
    response = api.post(f"/transcripts/{transcript_id}/speakers", {"roles": good})
    assert response.status_code == 202 and response["Location"].endswith(response.json()["url"])
    assert AnalysisJob.objects.filter(transcript_id=transcript_id).count() == jobs_before + 1
    run_pending()
    assert api.get(response.json()["url"].removeprefix("/api/v1")).json()["status"] == "done"
    assert not api.get(f"/transcripts/{transcript_id}").json()["roles_guessed"]


def _trail(since: int) -> list[tuple[str, str, list[str]]]:
    """The audit events after ``since``: action, object type and detail keys (the API adds its token's id)."""
    return [(e.action, e.object_type, sorted(k for k in e.detail if k != "api_token"))
            for e in AuditEvent.objects.filter(seq__gt=since).order_by("seq")]


def _last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _records(session) -> dict:
    transcript = Transcript.objects.get(session=session)
    job = transcript.jobs.get()
    return {"format": transcript.format, "raw": transcript.raw, "raw_base64": transcript.raw_base64,
            "parsed": transcript.parsed, "source_name": transcript.source_name, "uploaded_by": transcript.uploaded_by_id,
            "job_status": job.status, "requested_by": job.requested_by_id, "jobs": transcript.jobs.count()}


@pytest.mark.django_db
def test_web_and_api_upload_write_the_same_records_and_audit_events(client, owner, case, api):
    web_session = factories.add_session(case, owner)
    api_case = factories.make_case(owner, case.counselee)
    api_session = factories.add_session(api_case, owner)
    give_recording_consent(case.counselee, owner)
    client.force_login(owner)

    since = _last_seq()
    client.post(reverse("transcript_attach", args=[web_session.pk]), {"file": SimpleUploadedFile(
        "sesi.txt", TEXT.encode(), "text/plain")})
    web_trail = _trail(since)
    since = _last_seq()
    assert api.upload(f"/sessions/{api_session.pk}/transcripts", _file()).status_code == 202
    api_events = list(AuditEvent.objects.filter(seq__gt=since))
    api_trail = _trail(since)

    assert web_trail == api_trail == [("transcript.attach", "practice.transcript",
                                       ["bytes", "format", "job", "session"])]
    assert _records(web_session) == _records(api_session)
    assert all(e.detail["api_token"] for e in api_events)
    run_pending()
    assert _records(web_session) == _records(api_session)


@pytest.mark.django_db
def test_refusals_speak_indonesian_by_default(owner, consented):
    api = Api(bearer(owner), lang="id")
    body = is_problem(api.upload(f"/sessions/{consented.pk}/transcripts", _file("sesi.pdf", b"%PDF", "application/pdf")),
                      415)
    assert "Jenis berkas ini tidak dapat dibaca sebagai transkrip" in body["errors"][0]["message"]
    body = is_problem(api.upload(f"/sessions/{consented.pk}/transcripts", {}), 422)
    assert "Pilih berkas" in body["errors"][0]["message"]


@pytest.mark.django_db
def test_delete_a_transcript(api, consented, owner):
    from jalin.practice.models import LabelCorrection

    body = api.upload(f"/sessions/{consented.pk}/transcripts", _file()).json()
    run_pending()
    response = api.delete(f"/transcripts/{body['transcript_id']}")
    assert response.status_code == 204 and response.content == b""
    assert not Transcript.objects.exists() and not AnalysisJob.objects.exists()
    assert not LabelCorrection.objects.exists()
    event = AuditEvent.objects.get(action="transcript.delete")
    assert event.detail["api_token"] and event.detail["jobs"] == 1
    is_problem(api.get(body["job"]["url"].removeprefix("/api/v1")), 404)
    is_problem(api.delete(f"/transcripts/{body['transcript_id']}"), 404)
