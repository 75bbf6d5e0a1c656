"""The web and the API do the same thing for the same action: same records, same audit event kinds."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jalin.audit.models import AuditEvent
from jalin.cases.models import Case
from tests import factories

pytestmark = pytest.mark.django_db

CASE = {"area": "belajar", "came_via": "teacher", "reported_by": "Wali kelas", "description": "Nilai turun"}
SESSION = {"start_time": "09:30", "duration_minutes": 50, "mode": "online", "stage_reached": "inti",
           "notes_awal": "Relasi", "notes_inti": "Eksplorasi", "eval_understanding": "paham",
           "eval_comfort": "lega", "eval_action": "mencoba"}
STAGE = {"target": "inti", "override_reason": "Konseli siap"}


def _audited(since: int) -> list[str]:
    return list(AuditEvent.objects.filter(seq__gt=since).order_by("seq").values_list("action", flat=True))


def _last() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def _snapshot(case: Case) -> dict:
    case.refresh_from_db()
    session = case.sessions.get()
    return {
        "case": {f: getattr(case, f) for f in ("area", "came_via", "reported_by", "description", "stage", "status",
                                               "opened_on", "version")},
        "events": [(e.kind, e.from_stage, e.to_stage, e.code, e.reason) for e in case.events.order_by("pk")],
        "tasks": sorted((t.task, t.source, t.record_kind) for t in case.tasks.all()),
        "session": {f: getattr(session, f) for f in ("number", "date", "start_time", "duration_minutes", "mode",
                                                     "stage_reached", "notes_awal", "notes_inti", "eval_action")},
    }


def _by_web(user, counselee) -> tuple[Case, list[list[str]]]:
    client = Client()
    client.force_login(user)
    steps = []
    start = _last()
    response = client.post(reverse("case_new", kwargs={"counselee_id": counselee.pk}),
                           {**CASE, "opened_on": timezone.localdate().isoformat()})
    assert response.status_code == 302, response.content[:300]
    steps.append(_audited(start))
    case = Case.objects.filter(counselee=counselee).get()
    start = _last()
    response = client.post(reverse("case_stage", kwargs={"case_id": case.pk}), {**STAGE, "version": case.version})
    assert response.status_code == 302
    steps.append(_audited(start))
    start = _last()
    response = client.post(reverse("session_new", kwargs={"case_id": case.pk}),
                           {**SESSION, "date": timezone.localdate().isoformat()})
    assert response.status_code == 302, response.content[:300]
    steps.append(_audited(start))
    return case, steps


def _by_api(api, counselee) -> tuple[Case, list[list[str]]]:
    steps = []
    start = _last()
    response = api.post("/api/v1/cases", {**CASE, "counselee_id": counselee.pk})
    assert response.status_code == 201, response.content
    steps.append(_audited(start))
    case = Case.objects.get(pk=response.json()["id"])
    start = _last()
    response = api.post(f"/api/v1/cases/{case.pk}/stage", {**STAGE, "expected_version": case.version})
    assert response.status_code == 200, response.content
    steps.append(_audited(start))
    start = _last()
    response = api.post(f"/api/v1/cases/{case.pk}/sessions", SESSION)
    assert response.status_code == 201, response.content
    steps.append(_audited(start))
    return case, steps


@pytest.mark.parametrize("clock", ["2026-12-31 00:05", "2026-06-15 10:01", "2026-02-28 23:59"])
def test_create_case_advance_stage_add_session_match(api_for, clock):
    import time_machine

    when = timezone.make_aware(timezone.datetime.fromisoformat(clock))  # WIB
    with time_machine.travel(when, tick=False):
        org = factories.make_org()
        web_user = factories.make_user("webuser", org=org)
        api_user = factories.make_user("apiuser", org=org)
        web_case, web_steps = _by_web(web_user, factories.make_counselee(web_user))
        counselee = factories.make_counselee(api_user)
        api = api_for(api_user)
        since = _last()
        api_case, api_steps = _by_api(api, counselee)
    assert _snapshot(web_case) == _snapshot(api_case)
    assert web_steps == api_steps
    assert api_steps == [["case.create"], ["case.stage"], ["session.create"]]
    api_events = AuditEvent.objects.filter(actor=api_user, seq__gt=since)
    assert {e.detail.get("api_token") for e in api_events} == {str(api.token.pk)}
    assert not AuditEvent.objects.filter(actor=web_user, detail__has_key="api_token").exists()
