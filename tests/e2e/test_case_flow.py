"""A case walked in the browser from the first session to closure, and a resistant case to referral."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from jalin.cases import services as case_services
from jalin.cases.models import Case, CaseEvent
from jalin.cases.stages import guidance
from tests import factories

from .conftest import login, messages_text, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _case_page(page, base, case):
    page.goto(f"{base}/cases/{case.pk}/")


def _save(page):
    page.click("main form button[type=submit].primary")


def _move(page, target: str):
    page.select_option("form.stage-form select[name=target]", target)
    page.click("form.stage-form button[type=submit]")


def _walk_to_closure(page, base, case, lang: str, prefix: str):
    today = timezone.localdate()
    # the first session
    _case_page(page, base, case)
    page.click(f"a[href='/cases/{case.pk}/sessions/new/']")
    page.fill("#id_start_time", "09:00")
    page.fill("#id_notes_awal", "Membangun hubungan, konseli bercerita tentang ujian.")
    _save(page)
    page.wait_for_url(f"{base}/sessions/**")
    session_url = page.url
    shot(page, f"{prefix}-session")

    # moving on too early shows the guard messages
    _case_page(page, base, case)
    _move(page, "inti")
    expected = guidance()["guards"]["needs_problem"][lang]
    assert expected in messages_text(page)
    assert guidance()["guards"]["needs_contract"][lang] in messages_text(page)
    case.refresh_from_db()
    assert case.stage == "awal"
    shot(page, f"{prefix}-guard")

    # define the problem
    page.click(f"#problem a[href='/cases/{case.pk}/edit/']")
    page.fill("#id_problem_definition", "Cemas menjelang ujian sehingga sulit tidur.")
    _save(page)
    page.wait_for_url(f"{base}/cases/{case.pk}/")

    # agree the contract
    page.click(f"a[href='/cases/{case.pk}/contract/']")
    page.fill("#id_sessions_planned", "4")
    page.fill("#id_minutes_per_session", "45")
    page.fill("#id_period_start", today.isoformat())
    page.fill("#id_period_end", (today + timedelta(days=28)).isoformat())
    page.fill("#id_counselor_tasks", "Mendengarkan dan membantu menyusun rencana.")
    page.fill("#id_counselee_tasks", "Hadir tepat waktu dan mencoba langkah yang disepakati.")
    page.fill("#id_agreed_on", today.isoformat())
    _save(page)
    page.wait_for_url(f"{base}/cases/{case.pk}/")

    # now the working stage opens; the exploration task is marked; then the final stage
    _move(page, "inti")
    page.wait_for_selector("#timeline li.now[data-stage=inti]")
    page.click("button.check[data-task=exploration]")
    page.wait_for_selector("button.check[data-task=exploration][aria-checked=true]")
    _move(page, "akhir")
    page.wait_for_selector("#timeline li.now[data-stage=akhir]")

    # an action step
    page.click(f"a[href='/cases/{case.pk}/action-steps/new/']")
    page.fill("#id_description", "Menyusun jadwal belajar dan tidur.")
    page.fill("#id_due_date", (today + timedelta(days=7)).isoformat())
    _save(page)
    page.wait_for_url(f"{base}/cases/{case.pk}/**")

    # the evaluation (LAISEG) of the session
    page.goto(session_url)
    page.click("a[href$='/edit/']")
    page.fill("#id_notes_akhir", "Menyimpulkan dan merencanakan langkah.")
    page.fill("#id_eval_understanding", "Memahami pola cemasnya.")
    page.fill("#id_eval_comfort", "Merasa lebih lega.")
    page.fill("#id_eval_action", "Akan mencoba jadwal baru.")
    _save(page)
    page.wait_for_url(session_url)

    # conclusions, then close with a reason
    _case_page(page, base, case)
    page.click(f"#problem a[href='/cases/{case.pk}/edit/']")
    page.fill("#id_conclusions", "Konseli mampu mengelola kecemasan ujian.")
    _save(page)
    page.wait_for_url(f"{base}/cases/{case.pk}/")
    page.click(f"a[href='/cases/{case.pk}/close/']")
    page.select_option("#id_closure_reason", "resolved")
    _save(page)
    page.wait_for_url(f"{base}/cases/{case.pk}/")
    page.wait_for_selector(".case-head .status-selesai")
    shot(page, f"{prefix}-closed")
    case.refresh_from_db()
    assert case.status == Case.Status.SELESAI and case.closure_reason == "resolved"
    assert not case.events.filter(kind=CaseEvent.Kind.OVERRIDE).exists()
    return session_url


def test_case_from_first_session_to_closure_in_indonesian(live_server, page, owner):
    case = factories.make_case(owner)
    base = live_server.url
    login(page, base, owner)
    assert page.locator("html").get_attribute("lang") == "id"
    page.locator(f"a[href='/cases/{case.pk}/']").first.wait_for()
    shot(page, "dashboard-laptop")
    session_url = _walk_to_closure(page, base, case, "id", "id")

    # the reports of the closed case open, in Indonesian, and the PDF is a PDF
    page.click(f"a[href='/cases/{case.pk}/reports/summary/']")
    assert page.locator("html").get_attribute("lang") == "id"
    assert case.counselee.code in page.content() and "Cemas menjelang ujian" in page.content()
    shot(page, "report-case-summary")
    page.goto(session_url)
    page.click("a[href$='/report/']")
    assert "Merasa lebih lega." in page.content()
    shot(page, "report-session")
    response = page.request.get(f"{base}/cases/{case.pk}/reports/summary.pdf")
    assert response.ok and response.body().startswith(b"%PDF")


def test_case_from_first_session_to_closure_in_english(live_server, page, owner):
    case = factories.make_case(owner)
    base = live_server.url
    login(page, base, owner)
    page.click("header form.lang button[data-lang=en]")
    page.wait_for_selector("html[lang=en]")
    _walk_to_closure(page, base, case, "en", "en")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Closed" in page.inner_text(".case-head")


def test_resistant_case_is_referred_with_consents(live_server, page, owner):
    case = factories.make_case(owner)  # the counselee is a minor
    base = live_server.url
    login(page, base, owner)
    page.click("header form.lang button[data-lang=en]")
    page.wait_for_selector("html[lang=en]")
    for notes in ("Konseli diam dan menolak bercerita.", "Konseli masih menolak; diskusikan alih tangan."):
        page.goto(f"{base}/cases/{case.pk}/sessions/new/")
        page.fill("#id_start_time", "10:00")
        page.fill("#id_notes_awal", notes)
        _save(page)
        page.wait_for_url(f"{base}/sessions/**")

    _case_page(page, base, case)
    page.click(f"a[href='/cases/{case.pk}/referral/new/']")
    page.fill("#id_date", timezone.localdate().isoformat())
    page.fill("#id_receiver_name", "Psikolog Contoh")
    page.fill("#id_receiver_institution", "Biro Psikologi Contoh")
    page.fill("#id_receiver_expertise", "Psikologi klinis anak")
    page.fill("#id_reason", "Resistensi berlanjut setelah dua sesi.")
    page.fill("#id_efforts", "Dua sesi konseling individual.")
    _save(page)
    # without consents nothing is referred and the form says what is missing
    errors = page.inner_text(".errors")
    assert "consent" in errors and "permission" in errors
    case.refresh_from_db()
    assert case.status != Case.Status.DIRUJUK and not case.referrals.exists()
    shot(page, "referral-needs-consent")

    for box in ("#id_counselee_consent", "#id_guardian_consent", "#id_head_permission"):
        page.check(box)
    _save(page)
    page.wait_for_url(f"{base}/cases/{case.pk}/**")
    # a referral alone closes nothing (issue #10, item 14): the receiver accepts, then the counselor closes
    case.refresh_from_db()
    assert case.is_open and case.referrals.count() == 1
    assert "Psikolog Contoh" in page.inner_text("#referral")
    referral = case.referrals.get()
    referral.status = "sent"
    case_services.update_referral(referral, actor=owner)
    referral.status = "accepted"
    case_services.update_referral(referral, actor=owner)
    _case_page(page, base, case)
    page.click("#close-as-referred")
    _save(page)
    page.wait_for_selector(".case-head .status-dirujuk")
    case.refresh_from_db()
    assert case.status == Case.Status.DIRUJUK
