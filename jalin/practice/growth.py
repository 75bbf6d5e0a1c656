"""Skill growth and training hours of a trainee, from their analysed sessions and supervision reviews."""

from __future__ import annotations

from django.db.models import Sum

from jalin.accounts.models import SupervisorAssignment
from jalin.cases.models import CounselingSession

from .models import AnalysisJob, Review

# (key, y_max) of the growth series; shares are 0–1, the ratio is capped for the chart.
SERIES = ("reflection_question_ratio", "open_question_share", "feeling_reflection_share",
          "advice_before_exploration", "resistance_handled", "tasks_covered")


def growth_point(report: dict) -> dict:
    """The growth figures of one analysed session (None where the session gives no basis)."""
    metrics = report.get("metrics", {})
    episodes = metrics.get("resistance_episodes") or []
    advice = metrics.get("advice_before_exploration") or {}
    return {
        "reflection_question_ratio": metrics.get("reflection_question_ratio"),
        "open_question_share": metrics.get("open_question_share"),
        "feeling_reflection_share": metrics.get("feeling_reflection_share"),
        "advice_before_exploration": 1 if advice.get("found") else 0,
        "resistance_handled": (round(sum(1 for e in episodes if e.get("opened_up")) / len(episodes), 4)
                               if episodes else None),
        "tasks_covered": len((report.get("tasks") or {}).get("done", [])),
    }


def growth_series(sessions) -> list[dict]:
    """One point per analysed session, oldest first: the latest finished analysis of its latest transcript."""
    points = []
    unique = {s.pk: s for s in sessions}.values()
    for session in sorted(unique, key=lambda s: (s.date, s.number, s.pk)):
        job = (AnalysisJob.objects.filter(transcript__session=session, status=AnalysisJob.Status.DONE)
               .order_by("-transcript__created_at", "-finished_at", "-id").first())
        if job is None or not job.result:
            continue
        points.append({"date": session.date, "session_id": session.pk, "case": session.case.code,
                       "label": session.date.strftime("%d/%m"), **growth_point(job.result["report"])})
    return points


def training_hours(trainee) -> list[dict]:
    """Direct counseling and supervision hours of a trainee, per programme of their supervision assignments."""
    direct = CounselingSession.objects.filter(case__counselor=trainee).aggregate(
        m=Sum("duration_minutes"))["m"] or 0
    rows = []
    assignments = SupervisorAssignment.objects.filter(supervisee=trainee).select_related("supervisor")
    by_programme: dict[str, list] = {}
    for assignment in assignments:
        by_programme.setdefault(assignment.programme, []).append(assignment.supervisor_id)
    for programme, supervisors in sorted(by_programme.items()):
        supervision = Review.objects.filter(trainee=trainee, supervisor_id__in=supervisors,
                                            decided_at__isnull=False).aggregate(m=Sum("minutes"))["m"] or 0
        rows.append({"programme": programme, "direct_minutes": direct, "supervision_minutes": supervision,
                     "direct_hours": round(direct / 60, 1), "supervision_hours": round(supervision / 60, 1)})
    if not rows:
        rows.append({"programme": "", "direct_minutes": direct, "supervision_minutes": 0,
                     "direct_hours": round(direct / 60, 1), "supervision_hours": 0.0})
    return rows
