"""Small pieces the appointment, measure, transcript and review routers share (glue only)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Annotated

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from pydantic import AfterValidator, BeforeValidator

from ..auth import TokenAuth
from ..errors import ApiProblem
from ..schemas import InputSchema

MAX_ID = 2**63 - 1  # the largest id a database column holds: beyond it SQLite raises instead of finding nothing

read_scope = TokenAuth("read")
write_scope = TokenAuth("write")
transcripts_read = TokenAuth("read", "transcripts")
transcripts_write = TokenAuth("write", "transcripts")


def _moment(value: datetime) -> datetime:
    """A date and time the database can store everywhere: a naive one is the site's local time; the offset at
    most ±14 hours (as real time zones), the year 1900–2200. Normalised to UTC."""
    from pydantic_core import PydanticCustomError

    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    offset = value.utcoffset() or timedelta(0)
    if abs(offset) > timedelta(hours=14) or not 1900 <= value.year <= 2200:
        raise PydanticCustomError("datetime_range", str(_(
            "Must be a date and time between the years 1900 and 2200, with a time zone offset of at most 14 "
            "hours.")))
    return value.astimezone(UTC)


_ISO_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def _iso_only(value):
    """ISO 8601 text or a datetime; never a number (Pydantic would read ``0.5`` as seconds since 1970)."""
    from pydantic_core import PydanticCustomError

    if isinstance(value, datetime) or (isinstance(value, str) and _ISO_DATE_TIME.match(value)):
        return value
    raise PydanticCustomError("datetime_parsing", str(_("Must be a date and time (ISO 8601).")))


Moment = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(_moment)]

StrictSchema = InputSchema  # an input: an unknown field is a 422 naming it, never silently dropped


def ui_lang() -> str:
    return "en" if (get_language() or "id").startswith("en") else "id"


_STATUS_CODES = {400: "malformed_request", 404: "not_found", 409: "conflict", 413: "too_large",
                 415: "unsupported_media_type", 422: "validation_failed"}


def problem(status: int, detail="", *, errors: list | None = None, **extra) -> ApiProblem:
    """An ``ApiProblem`` by status; ``errors`` name the fields (``{"field", "message"}``)."""
    if not detail and errors:
        detail = " ".join(str(e["message"]) for e in errors)
    return ApiProblem(_STATUS_CODES[status], detail, errors=errors, status=status, **extra)


def web_form(form_class, data: dict, *, rename: dict[str, str] | None = None, **kwargs):
    """The web's form for ``data`` (``jalin.api.formdata.validated_form``: one set of rules); ``rename`` maps the
    form's field names to the API's in the problem (``{"supervisor": "supervisor_id"}``)."""
    from ..formdata import validated_form

    try:
        return validated_form(form_class, data, **kwargs)
    except ApiProblem as problem:
        for error in problem.errors or []:
            name = error["field"].removeprefix("body.")
            if name in (rename or {}):
                error["field"] = f"body.{rename[name]}"
        raise


def refuse_unknown_query(request, schema=None) -> None:
    """A query parameter the route does not take is a 422 naming it, as an unknown body field is (a typo in a
    filter must not silently list everything)."""
    allowed = set(schema.model_fields) if schema is not None else set()
    unknown = sorted(name for name in request.GET if name not in allowed)
    if unknown:
        raise problem(422, str(_("Some fields are not valid; see errors.")), errors=[
            {"field": f"query.{name}"[:80], "message": _("Unknown query parameter.")} for name in unknown])


def _field_messages() -> dict:
    return {
        "null": _("This field cannot be empty."),
        "choice": _("Not one of the allowed values."),
        "not_in_case": _("There is no such session in this case."),
        "not_your_supervisor": _("Choose your supervisor: this user is not a supervisor assigned to you."),
    }


def field_problem(field: str, kind: str, **extra) -> ApiProblem:
    message = _field_messages()[kind]
    return problem(422, errors=[{"field": f"body.{field}", "message": message}], **extra)


def _status(code: int, body):
    try:
        from ninja.responses import Status  # django-ninja >= 1.5; a (code, body) tuple before
    except ImportError:
        return code, body
    return Status(code, body)


def no_content():
    return _status(204, None)


def created(request, response, body: dict, tail: str):
    """201 with a Location header; ``response`` is the view's temporal ``HttpResponse`` parameter."""
    response["Location"] = request.build_absolute_uri(f"/api/v1/{tail}")
    return _status(201, body)


def accepted(request, response, body: dict, tail: str):
    """202 with a Location header: the job to poll."""
    response["Location"] = request.build_absolute_uri(f"/api/v1/{tail}")
    return _status(202, body)


def audit_cases_read(request, items, *, part: str) -> None:
    """A list shows records of several cases: one ``case.view`` per case (as the case page records it),
    none for an empty page."""
    from ..context import audit_read

    cases: dict[int, tuple[int, int]] = {}
    for item in items:
        seen = cases.get(item.case_id, (item.case.counselee_id, 0))
        cases[item.case_id] = (seen[0], seen[1] + 1)
    for case_id, (counselee_id, count) in sorted(cases.items()):
        audit_read(request, "case.view", case_id=case_id, counselee_id=counselee_id, part=part, count=count)


# --- cursor pages --------------------------------------------------------------------------------

def _encode(values: list) -> str:
    raw = json.dumps([v.isoformat() if isinstance(v, datetime) else v for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, order: tuple[str, ...]) -> list:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        values = None
    if not isinstance(values, list) or len(values) != len(order):
        raise problem(422, errors=[{"field": "query.cursor", "message": _("Invalid cursor: pass the next_cursor of "
                                                                         "the previous page unchanged.")}])
    out = []
    for value, key in zip(values, order, strict=True):
        if key.lstrip("-").endswith("_at"):
            value = parse_datetime(value) if isinstance(value, str) else None
            if value is not None and (timezone.is_naive(value) or not 1900 <= value.year <= 2200):
                value = None
        elif not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
            value = None
        if value is None:
            raise problem(422, errors=[{"field": "query.cursor", "message": _(
                "Invalid cursor: pass the next_cursor of the previous page unchanged.")}])
        out.append(value)
    return out


def page_of(qs, *, order: tuple[str, str], cursor: str | None, limit: int):
    """One page of ``qs`` ordered by ``order`` (a column and the id, both ascending or both descending) after
    ``cursor``; returns (items, next cursor or None). Keyset pagination: stable while rows are added."""
    from django.db.models import Q

    first, second = order
    descending = first.startswith("-")
    qs = qs.order_by(*order)
    if cursor:
        value, last_id = _decode(cursor, order)
        f, s = first.lstrip("-"), second.lstrip("-")
        op = "lt" if descending else "gt"
        qs = qs.filter(Q(**{f"{f}__{op}": value}) | Q(**{f: value, f"{s}__{op}": last_id}))
    rows = list(qs[: limit + 1])
    items = rows[:limit]
    if len(rows) <= limit:
        return items, None
    last = items[-1]
    return items, _encode([getattr(last, first.lstrip("-")), getattr(last, second.lstrip("-"))])


__all__ = [
    "Moment",
    "StrictSchema",
    "accepted",
    "audit_cases_read",
    "created",
    "field_problem",
    "page_of",
    "problem",
    "read_scope",
    "transcripts_read",
    "transcripts_write",
    "ui_lang",
    "web_form",
    "write_scope",
]
