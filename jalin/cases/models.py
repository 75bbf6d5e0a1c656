"""The counseling process as records: counselees, cases, sessions and what each stage produces.

Everything a counselee says or a counselor writes about them is an ``Encrypted*Field``.
Rows are read only through ``access.py`` and written only through ``services.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jalin.core.crypto import EncryptedTextField

User = settings.AUTH_USER_MODEL


class Stage(models.TextChoices):
    AWAL = "awal", _("Initial stage (tahap awal)")
    INTI = "inti", _("Working stage (tahap inti)")
    AKHIR = "akhir", _("Final stage (tahap akhir)")


class Counselee(models.Model):
    class Gender(models.TextChoices):
        FEMALE = "f", _("Female")
        MALE = "m", _("Male")
        UNSPECIFIED = "x", _("Not stated")

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="counselees")
    registered_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="registered_counselees")
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = EncryptedTextField(_("name or initials"))
    birth_year = models.PositiveSmallIntegerField(_("birth year"), null=True, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, default=Gender.UNSPECIFIED)
    affiliation = EncryptedTextField(_("school/class or organisation"), blank=True, default="")
    contact = EncryptedTextField(_("contact"), blank=True, default="")
    is_minor = models.BooleanField(_("minor (under 18)"), default=False)
    guardian_name = EncryptedTextField(_("parent or guardian"), blank=True, default="")
    guardian_contact = EncryptedTextField(_("guardian's contact"), blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    anonymised_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Case(models.Model):
    class Area(models.TextChoices):
        PRIBADI = "pribadi", _("Personal (pribadi)")
        SOSIAL = "sosial", _("Social (sosial)")
        BELAJAR = "belajar", _("Learning (belajar)")
        KARIER = "karier", _("Career (karier)")

    class CameVia(models.TextChoices):
        SELF = "self", _("Came on their own")
        SUMMONED = "summoned", _("Summoned by the counselor")
        TEACHER = "teacher", _("Sent by a teacher")
        PARENTS = "parents", _("Sent by parents")
        REFERRED_IN = "referred_in", _("Referred in")

    class Status(models.TextChoices):
        BARU = "baru", _("New (baru)")
        PENANGANAN = "penanganan", _("In progress (penanganan)")
        SELESAI = "selesai", _("Closed (selesai)")
        DIRUJUK = "dirujuk", _("Referred (dirujuk)")

    class ClosureReason(models.TextChoices):
        RESOLVED = "resolved", _("Resolved")
        REFERRED = "referred", _("Referred")
        ENDED_BY_COUNSELEE = "ended_by_counselee", _("Ended by the counselee")
        NO_SHOW = "no_show", _("Counselee stopped coming")

    counselee = models.ForeignKey(Counselee, on_delete=models.PROTECT, related_name="cases")
    counselor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="cases",
                                  verbose_name=_("handling counselor"))
    code = models.CharField(_("code"), max_length=20, unique=True)
    area = models.CharField(_("area"), max_length=20, choices=Area.choices)
    came_via = models.CharField(_("how the counselee came"), max_length=20, choices=CameVia.choices)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.BARU)
    stage = models.CharField(_("stage"), max_length=10, choices=Stage.choices, default=Stage.AWAL)
    description = EncryptedTextField(_("description"), blank=True, default="")
    reported_by = EncryptedTextField(_("who reported"), blank=True, default="")
    problem_definition = EncryptedTextField(_("problem as defined with the counselee"), blank=True, default="")
    conclusions = EncryptedTextField(_("conclusions"), blank=True, default="")
    restricted_note = EncryptedTextField(_("restricted note (counselor only)"), blank=True, default="")
    closure_reason = models.CharField(_("closure reason"), max_length=30, choices=ClosureReason.choices,
                                      blank=True, default="")
    opened_on = models.DateField(_("opened on"))
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)  # optimistic concurrency, see services.bump_version
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-opened_on", "-id"]

    def __str__(self) -> str:
        return self.code

    @property
    def is_open(self) -> bool:
        return self.status in {self.Status.BARU, self.Status.PENANGANAN}


class CaseAccess(models.Model):
    """Explicit, time-limited access to a case for someone other than its handling counselor."""

    class Purpose(models.TextChoices):
        SUPERVISION = "supervision", _("Supervision")
        REFERRAL = "referral", _("Referral receiver")
        COLLEAGUE = "colleague", _("Co-counselor")
        BREAK_GLASS = "break_glass", _("Emergency access")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access_grants")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="case_grants")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    can_write = models.BooleanField(default=False)
    reason = EncryptedTextField(blank=True, default="")
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)


class CaseTask(models.Model):
    """A stage task of the checklist (ids of taxonomy section 5) marked done for a case."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Marked by the counselor")
        TRANSCRIPT = "transcript", _("Suggested from a transcript, confirmed")
        RECORD = "record", _("Done by a record")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    task = models.CharField(max_length=40)
    session = models.ForeignKey("CounselingSession", null=True, blank=True, on_delete=models.SET_NULL)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.MANUAL)
    # The record that accomplished the task (see services.RECORD_TASKS): its kind and id, for the link.
    record_kind = models.CharField(max_length=20, blank=True, default="")
    record_id = models.PositiveIntegerField(null=True, blank=True)
    done_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "task"], name="unique_case_task")]


class CaseEvent(models.Model):
    """What happened to a case that matters: who, when, what (stage moves, overrides, closure, referral)."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Case opened")
        STAGE = "stage", _("Stage changed")
        OVERRIDE = "override", _("Guard overridden")
        CLOSED = "closed", _("Case closed")
        REFERRED = "referred", _("Case referred")
        REOPENED = "reopened", _("Case reopened")
        CONTRACT = "contract", _("Contract agreed or changed")
        TASK = "task", _("Stage task done")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_stage = models.CharField(max_length=10, blank=True, default="")
    to_stage = models.CharField(max_length=10, blank=True, default="")
    code = models.CharField(max_length=40, blank=True, default="")  # e.g. the task id or guard ids
    reason = EncryptedTextField(blank=True, default="")
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]


class ContractVersion(models.Model):
    """The counseling contract (time, tasks, collaboration); each change is a new version."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="contract_versions")
    number = models.PositiveIntegerField()
    sessions_planned = models.PositiveSmallIntegerField(_("number of sessions"))
    minutes_per_session = models.PositiveSmallIntegerField(_("minutes per session"))
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    counselor_tasks = EncryptedTextField(_("counselor's tasks"))
    counselee_tasks = EncryptedTextField(_("counselee's tasks"))
    collaboration = EncryptedTextField(_("collaboration terms"), blank=True, default="")
    agreed_on = models.DateField(_("agreed on"))
    change_note = EncryptedTextField(_("what changed"), blank=True, default="")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="unique_contract_version")]


class CounselingSession(models.Model):
    class Mode(models.TextChoices):
        IN_PERSON = "in_person", _("In person")
        ONLINE = "online", _("Online")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="sessions")
    number = models.PositiveSmallIntegerField(_("session number"))
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("start time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"))
    mode = models.CharField(_("mode"), max_length=20, choices=Mode.choices, default=Mode.IN_PERSON)
    stage_reached = models.CharField(_("stage reached"), max_length=10, choices=Stage.choices)
    notes_awal = EncryptedTextField(_("notes: initial stage"), blank=True, default="")
    notes_inti = EncryptedTextField(_("notes: working stage"), blank=True, default="")
    notes_akhir = EncryptedTextField(_("notes: final stage"), blank=True, default="")
    eval_understanding = EncryptedTextField(_("evaluation: new understanding"), blank=True, default="")
    eval_comfort = EncryptedTextField(_("evaluation: how the counselee feels"), blank=True, default="")
    eval_action = EncryptedTextField(_("evaluation: what the counselee will do"), blank=True, default="")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["case", "number"], name="unique_session_number")]

    @property
    def has_evaluation(self) -> bool:
        return bool(self.eval_understanding and self.eval_comfort and self.eval_action)


class ActionStep(models.Model):
    class Owner(models.TextChoices):
        COUNSELEE = "counselee", _("Counselee")
        COUNSELOR = "counselor", _("Counselor")
        OTHER = "other", _("Someone else (parent, teacher)")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DOING = "doing", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="action_steps")
    description = EncryptedTextField(_("step"))
    owner = models.CharField(_("owned by"), max_length=20, choices=Owner.choices, default=Owner.COUNSELEE)
    due_date = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.PLANNED)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_date", "id"]


class FollowUp(models.Model):
    """LAIJAPEN: the short-term follow-up evaluation, one week to one month after the plan."""

    class CarriedOut(models.TextChoices):
        YES = "yes", _("Yes")
        PARTLY = "partly", _("Partly")
        NO = "no", _("No")

    class Further(models.TextChoices):
        NONE = "none", _("No further service needed")
        CONTINUE = "continue", _("Continue counseling")
        OTHER_SERVICE = "other_service", _("Another service")
        REFERRAL = "referral", _("Referral")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    due_date = models.DateField(_("due"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    carried_out = models.CharField(_("plan carried out?"), max_length=10, choices=CarriedOut.choices,
                                   blank=True, default="")
    what_changed = EncryptedTextField(_("what changed"), blank=True, default="")
    obstacles = EncryptedTextField(_("obstacles"), blank=True, default="")
    source = EncryptedTextField(_("source of information"), blank=True, default="")
    further_service = models.CharField(_("further service"), max_length=20, choices=Further.choices,
                                       blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]


class Appointment(models.Model):
    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")
        NO_SHOW = "no_show", _("No-show")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="appointments")
    starts_at = models.DateTimeField(_("date and time"))
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=45)
    mode = models.CharField(_("mode"), max_length=20, choices=CounselingSession.Mode.choices,
                            default=CounselingSession.Mode.IN_PERSON)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["starts_at"]


class Referral(models.Model):
    """Alih tangan kasus: handing the case to someone better placed to help."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted by the receiver")
        DECLINED = "declined", _("Declined")
        COMPLETED = "completed", _("Completed")

    # Where a referral may go next; the case closes (as referred) only once it is accepted.
    NEXT_STATUS = {
        "draft": {"draft", "sent"},
        "sent": {"sent", "accepted", "declined"},
        "accepted": {"accepted", "completed"},
        "declined": {"declined"},
        "completed": {"completed"},
    }

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrals")
    letter_number = models.CharField(_("letter number"), max_length=60, blank=True, default="")
    date = models.DateField(_("date"))
    # Who the counselee was sent to (a psychiatrist, a clinic) tells what is wrong: sealed like the reason.
    receiver_name = EncryptedTextField(_("receiver"), max_length=200)
    receiver_institution = EncryptedTextField(_("institution"), max_length=200)
    receiver_expertise = EncryptedTextField(_("expertise"), max_length=200)
    external = models.BooleanField(_("outside the organisation"), default=True)
    reason = EncryptedTextField(_("reason for referral"))
    efforts = EncryptedTextField(_("efforts so far"))
    counselee_consent = models.BooleanField(_("counselee consents"), default=False)
    guardian_consent = models.BooleanField(_("parent/guardian consents"), default=False)
    head_permission = models.BooleanField(_("head's permission (external referral)"), default=False)
    scheduled_on = models.DateField(_("scheduled for"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    receiver_feedback = EncryptedTextField(_("receiver's feedback"), blank=True, default="")
    evaluation = EncryptedTextField(_("evaluation"), blank=True, default="")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class HomeVisit(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="home_visits")
    date = models.DateField(_("date"))
    people_met = EncryptedTextField(_("people met"))
    purpose = EncryptedTextField(_("purpose"))
    findings = EncryptedTextField(_("findings"))
    follow_up = EncryptedTextField(_("follow-up"), blank=True, default="")
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)


class CaseConference(models.Model):
    """Konferensi kasus: a limited, closed meeting about the case."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="conferences")
    date = models.DateField(_("date"))
    participants = EncryptedTextField(_("participants"))
    data_presented = EncryptedTextField(_("data presented"))
    minutes = EncryptedTextField(pgettext_lazy("record of a meeting", "minutes"))
    decisions = EncryptedTextField(_("decisions"))
    follow_up = EncryptedTextField(_("follow-up"), blank=True, default="")
    participants_bound_to_confidentiality = models.BooleanField(
        _("participants agreed to keep it confidential"), default=False)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
