"""Analysis jobs run by the task worker (synchronously here through ``run_pending``), the report on the session
page, re-runs, label corrections, task suggestions and risk alerts. Each real run takes a second or two,
so the tests that need one share it where they can."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jalin.cases.models import CaseTask
from jalin.core.task_worker import run_pending
from jalin.measures.models import Alert
from jalin.practice import services
from jalin.practice.models import AnalysisJob, LabelCorrection, Transcript
from jalin.practice.report import current_model_version
from tests.conftest import login

from .conftest import TEXT


@pytest.fixture
def transcript(consented, owner):
    return services.attach_transcript(consented, actor=owner, text=TEXT, filename="sesi.txt")


@pytest.fixture
def analysed(transcript):
    run_pending()
    assert transcript.jobs.get().status == AnalysisJob.Status.DONE
    transcript.refresh_from_db()  # parsed by the task
    return transcript


def _page(client, session, lang="en"):
    client.cookies["django_language"] = lang
    return client.get(reverse("session_detail", args=[session.pk]))


def test_job_lifecycle_progress_and_result(client, owner, transcript):
    job = transcript.jobs.get()
    login(client, owner)
    status = client.get(reverse("job_status", args=[job.pk])).json()
    assert status["status"] == "queued" and status["progress"] == 0 and status["finished"] is False
    page = _page(client, transcript.session)
    assert b"jalin/practice.js" in page.content and b"Refresh" in page.content
    run_pending()
    job.refresh_from_db()
    assert job.attempts == 1  # run once
    run_pending()  # nothing left: running again changes nothing
    assert AnalysisJob.objects.get().attempts == 1
    assert job.status == "done" and job.progress == 100
    assert job.started_at <= job.finished_at
    assert job.model_version == current_model_version() != ""
    assert job.result["report"]["model_version"] == job.model_version
    assert {"id", "en"} <= set(job.result["feedback"])
    status = client.get(reverse("job_status", args=[job.pk])).json()
    assert status == {**status, "status": "done", "progress": 100, "finished": True}
    page = _page(client, transcript.session).content.decode()
    assert job.model_version in page
    assert "Re-run with the current model" in page
    assert 'class="tag grp-reflection"' in page  # technique labels coloured by group
    assert "Risk flags" in page and page.index("Risk flags") < page.index('id="u1"')
    # the alert names the flagged line with the counselor turn before it, then the safety steps
    alert_html = page[page.index("Risk flags"):page.index('id="u1"')]
    assert "Counselor (utterance 3)" in alert_html and 'href="#u4"' in alert_html
    assert "never a diagnosis" in alert_html and "Safety steps" in alert_html
    assert alert_html.index("Counselor (utterance 3)") < alert_html.index('href="#u4"') < alert_html.index("Safety steps")
    utterances = job.result["report"]["utterances"]
    for u in utterances:
        if u["group"] == "resistance":  # counselee resistance is marked
            assert f'id="u{u["index"]}" class="utt counselee resistance' in page
        assert f'class="stage-band stage-{u["stage"]}"' in page  # stage bands
    assert any(u["group"] == "resistance" for u in utterances)  # "Tidak tahu bu." is reluctance
    indonesian = _page(client, transcript.session, "id").content.decode()
    assert "Langkah keselamatan" in indonesian and "bukan diagnosis" in indonesian
    assert job.result["feedback"]["id"][0]["text"][:30] in indonesian.replace("&quot;", '"')
    # the risk flag raised the same alert as a critical measure answer, naming the utterance
    alert = Alert.objects.get(case=transcript.session.case, source="transcript")
    assert (alert.code, alert.severity, alert.source_ref) == ("risk_self", "critical", f"t{transcript.pk}:u4")
    assert "utterance 4" in alert.reason_en and "ujaran 4" in alert.reason_id


def test_rerun_keeps_old_result_and_alerts_are_not_duplicated(client, owner, analysed):
    first = analysed.jobs.get()
    login(client, owner)
    client.post(reverse("transcript_rerun", args=[analysed.pk]))
    client.post(reverse("transcript_rerun", args=[analysed.pk]))  # a second click while queued: same job
    assert analysed.jobs.count() == 2
    page = _page(client, analysed.session).content.decode()
    assert first.model_version in page  # the earlier result stays visible while the new run waits
    run_pending()
    second = analysed.jobs.first()
    assert second.pk != first.pk and second.status == "done"
    first.refresh_from_db()
    assert first.status == "done" and first.result is not None
    assert Alert.objects.filter(source="transcript").count() == 1


def test_failure_is_stored_with_message_not_500(client, owner, consented):
    broken = Transcript.objects.create(session=consented, format="text", raw="x", utterances=[{"nope": 1}],
                                       uploaded_by=owner)
    job = AnalysisJob.objects.create(transcript=broken, requested_by=owner)
    run_pending()
    job.refresh_from_db()
    assert job.status == "failed" and job.error_code == "internal" and job.finished_at
    login(client, owner)
    page = _page(client, consented)
    assert page.status_code == 200
    assert b"The analysis failed (code internal)" in page.content
    assert client.get(reverse("job_status", args=[job.pk])).json()["message"].startswith("The analysis failed")


@pytest.mark.parametrize("who", ["colleague", "outsider", "admin_user", "supervisor"])
def test_status_endpoint_is_private(client, transcript, who, request):
    login(client, request.getfixturevalue(who))
    assert client.get(reverse("job_status", args=[transcript.jobs.get().pk])).status_code == 404
    assert client.post(reverse("transcript_rerun", args=[transcript.pk])).status_code == 404


def test_label_correction_stored_and_exported(client, owner, colleague, analysed):
    login(client, owner)
    job = analysed.jobs.get()
    engine_label = job.result["report"]["utterances"][4]["label"]  # utterance 5: advice dressed as a question
    new = "advice" if engine_label != "advice" else "directing"
    response = client.post(reverse("transcript_label", args=[analysed.pk]), {"utterance": 5, "label": new})
    assert response.status_code == 302
    correction = LabelCorrection.objects.get()
    assert (correction.utterance, correction.old_label, correction.new_label, correction.corrected_by) == (
        5, engine_label, new, owner)
    assert correction.model_version == job.model_version and correction.corrected_at
    page = _page(client, analysed.session).content.decode()
    assert f'<option value="{new}" selected>' in page and "✎" in page
    # a counselee label on a counselor utterance is refused
    client.post(reverse("transcript_label", args=[analysed.pk]), {"utterance": 5, "label": "reluctant"})
    assert LabelCorrection.objects.count() == 1
    rows = services.corrections_for_export()
    assert rows == [{"speaker": "counselor", "text": "Bagaimana kalau kamu belajar lebih rajin?",
                     "engine_label": engine_label, "label": new, "model_version": job.model_version,
                     "language": analysed.language}]
    login(client, colleague)
    assert client.post(reverse("transcript_label", args=[analysed.pk]),
                       {"utterance": 1, "label": "advice"}).status_code == 404


def test_task_suggestions_confirmed_only_on_click(client, owner, analysed):
    case = analysed.session.case
    assert not CaseTask.objects.filter(case=case, task="rapport").exists()  # never silently
    login(client, owner)
    page = _page(client, analysed.session).content.decode()
    assert 'name="task" value="rapport"' in page
    client.post(reverse("transcript_task", args=[analysed.pk]), {"task": "rapport"})
    task = CaseTask.objects.get(case=case, task="rapport")
    assert (task.source, task.session_id) == (CaseTask.Source.TRANSCRIPT, analysed.session.pk)
    assert 'name="task" value="rapport"' not in _page(client, analysed.session).content.decode()
    # a task the transcript did not suggest cannot be confirmed through it
    client.post(reverse("transcript_task", args=[analysed.pk]), {"task": "referral"})
    assert not CaseTask.objects.filter(case=case, task="referral").exists()


def _verbatim(tmp_path) -> bytes:
    import docx

    document = docx.Document()
    rows = [["No", "Konselor", "Konseli", "Teknik"],
            ["1", "Selamat pagi, silakan duduk. Apa kabar hari ini?", "Baik bu, tapi saya bingung.",
             "Refleksi perasaan"],
            ["2", "Kamu merasa bingung dan cemas.", "Iya bu, nilai saya turun.", "Refleksi perasaan"],
            ["3", "Apa yang ingin kamu ceritakan tentang nilaimu?", "Saya malas belajar.", "Bertanya terbuka"]]
    table = document.add_table(rows=len(rows), cols=4)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    path = tmp_path / "verbatim.docx"
    document.save(path)
    return path.read_bytes()


def test_docx_trainee_labels_compared_and_supervisor_comments_reach_trainee(client, tmp_path, org, supervisor):
    from tests import factories

    from .conftest import give_recording_consent

    trainee = factories.make_user("trainee", org=org, trainee=True)
    factories.assign(supervisor, trainee)
    case = factories.make_case(trainee)
    session = factories.add_session(case, trainee)
    give_recording_consent(case.counselee, trainee)
    transcript = services.attach_transcript(session, actor=trainee, data=_verbatim(tmp_path),
                                            filename="verbatim.docx")
    assert transcript.raw_base64 and not transcript.parsed  # parsed by the worker, not the request
    run_pending()
    assert AnalysisJob.objects.get().status == "done"
    transcript.refresh_from_db()
    assert transcript.parsed and transcript.has_student_labels
    student = AnalysisJob.objects.get().result["report"]["student_labels"]
    assert student["labelled"] == 3
    login(client, trainee)
    page = _page(client, session).content.decode()
    assert "Your labels and the engine&#x27;s" in page or "Your labels and the engine's" in page
    assert "trainee: Refleksi perasaan" in page
    if student["disagreements"]:
        assert 'class="tag student differs"' in page
    review = services.submit_for_review(session, actor=trainee, supervisor=supervisor)
    login(client, supervisor)
    client.cookies["django_language"] = "en"
    review_page = client.get(reverse("review_detail", args=[review.pk])).content.decode()
    assert "Selamat pagi, silakan duduk." in review_page
    assert 'name="label"' not in review_page  # read-only for the supervisor
    assert review_page.count('class="comment-form"') == len(transcript.utterances)
    client.post(reverse("review_comment", args=[review.pk]), {"utterance": 3, "text": "Coba refleksi isi dulu."})
    login(client, trainee)
    assert "Coba refleksi isi dulu." in _page(client, session).content.decode()
