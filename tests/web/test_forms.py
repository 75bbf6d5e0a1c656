"""Bad input through the web forms: clear messages in the user's language, nothing half-saved."""

import pytest
from django.urls import reverse

from jalin.cases.models import Case, ContractVersion, Counselee, CounselingSession

pytestmark = pytest.mark.django_db


def test_counselee_form_rejects_bad_values_in_indonesian(client, owner):
    client.force_login(owner)
    response = client.post(reverse("counselee_new"), {"name": "  ", "birth_year": "1700", "gender": "q",
                                                      "is_minor": "on"})
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"name", "birth_year", "gender", "guardian_name"}
    assert "wali" in " ".join(form.errors["guardian_name"]).lower()
    assert not Counselee.objects.exists()


def test_counselee_form_messages_in_english(client, owner):
    client.force_login(owner)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("counselee_new"), {"name": "", "gender": "m", "is_minor": "on"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert "guardian" in " ".join(response.context["form"].errors["guardian_name"]).lower()


def test_contract_period_backwards_is_refused(client, owner, case):
    client.force_login(owner)
    response = client.post(reverse("case_contract", args=[case.pk]), {
        "sessions_planned": "0", "minutes_per_session": "500", "period_start": "2026-05-10",
        "period_end": "2026-05-01", "counselor_tasks": "x", "counselee_tasks": "y", "agreed_on": "2026-05-01"})
    assert set(response.context["form"].errors) == {"period_end", "sessions_planned", "minutes_per_session"}
    assert not ContractVersion.objects.exists()


def test_contract_change_keeps_history(client, owner, case):
    client.force_login(owner)
    data = {"sessions_planned": "4", "minutes_per_session": "45", "period_start": "2026-05-01",
            "period_end": "2026-06-01", "counselor_tasks": "x", "counselee_tasks": "y", "agreed_on": "2026-05-01"}
    assert client.post(reverse("case_contract", args=[case.pk]), data).status_code == 302
    data.update(sessions_planned="6", change_note="ditambah dua sesi")
    assert client.post(reverse("case_contract", args=[case.pk]), data).status_code == 302
    versions = list(case.contract_versions.values_list("number", "sessions_planned"))
    assert versions == [(1, 4), (2, 6)]
    assert set(case.tasks.values_list("task", flat=True)) >= {"contract_time", "contract_task"}


def test_session_in_the_future_is_refused(client, owner, case):
    client.force_login(owner)
    response = client.post(reverse("session_new", args=[case.pk]), {
        "date": "2999-01-01", "start_time": "09:00", "duration_minutes": "1", "mode": "in_person",
        "stage_reached": "awal"})
    assert set(response.context["form"].errors) == {"date", "duration_minutes"}
    assert not CounselingSession.objects.exists()


def test_concurrent_edit_is_reported_not_overwritten(client, owner, case):
    client.force_login(owner)
    stale = case.version
    url = reverse("case_edit", args=[case.pk])
    base = {"area": "pribadi", "came_via": "self", "opened_on": "2026-01-05"}
    assert client.post(url, {**base, "description": "A", "version": stale}).status_code == 302
    response = client.post(url, {**base, "description": "B", "version": stale})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert Case.objects.get(pk=case.pk).description == "A"


def test_stage_override_from_the_page(client, owner, case):
    client.force_login(owner)
    url = reverse("case_stage", args=[case.pk])
    client.post(url, {"target": "inti", "version": case.version})
    assert Case.objects.get(pk=case.pk).stage == "awal"
    client.post(url, {"target": "inti", "version": case.version, "override_reason": "Situasi darurat"})
    assert Case.objects.get(pk=case.pk).stage == "inti"


def test_unknown_child_kind_and_garbage_ids_are_404(client, owner, case):
    client.force_login(owner)
    assert client.get(f"/cases/{case.pk}/nonsense/new/").status_code == 404
    assert client.get(f"/cases/{case.pk}/action-steps/99999/").status_code == 404


def test_referral_form_without_consent_saves_nothing(client, owner, case):
    client.force_login(owner)
    response = client.post(reverse("referral_new", args=[case.pk]), {
        "date": "2026-05-01", "receiver_name": "R", "receiver_institution": "I", "receiver_expertise": "E",
        "external": "on", "reason": "alasan", "efforts": "upaya", "status": "draft", "version": case.version})
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors()).lower()
    assert "persetujuan" in errors or "consent" in errors
    assert Case.objects.get(pk=case.pk).status == "baru"


def test_dashboard_and_pages_render_in_both_languages(client, owner, case):
    client.force_login(owner)
    for lang, word in [("id", "Tahap"), ("en", "stage")]:
        client.cookies["django_language"] = lang
        body = client.get(reverse("case_detail", args=[case.pk])).content.decode()
        assert word.lower() in body.lower()
        assert client.get(reverse("dashboard")).status_code == 200


def test_no_counselee_data_in_urls(client, owner, case):
    client.force_login(owner)
    body = client.post(reverse("case_list"), {"q": "budi"}).content.decode()
    import re
    hrefs = re.findall(r'href="([^"]+)"', body)
    assert hrefs and not any("Budi" in h or "budi" in h for h in hrefs)


def test_conference_minutes_are_notulen_not_menit():
    from django.utils import translation

    from jalin.cases.forms import ConferenceForm

    with translation.override("id"):
        assert str(ConferenceForm().fields["minutes"].label).lower() == "notulen"
    with translation.override("en"):
        assert str(ConferenceForm().fields["minutes"].label).lower() == "minutes"
