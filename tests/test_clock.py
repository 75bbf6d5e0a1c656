"""Everything that reads the clock, under a frozen clock at awkward hours and at month and year ends.

Jakarta (WIB, UTC+7) is ahead of UTC: at 00:05 WIB it is still yesterday in UTC, at 23:59 WIB a new UTC
day began hours ago. CI must pass at any hour, so each path here runs at every instant below."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from jalin.cases import services
from jalin.cases.models import Appointment, Case, FollowUp
from tests import factories
from tests.conftest import login

pytestmark = pytest.mark.django_db

WIB = ZoneInfo("Asia/Jakarta")
INSTANTS = {
    "00:05": datetime(2026, 11, 18, 0, 5, tzinfo=WIB),
    "09:59": datetime(2026, 11, 18, 9, 59, tzinfo=WIB),
    "10:01": datetime(2026, 11, 18, 10, 1, tzinfo=WIB),
    "23:59": datetime(2026, 11, 18, 23, 59, tzinfo=WIB),
    "month-end 23:59": datetime(2026, 11, 30, 23, 59, tzinfo=WIB),
    "february-end 13:45": datetime(2027, 2, 28, 13, 45, tzinfo=WIB),
    "year-end 10:01": datetime(2026, 12, 31, 10, 1, tzinfo=WIB),
    "year-end 23:59": datetime(2026, 12, 31, 23, 59, tzinfo=WIB),
    "new year 00:05": datetime(2027, 1, 1, 0, 5, tzinfo=WIB),
}


@pytest.fixture(params=list(INSTANTS), ids=list(INSTANTS))
def frozen(request, settings):
    settings.TIME_ZONE = "Asia/Jakarta"
    instant = INSTANTS[request.param]
    with time_machine.travel(instant, tick=False):
        yield instant


def test_demo_loads_at_any_hour_with_appointments_ahead_and_measures_dated_with_their_sessions(frozen, client):
    from jalin.core.demo import load_demo
    from jalin.measures.models import Administration

    result = load_demo()
    assert result["created"]
    now = timezone.now()
    appointments = list(Appointment.objects.all())
    assert len(appointments) == 3
    assert all(a.starts_at > now for a in appointments)
    # booked at plausible times: the hour, or half past
    assert all(timezone.localtime(a.starts_at).minute in (0, 30) for a in appointments)
    administrations = list(Administration.objects.select_related("session"))
    assert administrations and all(a.session for a in administrations)
    for administration in administrations:
        assert timezone.localtime(administration.administered_at).date() == administration.session.date
        assert administration.administered_at < now
    # Sessions run from November backwards; the load day is not among them.
    assert not Administration.objects.filter(administered_at__date=timezone.localdate()).exists()
    from jalin.accounts.models import User

    login(client, User.objects.get(username="rina"))
    assert client.get("/").status_code == 200
    for case in Case.objects.filter(counselor__username="rina"):
        assert client.get(f"/cases/{case.pk}/").status_code == 200
    assert load_demo()["created"] is False  # idempotent


def test_case_codes_take_the_local_year(frozen, owner):
    case = factories.make_case(owner)
    assert case.code.split("-")[1] == str(frozen.year)  # the Jakarta year, not the UTC one


def test_a_new_appointment_must_be_ahead_of_now(frozen, case, owner):
    now = timezone.now()
    with pytest.raises(services.ServiceError):
        services.save_appointment(Appointment(case=case, starts_at=now - timedelta(minutes=10),
                                              duration_minutes=30), actor=owner)
    services.save_appointment(Appointment(case=case, starts_at=now + timedelta(minutes=10), duration_minutes=30),
                              actor=owner)


def test_record_dates_refuse_tomorrow_and_accept_today(frozen, case):
    from jalin.cases.forms import NewCaseForm, SessionForm
    from jalin.privacy.forms import ConsentForm

    today, tomorrow = frozen.date(), frozen.date() + timedelta(days=1)
    base = {"start_time": "09:00", "duration_minutes": 45, "mode": "in_person", "stage_reached": "awal"}
    assert "date" in SessionForm({**base, "date": tomorrow}).errors
    assert "date" not in SessionForm({**base, "date": today}).errors
    assert "opened_on" in NewCaseForm({"opened_on": tomorrow}).errors
    assert "opened_on" not in NewCaseForm({"opened_on": today}).errors
    assert "given_on" in ConsentForm({"given_on": tomorrow}).errors
    assert "given_on" not in ConsentForm({"given_on": today}).errors


def test_dashboard_today_and_overdue_follow_the_local_day(frozen, client, case, owner):
    later = timezone.now() + timedelta(seconds=30)  # still today at 23:59
    services.save_appointment(Appointment(case=case, starts_at=later, duration_minutes=30), actor=owner)
    services.save_follow_up(FollowUp(case=case, due_date=frozen.date() - timedelta(days=1)), actor=owner)
    services.save_follow_up(FollowUp(case=case, due_date=frozen.date()), actor=owner)
    response = login(client, owner).get("/")
    assert [a.starts_at for a in response.context["todays"]] == [later]
    assert [f.due_date for f in response.context["overdue"]] == [frozen.date() - timedelta(days=1)]


def test_measure_links_expire_by_the_clock(frozen, case, owner):
    from jalin.measures import services as measures

    link, token = measures.create_link(case, actor=owner, instrument_code="phq9", lang="id", hours=1)
    assert measures.open_link(token) == link
    with time_machine.travel(frozen + timedelta(hours=1, seconds=1), tick=False), pytest.raises(
            measures.LinkUnavailable, match="expired"):
        measures.open_link(token)


def test_shared_access_expires_by_the_clock(frozen, case, owner, colleague):
    from jalin.cases import access

    services.grant_access(case, actor=owner, user=colleague, purpose="supervision", days=1)
    assert access.cases_for_user(colleague).filter(pk=case.pk).exists()
    with time_machine.travel(frozen + timedelta(days=1, seconds=1), tick=False):
        assert not access.cases_for_user(colleague).filter(pk=case.pk).exists()


def test_a_measure_entered_afterwards_keeps_its_own_time_but_never_the_future(frozen, case, owner):
    from jalin.measures import services as measures

    answers = [1] * 9
    earlier = frozen - timedelta(days=3)
    kept = measures.record_administration(case, instrument_code="phq9", lang="id", answers=answers, actor=owner,
                                          administered_at=earlier)
    assert kept.administered_at == earlier
    assert measures.record_administration(case, instrument_code="phq9", lang="id", answers=answers,
                                          actor=owner).administered_at == timezone.now()
    with pytest.raises(measures.ServiceError):
        measures.record_administration(case, instrument_code="phq9", lang="id", answers=answers, actor=owner,
                                       administered_at=frozen + timedelta(hours=1))
    assert case.administrations.count() == 2


def test_data_subject_requests_fall_overdue_after_three_days_by_the_clock(frozen, owner):
    from jalin.privacy import services as privacy

    counselee = factories.make_counselee(owner)
    privacy.record_consent(counselee, actor=owner, data={"kind": "processing", "given_on": frozen.date(),
                                                         "method": "signed_form"})
    dsr = privacy.create_request(counselee, actor=owner, data={"kind": "access"})
    assert not privacy.overdue_requests_for_user(owner).exists()
    with pytest.raises(privacy.ServiceError):
        privacy.create_request(counselee, actor=owner, data={"kind": "access",
                                                             "received_at": frozen + timedelta(hours=1)})
    with time_machine.travel(dsr.due_at + timedelta(seconds=1), tick=False):
        assert list(privacy.overdue_requests_for_user(owner)) == [dsr]


def test_consent_withdrawal_cannot_be_dated_tomorrow(frozen, owner):
    from jalin.privacy.forms import WithdrawForm

    assert "withdrawn_on" in WithdrawForm({"withdrawn_on": frozen.date() + timedelta(days=1)}).errors
    assert "withdrawn_on" not in WithdrawForm({"withdrawn_on": frozen.date()}).errors
