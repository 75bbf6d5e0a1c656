"""Login with throttling, and the user's language preference."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalin.audit.services import record
from jalin.core.network import client_ip

from .models import LoginFailure


def _recent_failures(username: str, address: str | None) -> int:
    since = timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)
    # Per (username, address): a colleague's typos behind the same proxy or NAT must not lock
    # everyone out. The trade-off: an attacker with many addresses gets the limit once per address.
    return LoginFailure.objects.filter(username=username.lower(), address=address or None, at__gte=since).count()


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed logins. Wait %(minutes)s minutes and try again."),
    }

    def clean(self):
        username = (self.data.get("username") or "").strip()
        address = client_ip(self.request) or None
        if _recent_failures(username, address) >= settings.LOGIN_FAILURE_LIMIT:
            raise self.get_throttled_error()
        try:
            return super().clean()
        except Exception:
            LoginFailure.objects.create(username=username.lower()[:150], address=address)
            record("auth.login_failed", request=self.request)
            raise

    def get_throttled_error(self):
        from django.core.exceptions import ValidationError

        return ValidationError(self.error_messages["throttled"], code="throttled",
                               params={"minutes": max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)})


class LoginView(auth_views.LoginView):
    form_class = ThrottledAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        user = form.get_user()
        from .twofactor import needs_second_factor, start_second_factor

        if needs_second_factor(user):
            return start_second_factor(self.request, user, self.get_success_url())
        response = super().form_valid(form)
        record("auth.login", actor=user, request=self.request)
        messages.get_messages(self.request).used = True
        return response
