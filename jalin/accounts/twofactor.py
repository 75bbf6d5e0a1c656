"""Optional TOTP two-factor login (required for administrators when the organisation says so)."""

from __future__ import annotations

import io

import pyotp
import segno
from django import forms
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model, login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

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


def verify(request):
    user_id = request.session.get(_PENDING)
    if user_id is None:
        return redirect("login")
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return redirect("login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if pyotp.TOTP(user.totp_secret).verify(form.cleaned_data["code"], valid_window=1):
            backend = request.session.pop(BACKEND_SESSION_KEY + "_pending", None)
            next_url = request.session.pop(_NEXT, "/")
            request.session.pop(_PENDING, None)
            login(request, user, backend=backend)
            record("auth.login", actor=user, request=request, second_factor=True)
            if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                next_url = "/"
            return redirect(next_url)
        record("auth.2fa_failed", request=request)
        form.add_error("code", _("That code is not valid. Check your device's clock and try again."))
    return render(request, "accounts/verify.html", {"form": form})


@login_required
def setup(request):
    user = request.user
    if not user.totp_secret or not user.totp_confirmed and request.method == "GET":
        user.totp_secret = pyotp.random_base32()
        user.save(update_fields=["totp_secret"])
    uri = pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.username, issuer_name="Jalin")
    buffer = io.BytesIO()
    segno.make(uri).save(buffer, kind="svg", scale=4)
    qr_svg = buffer.getvalue().decode()
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if pyotp.TOTP(user.totp_secret).verify(form.cleaned_data["code"], valid_window=1):
            user.totp_confirmed = True
            user.save(update_fields=["totp_confirmed"])
            record("auth.2fa_enabled", actor=user, request=request)
            return redirect("dashboard")
        form.add_error("code", _("That code is not valid. Check your device's clock and try again."))
    return render(request, "accounts/setup_2fa.html", {"form": form, "qr_svg": qr_svg,
                                                       "secret": user.totp_secret})
