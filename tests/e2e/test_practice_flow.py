"""Practice: a trainee uploads a verbatim, watches the analysis finish, corrects a label and submits the
session for review; the supervisor comments and signs off."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connections

from tests import factories

from .conftest import login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VERBATIM = ("Konselor: Selamat pagi, silakan duduk. Apa yang ingin kamu ceritakan hari ini?\n"
            "Konseli: Saya bingung bu, nilai saya turun terus.\n"
            "Konselor: Kamu merasa cemas karena nilaimu turun.\n"
            "Konseli: Iya bu, saya takut dimarahi orang tua.\n"
            "Konselor: Bagaimana kalau kamu belajar lebih rajin?\n"
            "Konseli: Tidak tahu bu.\n")


@pytest.fixture
def worker(live_server):
    """The task worker as a thread, as `jalin demo` runs it; stopped after the test."""
    from jalin.core.task_worker import run_forever

    stop = threading.Event()

    def work():
        try:
            run_forever(interval=0.3, stop=stop, in_thread=True)
        finally:
            connections.close_all()  # this thread's connection, or PostgreSQL cannot drop the test database

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    yield thread
    stop.set()
    thread.join(timeout=10)


def _consent(counselee, actor):
    from jalin.privacy.models import Consent
    from jalin.privacy.services import record_consent

    for kind in ["recording"] + (["guardian"] if counselee.is_minor else []):
        record_consent(counselee, actor=actor, data={
            "kind": kind, "given_on": date(2026, 11, 1), "method": Consent.Method.SIGNED_FORM,
            "viewers": "supervisor" if kind == "recording" else "", "given_by_name": "Wali Contoh"})


def test_verbatim_analysis_correction_and_supervisor_sign_off(live_server, new_page, org, supervisor, worker):
    from jalin.practice.models import LabelCorrection, Review, ReviewComment

    trainee = factories.make_user("trainee", org=org, trainee=True)
    factories.assign(supervisor, trainee)
    case = factories.make_case(trainee)
    session = factories.add_session(case, trainee)
    _consent(case.counselee, trainee)
    base = live_server.url

    page = new_page()
    login(page, base, trainee)
    page.goto(f"{base}/sessions/{session.pk}/")
    upload = page.locator(f"form[action='/sessions/{session.pk}/transcript/']")
    upload.locator("textarea[name=text]").fill(VERBATIM)
    upload.locator("button[type=submit]").click()
    # the page polls the job (practice.js) and reloads itself when the analysis is done
    page.wait_for_selector("ol.transcript li.utt, #job-status .error", timeout=30_000)
    failed = page.locator("#job-status .error")
    assert failed.count() == 0, f"the analysis failed: {failed.first.inner_text()}"
    shot(page, "practice-analysis")

    first = page.locator("ol.transcript li.utt.counselor").first
    select = first.locator("select[name=label]")
    current = select.input_value()
    other = next(v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)") if v != current)
    select.select_option(other)
    first.locator("form.label-form button[type=submit]").click()
    page.wait_for_load_state()
    correction = LabelCorrection.objects.get()
    assert correction.new_label == other and correction.old_label == current

    # the session report now names the techniques from the analysis, with the correction
    page.goto(f"{base}/sessions/{session.pk}/report/")
    assert page.locator("ul.techniques li").count() >= 1
    page.click(f"a[href='/sessions/{session.pk}/report/analysis/']")
    page.wait_for_selector("section.feedback")
    shot(page, "report-analysis")

    page.goto(f"{base}/sessions/{session.pk}/")
    review_form = page.locator(f"form[action='/sessions/{session.pk}/submit-review/']")
    review_form.locator("select[name=supervisor]").select_option(str(supervisor.pk))
    review_form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    review = Review.objects.get()
    assert review.status == Review.Status.SUBMITTED and review.supervisor == supervisor

    sup = new_page()
    login(sup, base, supervisor)
    sup.goto(f"{base}/supervision/")
    sup.click(f"a[href='/supervision/reviews/{review.pk}/']")
    comment_form = sup.locator(f"#comments form[action='/supervision/reviews/{review.pk}/comment/']")
    comment_form.locator("textarea[name=text]").fill("Refleksi perasaan sudah tepat; tunda saran.")
    comment_form.locator("button[type=submit]").click()
    sup.wait_for_selector("#comments .comment")
    decision = sup.locator("#decision form")
    decision.locator("select[name=decision]").select_option("signed_off")
    decision.locator("input[name=minutes]").fill("20")
    decision.locator("button[type=submit]").click()
    sup.wait_for_load_state()
    shot(sup, "practice-review-signed-off")
    review.refresh_from_db()
    assert review.status == Review.Status.SIGNED_OFF and review.minutes == 20
    assert ReviewComment.objects.filter(review=review, author=supervisor).count() == 1
