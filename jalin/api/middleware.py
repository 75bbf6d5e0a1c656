"""Requests under /api/ are the token's alone: the session user is dropped, the audit detail bound."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _

from jalin.audit.services import bound_detail

from .errors import PROBLEM_CONTENT_TYPE, problem_response

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
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE):
            # ninja answers a wrong method with Django's bare 405: give the same problem shape as the rest.
            allow = response.get("Allow", "")
            response = problem_response(request, "method_not_allowed",
                                        _("This address does not take %(method)s; it takes: %(allow)s.")
                                        % {"method": request.method, "allow": allow}, headers={"Allow": allow})
        response["Cache-Control"] = "no-store"
        return response
