"""Every write to a case goes through one function here: keyword-only ``actor``, one transaction,
one audit event, and a ``CaseEvent`` for the changes a supervisor needs to see (stage moves,
overrides, closure, referral). Views stay thin and never save models themselves.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jalin.audit.services import record
from jalin.privacy.consent import require_processing

from . import stages
from .models import (
    ActionStep,
    Appointment,
    Case,
    CaseAccess,
    CaseConference,
    CaseEvent,
    CaseTask,
    ContractVersion,
    Counselee,
    CounselingSession,
    FollowUp,
    HomeVisit,
    Referral,
)


class ServiceError(Exception):
    """A write refused for a reason the user can act on; ``messages`` are translated texts."""

    def __init__(self, *messages) -> None:
        super().__init__(*messages)
        self.messages = [str(m) for m in messages]


class ConflictError(ServiceError):
    def __init__(self) -> None:
        super().__init__(_("Someone else changed this case while you were editing. "
                           "Your changes were not saved; reload the page and try again."))


class GuardError(ServiceError):
    def __init__(self, failures: list[stages.GuardFailure]) -> None:
        self.failures = failures
        super().__init__(*[f.message for f in failures])


def _bump_version(case: Case, expected_version: int | None) -> None:
    """Optimistic lock: refuse a write based on a stale view of the case."""
    qs = Case.objects.filter(pk=case.pk)
    if expected_version is not None:
        qs = qs.filter(version=expected_version)
    if qs.update(version=F("version") + 1, updated_at=timezone.now()) != 1:
        raise ConflictError()
    case.refresh_from_db(fields=["version", "updated_at"])


def _ensure_open(case: Case) -> None:
    if not case.is_open:
        raise ServiceError(_("This case is closed. Reopen it before changing it."))


def _event(case: Case, kind: str, *, actor, **fields) -> CaseEvent:
    return CaseEvent.objects.create(case=case, kind=kind, actor=actor, **fields)


# Stage tasks that a record accomplishes: saving the record ticks the task (linked to it), and the
# stage guards read the ticks. The counselor does not tick these by hand; the record is the proof.
RECORD_TASKS = {
    "problem_definition": "case", "conclusion": "case", "contract_time": "contract", "contract_task": "contract",
    "action_plan": "action_step", "evaluation": "session", "next_appointment": "appointment",
    "referral": "referral",
}


def tick_by_record(case: Case, task: str, record_obj, *, actor, kind: str = "", session=None) -> CaseTask:
    """A record accomplished ``task``: tick it, linked to the record (an earlier tick now points to it)."""
    kind = kind or RECORD_TASKS[task]
    fields = {"source": CaseTask.Source.RECORD, "record_kind": kind, "record_id": record_obj.pk,
              "session": session}
    done, created = CaseTask.objects.get_or_create(case=case, task=task, defaults={"done_by": actor, **fields})
    if created:
        _event(case, CaseEvent.Kind.TASK, actor=actor, code=task, to_stage=case.stage)
    elif done.source != CaseTask.Source.RECORD:
        CaseTask.objects.filter(pk=done.pk).update(**fields)
    return done


def _untick_record(case: Case, task: str) -> None:
    """The record that ticked ``task`` was emptied: the task is open again."""
    CaseTask.objects.filter(case=case, task=task, source=CaseTask.Source.RECORD).delete()


def _next_code(model, prefix: str) -> str:
    year = timezone.localdate().year
    stem = f"{prefix}-{year}-"
    last = model.objects.filter(code__startswith=stem).order_by("-code").values_list("code", flat=True).first()
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{stem}{number:04d}"


def _save_with_code(instance, prefix: str) -> None:
    """Allocate a readable code; retry once if a concurrent insert took the same one."""
    for _attempt in range(3):
        instance.code = _next_code(type(instance), prefix)
        try:
            with transaction.atomic():
                instance.save()
            return
        except IntegrityError:
            instance.pk = None
    raise ServiceError(_("Could not allocate a code; please try again."))


# --- counselees -----------------------------------------------------------------------------

ADULT_AGE = 18  # UU 35/2014 Perlindungan Anak: a child is anyone under 18


def minor_by_birth(birth_year: int | None, birth_date=None, on=None) -> bool | None:
    """Whether someone born then is a minor on ``on`` (today by default): True, False, or None when the
    birth year alone cannot tell (they turn 18 during that year)."""
    on = on or timezone.localdate()
    if birth_date:
        age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
        return age < ADULT_AGE
    if not birth_year:
        return None
    if on.year - birth_year < ADULT_AGE:
        return True
    if on.year - birth_year > ADULT_AGE:
        return False
    return None


def _derive_minor(counselee: Counselee) -> None:
    """A counselee whose birth shows they are under 18 is a minor, ticked or not: guardian rules follow."""
    if minor_by_birth(counselee.birth_year, counselee.birth_date):
        counselee.is_minor = True


@transaction.atomic
def create_counselee(*, actor, data: dict, request=None) -> Counselee:
    counselee = Counselee(organisation=actor.organisation, registered_by=actor, **data)
    _derive_minor(counselee)
    _save_with_code(counselee, "KL")
    record("counselee.create", actor=actor, obj=counselee, counselee_id=counselee.pk, request=request)
    return counselee


@transaction.atomic
def update_counselee(counselee: Counselee, *, actor, data: dict, request=None) -> Counselee:
    for key, value in data.items():
        setattr(counselee, key, value)
    _derive_minor(counselee)
    counselee.save()
    record("counselee.update", actor=actor, obj=counselee, counselee_id=counselee.pk, request=request,
           fields=",".join(sorted(data))[:80])
    return counselee


# --- cases ----------------------------------------------------------------------------------

@transaction.atomic
def open_case(*, actor, counselee: Counselee, data: dict, request=None) -> Case:
    require_processing(counselee)
    case = Case(counselee=counselee, counselor=actor, opened_on=data.pop("opened_on", None) or timezone.localdate(),
                **data)
    _save_with_code(case, "KS")
    _event(case, CaseEvent.Kind.OPENED, actor=actor, to_stage=case.stage)
    record("case.create", actor=actor, obj=case, case_id=case.pk, counselee_id=counselee.pk, request=request)
    return case


@transaction.atomic
def update_case(case: Case, *, actor, data: dict, expected_version: int | None, request=None) -> Case:
    _bump_version(case, expected_version)
    for key, value in data.items():
        setattr(case, key, value)
    case.save(update_fields=[*data, "updated_at"])
    if case.is_open:
        # Writing the agreed problem or the conclusions down is that task; same transaction.
        for field, task in (("problem_definition", "problem_definition"), ("conclusions", "conclusion")):
            if field not in data:
                continue
            if (data[field] or "").strip():
                tick_by_record(case, task, case, actor=actor)
            else:
                _untick_record(case, task)
    record("case.update", actor=actor, obj=case, case_id=case.pk, counselee_id=case.counselee_id,
           request=request, fields=",".join(sorted(data))[:80])
    return case


@transaction.atomic
def set_task(case: Case, task: str, done: bool, *, actor, session=None, source=CaseTask.Source.MANUAL,
             request=None) -> None:
    from jalin.analysis.taxonomy import taxonomy

    if task not in taxonomy().tasks:
        raise ServiceError(_("Unknown stage task."))
    _ensure_open(case)
    if task in RECORD_TASKS and source == CaseTask.Source.MANUAL:
        if done and case.tasks.filter(task=task).exists():
            return  # already done by its record
        raise ServiceError(_("This task is done by saving its record (form), not by ticking it."))
    if done:
        _task, created = CaseTask.objects.get_or_create(
            case=case, task=task, defaults={"done_by": actor, "session": session, "source": source})
        if created:
            _event(case, CaseEvent.Kind.TASK, actor=actor, code=task, to_stage=case.stage)
    else:
        CaseTask.objects.filter(case=case, task=task).delete()
    record("case.task", actor=actor, obj=case, case_id=case.pk, counselee_id=case.counselee_id, request=request,
           task=task, done=done)


@transaction.atomic
def change_stage(case: Case, target: str, *, actor, expected_version: int | None, override_reason: str = "",
                 request=None) -> Case:
    """Move a case to another stage. Guards apply; a written reason overrides them and is recorded."""
    if target not in stages.STAGES:
        raise ServiceError(_("Unknown stage."))
    _ensure_open(case)
    if target == case.stage:
        raise ServiceError(_("The case is already in this stage."))
    failures = stages.check_guards(case, target) if stages.STAGES.index(target) > stages.STAGES.index(case.stage) \
        else []
    override_reason = override_reason.strip()
    if failures and not override_reason:
        raise GuardError(failures)
    _bump_version(case, expected_version)
    previous = case.stage
    if failures:
        _event(case, CaseEvent.Kind.OVERRIDE, actor=actor, from_stage=previous, to_stage=target,
               code=",".join(f.code for f in failures)[:40], reason=override_reason)
    case.stage = target
    if case.status == Case.Status.BARU:
        case.status = Case.Status.PENANGANAN
    case.save(update_fields=["stage", "status", "updated_at"])
    _event(case, CaseEvent.Kind.STAGE, actor=actor, from_stage=previous, to_stage=target)
    record("case.stage", actor=actor, obj=case, case_id=case.pk, counselee_id=case.counselee_id, request=request,
           from_stage=previous, to_stage=target, override=bool(failures))
    return case


def _has_upcoming_appointment(case: Case) -> bool:
    return case.appointments.filter(status=Appointment.Status.SCHEDULED, starts_at__gte=timezone.now()).exists()


@transaction.atomic
def close_case(case: Case, *, actor, expected_version: int | None, closure_reason: str = "",
               override_reason: str = "", request=None) -> Case:
    _ensure_open(case)
    if closure_reason and closure_reason not in Case.ClosureReason.values:
        raise ServiceError(_("Unknown closure reason."))
    if closure_reason == Case.ClosureReason.REFERRED:
        return _close_as_referred(case, actor=actor, expected_version=expected_version, request=request)
    failures = stages.check_guards(case, stages.CLOSED)
    if not closure_reason and not _has_upcoming_appointment(case):
        failures.append(stages.GuardFailure("needs_next_or_reason"))
    override_reason = override_reason.strip()
    if failures and not override_reason:
        raise GuardError(failures)
    _bump_version(case, expected_version)
    if failures:
        _event(case, CaseEvent.Kind.OVERRIDE, actor=actor, from_stage=case.stage, to_stage="closed",
               code=",".join(f.code for f in failures)[:40], reason=override_reason)
    if closure_reason:
        # "the next meeting, or why the case closes": the closure reason is that record.
        tick_by_record(case, "next_appointment", case, actor=actor, kind="case")
    case.status = Case.Status.SELESAI
    case.closure_reason = closure_reason or Case.ClosureReason.RESOLVED
    case.closed_at = timezone.now()
    case.save(update_fields=["status", "closure_reason", "closed_at", "updated_at"])
    _event(case, CaseEvent.Kind.CLOSED, actor=actor, from_stage=case.stage, code=case.closure_reason)
    record("case.close", actor=actor, obj=case, case_id=case.pk, counselee_id=case.counselee_id, request=request,
           reason=case.closure_reason, override=bool(failures))
    return case


def _close_as_referred(case: Case, *, actor, expected_version: int | None, request=None) -> Case:
    """A referral the receiver accepted hands the case over: it closes as referred, from any stage."""
    if not case.referrals.filter(status__in=[Referral.Status.ACCEPTED, Referral.Status.COMPLETED]).exists():
        raise ServiceError(_("Close a case as referred once the receiver has accepted the referral."))
    _bump_version(case, expected_version)
    tick_by_record(case, "next_appointment", case, actor=actor, kind="case")
    case.status = Case.Status.DIRUJUK
    case.closure_reason = Case.ClosureReason.REFERRED
    case.closed_at = timezone.now()
    case.save(update_fields=["status", "closure_reason", "closed_at", "updated_at"])
    _event(case, CaseEvent.Kind.CLOSED, actor=actor, from_stage=case.stage, code=case.closure_reason)
    record("case.close", actor=actor, obj=case, case_id=case.pk, counselee_id=case.counselee_id, request=request,
           reason=case.closure_reason, override=False)
    return case


@transaction.atomic
def reopen_case(case: Case, *, actor, expected_version: int | None, reason: str, request=None) -> Case:
    if case.is_open:
        raise ServiceError(_("This case is already open."))
    if not reason.strip():
        raise ServiceError(_("Write why the case is reopened."))
    _bump_version(case, expected_version)
    case.status = Case.Status.PENANGANAN
    case.closure_reason = ""
    case.closed_at = None
    case.save(update_fields=["status", "closure_reason", "closed_at", "updated_at"])
    _event(case, CaseEvent.Kind.REOPENED, actor=actor, to_stage=case.stage, reason=reason.strip())
    record("case.reopen", actor=actor, obj=case, case_id=case.pk, counselee_id=case.counselee_id, request=request)
    return case


# --- contract, sessions, plan ---------------------------------------------------------------

@transaction.atomic
def agree_contract(case: Case, *, actor, data: dict, request=None) -> ContractVersion:
    _ensure_open(case)
    require_processing(case.counselee)
    if data["period_end"] < data["period_start"]:
        raise ServiceError(_("The contract period ends before it starts."))
    number = (case.contract_versions.aggregate(n=Max("number"))["n"] or 0) + 1
    contract = ContractVersion.objects.create(case=case, number=number, created_by=actor, **data)
    for task in ("contract_time", "contract_task"):
        tick_by_record(case, task, contract, actor=actor)
    _event(case, CaseEvent.Kind.CONTRACT, actor=actor, code=f"v{number}", to_stage=case.stage)
    _bump_version(case, None)
    record("contract.agree", actor=actor, obj=contract, case_id=case.pk, counselee_id=case.counselee_id,
           request=request, version=number)
    return contract


@transaction.atomic
def record_session(case: Case, *, actor, data: dict, request=None) -> CounselingSession:
    _ensure_open(case)
    require_processing(case.counselee)
    number = (case.sessions.aggregate(n=Max("number"))["n"] or 0) + 1
    session = CounselingSession.objects.create(case=case, number=number, created_by=actor, **data)
    if session.has_evaluation:
        tick_by_record(case, "evaluation", session, actor=actor, session=session)
    if case.status == Case.Status.BARU:
        case.status = Case.Status.PENANGANAN
        case.save(update_fields=["status", "updated_at"])
    _bump_version(case, None)
    record("session.create", actor=actor, obj=session, case_id=case.pk, counselee_id=case.counselee_id,
           request=request, number=number)
    return session


@transaction.atomic
def update_session(session: CounselingSession, *, actor, data: dict, expected_version: int | None,
                   request=None) -> CounselingSession:
    qs = CounselingSession.objects.filter(pk=session.pk)
    if expected_version is not None:
        qs = qs.filter(version=expected_version)
    if qs.update(version=F("version") + 1) != 1:
        raise ConflictError()
    for key, value in data.items():
        setattr(session, key, value)
    session.version = (expected_version or session.version) + 1
    session.save()
    if session.has_evaluation and session.case.is_open:
        tick_by_record(session.case, "evaluation", session, actor=actor, session=session)
    record("session.update", actor=actor, obj=session, case_id=session.case_id,
           counselee_id=session.case.counselee_id, request=request)
    return session


def _save_child(instance, action: str, *, actor, request=None, then=None, **detail):
    instance.full_clean(exclude=["case", "created_by"])
    instance.save()
    if then is not None:
        # What the saved record brings about (a ticked task) is written before the audit event: the event
        # locks the chain's head until the transaction commits, so it comes last (audit.services.record).
        then(instance)
    case = instance.case
    record(action, actor=actor, obj=instance, case_id=case.pk, counselee_id=case.counselee_id, request=request,
           **detail)
    return instance


@transaction.atomic
def save_action_step(step: ActionStep, *, actor, request=None) -> ActionStep:
    creating = step.pk is None
    if creating:
        _ensure_open(step.case)
        require_processing(step.case.counselee)
    _save_child(step, "action_step.create" if creating else "action_step.update", actor=actor, request=request,
                then=(lambda saved: tick_by_record(saved.case, "action_plan", saved, actor=actor)) if creating else None)
    return step


@transaction.atomic
def save_follow_up(follow_up: FollowUp, *, actor, request=None) -> FollowUp:
    creating = follow_up.pk is None
    if creating:
        require_processing(follow_up.case.counselee)
    return _save_child(follow_up, "follow_up.create" if creating else "follow_up.update", actor=actor,
                       request=request)


@transaction.atomic
def save_appointment(appointment: Appointment, *, actor, request=None) -> Appointment:
    creating = appointment.pk is None
    if not 5 <= appointment.duration_minutes <= 480:
        raise ServiceError(_("An appointment lasts between 5 and 480 minutes."))
    if creating:
        _ensure_open(appointment.case)
        require_processing(appointment.case.counselee)
        if appointment.starts_at < timezone.now() - timedelta(minutes=5):
            raise ServiceError(_("A new appointment must be in the future."))
    ticks = creating and appointment.case.stage == "akhir"
    _save_child(appointment, "appointment.create" if creating else "appointment.update", actor=actor,
                request=request,
                then=(lambda saved: tick_by_record(saved.case, "next_appointment", saved, actor=actor)) if ticks
                else None)
    return appointment


@transaction.atomic
def save_home_visit(visit: HomeVisit, *, actor, request=None) -> HomeVisit:
    if visit.pk is None:
        require_processing(visit.case.counselee)
        visit.created_by = actor
    return _save_child(visit, "home_visit.save", actor=actor, request=request)


@transaction.atomic
def save_conference(conference: CaseConference, *, actor, request=None) -> CaseConference:
    if not conference.participants_bound_to_confidentiality:
        raise ServiceError(_("A case conference is a closed meeting: confirm the participants agreed to keep "
                             "it confidential."))
    if conference.pk is None:
        require_processing(conference.case.counselee)
        conference.created_by = actor
    return _save_child(conference, "conference.save", actor=actor, request=request)


# --- referral -------------------------------------------------------------------------------

def _referral_problems(referral: Referral) -> list:
    case = referral.case
    problems = []
    if not referral.counselee_consent:
        problems.append(_("The counselee's consent to the referral is required."))
    if case.counselee.is_minor and not referral.guardian_consent:
        problems.append(_("The counselee is a minor: the parent's or guardian's consent is required."))
    if referral.external and not referral.head_permission:
        problems.append(_("An external referral needs the permission of the head of the organisation."))
    return problems


@transaction.atomic
def refer_case(referral: Referral, *, actor, expected_version: int | None, request=None) -> Referral:
    """Alih tangan kasus: record the referral (draft or sent). The case stays open: the counselor closes it
    as referred once the receiver has accepted (close_case with the 'referred' reason)."""
    case = referral.case
    _ensure_open(case)
    require_processing(case.counselee)
    problems = _referral_problems(referral)
    if referral.status not in (Referral.Status.DRAFT, Referral.Status.SENT):
        problems.append(_("A new referral is a draft or sent; the receiver's answer comes later."))
    if problems:
        raise ServiceError(*problems)
    _bump_version(case, expected_version)
    referral.created_by = actor
    referral.full_clean(exclude=["case", "created_by"])
    referral.save()
    tick_by_record(case, "referral", referral, actor=actor)
    if referral.status == Referral.Status.SENT:
        _event(case, CaseEvent.Kind.REFERRED, actor=actor, from_stage=case.stage, code="sent")
    record("case.refer", actor=actor, obj=referral, case_id=case.pk, counselee_id=case.counselee_id,
           request=request, external=referral.external, status=referral.status)
    return referral


@transaction.atomic
def update_referral(referral: Referral, *, actor, request=None) -> Referral:
    previous = Referral.objects.get(pk=referral.pk).status
    if referral.status not in Referral.NEXT_STATUS[previous]:
        raise ServiceError(_("A referral goes from draft to sent, then accepted or declined, then completed."))
    if referral.status != previous:
        problems = _referral_problems(referral)
        if problems:
            raise ServiceError(*problems)
        if referral.status == Referral.Status.SENT:
            _event(referral.case, CaseEvent.Kind.REFERRED, actor=actor, from_stage=referral.case.stage, code="sent")
    return _save_child(referral, "referral.update", actor=actor, request=request, status=referral.status)


# --- access ---------------------------------------------------------------------------------

@transaction.atomic
def grant_access(case: Case, *, actor, user, purpose: str, days: int, can_write: bool = False, reason: str = "",
                 request=None) -> CaseAccess:
    if actor.pk != case.counselor_id:
        raise ServiceError(_("Only the handling counselor can share a case."))
    if user.pk == case.counselor_id:
        raise ServiceError(_("The handling counselor already has access."))
    if user.is_org_admin:
        raise ServiceError(_("Administrators manage accounts and do not read counseling notes."))
    if not 1 <= days <= 180:
        raise ServiceError(_("Share for 1 to 180 days."))
    grant = CaseAccess.objects.create(case=case, user=user, purpose=purpose, can_write=can_write, reason=reason,
                                      granted_by=actor, expires_at=timezone.now() + timedelta(days=days))
    record("case.share", actor=actor, obj=grant, case_id=case.pk, counselee_id=case.counselee_id, request=request,
           grantee=user.pk, purpose=purpose, days=days, write=can_write)
    return grant


@transaction.atomic
def revoke_access(grant: CaseAccess, *, actor, request=None) -> None:
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at"])
    record("case.unshare", actor=actor, obj=grant, case_id=grant.case_id, counselee_id=grant.case.counselee_id,
           request=request, grantee=grant.user_id)
