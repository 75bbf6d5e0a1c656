"""Skill growth and training hours, computed from hand-made sessions and hand-made analysis results."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jalin.accounts.models import SupervisorAssignment
from jalin.practice import growth, services
from jalin.practice.models import AnalysisJob, Review, Transcript
from tests import factories
from tests.conftest import login


def _report(*, reflections, questions, open_q, feeling, advice, episodes, tasks):
    return {"metrics": {
        "reflection_question_ratio": round(reflections / questions, 4) if questions else None,
        "open_question_share": round(open_q / questions, 4) if questions else None,
        "feeling_reflection_share": round(feeling / reflections, 4) if reflections else None,
        "advice_before_exploration": {"found": advice},
        "resistance_episodes": [{"opened_up": o} for o in episodes]},
        "tasks": {"done": [{"id": t, "stage": "awal", "utterances": [1]} for t in tasks]}}


def _analysed_session(case, actor, *, days_ago, minutes=45, **report):
    session = factories.add_session(case, actor, days_ago=days_ago)
    session.duration_minutes = minutes
    session.save(update_fields=["duration_minutes"])
    transcript = Transcript.objects.create(session=session, format="text", raw="-", utterances=[],
                                           uploaded_by=actor)
    AnalysisJob.objects.create(transcript=transcript, requested_by=actor, status="done", progress=100,
                               model_version="m1", result={"report": _report(**report), "feedback": {}})
    return session


@pytest.fixture
def trainee(org, supervisor):
    user = factories.make_user("trainee", org=org, trainee=True)
    SupervisorAssignment.objects.create(supervisor=supervisor, supervisee=user, programme="PPL BK 2026")
    return user


@pytest.fixture
def sessions(trainee):
    case = factories.make_case(trainee)
    later = _analysed_session(case, trainee, days_ago=3, minutes=60, reflections=6, questions=4, open_q=3,
                              feeling=3, advice=False, episodes=[True, True, False, True],
                              tasks=["rapport", "structuring", "exploration"])
    earlier = _analysed_session(case, trainee, days_ago=10, minutes=30, reflections=1, questions=5, open_q=1,
                                feeling=0, advice=True, episodes=[False, True], tasks=["rapport"])
    factories.add_session(case, trainee, days_ago=1)  # no transcript: counts for hours, not for growth
    return earlier, later


def test_growth_series_oldest_first_with_figures(sessions):
    earlier, later = sessions
    points = growth.growth_series([later, earlier, *earlier.case.sessions.all()])
    assert [p["session_id"] for p in points] == [earlier.pk, later.pk]
    first, second = points
    assert first == {**first, "date": earlier.date, "reflection_question_ratio": 0.2, "open_question_share": 0.2,
                     "feeling_reflection_share": 0.0, "advice_before_exploration": 1, "resistance_handled": 0.5,
                     "tasks_covered": 1}
    assert second == {**second, "reflection_question_ratio": 1.5, "open_question_share": 0.75,
                      "feeling_reflection_share": 0.5, "advice_before_exploration": 0,
                      "resistance_handled": 0.75, "tasks_covered": 3}


def test_growth_without_resistance_or_questions_is_empty_not_zero():
    point = growth.growth_point(_report(reflections=0, questions=0, open_q=0, feeling=0, advice=False,
                                        episodes=[], tasks=[]))
    assert point["resistance_handled"] is None and point["reflection_question_ratio"] is None


def test_training_hours_per_programme(sessions, trainee, supervisor):
    earlier, later = sessions
    review = services.submit_for_review(later, actor=trainee, supervisor=supervisor)
    services.decide_review(review, actor=supervisor, decision=Review.Status.RETURNED, minutes=40)
    pending = services.submit_for_review(earlier, actor=trainee, supervisor=supervisor)
    assert pending.minutes == 0
    rows = growth.training_hours(trainee)
    assert rows == [{"programme": "PPL BK 2026", "direct_minutes": 135, "supervision_minutes": 40,
                     "direct_hours": 2.2, "supervision_hours": 0.7}]


def test_trainee_page_and_supervisor_page_show_charts(client, sessions, trainee, supervisor):
    earlier, later = sessions
    login(client, trainee)
    client.cookies["django_language"] = "en"
    mine = client.get(reverse("my_reviews")).content.decode()
    assert mine.count('<svg class="chart"') == 6 and "PPL BK 2026" in mine and "2.2" in mine
    assert earlier.date.strftime("%d/%m") in mine
    # the supervisor sees growth only from sessions submitted to them
    services.submit_for_review(later, actor=trainee, supervisor=supervisor)
    login(client, supervisor)
    page = client.get(reverse("supervision_trainee", args=[trainee.pk])).content.decode()
    assert page.count('<svg class="chart"') == 6
    assert later.date.strftime("%d/%m") in page and earlier.date.strftime("%d/%m") not in page
    assert "<script" not in page and 'style="' not in page
