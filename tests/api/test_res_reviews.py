"""Supervision reviews through the API: submit, comment, rate, sign off — the web's rules and audit events."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jalin.audit.models import AuditEvent
from jalin.practice.models import Review, ReviewComment, ReviewRating
from tests import factories

from .res_helpers import Api, bearer, is_problem


@pytest.fixture
def trainee(org):
    return factories.make_user("trainee", org=org, trainee=True)


@pytest.fixture
def world(trainee, supervisor):
    factories.assign(supervisor, trainee)
    case = factories.make_case(trainee)
    session = factories.add_session(case, trainee)
    return {"case": case, "session": session, "trainee": Api(bearer(trainee)), "supervisor": Api(bearer(supervisor))}


def _submit(world, supervisor) -> dict:
    response = world["trainee"].post(f"/sessions/{world['session'].pk}/reviews",
                                     {"supervisor_id": supervisor.pk, "note": "Mohon masukan"})
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.django_db
def test_submit_comment_rate_sign_off(world, supervisor, trainee):
    review = _submit(world, supervisor)
    assert review["status"] == "submitted" and review["trainee_note"] == "Mohon masukan"
    sup = world["supervisor"]
    assert [r["id"] for r in sup.get("/reviews", {"role": "supervisor"}).json()["items"]] == [review["id"]]
    assert sup.get("/reviews", {"role": "trainee"}).json()["items"] == []
    comment = sup.post(f"/reviews/{review['id']}/comments", {"text": "Refleksi perasaan sudah tepat."})
    assert comment.status_code == 201 and comment.json()["utterance"] is None
    rated = sup.put(f"/reviews/{review['id']}/ratings", {"ratings": {
        "attending": {"score": 4, "note": "baik"}, "reflection": {"score": None}}})
    assert rated.status_code == 200, rated.content
    assert [(r["strategy"], r["score"]) for r in rated.json()["ratings"]] == [("attending", 4)]
    decided = sup.post(f"/reviews/{review['id']}/decision", {"decision": "signed_off", "minutes": 45,
                                                              "note": "Lanjutkan"})
    assert decided.status_code == 200 and decided.json()["status"] == "signed_off"
    assert decided.json()["minutes"] == 45
    # signed off once: the service refuses a second decision, as on the web
    again = is_problem(sup.post(f"/reviews/{review['id']}/decision", {"decision": "returned", "minutes": 5}), 422)
    assert again["code"] == "rejected"
    # the trainee reads it all
    mine = world["trainee"].get(f"/reviews/{review['id']}").json()
    assert mine["status"] == "signed_off" and mine["comments"][0]["text"] == "Refleksi perasaan sudah tepat."
    actions = [e.action for e in AuditEvent.objects.all() if e.detail.get("api_token")]
    for action in ("review.submit", "review.comment", "review.rate", "review.decide", "review.view",
                   "review.list"):
        assert action in actions, action


@pytest.mark.django_db
def test_the_trainee_cannot_do_what_only_the_supervisor_may(world, supervisor):
    review = _submit(world, supervisor)
    trainee = world["trainee"]
    for method, path, body in (("POST", "comments", {"text": "x"}), ("PUT", "ratings", {"ratings": {}}),
                               ("POST", "decision", {"decision": "signed_off", "minutes": 1})):
        response = trainee.send(method, f"/reviews/{review['id']}/{path}", body)
        is_problem(response, 404)
    assert not ReviewComment.objects.exists() and not ReviewRating.objects.exists()
    assert Review.objects.get().status == "submitted"


@pytest.mark.django_db
def test_submit_only_to_an_assigned_supervisor(world, org):
    stranger = factories.make_user("pembimbing2", role="supervisor", org=org)
    body = is_problem(world["trainee"].post(f"/sessions/{world['session'].pk}/reviews",
                                            {"supervisor_id": stranger.pk}), 422)
    assert body["errors"][0]["field"] == "body.supervisor_id"
    assert not Review.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("path,body,field", [
    ("comments", {"text": ""}, "body.text"),
    ("comments", {"text": "x", "utterance": 0}, "body.utterance"),
    ("comments", {"text": "x", "utterance": 5}, "body"),  # no transcript: no utterance 5 (the service says so)
    ("ratings", {"ratings": {"attending": {"score": 6}}}, "body.ratings.attending.score"),
    ("ratings", {"ratings": {"kindness": {"score": 3}}}, "body.ratings.kindness.[key]"),
    ("decision", {"decision": "approved", "minutes": 5}, "body.decision"),
    ("decision", {"decision": "returned", "minutes": 601}, "body.minutes"),
    ("decision", {"decision": "returned", "minutes": "lima"}, "body.minutes"),
])
def test_bad_review_input_names_the_field(world, supervisor, path, body, field):
    review = _submit(world, supervisor)
    method = "PUT" if path == "ratings" else "POST"
    problem = is_problem(world["supervisor"].send(method, f"/reviews/{review['id']}/{path}", body), 422)
    assert field in [e["field"] for e in problem["errors"]], problem
    assert not ReviewComment.objects.exists() and not ReviewRating.objects.exists()
    assert Review.objects.get().status == "submitted"


@pytest.mark.django_db
def test_web_and_api_comment_write_the_same_records_and_events(world, supervisor, client):
    review = _submit(world, supervisor)
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    world["supervisor"].post(f"/reviews/{review['id']}/comments", {"text": "Lewat API"})
    client.force_login(supervisor)
    middle = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    client.post(reverse("review_comment", args=[review["id"]]), {"text": "Lewat web"})
    api_events = [(e.action, sorted(k for k in e.detail if k != "api_token"))
                  for e in AuditEvent.objects.filter(seq__gt=last, seq__lte=middle)]
    web_events = [(e.action, sorted(e.detail)) for e in AuditEvent.objects.filter(seq__gt=middle)]
    assert api_events == web_events == [("review.comment", ["review", "utterance"])]
    assert sorted(ReviewComment.objects.values_list("text", flat=True)) == ["Lewat API", "Lewat web"]
