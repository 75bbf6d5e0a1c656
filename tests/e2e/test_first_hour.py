"""The first hour of a new user (issue #10) in Chromium: error pages, measures, tasks in place, alerts,
referrals; in Indonesian and English, on a phone."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from jalin.cases import services
from jalin.cases.models import Referral
from tests import factories

from .conftest import PHONE, _context, assert_no_sideways_scroll, login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def english(page, base):
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": base}])


# 2 -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang, heading", [("id", "Halaman tidak ditemukan"), ("en", "Page not found")])
def test_not_found_is_a_jalin_page_on_a_phone(live_server, new_page, owner, lang, heading):
    base = live_server.url
    phone = new_page(phone=True)
    login(phone, base, owner)
    if lang == "en":
        english(phone, base)
    response = phone.goto(f"{base}/cases/999999/")
    assert response.status == 404
    assert phone.locator("h1").inner_text() == heading
    assert phone.locator("header.top nav a").count() >= 3  # the navigation is there
    assert "Not Found" not in phone.content()
    shot(phone, f"not-found-{lang}-phone")
    assert_no_sideways_scroll(phone)


# 4 -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["id", "en"])
def test_measures_on_a_phone_have_names_titles_and_fit(live_server, new_page, owner, lang):
    from jalin.measures import services as measures

    case = factories.make_case(owner)
    for days_ago, phq in ((14, [1] * 9), (7, [2] * 8 + [0])):
        session = factories.add_session(case, owner, days_ago=days_ago)
        measures.record_administration(case, instrument_code="phq9", lang="id", answers=phq, actor=owner,
                                       session=session)
        measures.record_administration(case, instrument_code="alliance_jalin", lang="id",
                                       answers=[4, 4, 4, 3, 4, 4] if days_ago == 14 else [3] * 6, actor=owner,
                                       session=session)
    base = live_server.url
    phone = new_page(phone=True)
    login(phone, base, owner)
    if lang == "en":
        english(phone, base)
    phone.goto(f"{base}/cases/{case.pk}/#measures")
    section = phone.locator("#measures")
    titles = section.locator("figcaption").all_inner_texts()
    assert "PHQ-9" in titles and ("Umpan balik sesi" if lang == "id" else "Session feedback") in titles
    table = section.locator("table").inner_text()
    assert "PHQ9" not in table and "ALLIANCE_JALIN" not in table
    assert ("Tujuan" if lang == "id" else "Goal") in table  # the alliance's category column is filled
    # chart text is at least 8 px tall on the phone
    smallest = phone.evaluate("""() => Math.min(...[...document.querySelectorAll('#measures svg.chart text')]
        .map(t => t.getBoundingClientRect().height))""")
    assert smallest >= 8, smallest
    if lang == "en":
        assert "Umpan balik sesi fell" not in phone.content()
        assert section.locator("svg.chart text", has_text=re.compile(r"^(awal|inti|akhir)$")).count() == 0
    shot(phone, f"measures-{lang}-phone")
    assert_no_sideways_scroll(phone)


# 9, 10 -----------------------------------------------------------------------------------------------

def test_tasks_tick_in_place_and_records_tick_their_tasks(live_server, new_page, owner):
    case = factories.make_case(owner)
    base = live_server.url
    phone = new_page(phone=True)
    login(phone, base, owner)
    phone.goto(f"{base}/cases/{case.pk}/")
    rapport = phone.get_by_role("checkbox", name=re.compile("rapport", re.IGNORECASE))
    assert rapport.get_attribute("aria-checked") == "false"
    rapport.scroll_into_view_if_needed()
    scrolled = phone.evaluate("window.scrollY")
    assert scrolled > 0
    phone.evaluate("window.__samePage = true")
    rapport.click()
    phone.wait_for_selector("#task-rapport.done")
    assert phone.evaluate("window.__samePage === true")  # no reload
    # no jump to the top: the task stays on screen (the next steps above it got one line shorter)
    assert phone.evaluate("window.scrollY") > 0
    box = phone.locator("#task-rapport").bounding_box()
    assert 0 <= box["y"] <= phone.viewport_size["height"]
    assert phone.get_by_role("checkbox", name=re.compile("rapport", re.IGNORECASE)).get_attribute(
        "aria-checked") == "true"
    assert case.tasks.filter(task="rapport").exists()
    # a record ticks its task, with a link to it
    phone.goto(f"{base}/cases/{case.pk}/edit/")
    phone.fill("#id_conclusions", "Konseli dan konselor menyimpulkan langkah bersama.")
    phone.click("main form button[type=submit]")
    phone.wait_for_load_state()
    phone.goto(f"{base}/cases/{case.pk}/")
    conclusion = phone.locator("#task-conclusion")
    assert "done" in conclusion.get_attribute("class")
    assert conclusion.locator("a.task-record").inner_text() == "lihat catatannya"
    assert conclusion.get_by_role("checkbox").count() == 0  # not ticked by hand
    shot(phone, "tasks-phone")
    assert_no_sideways_scroll(phone)


def test_tasks_work_without_javascript(live_server, browser, watcher, owner):
    case = factories.make_case(owner)
    base = live_server.url
    context = _context(browser, watcher, "id-ID", java_script_enabled=False, **PHONE)
    try:
        page = context.new_page()
        login(page, base, owner)
        page.goto(f"{base}/cases/{case.pk}/")
        page.get_by_role("checkbox", name=re.compile("rapport", re.IGNORECASE)).click()
        page.wait_for_url(re.compile(r"#task-rapport$"))
        assert "done" in page.locator("#task-rapport").get_attribute("class")
    finally:
        context.close()


# 11 -----------------------------------------------------------------------------------------------

def test_five_alerts_leave_the_stage_card_near_the_top(live_server, new_page, owner):
    from jalin.measures import services as measures

    case = factories.make_case(owner)
    session = factories.add_session(case, owner)
    for answers in ([1] * 8 + [0], [2] * 7 + [1, 1], [2] * 8 + [1], [3] * 8 + [1]):  # rising PHQ-9, item 9 > 0
        measures.record_administration(case, instrument_code="phq9", lang="id", answers=answers, actor=owner,
                                       session=session)
    open_alerts = case.alerts.filter(acknowledged_at__isnull=True).count()
    assert open_alerts >= 5
    base = live_server.url
    for lang in ("id", "en"):
        phone = new_page(phone=True)
        login(phone, base, owner)
        if lang == "en":
            english(phone, base)
        phone.goto(f"{base}/cases/{case.pk}/")
        assert phone.locator("#case-alerts textarea:visible").count() == 0  # collapsed
        assert phone.locator("#case-alerts details.superseded").count() >= 1  # older ones grouped
        top = phone.evaluate("document.getElementById('timeline').getBoundingClientRect().top + window.scrollY")
        assert top < 1000, f"stage card starts at {top}px"
        shot(phone, f"alerts-{lang}-phone")
        assert_no_sideways_scroll(phone)
    # acknowledging still works once unfolded
    first = phone.locator("#case-alerts > ul > li").first
    first.locator("details.ack-details > summary").first.click()
    first.locator("textarea[name=note]").first.fill("Sudah ditindaklanjuti bersama wali.")
    first.locator("form.ack button[type=submit]").first.click()
    phone.wait_for_load_state()
    assert case.alerts.filter(acknowledged_at__isnull=True).count() == open_alerts - 1


# 14 -----------------------------------------------------------------------------------------------

def test_a_sent_referral_keeps_the_case_open_until_closed_after_acceptance(live_server, new_page, owner):
    case = factories.make_case(owner)
    base = live_server.url
    phone = new_page(phone=True)
    login(phone, base, owner)
    phone.goto(f"{base}/cases/{case.pk}/referral/new/")
    assert [o for o in phone.locator("#id_status option").all_inner_texts()] == ["Draf", "Dikirim"]
    for field, value in (("receiver_name", "Psikolog Contoh"), ("receiver_institution", "Biro Contoh"),
                         ("receiver_expertise", "Psikologi klinis"), ("reason", "Resistensi menetap"),
                         ("efforts", "Tiga sesi dan kunjungan rumah")):
        phone.fill(f"#id_{field}", value)
    for box in ("counselee_consent", "guardian_consent", "head_permission"):
        phone.check(f"#id_{box}")
    phone.select_option("#id_status", "sent")
    phone.click("main form button[type=submit]")
    phone.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    case.refresh_from_db()
    assert case.is_open and phone.locator("#close-as-referred").count() == 0
    referral = Referral.objects.get(case=case)
    referral.status = "accepted"
    services.update_referral(referral, actor=owner)
    english(phone, base)
    phone.goto(f"{base}/cases/{case.pk}/")
    phone.click("#close-as-referred")
    assert phone.locator("#id_closure_reason").input_value() == "referred"
    phone.click("main form button[type=submit]")
    phone.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    case.refresh_from_db()
    assert case.status == "dirujuk" and case.closed_at <= timezone.now()
    assert "Referred" in phone.locator(".case-head").inner_text()
    shot(phone, "referral-closed-en-phone")
    assert_no_sideways_scroll(phone)
