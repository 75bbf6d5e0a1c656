"""Transcripts and their analysis: upload a file (202 with the job's URL), poll the job until its analysis
is there, confirm who is who when the speakers were guessed, run the analysis again.

Every route needs the ``transcripts`` scope. The doors are the web's (``jalin.practice.access``: the
handling counselor or a writing co-counselor, a supervisor the session was submitted to); the writes are
the web's (``jalin.practice.services``: recording consent, size, the task queue, the audit events). The
analysis is the stored report, the same JSON as ``jalin analyze --format json``
(docs/analysis-output.schema.json).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any, Literal

from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from ninja import Field, Router, Schema

from jalin.audit.services import record
from jalin.cases import access as case_access
from jalin.practice import access, services
from jalin.practice.models import AnalysisJob
from jalin.practice.views import job_message

from ._res_common import (
    StrictSchema,
    accepted,
    no_content,
    problem,
    refuse_unknown_query,
    transcripts_read,
    transcripts_write,
    ui_lang,
)

router = Router(tags=["transcripts"])

# What the upload accepts: the engine's formats (docs/transcripts.md) by file name; anything else is a 415.
ACCEPTED_EXTENSIONS = frozenset({".txt", ".text", ".md", ".docx", ".doc", ".vtt", ".srt", ".csv", ".tsv", ".jsonl",
                                 ".ndjson", ".json", ".zip"})
# Declared part types that are never a transcript, whatever the name says.
REFUSED_TYPES = ("image/", "audio/", "video/", "application/pdf", "application/x-msdownload",
                 "application/x-executable")
# Room for the multipart framing around a file of the largest size.
MULTIPART_OVERHEAD = 64 * 1024

JobStatus = Literal["queued", "running", "done", "failed"]


class JobError(Schema):
    code: str
    message: str


class JobOut(Schema):
    id: int
    url: str
    transcript_id: int
    transcript_url: str
    status: JobStatus
    progress: int = Field(..., ge=0, le=100)
    finished: bool
    model_version: str
    error: JobError | None = None
    analysis: dict[str, Any] | None = Field(
        None, description="When `status` is `done`: the analysis report, the same JSON as `jalin analyze --format "
                          "json` (schema docs/analysis-output.schema.json); its `risk` list holds the risk flags.")


class UploadOut(Schema):
    transcript_id: int
    transcript_url: str
    job: JobOut


class SpeakerOut(Schema):
    label: str
    role: str
    lines: list[str]


class TranscriptOut(Schema):
    id: int
    session_id: int
    case_id: int
    format: str
    language: str
    parsed: bool
    roles_guessed: bool = Field(..., description="True until the counselor confirms who is who "
                                                 "(POST …/speakers).")
    speaker_roles: dict[str, str]
    speakers: list[SpeakerOut] = Field(..., description="Each speaker's first lines, for the confirmation; empty "
                                                        "when every label names its role.")
    created_at: datetime
    latest_job: JobOut | None


class SpeakerRolesIn(StrictSchema):
    roles: dict[str, Literal["counselor", "counselee", "other"]] = Field(
        ..., description="Every speaker label of the transcript → its role: exactly one counselor, at least one "
                         "counselee.")


def _job_out(job: AnalysisJob, *, analysis: dict | None = None) -> dict:
    shown = AnalysisJob.Status(job.shown_status)
    message = job_message(job) if shown == AnalysisJob.Status.FAILED else ""
    return {"id": job.pk, "url": f"/api/v1/analysis-jobs/{job.pk}", "transcript_id": job.transcript_id,
            "transcript_url": f"/api/v1/transcripts/{job.transcript_id}", "status": shown.value,
            "progress": job.progress, "finished": not job.is_active, "model_version": job.model_version,
            "error": {"code": job.error_code or ("timeout" if job.is_stale else "internal"), "message": message}
            if shown == AnalysisJob.Status.FAILED else None,
            "analysis": analysis}


def _refuse_type(filename: str, content_type: str) -> bool:
    extension = os.path.splitext(filename)[1].lower()
    if extension and extension not in ACCEPTED_EXTENSIONS:
        return True
    return (content_type or "").lower().startswith(REFUSED_TYPES)


UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"], "additionalProperties": False,
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "Text, DOCX verbatim table, VTT, SRT, CSV, JSONL or a WhatsApp chat "
                                           "export (.txt or .zip); at most 5 MB."}}}}}}}


@router.post("/sessions/{session_id}/transcripts", response={202: UploadOut}, auth=transcripts_write,
             summary="Upload a session transcript", openapi_extra=UPLOAD_BODY)
def upload_transcript(request, response: HttpResponse, session_id: int):
    """Stores the file encrypted and queues its analysis; answers 202 at once with the job's URL (also in
    `Location`). Poll the job until `finished`. Needs recording consent for the counselee, as on the web."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > services.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
        raise problem(413, errors=[{"field": "body.file", "message": _too_large(length)}])
    session = case_access.get_session_for_user(request.user, session_id, write=True)
    if not (request.content_type or "").startswith("multipart/form-data"):
        raise problem(415, errors=[{"field": "body.file", "message": _need_multipart()}])
    try:
        upload = request.FILES.get("file")
        unknown = sorted(set(request.POST) | (set(request.FILES) - {"file"}))
    except MultiPartParserError:
        raise problem(400, errors=[{"field": "body.file", "message": _need_multipart()}]) from None
    if unknown:
        raise problem(422, errors=[{"field": f"body.{name}"[:60], "message": _unknown_field()} for name in unknown])
    if upload is None:
        raise problem(422, errors=[{"field": "body.file", "message": _missing_file()}])
    if upload.size > services.MAX_UPLOAD_BYTES:
        raise problem(413, errors=[{"field": "body.file", "message": _too_large(upload.size)}])
    if _refuse_type(upload.name or "", upload.content_type or ""):
        raise problem(415, errors=[{"field": "body.file", "message": _wrong_type()}])
    transcript = services.attach_transcript(session, actor=request.user, data=upload.read(),
                                            filename=upload.name or "", lang=ui_lang(), request=request)
    job = transcript.jobs.get()
    body = {"transcript_id": transcript.pk, "transcript_url": f"/api/v1/transcripts/{transcript.pk}",
            "job": _job_out(job)}
    return accepted(request, response, body, f"analysis-jobs/{job.pk}")


@router.get("/analysis-jobs/{job_id}", response=JobOut, auth=transcripts_read, summary="Poll an analysis job")
def get_job(request, job_id: int):
    """Status and progress; once `status` is `done`, the analysis. Reading the analysis is audited as a view of
    the transcript (as the session page); polling the status alone is not."""
    refuse_unknown_query(request)
    job = access.get_job_for_user(request.user, job_id)
    analysis = None
    if job.status == AnalysisJob.Status.DONE:
        full = AnalysisJob.objects.select_related("transcript__session__case").get(pk=job.pk)
        analysis = (full.result or {}).get("report")
        session = full.transcript.session
        record("transcript.view", actor=request.user, obj=full.transcript, case_id=session.case_id,
               counselee_id=session.case.counselee_id, request=request, session=session.pk, page="api_job")
    return _job_out(job, analysis=analysis)


@router.get("/transcripts/{transcript_id}", response=TranscriptOut, auth=transcripts_read,
            summary="A transcript: speakers, roles, latest job")
def get_transcript(request, transcript_id: int):
    refuse_unknown_query(request)
    transcript = access.get_transcript_for_user(request.user, transcript_id)
    session = transcript.session
    record("transcript.view", actor=request.user, obj=transcript, case_id=session.case_id,
           counselee_id=session.case.counselee_id, request=request, session=session.pk, page="api_transcript")
    latest = transcript.jobs.first()
    return {"id": transcript.pk, "session_id": session.pk, "case_id": session.case_id, "format": transcript.format,
            "language": transcript.language, "parsed": transcript.parsed, "roles_guessed": transcript.roles_guessed,
            "speaker_roles": transcript.speaker_roles or {},
            "speakers": services.speaker_overview(transcript) if transcript.speaker_roles else [],
            "created_at": transcript.created_at, "latest_job": _job_out(latest) if latest else None}


@router.post("/transcripts/{transcript_id}/speakers", response={202: JobOut}, auth=transcripts_write,
             summary="Confirm or swap the speakers' roles (analyses again)")
def confirm_speakers(request, response: HttpResponse, transcript_id: int, data: SpeakerRolesIn):
    transcript = access.get_transcript_for_user(request.user, transcript_id, write=True)
    job = services.confirm_speaker_roles(transcript, dict(data.roles), actor=request.user, lang=ui_lang(),
                                         request=request)
    return accepted(request, response, _job_out(job), f"analysis-jobs/{job.pk}")


@router.post("/transcripts/{transcript_id}/rerun", response={202: JobOut}, auth=transcripts_write,
             summary="Analyse again with the current model")
def rerun(request, response: HttpResponse, transcript_id: int):
    transcript = access.get_transcript_for_user(request.user, transcript_id, write=True)
    job = services.rerun_analysis(transcript, actor=request.user, request=request)
    return accepted(request, response, _job_out(job), f"analysis-jobs/{job.pk}")


@router.delete("/transcripts/{transcript_id}", response={204: None}, auth=transcripts_write,
               summary="Delete a transcript with its analyses and label corrections")
def delete_transcript(request, transcript_id: int):
    """The handling counselor only (a co-counselor gets 422 `rejected`, as on the web); the risk alerts it raised
    stay on the case. What the web's confirmation box asks is the explicit DELETE here."""
    transcript = access.get_transcript_for_user(request.user, transcript_id, write=True)
    services.delete_transcript(transcript, actor=request.user, request=request)
    return no_content()


# --- messages (the caller's language) -------------------------------------------------------------

def _too_large(size: int) -> str:
    from jalin.analysis.parsers import _too_large as engine_too_large

    return engine_too_large("file", size).message(ui_lang())


def _need_multipart() -> str:
    from django.utils.translation import gettext as _

    return _("Send the transcript as multipart/form-data with the file in the field \"file\".")


def _unknown_field() -> str:
    from django.utils.translation import gettext as _

    return _("Unknown field: the upload takes only \"file\".")


def _missing_file() -> str:
    from django.utils.translation import gettext as _

    return _("Choose a file: the field \"file\" is missing.")


def _wrong_type() -> str:
    from django.utils.translation import gettext as _

    return _("This file type cannot be read as a transcript. Send text, DOCX, VTT, SRT, CSV, JSONL or a WhatsApp "
             "chat export (.txt or .zip).")


__all__ = ["router"]
