"""Administrators manage accounts, supervision assignments and organisation settings.

They never see counseling content: these pages show accounts and counts only.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jalin.audit.services import record
from jalin.cases.services import ServiceError

from . import services
from .forms import AssignmentForm, OrganisationForm, UserCreateForm, UserEditForm
from .models import SupervisorAssignment, User


def _admin(request):
    if not request.user.is_authenticated or not request.user.is_org_admin or request.user.organisation is None:
        raise Http404
    return request.user.organisation


@login_required
def users(request):
    org = _admin(request)
    members = list(User.objects.filter(organisation=org).order_by("role", "username"))
    assignments = SupervisorAssignment.objects.filter(supervisor__organisation=org, active=True).select_related(
        "supervisor", "supervisee")
    for member in members:
        member.may_confirm = member.needs_confirmation and not member.confirmed_at and services.may_confirm(
            request.user, member)
    return render(request, "accounts/users.html", {"members": members, "assignments": assignments,
                                                   "organisation": org})


@login_required
@require_POST
def user_confirm(request, user_id):
    org = _admin(request)
    try:
        member = User.objects.get(pk=user_id, organisation=org)
    except User.DoesNotExist:
        raise Http404 from None
    try:
        services.confirm_account(member, actor=request.user, request=request)
    except ServiceError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Account confirmed."))
    return redirect("admin_users")


@login_required
def user_new(request):
    _admin(request)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.create_account(actor=request.user, user=form.save(commit=False),
                                password=form.cleaned_data["password"], request=request)
        messages.success(request, _("Account created. Another administrator must confirm it before it can use "
                                    "emergency access."))
        return redirect("admin_users")
    return render(request, "cases/form.html", {"form": form, "title": _("New account")})


@login_required
def user_edit(request, user_id):
    org = _admin(request)
    try:
        member = User.objects.get(pk=user_id, organisation=org)
    except User.DoesNotExist:
        raise Http404 from None
    form = UserEditForm(request.POST or None, instance=member)
    if request.method == "POST" and form.is_valid():
        if member == request.user and (not form.cleaned_data["is_active"] or form.cleaned_data["role"] != "admin"):
            form.add_error(None, _("You cannot deactivate yourself or give up your own administrator role."))
        else:
            with transaction.atomic():
                form.save()
                record("account.update", actor=request.user, obj=member, request=request,
                       fields=",".join(sorted(form.changed_data))[:80])
            messages.success(request, _("Saved."))
            return redirect("admin_users")
    return render(request, "cases/form.html", {"form": form, "title": member.username})


@login_required
def assignment_new(request):
    org = _admin(request)
    form = AssignmentForm(org, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            link, _created = SupervisorAssignment.objects.update_or_create(
                supervisor=form.cleaned_data["supervisor"], supervisee=form.cleaned_data["supervisee"],
                defaults={"active": True, "programme": form.cleaned_data["programme"]})
            record("supervision.assign", actor=request.user, obj=link, request=request)
        messages.success(request, _("Supervision assigned."))
        return redirect("admin_users")
    return render(request, "cases/form.html", {"form": form, "title": _("Assign a supervisor")})


@login_required
@require_POST
def assignment_end(request, assignment_id):
    org = _admin(request)
    try:
        link = SupervisorAssignment.objects.get(pk=assignment_id, supervisor__organisation=org)
    except SupervisorAssignment.DoesNotExist:
        raise Http404 from None
    with transaction.atomic():
        link.active = False
        link.save(update_fields=["active"])
        record("supervision.end", actor=request.user, obj=link, request=request)
    return redirect("admin_users")


@login_required
def organisation(request):
    org = _admin(request)
    form = OrganisationForm(request.POST or None, instance=org)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
            record("organisation.update", actor=request.user, obj=org, request=request)
        messages.success(request, _("Saved."))
        return redirect("admin_users")
    return render(request, "cases/form.html", {"form": form, "title": _("Organisation settings")})
