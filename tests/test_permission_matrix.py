"""Who gets what, on every URL of the project.

The test walks the URL resolver, so a new URL without an expectation here fails
``test_every_url_has_an_expectation``. For each URL it builds one world (an owner's case with
every kind of record), then asks GET — and POST with an empty body — as the anonymous visitor,
an outsider (another organisation), a colleague, a supervisor assigned to the owner without a
grant, a supervisor with a supervision grant on the case, the organisation's administrator and,
last, the owner. Expected codes are spelled out per URL; "missing" and "forbidden" are both 404.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from jalin.cases import services as case_services
from jalin.cases.models import ActionStep, Appointment, CaseConference, FollowUp, HomeVisit, Referral
from jalin.measures import services as measures
from jalin.measures.models import MeasureSchedule
from jalin.privacy import services as privacy
from tests import factories

ROLES = ["anonymous", "outsider", "colleague", "supervisor", "supervisor_granted", "admin", "owner"]


def _route_names(resolver=None, prefix="") -> dict[str, str]:
    names = {}
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            names.update(_route_names(pattern, prefix + str(pattern.pattern)))
        elif isinstance(pattern, URLPattern):
            names[pattern.name or prefix + str(pattern.pattern)] = prefix + str(pattern.pattern)
    return names


class World:
    """One organisation with every kind of record, built through the services."""

    def __init__(self):
        org = factories.make_org()
        self.users = {
            "owner": factories.make_user("owner", org=org, trainee=True),
            "colleague": factories.make_user("colleague", org=org),
            "supervisor": factories.make_user("supervisor", role="supervisor", org=org),
            "supervisor_granted": factories.make_user("supervisor2", role="supervisor", org=org),
            "admin": factories.make_user("orgadmin", role="admin", org=org),
            "outsider": factories.make_user("outsider", org=factories.make_org("Sekolah Lain")),
        }
        owner = self.users["owner"]
        self.assignment = factories.assign(self.users["supervisor"], owner)
        factories.assign(self.users["supervisor_granted"], owner)
        self.counselee = factories.make_counselee(owner)
        self.case = case = factories.make_case(owner, self.counselee)
        self.session = factories.add_session(case, owner, evaluation=True)
        factories.add_contract(case, owner)
        self.step = case_services.save_action_step(ActionStep(case=case, description="langkah"), actor=owner)
        case_services.save_follow_up(FollowUp(case=case, due_date=timezone.localdate()), actor=owner)
        case_services.save_appointment(Appointment(case=case, starts_at=timezone.now() + timedelta(days=2)),
                                       actor=owner)
        case_services.save_home_visit(HomeVisit(case=case, date=timezone.localdate(), people_met="ibu",
                                                purpose="kunjungan", findings="baik"), actor=owner)
        case_services.save_conference(CaseConference(
            case=case, date=timezone.localdate(), participants="tim", data_presented="data", minutes="notulen",
            decisions="keputusan", participants_bound_to_confidentiality=True), actor=owner)
        self.administration = measures.record_administration(
            case, instrument_code="phq9", lang="id", actor=owner, answers={str(i): 3 for i in range(1, 10)})
        self.alert = case.alerts.first()
        measures.save_schedule(MeasureSchedule(case=case, instrument="phq9", when="before"), actor=owner)
        _, self.token = measures.create_link(case, actor=owner, instrument_code="phq9", lang="id")
        self.grant = case_services.grant_access(case, actor=owner, user=self.users["supervisor_granted"],
                                                purpose="supervision", days=7)
        self.consent = privacy.record_consent(self.counselee, actor=owner, data={
            "kind": "processing", "given_on": timezone.localdate(), "method": "signed_form"})
        self.dsr = privacy.create_request(self.counselee, actor=owner, data={"kind": "erasure"})
        referred = factories.make_case(owner, self.counselee)
        self.referral = case_services.refer_case(Referral(
            case=referred, date=timezone.localdate(), receiver_name="Psikolog", receiver_institution="Biro",
            receiver_expertise="klinis", reason="alasan", efforts="upaya", counselee_consent=True,
            guardian_consent=True, head_permission=True), actor=owner, expected_version=None)
        self._practice()

    def _practice(self):
        from django.apps import apps

        self.transcript = self.job = self.review = None
        if not apps.is_installed("jalin.practice"):
            return
        from jalin.practice.models import AnalysisJob, Review, Transcript

        owner = self.users["owner"]
        self.transcript = Transcript.objects.create(
            session=self.session, format="text", raw="K: halo", uploaded_by=owner, language="id",
            utterances=[{"speaker": "counselor", "text": "halo"}])
        self.job = AnalysisJob.objects.create(transcript=self.transcript, requested_by=owner)
        self.review = Review.objects.create(session=self.session, trainee=owner,
                                            supervisor=self.users["supervisor_granted"], grant=self.grant)

    def kwargs(self, name: str) -> dict:
        case, session = self.case, self.session
        return {
            "counselee_detail": {"counselee_id": self.counselee.pk},
            "counselee_edit": {"counselee_id": self.counselee.pk},
            "case_new": {"counselee_id": self.counselee.pk},
            "referral_edit": {"case_id": self.referral.case_id, "pk": self.referral.pk},
            "case_unshare": {"case_id": case.pk, "grant_id": self.grant.pk},
            "child_new": {"case_id": case.pk, "kind": "action-steps"},
            "child_edit": {"case_id": case.pk, "kind": "action-steps", "pk": self.step.pk},
            "session_detail": {"session_id": session.pk},
            "session_edit": {"session_id": session.pk},
            "measure_fhir": {"case_id": case.pk, "administration_id": self.administration.pk},
            "alert_acknowledge": {"case_id": case.pk, "alert_id": self.alert.pk},
            "measure_link": {"token": self.token},
            "privacy_counselee": {"counselee_id": self.counselee.pk},
            "privacy_consent_new": {"counselee_id": self.counselee.pk},
            "privacy_consent_withdraw": {"counselee_id": self.counselee.pk, "consent_id": self.consent.pk},
            "privacy_history": {"counselee_id": self.counselee.pk},
            "privacy_export": {"counselee_id": self.counselee.pk, "fmt": "json"},
            "privacy_request_new": {"counselee_id": self.counselee.pk},
            "privacy_request": {"pk": self.dsr.pk},
            "privacy_request_erase": {"pk": self.dsr.pk},
            "privacy_alert_disclosure": {"case_id": case.pk, "alert_id": self.alert.pk},
            "transcript_attach": {"session_id": session.pk},
            "transcript_rerun": {"transcript_id": getattr(self.transcript, "pk", 0)},
            "transcript_speakers": {"transcript_id": getattr(self.transcript, "pk", 0)},
            "transcript_label": {"transcript_id": getattr(self.transcript, "pk", 0)},
            "transcript_task": {"transcript_id": getattr(self.transcript, "pk", 0)},
            "job_status": {"job_id": getattr(self.job, "pk", 0)},
            "review_submit": {"session_id": session.pk},
            "supervision_trainee": {"trainee_id": self.users["owner"].pk},
            "review_detail": {"review_id": getattr(self.review, "pk", 0)},
            "review_comment": {"review_id": getattr(self.review, "pk", 0)},
            "review_rate": {"review_id": getattr(self.review, "pk", 0)},
            "review_decide": {"review_id": getattr(self.review, "pk", 0)},
            "report_session": {"session_id": session.pk},
            "report_session_pdf": {"session_id": session.pk},
            "report_session_analysis": {"session_id": session.pk},
            "admin_user_edit": {"user_id": self.users["colleague"].pk},
            "admin_assignment_end": {"assignment_id": self.assignment.pk},
        }.get(name, {"case_id": case.pk} if "case_id" in _route_names()[name] else {})


def _codes(world: World, url: str, method: str) -> dict[str, int]:
    codes = {}
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(world.users[role])
        response = client.get(url) if method == "GET" else client.post(url, {})
        codes[role] = response.status_code
    return codes


# GET codes, then POST (empty body) codes, in the order of ROLES:
#   anonymous outsider colleague supervisor supervisor_granted admin owner
EXPECTED = {
    "admin_assignment_end": ('302 405 405 405 405 405 405', '302 404 404 404 404 302 404'),
    "admin_assignment_new": ('302 404 404 404 404 200 404', '302 404 404 404 404 200 404'),
    "admin_organisation": ('302 404 404 404 404 200 404', '302 404 404 404 404 200 404'),
    "admin_user_edit": ('302 404 404 404 404 200 404', '302 404 404 404 404 200 404'),
    "admin_user_new": ('302 404 404 404 404 200 404', '302 404 404 404 404 200 404'),
    "admin_users": ('302 404 404 404 404 200 404', '302 404 404 404 404 200 404'),
    "alert_acknowledge": ('302 405 405 405 405 405 405', '302 404 404 404 404 404 302'),
    "case_close": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "case_contract": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "case_detail": ('302 404 404 404 200 404 200', '302 404 404 404 200 404 200'),
    "case_edit": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "case_list": ('302 200 200 200 200 200 200', '302 200 200 200 200 200 200'),
    "case_new": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "case_reopen": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "case_restricted_note": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "case_share": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "case_stage": ('302 405 405 405 405 405 405', '302 404 404 404 404 404 302'),
    "case_task": ('302 405 405 405 405 405 405', '302 404 404 404 404 404 302'),
    "case_unshare": ('302 405 405 405 405 405 405', '302 404 404 404 404 404 302'),
    "child_edit": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "child_new": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "counselee_detail": ('302 404 404 404 200 404 200', '302 404 404 404 200 404 200'),
    "counselee_edit": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "counselee_list": ('302 200 200 200 200 200 200', '302 200 200 200 200 200 200'),
    "counselee_new": ('302 200 200 404 404 404 200', '302 200 200 404 404 404 200'),
    "dashboard": ('302 200 200 200 200 200 200', '302 200 200 200 200 200 200'),
    "job_status": ('302 404 404 404 200 404 200', '302 405 405 405 405 405 405'),
    "login": ('200 302 302 302 302 302 302', '200 302 302 302 302 302 302'),
    "login_verify": ('302 302 302 302 302 302 302', '302 302 302 302 302 302 302'),
    "logout": ('405 405 405 405 405 405 405', '302 302 302 302 302 302 302'),
    "measure_fhir": ('302 404 404 404 200 404 200', '302 404 404 404 200 404 200'),
    "measure_give": ('302 404 404 404 404 404 302', '302 404 404 404 404 404 302'),
    "measure_link": ('200 200 200 200 200 200 200', '200 200 200 200 200 200 200'),
    "measure_schedule_new": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "measure_send_link": ('302 405 405 405 405 405 405', '302 404 404 404 404 404 302'),
    "my_reviews": ('302 200 200 200 200 404 200', '302 200 200 200 200 404 200'),
    "password_change": ('302 200 200 200 200 200 200', '302 200 200 200 200 200 200'),
    "privacy_alert_disclosure": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "privacy_break_glass": ('302 200 200 200 200 404 200', '302 200 200 200 200 404 200'),
    "privacy_break_glass_report": ('302 404 404 404 404 200 404', '302 404 404 404 404 200 404'),
    "privacy_consent_new": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "privacy_consent_withdraw": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "privacy_counselee": ('302 404 404 404 200 404 200', '302 404 404 404 200 404 200'),
    "privacy_disclosure_new": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "privacy_export": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "privacy_history": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "privacy_request": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "privacy_request_erase": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "privacy_request_new": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "privacy_requests": ('302 200 200 200 200 404 200', '302 200 200 200 200 404 200'),
    "referral_edit": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "referral_new": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "report_case_summary": ('302 404 404 404 200 404 200', '302 404 404 404 200 404 200'),
    "report_case_summary_pdf": ('302 404 404 404 200 404 200', '302 404 404 404 200 404 200'),
    "report_session": ('302 404 404 404 200 404 200', '302 404 404 404 200 404 200'),
    "report_session_analysis": ('302 404 404 404 404 404 404', '302 404 404 404 404 404 404'),
    "report_session_pdf": ('302 404 404 404 200 404 200', '302 404 404 404 200 404 200'),
    "review_comment": ('302 405 405 405 405 405 405', '302 404 404 404 302 404 404'),
    "review_decide": ('302 405 405 405 405 405 405', '302 404 404 404 302 404 404'),
    "review_detail": ('302 404 404 404 200 404 200', '302 404 404 404 200 404 200'),
    "review_rate": ('302 405 405 405 405 405 405', '302 404 404 404 302 404 404'),
    "review_submit": ('302 405 405 405 405 405 405', '302 404 404 404 404 404 302'),
    "session_detail": ('302 404 404 404 200 404 200', '302 404 404 404 200 404 200'),
    "session_edit": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "session_new": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "set_language": ('302 302 302 302 302 302 302', '302 302 302 302 302 302 302'),
    "supervision_dashboard": ('302 404 404 200 200 404 404', '302 404 404 200 200 404 404'),
    "supervision_trainee": ('302 404 404 200 200 404 404', '302 404 404 200 200 404 404'),
    "transcript_attach": ('302 405 405 405 405 405 405', '302 404 404 404 404 404 302'),
    "transcript_label": ('302 405 405 405 405 405 405', '302 404 404 404 404 404 404'),
    "transcript_rerun": ('302 405 405 405 405 405 405', '302 404 404 404 404 404 302'),
    "transcript_speakers": ('302 405 405 405 405 405 405', '302 404 404 404 404 404 302'),
    "transcript_task": ('302 405 405 405 405 405 405', '302 404 404 404 404 404 404'),
    "twofactor_setup": ('302 200 200 200 200 200 200', '302 200 200 200 200 200 200'),
}


def test_every_url_has_an_expectation():
    names = set(_route_names())
    assert names - set(EXPECTED) == set(), "new URL: add its row to EXPECTED"
    assert set(EXPECTED) - names == set(), "URL gone: remove its row from EXPECTED"


def test_restricted_areas_are_never_open_to_outsiders_or_anonymous():
    """A sanity check on the table itself: nothing case-bound answers 200 to strangers."""
    public = {"login", "measure_link"}
    for name, (get, post) in EXPECTED.items():
        if name in public:
            continue
        anonymous, outsider = get.split()[0], get.split()[1]
        assert anonymous in {"302", "405"}, name
        if "<int:" in _route_names()[name] and "trainee" not in name and "user_id" not in _route_names()[name]:
            assert outsider in {"404", "405"}, name


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_permission_matrix(name):
    if name not in _route_names():
        pytest.fail(f"{name} is no longer a URL")
    world = World()
    url = reverse(name, kwargs=world.kwargs(name))
    get, post = EXPECTED[name]
    assert " ".join(str(c) for c in _codes(world, url, "GET").values()) == get, f"GET {name}"
    # POST last: the owner, who may really write, comes last in ROLES.
    assert " ".join(str(c) for c in _codes(world, url, "POST").values()) == post, f"POST {name}"
