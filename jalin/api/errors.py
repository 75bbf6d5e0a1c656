"""RFC 9457 problem details (``application/problem+json``) for every refusal the API gives.

Shape::

    {"type": "urn:jalin:problem:<code>", "title": "...", "status": 422, "detail": "...",
     "code": "<code>", "instance": "/api/v1/...", "errors": [{"field": "body.name", "message": "...",
     "type": "missing"}]}

``title`` and ``detail`` are in the caller's language (``Accept-Language``: ``id`` by default, ``en``).
Raise ``ApiProblem`` anywhere in a route (or ``Http404``, ``PermissionDenied``, a service's
``ServiceError``/``ConflictError``/``GuardError``, Django's ``ValidationError``); the handlers in
``install`` turn each into one of these.
"""

from __future__ import annotations

import logging
import traceback

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError

logger = logging.getLogger("jalin.api")

PROBLEM_CONTENT_TYPE = "application/problem+json"

# code -> (status, title); titles are translated when the response is built.
PROBLEMS = {
    "malformed_request": (400, gettext_lazy("Malformed request")),
    "not_authenticated": (401, gettext_lazy("Not authenticated")),
    "forbidden": (403, gettext_lazy("Forbidden")),
    "insufficient_scope": (403, gettext_lazy("The token lacks a scope")),
    "two_factor_required": (403, gettext_lazy("Two-factor login required")),
    "not_found": (404, gettext_lazy("Not found")),
    "method_not_allowed": (405, gettext_lazy("Method not allowed")),
    "conflict": (409, gettext_lazy("Conflict")),
    "version_conflict": (409, gettext_lazy("Changed by someone else")),
    "stage_guard": (409, gettext_lazy("The stage cannot change yet")),
    "too_large": (413, gettext_lazy("Request too large")),
    "unsupported_media_type": (415, gettext_lazy("Unsupported media type")),
    "validation_failed": (422, gettext_lazy("Invalid input")),
    "rejected": (422, gettext_lazy("Refused")),
    "rate_limited": (429, gettext_lazy("Too many requests")),
    "server_error": (500, gettext_lazy("Server error")),
}


class ApiProblem(Exception):
    """Raise to answer with a problem; ``errors`` is a list of ``{"field", "message"}``; ``extra`` adds members."""

    def __init__(self, code: str, detail="", *, errors: list | None = None, status: int | None = None,
                 headers: dict | None = None, **extra) -> None:
        if code not in PROBLEMS:
            raise ValueError(f"unknown problem code {code!r}: add it to jalin.api.errors.PROBLEMS")
        super().__init__(code)
        self.code = code
        self.status = status or PROBLEMS[code][0]
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


def problem_response(request, code: str, detail="", *, errors: list | None = None, status: int | None = None,
                     headers: dict | None = None, **extra) -> JsonResponse:
    default_status, title = PROBLEMS[code]
    body = {
        "type": f"urn:jalin:problem:{code}",
        "title": str(title),
        "status": status or default_status,
        "detail": str(detail or title),
        "code": code,
        "instance": request.path if request is not None else "",
    }
    if errors is not None:
        body["errors"] = [{k: str(v) for k, v in e.items()} for e in errors]
    body.update(extra)
    response = JsonResponse(body, status=body["status"], content_type=PROBLEM_CONTENT_TYPE,
                            json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# Pydantic's error types, said in the caller's language (its own English message is the fallback).
_PYDANTIC_MESSAGES = {
    "missing": gettext_lazy("This field is required."),
    "extra_forbidden": gettext_lazy("Unknown field: this field is not part of the request."),
    "string_type": gettext_lazy("Must be text."),
    "string_too_long": gettext_lazy("Too long."),
    "string_too_short": gettext_lazy("Too short."),
    "int_type": gettext_lazy("Must be a whole number."),
    "int_parsing": gettext_lazy("Must be a whole number."),
    "int_from_float": gettext_lazy("Must be a whole number."),
    "bool_type": gettext_lazy("Must be true or false."),
    "bool_parsing": gettext_lazy("Must be true or false."),
    "date_type": gettext_lazy("Must be a date (YYYY-MM-DD)."),
    "date_parsing": gettext_lazy("Must be a date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": gettext_lazy("Must be a date (YYYY-MM-DD)."),
    "datetime_type": gettext_lazy("Must be a date and time (ISO 8601)."),
    "datetime_parsing": gettext_lazy("Must be a date and time (ISO 8601)."),
    "time_type": gettext_lazy("Must be a time (HH:MM)."),
    "time_parsing": gettext_lazy("Must be a time (HH:MM)."),
    "literal_error": gettext_lazy("Not one of the allowed values."),
    "enum": gettext_lazy("Not one of the allowed values."),
    "list_type": gettext_lazy("Must be a list."),
    "dict_type": gettext_lazy("Must be an object."),
    "model_type": gettext_lazy("Must be an object."),
    "model_attributes_type": gettext_lazy("Must be an object."),
    "greater_than_equal": gettext_lazy("Too small."),
    "greater_than": gettext_lazy("Too small."),
    "less_than_equal": gettext_lazy("Too large."),
    "less_than": gettext_lazy("Too large."),
    "json_invalid": gettext_lazy("The body is not valid JSON."),
}


BODY_PARAMETER = "data"  # routes name their body parameter ``data``: errors say body.name, not body.data.name


def _field(loc) -> str:
    if not isinstance(loc, (list, tuple)):
        return str(loc)
    parts = [str(part) for part in loc]
    if len(parts) >= 2 and parts[0] == "body" and parts[1] == BODY_PARAMETER:
        parts.pop(1)
    return ".".join(parts)


def validation_errors(errors) -> list[dict]:
    out = []
    for error in errors:
        if isinstance(error, dict) and "loc" in error:
            kind = error.get("type", "")
            message = _PYDANTIC_MESSAGES.get(kind) or error.get("msg", "")
            out.append({"field": _field(error["loc"]), "message": message, "type": kind})
        elif isinstance(error, dict):  # ninja's own shape, e.g. {"cursor": "Invalid Cursor"}
            for key, value in error.items():
                out.append({"field": f"query.{key}", "message": _("Invalid value."), "type": str(value)[:40]})
        else:
            out.append({"field": "", "message": str(error), "type": "invalid"})
    return out


def _django_validation_errors(exc: DjangoValidationError) -> list[dict]:
    if hasattr(exc, "error_dict"):
        return [{"field": f"body.{name}" if name != "__all__" else "body", "message": m}
                for name, messages in exc.message_dict.items() for m in messages]
    return [{"field": "body", "message": m} for m in exc.messages]


def _audit_not_found(request) -> None:
    """A 404 on a case-bound API route is an attempt, audited as on the web (ids only, same event)."""
    from jalin.audit.middleware import CASE_BOUND_KWARGS
    from jalin.audit.services import record

    match = getattr(request, "resolver_match", None)
    token = getattr(request, "auth", None)
    if match is None or token is None:
        return
    ids = {k.removesuffix("_id"): str(v)[:40] for k, v in match.kwargs.items()
           if k in CASE_BOUND_KWARGS or k.endswith("_id")}
    if ids:
        record("access.not_found", actor=token.user, request=request, url=f"api:{match.url_name or ''}"[:60], **ids)


def install(api) -> None:
    """Register the handlers on a NinjaAPI."""
    from jalin.cases.services import ConflictError, GuardError, ServiceError

    @api.exception_handler(ApiProblem)
    def _problem(request, exc: ApiProblem):
        return problem_response(request, exc.code, exc.detail, errors=exc.errors, status=exc.status,
                                headers=exc.headers, **exc.extra)

    @api.exception_handler(NinjaValidationError)
    def _validation(request, exc: NinjaValidationError):
        errors = validation_errors(exc.errors)
        if any(e["type"] == "json_invalid" for e in errors):
            return problem_response(request, "malformed_request", _("The body is not valid JSON."), errors=errors)
        return problem_response(request, "validation_failed", _("Some fields are not valid; see errors."),
                                errors=errors)

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request, exc):
        return problem_response(
            request, "not_authenticated",
            _("Send a valid, unexpired personal access token: Authorization: Bearer <token>."),
            headers={"WWW-Authenticate": 'Bearer realm="jalin"'})

    @api.exception_handler(AuthorizationError)
    @api.exception_handler(PermissionDenied)
    def _forbidden(request, exc):
        return problem_response(request, "forbidden", _("You may not do this."))

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        _audit_not_found(request)
        return problem_response(request, "not_found", _("There is nothing here you can see."))

    @api.exception_handler(Throttled)
    def _throttled(request, exc: Throttled):
        return problem_response(request, "rate_limited",
                                _("This token made too many requests; wait for the seconds in Retry-After."))

    @api.exception_handler(HttpError)
    def _http_error(request, exc: HttpError):
        cause = exc.__cause__  # ninja wraps whatever the body parser raised in HttpError(400)
        if isinstance(cause, ApiProblem):
            return _problem(request, cause)
        if isinstance(cause, RequestDataTooBig):
            return _too_big(request, cause)
        code = {400: "malformed_request", 401: "not_authenticated", 403: "forbidden", 404: "not_found",
                405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported_media_type",
                429: "rate_limited"}.get(exc.status_code, "validation_failed")
        return problem_response(request, code, str(exc), status=exc.status_code)

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request, exc):
        from django.conf import settings

        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return problem_response(request, "too_large",
                                _("The body is larger than %(limit)s bytes.") % {"limit": limit}, limit=limit)

    @api.exception_handler(TooManyFieldsSent)
    def _too_many(request, exc):
        return problem_response(request, "too_large", _("The request has too many fields."))

    @api.exception_handler(GuardError)
    def _guard(request, exc: GuardError):
        return problem_response(request, "stage_guard", " ".join(exc.messages),
                                guards=[{"code": f.code, "message": str(f.message)} for f in exc.failures])

    @api.exception_handler(ConflictError)
    def _conflict(request, exc: ConflictError):
        return problem_response(request, "version_conflict", " ".join(exc.messages))

    @api.exception_handler(ServiceError)
    def _service(request, exc: ServiceError):
        return problem_response(request, "rejected", " ".join(exc.messages),
                                errors=[{"field": "body", "message": m} for m in exc.messages])

    @api.exception_handler(DjangoValidationError)
    def _django_validation(request, exc: DjangoValidationError):
        return problem_response(request, "validation_failed", _("Some fields are not valid; see errors."),
                                errors=_django_validation_errors(exc))

    @api.exception_handler(Exception)
    def _unexpected(request, exc):
        # The class name and the route only: exception messages may carry input.
        match = getattr(request, "resolver_match", None)
        logger.error("api: unexpected %s on %s\n%s", type(exc).__name__, getattr(match, "url_name", "?"),
                     "".join(traceback.format_tb(exc.__traceback__)))
        return problem_response(request, "server_error", _("Something went wrong on our side."))
