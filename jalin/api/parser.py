"""The JSON body parser: only JSON content types, and a clear problem for anything it cannot read.

Deep nesting (e.g. 10,000 levels) stops the C decoder at Python's recursion limit with a
``RecursionError``, answered as a malformed request, never a 500.
"""

from __future__ import annotations

import json

from django.utils.translation import gettext as _
from ninja.parser import Parser

from .errors import ApiProblem


class JsonParser(Parser):
    def parse_body(self, request):
        content_type = (request.content_type or "").lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise ApiProblem("unsupported_media_type",
                             _("Send the body as JSON with Content-Type: application/json."))
        body = request.body
        try:
            return json.loads(body)
        except RecursionError:
            raise ApiProblem("malformed_request", _("The JSON nests too deeply.")) from None
        except ValueError as exc:
            where = ""
            if isinstance(exc, json.JSONDecodeError):
                where = _(" (line %(line)s, column %(column)s)") % {"line": exc.lineno, "column": exc.colno}
            raise ApiProblem("malformed_request",
                             _("The body is not valid JSON%(where)s.") % {"where": where}) from None
