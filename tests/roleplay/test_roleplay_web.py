"""The practice pages: chat, hint, end, debrief with the analysis report, history, growth, supervision."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from jalin.audit.models import AuditEvent
from jalin.cases.models import Case
from jalin.roleplay import services
from jalin.roleplay.models import PracticeRun, PracticeRunComment, PracticeRunReview
from tests import factories
from tests.conftest import login

SCRIPTS = Path(__file__).with_name("scripts")


@pytest.fixture
def trainee(org):
    return factories.make_user("trainee", org=org, trainee=True)


def _lines(name):
    return [line for line in (SCRIPTS / name).read_text(encoding="utf-8").splitlines() if line.strip()]


def _start(client, scenario="truancy", lang="id"):
    response = client.post(reverse("roleplay_start"), {"scenario": scenario, "lang": lang})
    assert response.status_code == 302
    return PracticeRun.objects.latest("id")


def _say(client, run, text):
    run.refresh_from_db()
    return client.post(reverse("roleplay_chat", args=[run.pk]), {"text": text, "revision": run.revision})


def test_roleplay_whole_session_through_the_web(client, trainee):
    login(client, trainee)
    page = client.get(reverse("roleplay_home"))
    assert page.status_code == 200 and "hopelessness_risk" in page.content.decode()
    run = _start(client, "hopelessness_risk")
    chat = client.get(reverse("roleplay_chat", args=[run.pk])).content.decode()
    assert "Tika" in chat and 'autofocus' in chat
    assert client.post(reverse("roleplay_hint", args=[run.pk])).status_code == 302
    assert "Siapkan diri" in client.get(reverse("roleplay_chat", args=[run.pk])).content.decode()
    for line in _lines("hopelessness_risk.skilled.id.txt"):
        assert _say(client, run, line).status_code == 302
    assert client.post(reverse("roleplay_end", args=[run.pk])).status_code == 302
    run.refresh_from_db()
    assert run.status == PracticeRun.Status.ENDED
    assert run.debrief["outcome"] == "breakthrough" and run.debrief["risk"]["passed"] is True
    assert run.debrief["hints"] == 1
    assert run.report["utterances"] and run.report["risk"]  # the analysis flags the disclosure
    page = client.get(reverse("roleplay_debrief", args=[run.pk])).content.decode()
    assert 'id="risk-debrief"' in page and "Analisis transkrip latihan" in page
    # Kept in the trainee's history, never in any counselee's record.
    assert Case.objects.count() == 0
    home = client.get(reverse("roleplay_home")).content.decode()
    assert reverse("roleplay_debrief", args=[run.pk]) in home and 'id="growth"' in home
    assert AuditEvent.objects.filter(action="roleplay.turn").count() == 16


@pytest.mark.parametrize(("text", "needle"), [
    ("", "ujaran kosong"),
    ("x" * 2001, "2001 karakter"),
    ("<b>Halo</b> Dimas", "HTML"),
    ("What are you going to do about this problem with your friends?", "berbahasa Inggris"),
])
def test_roleplay_bad_turns_say_what_is_wrong_and_save_nothing(client, trainee, text, needle):
    login(client, trainee)
    run = _start(client)
    _say(client, run, "Selamat pagi Dimas, silakan duduk.")
    run.refresh_from_db()
    before = (run.revision, run.engine_state)
    response = _say(client, run, text)
    assert response.status_code == 400
    assert needle in response.content.decode()
    assert "<b>Halo</b>" not in response.content.decode()
    run.refresh_from_db()
    assert (run.revision, run.engine_state) == before


def test_roleplay_english_session_and_stale_revision(client, trainee):
    login(client, trainee)
    client.cookies["django_language"] = "en"
    run = _start(client, "grief", "en")
    assert _say(client, run, "Good morning, please have a seat.").status_code == 302
    response = client.post(reverse("roleplay_chat", args=[run.pk]), {"text": "Hello again", "revision": 0})
    assert response.status_code == 400 and "another window" in response.content.decode()


def test_roleplay_runs_are_private_and_supervisor_comments_per_utterance(client, trainee, supervisor, colleague):
    factories.assign(supervisor, trainee)
    run = services.start_run(actor=trainee, scenario_id="truancy", lang="id", seed=1)
    for line in _lines("truancy.poor.id.txt"):
        run = services.take_turn(run, actor=trainee, text=line)
    run = services.end_run(run, actor=trainee)
    for user in (colleague, supervisor):
        login(client, user)
        assert client.get(reverse("roleplay_debrief", args=[run.pk])).status_code == 404
        assert client.get(reverse("roleplay_chat", args=[run.pk])).status_code == 404
    login(client, trainee)
    response = client.post(reverse("roleplay_submit", args=[run.pk]), {"supervisor": supervisor.pk, "note": "Mohon"})
    assert response.status_code == 302
    review = PracticeRunReview.objects.get()
    login(client, colleague)
    assert client.get(reverse("roleplay_review", args=[review.pk])).status_code == 404
    login(client, supervisor)
    assert review.pk and "trainee" in client.get(reverse("roleplay_home")).content.decode().lower()
    page = client.get(reverse("roleplay_review", args=[review.pk]))
    assert page.status_code == 200 and "Kamu harus lebih disiplin." in page.content.decode()
    client.post(reverse("roleplay_review_comment", args=[review.pk]), {"utterance": 5, "text": "Hindari 'harus'."})
    client.post(reverse("roleplay_review_comment", args=[review.pk]), {"utterance": 999, "text": "Di luar"})
    assert list(PracticeRunComment.objects.values_list("utterance", flat=True)) == [5]
    client.post(reverse("roleplay_review_decide", args=[review.pk]),
                {"decision": "returned", "minutes": 15, "note": "Ulangi dengan refleksi."})
    review.refresh_from_db()
    assert review.status == "returned" and review.minutes == 15
    login(client, trainee)
    page = client.get(reverse("roleplay_debrief", args=[run.pk])).content.decode()
    assert "Hindari &#x27;harus&#x27;." in page and "Ulangi dengan refleksi." in page
    # The debrief shows what stayed hidden, so the trainee learns what the deepest layer was.
    assert "belum tersentuh</strong>: “Sebenernya… bokap pergi dari rumah" in page


def test_roleplay_unknown_scenario_and_admin(client, trainee, admin_user):
    login(client, trainee)
    response = client.post(reverse("roleplay_start"), {"scenario": "nope", "lang": "id"}, follow=True)
    assert "Tidak ada skenario" in response.content.decode() or "no such scenario" in response.content.decode()
    assert PracticeRun.objects.count() == 0
    login(client, admin_user)
    assert client.get(reverse("roleplay_home")).status_code == 404


@pytest.mark.parametrize("moment", ["2026-12-31 00:05", "2026-06-30 09:59", "2026-06-30 10:01",
                                    "2026-12-31 23:59", "2027-01-31 23:59"])
def test_roleplay_history_dates_are_jakarta_dates_at_any_hour(client, trainee, moment):
    import datetime as dt
    from zoneinfo import ZoneInfo

    import time_machine

    when = dt.datetime.fromisoformat(moment).replace(tzinfo=ZoneInfo("Asia/Jakarta"))
    with time_machine.travel(when, tick=False):
        run = services.start_run(actor=trainee, scenario_id="grief", lang="id", seed=0)
        run = services.take_turn(run, actor=trainee, text="Selamat pagi, Bu Lestari. Silakan duduk.")
        run = services.end_run(run, actor=trainee)
        assert run.started_at == run.ended_at == when
        login(client, trainee)
        page = client.get(reverse("roleplay_home")).content.decode()
    history = page[page.find('id="history"'):page.find('id="growth"')]
    # Jalin's Indonesian SHORT_DATETIME_FORMAT ("d M Y H:i", jalin/formats/id), in Asia/Jakarta time.
    month = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"][when.month - 1]
    assert f"{when:%d} {month} {when:%Y %H:%M}" in history, history
