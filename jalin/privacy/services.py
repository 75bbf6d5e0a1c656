"""Writes for data protection: consents, data subject requests, erasure, disclosures, break-glass.

Same rules as ``jalin.cases.services``: one function per write, keyword-only ``actor``, one
transaction, one audit event holding ids and short codes only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalin.audit.services import record
from jalin.cases import access
from jalin.cases.models import Case, CaseAccess, Counselee
from jalin.cases.services import ServiceError
from jalin.core.crypto import EncryptedJSONField, EncryptedTextField

from .consent import latest_consents
from .graph import content_models, rows_for
from .models import DSR_DEADLINE, Consent, DataSubjectRequest, Disclosure

BREAK_GLASS_HOURS = 24


# --- who may do what ------------------------------------------------------------------------

def can_manage(user, counselee: Counselee) -> bool:
    """Record consents and requests: the counselor who registered the counselee or who can write one of its cases."""
    if not user.is_authenticated or user.is_org_admin:
        return False
    if counselee.registered_by_id == user.pk:
        return True
    return access.writable_cases_for_user(user).filter(counselee=counselee).exists()


def holds_every_case(user, counselee: Counselee) -> bool:
    """Erasure touches every case, so only a counselor who handles all of them may erase."""
    if not can_manage(user, counselee):
        return False
    return not Case.objects.filter(counselee=counselee).exclude(counselor=user).exists()


# --- consent --------------------------------------------------------------------------------

@transaction.atomic
def record_consent(counselee: Counselee, *, actor, data: dict, request=None) -> Consent:
    if not can_manage(actor, counselee):
        raise ServiceError(_("Only the counselor responsible for this counselee can record consent."))
    consent = Consent(counselee=counselee, recorded_by=actor, **data)
    if consent.kind == Consent.Kind.GUARDIAN:
        consent.given_by = Consent.GivenBy.GUARDIAN
    if consent.kind != Consent.Kind.RECORDING:
        consent.scope, consent.retention_days, consent.viewers = "", None, ""
    elif not consent.viewers:
        raise ServiceError(_("Say who may view the recordings."))
    if consent.given_on > timezone.localdate():
        raise ServiceError(_("The consent date is in the future."))
    consent.full_clean(exclude=["counselee", "recorded_by"])
    consent.save()
    record("consent.give", actor=actor, obj=consent, counselee_id=counselee.pk, request=request,
           kind=consent.kind, method=consent.method)
    return consent


@transaction.atomic
def withdraw_consent(consent: Consent, *, actor, withdrawn_on, reason: str, request=None) -> Consent:
    if not can_manage(actor, consent.counselee):
        raise ServiceError(_("Only the counselor responsible for this counselee can record a withdrawal."))
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.is_withdrawn:
        raise ServiceError(_("This consent was already withdrawn."))
    if not (reason or "").strip():
        raise ServiceError(_("Write the reason for the withdrawal (or 'none given')."))
    if withdrawn_on > timezone.localdate() or withdrawn_on < consent.given_on:
        raise ServiceError(_("The withdrawal date must be between the consent date and today."))
    consent.withdrawn_on = withdrawn_on
    consent.withdrawal_reason = reason.strip()
    consent.withdrawn_recorded_by = actor
    consent.save(update_fields=["withdrawn_on", "withdrawal_reason", "withdrawn_recorded_by"])
    record("consent.withdraw", actor=actor, obj=consent, counselee_id=consent.counselee_id, request=request,
           kind=consent.kind)
    return consent


def _withdraw_processing_for_objection(counselee: Counselee, *, actor, reason: str) -> Consent:
    """An upheld objection stops processing: withdraw the standing processing consent, or record one withdrawn."""
    current = latest_consents(counselee).get(Consent.Kind.PROCESSING)
    today = timezone.localdate()
    if current is not None and current.is_withdrawn:
        return current
    if current is None:
        # Processing so far rested on the service itself; record that basis and its end in one row.
        current = Consent.objects.create(counselee=counselee, kind=Consent.Kind.PROCESSING,
                                         given_on=min(today, timezone.localdate(counselee.created_at)),
                                         method=Consent.Method.VERBAL, recorded_by=actor)
    current.withdrawn_on, current.withdrawal_reason, current.withdrawn_recorded_by = today, reason, actor
    current.save(update_fields=["withdrawn_on", "withdrawal_reason", "withdrawn_recorded_by"])
    return current


# --- data subject requests -------------------------------------------------------------------

def due_for(received_at: datetime) -> datetime:
    return received_at + DSR_DEADLINE


@transaction.atomic
def create_request(counselee: Counselee, *, actor, data: dict, request=None) -> DataSubjectRequest:
    if not can_manage(actor, counselee):
        raise ServiceError(_("Only the counselor responsible for this counselee can record a request."))
    received_at = data.pop("received_at", None) or timezone.now()
    if received_at > timezone.now() + timedelta(minutes=5):
        raise ServiceError(_("The request cannot be received in the future."))
    dsr = DataSubjectRequest(counselee=counselee, received_at=received_at, due_at=due_for(received_at),
                             handler=actor, created_by=actor, **data)
    dsr.full_clean(exclude=["counselee", "handler", "created_by"])
    dsr.save()
    record("dsr.create", actor=actor, obj=dsr, counselee_id=counselee.pk, request=request, kind=dsr.kind)
    return dsr


def _ensure_handler(dsr: DataSubjectRequest, actor) -> None:
    if dsr.handler_id != actor.pk:
        raise ServiceError(_("Only the counselor handling this request can change it."))
    if not dsr.is_open:
        raise ServiceError(_("This request is already closed."))


@transaction.atomic
def start_request(dsr: DataSubjectRequest, *, actor, request=None) -> DataSubjectRequest:
    _ensure_handler(dsr, actor)
    dsr.status = DataSubjectRequest.Status.IN_PROGRESS
    dsr.save(update_fields=["status"])
    record("dsr.start", actor=actor, obj=dsr, counselee_id=dsr.counselee_id, request=request)
    return dsr


@transaction.atomic
def complete_request(dsr: DataSubjectRequest, *, actor, outcome: str, restrict: bool = False,
                     request=None) -> DataSubjectRequest:
    """Close a request as done. An upheld objection (``restrict``) stops further processing."""
    _ensure_handler(dsr, actor)
    if not (outcome or "").strip():
        raise ServiceError(_("Write what was done."))
    if dsr.kind == DataSubjectRequest.Kind.ERASURE:
        raise ServiceError(_("An erasure request is completed by erasing or anonymising the data."))
    if restrict:
        if dsr.kind != DataSubjectRequest.Kind.OBJECTION:
            raise ServiceError(_("Only an objection stops processing."))
        _withdraw_processing_for_objection(dsr.counselee, actor=actor, reason=outcome.strip())
    dsr.status, dsr.outcome, dsr.closed_at = DataSubjectRequest.Status.COMPLETED, outcome.strip(), timezone.now()
    dsr.save(update_fields=["status", "outcome", "closed_at"])
    record("dsr.complete", actor=actor, obj=dsr, counselee_id=dsr.counselee_id, request=request, kind=dsr.kind,
           restrict=restrict, late=dsr.closed_at > dsr.due_at)
    return dsr


@transaction.atomic
def refuse_request(dsr: DataSubjectRequest, *, actor, reason: str, request=None) -> DataSubjectRequest:
    """Refuse with a recorded reason, e.g. access that would harm the counselee's mental health."""
    _ensure_handler(dsr, actor)
    if not (reason or "").strip():
        raise ServiceError(_("A refusal needs a written reason."))
    dsr.status, dsr.refusal_reason, dsr.closed_at = DataSubjectRequest.Status.REFUSED, reason.strip(), timezone.now()
    dsr.save(update_fields=["status", "refusal_reason", "closed_at"])
    record("dsr.refuse", actor=actor, obj=dsr, counselee_id=dsr.counselee_id, request=request, kind=dsr.kind)
    return dsr


def overdue_requests_for_user(user, now=None):
    """Open requests past their 3 x 24-hour deadline that this user handles."""
    if not user.is_authenticated:
        return DataSubjectRequest.objects.none()
    return DataSubjectRequest.objects.filter(
        handler=user, status__in=[DataSubjectRequest.Status.RECEIVED, DataSubjectRequest.Status.IN_PROGRESS],
        due_at__lt=now or timezone.now()).select_related("counselee")


# --- erasure --------------------------------------------------------------------------------

def _empty_encrypted(model, rows, keep=()) -> int:
    fields = {f.name: ({} if isinstance(f, EncryptedJSONField) else "") for f in model._meta.concrete_fields
              if isinstance(f, EncryptedTextField) and f.name not in keep}
    if not fields:
        return 0
    return rows.update(**fields)


class Erasure:
    DELETE = "delete"
    ANONYMISE = "anonymise"


@transaction.atomic
def erase_counselee(dsr: DataSubjectRequest, *, actor, mode: str, request=None) -> DataSubjectRequest:
    """Answer an erasure request: delete the counselee's content, or anonymise where records must be kept.

    ``delete`` removes every case (and all that hangs off it). ``anonymise`` keeps the structure
    (dates, stages, statuses, scores' totals) for the organisation's duty to keep records but empties
    every encrypted content field. Either way the identity on the counselee row is replaced, the
    consent and request history stay (emptied of free text), and one audit event with ids is written.
    """
    _ensure_handler(dsr, actor)
    if dsr.kind != DataSubjectRequest.Kind.ERASURE:
        raise ServiceError(_("Only an erasure request can erase data."))
    if mode not in (Erasure.DELETE, Erasure.ANONYMISE):
        raise ServiceError(_("Choose deletion or anonymisation."))
    counselee = Counselee.objects.select_for_update().get(pk=dsr.counselee_id)
    if not holds_every_case(actor, counselee):
        raise ServiceError(_("Another counselor holds a case of this counselee; the erasure must be done by the "
                             "counselor who handles every case."))
    case_ids = list(Case.objects.filter(counselee=counselee).values_list("pk", flat=True))
    # Transcripts are nothing but what was said: even anonymisation keeps nothing of them.
    transcripts = _delete_transcripts(case_ids)
    if mode == Erasure.DELETE:
        # Most content cascades from the case; rows of other apps that only point at a session
        # (SET_NULL, e.g. a practice transcript) are deleted explicitly first.
        for model in content_models(Case):
            if model._meta.app_label not in ("cases", "measures", "privacy"):
                rows_for(model, Case, case_ids).delete()
        Case.objects.filter(pk__in=case_ids).delete()
    else:
        _strip_results(case_ids)  # before emptying: the score totals are kept
        _empty_encrypted(Case, Case.objects.filter(pk__in=case_ids))
        for model in content_models(Case):
            keep = ("result",) if model._meta.label_lower == "measures.administration" else ()
            _empty_encrypted(model, rows_for(model, Case, case_ids), keep=keep)
    for model in (Consent, DataSubjectRequest):
        _empty_encrypted(model, model.objects.filter(counselee=counselee))
    Counselee.objects.filter(pk=counselee.pk).update(
        name=f"[{counselee.code}]", birth_year=None, birth_date=None, gender=Counselee.Gender.UNSPECIFIED,
        affiliation="", contact="", guardian_name="", guardian_contact="", anonymised_at=timezone.now())
    dsr.refresh_from_db()
    dsr.status, dsr.closed_at = DataSubjectRequest.Status.COMPLETED, timezone.now()
    dsr.outcome = ""
    dsr.save(update_fields=["status", "closed_at", "outcome"])
    record("dsr.erase", actor=actor, obj=dsr, counselee_id=counselee.pk, request=request, mode=mode,
           cases=len(case_ids), transcripts=transcripts)
    return dsr


def _delete_transcripts(case_ids: list[int]) -> int:
    try:
        from jalin.practice.models import Transcript
    except ImportError:  # practice app absent
        return 0
    transcripts = Transcript.objects.filter(session__case_id__in=case_ids)
    count = transcripts.count()
    transcripts.delete()  # cascades to analysis jobs and label corrections
    return count


def _strip_results(case_ids: list[int]) -> None:
    """Anonymised measures keep only totals and bands (for statistics), not answers or critical item texts."""
    from jalin.measures.models import Administration

    for administration in Administration.objects.filter(case_id__in=case_ids):
        result = administration.result or {}
        kept = {k: result.get(k) for k in ("total", "subscales", "band", "version", "language") if k in result}
        Administration.objects.filter(pk=administration.pk).update(answers={}, result=kept)


# --- disclosure -----------------------------------------------------------------------------

@transaction.atomic
def record_disclosure(case: Case, *, actor, data: dict, alert=None, request=None) -> Disclosure:
    if not access.can_write(actor, case):
        raise ServiceError(_("Only a counselor who can write this case can record a disclosure."))
    if alert is not None and alert.case_id != case.pk:
        raise ServiceError(_("This alert belongs to another case."))
    disclosure = Disclosure(case=case, alert=alert, recorded_by=actor, **data)
    if not disclosure.counselee_told and not disclosure.counselee_not_told_reason.strip():
        raise ServiceError(_("Say why the counselee was not told, or tick that they were told."))
    if disclosure.informed_at > timezone.now() + timedelta(minutes=5):
        raise ServiceError(_("The disclosure time is in the future."))
    disclosure.full_clean(exclude=["case", "alert", "recorded_by"])
    disclosure.save()
    record("disclosure.record", actor=actor, obj=disclosure, case_id=case.pk, counselee_id=case.counselee_id,
           request=request, informed=disclosure.informed, told=disclosure.counselee_told,
           alert=alert.pk if alert is not None else None)
    return disclosure


# --- break-glass ----------------------------------------------------------------------------

@transaction.atomic
def break_glass(*, actor, case_code: str, reason: str, request=None) -> CaseAccess:
    """Emergency read access for a counselor of the same organisation: 24 hours, audited, the owner alerted."""
    from jalin.accounts.services import may_break_glass
    from jalin.measures.services import raise_alert

    reason = (reason or "").strip()
    if not actor.is_authenticated or actor.is_org_admin or actor.organisation_id is None:
        raise ServiceError(_("Only counselors can request emergency access."))
    if not may_break_glass(actor):
        raise ServiceError(_("An administrator created this account and no second administrator has confirmed it "
                             "yet, so it cannot use emergency access. Ask another administrator to confirm it."))
    if len(reason) < 10:
        raise ServiceError(_("Write the reason for emergency access (at least 10 characters)."))
    case = Case.objects.filter(code=(case_code or "").strip().upper(),
                               counselor__organisation_id=actor.organisation_id).first()
    if case is None:  # same answer for "no such case" and "another organisation's case"
        raise ServiceError(_("No case with that code in your organisation."))
    if access.cases_for_user(actor).filter(pk=case.pk).exists():
        raise ServiceError(_("You can already see this case."))
    first_by_admin_created = actor.needs_confirmation and not CaseAccess.objects.filter(
        user=actor, purpose=CaseAccess.Purpose.BREAK_GLASS).exists()
    grant = CaseAccess.objects.create(case=case, user=actor, purpose=CaseAccess.Purpose.BREAK_GLASS,
                                      can_write=False, reason=reason, granted_by=actor,
                                      expires_at=timezone.now() + timedelta(hours=BREAK_GLASS_HOURS))
    record("case.break_glass", actor=actor, obj=grant, case_id=case.pk, counselee_id=case.counselee_id,
           request=request, hours=BREAK_GLASS_HOURS, **({"first_by_admin_created": True} if first_by_admin_created
                                                          else {}))
    if first_by_admin_created:
        # Every administrator sees it on their home page (admin_created_break_glass); the handling
        # counselor gets a critical alert that says who created and who confirmed the account.
        creator = actor.created_by.get_username() if actor.created_by else "?"
        confirmer = actor.confirmed_by.get_username() if actor.confirmed_by else "?"
        raise_alert(case, code="break_glass_admin_created", severity="critical", source="break_glass",
                    source_ref=f"grant:{grant.pk}",
                    reason_id=f"Akses darurat pertama oleh akun {actor.get_username()}, yang dibuat administrator "
                              f"{creator} dan dikonfirmasi {confirmer}. Pastikan akses ini sah.",
                    reason_en=f"First emergency access by the account {actor.get_username()}, created by "
                              f"administrator {creator} and confirmed by {confirmer}. Make sure it is legitimate.",
                    actor=actor, request=request)
    raise_alert(case, code="break_glass", severity="warning", source="break_glass", source_ref=f"grant:{grant.pk}",
                reason_id=f"Akses darurat (break-glass) dibuka oleh {actor.get_username()} selama "
                          f"{BREAK_GLASS_HOURS} jam. Periksa alasannya.",
                reason_en=f"Emergency (break-glass) access opened by {actor.get_username()} for "
                          f"{BREAK_GLASS_HOURS} hours. Review the reason.",
                actor=actor, request=request)
    return grant


def admin_created_break_glass(organisation, *, days: int = 90) -> list[dict]:
    """For every administrator: first emergency accesses by accounts an administrator created (no case)."""
    since = timezone.now() - timedelta(days=days)
    rows = (CaseAccess.objects.filter(purpose=CaseAccess.Purpose.BREAK_GLASS, user__organisation=organisation,
                                      user__needs_confirmation=True)
            .values("user__username", "user__created_by__username", "user__confirmed_by__username")
            .annotate(first=Min("created_at"), count=Count("id")).order_by("-first"))
    return [row for row in rows if row["first"] >= since]


def break_glass_counts(organisation, *, days: int = 90) -> list[dict]:
    """For administrators: how many emergency accesses each counselor opened; no cases, no reasons."""
    since = timezone.now() - timedelta(days=days)
    return list(CaseAccess.objects.filter(purpose=CaseAccess.Purpose.BREAK_GLASS, created_at__gte=since,
                                          user__organisation=organisation)
                .values("user__username").annotate(count=Count("id")).order_by("-count", "user__username"))


__all__ = ["BREAK_GLASS_HOURS", "Erasure", "admin_created_break_glass", "break_glass", "break_glass_counts", "can_manage",
           "complete_request", "create_request", "due_for", "erase_counselee", "holds_every_case",
           "overdue_requests_for_user", "record_consent", "record_disclosure", "refuse_request", "start_request",
           "withdraw_consent"]
