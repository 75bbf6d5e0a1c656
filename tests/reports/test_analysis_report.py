"""The stored transcript analysis of a session as a report, and its techniques in the session report."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from jalin.analysis.metrics import compute_metrics, find_tasks
from jalin.analysis.report import to_json
from jalin.analysis.types import AnalysisResult, LabelledUtterance
from jalin.audit.models import AuditEvent
from tests import factories

pytestmark = pytest.mark.django_db

TEXT = ("Konselor: Selamat pagi, apa yang ingin kamu ceritakan?\nKonseli: Nilai saya turun.\n"
        "Konselor: Kamu merasa cemas karena nilaimu turun.\nKonseli: Iya bu.\n")


def _result() -> AnalysisResult:
    def u(i, speaker, text, label, group):
        return LabelledUtterance(index=i, speaker=speaker, speaker_name=speaker, text=text, label=label,
                                 group=group, confidence=0.9)
    utterances = [u(0, "counselor", "Selamat pagi, apa yang ingin kamu ceritakan?", "open_question", "attending"),
                    u(1, "counselee", "Nilai saya turun.", "disclosure", "counselee"),
                    u(2, "counselor", "Kamu merasa cemas karena nilaimu turun.", "reflection_feeling",
                      "responding"),
                    u(3, "counselee", "Iya bu.", "surface", "counselee")]
    done, missed = find_tasks(utterances)
    return AnalysisResult(
        source="sesi.txt", format="text", language="id", transcript_language="id", model_version="test-1",
        utterances=utterances, tasks_done=done, tasks_missed=missed, metrics=compute_metrics(utterances),
        feedback=[{"kind": "strength", "code": "reflection",
                                                              "text": "Refleksi baik.", "utterances": [3]}], risk=[])


@pytest.fixture
def analysed(owner):
    from jalin.practice import services as practice
    from jalin.practice.models import AnalysisJob
    from jalin.privacy.models import Consent
    from jalin.privacy.services import record_consent

    case = factories.make_case(owner)
    session = factories.add_session(case, owner)
    for kind in ("recording", "guardian"):
        record_consent(case.counselee, actor=owner, data={
            "kind": kind, "given_on": date(2026, 11, 1), "method": Consent.Method.SIGNED_FORM,
            "viewers": "supervisor" if kind == "recording" else "", "given_by_name": "Wali Contoh"})
    transcript = practice.attach_transcript(session, actor=owner, text=TEXT)
    transcript = practice.parse_stored_upload(transcript)  # the task's first step
    report = to_json(_result())
    # What the task stores when a job finishes (jalin.practice.services.store_analysis).
    AnalysisJob.objects.filter(transcript=transcript).update(
        status=AnalysisJob.Status.DONE, progress=100, finished_at=timezone.now(), model_version="test-1",
        result={"report": report, "feedback": {"id": report["feedback"],
                                               "en": [{"kind": "strength", "code": "reflection", "text": "Good reflection.",
                                                       "utterances": [3]}]}})
    return session, transcript


def test_analysis_report_renders_the_stored_result_in_the_ui_language(client, owner, analysed):
    session, _ = analysed
    client.force_login(owner)
    client.post(reverse("set_language"), {"language": "en"})
    response = client.get(reverse("report_session_analysis", args=[session.pk]))
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith("<!DOCTYPE html>")
    assert "Good reflection." in html and "Refleksi baik." not in html
    assert "Kamu merasa cemas karena nilaimu turun." in html
    policy = response["Content-Security-Policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy and "sandbox" in policy
    assert AuditEvent.objects.filter(action="report.view", detail__report="analysis").count() == 1


@pytest.mark.parametrize("who", ["colleague", "outsider", "admin_user"])
def test_analysis_report_is_404_for_others(client, analysed, who, request):
    session, _ = analysed
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("report_session_analysis", args=[session.pk])).status_code == 404


def test_session_report_lists_techniques_with_the_counselors_corrections(client, owner, analysed):
    from jalin.practice import services as practice

    session, transcript = analysed
    client.force_login(owner)
    client.post(reverse("set_language"), {"language": "en"})
    html = client.get(reverse("report_session", args=[session.pk])).content.decode()
    assert 'class="techniques"' in html and "(to be filled in by the counselor)" not in html
    assert "open question" in html
    practice.correct_label(transcript, actor=owner, utterance=1, old_label="open_question",
                           new_label="closed_question", job=transcript.jobs.get())
    html = client.get(reverse("report_session", args=[session.pk])).content.decode()
    assert "closed question" in html and "open question" not in html


@pytest.mark.parametrize("with_evidence", [True, False])  # False: a report stored as jalin.analysis/1
def test_analysis_report_alert_names_the_line_its_counselor_turn_and_the_safety_steps(
        client, owner, analysed, with_evidence):
    from jalin.practice.models import AnalysisJob

    session, transcript = analysed
    job = AnalysisJob.objects.get(transcript=transcript)
    entry = {"flag": "abuse", "utterance": 2, "text": "Nilai saya turun."}
    if with_evidence:
        entry |= {"basis": "phrase", "evidence": "nilai saya turun",
                  "counselor_turn": {"utterance": 1, "text": "Selamat pagi, apa yang ingin kamu ceritakan?"}}
    job.result["report"]["risk"] = [entry]
    job.save(update_fields=["result"])
    client.force_login(owner)
    client.post(reverse("set_language"), {"language": "en"})
    html = client.get(reverse("report_session_analysis", args=[session.pk])).content.decode()
    alert = html[html.index('class="risk"'):html.index("</section>", html.index('class="risk"'))]
    assert "Utterance 2" in alert and "never a diagnosis" in alert and "Safety steps" in alert
    assert ("Counselor (utterance 1)" in alert) is with_evidence
    if with_evidence:
        assert alert.index("Counselor (utterance 1)") < alert.index("Utterance 2") < alert.index("Safety steps")
        assert "phrase “nilai saya turun”" in alert
