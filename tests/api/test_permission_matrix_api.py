"""API permission matrix for the core routes (me, counselees, cases, sessions); see matrix.py.

Roles: anonymous (no token), outsider (another organisation), colleague, supervisor assigned to the
owner without a grant, supervisor with a read grant on the case, the organisation's administrator,
the owner (handling counselor). Every refusal is a 404 with one body, as on the web.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from .matrix import check_route

pytestmark = pytest.mark.django_db


def _today() -> str:
    return timezone.localdate().isoformat()


#   anonymous outsider colleague supervisor supervisor_granted admin owner
READ = "401 404 404 404 200 404 200"
WRITE = "401 404 404 404 404 404 200"
CREATE = "401 404 404 404 404 404 201"
EVERYONE = "401 200 200 200 200 200 200"

EXPECTED = {
    ("GET", "/api/v1/me"): EVERYONE,
    ("GET", "/api/v1/counselees"): EVERYONE,
    ("POST", "/api/v1/counselees"): "401 201 201 404 404 404 201",  # counselors register counselees
    ("GET", "/api/v1/counselees/{counselee_id}"): READ,
    ("PATCH", "/api/v1/counselees/{counselee_id}"): WRITE,  # the counselor who registered them
    ("GET", "/api/v1/cases"): EVERYONE,
    ("POST", "/api/v1/cases"): CREATE,
    ("GET", "/api/v1/cases/{case_id}"): READ,
    ("PATCH", "/api/v1/cases/{case_id}"): WRITE,
    ("POST", "/api/v1/cases/{case_id}/stage"): WRITE,
    ("POST", "/api/v1/cases/{case_id}/close"): WRITE,
    ("POST", "/api/v1/cases/{case_id}/reopen"): "401 404 404 404 404 404 422",  # the world's case is open
    ("GET", "/api/v1/cases/{case_id}/contracts"): READ,
    ("POST", "/api/v1/cases/{case_id}/contracts"): CREATE,
    ("GET", "/api/v1/cases/{case_id}/tasks"): READ,
    ("PUT", "/api/v1/cases/{case_id}/tasks/{task}"): WRITE,
    ("GET", "/api/v1/cases/{case_id}/events"): READ,
    ("GET", "/api/v1/cases/{case_id}/sessions"): READ,
    ("POST", "/api/v1/cases/{case_id}/sessions"): CREATE,
    ("GET", "/api/v1/sessions/{session_id}"): READ,
    ("PATCH", "/api/v1/sessions/{session_id}"): WRITE,
    ("GET", "/api/v1/cases/{case_id}/action-steps"): READ,
    ("POST", "/api/v1/cases/{case_id}/action-steps"): CREATE,
    ("PATCH", "/api/v1/cases/{case_id}/action-steps/{step_id}"): WRITE,
}
# Valid bodies: only the right person can really write (refused roles write nothing).
BODIES = {
    ("POST", "/api/v1/counselees"): lambda w: {"name": "Konseli Baru", "gender": "f", "birth_year": 1995},
    ("PATCH", "/api/v1/counselees/{counselee_id}"): lambda w: {"affiliation": "XI IPA 1"},
    ("POST", "/api/v1/cases"): lambda w: {"counselee_id": w.counselee.pk, "area": "sosial", "came_via": "self"},
    ("PATCH", "/api/v1/cases/{case_id}"): lambda w: {"conclusions": "Kesimpulan uji"},
    ("POST", "/api/v1/cases/{case_id}/stage"): lambda w: {"target": "inti", "override_reason": "Alasan uji"},
    ("POST", "/api/v1/cases/{case_id}/close"): lambda w: {"closure_reason": "resolved",
                                                          "override_reason": "Alasan uji penutupan"},
    ("POST", "/api/v1/cases/{case_id}/reopen"): lambda w: {"reason": "Masalah muncul lagi"},
    ("POST", "/api/v1/cases/{case_id}/contracts"): lambda w: {
        "sessions_planned": 5, "minutes_per_session": 45, "period_start": _today(), "period_end": _today(),
        "counselor_tasks": "mendengar", "counselee_tasks": "hadir", "agreed_on": _today()},
    ("PUT", "/api/v1/cases/{case_id}/tasks/{task}"): lambda w: {"done": True},
    ("POST", "/api/v1/cases/{case_id}/sessions"): lambda w: {"start_time": "10:00", "notes_awal": "Catatan"},
    ("PATCH", "/api/v1/sessions/{session_id}"): lambda w: {"notes_inti": "Catatan inti"},
    ("POST", "/api/v1/cases/{case_id}/action-steps"): lambda w: {"description": "Langkah baru"},
    ("PATCH", "/api/v1/cases/{case_id}/action-steps/{step_id}"): lambda w: {"status": "doing"},
}
NO_COUNSELEE_DATA = {("GET", "/api/v1/me")}


@pytest.mark.parametrize(("method", "template"), sorted(EXPECTED))
def test_api_permission_matrix(method, template):
    check_route(method, template, EXPECTED[(method, template)], body=BODIES.get((method, template)),
                no_counselee_data=(method, template) in NO_COUNSELEE_DATA)


def test_every_write_route_has_a_valid_body():
    assert {k for k in EXPECTED if k[0] != "GET"} == set(BODIES)
