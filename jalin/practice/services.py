"""Every write of the practice app: transcripts, analysis jobs, label corrections, task suggestions,
supervision reviews. One function per write: keyword-only ``actor``, one transaction, one audit event.
Nothing a counselee said goes into the audit detail, logs or exception messages.
"""

from __future__ import annotations

import base64
import dataclasses
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalin.accounts.models import SupervisorAssignment
from jalin.analysis.errors import InputError
from jalin.audit.services import record
from jalin.cases.models import CaseAccess, CaseTask
from jalin.cases.services import ServiceError

from .models import (
    AnalysisJob,
    CaseSpeakerRoles,
    LabelCorrection,
    Review,
    ReviewComment,
    ReviewRating,
    Strategy,
    Transcript,
)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
REVIEW_ACCESS_DAYS = 30


class TranscriptInputError(ServiceError):
    """The transcript could not be read; ``messages`` hold the engine's message in the UI language."""


def _ids(session) -> dict:
    return {"case_id": session.case_id, "counselee_id": session.case.counselee_id}


def require_recording_consent(counselee) -> None:
    try:
        from jalin.privacy.consent import recording_allowed
    except ImportError:  # privacy app absent: no consent register, no recordings
        recording_allowed = None
    if recording_allowed is None or not recording_allowed(counselee):
        raise ServiceError(_("There is no standing consent to record this counselee's sessions (for a minor, the "
                             "parent's or guardian's consent too). Record the consent before attaching a "
                             "transcript."))


def _require_processing(counselee) -> None:
    try:
        from jalin.privacy.consent import require_processing
    except ImportError:
        return
    require_processing(counselee)


# --- transcripts and jobs ---------------------------------------------------------------------

_FORMAT_BY_EXTENSION = {"txt": "text", "text": "text", "docx": "docx", "doc": "docx", "vtt": "vtt", "srt": "srt",
                        "csv": "csv", "jsonl": "jsonl", "json": "jsonl"}


def remembered_roles(case) -> dict[str, str]:
    memory = CaseSpeakerRoles.objects.filter(case=case).first()
    return dict(memory.roles or {}) if memory is not None else {}


def _parsed_fields(parsed) -> dict:
    return {"format": parsed.format, "utterances": [dataclasses.asdict(u) for u in parsed.utterances],
            "counselor_name": parsed.counselor_name, "language": parsed.language or "",
            "has_student_labels": parsed.has_student_labels, "speaker_roles": parsed.speaker_roles,
            "roles_guessed": parsed.roles_guessed, "others": [dataclasses.asdict(u) for u in parsed.others]}


@transaction.atomic
def attach_transcript(session, *, actor, data: bytes | None = None, filename: str = "", text: str = "",
                      lang: str = "id", request=None) -> Transcript:
    """Check consent and size, store the upload (or paste) encrypted as it came, and queue the task that
    parses and analyses it: a large or hostile file costs the worker, never the web request."""
    from .tasks import enqueue_on_commit

    counselee = session.case.counselee
    require_recording_consent(counselee)
    _require_processing(counselee)
    size = len(data) if data is not None else len(text.encode())
    if size > MAX_UPLOAD_BYTES:
        from jalin.analysis.parsers import _too_large
        raise TranscriptInputError(_too_large(filename or "<upload>", size).message(lang))
    if data is not None and not data.strip():
        raise TranscriptInputError(InputError(filename or "<upload>", "empty_file").message(lang))
    if data is None and not text.strip():
        raise TranscriptInputError(InputError(filename or "<text>", "empty_file").message(lang))
    if data is not None:
        raw, is_b64 = base64.b64encode(data).decode("ascii"), True
        extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "txt"
        guessed_format = _FORMAT_BY_EXTENSION.get(extension, "text")
    else:
        raw, is_b64, guessed_format = text, False, "text"
    transcript = Transcript.objects.create(
        session=session, source_name=filename, format=guessed_format, raw=raw, raw_base64=is_b64, parsed=False,
        utterances=[], uploaded_by=actor)
    job = AnalysisJob.objects.create(transcript=transcript, requested_by=actor)
    record("transcript.attach", actor=actor, obj=transcript, request=request, **_ids(session),
           session=session.pk, format=guessed_format, bytes=size, job=job.pk)
    enqueue_on_commit(job)
    return transcript


def parse_stored_upload(transcript: Transcript) -> Transcript:
    """In the worker: parse the stored upload and keep the utterances (one short transaction). A bad file
    raises the engine's ``InputError``; the transcript and its raw upload stay, so nothing is lost.

    Speakers whose role was confirmed earlier for this case keep that role; more than two speakers are
    guessed (the two who speak most, the rest "other") and the session page asks the counselor to confirm.
    """
    from jalin.analysis.parsers import parse_bytes, parse_text

    data = base64.b64decode(transcript.raw) if transcript.raw_base64 else None

    def read(roles=None):
        if data is not None:
            return parse_bytes(data, transcript.source_name or "upload.txt", roles=roles, guess_others=True)
        return parse_text(transcript.raw, source=transcript.source_name or "<text>", roles=roles, guess_others=True)

    parsed = read()
    remembered = remembered_roles(transcript.session.case)
    present = {label: remembered[label] for label in parsed.speaker_roles if label in remembered}
    if parsed.roles_guessed and present:
        try:
            parsed = read(roles=present)
        except InputError:
            pass  # the remembered roles do not fit this transcript (e.g. two counselors): ask again
    raw, is_b64 = transcript.raw, transcript.raw_base64
    if data is not None and parsed.format != "docx":
        if data[:4] == b"PK\x03\x04":
            # a WhatsApp .zip: keep the chat text only, never the media beside it
            from jalin.analysis.parsers.whatsapp import chat_from_zip
            raw, is_b64 = chat_from_zip(data, parsed.source, MAX_UPLOAD_BYTES), False
        else:
            from jalin.analysis.parsers.decoding import decode
            raw, is_b64 = decode(data, parsed.source), False  # text formats are kept as text, as pasted ones
    with transaction.atomic():
        locked = Transcript.objects.select_for_update().filter(pk=transcript.pk).first()
        if locked is None:
            raise Transcript.DoesNotExist("the transcript was deleted while it was parsed")
        if not locked.parsed:
            fields = _parsed_fields(parsed)
            for name, value in fields.items():
                setattr(locked, name, value)
            locked.raw, locked.raw_base64, locked.parsed = raw, is_b64, True
            locked.save(update_fields=[*fields, "raw", "raw_base64", "parsed"])
    transcript.refresh_from_db()
    return transcript


def store_analysis(job: AnalysisJob, *, worker: str, on_progress=None) -> str:
    """In the worker: run the engine on the job's transcript and store the result, its status and the risk
    alerts in one transaction, only while the job is still this worker's (a result is stored once)."""
    from jalin.analysis.engine import analyze
    from jalin.analysis.report import to_json

    result = analyze(transcript_for_engine(job.transcript), lang="id")
    if on_progress is not None:
        on_progress(80)
    report = to_json(result)
    feedback = {"id": report["feedback"], "en": _feedback_en(result)}
    with transaction.atomic():
        locked = AnalysisJob.objects.select_for_update().filter(pk=job.pk).select_related("transcript").first()
        if locked is None:
            return "gone"  # the transcript was deleted while it was analysed: nothing to store
        if locked.status != AnalysisJob.Status.RUNNING or locked.worker != worker:
            return "superseded"  # judged dead and taken over by another run: that run stores the result
        locked.result = {"report": report, "feedback": feedback}
        locked.model_version = result.model_version[:80]
        locked.status, locked.progress, locked.finished_at, locked.error_code = (
            AnalysisJob.Status.DONE, 100, timezone.now(), "")
        locked.save(update_fields=["result", "model_version", "status", "progress", "finished_at", "error_code"])
        raise_transcript_alerts(locked.transcript, report)
    return "done"


def _feedback_en(result) -> list:
    """The same feedback in English, so the report follows the reader's language without a second run."""
    from jalin.analysis.feedback import build_feedback
    from jalin.analysis.report import to_json

    english = build_feedback(result.utterances, result.metrics, result.tasks_done, result.tasks_missed, "en",
                             policy=result.claim_policy)
    probe = type(result)(**{**result.__dict__, "feedback": english, "language": "en"})
    return to_json(probe)["feedback"]


def fail_analysis(job_id: int, *, worker: str, error: BaseException) -> None:
    """Mark the job failed with a code (and, for a bad transcript, the engine's message in both languages,
    encrypted: it may quote the file name)."""
    from jalin.analysis.errors import AnalysisError

    result = None
    if isinstance(error, InputError):
        code = "input"
        result = {"error": {"id": error.message("id"), "en": error.message("en")}}
    elif isinstance(error, AnalysisError):
        code = error.message_id[:40]
    else:
        code = "internal"
    job = AnalysisJob.objects.filter(pk=job_id, worker=worker, status=AnalysisJob.Status.RUNNING).first()
    if job is None:
        return
    job.status, job.error_code, job.finished_at, job.result = AnalysisJob.Status.FAILED, code, timezone.now(), result
    job.save(update_fields=["status", "error_code", "finished_at", "result"])


@transaction.atomic
def delete_transcript(transcript: Transcript, *, actor, request=None) -> None:
    """The handling counselor deletes a transcript: its text, analyses and label corrections go.

    Risk alerts it raised stay on the case (they name an utterance number, never its words).
    """
    session = transcript.session
    if session.case.counselor_id != actor.pk:
        raise ServiceError(_("Only the counselor who handles the case can delete its transcripts."))
    record("transcript.delete", actor=actor, obj=transcript, request=request, **_ids(session), session=session.pk,
           jobs=transcript.jobs.count(), corrections=transcript.corrections.count())
    transcript.delete()


def speaker_overview(transcript: Transcript, lines: int = 2) -> list[dict]:
    """Each speaker with their role and first lines, for the confirmation form (in order of appearance).

    Empty when every label names its role ("Konselor", "K", a table's role column): nothing to confirm.
    """
    from jalin.analysis.parsers.common import known_role

    if all(known_role(label) is not None for label in (transcript.speaker_roles or {})):
        return []
    said: dict[str, list[str]] = {}
    spoken = sorted([*(transcript.utterances or []), *(transcript.others or [])],
                    key=lambda u: (u.get("line") or 0))
    for utterance in spoken:
        texts = said.setdefault(utterance.get("speaker_name") or utterance["speaker"], [])
        if len(texts) < lines:
            texts.append(utterance["text"])
    roles = transcript.speaker_roles or {}
    return [{"label": label, "role": roles.get(label, ""), "lines": texts} for label, texts in said.items()]


@transaction.atomic
def confirm_speaker_roles(transcript: Transcript, roles: dict[str, str], *, actor, lang: str = "id",
                          request=None) -> AnalysisJob:
    """The counselor confirms or swaps the roles: parse again with them, remember them for the case, re-analyse."""
    from jalin.analysis.parsers import ROLES, parse_bytes

    from .tasks import enqueue_on_commit

    known = set((transcript.speaker_roles or {}).keys())
    if set(roles) != known or any(role not in ROLES for role in roles.values()):
        raise ServiceError(_("Give every speaker a role."))
    chosen = list(roles.values())
    if chosen.count("counselor") != 1 or "counselee" not in chosen:
        raise ServiceError(_("Choose exactly one counselor and at least one counselee."))
    raw = base64.b64decode(transcript.raw) if transcript.raw_base64 else transcript.raw.encode("utf-8")
    name = transcript.source_name or {"docx": "upload.docx"}.get(transcript.format, "upload.txt")
    try:
        parsed = parse_bytes(raw, name, fmt=transcript.format, roles=roles)
    except InputError as exc:
        raise TranscriptInputError(exc.message(lang)) from None
    for field_name, value in _parsed_fields(parsed).items():
        setattr(transcript, field_name, value)
    memory, _created = CaseSpeakerRoles.objects.get_or_create(case=transcript.session.case,
                                                              defaults={"roles": {}})
    memory.roles = {**(memory.roles or {}), **roles}
    memory.save()
    transcript.parsed = True
    transcript.save()
    job = AnalysisJob.objects.create(transcript=transcript, requested_by=actor)
    enqueue_on_commit(job)
    record("transcript.confirm_roles", actor=actor, obj=transcript, request=request, **_ids(transcript.session),
           speakers=len(roles), others=chosen.count("other"), job=job.pk)
    return job


@transaction.atomic
def rerun_analysis(transcript: Transcript, *, actor, request=None) -> AnalysisJob:
    """Queue a new analysis with the current model; the earlier results stay as they were. A job that
    gave no sign of life for the task timeout is closed as failed and replaced."""
    from .tasks import enqueue_on_commit

    active = transcript.jobs.filter(status__in=[AnalysisJob.Status.QUEUED, AnalysisJob.Status.RUNNING]).first()
    if active is not None and not active.is_stale:
        return active
    if active is not None:
        AnalysisJob.objects.filter(pk=active.pk, status=active.status).update(
            status=AnalysisJob.Status.FAILED, error_code="timeout", finished_at=timezone.now(), worker="")
    job = AnalysisJob.objects.create(transcript=transcript, requested_by=actor)
    record("transcript.rerun", actor=actor, obj=job, request=request, **_ids(transcript.session),
           transcript=transcript.pk)
    enqueue_on_commit(job)
    return job


def transcript_for_engine(transcript: Transcript):
    from jalin.analysis.types import Transcript as EngineTranscript
    from jalin.analysis.types import Utterance

    return EngineTranscript(utterances=[Utterance(**u) for u in transcript.utterances],
                            source=transcript.source_name or "<text>", format=transcript.format,
                            counselor_name=transcript.counselor_name, language=transcript.language or None)


def _risk_reason(session_number: int, number: int, flag_name: str, lang: str) -> str:
    if lang == "en":
        return f"Transcript of session {session_number}, utterance {number}: {flag_name}"
    return f"Transkrip sesi {session_number}, ujaran {number}: {flag_name}"


def raise_transcript_alerts(transcript: Transcript, report: dict) -> int:
    """Each risk flag of the report raises the same alert as a critical measure answer (deduplicated).

    The alert names the utterance by number and never stores its words: a break-glass or read-only
    viewer of the case sees alerts but may not read the transcript (``transcript_alert_text``).
    """
    try:
        from jalin.measures.services import raise_alert
    except ImportError:
        return 0
    from jalin.analysis.taxonomy import taxonomy

    tax = taxonomy()
    case = transcript.session.case
    count = 0
    for risk in report.get("risk") or []:
        number, flag = risk["utterance"], risk["flag"]
        raise_alert(
            case, code=flag, severity="critical", source="transcript", source_ref=f"t{transcript.pk}:u{number}",
            reason_id=_risk_reason(transcript.session.number, number, tax.name("flag", flag, "id"), "id"),
            reason_en=_risk_reason(transcript.session.number, number, tax.name("flag", flag, "en"), "en"))
        count += 1
    return count


_SOURCE_REF = re.compile(r"t(\d+):u(\d+)")
# Alerts raised before #14 stored the quote in the reason: it is cut off when shown.
_STORED_QUOTE = re.compile(r"\s+—\s+\".*\"\s*$", re.DOTALL)


def transcript_alert_text(alert, user, lang: str, cache: dict | None = None) -> str:
    """A transcript alert's text: the utterance is quoted only to those who may read the transcript."""
    from .access import may_see_transcripts

    base = _STORED_QUOTE.sub("", alert.reason(lang))
    match = _SOURCE_REF.fullmatch(alert.source_ref or "")
    if match is None:
        return base
    transcript_id, number = int(match.group(1)), int(match.group(2))
    cache = {} if cache is None else cache
    if transcript_id not in cache:
        transcript = (Transcript.objects.filter(pk=transcript_id, session__case_id=alert.case_id)
                      .select_related("session", "session__case").first())
        cache[transcript_id] = transcript if transcript and may_see_transcripts(user, transcript.session) else None
    transcript = cache[transcript_id]
    if transcript is None or not 1 <= number <= len(transcript.utterances or []):
        return base
    quote = " ".join((transcript.utterances[number - 1].get("text") or "").split())
    quote = quote if len(quote) <= 80 else quote[:77] + "…"
    return f"{base} — \"{quote}\""


# --- corrections and task suggestions -------------------------------------------------------

@transaction.atomic
def correct_label(transcript: Transcript, *, actor, utterance: int, new_label: str, old_label: str,
                  job: AnalysisJob | None, request=None) -> LabelCorrection:
    from jalin.analysis.taxonomy import taxonomy

    speakers = {i + 1: u["speaker"] for i, u in enumerate(transcript.utterances)}
    if utterance not in speakers:
        raise ServiceError(_("There is no utterance with this number."))
    if new_label not in taxonomy().labels_for(speakers[utterance]):
        raise ServiceError(_("This label does not fit this speaker."))
    if new_label == old_label:
        raise ServiceError(_("The label is unchanged."))
    correction = LabelCorrection.objects.create(
        transcript=transcript, job=job, utterance=utterance, old_label=old_label, new_label=new_label,
        model_version=job.model_version if job else "", corrected_by=actor)
    record("transcript.correct_label", actor=actor, obj=correction, request=request, **_ids(transcript.session),
           utterance=utterance, old=old_label, new=new_label)
    return correction


def confirm_task(transcript: Transcript, task: str, *, actor, request=None) -> None:
    """The counselor confirms a stage task the transcript suggests: it enters the case's checklist."""
    from jalin.cases.services import set_task

    set_task(transcript.session.case, task, True, actor=actor, session=transcript.session,
             source=CaseTask.Source.TRANSCRIPT, request=request)


def corrections_for_export(queryset=None) -> list[dict]:
    """Label corrections as de-identified training rows: the utterance text, the speaker role, the engine's
    label and the counselor's label. No names, codes, dates or ids that lead back to a person; the caller
    (the de-identified export) decides whose rows are included by passing ``queryset``."""
    rows = []
    qs = queryset if queryset is not None else LabelCorrection.objects.all()
    for correction in qs.select_related("transcript").order_by("transcript_id", "utterance", "corrected_at", "id"):
        utterances = correction.transcript.utterances or []
        if not 1 <= correction.utterance <= len(utterances):
            continue
        u = utterances[correction.utterance - 1]
        rows.append({"speaker": u["speaker"], "text": u["text"], "engine_label": correction.old_label,
                     "label": correction.new_label, "model_version": correction.model_version,
                     "language": correction.transcript.language})
    return rows


# --- supervision ----------------------------------------------------------------------------

def supervisors_of(trainee):
    return SupervisorAssignment.objects.filter(supervisee=trainee, active=True).select_related("supervisor")


def _recording_viewers(counselee) -> str:
    try:
        from jalin.privacy.consent import latest_consents
    except ImportError:
        return ""
    consent = latest_consents(counselee).get("recording")
    return consent.viewers if consent is not None else ""


@transaction.atomic
def submit_for_review(session, *, actor, supervisor, note: str = "", request=None) -> Review:
    """The trainee submits one session for review: the supervisor gets read-only, time-limited access."""
    from jalin.cases.services import grant_access

    if session.case.counselor_id != actor.pk:
        raise ServiceError(_("Only the handling counselor can submit a session for review."))
    if not supervisors_of(actor).filter(supervisor=supervisor).exists():
        raise ServiceError(_("This supervisor is not assigned to you."))
    if session.transcripts.exists() and _recording_viewers(session.case.counselee) == "counselor":
        raise ServiceError(_("The counselee's recording consent lets only the handling counselor view the "
                             "transcript, so this session cannot be submitted for review."))
    if Review.objects.filter(session=session, supervisor=supervisor, status=Review.Status.SUBMITTED).exists():
        raise ServiceError(_("This session is already waiting for this supervisor's review."))
    grant = grant_access(session.case, actor=actor, user=supervisor, purpose=CaseAccess.Purpose.SUPERVISION,
                         days=REVIEW_ACCESS_DAYS, can_write=False, request=request)
    review = Review.objects.create(session=session, trainee=actor, supervisor=supervisor, grant=grant,
                                   trainee_note=note.strip())
    record("review.submit", actor=actor, obj=review, request=request, **_ids(session), session=session.pk,
           supervisor=supervisor.pk)
    return review


def _open_review(review: Review, actor) -> None:
    if review.supervisor_id != actor.pk:
        raise ServiceError(_("Only the reviewing supervisor can do this."))


@transaction.atomic
def add_comment(review: Review, *, actor, text: str, utterance: int | None = None, request=None) -> ReviewComment:
    _open_review(review, actor)
    text = (text or "").strip()
    if not text:
        raise ServiceError(_("Write a comment."))
    count = len(review.session.transcripts.first().utterances) if review.session.transcripts.exists() else 0
    if utterance is not None and not 1 <= utterance <= count:
        raise ServiceError(_("There is no utterance with this number."))
    comment = ReviewComment.objects.create(review=review, utterance=utterance, text=text, author=actor)
    record("review.comment", actor=actor, obj=comment, request=request, **_ids(review.session),
           review=review.pk, utterance=utterance)
    return comment


@transaction.atomic
def rate_session(review: Review, *, actor, ratings: dict, request=None) -> None:
    """``ratings``: {strategy: (score 1–5 or None, note)}; an empty score leaves that strategy unrated."""
    _open_review(review, actor)
    for strategy, (score, note) in ratings.items():
        if strategy not in Strategy.values:
            raise ServiceError(_("Unknown strategy."))
        if score is None:
            continue
        if not 1 <= int(score) <= 5:
            raise ServiceError(_("Rate from 1 to 5."))
        ReviewRating.objects.update_or_create(review=review, strategy=strategy, defaults={
            "score": int(score), "note": (note or "").strip(), "rated_by": actor})
    record("review.rate", actor=actor, obj=review, request=request, **_ids(review.session),
           rated=len([s for s, (score, _n) in ratings.items() if score is not None]))


@transaction.atomic
def decide_review(review: Review, *, actor, decision: str, minutes: int, note: str = "", request=None) -> Review:
    """Return the session to the trainee or sign it off, recording the supervision time spent."""
    _open_review(review, actor)
    if decision not in (Review.Status.RETURNED, Review.Status.SIGNED_OFF):
        raise ServiceError(_("Unknown decision."))
    if review.status == Review.Status.SIGNED_OFF:
        raise ServiceError(_("This review is already signed off."))
    if not 0 <= minutes <= 600:
        raise ServiceError(_("Supervision time is 0 to 600 minutes."))
    review.status = decision
    review.minutes = minutes
    review.decision_note = (note or "").strip()
    review.decided_at = timezone.now()
    review.save(update_fields=["status", "minutes", "decision_note", "decided_at"])
    record("review.decide", actor=actor, obj=review, request=request, **_ids(review.session),
           decision=decision, minutes=minutes)
    return review
