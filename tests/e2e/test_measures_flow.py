"""Measures: a one-time link filled on a phone, the chart and the critical alert on the counselor's side."""

from __future__ import annotations

import pytest

from jalin.measures.models import Administration, Alert
from tests import factories

from .conftest import assert_no_sideways_scroll, login, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_phq9_link_on_a_phone_raises_an_alert_the_counselor_acknowledges(live_server, new_page, owner):
    case = factories.make_case(owner)
    factories.add_session(case, owner)
    base = live_server.url
    counselor = new_page()
    login(counselor, base, owner)
    counselor.goto(f"{base}/cases/{case.pk}/")
    link_form = counselor.locator("form[action$='/measures/link/']")
    link_form.locator("select[name=instrument]").select_option("phq9")
    link_form.locator("select[name=language]").select_option("id")
    link_form.locator("button[type=submit]").click()
    url = counselor.input_value("#link-url")
    assert "/m/" in url and case.counselee.code not in url

    # the counselee, on a phone, without logging in
    phone = new_page(phone=True)
    phone.goto(url)
    assert phone.locator("html").get_attribute("lang") == "id"
    assert case.counselee.code not in phone.content() and "Budi" not in phone.content()
    shot(phone, "measure-link-phone")
    assert_no_sideways_scroll(phone)
    for item in range(1, 10):
        phone.check(f"input[name=item_{item}][value='{2 if item == 9 else 1}']")
    phone.click("form.instrument button[type=submit]")
    phone.wait_for_load_state()
    assert phone.locator("form.instrument").count() == 0
    shot(phone, "measure-link-thanks-phone")
    administration = Administration.objects.get(case=case)
    assert administration.result["total"] == 10

    # the counselor sees the chart and the critical alert, and acknowledges it
    counselor.goto(f"{base}/cases/{case.pk}/")
    assert counselor.locator("#measures svg.chart").count() == 1
    alert = counselor.locator("#case-alerts li.alert-critical")
    assert alert.count() == 1
    shot(counselor, "case-with-alert-laptop")
    alert.locator("details.ack-details > summary").click()  # alerts are collapsed (issue #10, item 11)
    alert.locator("textarea[name=note]").fill("Menelepon konseli dan wali; rencana keselamatan dibuat.")
    alert.locator("button[type=submit]").click()
    counselor.wait_for_load_state()
    assert counselor.locator("#case-alerts li.alert-critical").count() == 0
    acknowledged = Alert.objects.get(case=case, severity="critical")
    assert acknowledged.acknowledged_at is not None and acknowledged.acknowledged_by == owner

    # the used link is gone for good
    again = phone.goto(url)
    assert again.status == 410


def test_phone_layout_of_the_case_page(live_server, new_page, owner):
    case = factories.make_case(owner)
    factories.add_session(case, owner, evaluation=True)
    base = live_server.url
    phone = new_page(phone=True)
    login(phone, base, owner)
    shot(phone, "dashboard-phone")
    for path, name in ((f"/cases/{case.pk}/", "case-phone"), (f"/cases/{case.pk}/reports/summary/", "report-phone")):
        phone.goto(base + path)
        shot(phone, name)
        assert_no_sideways_scroll(phone)


def test_the_watcher_catches_a_csp_violation(live_server, page, owner, watcher):
    """The CSP check of every browser test can fail: an inline style set by script is refused."""
    login(page, live_server.url, owner)
    page.evaluate("document.body.setAttribute('style', 'color: red')")
    page.wait_for_timeout(200)
    assert watcher.csp_violations()
    watcher.messages.clear()
