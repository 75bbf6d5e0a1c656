"""Requests under /api/ are the token's alone: the session user is dropped, the audit detail bound."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from jalin.audit.services import bound_detail

API_PREFIX = "/api/"


class ApiRequestMiddleware:
    """Placed right after AuthenticationMiddleware.

    - the session never authenticates the API (only ``Authorization: Bearer``), and the web's
      session middlewares (inactivity logoff, 2FA enrolment redirect) do not act on API calls;
    - every audit event recorded during the request carries the token's id (set by ``TokenAuth``);
    - answers are never cached.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        request.user = AnonymousUser()
        with bound_detail():
            response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        return response
