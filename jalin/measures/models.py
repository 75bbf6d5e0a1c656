"""Measures given in a case: administrations, one-time links, schedules and alerts.

Answers and scores are counselee data: encrypted, and read only through the case's access rules.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jalin.core.crypto import EncryptedJSONField, EncryptedTextField


class Administration(models.Model):
    class Mode(models.TextChoices):
        IN_SESSION = "in_session", _("Given in session")
        LINK = "link", _("Filled through a link")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="administrations")
    session = models.ForeignKey("cases.CounselingSession", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="administrations")
    instrument = models.CharField(max_length=40)
    instrument_version = models.CharField(max_length=20)
    language = models.CharField(max_length=5)
    answers = EncryptedJSONField()
    result = EncryptedJSONField()  # Score.to_dict(): total, subscales, band, critical items
    mode = models.CharField(max_length=20, choices=Mode.choices)
    administered_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["administered_at", "id"]


class MeasureLink(models.Model):
    """A one-time link for the counselee: random token (only its hash is stored), expiry, single use."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="measure_links")
    session = models.ForeignKey("cases.CounselingSession", null=True, blank=True, on_delete=models.SET_NULL)
    instrument = models.CharField(max_length=40)
    language = models.CharField(max_length=5)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    administration = models.OneToOneField(Administration, null=True, blank=True, on_delete=models.SET_NULL)


class MeasureSchedule(models.Model):
    class When(models.TextChoices):
        BEFORE = "before", _("Before the session")
        AFTER = "after", _("After the session")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="measure_schedules")
    instrument = models.CharField(_("instrument"), max_length=40)
    when = models.CharField(_("when"), max_length=10, choices=When.choices)
    every = models.PositiveSmallIntegerField(_("every how many sessions"), default=1)
    no_improvement_after = models.PositiveSmallIntegerField(
        _("review if no reliable improvement after this many sessions"), null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "instrument", "when"], name="unique_schedule")]


class Alert(models.Model):
    """A warning on a case, visible until a counselor acknowledges it with a note."""

    class Severity(models.TextChoices):
        CRITICAL = "critical", _("Critical")
        WARNING = "warning", _("Warning")
        REVIEW = "review", _("Review")

    class Source(models.TextChoices):
        MEASURE = "measure", _("Measure")
        TRANSCRIPT = "transcript", _("Transcript")
        BREAK_GLASS = "break_glass", _("Emergency access")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="alerts")
    administration = models.ForeignKey(Administration, null=True, blank=True, on_delete=models.CASCADE,
                                       related_name="alerts")
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MEASURE)
    source_ref = models.CharField(max_length=40, blank=True, default="")  # e.g. transcript id + utterance no.
    code = EncryptedTextField(max_length=40)  # "risk_self", "phq9_item9": says what is wrong, so sealed
    severity = models.CharField(max_length=10, choices=Severity.choices)
    reason_id = EncryptedTextField()  # says why it fired; holds scores, so encrypted
    reason_en = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    acknowledgement = EncryptedTextField(blank=True, default="")

    class Meta:
        ordering = ["-created_at"]

    def reason(self, lang: str) -> str:
        return self.reason_en if lang == "en" else self.reason_id

    @property
    def severity_rank(self) -> int:
        return {"critical": 0, "warning": 1, "review": 2}.get(self.severity, 3)
