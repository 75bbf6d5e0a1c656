"""Measures through the API: giving one goes through the web's service (scores, bands, alerts, audit), the
FHIR QuestionnaireResponse is the web's export, and bad answers name the item."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from jalin.audit.models import AuditEvent
from jalin.measures import services as measure_services
from jalin.measures.models import Administration, Alert
from tests import factories

from .res_helpers import Api, bearer, is_problem

PHQ9_SEVERE = {str(i): 3 for i in range(1, 10)}


@pytest.fixture
def api(owner):
    return Api(bearer(owner))


def _trail(since: int) -> list[tuple[str, str]]:
    return [(e.action, e.object_type) for e in AuditEvent.objects.filter(seq__gt=since).order_by("seq")]


def _last() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


@pytest.mark.django_db
def test_give_a_measure_scores_bands_and_alerts_as_the_web(api, case, owner, client):
    session = factories.add_session(case, owner)
    since = _last()
    response = api.post(f"/cases/{case.pk}/measures", {"instrument": "phq9", "answers": PHQ9_SEVERE,
                                                       "session_id": session.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"].endswith(f"/api/v1/measures/{body['id']}")
    assert body["total"] == 27 and body["band"]["id"] == "severe" and body["band"]["label"]
    assert body["session_id"] == session.pk and body["answers"]["9"] == 3
    assert [c["item"] for c in body["critical_items"]] == ["9"]
    api_trail = _trail(since)
    # the same through the web's form, on a second case
    web_case = factories.make_case(owner, case.counselee)
    client.force_login(owner)
    since = _last()
    client.post(reverse("measure_give", args=[web_case.pk]) + "?instrument=phq9&language=id",
                {f"item_{k}": v for k, v in PHQ9_SEVERE.items()})
    assert _trail(since) == api_trail
    assert [a for a, _ in api_trail].count("alert.raise") == Alert.objects.filter(case=case).count() >= 1
    web = Administration.objects.get(case=web_case)
    ours = Administration.objects.get(pk=body["id"])
    assert (web.result, web.answers, web.mode) == (ours.result, ours.answers, ours.mode)


@pytest.mark.django_db
def test_list_detail_and_the_fhir_export_equal_the_web(api, case, owner, client):
    first = measure_services.record_administration(case, instrument_code="phq9", lang="id", actor=owner,
                                                   answers={str(i): 1 for i in range(1, 10)})
    second = measure_services.record_administration(case, instrument_code="gad7", lang="en", actor=owner,
                                                    answers={str(i): 2 for i in range(1, 8)})
    page = api.get(f"/cases/{case.pk}/measures").json()
    assert [a["id"] for a in page["items"]] == [first.pk, second.pk]
    assert api.get("/measures", {"instrument": "gad7"}).json()["items"][0]["id"] == second.pk
    detail = api.get(f"/measures/{first.pk}").json()
    assert detail["total"] == 9 and detail["fhir_url"] == f"/api/v1/measures/{first.pk}/fhir"
    fhir = api.get(f"/measures/{first.pk}/fhir")
    assert fhir.status_code == 200 and fhir["Content-Type"].startswith("application/fhir+json")
    client.force_login(owner)
    web = client.get(reverse("measure_fhir", args=[case.pk, first.pk]))
    assert json.loads(fhir.content) == json.loads(web.content)
    assert json.loads(fhir.content)["resourceType"] == "QuestionnaireResponse"
    events = AuditEvent.objects.filter(action="measure.export_fhir", object_id=str(first.pk))
    assert events.count() == 2 and sum(1 for e in events if e.detail.get("api_token")) == 1


@pytest.mark.django_db
def test_page_through_measures(api, case, owner):
    made = [measure_services.record_administration(case, instrument_code="phq9", lang="id", actor=owner,
                                                   answers={str(i): 0 for i in range(1, 10)}) for _ in range(5)]
    seen, cursor = [], None
    for _ in range(5):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = api.get(f"/cases/{case.pk}/measures", params).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == [a.pk for a in made]


@pytest.mark.django_db
@pytest.mark.parametrize("body,fields", [
    ({"instrument": "phq9", "answers": {str(i): 1 for i in range(1, 9)}}, ["answers.9"]),  # missing item
    ({"instrument": "phq9", "answers": {**{str(i): 1 for i in range(1, 10)}, "3": 7}}, ["answers.3"]),  # range
    ({"instrument": "phq9", "answers": {**{str(i): 1 for i in range(1, 10)}, "99": 1}}, ["answers.99"]),
    ({"instrument": "tidak-ada", "answers": {"1": 1}}, ["body.instrument"]),
    ({"instrument": "phq9", "answers": [1, 2, 3]}, ["body.answers"]),  # wrong type
    ({"instrument": "phq9", "answers": {"1": 1}, "score": 27}, ["body.score"]),  # unknown field
    ({"instrument": "phq9", "answers": {"1": 1}, "language": "jv"}, ["body.language"]),
    ({"instrument": "phq9", "answers": {**{str(i): 1 for i in range(1, 10)}, "2": "sering"}}, ["body.answers.2"]),
    ({"instrument": "phq9", "answers": {str(i): 1 for i in range(1, 10)}, "session_id": 999999},
     ["body.session_id"]),
])
def test_bad_answers_name_the_item_and_nothing_is_stored(api, case, body, fields):
    problem = is_problem(api.post(f"/cases/{case.pk}/measures", body), 422)
    got = [e["field"] for e in problem["errors"]]
    assert all(f"body.{f}" in got or f in got for f in fields), problem
    assert not Administration.objects.exists() and not Alert.objects.exists()


@pytest.mark.django_db
def test_messages_follow_accept_language(owner, case):
    body = {"instrument": "phq9", "answers": {str(i): 1 for i in range(1, 9)}}
    english = is_problem(Api(bearer(owner), lang="en").post(f"/cases/{case.pk}/measures", body), 422)
    indonesian = is_problem(Api(bearer(owner), lang="id").post(f"/cases/{case.pk}/measures", body), 422)
    assert english["errors"][0]["message"] != indonesian["errors"][0]["message"]


@pytest.mark.django_db
def test_ids_beyond_what_a_database_holds_are_refused_not_a_500(api, case):
    """Found by schemathesis: SQLite raises OverflowError on a foreign key compared with an int over 2**63."""
    huge = 2**70
    is_problem(api.get(f"/cases/{case.pk}/measures", {"session_id": huge}), 422)
    is_problem(api.get("/measures", {"case_id": huge}), 422)
    is_problem(api.get("/appointments", {"case_id": huge}), 422)
    for path in (f"/measures/{huge}", f"/measures/{huge}/fhir", f"/appointments/{huge}", f"/reviews/{huge}",
                 f"/transcripts/{huge}", f"/analysis-jobs/{huge}", f"/cases/{huge}/measures"):
        is_problem(api.get(path), 404)
