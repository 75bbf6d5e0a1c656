"""People: counselors, supervisors and administrators of one organisation."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from jalin.core.crypto import EncryptedTextField


class Organisation(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", _("School")
        CAMPUS = "campus", _("University counseling centre")
        BUREAU = "bureau", _("Psychology bureau")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SCHOOL)
    head_title = models.CharField(
        _("title of the head"), max_length=100, blank=True, default="",
        help_text=_("Who permits external referrals, e.g. principal (kepala sekolah)."),
    )
    require_admin_2fa = models.BooleanField(_("require two-factor login for administrators"), default=True)

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        COUNSELOR = "counselor", _("Counselor")
        SUPERVISOR = "supervisor", _("Supervisor")
        ADMIN = "admin", _("Administrator")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.COUNSELOR)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="members",
    )
    is_trainee = models.BooleanField(
        _("trainee"), default=False, help_text=_("Counseling student or new staff whose work is supervised."),
    )
    language = models.CharField(_("language"), max_length=5, choices=[("id", "Bahasa Indonesia"), ("en", "English")],
                                default="id")
    totp_secret = EncryptedTextField(blank=True, default="")
    totp_confirmed = models.BooleanField(default=False)
    # A new secret while (re-)enrolling: it replaces totp_secret only once a code from it is confirmed.
    totp_pending_secret = EncryptedTextField(blank=True, default="")
    totp_last_step = models.BigIntegerField(null=True, blank=True)  # time step of the last accepted code: no replay
    totp_failures = models.PositiveIntegerField(default=0)  # wrong codes (or passwords) since the last success
    totp_locked_until = models.DateTimeField(null=True, blank=True)
    # An administrator who creates an account knows its first password, so until a second person
    # confirms it the account cannot break glass (docs/security.md §2.6). Accounts made with
    # `jalin createuser` by the operator are not "admin-created".
    created_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    needs_confirmation = models.BooleanField(default=False)
    confirmed_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(null=True, blank=True)

    @property
    def is_counselor(self) -> bool:
        return self.role == self.Role.COUNSELOR

    @property
    def is_supervisor(self) -> bool:
        return self.role == self.Role.SUPERVISOR

    @property
    def is_org_admin(self) -> bool:
        return self.role == self.Role.ADMIN

    @property
    def is_confirmed(self) -> bool:
        """Not admin-created, or confirmed by a second person."""
        return not self.needs_confirmation or self.confirmed_at is not None

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class SupervisorAssignment(models.Model):
    """A supervisor reviews the work of the counselors or trainees assigned to them."""

    supervisor = models.ForeignKey(User, on_delete=models.CASCADE, related_name="supervisees_links")
    supervisee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="supervisor_links")
    programme = models.CharField(_("programme"), max_length=200, blank=True, default="")
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["supervisor", "supervisee"], name="unique_supervision")]


class LoginFailure(models.Model):
    """Failed logins, counted for throttling; holds no password and no counselee data."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)
