"""Queries per page stay within a budget that does not grow with the number of cases, sessions and alerts
(issue: a district's volume). Counted with Django's CaptureQueriesContext on the real database."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jalin.measures.services import raise_alert
from tests import factories
from tests.conftest import login

# Statements per page as this test counts them (inside the test's transaction, without BEGIN/COMMIT and
# savepoints; the session and the user are loaded, the session is not saved), on SQLite. On PostgreSQL each
# page's audit append is one statement fewer (the event's INSERT and the head's hash are one statement).
# In production, outside a transaction, an audited read on PostgreSQL is two round trips in all (see
# tests/web/test_audit_round_trips.py); bench/bench_pages.py counts every round trip at volume.
BUDGET = {"dashboard": 7, "case_list": 6, "case_detail": 9, "session_detail": 6, "action_step_form": 6}
BUDGET_FULL_CASE = 23  # the case page when every list it shows has rows


def _budget(statements: int) -> int:
    return statements - (connection.vendor == "postgresql")


def _volume(owner, colleague, cases: int):
    """``cases`` cases of the owner, each with two sessions and an open alert, plus a colleague's cases."""
    made = []
    for n in range(cases):
        counselee = factories.make_counselee(owner, name=f"Konseli Uji {n}")
        case = factories.make_case(owner, counselee)
        factories.add_session(case, owner, days_ago=3)
        factories.add_session(case, owner, days_ago=1)
        raise_alert(case, code="phq9_item9", severity="critical", source="measure", source_ref=f"m{n}",
                    reason_id="Butir 9 PHQ-9 bernilai positif", reason_en="PHQ-9 item 9 positive")
        made.append(case)
    for n in range(cases):
        factories.make_case(colleague, factories.make_counselee(colleague, name=f"Lain Uji {n}"))
    return made


def _count(client, url) -> int:
    client.get(url)  # warm: the first request of a session writes it
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    # SAVEPOINT/RELEASE exist only because the test runs inside a transaction: in production the
    # request's atomic blocks are outermost and cost BEGIN/COMMIT, which Django does not count either.
    return sum(not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT")) for q in queries.captured_queries)


def _pages(client, case) -> dict[str, int]:
    session = case.sessions.order_by("number").last()
    return {"dashboard": _count(client, reverse("dashboard")),
            "case_list": _count(client, reverse("case_list")),
            "case_detail": _count(client, reverse("case_detail", args=[case.pk])),
            "session_detail": _count(client, reverse("session_detail", args=[session.pk])),
            "action_step_form": _count(client, reverse("child_new", args=[case.pk, "action-steps"]))}


def test_queries_per_page_are_within_budget_and_independent_of_volume(client, owner, colleague):
    small = _volume(owner, colleague, 2)
    login(client, owner)
    few = _pages(client, small[0])
    _volume(owner, colleague, 10)
    many = _pages(client, small[0])
    print("queries per page:", few, many)
    for page, budget in BUDGET.items():
        assert many[page] <= _budget(budget), f"{page}: {many[page]} queries, budget {_budget(budget)}"
        assert many[page] == few[page], f"{page}: {few[page]} queries with 2 cases, {many[page]} with 12"


@pytest.mark.parametrize("local", ["00:05", "09:59", "10:01", "23:59"])
def test_the_inactivity_check_writes_the_session_at_most_once_a_minute(client, owner, local):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    import time_machine
    from django.conf import settings

    hour, minute = map(int, local.split(":"))
    start = datetime(2026, 12, 31, hour, minute, tzinfo=ZoneInfo("Asia/Jakarta"))
    url = reverse("case_list")

    def session_writes(at) -> int:
        with time_machine.travel(at, tick=False), CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return sum('UPDATE "django_session"' in q["sql"] for q in queries.captured_queries)

    with time_machine.travel(start - timedelta(seconds=1), tick=False):
        login(client, owner)
    assert session_writes(start) == 1  # first request: last-seen written
    assert session_writes(start + timedelta(seconds=30)) == 0
    assert session_writes(start + timedelta(seconds=59)) == 0
    assert session_writes(start + timedelta(seconds=61)) == 1
    idle = start + timedelta(seconds=61 + settings.SESSION_INACTIVITY_SECONDS + 1)
    with time_machine.travel(idle, tick=False):
        assert client.get(url).status_code == 302  # still logged out after the inactivity timeout


def _a_row_in_every_list(case, owner, colleague, n: int) -> None:
    """One more row in every list the case page shows (the ``n``-th), as the services or the models write it."""
    from datetime import timedelta

    from django.utils import timezone

    from jalin.cases.models import ActionStep, Appointment, CaseConference, FollowUp, HomeVisit, Referral
    from jalin.cases.services import grant_access
    from jalin.measures.models import MeasureSchedule
    from jalin.measures.services import record_administration
    from jalin.practice.models import AnalysisJob, Transcript
    from jalin.privacy.models import Consent, Disclosure

    today, now = timezone.localdate(), timezone.now()
    session = factories.add_session(case, owner, days_ago=30 - n)
    factories.add_contract(case, owner)
    record_administration(case, instrument_code="phq9", lang="id", answers={str(i): 1 for i in range(1, 10)},
                          actor=owner, session=session)
    ActionStep.objects.create(case=case, description=f"Langkah uji {n}", due_date=today + timedelta(days=n))
    FollowUp.objects.create(case=case, due_date=today + timedelta(days=20 + n))
    Appointment.objects.create(case=case, starts_at=now + timedelta(days=n))
    Referral.objects.create(case=case, date=today, receiver_name=f"Penerima uji {n}", receiver_institution="Klinik",
                            receiver_expertise="Psikolog", reason="Alasan", efforts="Upaya", created_by=owner)
    HomeVisit.objects.create(case=case, date=today, people_met="Orang tua", purpose=f"Kunjungan uji {n}",
                             findings="Temuan", created_by=owner)
    CaseConference.objects.create(case=case, date=today, participants="Wali kelas", data_presented="Data",
                                  minutes="Notulen", decisions=f"Keputusan uji {n}", created_by=owner)
    Disclosure.objects.create(case=case, informed="guardian", informed_at=now - timedelta(hours=n), reason="Risiko",
                              recorded_by=owner)
    raise_alert(case, code="phq9_item9", severity="critical", source="measure", source_ref=f"full{n}",
                reason_id="Butir 9 PHQ-9 bernilai positif", reason_en="PHQ-9 item 9 positive")
    MeasureSchedule.objects.create(case=case, instrument="phq9" if n == 1 else "gad7", when="before")
    grant_access(case, actor=owner, user=colleague, purpose="colleague", days=7)
    Consent.objects.create(counselee=case.counselee, kind="recording", given_on=today, method="verbal",
                           recorded_by=owner)
    transcript = Transcript.objects.create(session=session, format="text", raw="K: halo", utterances=[],
                                           uploaded_by=owner)
    AnalysisJob.objects.create(transcript=transcript, status=AnalysisJob.Status.DONE, requested_by=owner,
                               result={"report": {"metrics": {"resistance_episodes": 1}}})


def test_a_case_with_rows_in_every_list_shows_them_all_and_its_queries_do_not_grow(client, owner, colleague):
    """The case page skips the lists it found empty; with a row in each, each is read and shown, and a
    second row in each adds no query (the page's worst case)."""
    case = factories.make_case(owner, factories.make_counselee(owner, minor=False))
    _a_row_in_every_list(case, owner, colleague, 1)
    login(client, owner)
    url = reverse("case_detail", args=[case.pk])
    one = _count(client, url)
    _a_row_in_every_list(case, owner, colleague, 2)
    two = _count(client, url)
    response = client.get(url)
    page = response.content.decode()
    for shown in ("Langkah uji 2", "Penerima uji 2", "Kunjungan uji 2", "Keputusan uji 2", "Langkah uji 1",
                  "Kunjungan uji 1"):
        assert shown in page, shown
    context = response.context
    lists = {"sessions": 2, "steps": 2, "follow_ups": 2, "appointments": 2, "referrals": 2, "home_visits": 2,
             "conferences": 2, "administrations": 2, "schedules": 2, "contract_history": 1, "grants": 2}
    assert {name: len(list(context[name])) for name in lists} == lists
    assert context["contract"] is not None
    assert len(context["measure_alerts"]) >= 1
    assert context["resistance_hint"]  # from the done analysis
    assert context["recording_ok"]  # the privacy panel read the recording consent
    assert len(context["disclosures"]) == 2
    print("case page with every list filled:", one, two)
    assert two == one
    assert two <= _budget(BUDGET_FULL_CASE)


@pytest.mark.parametrize("with_open_case", [False, True])
def test_the_dashboard_lists_a_closed_cases_overdue_follow_up_with_or_without_open_cases(client, owner,
                                                                                        with_open_case):
    """The dashboard asks whether each of its lists has anything in the open cases' query; with no open case
    there is no row to ask in, and the lists are read anyway."""
    from datetime import timedelta

    from django.utils import timezone

    from jalin.cases.models import Case, FollowUp

    closed = factories.make_case(owner)
    Case.objects.filter(pk=closed.pk).update(status=Case.Status.SELESAI)
    due = timezone.localdate() - timedelta(days=3)
    FollowUp.objects.create(case=closed, due_date=due)
    if with_open_case:
        factories.make_case(owner, factories.make_counselee(owner, name="Konseli Terbuka"))
    login(client, owner)
    response = client.get(reverse("dashboard"))
    assert [(f.case_id, f.due_date) for f in response.context["overdue"]] == [(closed.pk, due)]
    assert list(response.context["overdue_steps"]) == [] and response.context["alerts"] == []


def test_a_session_with_a_transcript_reviews_and_recording_consent_shows_them(client, owner, supervisor):
    """The session page skips the transcript, reviews and consents it found missing; with them present each
    is read and shown, and a second review adds no query."""
    from django.utils import timezone

    from jalin.practice.models import Review, Transcript
    from jalin.privacy.models import Consent

    case = factories.make_case(owner, factories.make_counselee(owner, minor=False))
    session = factories.add_session(case, owner)
    Consent.objects.create(counselee=case.counselee, kind="recording", given_on=timezone.localdate(), method="verbal",
                           viewers="supervisor", recorded_by=owner)
    Transcript.objects.create(session=session, format="text", raw="K: halo", utterances=[], uploaded_by=owner)
    factories.assign(supervisor, owner)
    Review.objects.create(session=session, trainee=owner, supervisor=supervisor)
    login(client, owner)
    url = reverse("session_detail", args=[session.pk])
    one = _count(client, url)
    Review.objects.create(session=session, trainee=owner, supervisor=supervisor, status=Review.Status.SIGNED_OFF)
    two = _count(client, url)
    practice = client.get(url).context["practice"]
    assert practice["transcript"] is not None
    assert practice["recording_allowed"]
    assert len(practice["session_reviews"]) == 2
    assert practice["submit_form"] is not None  # a transcript and an assigned supervisor
    assert two == one
