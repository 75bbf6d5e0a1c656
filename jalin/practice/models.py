"""Transcripts of counseling sessions, their analysis jobs, label corrections and supervision reviews.

Everything that holds what was said in a session (raw transcript, parsed utterances, the analysis
report, comments, notes) is an ``Encrypted*Field``. Rows are read through ``access.py`` and written
through ``services.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jalin.core.crypto import EncryptedJSONField, EncryptedTextField

User = settings.AUTH_USER_MODEL


class Transcript(models.Model):
    """A transcript attached to a counseling session (recording consent checked when attached)."""

    session = models.ForeignKey("cases.CounselingSession", on_delete=models.CASCADE, related_name="transcripts")
    source_name = EncryptedTextField(blank=True, default="")  # the uploaded file name may name the counselee
    format = models.CharField(max_length=10)  # text, docx, vtt, srt, csv, jsonl
    raw = EncryptedTextField()  # decoded text, or base64 of the bytes for DOCX (see raw_base64)
    raw_base64 = models.BooleanField(default=False)
    # An upload is stored as it came and parsed by the analysis task, never in the web request.
    parsed = models.BooleanField(default=True)
    utterances = EncryptedJSONField()  # list of jalin.analysis.types.Utterance as dicts ([] until parsed)
    counselor_name = EncryptedTextField(blank=True, default="")
    language = models.CharField(max_length=5, blank=True, default="")
    has_student_labels = models.BooleanField(default=False)
    # Who is who: {label as written: counselor/counselee/other}; guessed until the counselor confirms.
    speaker_roles = EncryptedJSONField(null=True, blank=True)
    roles_guessed = models.BooleanField(default=False)
    others = EncryptedJSONField(null=True, blank=True)  # utterances of "other" speakers: shown, never scored
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class CaseSpeakerRoles(models.Model):
    """The speaker roles a counselor confirmed for a case, applied to the case's next transcripts."""

    case = models.OneToOneField("cases.Case", on_delete=models.CASCADE, related_name="+")
    roles = EncryptedJSONField()  # {label as written: counselor/counselee/other}; labels may be names
    updated_at = models.DateTimeField(auto_now=True)


class AnalysisJob(models.Model):
    """One analysis run of a transcript, done by a background task (``jalin.practice.tasks``); the result
    keeps the model version. The job row, not the task queue, is what the pages show: a job still
    queued or running after ``TASK_TIMEOUT_SECONDS`` without a sign of life shows as failed."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    progress = models.PositiveSmallIntegerField(default=0)
    error_code = models.CharField(max_length=40, blank=True, default="")
    model_version = models.CharField(max_length=80, blank=True, default="")
    result = EncryptedJSONField(null=True, blank=True)  # {"report": to_json(..), "feedback": {"id": [..], "en": [..]}}
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    worker = models.CharField(max_length=80, blank=True, default="")
    task_id = models.CharField(max_length=64, blank=True, default="")  # empty: not (yet) in the task queue
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # last sign of life of the running task
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def last_sign_of_life(self):
        return self.heartbeat_at or self.started_at or self.created_at

    @property
    def is_stale(self) -> bool:
        """Queued or running for longer than the task timeout: shown as failed, with a re-run button."""
        from datetime import timedelta

        from django.conf import settings
        from django.utils import timezone

        if self.status not in {self.Status.QUEUED, self.Status.RUNNING} or self.last_sign_of_life is None:
            return False
        return timezone.now() - self.last_sign_of_life > timedelta(seconds=settings.TASK_TIMEOUT_SECONDS)

    @property
    def is_active(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING} and not self.is_stale

    @property
    def shown_status(self) -> str:
        return self.Status.FAILED if self.is_stale else self.status


class LabelCorrection(models.Model):
    """A counselor's correction of the engine's label for one utterance (training data, de-identified)."""

    transcript = models.ForeignKey(Transcript, on_delete=models.CASCADE, related_name="corrections")
    job = models.ForeignKey(AnalysisJob, null=True, on_delete=models.SET_NULL, related_name="+")
    utterance = models.PositiveIntegerField()  # 1-based number, as in the report
    old_label = models.CharField(max_length=40)
    new_label = models.CharField(max_length=40)
    model_version = models.CharField(max_length=80, blank=True, default="")
    corrected_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    corrected_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["corrected_at", "id"]


class Review(models.Model):
    """A session a trainee explicitly submitted to their supervisor for review."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted for review")
        RETURNED = "returned", _("Returned to the trainee")
        SIGNED_OFF = "signed_off", _("Signed off")

    session = models.ForeignKey("cases.CounselingSession", on_delete=models.CASCADE, related_name="reviews")
    trainee = models.ForeignKey(User, on_delete=models.PROTECT, related_name="submitted_reviews")
    supervisor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="reviews_to_do")
    grant = models.ForeignKey("cases.CaseAccess", null=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    trainee_note = EncryptedTextField(_("note to the supervisor"), blank=True, default="")
    decision_note = EncryptedTextField(_("supervisor's note"), blank=True, default="")
    minutes = models.PositiveSmallIntegerField(_("supervision time (minutes)"), default=0)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]


class ReviewComment(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    utterance = models.PositiveIntegerField(null=True, blank=True)  # 1-based; empty = on the whole session
    text = EncryptedTextField(_("comment"))
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["utterance", "created_at", "id"]


class Strategy(models.TextChoices):
    """The relationship strategies of the seeds (shared/domain), rated 1–5 by the supervisor."""

    PREPARATION = "preparation", _("Preparation")
    ATTENDING = "attending", _("3M: attending (memperhatikan)")
    UNDERSTANDING = "understanding", _("3M: understanding (memahami)")
    RESPONDING = "responding", _("3M: responding (merespon)")
    REFLECTION = "reflection", _("Reflection")
    OPENNESS = "openness", _("Openness")
    ACCEPTANCE = "acceptance", _("Positive acceptance")


class ReviewRating(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="ratings")
    strategy = models.CharField(max_length=20, choices=Strategy.choices)
    score = models.PositiveSmallIntegerField()
    note = EncryptedTextField(blank=True, default="")
    rated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    rated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "strategy"], name="unique_review_strategy")]
