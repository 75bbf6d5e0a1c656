"""Every form of the project under random and hostile input: a form error or a clean save, never a 500,
never stored garbage (NUL bytes, impossible dates, rows that fail their own model validation)."""

from __future__ import annotations

import datetime as dt
import string

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jalin.cases import forms as case_forms
from jalin.measures import forms as measure_forms
from jalin.measures.instruments import get_instrument, list_instruments
from jalin.privacy import forms as privacy_forms
from tests import factories
from tests.privacy.helpers import give, request

pytestmark = pytest.mark.django_db

HOSTILE = ["", " ", "\x00", "a\x00b", "<script>alert(1)</script>", "' OR 1=1 --", "9" * 40, "-1", "0", "1e309",
           "NaN", "inf", "2026-02-30", "0000-00-00", "9999-12-31", "0001-01-01", "31/12/2025", "25:61", "on",
           "true", "None", "null", "{{ 7*7 }}", "%s%n", "../../etc/passwd", "\u202etxt.exe", "ﷺ" * 300,
           "x" * 5000, "\r\n\r\n", "2026-01-01T25:00", "1" * 400, "-99999999999", "KS-0000-9999"]
value = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80),
    st.integers(min_value=-10**12, max_value=10**12).map(str),
    st.dates(min_value=dt.date(1, 1, 1)).map(str),
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
    st.text(alphabet=string.digits + ":-T ", max_size=20),
)
FUZZ = settings(max_examples=25, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def data_for(field_names):
    return st.fixed_dictionaries({name: value for name in field_names})


def _field_names(form_class, *args) -> list[str]:
    form = form_class(*args)
    return list(form.fields)


CONTENT_APPS = ("cases", "measures", "privacy", "practice")


def _assert_no_garbage():
    """Every stored row of the content apps is clean: no NUL, sane dates, and it passes its own validation."""
    for model in apps.get_models():
        if model._meta.app_label not in CONTENT_APPS:
            continue
        for obj in model.objects.all():
            for field in model._meta.concrete_fields:
                raw = getattr(obj, field.attname)
                if isinstance(raw, str):
                    assert "\x00" not in raw, (model, field.name)
                if isinstance(raw, dt.date) and not isinstance(field, (models.DateTimeField,)) and \
                        field.name not in {"created_at", "updated_at"}:
                    assert 1900 <= raw.year <= 2200, (model, field.name, raw)
            exclude = [f.name for f in model._meta.concrete_fields if f.is_relation] + ["answers", "result",
                                                                                        "utterances"]
            obj.clean_fields(exclude=exclude)


def _post(client, url, data):
    response = client.post(url, data)
    assert response.status_code in (200, 302), (url, response.status_code)
    _assert_no_garbage()
    return response


@pytest.fixture
def world(owner):
    counselee = factories.make_counselee(owner)
    case = factories.make_case(owner, counselee)
    session = factories.add_session(case, owner)
    return {"owner": owner, "counselee": counselee, "case": case, "session": session}


CASE_FORMS = [
    ("counselee_new", {}, case_forms.CounseleeForm),
    ("counselee_edit", {"counselee_id": "counselee"}, case_forms.CounseleeForm),
    ("case_new", {"counselee_id": "counselee"}, case_forms.NewCaseForm),
    ("case_edit", {"case_id": "case"}, case_forms.CaseForm),
    ("case_restricted_note", {"case_id": "case"}, case_forms.RestrictedNoteForm),
    ("case_stage", {"case_id": "case"}, case_forms.StageForm),
    ("case_task", {"case_id": "case"}, case_forms.TaskForm),
    ("case_close", {"case_id": "case"}, case_forms.CloseForm),
    ("case_reopen", {"case_id": "case"}, case_forms.ReopenForm),
    ("case_contract", {"case_id": "case"}, case_forms.ContractForm),
    ("session_new", {"case_id": "case"}, case_forms.SessionForm),
    ("session_edit", {"session_id": "session"}, case_forms.SessionForm),
    ("referral_new", {"case_id": "case"}, case_forms.ReferralForm),
    ("case_share", {"case_id": "case"}, case_forms.ShareForm),
    ("counselee_list", {}, case_forms.SearchForm),
    ("measure_schedule_new", {"case_id": "case"}, measure_forms.ScheduleForm),
    ("privacy_consent_new", {"counselee_id": "counselee"}, privacy_forms.ConsentForm),
    ("privacy_request_new", {"counselee_id": "counselee"}, privacy_forms.RequestForm),
    ("privacy_disclosure_new", {"case_id": "case"}, privacy_forms.DisclosureForm),
    ("privacy_break_glass", {}, privacy_forms.BreakGlassForm),
]
CHILD_FORMS = [("action-steps", case_forms.ActionStepForm), ("follow-ups", case_forms.FollowUpForm),
               ("appointments", case_forms.AppointmentForm), ("home-visits", case_forms.HomeVisitForm),
               ("conferences", case_forms.ConferenceForm)]


@pytest.mark.parametrize(("url_name", "kwargs", "form_class"), CASE_FORMS, ids=[f[0] for f in CASE_FORMS])
def test_form_under_fuzz(client, world, url_name, kwargs, form_class):
    client.force_login(world["owner"])
    url = reverse(url_name, kwargs={k: world[v].pk for k, v in kwargs.items()})
    names = _field_names(form_class) + ["version"]

    @FUZZ
    @given(data_for(names))
    def run(data):
        _post(client, url, data)

    run()


@pytest.mark.parametrize(("kind", "form_class"), CHILD_FORMS, ids=[c[0] for c in CHILD_FORMS])
def test_case_child_form_under_fuzz(client, world, kind, form_class):
    client.force_login(world["owner"])
    url = reverse("child_new", args=[world["case"].pk, kind])

    @FUZZ
    @given(data_for(_field_names(form_class)))
    def run(data):
        _post(client, url, data)

    run()


@pytest.mark.parametrize("code", [i.code for i in list_instruments() if not i.placeholder_wording])
def test_instrument_form_under_fuzz(client, world, code):
    client.force_login(world["owner"])
    instrument = get_instrument(code, "id")
    url = reverse("measure_give", args=[world["case"].pk]) + f"?instrument={code}&language=id"
    names = [f"item_{item.id}" for item in instrument.items] + ["session"]

    @settings(max_examples=10, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(data_for(names))
    def run(data):
        _post(client, url, data)

    run()


def test_privacy_answer_forms_under_fuzz(client, world):
    owner, counselee = world["owner"], world["counselee"]
    client.force_login(owner)
    consent = give(counselee, owner)
    dsr = request(counselee, owner, kind="erasure")
    alert_free = reverse("privacy_consent_withdraw", args=[counselee.pk, consent.pk])
    answer = reverse("privacy_request", args=[dsr.pk])
    erase = reverse("privacy_request_erase", args=[dsr.pk])

    @FUZZ
    @given(data_for(["withdrawn_on", "reason"]), data_for(["action", "text", "restrict"]),
           data_for(["mode"]))
    def run(withdraw_data, answer_data, erase_data):
        _post(client, alert_free, withdraw_data)
        _post(client, answer, answer_data)
        _post(client, erase, erase_data)  # without "confirm" nothing is erased

    run()
    assert counselee.cases.exists()


def test_valid_input_is_saved(client, world):
    """The fuzz tests can fail: a valid form does store a row."""
    from jalin.privacy.models import Consent

    client.force_login(world["owner"])
    response = _post(client, reverse("privacy_consent_new", args=[world["counselee"].pk]), {
        "kind": "processing", "given_by": "counselee", "given_on": "2026-01-05", "method": "verbal"})
    assert response.status_code == 302 and Consent.objects.count() == 1
