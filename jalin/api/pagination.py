"""Cursor pagination over a queryset, newest first (keyset on the primary key: stable under inserts).

    page = paginate(qs, cursor=cursor, limit=limit)          # -> Page-shaped dict
    return page                                              # response=Page[CaseOut]

The cursor is opaque to clients (base64url of the last id); a cursor that does not decode is a 422
naming ``query.cursor``.
"""

from __future__ import annotations

import base64
import binascii

from django.utils.translation import gettext as _

from .errors import ApiProblem

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def encode_cursor(pk: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{pk}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, _sep, pk = raw.partition(":")
        if version != "v1" or not pk.isdigit():
            raise ValueError
        return int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ApiProblem("validation_failed", _("Some fields are not valid; see errors."), errors=[
            {"field": "query.cursor", "message": _("Not a cursor from this API: pass next_cursor as it came."),
             "type": "cursor"}]) from None


def paginate(queryset, *, cursor: str | None = None, limit: int | None = None) -> dict:
    """``{"items": [...], "next_cursor": ...}``: at most ``limit`` (1..200, default 50) rows, newest first."""
    limit = DEFAULT_LIMIT if limit is None else max(1, min(MAX_LIMIT, limit))
    qs = queryset.order_by("-pk")
    if cursor:
        qs = qs.filter(pk__lt=decode_cursor(cursor))
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": encode_cursor(rows[-1].pk) if more and rows else None}
