"""The API permission matrix: every route × role × case relation, on the web matrix's world.

Each ``tests/api/test_permission_matrix_api*.py`` module declares

    EXPECTED = {("GET", "/api/v1/cases/{case_id}"): "401 404 404 404 200 404 200", ...}
    BODIES = {("POST", "/api/v1/cases/{case_id}/sessions"): lambda world: {...}}   # writes: a VALID body
    NO_COUNSELEE_DATA = {("GET", "/api/v1/me")}   # 200 answers that need no audit event

codes in the order of ``ROLES`` (anonymous has no token: 401). ``test_matrix_coverage.py`` fails when
an operation in the OpenAPI document has no row in any of these modules. ``check_route`` asks as every
role (each with its own token, scopes read+write+transcripts) and asserts: the codes; every 404 body of
the route is byte-identical (missing and not-yours look the same); every 2xx GET of counselee data and
every 404 on a case-bound path writes an audit event; a refused write writes nothing else; every audit
event the request wrote carries ``api_token`` = the token's id. Path placeholders: see ``path_ids``
(``{task}`` is a checklist task the counselor ticks by hand).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from jalin.audit.models import AuditEvent
from tests.test_permission_matrix import ROLES, World

from .conftest import ApiClient, make_token

ALL_SCOPES = ("read", "write", "transcripts")
CASE_BOUND = {"case_id", "session_id", "counselee_id", "transcript_id", "job_id", "review_id",
              "administration_id", "appointment_id", "pk"}


def path_ids(world: World) -> dict[str, int]:
    """Values for path parameters: the owner's records in the world."""
    ids = {
        "case_id": world.case.pk,
        "counselee_id": world.counselee.pk,
        "session_id": world.session.pk,
        "appointment_id": world.appointment.pk,
        "administration_id": world.administration.pk,
        "alert_id": world.alert.pk if world.alert else 0,
        "step_id": world.step.pk,
        "action_step_id": world.step.pk,
        "grant_id": world.grant.pk,
    }
    from jalin.analysis.taxonomy import taxonomy
    from jalin.cases.services import RECORD_TASKS

    ids["task"] = next(t for t in taxonomy().tasks if t not in RECORD_TASKS)  # one the counselor ticks
    for name in ("transcript", "job", "review"):
        obj = getattr(world, name, None)
        ids[f"{name}_id"] = obj.pk if obj is not None else 0
    return ids


def fill(world: World, template: str) -> str:
    ids = path_ids(world)
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), template)


def role_clients(world: World) -> dict[str, ApiClient]:
    clients = {"anonymous": ApiClient(None)}
    for role in ROLES:
        if role != "anonymous":
            token, secret = make_token(world.users[role], scopes=ALL_SCOPES, name=f"matrix-{role}")
            clients[role] = ApiClient(secret)
            clients[role].token = token
    return clients


def parse_codes(spec: str) -> dict[str, int]:
    codes = [int(c) for c in spec.split()]
    assert len(codes) == len(ROLES), f"{spec!r}: one code per role {ROLES}"
    return dict(zip(ROLES, codes, strict=True))


def check_route(method: str, template: str, spec: str, *, body: Callable | None = None,
                no_counselee_data: bool = False) -> None:
    world = World()
    clients = role_clients(world)
    path = fill(world, template)
    expected = parse_codes(spec)
    got, not_found_bodies = {}, set()
    case_bound = any(f"{{{name}}}" in template for name in CASE_BOUND)
    for role in ROLES:
        last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        client = clients[role]
        payload = body(world) if body else None
        if method == "GET":
            response = client.get(path)
        else:
            response = getattr(client, method.lower())(path, payload if payload is not None else {})
        got[role] = response.status_code
        events = list(AuditEvent.objects.filter(seq__gt=last).exclude(actor=None))
        if response.status_code == 404:
            not_found_bodies.add(response.content)
        if role == "anonymous":
            assert not events, f"{method} {template}: an anonymous request wrote audit events"
            continue
        for event in events:
            assert event.detail.get("api_token") == str(client.token.pk), \
                f"{method} {template} as {role}: audit event {event.action} without the token id"
        if method != "GET" and response.status_code >= 400:
            assert {e.action for e in events} <= {"access.not_found"}, \
                f"{method} {template} as {role}: refused, yet wrote {[e.action for e in events]}"
        if method == "GET" and 200 <= response.status_code < 300 and not no_counselee_data:
            assert events, f"GET {template} as {role}: a read without an audit event"
        if response.status_code == 404 and case_bound:
            assert "access.not_found" in [e.action for e in events], \
                f"{method} {template} as {role}: a 404 attempt not audited"
    assert got == expected, f"{method} {template}: got {' '.join(str(got[r]) for r in ROLES)}"
    assert len(not_found_bodies) <= 1, f"{method} {template}: 404 bodies differ between roles"
