"""Every write of the practice app: transcripts, analysis jobs, label corrections, task suggestions,
supervision reviews. One function per write: keyword-only ``actor``, one transaction, one audit event.
Nothing a counselee said goes into the audit detail, logs or exception messages.
"""

from __future__ import annotations

import base64
import dataclasses

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

def read_transcript(*, data: bytes | None = None, filename: str = "", text: str = "", lang: str = "id",
                    roles: dict[str, str] | None = None):
    """Parse an upload or a paste; bad input raises ``TranscriptInputError`` with the engine's message.

    More than two speakers are guessed (the two who speak most, the rest "other") rather than refused:
    the session page then asks the counselor to confirm the roles.
    """
    from jalin.analysis.parsers import parse_bytes, parse_text

    try:
        if data is not None:
            if len(data) > MAX_UPLOAD_BYTES:
                # the parser says the same; checking here avoids reading a huge DOCX at all
                from jalin.analysis.parsers import _too_large
                raise _too_large(filename or "<upload>", len(data))
            return parse_bytes(data, filename or "upload.txt", roles=roles, guess_others=True)
        return parse_text(text, source=filename or "<text>", roles=roles, guess_others=True)
    except InputError as exc:
        raise TranscriptInputError(exc.message(lang)) from None


def remembered_roles(case) -> dict[str, str]:
    memory = CaseSpeakerRoles.objects.filter(case=case).first()
    return dict(memory.roles or {}) if memory is not None else {}


def _with_remembered_roles(parsed, case, read):
    """Parse again with the roles confirmed earlier for this case, for the speakers who appear again."""
    remembered = remembered_roles(case)
    present = {label: remembered[label] for label in parsed.speaker_roles if label in remembered}
    if not parsed.roles_guessed or not present:
        return parsed
    try:
        return read(roles=present)
    except TranscriptInputError:
        return parsed  # the remembered roles do not fit this transcript (e.g. two counselors): ask again


def _parsed_fields(parsed) -> dict:
    return {"format": parsed.format, "utterances": [dataclasses.asdict(u) for u in parsed.utterances],
            "counselor_name": parsed.counselor_name, "language": parsed.language or "",
            "has_student_labels": parsed.has_student_labels, "speaker_roles": parsed.speaker_roles,
            "roles_guessed": parsed.roles_guessed, "others": [dataclasses.asdict(u) for u in parsed.others]}


@transaction.atomic
def attach_transcript(session, *, actor, data: bytes | None = None, filename: str = "", text: str = "",
                      lang: str = "id", request=None) -> Transcript:
    """Check consent, parse, store the raw and parsed transcript encrypted, queue its analysis."""
    counselee = session.case.counselee
    require_recording_consent(counselee)
    _require_processing(counselee)

    def read(roles=None):
        return read_transcript(data=data, filename=filename, text=text, lang=lang, roles=roles)

    parsed = _with_remembered_roles(read(), session.case, read)
    if data is not None and parsed.format == "docx":
        raw, is_b64 = base64.b64encode(data).decode("ascii"), True
    elif data is not None and data[:4] == b"PK\x03\x04":
        # a WhatsApp .zip: keep the chat text only, never the media beside it
        from jalin.analysis.parsers.whatsapp import chat_from_zip
        raw, is_b64 = chat_from_zip(data, parsed.source, MAX_UPLOAD_BYTES), False
    elif data is not None:
        from jalin.analysis.parsers.decoding import decode
        raw, is_b64 = decode(data, parsed.source), False
    else:
        raw, is_b64 = text, False
    transcript = Transcript.objects.create(
        session=session, source_name=filename, raw=raw, raw_base64=is_b64, uploaded_by=actor,
        **_parsed_fields(parsed))
    job = AnalysisJob.objects.create(transcript=transcript, requested_by=actor)
    record("transcript.attach", actor=actor, obj=transcript, request=request, **_ids(session),
           session=session.pk, format=parsed.format, utterances=len(parsed.utterances), job=job.pk,
           roles_guessed=parsed.roles_guessed)
    return transcript


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
    transcript.save()
    memory, _created = CaseSpeakerRoles.objects.get_or_create(case=transcript.session.case,
                                                              defaults={"roles": {}})
    memory.roles = {**(memory.roles or {}), **roles}
    memory.save()
    job = AnalysisJob.objects.create(transcript=transcript, requested_by=actor)
    record("transcript.confirm_roles", actor=actor, obj=transcript, request=request, **_ids(transcript.session),
           speakers=len(roles), others=chosen.count("other"), job=job.pk)
    return job


@transaction.atomic
def rerun_analysis(transcript: Transcript, *, actor, request=None) -> AnalysisJob:
    """Queue a new analysis with the current model; the earlier results stay as they were."""
    active = transcript.jobs.filter(status__in=[AnalysisJob.Status.QUEUED, AnalysisJob.Status.RUNNING]).first()
    if active is not None:
        return active
    job = AnalysisJob.objects.create(transcript=transcript, requested_by=actor)
    record("transcript.rerun", actor=actor, obj=job, request=request, **_ids(transcript.session),
           transcript=transcript.pk)
    return job


def transcript_for_engine(transcript: Transcript):
    from jalin.analysis.types import Transcript as EngineTranscript
    from jalin.analysis.types import Utterance

    return EngineTranscript(utterances=[Utterance(**u) for u in transcript.utterances],
                            source=transcript.source_name or "<text>", format=transcript.format,
                            counselor_name=transcript.counselor_name, language=transcript.language or None)


def raise_transcript_alerts(transcript: Transcript, report: dict) -> int:
    """Each risk flag of the report raises the same alert as a critical measure answer (deduplicated)."""
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
        quote = " ".join((risk.get("text") or "").split())
        quote = quote if len(quote) <= 80 else quote[:77] + "…"
        raise_alert(
            case, code=flag, severity="critical", source="transcript", source_ref=f"t{transcript.pk}:u{number}",
            reason_id=f"Transkrip sesi {transcript.session.number}, ucapan {number}: "
                      f"{tax.name('flag', flag, 'id')} — \"{quote}\"",
            reason_en=f"Transcript of session {transcript.session.number}, utterance {number}: "
                      f"{tax.name('flag', flag, 'en')} — \"{quote}\"")
        count += 1
    return count


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
