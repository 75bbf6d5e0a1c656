"""The one door to counselee data. Views and services read cases only through these helpers.

Rule (kerahasiaan): a case is visible to its handling counselor, and to another user only
through an explicit, unexpired, unrevoked ``CaseAccess`` grant. Administrators manage accounts
and never read notes. "Missing" and "not yours" both raise ``Http404``.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404
from django.utils import timezone

from .models import Case, CaseAccess, Counselee, CounselingSession


def _active_grants(user) -> QuerySet[CaseAccess]:
    return CaseAccess.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=timezone.now())


def readable_cases_q(user, *, prefix: str = "") -> Q:
    """The condition "a case this user may read" (own cases, active grants), for a query on cases
    (``prefix=""``) or on rows that point to a case (``prefix="case__"``): the case's id is among the
    user's own cases' ids UNION the granted ones. Both halves use an index (counselor, grant's user), so
    the database never scans every case (``counselor = me OR id IN (subquery)`` would), and the grants
    are not read in a round trip of their own first."""
    if not user.is_authenticated or user.is_org_admin:
        return Q(pk__in=[])
    return Q(**{f"{prefix}pk__in": _readable_case_ids(user)})


def _readable_case_ids(user) -> RawSQL:
    """``SELECT id … UNION SELECT case_id …``, compiled here once: a page embeds it in several queries
    (the dashboard in seven), and compiling the union again in each cost about 0.5 ms of CPU per query."""
    own = Case.objects.filter(counselor=user).order_by().values("pk")
    granted = _active_grants(user).order_by().values("case_id")
    sql, params = own.union(granted).order_by().query.sql_with_params()
    return RawSQL(sql, params, output_field=Case._meta.pk)


def cases_for_user(user) -> QuerySet[Case]:
    if not user.is_authenticated or user.is_org_admin:
        return Case.objects.none()
    return Case.objects.filter(readable_cases_q(user)).select_related("counselee", "counselor")


def writable_cases_for_user(user) -> QuerySet[Case]:
    if not user.is_authenticated or user.is_org_admin:
        return Case.objects.none()
    granted = _active_grants(user).filter(can_write=True).values("case_id")
    return Case.objects.filter(Q(counselor=user) | Q(pk__in=granted))


def _readable_one_q(user, *, prefix: str = "") -> Q:
    # For one row by its key the grants' subquery costs nothing (the primary key decides) and saves the
    # query that readable_cases_q spends on reading the grants first.
    return Q(**{f"{prefix}counselor": user}) | Q(**{f"{prefix}pk__in": _active_grants(user).values("case_id")})


def _readable_cases_one_query(user) -> QuerySet[Case]:
    if not user.is_authenticated or user.is_org_admin:
        return Case.objects.none()
    return Case.objects.filter(_readable_one_q(user))


def get_case_for_user(user, case_id, *, write: bool = False, annotate: dict | None = None) -> Case:
    """The case, or 404. ``annotate``: expressions the caller's page needs, computed in the same query
    (e.g. whether the case has rows in a list the page shows); they do not change who may open it."""
    qs = writable_cases_for_user(user) if write else _readable_cases_one_query(user)
    if annotate:
        qs = qs.annotate(**annotate)
    try:
        return qs.select_related("counselee", "counselor").get(pk=int(case_id))
    except (Case.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_write(user, case: Case) -> bool:
    # Asked several times while one page is built (the page, its panels): remembered on the case instance,
    # which lives for one request.
    if user.is_authenticated and not user.is_org_admin and case.counselor_id == user.pk:
        return True  # the handling counselor's own case (writable_cases_for_user's first condition)
    remembered = case.__dict__.setdefault("_can_write_by_user", {})
    if user.pk not in remembered:
        remembered[user.pk] = writable_cases_for_user(user).filter(pk=case.pk).exists()
    return remembered[user.pk]


def can_see_restricted_note(user, case: Case) -> bool:
    """Restricted notes are for the handling counselor only: never supervisors, admins or exports."""
    return user.is_authenticated and case.counselor_id == user.pk


def counselees_for_user(user) -> QuerySet[Counselee]:
    """Counselees the user registered or whose case they can see."""
    if not user.is_authenticated or user.is_org_admin:
        return Counselee.objects.none()
    visible_cases = cases_for_user(user).values("counselee_id")
    return Counselee.objects.filter(Q(registered_by=user) | Q(pk__in=visible_cases)).distinct()


def get_counselee_for_user(user, counselee_id) -> Counselee:
    try:
        return counselees_for_user(user).get(pk=int(counselee_id))
    except (Counselee.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_session_for_user(user, session_id, *, write: bool = False, annotate: dict | None = None) -> CounselingSession:
    """The session with its case, or 404. ``annotate``: as for ``get_case_for_user``."""
    if write:
        allowed = Q(case__in=writable_cases_for_user(user))
    elif not user.is_authenticated or user.is_org_admin:
        raise Http404
    else:
        allowed = _readable_one_q(user, prefix="case__")  # as cases_for_user, without reading grants first
    sessions = CounselingSession.objects.annotate(**annotate) if annotate else CounselingSession.objects
    try:
        return sessions.select_related("case", "case__counselee").get(allowed, pk=int(session_id))
    except (CounselingSession.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def get_child_for_user(user, model, case: Case, pk):
    """A record hanging off a case the caller already opened through ``get_case_for_user``."""
    try:
        return model.objects.get(pk=int(pk), case=case)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
