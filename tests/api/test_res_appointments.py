"""Appointments through the API: the web's rules (through the same service), cursor pages and filters,
bad input as problem+json with nothing written, and the "in the future" rule under a frozen clock."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from jalin.audit.models import AuditEvent
from jalin.cases import services as case_services
from jalin.cases.models import Appointment
from tests import factories

from .res_helpers import Api, bearer, is_problem

WIB = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def api(owner):
    return Api(bearer(owner))


def _make(case, owner, *, days: int, hour: int = 9, status="scheduled") -> Appointment:
    starts = timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=days), dt.time(hour)))
    appointment = case_services.save_appointment(Appointment(case=case, starts_at=starts), actor=owner)
    if status != "scheduled":
        appointment.status = status
        case_services.save_appointment(appointment, actor=owner)
    return appointment


@pytest.mark.django_db
def test_create_read_update_cancel(api, case):
    starts = (timezone.now() + dt.timedelta(days=2)).replace(microsecond=0)
    response = api.post(f"/cases/{case.pk}/appointments", {"starts_at": starts.isoformat(),
                                          "duration_minutes": 30, "mode": "online"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"].endswith(f"/api/v1/appointments/{body['id']}")
    assert body["status"] == "scheduled" and body["mode"] == "online" and body["duration_minutes"] == 30
    assert dt.datetime.fromisoformat(body["starts_at"]) == starts
    events = AuditEvent.objects.filter(action="appointment.create", object_id=str(body["id"]))
    assert events.count() == 1 and events.get().detail["api_token"]
    assert api.get(f"/appointments/{body['id']}").json() == body
    changed = api.patch(f"/appointments/{body['id']}", {"duration_minutes": 60}).json()
    assert changed["duration_minutes"] == 60
    cancelled = api.post(f"/appointments/{body['id']}/cancel").json()
    assert cancelled["status"] == "cancelled"
    assert Appointment.objects.get(pk=body["id"]).status == "cancelled"
    assert AuditEvent.objects.filter(action="appointment.update", object_id=str(body["id"])).count() == 2


@pytest.mark.django_db
def test_naive_time_is_read_in_the_site_time_zone(api, case):
    day = timezone.localdate() + dt.timedelta(days=3)
    body = api.post(f"/cases/{case.pk}/appointments", {"starts_at": f"{day.isoformat()}T09:30:00"}).json()
    assert dt.datetime.fromisoformat(body["starts_at"]).astimezone(WIB) == dt.datetime.combine(
        day, dt.time(9, 30), tzinfo=WIB)


@pytest.mark.django_db
def test_cursor_pages_and_filters(api, case, owner):
    made = [_make(case, owner, days=d) for d in range(1, 8)]
    _make(case, owner, days=9, status="cancelled")
    other = factories.make_case(owner, case.counselee)
    _make(other, owner, days=1)
    seen, cursor = [], None
    while True:
        params = {"case_id": case.pk, "status": "scheduled", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        page = api.get("/appointments", params).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [a.pk for a in made]
    window = api.get("/appointments", {"starts_after": made[2].starts_at.isoformat(),
                                       "starts_before": made[4].starts_at.isoformat()}).json()
    assert [a["id"] for a in window["items"]] == [made[2].pk, made[3].pk]
    assert {a["case_id"] for a in api.get("/appointments").json()["items"]} == {case.pk, other.pk}


@pytest.mark.django_db
def test_an_unknown_filter_is_refused_not_ignored(api, case, owner):
    _make(case, owner, days=1)
    body = is_problem(api.get("/appointments", {"stauts": "cancelled"}), 422)
    assert [e["field"] for e in body["errors"]] == ["query.stauts"]


@pytest.mark.django_db
def test_wrong_content_type_is_415(api, case):
    is_problem(api.post(f"/cases/{case.pk}/appointments", raw="starts_at=2099-01-01", content_type="text/plain"), 415)
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_case_nested_list_and_the_web_rule_on_a_closed_case_for_edits(api, case, owner):
    mine = _make(case, owner, days=2)
    other = factories.make_case(owner, case.counselee)
    _make(other, owner, days=1)
    page = api.get(f"/cases/{case.pk}/appointments").json()
    assert [a["id"] for a in page["items"]] == [mine.pk]


@pytest.mark.django_db
def test_out_of_range_filters_are_422_not_a_database_error(api, case):
    body = is_problem(api.get(f"/cases/{case.pk}/appointments", {"starts_after": "0363-01-25T22:15:56+17:47"}),
                      422)
    assert body["errors"][0]["field"] == "query.starts_after"
    assert "1900" in body["errors"][0]["message"]
    for not_a_time in ("0.5", "1733299200", "besok"):  # Pydantic alone would read a number as a Unix time
        body = is_problem(api.get("/appointments", {"starts_before": not_a_time}), 422)
        assert body["errors"][0]["field"] == "query.starts_before"


@pytest.mark.django_db
@pytest.mark.parametrize("cursor", ["xyz", "W10", "WyJub3QtYS1kYXRlIiwxXQ", "WyIwMDAxLTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwxXQ",
                                    "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIiwxMDAwMDAwMDAwMDAwMDAwMDAwMDAwXQ"])
def test_a_bad_cursor_is_422(api, cursor):
    body = is_problem(api.get("/appointments", {"cursor": cursor}), 422)
    assert body["errors"][0]["field"] == "query.cursor"


BAD_BODIES = [
    ({"duration_minutes": 30}, "body.starts_at"),  # missing
    ({"starts_at": "besok pagi"}, "body.starts_at"),  # not a date and time
    ({"starts_at": ["2099-01-01T09:00:00"]}, "body.starts_at"),  # wrong type
    ({"starts_at": "2099-01-01T09:00:00", "duration_minutes": "lama"}, "body.duration_minutes"),
    ({"starts_at": "2099-01-01T09:00:00", "duration_minutes": 2}, "body.duration_minutes"),
    ({"starts_at": "2099-01-01T09:00:00", "mode": "telepati"}, "body.mode"),
    ({"starts_at": "2099-01-01T09:00:00", "room": "BK-1"}, "body.room"),  # unknown field
    ({"starts_at": "2099-01-01T09:00:00", "case_id": 1}, "body.case_id"),  # the case is in the path
    ({"starts_at": "5447-11-30T16:58:24+23:40"}, "body.starts_at"),  # found by schemathesis on PostgreSQL
    ({"starts_at": "0363-01-25T22:15:56+05:00"}, "body.starts_at"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("body,field", BAD_BODIES)
def test_bad_input_names_the_field_and_writes_nothing(api, case, body, field):
    problem = is_problem(api.post(f"/cases/{case.pk}/appointments", body), 422)
    assert field in [e["field"] for e in problem["errors"]], problem
    assert not Appointment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("raw,status", [("{", 400), ('{"case_id": 1,}', 400), ("[" * 10_000 + "]" * 10_000, 400),
                                        ("null", 422), ('"tekst"', 422)])
def test_malformed_json_is_a_problem(api, case, raw, status):
    is_problem(api.post(f"/cases/{case.pk}/appointments", raw=raw), status)
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_patch_refuses_null_and_unknown_fields(api, case, owner):
    appointment = _make(case, owner, days=2)
    is_problem(api.patch(f"/appointments/{appointment.pk}", {"status": None}), 422)
    is_problem(api.patch(f"/appointments/{appointment.pk}", {"notes": "x"}), 422)
    is_problem(api.patch(f"/appointments/{appointment.pk}", {"duration_minutes": 999}), 422)
    appointment.refresh_from_db()
    assert appointment.duration_minutes == 45 and appointment.status == "scheduled"


@pytest.mark.django_db
def test_closed_case_refuses_a_new_appointment_as_on_the_web(api, case, owner):
    case_services.close_case(case, actor=owner, expected_version=None, closure_reason="ended_by_counselee",
                             override_reason="uji")
    body = is_problem(api.post(f"/cases/{case.pk}/appointments", {"starts_at": (
        timezone.now() + dt.timedelta(days=1)).isoformat()}), 422)
    assert body["code"] == "rejected"
    assert not Appointment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("now", ["2026-12-31T00:05:00", "2026-06-15T10:01:00", "2026-02-28T23:59:00",
                                 "2027-01-31T23:59:00"])
def test_a_new_appointment_must_be_in_the_future_at_any_hour(owner, case, now):
    moment = dt.datetime.fromisoformat(now).replace(tzinfo=WIB)
    with time_machine.travel(moment, tick=False):
        api = Api(bearer(owner))
        past = (moment - dt.timedelta(minutes=6)).isoformat()
        body = is_problem(api.post(f"/cases/{case.pk}/appointments", {"starts_at": past}), 422)
        assert "future" in body["detail"]
        soon = (moment + dt.timedelta(minutes=1)).isoformat()
        assert api.post(f"/cases/{case.pk}/appointments", {"starts_at": soon}).status_code == 201
        # a naive time is the site's: one minute ago today (WIB), even just after midnight
        naive_past = (moment - dt.timedelta(minutes=10)).replace(tzinfo=None).isoformat()
        is_problem(api.post(f"/cases/{case.pk}/appointments", {"starts_at": naive_past}), 422)
    assert Appointment.objects.count() == 1
