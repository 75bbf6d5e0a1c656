"""What a route needs from the request: the acting user and token, scope checks, read auditing."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jalin.audit.services import record

from .errors import ApiProblem
from .models import ApiToken


def acting_token(request) -> ApiToken:
    return request.auth


def acting_user(request):
    """The token's user: pass it as ``actor=`` to services and as ``user`` to ``jalin.cases.access``."""
    return request.auth.user


def require_scopes(request, *scopes: str) -> None:
    missing = [s for s in scopes if s not in request.auth.scopes]
    if missing:
        raise ApiProblem("insufficient_scope",
                         _("This token lacks the scope(s): %(scopes)s.") % {"scopes": ", ".join(missing)},
                         required_scopes=list(scopes))


def audit_read(request, action: str, *, obj=None, case_id=None, counselee_id=None, **detail):
    """Record a read of counselee data, as the web view for the same data does (same ``action``).

    The token's id is added to the event automatically (``api_token``); never pass the token itself.
    """
    return record(action, actor=acting_user(request), obj=obj, case_id=case_id, counselee_id=counselee_id,
                  request=request, **detail)
