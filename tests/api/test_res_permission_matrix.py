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

from .res_helpers import Api, bearer

TEXT = "Konselor: Selamat pagi, silakan duduk.\nKonseli: Pagi bu, saya bingung.\n"


def _future() -> str:
    return (timezone.now() + timedelta(days=3)).isoformat()


# (method, path, body) per route; the body is a callable of the world (writes) or None.
def routes(w: World) -> dict[str, tuple]:
    a, m, s = w.appointment.pk, w.administration.pk, w.session.pk
    t, j, r = w.transcript.pk, w.job.pk, w.review.pk
    phq9 = {str(i): 1 for i in range(1, 10)}
    return {
        "appointments_list": ("GET", "/appointments", None),
        "appointment_detail": ("GET", f"/appointments/{a}", None),
        "appointment_create": ("POST", "/appointments", {"case_id": w.case.pk, "starts_at": _future()}),
        "appointment_update": ("PATCH", f"/appointments/{a}", {"duration_minutes": 60}),
        "appointment_cancel": ("POST", f"/appointments/{a}/cancel", {}),
        "measures_list": ("GET", "/measures", None),
        "measure_detail": ("GET", f"/measures/{m}", None),
        "measure_fhir": ("GET", f"/measures/{m}/fhir", None),
        "measure_create": ("POST", "/measures", {"case_id": w.case.pk, "instrument": "phq9", "answers": phq9}),
        "transcript_upload": ("UPLOAD", f"/sessions/{s}/transcripts", None),
        "transcript_detail": ("GET", f"/transcripts/{t}", None),
        "transcript_speakers": ("POST", f"/transcripts/{t}/speakers", {"roles": {}}),
        "transcript_rerun": ("POST", f"/transcripts/{t}/rerun", {}),
        "job_detail": ("GET", f"/analysis-jobs/{j}", None),
        "reviews_list": ("GET", "/reviews", None),
        "review_detail": ("GET", f"/reviews/{r}", None),
        "review_submit": ("POST", f"/sessions/{s}/reviews",
                          {"supervisor_id": w.users["supervisor"].pk, "note": ""}),
        "review_comment": ("POST", f"/reviews/{r}/comments", {"text": "Refleksi perasaan sudah tepat."}),
        "review_rate": ("PUT", f"/reviews/{r}/ratings", {"ratings": {"attending": {"score": 4, "note": ""}}}),
        "review_decide": ("POST", f"/reviews/{r}/decision", {"decision": "signed_off", "minutes": 30}),
    }


#   anonymous outsider colleague supervisor supervisor_granted admin owner
EXPECTED = {
    "appointments_list": "401 200 200 200 200 200 200",
    "appointment_detail": "401 404 404 404 200 404 200",
    "appointment_create": "401 404 404 404 404 404 201",
    "appointment_update": "401 404 404 404 404 404 200",
    "appointment_cancel": "401 404 404 404 404 404 200",
    "measures_list": "401 200 200 200 200 200 200",
    "measure_detail": "401 404 404 404 200 404 200",
    "measure_fhir": "401 404 404 404 200 404 200",
    "measure_create": "401 404 404 404 404 404 201",
    "transcript_upload": "401 404 404 404 404 404 202",
    "transcript_detail": "401 404 404 404 200 404 200",
    # the world's transcript has no speakers to confirm: the owner passes the door and gets the service's 422
    "transcript_speakers": "401 404 404 404 404 404 422",
    "transcript_rerun": "401 404 404 404 404 404 202",
    "job_detail": "401 404 404 404 200 404 200",
    "reviews_list": "401 200 200 200 200 200 200",
    "review_detail": "401 404 404 404 200 404 200",
    "review_submit": "401 404 404 404 404 404 201",
    "review_comment": "401 404 404 404 201 404 404",
    "review_rate": "401 404 404 404 200 404 404",
    "review_decide": "401 404 404 404 200 404 404",
}
# What each role sees in a list: the owner's records, and the granted supervisor's through the grant.
LIST_COUNTS = {
    "appointments_list": {"outsider": 0, "colleague": 0, "supervisor": 0, "supervisor_granted": 1, "admin": 0,
                          "owner": 1},
    "measures_list": {"outsider": 0, "colleague": 0, "supervisor": 0, "supervisor_granted": 1, "admin": 0,
                      "owner": 1},
    "reviews_list": {"outsider": 0, "colleague": 0, "supervisor": 0, "supervisor_granted": 1, "admin": 0,
                     "owner": 1},
}
# Answers without counselee data need no audit event: a job still queued (status and progress only, as
# the web's job_status), and lists (audited, but an empty one is not a read of anyone's data).
NO_COUNSELEE_DATA = {"job_detail"} | set(LIST_COUNTS)
# Routes with an id in the path: a 404 there is an attempt, audited as on the web.
CASE_BOUND = {name for name in EXPECTED if name not in {"appointments_list", "appointment_create", "measures_list",
                                                         "measure_create", "reviews_list"}}


def _written_rows() -> dict[str, int]:
    from jalin.cases.models import Appointment
    from jalin.measures.models import Administration
    from jalin.practice.models import AnalysisJob, Review, ReviewComment, ReviewRating, Transcript

    return {model.__name__: model.objects.count() for model in (
        Appointment, Administration, Transcript, AnalysisJob, Review, ReviewComment, ReviewRating)}


def _call(api: Api, method: str, path: str, body):
    if method == "GET":
        return api.get(path)
    if method == "UPLOAD":
        return api.upload(path, {"file": SimpleUploadedFile("sesi.txt", TEXT.encode(), "text/plain")})
    return api.send(method, path, body)


def test_every_route_of_mine_is_in_the_matrix():
    """A route added to these routers without a row here fails."""
    from jalin.api.routers import appointments, measures, reviews, transcripts

    count = sum(len(list(r.path_operations.values())) and sum(len(op.operations) for op in r.path_operations.values())
                for r in (appointments.router, measures.router, transcripts.router, reviews.router))
    assert count == len(EXPECTED)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_api_permission_matrix(name):
    world = World()
    if name == "transcript_upload":
        _with_recording_consent(world, {})
    method, path, body = routes(world)[name]
    tokens = {role: bearer(user) for role, user in world.users.items()}
    codes, refusals = [], []
    for role in ROLES:
        before = _written_rows()
        last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        response = _call(Api(tokens.get(role)), method, path, body)
        codes.append(str(response.status_code))
        if response.status_code >= 400:
            assert _written_rows() == before, f"{name} as {role}: refused, yet something was written"
        events = list(AuditEvent.objects.filter(seq__gt=last).exclude(actor=None))
        if response.status_code == 404:
            refusals.append(response.content)
            assert response["Content-Type"].startswith("application/problem+json")
            if name in CASE_BOUND:
                assert [e.action for e in events] == ["access.not_found"], f"{name} as {role}: 404 not audited"
        if response.status_code == 200 and method == "GET" and name not in NO_COUNSELEE_DATA:
            assert events, f"GET {name} as {role}: a read without an audit event"
        for event in events:  # every event of an API request names its token (id only, never the secret)
            assert event.detail.get("api_token"), f"{name} as {role}: {event.action} without the token's id"
            assert tokens[role] not in str(event.detail)
        if name in LIST_COUNTS and role in LIST_COUNTS[name]:
            assert len(response.json()["items"]) == LIST_COUNTS[name][role], f"{name} as {role}"
    assert " ".join(codes) == EXPECTED[name], f"{name}: {' '.join(codes)}"
    assert len(set(refusals)) <= 1, f"{name}: the 404 bodies differ between roles"


@pytest.mark.django_db
def test_scopes_are_required_per_route():
    """A token without `write` cannot write, one without `transcripts` cannot touch a transcript (403, before
    any door is opened, so a stranger learns nothing either)."""
    world = World()
    owner = world.users["owner"]
    read_only = Api(bearer(owner, ("read",)))
    no_transcripts = Api(bearer(owner, ("read", "write")))
    for name, (method, path, body) in routes(world).items():
        if method != "GET":
            assert _call(read_only, method, path, body).status_code == 403, name
        if "transcript" in name or name == "job_detail":
            response = _call(no_transcripts, method, path, body)
            assert response.status_code == 403, name
            assert "transcripts" in response.json()["required_scopes"]
