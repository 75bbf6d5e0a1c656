"""The stage engine's guards, overrides, closure and referral, through the services."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jalin.cases import services
from jalin.cases.models import ActionStep, Appointment, Case, CaseEvent, Referral
from tests import factories

pytestmark = pytest.mark.django_db


def define(case, actor):
    services.update_case(case, actor=actor, data={"problem_definition": "masalah"}, expected_version=None)
    services.set_task(case, "problem_definition", True, actor=actor)


def test_moving_to_inti_needs_problem_and_contract(case, owner):
    with pytest.raises(services.GuardError) as err:
        services.change_stage(case, "inti", actor=owner, expected_version=None)
    assert {f.code for f in err.value.failures} == {"needs_problem", "needs_contract"}
    define(case, owner)
    with pytest.raises(services.GuardError) as err:
        services.change_stage(case, "inti", actor=owner, expected_version=None)
    assert {f.code for f in err.value.failures} == {"needs_contract"}
    factories.add_contract(case, owner)
    services.change_stage(case, "inti", actor=owner, expected_version=None)
    case.refresh_from_db()
    assert case.stage == "inti" and case.status == "penanganan"
    assert case.events.filter(kind=CaseEvent.Kind.STAGE, to_stage="inti", actor=owner).exists()


def test_writing_the_problem_down_marks_the_task_in_the_same_transaction(case, owner):
    services.update_case(case, actor=owner, data={"problem_definition": "   "}, expected_version=None)
    assert not case.tasks.filter(task="problem_definition").exists()
    stale = case.version
    services.update_case(case, actor=owner, data={"description": "x"}, expected_version=None)
    with pytest.raises(services.ConflictError):  # a refused write marks nothing
        services.update_case(case, actor=owner, data={"problem_definition": "masalah"}, expected_version=stale)
    assert not case.tasks.filter(task="problem_definition").exists()
    services.update_case(case, actor=owner, data={"problem_definition": "masalah"}, expected_version=None)
    assert case.tasks.filter(task="problem_definition").exists()
    with pytest.raises(services.GuardError) as err:  # the contract is still missing
        services.change_stage(case, "inti", actor=owner, expected_version=None)
    assert [f.code for f in err.value.failures] == ["needs_contract"]


def test_override_needs_a_reason_and_is_recorded(case, owner):
    with pytest.raises(services.GuardError):
        services.change_stage(case, "inti", actor=owner, expected_version=None, override_reason="   ")
    services.change_stage(case, "inti", actor=owner, expected_version=None,
                          override_reason="Krisis: langsung bekerja")
    event = case.events.get(kind=CaseEvent.Kind.OVERRIDE)
    assert event.reason == "Krisis: langsung bekerja" and "needs_contract" in event.code and event.actor == owner


def _to_akhir(case, owner):
    define(case, owner)
    factories.add_contract(case, owner)
    services.change_stage(case, "inti", actor=owner, expected_version=None)
    with pytest.raises(services.GuardError):  # exploration not yet done
        services.change_stage(case, "akhir", actor=owner, expected_version=None)
    services.set_task(case, "exploration", True, actor=owner)
    services.change_stage(case, "akhir", actor=owner, expected_version=None)


def test_closing_needs_conclusions_plan_evaluation_and_reason(case, owner):
    _to_akhir(case, owner)
    with pytest.raises(services.GuardError) as err:
        services.close_case(case, actor=owner, expected_version=None)
    assert {f.code for f in err.value.failures} == {
        "needs_conclusions", "needs_action_plan", "needs_evaluation", "needs_next_or_reason"}
    services.update_case(case, actor=owner, data={"conclusions": "sepakat"}, expected_version=None)
    services.save_action_step(ActionStep(case=case, description="coba"), actor=owner)
    factories.add_session(case, owner, stage="akhir", evaluation=True)
    with pytest.raises(services.GuardError) as err:
        services.close_case(case, actor=owner, expected_version=None)
    assert [f.code for f in err.value.failures] == ["needs_next_or_reason"]
    services.close_case(case, actor=owner, expected_version=None, closure_reason="resolved")
    case.refresh_from_db()
    assert case.status == "selesai" and case.closure_reason == "resolved" and case.closed_at


def test_a_next_appointment_replaces_the_closure_reason(case, owner):
    _to_akhir(case, owner)
    services.update_case(case, actor=owner, data={"conclusions": "sepakat"}, expected_version=None)
    services.save_action_step(ActionStep(case=case, description="coba"), actor=owner)
    factories.add_session(case, owner, stage="akhir", evaluation=True)
    services.save_appointment(Appointment(case=case, starts_at=timezone.now() + timedelta(days=7)), actor=owner)
    services.close_case(case, actor=owner, expected_version=None)
    assert Case.objects.get(pk=case.pk).status == "selesai"


def test_partial_evaluation_does_not_count(case, owner):
    session = factories.add_session(case, owner)
    services.update_session(session, actor=owner, data={"eval_understanding": "paham", "eval_comfort": "lega"},
                            expected_version=None)
    assert not session.has_evaluation


def test_closed_case_refuses_changes_until_reopened(case, owner):
    services.close_case(case, actor=owner, expected_version=None, closure_reason="no_show",
                        override_reason="Konseli tidak datang lagi")
    with pytest.raises(services.ServiceError):
        factories.add_session(case, owner)
    with pytest.raises(services.ServiceError):
        services.reopen_case(case, actor=owner, expected_version=None, reason="")
    services.reopen_case(case, actor=owner, expected_version=None, reason="Datang kembali")
    factories.add_session(case, owner)


def test_stale_version_is_refused_and_nothing_is_saved(case, owner):
    seen = case.version
    services.update_case(case, actor=owner, data={"description": "versi A"}, expected_version=seen)
    with pytest.raises(services.ConflictError):
        services.update_case(case, actor=owner, data={"description": "versi B"}, expected_version=seen)
    assert Case.objects.get(pk=case.pk).description == "versi A"


def _referral(case, **overrides):
    fields = {"case": case, "date": timezone.localdate(), "receiver_name": "Psikolog Contoh",
              "receiver_institution": "Biro Contoh", "receiver_expertise": "Psikologi klinis", "external": True,
              "reason": "Resistensi menetap", "efforts": "Tiga sesi, kunjungan rumah", "counselee_consent": True,
              "guardian_consent": True, "head_permission": True}
    fields.update(overrides)
    return Referral(**fields)


@pytest.mark.parametrize("missing", ["counselee_consent", "guardian_consent", "head_permission"])
def test_referral_needs_consents_and_permission(case, owner, missing):
    with pytest.raises(services.ServiceError):
        services.refer_case(_referral(case, **{missing: False}), actor=owner, expected_version=None)
    case.refresh_from_db()
    assert case.status == "baru" and not Referral.objects.exists() and not case.events.filter(kind="referred")


def test_internal_referral_of_an_adult_needs_only_their_consent(owner):
    adult = factories.make_case(owner, factories.make_counselee(owner, name="Dewasa", minor=False))
    services.refer_case(_referral(adult, external=False, guardian_consent=False, head_permission=False),
                        actor=owner, expected_version=None)
    adult.refresh_from_db()
    assert adult.is_open and adult.closure_reason == ""  # a referral alone closes nothing (issue #10, item 14)
    assert adult.tasks.filter(task="referral").exists()


def test_next_steps_follow_the_stage(case, owner):
    from jalin.cases import stages

    steps = " ".join(stages.next_steps(case))
    assert "kontrak" in steps.lower()
    define(case, owner)
    factories.add_contract(case, owner)
    services.change_stage(case, "inti", actor=owner, expected_version=None)
    steps = " ".join(stages.next_steps(case)).lower()
    assert "eksplorasi" in steps or "jelajahi" in steps


def test_unknown_task_is_a_clear_service_error(case, owner):
    with pytest.raises(services.ServiceError):
        services.set_task(case, "not_a_task", True, actor=owner)
