"""Supervision: explicit, audited submission; the supervisor sees only what was submitted to them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jalin.audit.models import AuditEvent
from jalin.cases.models import CaseAccess
from jalin.core.task_worker import run_pending
from jalin.practice import services
from jalin.practice.models import Review, ReviewComment, ReviewRating
from tests import factories
from tests.conftest import login

from .conftest import TEXT


@pytest.fixture
def trainee(org):
    return factories.make_user("trainee", org=org, trainee=True)


@pytest.fixture
def trainee_session(trainee, supervisor):
    factories.assign(supervisor, trainee)
    case = factories.make_case(trainee, restricted_note="Catatan terbatas uji")
    session = factories.add_session(case, trainee)
    from .conftest import give_recording_consent

    give_recording_consent(case.counselee, trainee)
    services.attach_transcript(session, actor=trainee, text=TEXT, filename="sesi.txt")
    run_pending()  # parsed and analysed by the task worker
    return session


@pytest.fixture
def review(client, trainee, supervisor, trainee_session):
    login(client, trainee)
    response = client.post(reverse("review_submit", args=[trainee_session.pk]),
                           {"supervisor": supervisor.pk, "note": "Mohon masukan"})
    assert response.status_code == 302
    client.logout()
    return Review.objects.get()


def test_submission_is_explicit_audited_and_grants_read_only_access(review, trainee, supervisor):
    assert (review.trainee, review.supervisor, review.status) == (trainee, supervisor, "submitted")
    grant = review.grant
    assert (grant.user, grant.purpose, grant.can_write) == (supervisor, CaseAccess.Purpose.SUPERVISION, False)
    assert grant.expires_at > review.submitted_at
    assert AuditEvent.objects.filter(action="review.submit", case_id=review.session.case_id).exists()


def test_not_submitted_session_is_hidden_from_supervisor(client, trainee, supervisor, trainee_session):
    login(client, supervisor)
    assert client.get(reverse("session_detail", args=[trainee_session.pk])).status_code == 404
    dashboard = client.get(reverse("supervision_dashboard"))
    assert dashboard.status_code == 200 and trainee.display_name.encode() in dashboard.content
    assert trainee_session.case.code.encode() not in dashboard.content


def test_supervisor_sees_submitted_session_without_restricted_note(client, review, supervisor):
    login(client, supervisor)
    dashboard = client.get(reverse("supervision_dashboard")).content.decode()
    assert reverse("review_detail", args=[review.pk]) in dashboard
    page = client.get(reverse("review_detail", args=[review.pk]))
    assert page.status_code == 200
    assert "Catatan terbatas uji" not in page.content.decode()
    assert client.get(reverse("case_detail", args=[review.session.case_id])).status_code == 200
    assert b"Catatan terbatas uji" not in client.get(reverse("case_detail", args=[review.session.case_id])).content
    assert client.post(reverse("transcript_attach", args=[review.session.pk]), {"text": TEXT}).status_code == 404


@pytest.mark.parametrize("who", ["other_supervisor", "colleague", "outsider", "admin_user"])
def test_review_hidden_from_everyone_else(client, review, who, request, org):
    user = (factories.make_user("sup2", role="supervisor", org=org) if who == "other_supervisor"
            else request.getfixturevalue(who))
    if who == "other_supervisor":
        factories.assign(user, review.trainee)  # even a second supervisor of the same trainee
    login(client, user)
    for name in ("review_detail", "review_comment", "review_rate", "review_decide"):
        method = client.get if name == "review_detail" else client.post
        assert method(reverse(name, args=[review.pk])).status_code == 404, name
    assert client.get(reverse("session_detail", args=[review.session.pk])).status_code == 404
    trainee_page = client.get(reverse("supervision_trainee", args=[review.trainee.pk]))
    if who == "other_supervisor":  # their own trainee, but not this review
        assert trainee_page.status_code == 200
        assert review.session.case.code.encode() not in trainee_page.content
    else:
        assert trainee_page.status_code == 404


def test_comment_rate_and_sign_off_visible_to_trainee(client, review, supervisor, trainee):
    login(client, supervisor)
    client.post(reverse("review_comment", args=[review.pk]), {"utterance": 3, "text": "Refleksi yang tepat."})
    client.post(reverse("review_comment", args=[review.pk]), {"text": "Sesi yang baik secara umum."})
    client.post(reverse("review_comment", args=[review.pk]), {"utterance": 99, "text": "tidak ada"})
    assert ReviewComment.objects.count() == 2
    client.post(reverse("review_rate", args=[review.pk]), {
        "score_preparation": "4", "note_preparation": "Siap", "score_reflection": "5", "score_openness": "",
        "score_attending": "3"})
    assert {(r.strategy, r.score) for r in ReviewRating.objects.all()} == {
        ("preparation", 4), ("reflection", 5), ("attending", 3)}
    client.post(reverse("review_rate", args=[review.pk]), {"score_preparation": "9"})
    assert ReviewRating.objects.get(strategy="preparation").score == 4
    client.post(reverse("review_decide", args=[review.pk]), {"decision": "signed_off", "minutes": "50",
                                                              "note": "Lulus sesi ini."})
    review.refresh_from_db()
    assert (review.status, review.minutes) == ("signed_off", 50) and review.decided_at
    client.logout()
    login(client, trainee)
    client.cookies["django_language"] = "en"
    page = client.get(reverse("review_detail", args=[review.pk])).content.decode()
    assert "Signed off" in page and "Lulus sesi ini." in page and "Sesi yang baik secara umum." in page
    assert "Siap" in page and "4/5" in page
    assert 'action="/supervision/reviews/' not in page  # the trainee cannot comment or decide
    mine = client.get(reverse("my_reviews")).content.decode()
    assert reverse("review_detail", args=[review.pk]) in mine and "Signed off" in mine
    assert client.post(reverse("review_decide", args=[review.pk]),
                       {"decision": "returned", "minutes": "5"}).status_code == 404


def test_return_then_resubmit(client, review, supervisor, trainee):
    login(client, supervisor)
    client.post(reverse("review_decide", args=[review.pk]), {"decision": "returned", "minutes": "20"})
    review.refresh_from_db()
    assert review.status == "returned"
    login(client, trainee)
    client.post(reverse("review_submit", args=[review.session.pk]), {"supervisor": supervisor.pk})
    assert Review.objects.filter(session=review.session).count() == 2


def test_only_assigned_supervisor_can_be_chosen(client, trainee, trainee_session, org):
    stranger = factories.make_user("sup3", role="supervisor", org=org)
    login(client, trainee)
    client.post(reverse("review_submit", args=[trainee_session.pk]), {"supervisor": stranger.pk})
    assert not Review.objects.exists()
    assert not CaseAccess.objects.filter(user=stranger).exists()


def test_expired_grant_hides_review(client, review, supervisor):
    from django.utils import timezone

    CaseAccess.objects.filter(pk=review.grant_id).update(expires_at=timezone.now())
    login(client, supervisor)
    assert client.get(reverse("review_detail", args=[review.pk])).status_code == 404


def test_consent_for_counselor_only_blocks_submission(client, org, supervisor):
    from .conftest import give_recording_consent

    trainee = factories.make_user("trainee2", org=org, trainee=True)
    factories.assign(supervisor, trainee)
    case = factories.make_case(trainee)
    session = factories.add_session(case, trainee)
    give_recording_consent(case.counselee, trainee, viewers="counselor")
    services.attach_transcript(session, actor=trainee, text=TEXT)
    login(client, trainee)
    client.post(reverse("review_submit", args=[session.pk]), {"supervisor": supervisor.pk})
    assert not Review.objects.exists() and not CaseAccess.objects.filter(user=supervisor).exists()
