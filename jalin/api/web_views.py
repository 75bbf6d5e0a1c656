"""The profile page's API-token section: create (shown once), list with last use, revoke.

Organisation administrators also see, and may revoke, the tokens of their organisation's members.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import tokens
from .forms import TokenForm


def _page(request, form, new_secret=None, status=200):
    user = request.user
    org_tokens = tokens.organisation_tokens(user).exclude(user=user).order_by("user__username", "-created_at")
    return render(request, "api/tokens.html", {
        "form": form, "new_secret": new_secret, "own_tokens": tokens.tokens_for(user),
        "org_tokens": org_tokens, "is_admin": user.is_org_admin,
    }, status=status)


@login_required
def token_list(request):
    if request.method != "POST":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            new = tokens.create_token(actor=request.user, name=form.cleaned_data["name"],
                                      scopes=form.cleaned_data["scopes"], days=form.cleaned_data["days"],
                                      request=request)
        except tokens.TokenError as exc:
            form.add_error(exc.field, exc.message)
        else:
            # Shown once, on this answer only (never stored, never in a URL or a message in the session).
            return _page(request, TokenForm(), new_secret=new.secret)
    return _page(request, form)


@login_required
@require_POST
def token_revoke(request, token_id):
    token = tokens.get_revocable(request.user, token_id)
    tokens.revoke_token(token, actor=request.user, request=request)
    messages.success(request, _("Token revoked: it is refused from the next request on."))
    return redirect("api_tokens")
