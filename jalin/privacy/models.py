"""Data protection records: consents, data subject requests (UU 27/2022) and disclosures.

Free text about a counselee (who gave consent, reasons, outcomes) is encrypted like every other
counselee field. Rows are written only through ``services.py``; history is never overwritten:
a withdrawal is recorded on the consent row, a new consent is a new row.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalin.core.crypto import EncryptedTextField

User = settings.AUTH_USER_MODEL

# UU 27/2022 (Pelindungan Data Pribadi): a controller answers a subject's request within 3 x 24 hours.
DSR_DEADLINE = timedelta(hours=72)


class Consent(models.Model):
    class Kind(models.TextChoices):
        PROCESSING = "processing", _("Processing of personal data")
        RECORDING = "recording", _("Recording of sessions")
        GUARDIAN = "guardian", _("Parent or guardian consent (minor)")

    class GivenBy(models.TextChoices):
        COUNSELEE = "counselee", _("The counselee")
        GUARDIAN = "guardian", _("Parent or guardian")

    class Method(models.TextChoices):
        SIGNED_FORM = "signed_form", _("Signed form")
        VERBAL = "verbal", _("Verbal, noted by the counselor")
        DIGITAL = "digital", _("Digital")

    class Viewers(models.TextChoices):
        COUNSELOR = "counselor", _("Handling counselor only")
        SUPERVISOR = "supervisor", _("Handling counselor and supervisor")
        TRAINING = "training", _("Also de-identified for training and research")

    counselee = models.ForeignKey("cases.Counselee", on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("consent to"), max_length=20, choices=Kind.choices)
    given_by = models.CharField(_("given by"), max_length=20, choices=GivenBy.choices, default=GivenBy.COUNSELEE)
    given_by_name = EncryptedTextField(_("name of the person consenting"), blank=True, default="")
    given_on = models.DateField(_("given on"))
    method = models.CharField(_("how"), max_length=20, choices=Method.choices)
    # Recording consent only: what may be recorded, how long it is kept, who may view it.
    scope = EncryptedTextField(_("scope (what may be recorded)"), blank=True, default="")
    retention_days = models.PositiveIntegerField(_("keep recordings for (days)"), null=True, blank=True)
    viewers = models.CharField(_("who may view"), max_length=20, choices=Viewers.choices, blank=True, default="")
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_reason = EncryptedTextField(_("reason for withdrawal"), blank=True, default="")
    withdrawn_recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT,
                                              related_name="+")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_on is not None


class DataSubjectRequest(models.Model):
    class Kind(models.TextChoices):
        ACCESS = "access", _("Access / copy of the data")
        CORRECTION = "correction", _("Correction")
        ERASURE = "erasure", _("Erasure or anonymisation")
        OBJECTION = "objection", _("Objection / restriction of processing")

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        REFUSED = "refused", _("Refused with a reason")

    class Requester(models.TextChoices):
        COUNSELEE = "counselee", _("The counselee")
        GUARDIAN = "guardian", _("Parent or guardian")

    counselee = models.ForeignKey("cases.Counselee", on_delete=models.CASCADE, related_name="data_requests")
    kind = models.CharField(_("request"), max_length=20, choices=Kind.choices)
    requested_by = models.CharField(_("requested by"), max_length=20, choices=Requester.choices,
                                    default=Requester.COUNSELEE)
    details = EncryptedTextField(_("what is asked"), blank=True, default="")
    received_at = models.DateTimeField(_("received at"))
    due_at = models.DateTimeField(_("answer due by"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    handler = models.ForeignKey(User, on_delete=models.PROTECT, related_name="handled_data_requests",
                                verbose_name=_("handled by"))
    outcome = EncryptedTextField(_("outcome"), blank=True, default="")
    refusal_reason = EncryptedTextField(_("reason for refusal"), blank=True, default="")
    closed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.RECEIVED, self.Status.IN_PROGRESS}

    def is_overdue(self, now=None) -> bool:
        return self.is_open and (now or timezone.now()) > self.due_at


class Disclosure(models.Model):
    """Limits of confidentiality: who was told what was at risk, when, why, and whether the counselee knew."""

    class Informed(models.TextChoices):
        GUARDIAN = "guardian", _("Parent or guardian")
        HEAD = "head", _("Head of the organisation")
        HEALTH = "health", _("Health service / psychologist / psychiatrist")
        EMERGENCY = "emergency", _("Emergency service")
        POLICE = "police", _("Police / child protection")
        OTHER = "other", _("Someone else")

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="disclosures")
    alert = models.ForeignKey("measures.Alert", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="disclosures")
    informed = models.CharField(_("who was informed"), max_length=20, choices=Informed.choices)
    informed_name = EncryptedTextField(_("name or role of the person informed"), blank=True, default="")
    informed_at = models.DateTimeField(_("when"))
    reason = EncryptedTextField(_("why confidentiality was broken"))
    counselee_told = models.BooleanField(_("the counselee was told"), default=False)
    counselee_not_told_reason = EncryptedTextField(_("why the counselee was not told"), blank=True, default="")
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-informed_at", "-id"]
