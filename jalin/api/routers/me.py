"""GET /api/v1/me: who the token acts as, and the token itself (never its secret)."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema

from ..context import acting_token, acting_user

router = Router(tags=["me"])


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    expires_at: datetime
    created_at: datetime


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    role: str
    is_trainee: bool
    organisation: str | None
    language: str
    token: TokenOut


@router.get("/me", response=MeOut, summary="The account this token acts as")
def me(request):
    user, token = acting_user(request), acting_token(request)
    return {
        "id": user.pk, "username": user.get_username(), "display_name": user.display_name, "role": user.role,
        "is_trainee": user.is_trainee, "organisation": user.organisation.name if user.organisation_id else None,
        "language": user.language, "token": token,
    }
