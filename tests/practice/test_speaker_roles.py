"""WhatsApp uploads and the speaker-role confirmation on a session (issue #17)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from jalin.audit.models import AuditEvent
from jalin.core.task_worker import run_pending
from jalin.practice.models import AnalysisJob, CaseSpeakerRoles, Transcript
from tests import factories
from tests.conftest import login

from .conftest import give_recording_consent

EXPORTS = Path(__file__).resolve().parents[1] / "analysis" / "data" / "exports"


def _upload(client, session, name, data):
    """Upload, let the task worker parse and analyse it, and return the session page as the counselor sees it."""
    client.post(reverse("transcript_attach", args=[session.pk]), {"file": SimpleUploadedFile(name, data)})
    run_pending()
    return client.get(reverse("session_detail", args=[session.pk]))


def _zip(chat: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("IMG-20261204-WA0001.jpg", b"\xff\xd8\xff" + b"\0" * 50)
        archive.writestr("WhatsApp Chat dengan Rara.txt", chat)
    return buffer.getvalue()


def test_whatsapp_zip_upload_shows_the_guess_and_keeps_only_the_chat(client, owner, consented):
    login(client, owner)
    client.cookies["django_language"] = "en"
    chat = (EXPORTS / "whatsapp_android_id.txt").read_bytes()
    page = _upload(client, consented, "WhatsApp Chat dengan Rara.zip", _zip(chat))
    assert page.status_code == 200
    transcript = Transcript.objects.get(session=consented)
    assert transcript.format == "whatsapp"
    assert transcript.roles_guessed
    assert transcript.speaker_roles == {"Kak Dina": "counselor", "Rara": "counselee"}
    assert transcript.raw == chat.decode("utf-8")  # the media beside the chat is never stored
    assert transcript.utterances[0]["sent_at"] == "2026-12-04T10:15:00"
    assert b"Jalin guessed the roles" in page.content and b"Confirm the roles" in page.content
    with connection.cursor() as cursor:
        cursor.execute("SELECT speaker_roles FROM practice_transcript WHERE id = %s", [transcript.pk])
        (stored,) = cursor.fetchone()
    assert "Kak Dina" not in stored
    event = AuditEvent.objects.get(action="transcript.attach", case_id=consented.case_id)
    assert "Kak Dina" not in str(event.__dict__) and "Rara" not in str(event.__dict__)


def test_swapping_the_roles_reparses_requeues_and_is_remembered_for_the_case(client, owner, consented):
    login(client, owner)
    _upload(client, consented, "sesi.vtt", (EXPORTS / "zoom_generic_speakers.vtt").read_bytes())
    transcript = Transcript.objects.get(session=consented)
    assert transcript.speaker_roles == {"Speaker 1": "counselor", "Speaker 2": "counselee"}
    response = client.post(reverse("transcript_speakers", args=[transcript.pk]),
                           {"role-0": "counselee", "role-1": "counselor"})
    assert response.status_code == 302
    transcript.refresh_from_db()
    assert not transcript.roles_guessed
    assert transcript.speaker_roles == {"Speaker 1": "counselee", "Speaker 2": "counselor"}
    assert transcript.utterances[0]["speaker"] == "counselee"
    # the first analysis ran; the confirmation queued a second one through the task framework
    assert transcript.jobs.count() == 2 and transcript.jobs.filter(status=AnalysisJob.Status.QUEUED).count() == 1
    assert CaseSpeakerRoles.objects.get(case=consented.case).roles == {
        "Speaker 1": "counselee", "Speaker 2": "counselor"}
    assert AuditEvent.objects.filter(action="transcript.confirm_roles", case_id=consented.case_id).exists()

    # the next session of the same case uses the confirmed roles: no guess, nothing to confirm
    second = factories.add_session(consented.case, owner)
    _upload(client, second, "sesi2.vtt", (EXPORTS / "zoom_generic_speakers.vtt").read_bytes())
    again = Transcript.objects.get(session=second)
    assert not again.roles_guessed
    assert again.utterances[0]["speaker"] == "counselee"


def test_a_parent_is_other_shown_not_analysed(client, owner, consented):
    login(client, owner)
    client.cookies["django_language"] = "en"
    _upload(client, consented, "keluarga.txt", (EXPORTS / "family_three_speakers.txt").read_bytes())
    transcript = Transcript.objects.get(session=consented)
    assert transcript.speaker_roles["Ibu Rara"] == "other"
    assert [u["speaker_name"] for u in transcript.others] == ["Ibu Rara", "Ibu Rara"]
    assert all(u["speaker_name"] != "Ibu Rara" for u in transcript.utterances)
    page = client.get(reverse("session_detail", args=[consented.pk]))
    assert b"Other speakers (not analysed)" in page.content
    assert "anak ini susah diatur" in page.content.decode()


def test_roles_must_name_one_counselor(client, owner, consented):
    login(client, owner)
    client.cookies["django_language"] = "en"
    _upload(client, consented, "sesi.vtt", (EXPORTS / "zoom_generic_speakers.vtt").read_bytes())
    transcript = Transcript.objects.get(session=consented)
    page = client.post(reverse("transcript_speakers", args=[transcript.pk]),
                       {"role-0": "counselor", "role-1": "counselor"}, follow=True)
    assert b"exactly one counselor" in page.content
    transcript.refresh_from_db()
    assert transcript.roles_guessed and transcript.jobs.count() == 1  # nothing changed


def test_colleague_cannot_confirm_roles(client, owner, colleague, consented):
    login(client, owner)
    _upload(client, consented, "sesi.vtt", (EXPORTS / "zoom_generic_speakers.vtt").read_bytes())
    transcript = Transcript.objects.get(session=consented)
    client.logout()
    login(client, colleague)
    response = client.post(reverse("transcript_speakers", args=[transcript.pk]),
                           {"role-0": "counselee", "role-1": "counselor"})
    assert response.status_code == 404
    transcript.refresh_from_db()
    assert transcript.speaker_roles["Speaker 1"] == "counselor"


def test_group_chat_and_zip_without_chat_are_refused_with_a_message_and_never_parsed(client, owner, consented):
    login(client, owner)
    client.cookies["django_language"] = "en"
    group = "".join(f"04/12/26 10.{i:02d} - Anggota {i}: halo\n" for i in range(20)).encode()
    page = _upload(client, consented, "grup.txt", group)
    assert b"more than two speakers" in page.content
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("IMG-1.jpg", b"\xff\xd8\xff")
    page = _upload(client, consented, "ekspor.zip", buffer.getvalue())
    assert b"holds no chat" in page.content
    # As every bad file since parsing moved to the worker: the upload is kept (encrypted, deletable by the
    # counselor) with its failed job; nothing of it is parsed or analysed.
    stored = Transcript.objects.filter(session=consented)
    assert stored.count() == 2 and not any(t.parsed or t.utterances for t in stored)
    assert set(AnalysisJob.objects.filter(transcript__in=stored).values_list("status", flat=True)) == {"failed"}


def test_upload_gives_other_counselee_no_roles_from_another_case(client, owner, consented):
    # roles remembered for one case never leak into another case's upload
    login(client, owner)
    other_case = factories.make_case(owner, factories.make_counselee(owner, name="Sinta Contoh"))
    give_recording_consent(other_case.counselee, owner)
    CaseSpeakerRoles.objects.create(case=consented.case, roles={"Speaker 1": "counselee", "Speaker 2": "counselor"})
    session = factories.add_session(other_case, owner)
    _upload(client, session, "sesi.vtt", (EXPORTS / "zoom_generic_speakers.vtt").read_bytes())
    assert Transcript.objects.get(session=session).speaker_roles["Speaker 1"] == "counselor"


def test_role_labels_need_no_confirmation(client, owner, consented):
    from jalin.practice.services import speaker_overview

    from .conftest import TEXT

    login(client, owner)
    client.cookies["django_language"] = "en"
    client.post(reverse("transcript_attach", args=[consented.pk]), {"text": TEXT})
    run_pending()
    transcript = Transcript.objects.get(session=consented)
    assert transcript.speaker_roles == {"Konselor": "counselor", "Konseli": "counselee"}
    assert speaker_overview(transcript) == []
    page = client.get(reverse("session_detail", args=[consented.pk]))
    assert b'id="speakers"' not in page.content
