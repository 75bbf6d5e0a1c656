"""Optional TOTP two-factor login (required for administrators when the organisation says so).

Codes are checked by ``check_code``: at most ``TOTP_FAILURE_LIMIT`` wrong (or replayed) codes, then
the account's second factor is locked for ``TOTP_LOCKOUT_SECONDS`` and the half-finished login is
dropped; a code's time step must be newer than the last one accepted, so a code seen over a
shoulder or in a proxy cannot be used again within its window. The secret is shown once, while
enrolling; re-enrolling and switching off need the account's password.

Not django-otp: its TOTP device keeps the key as plaintext hex in the database, where every other
secret of Jalin is sealed (threat T3, a copied database); pyotp computes the codes here.
"""

from __future__ import annotations

import hmac
import io
from datetime import timedelta
from enum import Enum

import pyotp
import segno
from django import forms
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model, login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from jalin.audit.services import record

_PENDING = "jalin_2fa_pending"
_NEXT = "jalin_2fa_next"


def needs_second_factor(user) -> bool:
    return bool(user.totp_confirmed and user.totp_secret)


def must_enrol(user) -> bool:
    """Administrators of an organisation that requires it must set up two-factor before working."""
    if not user.is_org_admin or user.totp_confirmed:
        return False  # decided without loading the organisation: this runs on every request
    org = user.organisation
    return org is None or org.require_admin_2fa


def start_second_factor(request, user, next_url: str):
    request.session.cycle_key()
    request.session[_PENDING] = user.pk
    request.session[_NEXT] = next_url
    request.session[BACKEND_SESSION_KEY + "_pending"] = user.backend
    return redirect("login_verify")


class CodeForm(forms.Form):
    code = forms.CharField(label=_("6-digit code from your authenticator app"), max_length=6, min_length=6)

    def clean_code(self):
        code = self.cleaned_data["code"].strip()
        if not code.isdigit():
            raise forms.ValidationError(_("The code has 6 digits."))
        return code


class CodeCheck(Enum):
    OK = "ok"
    WRONG = "wrong"
    REPLAYED = "replayed"
    LOCKED = "locked"


def _matching_step(secret: str, code: str, now) -> int | None:
    """The time step (of now, or one either side for clock drift) whose code is ``code``."""
    totp = pyotp.TOTP(secret)
    for offset in (0, -1, 1):
        moment = now + timedelta(seconds=offset * totp.interval)
        if hmac.compare_digest(totp.at(moment), code):
            return totp.timecode(moment)
    return None


def _fail(user, now) -> CodeCheck:
    user.totp_failures += 1
    if user.totp_failures >= settings.TOTP_FAILURE_LIMIT:
        user.totp_failures = 0
        user.totp_locked_until = now + timedelta(seconds=settings.TOTP_LOCKOUT_SECONDS)
        user.save(update_fields=["totp_failures", "totp_locked_until"])
        record("auth.2fa_locked", obj=user)
        return CodeCheck.LOCKED
    user.save(update_fields=["totp_failures"])
    return CodeCheck.WRONG


def locked(user) -> bool:
    return user.totp_locked_until is not None and user.totp_locked_until > timezone.now()


@transaction.atomic
def check_code(user, code: str, *, pending: bool = False) -> CodeCheck:
    """Check a code against the account's secret (or the secret being enrolled), counting failures.

    The row is locked so two parallel guesses cannot both be counted as the first.
    """
    row = get_user_model().objects.select_for_update().get(pk=user.pk)
    now = timezone.now()
    if locked(row):
        return CodeCheck.LOCKED
    step = _matching_step(row.totp_pending_secret if pending else row.totp_secret, code, now)
    if step is None:
        return _fail(row, now)
    if not pending and row.totp_last_step is not None and step <= row.totp_last_step:
        result = _fail(row, now)
        return CodeCheck.REPLAYED if result is CodeCheck.WRONG else result
    # A code confirming a new secret is never a login, but it must not become one either.
    step = max(step, row.totp_last_step or step)
    row.totp_last_step, row.totp_failures = step, 0
    row.save(update_fields=["totp_last_step", "totp_failures"])
    user.totp_last_step, user.totp_failures = step, 0
    return CodeCheck.OK


@transaction.atomic
def check_password(user, password: str) -> CodeCheck:
    """Re-authentication before re-enrolling or switching off; wrong passwords count towards the lockout."""
    row = get_user_model().objects.select_for_update().get(pk=user.pk)
    if locked(row):
        return CodeCheck.LOCKED
    if row.check_password(password):
        row.totp_failures = 0
        row.save(update_fields=["totp_failures"])
        return CodeCheck.OK
    return _fail(row, timezone.now())


LOCKED_MESSAGE = _("Too many wrong codes. Two-factor login for this account is locked for a while; "
                   "try again later.")
WRONG_MESSAGE = _("That code is not valid. Check your device's clock and try again.")
REPLAYED_MESSAGE = _("That code was already used. Wait for the next code from your app.")


def _code_error(result: CodeCheck):
    return {CodeCheck.REPLAYED: REPLAYED_MESSAGE, CodeCheck.LOCKED: LOCKED_MESSAGE}.get(result, WRONG_MESSAGE)


def _drop_pending_login(request) -> None:
    for name in (_PENDING, _NEXT, BACKEND_SESSION_KEY + "_pending"):
        request.session.pop(name, None)


def verify(request):
    user_id = request.session.get(_PENDING)
    if user_id is None:
        return redirect("login")
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        result = check_code(user, form.cleaned_data["code"])
        if result is CodeCheck.OK:
            backend = request.session.pop(BACKEND_SESSION_KEY + "_pending", None)
            next_url = request.session.pop(_NEXT, "/")
            request.session.pop(_PENDING, None)
            login(request, user, backend=backend)
            record("auth.login", actor=user, request=request, second_factor=True)
            if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                next_url = "/"
            return redirect(next_url)
        record("auth.2fa_failed", request=request, outcome=result.value)
        if result is CodeCheck.LOCKED:
            _drop_pending_login(request)  # the password must be given again after the lockout
        form.add_error("code" if result is not CodeCheck.LOCKED else None, _code_error(result))
    return render(request, "accounts/verify.html", {"form": form})


class PasswordForm(forms.Form):
    action = forms.ChoiceField(choices=[("reenrol", "reenrol"), ("disable", "disable")], widget=forms.HiddenInput)
    password = forms.CharField(label=_("Your password"), strip=False, widget=forms.PasswordInput)


def _enrolment_page(request, user, form=None):
    """The only page that shows a secret: the pending one, right after it was made."""
    uri = pyotp.TOTP(user.totp_pending_secret).provisioning_uri(name=user.username, issuer_name="Jalin")
    buffer = io.BytesIO()
    segno.make(uri).save(buffer, kind="svg", scale=4)
    response = render(request, "accounts/setup_2fa.html", {
        "form": form or CodeForm(), "qr_svg": buffer.getvalue().decode(), "secret": user.totp_pending_secret})
    response["Cache-Control"] = "no-store"  # never from the browser's cache or history
    return response


def _new_pending_secret(user) -> None:
    user.totp_pending_secret = pyotp.random_base32()
    user.save(update_fields=["totp_pending_secret"])


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    user = request.user
    action = request.POST.get("action", "confirm") if request.method == "POST" else ""
    if user.totp_confirmed and action in ("reenrol", "disable"):
        return _reauthenticated_change(request, user)
    if request.method == "POST" and action == "confirm" and user.totp_pending_secret:
        form = CodeForm(request.POST)
        if form.is_valid():
            result = check_code(user, form.cleaned_data["code"], pending=True)
            if result is CodeCheck.OK:
                user.totp_secret, user.totp_pending_secret, user.totp_confirmed = user.totp_pending_secret, "", True
                user.save(update_fields=["totp_secret", "totp_pending_secret", "totp_confirmed"])
                record("auth.2fa_enabled", actor=user, request=request)
                return redirect("dashboard")
            record("auth.2fa_failed", actor=user, request=request, outcome=result.value)
            form.add_error("code", _code_error(result))
        return _enrolment_page(request, user, form)
    if user.totp_confirmed:
        return _status_page(request, PasswordForm())
    _new_pending_secret(user)  # first enrolment: a fresh secret each time the page is shown
    return _enrolment_page(request, user)


def _reauthenticated_change(request, user):
    form = PasswordForm(request.POST)
    if form.is_valid():
        result = check_password(user, form.cleaned_data["password"])
        if result is CodeCheck.OK:
            if form.cleaned_data["action"] == "reenrol":
                _new_pending_secret(user)
                record("auth.2fa_reenrol", actor=user, request=request)
                return _enrolment_page(request, user)
            if must_enrol_when_off(user):
                form.add_error(None, _("Your organisation requires two-factor login for administrators."))
            else:
                user.totp_secret = user.totp_pending_secret = ""
                user.totp_confirmed, user.totp_last_step = False, None
                user.save(update_fields=["totp_secret", "totp_pending_secret", "totp_confirmed", "totp_last_step"])
                record("auth.2fa_disabled", actor=user, request=request)
                return redirect("dashboard")
        else:
            record("auth.2fa_reauth_failed", actor=user, request=request, outcome=result.value)
            form.add_error("password", LOCKED_MESSAGE if result is CodeCheck.LOCKED
                           else _("That password is not right."))
    return _status_page(request, form)


def _status_page(request, form):
    actions = [("reenrol", _("Set up again on a new device")), ("disable", _("Turn off two-factor login"))]
    return render(request, "accounts/twofactor_status.html", {"form": form, "actions": actions})


def must_enrol_when_off(user) -> bool:
    org = user.organisation
    return user.is_org_admin and (org is None or org.require_admin_2fa)
