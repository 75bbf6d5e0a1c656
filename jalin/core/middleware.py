"""Security middleware: headers Django does not set, and automatic logoff after inactivity."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils.translation import gettext as _

_LAST_SEEN = "jalin_last_seen"
LAST_SEEN_RESOLUTION_SECONDS = 60  # the inactivity timeout is at least 60 s (settings)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            # Pages with counselee data must not linger in shared browsers' caches.
            response.headers["Cache-Control"] = "no-store"
        return response


class InactivityLogoutMiddleware:
    """Log a user out after ``SESSION_INACTIVITY_SECONDS`` without a request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(_LAST_SEEN)
            if last is not None and now - int(last) > settings.SESSION_INACTIVITY_SECONDS:
                logout(request)
                messages.info(request, _("You were logged out after a period of inactivity."))
                return redirect(settings.LOGIN_URL)
            if last is None or now - int(last) >= LAST_SEEN_RESOLUTION_SECONDS:
                # Written at most once a minute: saving the session on every request cost a write
                # transaction per page (and "database is locked" on SQLite under load).
                request.session[_LAST_SEEN] = now
        return self.get_response(request)


class TwoFactorEnrolmentMiddleware:
    """Administrators who must use two-factor login can do nothing else until they set it up."""

    allowed = ("/account/two-factor/", "/logout/", "/static/", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from jalin.accounts.twofactor import must_enrol

        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and must_enrol(user) \
                and not request.path.startswith(self.allowed):
            return redirect("twofactor_setup")
        return self.get_response(request)


class LoginBusyMiddleware:
    """Every password-hashing slot stayed busy: answer 503 "try again in a moment" with Retry-After."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        from django.template.response import TemplateResponse

        from jalin.accounts.login_slots import LoginBusy

        if not isinstance(exception, LoginBusy):
            return None
        response = TemplateResponse(request, "login_busy.html", {"retry_after": exception.retry_after},
                                    status=503)
        response["Retry-After"] = str(exception.retry_after)
        return response.render()
