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

BUDGET = {"dashboard": 12, "case_list": 10, "case_detail": 25, "session_detail": 20}


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
            "session_detail": _count(client, reverse("session_detail", args=[session.pk]))}


def test_queries_per_page_are_within_budget_and_independent_of_volume(client, owner, colleague):
    small = _volume(owner, colleague, 2)
    login(client, owner)
    few = _pages(client, small[0])
    _volume(owner, colleague, 10)
    many = _pages(client, small[0])
    print("queries per page:", few, many)
    for page, budget in BUDGET.items():
        assert many[page] <= budget, f"{page}: {many[page]} queries, budget {budget}"
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
