"""Rough edges a new user met in the first hour (issue #10), each pinned by a test."""

from datetime import time, timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation

from jalin.cases import services
from jalin.cases.models import Appointment
from tests import factories

pytestmark = pytest.mark.django_db


def english(client):
    client.cookies["django_language"] = "en"
    return client


# 1. Django 6's blank choice label is translated -----------------------------------------------------

def test_blank_choice_label_is_indonesian(client, owner, case):
    client.force_login(owner)
    page = client.get(reverse("child_new", args=[case.pk, "follow-ups"])).content.decode()
    assert "Select an option" not in page and "- Pilih salah satu -" in page
    page = english(client).get(reverse("child_new", args=[case.pk, "follow-ups"])).content.decode()
    assert "- Select an option -" in page


# 2. Error pages are Jalin pages in the user's language ----------------------------------------------

def test_not_found_is_a_jalin_page_in_indonesian_with_navigation(client, owner):
    client.force_login(owner)
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in page and 'class="top"' in page and reverse("case_list") in page
    assert "Not Found" not in page and "requested resource" not in page
    page = english(client).get("/no-such-page/").content.decode()
    assert "Page not found" in page


def test_a_forbidden_case_stays_a_404_and_looks_the_same(client, owner, outsider):
    other = factories.make_case(outsider, factories.make_counselee(outsider, name="Orang Lain"))
    client.force_login(owner)
    response = client.get(reverse("case_detail", args=[other.pk]))
    assert response.status_code == 404 and "Halaman tidak ditemukan" in response.content.decode()


def test_forbidden_and_server_error_pages_are_translated(rf: RequestFactory):
    from django.core.exceptions import PermissionDenied
    from django.views import defaults

    request = rf.get("/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    with translation.override("id"):
        forbidden = defaults.permission_denied(request, PermissionDenied()).content.decode()
        failed = defaults.server_error(request).content.decode()
    assert "Tidak diizinkan" in forbidden and "403 Forbidden" not in forbidden
    assert "Terjadi kesalahan" in failed and "Server Error" not in failed


# 15. Appointment duration ----------------------------------------------------------------------------

@pytest.mark.parametrize("minutes, ok", [(0, False), (4, False), (5, True), (480, True), (481, False),
                                         (100000, False)])
def test_appointment_duration_is_5_to_480_minutes(client, owner, case, minutes, ok):
    client.force_login(owner)
    starts = timezone.localtime() + timedelta(days=1)
    response = client.post(reverse("child_new", args=[case.pk, "appointments"]), {
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"), "duration_minutes": minutes, "mode": "in_person",
        "status": "scheduled"})
    assert case.appointments.exists() is ok
    if not ok:
        assert "480" in " ".join(response.context["form"].errors["duration_minutes"])
        with pytest.raises(services.ServiceError):
            services.save_appointment(Appointment(case=case, starts_at=starts, duration_minutes=minutes),
                                      actor=owner)


# 16. Dashboard -------------------------------------------------------------------------------------

def test_dashboard_names_the_counselee_and_lists_today_once(client, owner, case):
    now = timezone.localtime()
    today_later = min(now + timedelta(minutes=1), now.replace(hour=23, minute=59, second=59))
    services.save_appointment(Appointment(case=case, starts_at=today_later, duration_minutes=30), actor=owner)
    services.save_appointment(Appointment(case=case, starts_at=now + timedelta(days=3), duration_minutes=30),
                              actor=owner)
    client.force_login(owner)
    response = client.get(reverse("dashboard"))
    assert [a.starts_at for a in response.context["todays"]] == [today_later]
    assert [a.starts_at for a in response.context["upcoming"]] == [now + timedelta(days=3)]
    page = response.content.decode()
    assert page.count(case.counselee.name) >= 3  # stage card, today, next two weeks


# 17. README and scripts/dev -------------------------------------------------------------------------

def test_readme_says_scripts_dev_demo_passes_options_and_which_python():
    from pathlib import Path

    from jalin.core.management.commands.jalin_demo import Command

    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()
    assert "passed to `jalin demo`" in readme and "scripts/dev demo --port 8080" in readme
    assert "using Python" in readme and "using Python" in (root / "scripts" / "dev").read_text()
    options = Command().create_parser("jalin", "demo").parse_args(["--port", "8080", "--no-server"])
    assert options.port == 8080 and options.no_server


# 3. Case history in words ---------------------------------------------------------------------------

def test_case_history_shows_words_not_keys(client, owner, case):
    import re

    services.update_case(case, actor=owner, data={"problem_definition": "masalah"}, expected_version=None)
    services.set_task(case, "rapport", True, actor=owner)
    factories.add_contract(case, owner)
    services.change_stage(case, "inti", actor=owner, expected_version=None)
    client.force_login(owner)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    history = re.search(r'id="history">(.*?)</section>', page, re.DOTALL).group(1)
    for key in ("problem_definition", "· rapport<", "· v1", "( →", "→ )", "(awal", "inti)"):
        assert key not in history, key
    assert "tahap awal → tahap inti" in history.lower() and "versi 1" in history
    page = english(client).get(reverse("case_detail", args=[case.pk])).content.decode()
    history = re.search(r'id="history">(.*?)</section>', page, re.DOTALL).group(1)
    assert "version 1" in history and "problem_definition" not in history


# 7. The resistance hint only where resistance shows ---------------------------------------------------

def test_resistance_hint_only_on_open_cases_whose_sessions_show_resistance(client, owner, case):
    client.force_login(owner)
    url = reverse("case_detail", args=[case.pk])
    assert 'id="resistance-hint"' not in client.get(url).content.decode()  # a new case
    factories.add_session(case, owner)
    assert 'id="resistance-hint"' not in client.get(url).content.decode()  # an ordinary session
    services.record_session(case, actor=owner, data={
        "date": timezone.localdate(), "start_time": time(9, 0), "duration_minutes": 45, "mode": "in_person",
        "stage_reached": "awal", "notes_awal": "Konseli menolak bicara; resistensi tampak jelas."})
    assert 'id="resistance-hint"' in client.get(url).content.decode()
    services.close_case(case, actor=owner, expected_version=None, closure_reason="no_show", override_reason="uji")
    assert 'id="resistance-hint"' not in client.get(url).content.decode()  # a closed case


# 8. Next steps name each thing once -------------------------------------------------------------------

def test_next_steps_do_not_repeat_the_contract_or_the_problem(case):
    from jalin.cases import stages

    with translation.override("id"):
        steps = stages.next_steps(case)
    assert len(steps) == len(set(steps))
    assert sum("kontrak" in s.lower() for s in steps) == 2  # time, then tasks: the guard adds nothing
    assert sum("definisikan masalah" in s.lower() for s in steps) == 1


# 9. One rule: a record that accomplishes a task ticks it, linked; the guards read the ticks ----------

def _ticks(case):
    return {t.task: t for t in case.tasks.all()}


def test_records_tick_their_tasks_with_the_record_linked(client, owner, case):
    from jalin.cases.models import ActionStep
    from jalin.measures import services as measures

    services.update_case(case, actor=owner, data={"conclusions": "Sepakat mencoba jadwal baru."},
                         expected_version=None)
    session = factories.add_session(case, owner, evaluation=True)
    step = services.save_action_step(ActionStep(case=case, description="Langkah", status="planned"), actor=owner)
    ticks = _ticks(case)
    assert ticks["conclusion"].record_kind == "case"
    assert (ticks["evaluation"].record_kind, ticks["evaluation"].record_id) == ("session", session.pk)
    assert (ticks["action_plan"].record_kind, ticks["action_plan"].record_id) == ("action_step", step.pk)
    services.update_case(case, actor=owner, data={"conclusions": "  "}, expected_version=None)
    assert "conclusion" not in _ticks(case)  # emptied record, open task
    client.force_login(owner)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert reverse("session_detail", args=[session.pk]) in page
    assert reverse("child_edit", args=[case.pk, "action-steps", step.pk]) in page
    # the LAISEG form ticks the evaluation too, linked to the form
    other = factories.make_case(owner, factories.make_counselee(owner, name="Sari Contoh"))
    administration = measures.record_administration(other, instrument_code="laiseg", lang="id",
                                                    answers=_laiseg_answers(), actor=owner)
    tick = _ticks(other)["evaluation"]
    assert (tick.record_kind, tick.record_id) == ("measure", administration.pk)


def _laiseg_answers():
    from jalin.measures.instruments import get_instrument

    instrument = get_instrument("laiseg", "id")
    return [item.options[0].value if getattr(item, "options", None) else "jawaban" for item in instrument.items]


def test_session_edit_with_laiseg_ticks_the_evaluation(case, owner):
    session = factories.add_session(case, owner)
    assert "evaluation" not in _ticks(case)
    services.update_session(session, actor=owner, data={"eval_understanding": "paham", "eval_comfort": "lega",
                                                        "eval_action": "mencoba"}, expected_version=None)
    assert _ticks(case)["evaluation"].record_id == session.pk


def test_record_tasks_cannot_be_ticked_by_hand_and_guards_read_the_ticks(case, owner):
    from jalin.cases import stages

    with pytest.raises(services.ServiceError):
        services.set_task(case, "conclusion", True, actor=owner)
    with pytest.raises(services.ServiceError):
        services.set_task(case, "evaluation", True, actor=owner)
    failures = {f.code for f in stages.check_guards(case, stages.CLOSED)}
    assert {"needs_conclusions", "needs_action_plan", "needs_evaluation"} <= failures
    services.update_case(case, actor=owner, data={"conclusions": "x"}, expected_version=None)
    factories.add_session(case, owner, evaluation=True)
    failures = {f.code for f in stages.check_guards(case, stages.CLOSED)}
    assert not failures & {"needs_conclusions", "needs_evaluation"}
    with translation.override("id"):
        steps = " ".join(stages.next_steps(case))
    assert "penilaian segera" not in steps.lower()  # recorded: no longer advised


def test_closing_with_a_reason_ticks_the_next_appointment_task(case, owner):
    services.close_case(case, actor=owner, expected_version=None, closure_reason="resolved", override_reason="uji")
    assert _ticks(case)["next_appointment"].record_kind == "case"


# 10. Ticking a task in place, with an accessible name; works without JS -------------------------------

def test_task_toggle_without_js_returns_to_the_task(client, owner, case):
    client.force_login(owner)
    response = client.post(reverse("case_task", args=[case.pk]), {"task": "rapport", "done": "on"})
    assert response.status_code == 302 and response["Location"].endswith("#task-rapport")
    assert "rapport" in _ticks(case)


def test_task_toggle_with_htmx_returns_the_line_and_next_steps(client, owner, case):
    client.force_login(owner)
    response = client.post(reverse("case_task", args=[case.pk]), {"task": "rapport", "done": "on"},
                           HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200 and html.startswith('<li id="task-rapport" class="done"')
    assert 'aria-checked="true"' in html and 'aria-label="' in html and 'id="next-steps" hx-swap-oob="true"' in html
    assert "rapport" in _ticks(case)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert 'aria-label="☐"' not in page and "htmx-2.0.11.min.js" in page


# 14. Referral states; the counselor closes the case after acceptance ---------------------------------

def _referral(case, **overrides):
    from jalin.cases.models import Referral

    fields = {"case": case, "date": timezone.localdate(), "receiver_name": "Psikolog Contoh",
              "receiver_institution": "Biro Contoh", "receiver_expertise": "Psikologi klinis", "external": True,
              "reason": "Resistensi menetap", "efforts": "Tiga sesi", "counselee_consent": True,
              "guardian_consent": True, "head_permission": True}
    fields.update(overrides)
    return Referral(**fields)


def test_a_sent_referral_leaves_the_case_open_until_closed_after_acceptance(case, owner):
    referral = services.refer_case(_referral(case, status="sent"), actor=owner, expected_version=None)
    case.refresh_from_db()
    assert case.is_open and case.events.filter(kind="referred").exists()
    with pytest.raises(services.ServiceError):  # not accepted yet
        services.close_case(case, actor=owner, expected_version=None, closure_reason="referred")
    referral.status = "completed"
    with pytest.raises(services.ServiceError):  # sent cannot jump to completed
        services.update_referral(referral, actor=owner)
    referral.status = "accepted"
    services.update_referral(referral, actor=owner)
    services.close_case(case, actor=owner, expected_version=None, closure_reason="referred")
    case.refresh_from_db()
    assert case.status == "dirujuk" and case.closure_reason == "referred" and not case.is_open


def test_a_declined_referral_keeps_the_case_open(case, owner):
    referral = services.refer_case(_referral(case, status="sent"), actor=owner, expected_version=None)
    referral.status = "declined"
    services.update_referral(referral, actor=owner)
    case.refresh_from_db()
    assert case.is_open
    referral.status = "accepted"
    with pytest.raises(services.ServiceError):
        services.update_referral(referral, actor=owner)


def test_referral_form_offers_only_the_next_states(client, owner, case):
    referral = services.refer_case(_referral(case), actor=owner, expected_version=None)
    assert referral.status == "draft"
    client.force_login(owner)
    new_form = client.get(reverse("referral_new", args=[case.pk])).context["form"]
    assert [v for v, _ in new_form.fields["status"].choices] == ["draft", "sent"]
    edit_form = client.get(reverse("referral_edit", args=[case.pk, referral.pk])).context["form"]
    assert [v for v, _ in edit_form.fields["status"].choices] == ["draft", "sent"]


# 11. Alerts collapse; a newer alert of the same kind supersedes the older -----------------------------

def test_older_alerts_of_the_same_kind_are_grouped_under_the_newest(client, owner, case):
    from jalin.measures import services as measures

    for answers in ([2] * 7 + [1, 0], [2] * 8 + [2], [1] * 9):  # PHQ-9 15, 18: two alerts of each kind
        measures.record_administration(case, instrument_code="phq9", lang="id", answers=answers, actor=owner)
    client.force_login(owner)
    response = client.get(reverse("case_detail", args=[case.pk]))
    alerts = response.context["measure_alerts"]
    codes = [a.code for a in alerts]
    assert len(codes) == len(set(codes))  # one line per kind
    assert any(a.superseded for a in alerts)
    for alert in alerts:
        assert all(older.created_at <= alert.created_at for older in alert.superseded)
    page = response.content.decode()
    assert 'class="ack-details"' in page and "peringatan sejenis sebelumnya" in page


# 13. Minor status follows the birth year -------------------------------------------------------------

def test_a_counselee_born_in_2012_is_a_minor_even_unticked(client, owner):
    from jalin.cases.models import Counselee

    client.force_login(owner)
    year = timezone.localdate().year - 14
    response = client.post(reverse("counselee_new"), {"name": "Anak Contoh", "birth_year": year, "gender": "f"})
    assert response.status_code == 200 and not Counselee.objects.exists()
    assert "18" in " ".join(response.context["form"].errors["guardian_name"])
    client.post(reverse("counselee_new"), {"name": "Anak Contoh", "birth_year": year, "gender": "f",
                                           "guardian_name": "Wali Contoh"})
    assert Counselee.objects.get().is_minor
    services.create_counselee(actor=owner, data={"name": "Lain", "birth_year": year, "gender": "m",
                                                 "is_minor": False, "guardian_name": "Wali"})
    assert Counselee.objects.filter(is_minor=True).count() == 2


@pytest.mark.parametrize("years_ago, expected", [(17, True), (18, None), (19, False)])
def test_minor_by_birth_year_is_certain_only_when_it_can_be(years_ago, expected):
    today = timezone.localdate()
    assert services.minor_by_birth(today.year - years_ago) is expected
    born = today.replace(year=today.year - 18) if (today.month, today.day) != (2, 29) else today.replace(
        year=today.year - 18, day=28)
    assert services.minor_by_birth(today.year - 18, born) is False
    assert services.minor_by_birth(today.year - 18, born + timedelta(days=1)) is True


# 4. Measures speak the forms' names, in the page's language ------------------------------------------

def test_measures_show_names_titles_alliance_subscales_and_localised_alerts(client, owner, case):
    from jalin.measures import services as measures
    from jalin.measures.models import MeasureSchedule

    session = factories.add_session(case, owner, stage="awal")
    measures.save_schedule(MeasureSchedule(case=case, instrument="alliance_jalin", when="after", every=1),
                           actor=owner)
    for answers in ([4, 4, 4, 3, 4, 4], [3, 3, 3, 3, 3, 3]):
        measures.record_administration(case, instrument_code="alliance_jalin", lang="id", answers=answers,
                                       actor=owner, session=session)
    measures.record_administration(case, instrument_code="phq9", lang="id", answers=[1] * 9, actor=owner,
                                   session=session)
    client.force_login(owner)
    page = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    measures_html = page[page.index('id="measures"'):]
    assert "ALLIANCE_JALIN" not in measures_html and "PHQ9" not in measures_html
    assert "Umpan balik sesi" in measures_html and "PHQ-9" in measures_html
    assert "<figcaption>Umpan balik sesi</figcaption>" in measures_html
    assert "Tujuan 4" in measures_html and "Tugas 3,5" in measures_html  # the alliance "category"
    assert ">Tahap awal<" in measures_html or ">awal<" not in measures_html
    english_page = english(client).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "Session feedback" in english_page and "Umpan balik sesi fell" not in english_page
    assert ">awal<" not in english_page and ">inti<" not in english_page
    from jalin.measures.models import Alert

    drop = Alert.objects.filter(case=case, reason_en__contains="fell").first()
    if drop is not None:
        assert drop.reason_en.startswith("Session feedback") and "3,83" in drop.reason_id


def test_chart_band_labels_sit_beside_the_plot_and_text_is_legible():
    import re

    from jalin.measures.charts import WIDTH, line_chart

    svg = line_chart("PHQ-9", [{"label": "S1", "total": 20.0}, {"label": "S2", "total": 26.0}], y_min=0, y_max=27,
                     bands=[{"min": 0, "max": 4, "label": "Minimal"}, {"min": 20, "max": 27, "label": "Cukup berat"}])
    circles = [float(x) for x in re.findall(r'<circle cx="([\d.]+)"', svg)]
    band_text_x = [float(x) for x in re.findall(r'<text x="([\d.]+)"[^>]*>(?:Minimal|Cukup berat)<', svg)]
    assert band_text_x and min(band_text_x) > max(circles) + 4
    assert min(int(size) for size in re.findall(r'font-size="(\d+)"', svg)) >= 12 and WIDTH <= 480


# 5. One date format per locale, shares as percentages -------------------------------------------------

def test_one_date_format_per_locale_on_the_case_page_and_dashboard(client, owner, case):
    import re

    factories.add_session(case, owner)
    services.save_appointment(Appointment(case=case, starts_at=timezone.now() + timedelta(days=3),
                                          duration_minutes=30), actor=owner)
    client.force_login(owner)
    for url in (reverse("case_detail", args=[case.pk]), reverse("dashboard")):
        page = client.get(url).content.decode()
        months = "Jan|Feb|Mar|Apr|Mei|Jun|Jul|Agu|Agt|Sep|Okt|Nov|Des"
        dates = re.findall(rf"\b\d{{1,2}}\.? (?:{months})\w*\.? \d{{4}}", page)
        assert dates, url
        assert all(re.fullmatch(rf"\d{{2}} (?:{months}) \d{{4}}", d) for d in dates), (url, set(dates))
        assert not re.search(r"\b(Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu) \d{2} ", page)

