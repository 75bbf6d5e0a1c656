"""Bearer-token authentication: the token acts as its user, through the same doors as the web.

Only ``Authorization: Bearer <token>`` authenticates the API: session cookies never do (the API
middleware makes the session user anonymous on /api/), so CSRF does not apply to it (ninja's views
are CSRF-exempt; a cross-site page cannot read or set the header).

The scopes a route needs: by default ``read`` for GET/HEAD/OPTIONS and ``write`` for everything
else; ``TokenAuth("read", "transcripts")`` names them explicitly.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from jalin.audit.services import _bound_detail

from . import tokens
from .errors import ApiProblem

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"
    openapi_description = "Personal access token (profile page): Authorization: Bearer jalin_..."

    def __init__(self, *scopes: str) -> None:
        super().__init__()
        self.scopes = scopes

    def authenticate(self, request, token: str):
        found = tokens.find_token(token)
        if found is None or not found.is_active or not found.user.is_active:
            return None  # 401, the same answer for unknown, expired and revoked tokens
        from jalin.accounts.twofactor import must_enrol

        user = found.user
        if must_enrol(user):
            raise ApiProblem("two_factor_required",
                             _("Set up two-factor login on the web before using the API."))
        needed = self.scopes or (("read",) if request.method in SAFE_METHODS else ("write",))
        missing = [s for s in needed if s not in found.scopes]
        if missing:
            raise ApiProblem("insufficient_scope",
                             _("This token lacks the scope(s): %(scopes)s.") % {"scopes": ", ".join(missing)},
                             required_scopes=list(needed))
        tokens.touch(found)
        request.user = user  # the acting user for everything downstream (services get it as actor)
        bound = _bound_detail.get()
        if bound is not None:
            bound["api_token"] = str(found.pk)  # every audit event of this request names the token (id only)
        return found


token_auth = TokenAuth()
