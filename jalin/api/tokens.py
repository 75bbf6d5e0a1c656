"""Creating, finding and revoking personal access tokens. The only place tokens are written.

A token reads ``jalin_<prefix>_<secret>``: the prefix (12 hex characters, not secret) finds the row,
the SHA-256 digest of the whole token is compared in constant time. The secret has 256 bits of
entropy, so a plain (unsalted, unkeyed) digest cannot be reversed and does not depend on SECRET_KEY.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalin.audit.services import record

from .models import SCOPES, ApiToken

TOKEN_PREFIX = "jalin_"
MAX_DAYS = 365
LAST_USED_RESOLUTION = timedelta(minutes=1)  # last use is written at most once a minute per token


class TokenError(Exception):
    """A token request refused for a reason the user can act on; ``field`` names the input."""

    def __init__(self, field: str, message) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the whole token string: shown once, never stored


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _clean_scopes(scopes) -> list[str]:
    chosen = [s for s in SCOPES if s in set(scopes or ())]
    unknown = set(scopes or ()) - set(SCOPES)
    if unknown:
        raise TokenError("scopes", _("Unknown scope. Choose from: read, write, transcripts."))
    if not chosen:
        raise TokenError("scopes", _("Choose at least one scope."))
    return chosen


def create_token(*, actor, name: str, scopes, days: int, request=None) -> NewToken:
    name = (name or "").strip()
    if not name:
        raise TokenError("name", _("Give the token a name, e.g. the system that will use it."))
    if len(name) > 100:
        raise TokenError("name", _("The name may be at most 100 characters long."))
    chosen = _clean_scopes(scopes)
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise TokenError("days", _("A token expires after 1 to 365 days."))
    prefix = secrets.token_hex(6)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(user=actor, name=name, prefix=prefix, digest=digest(raw), scopes=chosen,
                                        expires_at=timezone.now() + timedelta(days=days))
        record("api_token.create", actor=actor, obj=token, request=request, scopes=",".join(chosen), days=days)
    return NewToken(token, raw)


def find_token(raw: str) -> ApiToken | None:
    """The token row for a presented token string, whatever its state; None when nothing matches."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    prefix, sep, _secret = raw[len(TOKEN_PREFIX):].partition("_")
    if not sep or len(prefix) != 12:
        return None
    token = ApiToken.objects.select_related("user", "user__organisation").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.digest, digest(raw)):
        return None
    return token


def touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def tokens_for(user) -> QuerySet[ApiToken]:
    """The user's own tokens."""
    return ApiToken.objects.filter(user=user).select_related("user")


def organisation_tokens(user) -> QuerySet[ApiToken]:
    """For an organisation's administrator: every token of its members (their own included)."""
    if not user.is_authenticated or not user.is_org_admin or user.organisation_id is None:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user__organisation_id=user.organisation_id).select_related("user")


def get_revocable(user, token_id) -> ApiToken:
    """A token the user may revoke (their own, or their organisation's if they administer it); else 404."""
    try:
        pk = int(token_id)
    except (TypeError, ValueError):
        raise Http404 from None
    token = (tokens_for(user).filter(pk=pk).first() or organisation_tokens(user).filter(pk=pk).first())
    if token is None:
        raise Http404
    return token


def revoke_token(token: ApiToken, *, actor, request=None) -> ApiToken:
    """Refused from the next request on. Revoking twice changes nothing."""
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=actor)
        token.refresh_from_db(fields=["revoked_at", "revoked_by"])
        if updated:
            record("api_token.revoke", actor=actor, obj=token, request=request,
                   owner=str(token.user_id), own=token.user_id == actor.pk)
    return token
