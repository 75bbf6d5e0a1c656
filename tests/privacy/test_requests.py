"""Data subject requests: the 3 x 24-hour deadline, overdue listing, answering and refusing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jalin.cases.services import ServiceError
from jalin.privacy import services
from jalin.privacy.consent import processing_allowed
from jalin.privacy.models import DataSubjectRequest
from tests import factories
from tests.privacy.helpers import request

pytestmark = pytest.mark.django_db


def test_deadline_is_exactly_72_hours(owner, case):
    dsr = request(case.counselee, owner)
    assert dsr.due_at - dsr.received_at == timedelta(hours=72)
    assert not dsr.is_overdue(dsr.due_at)  # at the deadline: still on time
    assert dsr.is_overdue(dsr.due_at + timedelta(seconds=1))
    assert not dsr.is_overdue(dsr.due_at - timedelta(seconds=1))


@pytest.mark.parametrize(("hours_ago", "overdue"), [(71, False), (71.99, False), (72.01, True), (100, True)])
def test_overdue_listing_at_the_boundary(owner, case, hours_ago, overdue):
    dsr = request(case.counselee, owner, hours_ago=hours_ago)
    assert (dsr in services.overdue_requests_for_user(owner)) is overdue


def test_closed_requests_are_never_overdue(owner, case):
    dsr = request(case.counselee, owner, hours_ago=100)
    services.complete_request(dsr, actor=owner, outcome="salinan diberikan")
    assert not services.overdue_requests_for_user(owner).exists()
    assert DataSubjectRequest.objects.get().closed_at > DataSubjectRequest.objects.get().due_at


def test_overdue_request_on_the_handlers_dashboard_only(client, owner, colleague, case):
    dsr = request(case.counselee, owner, hours_ago=80)
    client.force_login(owner)
    page = client.get(reverse("dashboard")).content.decode()
    assert 'id="overdue-requests"' in page and reverse("privacy_request", args=[dsr.pk]) in page
    client.force_login(colleague)
    assert 'id="overdue-requests"' not in client.get(reverse("dashboard")).content.decode()


def test_request_on_time_not_on_the_dashboard(client, owner, case):
    request(case.counselee, owner, hours_ago=1)
    client.force_login(owner)
    assert 'id="overdue-requests"' not in client.get(reverse("dashboard")).content.decode()


def test_future_received_time_refused(owner, case):
    with pytest.raises(ServiceError):
        services.create_request(case.counselee, actor=owner, data={
            "kind": "access", "received_at": timezone.now() + timedelta(days=1)})


def test_refusal_needs_a_reason_and_is_recorded(client, owner, case):
    dsr = request(case.counselee, owner)
    client.force_login(owner)
    client.post(reverse("privacy_request", args=[dsr.pk]), {"action": "refuse", "text": ""})
    assert DataSubjectRequest.objects.get().status == "received"
    client.post(reverse("privacy_request", args=[dsr.pk]),
                {"action": "refuse", "text": "Akses saat ini membahayakan kesehatan jiwa konseli"})
    dsr.refresh_from_db()
    assert dsr.status == "refused" and "kesehatan jiwa" in dsr.refusal_reason and dsr.closed_at


def test_start_and_complete_through_the_web(client, owner, case):
    client.force_login(owner)
    response = client.post(reverse("privacy_request_new", args=[case.counselee.pk]), {
        "kind": "correction", "requested_by": "guardian", "details": "nama salah eja",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    dsr = DataSubjectRequest.objects.get()
    assert dsr.handler == owner
    client.post(reverse("privacy_request", args=[dsr.pk]), {"action": "start"})
    assert DataSubjectRequest.objects.get().status == "in_progress"
    client.post(reverse("privacy_request", args=[dsr.pk]), {"action": "complete", "text": "nama dibetulkan"})
    assert DataSubjectRequest.objects.get().status == "completed"


def test_upheld_objection_stops_processing(owner, case):
    dsr = request(case.counselee, owner, kind="objection")
    services.complete_request(dsr, actor=owner, outcome="keberatan diterima", restrict=True)
    assert not processing_allowed(case.counselee)
    with pytest.raises(ServiceError):
        factories.add_session(case, owner)


def test_only_the_handler_may_answer(client, owner, colleague, case):
    dsr = request(case.counselee, owner)
    with pytest.raises(ServiceError):
        services.complete_request(dsr, actor=colleague, outcome="x")
    client.force_login(colleague)
    assert client.get(reverse("privacy_request", args=[dsr.pk])).status_code == 404


def test_erasure_request_cannot_be_completed_by_text(owner, case):
    dsr = request(case.counselee, owner, kind="erasure")
    with pytest.raises(ServiceError):
        services.complete_request(dsr, actor=owner, outcome="sudah")
