"""Latihan: a whole practice chat with the simulated counselee in Chromium, in Indonesian and English
and on a phone; the trainee submits it and the supervisor comments on one utterance."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories

from .conftest import assert_no_sideways_scroll, login, messages_text, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCRIPTS = Path(__file__).parents[1] / "roleplay" / "scripts"


def _lines(name: str) -> list[str]:
    return [line for line in (SCRIPTS / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize(("lang", "phone"), [("id", False), ("en", False), ("id", True)])
def test_roleplay_whole_practice_chat(live_server, new_page, org, lang, phone):
    from jalin.roleplay.models import PracticeRun

    trainee = factories.make_user("trainee", org=org, trainee=True)
    base = live_server.url
    page = new_page(phone=phone, locale="en-US" if lang == "en" else "id-ID")
    login(page, base, trainee)
    if lang == "en":
        page.click("button[data-lang=en]")
        page.wait_for_load_state()
    page.click("header nav a[href='/latihan/']")
    assert page.locator("h1").inner_text() == ("Latihan dengan konseli simulasi" if lang == "id"
                                               else "Practice with a simulated counselee")
    card = page.locator("#scenario-exam_anxiety")
    card.locator("select[name=lang]").select_option(lang)
    card.locator("button[type=submit]").click()
    page.wait_for_selector("#dialogue")
    assert "Kevin" in page.locator(".sim-notice").inner_text()

    page.click("#hint-button")
    page.wait_for_selector("#hint")
    assert page.locator("#hint").inner_text().startswith("Petunjuk" if lang == "id" else "Hint")

    # Keyboard-first: the input has the focus, Enter sends.
    page.keyboard.press("Enter")  # an empty turn gets a message, nothing is saved
    page.wait_for_selector("ul.messages li")
    assert ("ujaran kosong" if lang == "id" else "the turn is empty") in messages_text(page)
    lines = _lines(f"exam_anxiety.skilled.{lang}.txt")
    for number, line in enumerate(lines, start=1):
        # the input gets the focus back once the reply has been swapped in (a moment later on a busy machine):
        # wait for it, but fail if it never comes
        page.wait_for_function("document.activeElement && document.activeElement.name === 'text'", timeout=5000)
        page.keyboard.type(line)
        page.keyboard.press("Enter")
        page.wait_for_selector(f"#t{2 * number}")
    assert page.locator("#dialogue li.counselee").count() == len(lines)
    assert page.locator("#stage strong").inner_text().startswith("tahap akhir" if lang == "id" else "final stage")
    if phone:
        assert_no_sideways_scroll(page)
    shot(page, f"roleplay-chat-{lang}{'-phone' if phone else ''}")

    page.click("#end-button")
    page.wait_for_selector("#debrief")
    verdict = page.locator("#debrief .verdict").inner_text()
    assert ("lapisan terdalam" if lang == "id" else "deepest layer") in verdict
    assert page.locator("#analysis ol.transcript li.utt").count() == 2 * len(lines)
    if phone:
        assert_no_sideways_scroll(page)
    shot(page, f"roleplay-debrief-{lang}{'-phone' if phone else ''}")
    run = PracticeRun.objects.get()
    assert run.debrief["outcome"] == "breakthrough" and run.debrief["hints"] == 1
    page.click("header nav a[href='/latihan/']")
    assert page.locator("#history tbody tr").count() == 1 and page.locator("#growth tbody tr").count() == 1


def test_roleplay_submitted_practice_gets_a_comment_on_an_utterance(live_server, new_page, org, supervisor):
    from jalin.roleplay import services
    from jalin.roleplay.models import PracticeRunComment

    trainee = factories.make_user("trainee", org=org, trainee=True)
    factories.assign(supervisor, trainee)
    run = services.start_run(actor=trainee, scenario_id="hopelessness_risk", lang="id", seed=4)
    for line in _lines("truancy.skilled.id.txt"):  # a session that never asks about suicide
        run = services.take_turn(run, actor=trainee, text=line)
    run = services.end_run(run, actor=trainee)
    base = live_server.url
    page = new_page()
    login(page, base, trainee)
    page.goto(f"{base}/latihan/{run.pk}/debrief/")
    assert "tidak bertanya langsung" in page.locator("#debrief .verdict").inner_text()
    assert "Bertanya langsung tentang bunuh diri: tidak" in page.locator("#risk-debrief").inner_text()
    page.locator("#submit select[name=supervisor]").select_option(str(supervisor.pk))
    page.locator("#submit button[type=submit]").click()
    page.wait_for_selector("ul.messages li")

    sup = new_page(phone=True)
    login(sup, base, supervisor)
    sup.goto(f"{base}/latihan/")
    sup.click("#to-review a")
    form = sup.locator("#comments form")
    form.locator("input[name=utterance]").fill("17")
    form.locator("textarea[name=text]").fill("Di sini saatnya bertanya langsung tentang bunuh diri.")
    form.locator("button[type=submit]").click()
    sup.wait_for_selector("#u17 .comment")
    assert_no_sideways_scroll(sup)
    shot(sup, "roleplay-review-phone")
    assert PracticeRunComment.objects.get().utterance == 17
