"""Who gets what on every appointment, measure, transcript and review route of the API.

The same world and roles as tests/test_permission_matrix.py (an owner's case with every kind of record;
an outsider, a colleague, a supervisor without and one with a supervision grant, the organisation's
administrator, the owner), each with a token holding every scope, plus a caller without a token. Every
refusal is a 404 with the same body for every role; a refused write writes nothing; every read the API
answers with counselee data, and every 404 on a case-bound route, is audited with the token's id.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from jalin.audit.models import AuditEvent
from tests.test_permission_matrix import ROLES, World, _with_recording_consent

from .matrix import fill
from .res_helpers import Api, bearer

TEXT = "Konselor: Selamat pagi, silakan duduk.\nKonseli: Pagi bu, saya bingung.\n"


def _future() -> str:
    return (timezone.now() + timedelta(days=3)).isoformat()


V = "/api/v1"
APPOINTMENT = f"{V}/appointments/{{appointment_id}}"
MEASURE = f"{V}/measures/{{administration_id}}"
TRANSCRIPT = f"{V}/transcripts/{{transcript_id}}"
REVIEW = f"{V}/reviews/{{review_id}}"

#   anonymous outsider colleague supervisor supervisor_granted admin owner
EXPECTED = {
    ("GET", f"{V}/appointments"): "401 200 200 200 200 200 200",
    ("GET", f"{V}/cases/{{case_id}}/appointments"): "401 404 404 404 200 404 200",
    ("POST", f"{V}/cases/{{case_id}}/appointments"): "401 404 404 404 404 404 201",
    ("GET", APPOINTMENT): "401 404 404 404 200 404 200",
    ("PATCH", APPOINTMENT): "401 404 404 404 404 404 200",
    ("POST", f"{APPOINTMENT}/cancel"): "401 404 404 404 404 404 200",
    ("GET", f"{V}/measures"): "401 200 200 200 200 200 200",
    ("GET", f"{V}/cases/{{case_id}}/measures"): "401 404 404 404 200 404 200",
    ("POST", f"{V}/cases/{{case_id}}/measures"): "401 404 404 404 404 404 201",
    ("GET", MEASURE): "401 404 404 404 200 404 200",
    ("GET", f"{MEASURE}/fhir"): "401 404 404 404 200 404 200",
    ("POST", f"{V}/sessions/{{session_id}}/transcripts"): "401 404 404 404 404 404 202",
    ("GET", TRANSCRIPT): "401 404 404 404 200 404 200",
    # the world's transcript has no speakers to confirm: the owner passes the door and gets the service's 422
    ("POST", f"{TRANSCRIPT}/speakers"): "401 404 404 404 404 404 422",
    ("POST", f"{TRANSCRIPT}/rerun"): "401 404 404 404 404 404 202",
    ("DELETE", TRANSCRIPT): "401 404 404 404 404 404 204",
    ("GET", f"{V}/analysis-jobs/{{job_id}}"): "401 404 404 404 200 404 200",
    ("GET", f"{V}/reviews"): "401 200 200 200 200 200 200",
    ("GET", REVIEW): "401 404 404 404 200 404 200",
    ("POST", f"{V}/sessions/{{session_id}}/reviews"): "401 404 404 404 404 404 201",
    ("POST", f"{REVIEW}/comments"): "401 404 404 404 201 404 404",
    ("PUT", f"{REVIEW}/ratings"): "401 404 404 404 200 404 404",
    ("POST", f"{REVIEW}/decision"): "401 404 404 404 200 404 404",
}
PHQ9 = {str(i): 1 for i in range(1, 10)}
BODIES = {
    ("POST", f"{V}/cases/{{case_id}}/appointments"): lambda w: {"starts_at": _future()},
    ("PATCH", APPOINTMENT): lambda w: {"duration_minutes": 60},
    ("POST", f"{V}/cases/{{case_id}}/measures"): lambda w: {"instrument": "phq9", "answers": PHQ9},
    ("POST", f"{TRANSCRIPT}/speakers"): lambda w: {"roles": {}},
    ("POST", f"{V}/sessions/{{session_id}}/reviews"): lambda w: {"supervisor_id": w.users["supervisor"].pk},
    ("POST", f"{REVIEW}/comments"): lambda w: {"text": "Refleksi perasaan sudah tepat."},
    ("PUT", f"{REVIEW}/ratings"): lambda w: {"ratings": {"attending": {"score": 4, "note": ""}}},
    ("POST", f"{REVIEW}/decision"): lambda w: {"decision": "signed_off", "minutes": 30},
}
UPLOADS = {("POST", f"{V}/sessions/{{session_id}}/transcripts")}
# What each role sees in a list: the owner's records, and the granted supervisor's through the grant.
_SEEN = {"outsider": 0, "colleague": 0, "supervisor": 0, "supervisor_granted": 1, "admin": 0, "owner": 1}
LIST_COUNTS = {("GET", f"{V}/appointments"): _SEEN, ("GET", f"{V}/measures"): _SEEN, ("GET", f"{V}/reviews"): _SEEN}
# Answers without counselee data need no audit event: a job still queued (status and progress only, as the
# web's job_status), and the cross-case lists (a page is audited per case it shows; an empty one reads nobody).
NO_COUNSELEE_DATA = {("GET", f"{V}/analysis-jobs/{{job_id}}")} | set(LIST_COUNTS)


def _written_rows() -> dict[str, int]:
    from jalin.cases.models import Appointment
    from jalin.measures.models import Administration
    from jalin.practice.models import AnalysisJob, Review, ReviewComment, ReviewRating, Transcript

    return {model.__name__: model.objects.count() for model in (
        Appointment, Administration, Transcript, AnalysisJob, Review, ReviewComment, ReviewRating)}


def _call(api: Api, method: str, path: str, body):
    path = path.removeprefix(V)
    if method == "GET":
        return api.get(path)
    if body is UPLOADS:
        return api.upload(path, {"file": SimpleUploadedFile("sesi.txt", TEXT.encode(), "text/plain")})
    return api.send(method, path, body if body is not None else {})


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "template"), sorted(EXPECTED))
def test_api_permission_matrix_res(method, template):
    world = World()
    key = (method, template)
    if key in UPLOADS:
        _with_recording_consent(world, {})
    path = fill(world, template)
    tokens = {role: bearer(user) for role, user in world.users.items()}
    case_bound = "{" in template
    codes, refusals = [], []
    for role in ROLES:
        before = _written_rows()
        last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        body = UPLOADS if key in UPLOADS else (BODIES[key](world) if key in BODIES else None)
        response = _call(Api(tokens.get(role)), method, path, body)
        codes.append(str(response.status_code))
        if response.status_code >= 400:
            assert _written_rows() == before, f"{key} as {role}: refused, yet something was written"
        events = list(AuditEvent.objects.filter(seq__gt=last).exclude(actor=None))
        if response.status_code == 404:
            refusals.append(response.content)
            assert response["Content-Type"].startswith("application/problem+json")
            if case_bound:
                assert [e.action for e in events] == ["access.not_found"], f"{key} as {role}: 404 not audited"
        if response.status_code == 200 and method == "GET" and key not in NO_COUNSELEE_DATA:
            assert events, f"{key} as {role}: a read without an audit event"
        for event in events:  # every event of an API request names its token (id only, never the secret)
            assert event.detail.get("api_token"), f"{key} as {role}: {event.action} without the token's id"
            assert tokens[role] not in str(event.detail)
        if key in LIST_COUNTS and role in LIST_COUNTS[key]:
            assert len(response.json()["items"]) == LIST_COUNTS[key][role], f"{key} as {role}"
            if LIST_COUNTS[key][role]:
                assert events, f"{key} as {role}: a page of counselee data without an audit event"
    assert " ".join(codes) == EXPECTED[key], f"{key}: {' '.join(codes)}"
    assert len(set(refusals)) <= 1, f"{key}: the 404 bodies differ between roles"


@pytest.mark.django_db
def test_scopes_are_required_per_route():
    """A token without `write` cannot write, one without `transcripts` cannot touch a transcript (403, before
    any door is opened, so a stranger learns nothing either)."""
    world = World()
    owner = world.users["owner"]
    read_only = Api(bearer(owner, ("read",)))
    no_transcripts = Api(bearer(owner, ("read", "write")))
    for key in sorted(EXPECTED):
        method, template = key
        path = fill(world, template)
        body = UPLOADS if key in UPLOADS else (BODIES[key](world) if key in BODIES else None)
        if method != "GET":
            assert _call(read_only, method, path, body).status_code == 403, key
        if "transcript" in template or "analysis-jobs" in template:
            response = _call(no_transcripts, method, path, body)
            assert response.status_code == 403, key
            assert "transcripts" in response.json()["required_scopes"]
