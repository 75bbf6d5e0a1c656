"""Every case page with the owner, a colleague, an outsider, a supervisor, an administrator and nobody."""

import pytest
from django.urls import reverse

from jalin.cases import services
from jalin.cases.models import ActionStep, Referral
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(owner, colleague, outsider, supervisor, admin_user):
    case = factories.make_case(owner)
    session = factories.add_session(case, owner)
    step = services.save_action_step(ActionStep(case=case, description="langkah"), actor=owner)
    return {"case": case, "session": session, "step": step, "users": {
        "owner": owner, "colleague": colleague, "outsider": outsider, "supervisor": supervisor,
        "admin": admin_user}}


def case_urls(w):
    c, s, st = w["case"].pk, w["session"].pk, w["step"].pk
    return [
        reverse("case_detail", args=[c]), reverse("case_edit", args=[c]), reverse("case_close", args=[c]),
        reverse("case_contract", args=[c]), reverse("session_new", args=[c]), reverse("referral_new", args=[c]),
        reverse("session_detail", args=[s]), reverse("session_edit", args=[s]),
        reverse("child_new", args=[c, "action-steps"]), reverse("child_edit", args=[c, "action-steps", st]),
        reverse("child_new", args=[c, "follow-ups"]), reverse("child_new", args=[c, "appointments"]),
        reverse("child_new", args=[c, "home-visits"]), reverse("child_new", args=[c, "conferences"]),
        reverse("case_restricted_note", args=[c]), reverse("case_share", args=[c]),
        reverse("counselee_detail", args=[w["case"].counselee_id]),
        reverse("counselee_edit", args=[w["case"].counselee_id]),
        reverse("case_new", args=[w["case"].counselee_id]),
    ]


@pytest.mark.parametrize("who,expected", [("owner", 200), ("colleague", 404), ("outsider", 404),
                                          ("supervisor", 404), ("admin", 404)])
def test_case_pages_answer_only_the_owner(client, world, who, expected):
    client.force_login(world["users"][who])
    for url in case_urls(world):
        assert client.get(url).status_code == expected, url


def test_anonymous_is_sent_to_login(client, world):
    for url in case_urls(world):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


def test_missing_and_forbidden_look_the_same(client, world):
    client.force_login(world["users"]["colleague"])
    forbidden = client.get(reverse("case_detail", args=[world["case"].pk]))
    missing = client.get(reverse("case_detail", args=[999999]))
    assert forbidden.status_code == missing.status_code == 404
    assert forbidden.content == missing.content


@pytest.mark.parametrize("who", ["colleague", "outsider", "supervisor", "admin"])
def test_posts_by_others_change_nothing(client, world, who):
    case = world["case"]
    client.force_login(world["users"][who])
    for url, data in [
        (reverse("case_stage", args=[case.pk]), {"target": "inti", "override_reason": "x"}),
        (reverse("case_task", args=[case.pk]), {"task": "rapport", "done": "on"}),
        (reverse("case_edit", args=[case.pk]), {"area": "sosial", "came_via": "self", "opened_on": "2026-01-01"}),
        (reverse("referral_new", args=[case.pk]), {}),
    ]:
        assert client.post(url, data).status_code == 404, url
    case.refresh_from_db()
    assert case.stage == "awal" and case.area == "pribadi" and not case.tasks.filter(task="rapport").exists()
    assert not Referral.objects.exists()


def test_lists_show_only_visible_cases(client, world, outsider):
    other = factories.make_case(outsider, factories.make_counselee(outsider, name="Orang Lain"))
    client.force_login(world["users"]["owner"])
    body = client.get(reverse("case_list")).content.decode()
    assert world["case"].code in body and other.code not in body
    body = client.get(reverse("counselee_list")).content.decode()
    assert "Budi Contoh" in body and "Orang Lain" not in body


def test_time_limited_share_opens_read_only_then_expires(client, world, supervisor):
    case = world["case"]
    grant = services.grant_access(case, actor=world["users"]["owner"], user=supervisor, purpose="supervision", days=7)
    client.force_login(supervisor)
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("case_edit", args=[case.pk])).status_code == 404  # read-only grant
    body = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "restricted" not in body  # restricted note section is the owner's only
    grant.expires_at = grant.created_at  # expire it
    grant.save()
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 404


def test_admin_cannot_be_granted_notes(world):
    with pytest.raises(services.ServiceError):
        services.grant_access(world["case"], actor=world["users"]["owner"], user=world["users"]["admin"],
                              purpose="colleague", days=7)


def test_search_finds_by_encrypted_name(client, world):
    client.force_login(world["users"]["owner"])
    assert world["case"].code in client.post(reverse("case_list"), {"q": "budi"}).content.decode()
    assert world["case"].code not in client.post(reverse("case_list"), {"q": "zzz"}).content.decode()


def test_lists_show_own_and_granted_cases_until_the_grant_ends(client, world, colleague, outsider):
    """The lists' condition (own cases' ids UNION granted ids) shows a colleague's own case and a shared one,
    never a case only shared with someone else, and drops the shared one when the grant is revoked or
    expires."""
    from jalin.measures.services import raise_alert

    owner, case = world["users"]["owner"], world["case"]
    own = factories.make_case(colleague, factories.make_counselee(colleague, name="Milik Rekan"))
    elsewhere = factories.make_case(outsider, factories.make_counselee(outsider, name="Orang Lain"))
    raise_alert(case, code="phq9_item9", severity="critical", source="measure", source_ref="share",
                reason_id="Butir 9 PHQ-9 bernilai positif", reason_en="PHQ-9 item 9 positive")
    grant = services.grant_access(case, actor=owner, user=colleague, purpose="colleague", days=7)
    client.force_login(colleague)

    def listed() -> tuple[set, set, set]:
        cases = {c.pk for c in client.get(reverse("case_list")).context["cases"]}
        dashboard = client.get(reverse("dashboard")).context
        on_dashboard = {c.pk for _stage, _label, rows in dashboard["by_stage"] for c in rows}
        return cases, on_dashboard, {a.case_id for a in dashboard["alerts"]}

    assert listed() == ({own.pk, case.pk}, {own.pk, case.pk}, {case.pk})
    assert elsewhere.pk not in listed()[0]
    services.revoke_access(grant, actor=owner)
    assert listed() == ({own.pk}, {own.pk}, set())
    grant = services.grant_access(case, actor=owner, user=colleague, purpose="colleague", days=7)
    assert listed()[0] == {own.pk, case.pk}
    grant.expires_at = grant.created_at
    grant.save()
    assert listed() == ({own.pk}, {own.pk}, set())
