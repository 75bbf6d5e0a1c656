"""Account writes done by administrators: creating accounts and the second person's confirmation.

The rule (docs/security.md §2.6): an administrator could create a counselor account, log in with the
password they chose and break glass on any case. So an account an administrator creates cannot break
glass until a second person confirms it: another administrator, who did not create it and whose own
account is confirmed. The organisation's head confirms by holding such an administrator account
(made with ``jalin createuser`` if there is only one administrator).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalin.audit.services import record
from jalin.cases.services import ServiceError

from .models import User


@transaction.atomic
def create_account(*, actor: User, user: User, password: str, request=None) -> User:
    """An administrator creates an account in their organisation; it awaits a second person's confirmation."""
    user.organisation = actor.organisation
    user.created_by = actor
    user.needs_confirmation = True
    user.set_password(password)
    user.save()
    record("account.create", actor=actor, obj=user, request=request, role=user.role, confirmed=False)
    return user


def may_confirm(actor: User, member: User) -> bool:
    return (actor.is_authenticated and actor.is_org_admin and actor.is_active and actor.is_confirmed
            and actor.organisation_id is not None and actor.organisation_id == member.organisation_id
            and actor.pk != member.pk and actor.pk != member.created_by_id)


@transaction.atomic
def confirm_account(member: User, *, actor: User, request=None) -> User:
    """The second person vouches that the account belongs to the person it names."""
    member = User.objects.select_for_update().get(pk=member.pk)
    if not member.needs_confirmation or member.confirmed_at is not None:
        raise ServiceError(_("This account needs no confirmation."))
    if not may_confirm(actor, member):
        raise ServiceError(_("Another administrator must confirm this account: not the one who created it, and "
                             "one whose own account is confirmed."))
    member.confirmed_by, member.confirmed_at = actor, timezone.now()
    member.save(update_fields=["confirmed_by", "confirmed_at"])
    record("account.confirm", actor=actor, obj=member, request=request, created_by=member.created_by_id)
    return member


def may_break_glass(user: User) -> bool:
    return (user.is_authenticated and not user.is_org_admin and user.organisation_id is not None
            and user.is_confirmed)


__all__ = ["confirm_account", "create_account", "may_break_glass", "may_confirm"]
