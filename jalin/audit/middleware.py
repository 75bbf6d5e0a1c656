"""Failed attempts on case-bound URLs are audited: a 404 there is someone trying an id they may not see."""

from __future__ import annotations

from django.http import Http404

from .services import record

# URL parameters that name counselee data; only these (ids, never content) go into the event.
CASE_BOUND_KWARGS = ("case_id", "session_id", "counselee_id", "transcript_id", "job_id", "review_id", "pk",
                     "administration_id", "alert_id", "grant_id", "consent_id", "trainee_id", "kind")


class NotFoundAuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception) -> None:
        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        if not isinstance(exception, Http404) or match is None or user is None or not user.is_authenticated:
            return
        # "case_id" -> "case": the ids go into the detail, never into the event's own case/counselee
        # columns, so an attempt does not show up in a counselee's processing history.
        ids = {k.removesuffix("_id"): str(v)[:40] for k, v in match.kwargs.items() if k in CASE_BOUND_KWARGS}
        if ids:
            # The same answer (404) still goes out; this only leaves a trace for the audit log.
            record("access.not_found", actor=user, request=request, url=(match.url_name or "")[:60], **ids)
