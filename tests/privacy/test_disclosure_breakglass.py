"""Limits of confidentiality (disclosure from an alert) and emergency access (break-glass)."""

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from jalin.audit.models import AuditEvent
from jalin.cases import services as case_services
from jalin.cases.models import CaseAccess
from jalin.cases.services import ServiceError
from jalin.measures import services as measures
from jalin.measures.models import Alert
from jalin.privacy import services
from jalin.privacy.models import Disclosure
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def alert(owner, case):
    measures.record_administration(case, instrument_code="phq9", lang="id", actor=owner,
                                   answers={str(i): 3 for i in range(1, 10)})
    return Alert.objects.filter(case=case).first()


def _disclosure_post(**extra):
    data = {"informed": "guardian", "informed_name": "Ibu wali", "reason": "risiko bunuh diri dikonfirmasi",
            "informed_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "counselee_told": "on"}
    data.update(extra)
    return data


def test_disclosure_reachable_from_the_alert(client, owner, case, alert):
    client.force_login(owner)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    url = reverse("privacy_alert_disclosure", args=[case.pk, alert.pk])
    assert url in page
    response = client.post(url, _disclosure_post())
    assert response.status_code == 302
    disclosure = Disclosure.objects.get()
    assert disclosure.alert == alert and disclosure.counselee_told and disclosure.recorded_by == owner
    event = AuditEvent.objects.get(action="disclosure.record")
    assert event.detail == {"informed": "guardian", "told": True, "alert": alert.pk}
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert 'class="card privacy-panel"' in page and disclosure.get_informed_display() in page


def test_not_telling_the_counselee_needs_a_reason(client, owner, case, alert):
    client.force_login(owner)
    data = _disclosure_post()
    del data["counselee_told"]
    response = client.post(reverse("privacy_alert_disclosure", args=[case.pk, alert.pk]), data)
    assert "counselee_not_told_reason" in response.context["form"].errors
    assert not Disclosure.objects.exists()


def test_alert_of_another_case_is_404(client, owner, case, alert):
    other = factories.make_case(owner)
    client.force_login(owner)
    assert client.get(reverse("privacy_alert_disclosure", args=[other.pk, alert.pk])).status_code == 404


def test_colleague_and_read_only_supervisor_cannot_record(client, owner, colleague, supervisor, case, alert):
    case_services.grant_access(case, actor=owner, user=supervisor, purpose="supervision", days=7)
    for user in (colleague, supervisor):
        client.force_login(user)
        assert client.post(reverse("privacy_alert_disclosure", args=[case.pk, alert.pk]),
                           _disclosure_post()).status_code == 404
    assert not Disclosure.objects.exists()


def test_break_glass_gives_24_hours_read_only_and_alerts_the_owner(client, owner, colleague, case):
    case_services.update_case(case, actor=owner, data={"restricted_note": "HANYA-PEMILIK"}, expected_version=None)
    client.force_login(colleague)
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404
    response = client.post(reverse("privacy_break_glass"), {"case_code": case.code.lower(),
                                                            "reason": "konseli dalam bahaya, konselor cuti"})
    assert response.status_code == 302
    grant = CaseAccess.objects.get(user=colleague)
    assert grant.purpose == "break_glass" and not grant.can_write
    assert abs((grant.expires_at - timezone.now()).total_seconds() - 24 * 3600) < 60
    page = client.get(reverse("case_detail", args=[case.pk]))
    assert page.status_code == 200 and "HANYA-PEMILIK" not in page.content.decode()
    assert client.get(reverse("case_edit", args=[case.pk])).status_code == 404
    alert = Alert.objects.get(case=case, source="break_glass")
    assert "colleague" in alert.reason_en and alert.acknowledged_at is None
    assert alert in measures.open_alerts_for_user(owner)
    event = AuditEvent.objects.get(action="case.break_glass")
    assert event.actor == colleague and event.case_id == case.pk and event.detail == {"hours": 24}


def test_break_glass_refused_across_organisations_and_for_admins(owner, outsider, admin_user, case):
    with translation.override("en"), pytest.raises(ServiceError, match="organisation"):
        services.break_glass(actor=outsider, case_code=case.code, reason="darurat sekali, mohon akses")
    with pytest.raises(ServiceError):
        services.break_glass(actor=admin_user, case_code=case.code, reason="darurat sekali, mohon akses")
    with pytest.raises(ServiceError):
        services.break_glass(actor=owner, case_code=case.code, reason="darurat sekali, mohon akses")
    assert not CaseAccess.objects.exists()


def test_break_glass_needs_a_reason(colleague, case):
    with pytest.raises(ServiceError):
        services.break_glass(actor=colleague, case_code=case.code, reason="  ")
    assert not CaseAccess.objects.exists()


def test_administrators_see_counts_only(client, owner, colleague, admin_user, case):
    services.break_glass(actor=colleague, case_code=case.code, reason="konseli dalam bahaya sekarang")
    client.force_login(admin_user)
    page = client.get(reverse("privacy_break_glass_report")).content.decode()
    assert "colleague" in page and case.code not in page and "bahaya" not in page
    client.force_login(colleague)
    assert client.get(reverse("privacy_break_glass_report")).status_code == 404
