"""Consent rules, history, and withdrawal stopping processing while the subject's rights keep working."""

from datetime import time

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from jalin.cases.models import ActionStep, CounselingSession
from jalin.cases.services import ServiceError, record_session, save_action_step
from jalin.measures import services as measures
from jalin.privacy.consent import processing_allowed, recording_allowed, require_processing, require_recording
from jalin.privacy.models import Consent
from tests import factories
from tests.privacy.helpers import give, withdraw

pytestmark = pytest.mark.django_db


def _session_data():
    return {"date": timezone.localdate(), "start_time": time(9), "duration_minutes": 45, "mode": "in_person",
            "stage_reached": "awal", "notes_awal": "catatan"}


def test_processing_allowed_without_any_consent_row(owner, case):
    assert processing_allowed(case.counselee)
    require_processing(case.counselee)  # does not raise


def test_recording_needs_explicit_consent_and_guardian_for_a_minor(owner):
    minor = factories.make_counselee(owner, minor=True)
    assert not recording_allowed(minor)
    give(minor, owner, "recording")
    assert not recording_allowed(minor)  # guardian consent still missing
    guardian = give(minor, owner, "guardian")
    assert recording_allowed(minor)
    withdraw(guardian, owner)
    assert not recording_allowed(minor)
    assert not processing_allowed(minor)  # a minor's guardian withdrew: processing stops too
    with pytest.raises(ServiceError):
        require_recording(minor)


def test_recording_for_an_adult_needs_only_recording_consent(owner):
    adult = factories.make_counselee(owner, minor=False, name="Dewasa Contoh")
    recording = give(adult, owner, "recording")
    assert recording_allowed(adult)
    withdraw(recording, owner)
    assert not recording_allowed(adult)
    assert processing_allowed(adult)  # withdrawing recording does not stop processing


def test_withdrawn_processing_blocks_recording_even_with_recording_consent(owner):
    adult = factories.make_counselee(owner, minor=False)
    give(adult, owner, "recording")
    withdraw(give(adult, owner, "processing"), owner)
    assert not recording_allowed(adult)


def test_withdrawal_stops_every_service_that_adds_content(owner, case):
    factories.add_session(case, owner)
    consent = give(case.counselee, owner, "processing")
    withdraw(consent, owner)
    assert not processing_allowed(case.counselee)
    with translation.override("en"), pytest.raises(ServiceError, match="withdrawn"):
        record_session(case, actor=owner, data=_session_data())
    with pytest.raises(ServiceError):
        factories.add_contract(case, owner)
    with pytest.raises(ServiceError):
        save_action_step(ActionStep(case=case, description="langkah"), actor=owner)
    with pytest.raises(ServiceError):
        measures.record_administration(case, instrument_code="phq9", lang="id", answers={}, actor=owner)
    with pytest.raises(ServiceError):
        measures.create_link(case, actor=owner, instrument_code="phq9", lang="id")
    with pytest.raises(ServiceError):
        factories.make_case(owner, case.counselee)
    assert CounselingSession.objects.filter(case=case).count() == 1
    assert not ActionStep.objects.exists()


def test_reads_and_rights_still_work_after_withdrawal(client, owner, case):
    withdraw(give(case.counselee, owner), owner)
    client.force_login(owner)
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("privacy_export", args=[case.counselee.pk, "json"])).status_code == 200
    response = client.post(reverse("session_new", args=[case.pk]), {
        "date": timezone.localdate().isoformat(), "start_time": "09:00", "duration_minutes": "45",
        "mode": "in_person", "stage_reached": "awal"})
    assert response.status_code == 200  # the form shows the refusal
    assert response.context["form"].non_field_errors()  # the refusal is shown on the form
    assert not CounselingSession.objects.exists()


def test_new_consent_after_withdrawal_resumes_processing(owner, case):
    withdraw(give(case.counselee, owner), owner)
    assert not processing_allowed(case.counselee)
    give(case.counselee, owner)
    assert processing_allowed(case.counselee)
    factories.add_session(case, owner)


def test_history_is_kept(owner, case):
    first = give(case.counselee, owner)
    withdraw(first, owner, reason="alasan pertama")
    give(case.counselee, owner)
    rows = list(Consent.objects.filter(counselee=case.counselee).order_by("pk"))
    assert len(rows) == 2
    assert rows[0].withdrawn_on is not None and rows[0].withdrawal_reason == "alasan pertama"
    assert rows[1].withdrawn_on is None
    with pytest.raises(ServiceError):
        withdraw(rows[0], owner)  # a withdrawal is recorded once


def test_consent_and_withdrawal_through_the_web(client, owner, case):
    client.force_login(owner)
    counselee = case.counselee
    page = client.get(reverse("counselee_detail", args=[counselee.pk]))
    assert reverse("privacy_counselee", args=[counselee.pk]) in page.content.decode()
    response = client.post(reverse("privacy_consent_new", args=[counselee.pk]), {
        "kind": "recording", "given_by": "counselee", "given_on": timezone.localdate().isoformat(),
        "method": "digital", "scope": "", "retention_days": "", "viewers": ""})
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"scope", "retention_days", "viewers"}
    response = client.post(reverse("privacy_consent_new", args=[counselee.pk]), {
        "kind": "processing", "given_by": "counselee", "given_on": timezone.localdate().isoformat(),
        "method": "verbal"})
    assert response.status_code == 302
    consent = Consent.objects.get()
    response = client.post(reverse("privacy_consent_withdraw", args=[counselee.pk, consent.pk]), {
        "withdrawn_on": timezone.localdate().isoformat(), "reason": "pindah sekolah"})
    assert response.status_code == 302
    assert not processing_allowed(counselee)
    page = client.get(reverse("privacy_counselee", args=[counselee.pk]))
    assert 'data-processing="no"' in page.content.decode()


def test_guardian_consent_refused_for_an_adult(client, owner):
    adult = factories.make_counselee(owner, minor=False)
    client.force_login(owner)
    response = client.post(reverse("privacy_consent_new", args=[adult.pk]), {
        "kind": "guardian", "given_by": "guardian", "given_by_name": "Wali", "method": "verbal",
        "given_on": timezone.localdate().isoformat()})
    assert "kind" in response.context["form"].errors
    assert not Consent.objects.exists()


def test_colleague_cannot_record_consent(client, owner, colleague, case):
    client.force_login(colleague)
    assert client.get(reverse("privacy_consent_new", args=[case.counselee.pk])).status_code == 404
    with pytest.raises(ServiceError):
        give(case.counselee, colleague)
