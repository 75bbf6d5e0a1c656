"""Counselees, cases and sessions through the API: the web's rules, records and audit events."""

from __future__ import annotations

import pytest
from django.utils import timezone

from jalin.audit.models import AuditEvent
from jalin.cases.models import Case, CaseEvent, Counselee, CounselingSession
from tests import factories

from .conftest import assert_problem

pytestmark = pytest.mark.django_db

COUNSELEE = {"name": "Sari Contoh", "birth_year": 2009, "gender": "f", "affiliation": "X IPS 2",
             "is_minor": True, "guardian_name": "Ibu Contoh"}


def _counselee(api) -> dict:
    response = api.post("/api/v1/counselees", COUNSELEE)
    assert response.status_code == 201, response.content
    return response.json()


def _case(api, counselee_id) -> dict:
    response = api.post("/api/v1/cases", {"counselee_id": counselee_id, "area": "belajar", "came_via": "self",
                                          "description": "Sulit konsentrasi"})
    assert response.status_code == 201, response.content
    return response.json()


def test_counselee_round_trip(owner, api_for):
    api = api_for(owner)
    created = _counselee(api)
    assert created["name"] == "Sari Contoh" and created["code"] and created["is_minor"] is True
    assert Counselee.objects.get(pk=created["id"]).registered_by == owner
    got = api.get(f"/api/v1/counselees/{created['id']}").json()
    assert got == created
    patched = api.patch(f"/api/v1/counselees/{created['id']}", {"affiliation": "XI IPS 2"})
    assert patched.status_code == 200 and patched.json()["affiliation"] == "XI IPS 2"
    assert patched.json()["name"] == "Sari Contoh"  # untouched fields keep their value
    listing = api.get("/api/v1/counselees").json()
    assert [c["id"] for c in listing["items"]] == [created["id"]] and listing["next_cursor"] is None
    token = str(api.token.pk)
    actions = [(e.action, e.detail.get("api_token")) for e in AuditEvent.objects.filter(actor=owner)
               .exclude(action__startswith="api_token").order_by("seq")]
    assert actions == [("counselee.create", token), ("counselee.view", token), ("counselee.update", token),
                       ("counselee.list", token)]


def test_the_webs_form_rules_apply_with_named_fields(owner, api_for):
    api = api_for(owner, lang="en")
    body = assert_problem(api.post("/api/v1/counselees", {**COUNSELEE, "guardian_name": ""}), 422,
                          "validation_failed")
    assert body["errors"][0]["field"] == "body.guardian_name" and "guardian" in body["errors"][0]["message"]
    body = assert_problem(api.post("/api/v1/counselees", {**COUNSELEE, "birth_year": 1800}), 422)
    assert body["errors"][0]["field"] == "body.birth_year"
    id_body = assert_problem(api_for(owner, lang="id").post("/api/v1/counselees", {**COUNSELEE, "birth_year": 1800}),
                             422)
    assert id_body["errors"][0]["message"] != body["errors"][0]["message"]  # the form's own translation
    assert not Counselee.objects.exists()


@pytest.mark.parametrize(("raw", "content_type", "status", "code"), [
    (b"{not json", "application/json", 400, "malformed_request"),
    (b"[" * 10_000 + b"]" * 10_000, "application/json", 400, "malformed_request"),
    (b'{"a": ' * 10_000 + b"1" + b"}" * 10_000, "application/json", 400, "malformed_request"),
    (b"name=Sari", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    (b"name: Sari", "text/plain", 415, "unsupported_media_type"),
])
def test_bad_bodies_are_clear_problems(owner, api_for, raw, content_type, status, code):
    api = api_for(owner)
    assert_problem(api.post("/api/v1/counselees", raw=raw, content_type=content_type), status, code)
    assert not Counselee.objects.exists()


def test_a_20_mb_body_is_413(owner, api_for):
    api = api_for(owner)
    raw = b'{"name": "' + b"a" * (20 * 1024 * 1024) + b'"}'
    body = assert_problem(api.post("/api/v1/counselees", raw=raw), 413, "too_large")
    assert body["limit"] > 0
    assert not Counselee.objects.exists()


@pytest.mark.parametrize(("payload", "field", "kind"), [
    ({**COUNSELEE, "nickname": "Sar"}, "body.nickname", "extra_forbidden"),
    ({**COUNSELEE, "birth_year": "dua ribu"}, "body.birth_year", "int_parsing"),
    ({**COUNSELEE, "is_minor": "maybe"}, "body.is_minor", "bool_parsing"),
    ({**COUNSELEE, "gender": "q"}, "body.gender", "literal_error"),
    ({k: v for k, v in COUNSELEE.items() if k != "name"}, "body.name", "missing"),
    ({**COUNSELEE, "name": ["Sari"]}, "body.name", "string_type"),
])
def test_wrong_shapes_name_the_field(owner, api_for, payload, field, kind):
    body = assert_problem(api_for(owner).post("/api/v1/counselees", payload), 422, "validation_failed")
    assert any(e["field"] == field and e["type"] == kind for e in body["errors"]), body


def test_json_array_instead_of_object_is_422(owner, api_for):
    assert_problem(api_for(owner).post("/api/v1/counselees", [1, 2]), 422)


def test_case_stage_guard_and_override(owner, api_for):
    api = api_for(owner)
    counselee = _counselee(api)
    case = _case(api, counselee["id"])
    assert case["stage"] == "awal" and case["status"] == "baru"
    refused = assert_problem(api.post(f"/api/v1/cases/{case['id']}/stage",
                                      {"target": "inti", "expected_version": case["version"]}), 409, "stage_guard")
    assert refused["guards"] and all(g["code"] and g["message"] for g in refused["guards"])
    assert Case.objects.get(pk=case["id"]).stage == "awal"
    stale = api.post(f"/api/v1/cases/{case['id']}/stage",
                     {"target": "inti", "expected_version": case["version"] - 1, "override_reason": "Alasan uji"})
    assert_problem(stale, 409, "version_conflict")
    moved = api.post(f"/api/v1/cases/{case['id']}/stage",
                     {"target": "inti", "expected_version": case["version"], "override_reason": "Alasan uji"})
    assert moved.status_code == 200, moved.content
    assert moved.json()["stage"] == "inti"
    kinds = set(CaseEvent.objects.filter(case_id=case["id"]).values_list("kind", flat=True))
    assert {"opened", "override", "stage"} <= kinds
    events = api.get(f"/api/v1/cases/{case['id']}/events").json()["items"]
    assert events[0]["kind"] == "stage" and events[0]["description"]


def test_case_patch_contract_tasks_and_sessions(owner, api_for):
    api = api_for(owner)
    case = _case(api, _counselee(api)["id"])
    cid = case["id"]
    patched = api.patch(f"/api/v1/cases/{cid}", {"problem_definition": "Cemas ujian",
                                                 "expected_version": case["version"]})
    assert patched.status_code == 200, patched.content
    assert patched.json()["problem_definition"] == "Cemas ujian" and patched.json()["description"] == "Sulit konsentrasi"
    assert_problem(api.patch(f"/api/v1/cases/{cid}", {"conclusions": "x", "expected_version": 1}), 409,
                   "version_conflict")
    tasks = {t["task"]: t for t in api.get(f"/api/v1/cases/{cid}/tasks").json()}
    assert tasks["problem_definition"]["done"] is True
    manual = next(t for t, row in tasks.items() if not row["by_record"])
    ticked = {t["task"]: t for t in api.put(f"/api/v1/cases/{cid}/tasks/{manual}", {"done": True}).json()}
    assert ticked[manual]["done"] is True
    assert_problem(api.put(f"/api/v1/cases/{cid}/tasks/evaluation", {"done": True}), 422, "rejected")
    assert_problem(api.put(f"/api/v1/cases/{cid}/tasks/no-such-task", {"done": True}), 404)
    today = timezone.localdate().isoformat()
    bad = assert_problem(api.post(f"/api/v1/cases/{cid}/contracts", {
        "sessions_planned": 99, "minutes_per_session": 45, "period_start": today, "period_end": today,
        "counselor_tasks": "mendengar", "counselee_tasks": "hadir", "agreed_on": today}), 422)
    assert bad["errors"][0]["field"] == "body.sessions_planned"
    for n in (4, 6):
        made = api.post(f"/api/v1/cases/{cid}/contracts", {
            "sessions_planned": n, "minutes_per_session": 45, "period_start": today, "period_end": today,
            "counselor_tasks": "mendengar", "counselee_tasks": "hadir", "agreed_on": today})
        assert made.status_code == 201, made.content
    assert [c["number"] for c in api.get(f"/api/v1/cases/{cid}/contracts").json()] == [1, 2]
    session = api.post(f"/api/v1/cases/{cid}/sessions", {"start_time": "09:00", "notes_awal": "Membangun relasi",
                                                         "eval_understanding": "paham", "eval_comfort": "lega",
                                                         "eval_action": "mencoba"})
    assert session.status_code == 201, session.content
    s = session.json()
    assert s["number"] == 1 and s["stage_reached"] == "awal" and s["date"] == timezone.localdate().isoformat()
    future = assert_problem(api.post(f"/api/v1/cases/{cid}/sessions", {
        "start_time": "09:00", "date": "2999-01-01"}), 422)
    assert future["errors"][0]["field"] == "body.date"
    edited = api.patch(f"/api/v1/sessions/{s['id']}", {"notes_inti": "Eksplorasi", "expected_version": s["version"]})
    assert edited.status_code == 200 and edited.json()["notes_awal"] == "Membangun relasi"
    assert CounselingSession.objects.get(pk=s["id"]).notes_inti == "Eksplorasi"
    assert [x["id"] for x in api.get(f"/api/v1/cases/{cid}/sessions").json()["items"]] == [s["id"]]
    step = api.post(f"/api/v1/cases/{cid}/action-steps", {"description": "Belajar 30 menit tiap malam"})
    assert step.status_code == 201, step.content
    done = api.patch(f"/api/v1/cases/{cid}/action-steps/{step.json()['id']}", {"status": "done"})
    assert done.json()["status"] == "done" and done.json()["description"] == "Belajar 30 menit tiap malam"
    assert api.get(f"/api/v1/cases/{cid}/action-steps").json()["items"][0]["status"] == "done"


def test_case_list_filters_and_cursor(owner, api_for):
    api = api_for(owner)
    counselee = factories.make_counselee(owner)
    made = [factories.make_case(owner, counselee) for _ in range(5)]
    Case.objects.filter(pk=made[0].pk).update(stage="inti")
    seen, cursor = [], None
    while True:
        page = api.get("/api/v1/cases", {"limit": 2, **({"cursor": cursor} if cursor else {})}).json()
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted((c.pk for c in made), reverse=True)
    assert [c["id"] for c in api.get("/api/v1/cases", {"stage": "inti"}).json()["items"]] == [made[0].pk]
    assert api.get("/api/v1/cases", {"counselee_id": counselee.pk + 999}).json()["items"] == []
    bad = assert_problem(api.get("/api/v1/cases", {"cursor": "!!!"}), 422)
    assert bad["errors"][0]["field"] == "query.cursor"
    assert_problem(api.get("/api/v1/cases", {"limit": 0}), 422)
    assert_problem(api.get("/api/v1/cases", {"stage": "tengah"}), 422)


def test_colleagues_case_is_the_same_404_as_a_missing_one(owner, colleague, api_for):
    case = factories.make_case(owner)
    api = api_for(colleague)
    theirs = api.get(f"/api/v1/cases/{case.pk}")
    missing = api.get(f"/api/v1/cases/{case.pk + 1000}")
    assert_problem(theirs, 404, "not_found")
    assert theirs.content == missing.content.replace(str(case.pk + 1000).encode(), str(case.pk).encode())
    assert_problem(api.patch(f"/api/v1/cases/{case.pk}", {"conclusions": "x"}), 404)
    assert Case.objects.get(pk=case.pk).conclusions == ""
    attempt = AuditEvent.objects.filter(actor=colleague, action="access.not_found").first()
    assert attempt is not None and attempt.detail["case"] == str(case.pk)
    assert attempt.detail["api_token"] == str(api.token.pk)


def test_read_scope_cannot_write(owner, api_for):
    api = api_for(owner, scopes=("read",))
    assert_problem(api.post("/api/v1/counselees", COUNSELEE), 403, "insufficient_scope")
    assert not Counselee.objects.exists()


def test_close_and_reopen_through_the_guards(owner, api_for):
    api = api_for(owner)
    case = factories.make_case(owner)
    refused = assert_problem(api.post(f"/api/v1/cases/{case.pk}/close", {}), 409, "stage_guard")
    assert refused["guards"]
    assert Case.objects.get(pk=case.pk).status == "baru"
    closed = api.post(f"/api/v1/cases/{case.pk}/close", {"override_reason": "Konseli pindah sekolah"})
    assert closed.status_code == 200, closed.content
    assert closed.json()["status"] == "selesai"
    assert_problem(api.post(f"/api/v1/cases/{case.pk}/sessions", {"start_time": "09:00"}), 422, "rejected")
    missing = assert_problem(api.post(f"/api/v1/cases/{case.pk}/reopen", {}), 422)
    assert missing["errors"][0]["field"] == "body.reason"
    reopened = api.post(f"/api/v1/cases/{case.pk}/reopen", {"reason": "Masalah muncul lagi",
                                                           "expected_version": closed.json()["version"]})
    assert reopened.status_code == 200 and reopened.json()["status"] != "selesai"
    kinds = list(CaseEvent.objects.filter(case=case).order_by("pk").values_list("kind", flat=True))
    assert kinds[-3:] == ["override", "closed", "reopened"]



def test_ids_beyond_a_database_integer_are_a_422_not_a_500(owner, api_for):
    # found by schemathesis on SQLite: a foreign-key filter with 2**70 raised OverflowError
    api = api_for(owner)
    huge = 2**70
    response = api.get(f"/api/v1/cases?counselee_id={huge}")
    assert_problem(response, 422)
    assert "counselee_id" in response.content.decode()
    response = api.post("/api/v1/cases", {"counselee_id": huge, "area": "belajar", "came_via": "self"})
    assert_problem(response, 422)
    assert Case.objects.count() == 0
