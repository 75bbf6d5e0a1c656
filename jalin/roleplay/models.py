"""Practice runs with a simulated counselee, kept in the trainee's own history (never in a counselee's
record), and their supervision reviews with comments per utterance.

What the trainee typed is their own practice, not counselee data, but it is encrypted like every other
transcript: a trainee may still write something personal.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jalin.core.crypto import EncryptedJSONField, EncryptedTextField
from jalin.practice.models import Review

User = settings.AUTH_USER_MODEL


class PracticeRun(models.Model):
    """One practice session: the engine's whole state after the last turn, then the debrief and report."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("In progress")
        ENDED = "ended", _("Ended")
        REFERRED = "referred", _("Ended with a referral")

    trainee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roleplay_runs")
    scenario = models.CharField(max_length=40)
    scenario_version = models.PositiveIntegerField(default=1)
    lang = models.CharField(max_length=2, default="id")
    seed = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE, db_index=True)
    engine_state = EncryptedJSONField(null=True, blank=True)   # RoleplaySession.to_dict()
    last_hint = models.CharField(max_length=20, blank=True, default="")
    debrief = EncryptedJSONField(null=True, blank=True)
    report = EncryptedJSONField(null=True, blank=True)          # jalin.analysis to_json of the dialogue
    model_version = models.CharField(max_length=80, blank=True, default="")
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=0)           # optimistic check against double submits

    class Meta:
        ordering = ["-started_at", "-id"]

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class PracticeRunReview(models.Model):
    """A practice run the trainee submitted to their supervisor; statuses as for a session's review."""

    run = models.ForeignKey(PracticeRun, on_delete=models.CASCADE, related_name="reviews")
    trainee = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    supervisor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=12, choices=Review.Status.choices, default=Review.Status.SUBMITTED)
    trainee_note = EncryptedTextField(_("note to the supervisor"), blank=True, default="")
    decision_note = EncryptedTextField(_("supervisor's note"), blank=True, default="")
    minutes = models.PositiveSmallIntegerField(_("supervision time (minutes)"), default=0)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]


class PracticeRunComment(models.Model):
    review = models.ForeignKey(PracticeRunReview, on_delete=models.CASCADE, related_name="comments")
    utterance = models.PositiveIntegerField(null=True, blank=True)  # 1-based; empty = on the whole run
    text = EncryptedTextField(_("comment"))
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["utterance", "created_at", "id"]
