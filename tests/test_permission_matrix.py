"""Who gets what, on every URL of the project.

The test walks the URL resolver, so a new URL without an expectation here fails
``test_every_url_has_an_expectation``. For each URL it builds one world (an owner's case with
every kind of record), then asks GET — and POST with an empty body — as the anonymous visitor,
an outsider (another organisation), a colleague, a supervisor assigned to the owner without a
grant, a supervisor with a supervision grant on the case, the organisation's administrator and,
last, the owner. Expected codes are spelled out per URL; "missing" and "forbidden" are both 404.

Also: every GET that shows counselee data writes an audit event, and every 404 on a case-bound URL
is audited as an attempt; POSTs carry a valid body too (``VALID_POSTS``: only the writer writes,
the refused write nothing); the generic child pages are walked for every kind of child record.
"""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

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


# The REST API has its own matrix (tests/api/test_permission_matrix_api.py): token, not session.
API_PATTERNS = ("api/v1/", "^api/")


def _route_names(resolver=None, prefix="") -> dict[str, str]:
    names = {}
    for pattern in (resolver or get_resolver()).url_patterns:
        if str(pattern.pattern) in API_PATTERNS:
            continue
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
        self.follow_up = case_services.save_follow_up(FollowUp(case=case, due_date=timezone.localdate()),
                                                      actor=owner)
        self.appointment = case_services.save_appointment(
            Appointment(case=case, starts_at=timezone.now() + timedelta(days=2)), actor=owner)
        self.home_visit = case_services.save_home_visit(HomeVisit(
            case=case, date=timezone.localdate(), people_met="ibu", purpose="kunjungan", findings="baik"), actor=owner)
        self.conference = case_services.save_conference(CaseConference(
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
        self._roleplay()
        from jalin.api import tokens as api_tokens

        self.api_token = api_tokens.create_token(actor=owner, name="SIS", scopes=["read"], days=30).token

    def _roleplay(self):
        from jalin.roleplay.models import PracticeRun, PracticeRunReview

        owner = self.users["owner"]
        self.run = PracticeRun.objects.create(trainee=owner, scenario="truancy", status="ended", engine_state={
            "turns": [{"speaker": "counselor", "text": "Halo"}], "state": {}}, debrief={})
        self.active_run = PracticeRun.objects.create(trainee=owner, scenario="truancy", engine_state=None)
        self.run_review = PracticeRunReview.objects.create(run=self.run, trainee=owner,
                                                           supervisor=self.users["supervisor_granted"])

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
            "transcript_delete": {"transcript_id": getattr(self.transcript, "pk", 0)},
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
            "admin_user_confirm": {"user_id": self.users["colleague"].pk},
            "admin_assignment_end": {"assignment_id": self.assignment.pk},
            "roleplay_chat": {"run_id": self.active_run.pk},
            "roleplay_hint": {"run_id": self.active_run.pk},
            "roleplay_end": {"run_id": self.run.pk},
            "roleplay_debrief": {"run_id": self.run.pk},
            "roleplay_submit": {"run_id": self.run.pk},
            "roleplay_review": {"review_id": self.run_review.pk},
            "roleplay_review_comment": {"review_id": self.run_review.pk},
            "roleplay_review_decide": {"review_id": self.run_review.pk},
            "api_token_revoke": {"token_id": self.api_token.pk},
        }.get(name, {"case_id": case.pk} if "case_id" in _route_names()[name] else {})


def _codes(world: World, url: str, method: str, body: dict | None = None,
           audited: dict | None = None) -> dict[str, int]:
    """Status codes per role; ``audited`` collects the audit actions each role's request wrote."""
    from jalin.audit.models import AuditEvent

    codes = {}
    for role in ROLES:
        client = Client()
        if role != "anonymous":
            client.force_login(world.users[role])
        last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
        response = client.get(url) if method == "GET" else client.post(url, body or {})
        codes[role] = response.status_code
        if audited is not None:
            audited[role] = list(AuditEvent.objects.filter(seq__gt=last).exclude(actor=None)
                                 .values_list("action", flat=True))
    return codes


class _FormReader(HTMLParser):
    """The values a page's own form would send: what a user submits after changing nothing."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict[str, list[str]]] = []
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_form = a.get("method", "").lower() == "post" and not a.get("action")
            if self._in_form:
                self.forms.append({})
        if not self._in_form:
            return
        fields = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in {"submit", "button", "file"}:
            if a.get("type") in {"checkbox", "radio"}:
                if "checked" in a:
                    fields.setdefault(name, []).append(a.get("value", "on"))
            else:
                fields.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, [])
        elif tag == "option" and self._select and "selected" in a:
            fields[self._select].append(a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            fields[name] = [""]

    def handle_data(self, data):
        if self._in_form and self._textarea:
            self.forms[-1][self._textarea][0] += data.lstrip("\n") if not self.forms[-1][self._textarea][0] else data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_body(html: str) -> dict[str, list[str]]:
    reader = _FormReader()
    reader.feed(html)
    body = reader.forms[0] if reader.forms else {}
    body.pop("csrfmiddlewaretoken", None)
    return body


# Pages that show no counselee data: a GET of them needs no audit event.
NO_COUNSELEE_DATA = {
    "login", "login_verify", "logout", "set_language", "password_change", "twofactor_setup",
    "admin_assignment_new", "admin_organisation", "admin_user_edit", "admin_user_new", "admin_users",
    "admin_user_confirm", "privacy_break_glass", "privacy_break_glass_report", "counselee_new",
    "measure_link",  # the one-time link page shows the questions only, nothing about the case
    "job_status",  # polled every few seconds; status and progress only (its 404s are audited)
    # Practice with a simulated counselee: the trainee's own training record, no counselee's data.
    "roleplay_home", "roleplay_chat", "roleplay_debrief", "roleplay_review",
    "api_tokens",  # names, prefixes and dates of the user's API tokens
}
CASE_BOUND_KWARGS = {"case_id", "session_id", "counselee_id", "transcript_id", "job_id", "review_id", "pk",
                     "administration_id", "alert_id", "grant_id", "consent_id", "trainee_id"}


def _assert_reads_audited(name: str, codes: dict[str, int], audited: dict[str, list[str]]) -> None:
    """Every page that answers 200 with counselee data, and every 404 on a case-bound URL, is audited."""
    route = _route_names()[name]
    case_bound = any(f":{kw}>" in route for kw in CASE_BOUND_KWARGS)
    for role, code in codes.items():
        if role == "anonymous":
            continue
        if code == 200 and name not in NO_COUNSELEE_DATA and (name, role) != ("dashboard", "admin"):
            assert audited[role], f"GET {name} as {role}: a read without an audit event"
        if code == 404 and case_bound:
            assert "access.not_found" in audited[role], f"GET {name} as {role}: a 404 attempt not audited"


# GET codes, then POST (empty body) codes, in the order of ROLES:
#   anonymous outsider colleague supervisor supervisor_granted admin owner
EXPECTED = {
    "api_token_revoke": ('302 405 405 405 405 405 405', '302 404 404 404 404 302 302'),
    "api_tokens": ('302 200 200 200 200 200 200', '302 200 200 200 200 200 200'),
    "admin_assignment_end": ('302 405 405 405 405 405 405', '302 404 404 404 404 302 404'),
    "admin_assignment_new": ('302 404 404 404 404 200 404', '302 404 404 404 404 200 404'),
    "admin_organisation": ('302 404 404 404 404 200 404', '302 404 404 404 404 200 404'),
    "admin_user_confirm": ('302 405 405 405 405 405 405', '302 404 404 404 404 302 404'),
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
    "roleplay_chat": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 400'),
    "roleplay_debrief": ('302 404 404 404 404 404 200', '302 404 404 404 404 404 200'),
    "roleplay_end": ('302 405 405 405 405 405 405', '302 404 404 404 404 404 302'),
    "roleplay_hint": ('302 405 405 405 405 405 405', '302 404 404 404 404 404 302'),
    "roleplay_home": ('302 200 200 200 200 404 200', '302 200 200 200 200 404 200'),
    "roleplay_review": ('302 404 404 404 200 404 302', '302 404 404 404 200 404 302'),
    "roleplay_review_comment": ('302 405 405 405 405 405 405', '302 404 404 404 302 404 302'),
    "roleplay_review_decide": ('302 405 405 405 405 405 405', '302 404 404 404 302 404 302'),
    "roleplay_start": ('302 405 405 405 405 405 405', '302 302 302 302 302 404 302'),
    "roleplay_submit": ('302 405 405 405 405 405 405', '302 404 404 404 404 404 302'),
    "set_language": ('302 302 302 302 302 302 302', '302 302 302 302 302 302 302'),
    "supervision_dashboard": ('302 404 404 200 200 404 404', '302 404 404 200 200 404 404'),
    "supervision_trainee": ('302 404 404 200 200 404 404', '302 404 404 200 200 404 404'),
    "transcript_attach": ('302 405 405 405 405 405 405', '302 404 404 404 404 404 302'),
    "transcript_delete": ('302 405 405 405 405 405 405', '302 404 404 404 404 404 302'),
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
    audited: dict[str, list[str]] = {}
    codes = _codes(world, url, "GET", audited=audited)
    assert " ".join(str(c) for c in codes.values()) == get, f"GET {name}"
    _assert_reads_audited(name, codes, audited)
    # POST last: the owner, who may really write, comes last in ROLES.
    assert " ".join(str(c) for c in _codes(world, url, "POST").values()) == post, f"POST {name}"


# --- POSTs with a valid body -------------------------------------------------------------------
# An empty POST only shows that a form refuses nothing; a valid body shows that only the right
# person can really write. Each body is what the writer's own form shows (read from the page) plus
# the fields below. Expected codes in the order of ROLES.

def _today() -> str:
    return timezone.localdate().isoformat()


def _with_recording_consent(world: World, body: dict) -> dict:
    """A transcript needs recording consent (and a guardian's, for a minor) before it is attached."""
    for kind in ("recording", "guardian"):
        privacy.record_consent(world.counselee, actor=world.users["owner"], data={
            "kind": kind, "given_on": timezone.localdate(), "method": "signed_form", "viewers": "supervisor",
            "given_by_name": "Wali Contoh"})
    return body


VALID_POSTS = {
    "api_tokens": ("owner", lambda w: {"name": "SIS", "scopes": "read", "days": "30"},
                   "302 200 200 200 200 200 200"),
    "api_token_revoke": ("admin", lambda w: {}, "302 404 404 404 404 302 302"),  # the owner finds it revoked
    # name: (writer, extra fields, expected codes)
    "admin_assignment_new": ("admin", lambda w: {"supervisor": w.users["supervisor"].pk,
                                                 "supervisee": w.users["colleague"].pk},
                             "302 404 404 404 404 302 404"),
    "admin_organisation": ("admin", lambda w: {}, "302 404 404 404 404 302 404"),
    "admin_user_edit": ("admin", lambda w: {}, "302 404 404 404 404 302 404"),
    "admin_user_new": ("admin", lambda w: {"username": "baru", "password": "Sandi-panjang-2026!",
                                           "role": "counselor", "language": "id"}, "302 404 404 404 404 302 404"),
    "alert_acknowledge": ("owner", lambda w: {"note": "Sudah ditindaklanjuti"}, "302 404 404 404 404 404 302"),
    "case_close": ("owner", lambda w: {"closure_reason": "resolved", "override_reason": "Alasan uji penutupan"},
                   "302 404 404 404 404 404 302"),
    "case_contract": ("owner", lambda w: {}, "302 404 404 404 404 404 302"),
    "case_edit": ("owner", lambda w: {}, "302 404 404 404 404 404 302"),
    "case_new": ("owner", lambda w: {"area": "pribadi", "came_via": "self", "description": "Deskripsi baru"},
                 "302 404 404 404 404 404 302"),
    "case_restricted_note": ("owner", lambda w: {"restricted_note": "Catatan terbatas uji"},
                             "302 404 404 404 404 404 302"),
    "case_share": ("owner", lambda w: {"username": "colleague", "purpose": "colleague", "days": "7"},
                   "302 404 404 404 404 404 302"),
    "case_stage": ("owner", lambda w: {"target": "inti", "override_reason": "Alasan uji", "version": ""},
                   "302 404 404 404 404 404 302"),
    "case_task": ("owner", lambda w: {"task": "rapport", "done": "on"}, "302 404 404 404 404 404 302"),
    "case_unshare": ("owner", lambda w: {}, "302 404 404 404 404 404 302"),
    "counselee_edit": ("owner", lambda w: {}, "302 404 404 404 404 404 302"),
    "counselee_new": ("owner", lambda w: {"name": "Konseli Baru", "gender": "f"}, "302 302 302 404 404 404 302"),
    "measure_schedule_new": ("owner", lambda w: {"instrument": "gad7", "when": "before", "every": "1"},
                             "302 404 404 404 404 404 302"),
    "measure_send_link": ("owner", lambda w: {"instrument": "gad7", "language": "id", "hours": "24"},
                          "302 404 404 404 404 404 200"),
    "privacy_break_glass": ("colleague", lambda w: {"case_code": w.case.code,
                                                    "reason": "Konseli berisiko, konselor tidak bisa dihubungi"},
                            "302 200 302 302 200 404 200"),
    "privacy_consent_new": ("owner", lambda w: {"kind": "processing", "method": "signed_form",
                                                "given_by": "counselee"}, "302 404 404 404 404 404 302"),
    "privacy_consent_withdraw": ("owner", lambda w: {"reason": "Konseli menarik persetujuan"},
                                 "302 404 404 404 404 404 302"),
    "privacy_disclosure_new": ("owner", lambda w: {"informed": "guardian", "informed_name": "Wali",
                                                   "reason": "Risiko keselamatan", "counselee_told": "on"},
                               "302 404 404 404 404 404 302"),
    "privacy_alert_disclosure": ("owner", lambda w: {"informed": "guardian", "informed_name": "Wali",
                                                     "reason": "Risiko keselamatan", "counselee_told": "on"},
                                 "302 404 404 404 404 404 302"),
    "privacy_request": ("owner", lambda w: {"action": "start"}, "302 404 404 404 404 404 302"),
    "privacy_request_erase": ("owner", lambda w: {"mode": "anonymise", "confirm": "on"},
                              "302 404 404 404 404 404 302"),
    "privacy_request_new": ("owner", lambda w: {"kind": "access", "requested_by": "counselee"},
                            "302 404 404 404 404 404 302"),
    "referral_edit": ("owner", lambda w: {}, "302 404 404 404 404 404 302"),
    "referral_new": ("owner", lambda w: {"receiver_name": "Psikolog", "receiver_institution": "Biro",
                                         "receiver_expertise": "klinis", "reason": "Di luar kewenangan",
                                         "efforts": "Tiga sesi", "counselee_consent": "on",
                                         "guardian_consent": "on", "head_permission": "on", "kind": "internal"},
                     "302 404 404 404 404 404 302"),
    "review_comment": ("supervisor_granted", lambda w: {"text": "Coba refleksi perasaan"},
                       "302 404 404 404 302 404 404"),
    "review_decide": ("supervisor_granted", lambda w: {"decision": "signed_off", "minutes": "30"},
                      "302 404 404 404 302 404 404"),
    "review_rate": ("supervisor_granted", lambda w: {"score_attending": "4"}, "302 404 404 404 302 404 404"),
    "review_submit": ("owner", lambda w: {"supervisor": w.users["supervisor"].pk, "note": "Mohon ditinjau"},
                      "302 404 404 404 404 404 302"),
    "session_edit": ("owner", lambda w: {}, "302 404 404 404 404 404 302"),
    "session_new": ("owner", lambda w: {"mode": "in_person", "start_time": "09:00", "stage_reached": "awal",
                                         "notes_awal": "Catatan"},
                    "302 404 404 404 404 404 302"),
    "transcript_delete": ("owner", lambda w: {"confirm": "on"}, "302 404 404 404 404 404 302"),
    "transcript_attach": ("owner", lambda w: _with_recording_consent(w, {"text": "Konselor: Halo.\nKonseli: Halo."}),
                          "302 404 404 404 404 404 302"),
}


def _valid_body(world: World, name: str, url: str) -> dict:
    writer, extra, _expected = VALID_POSTS[name]
    client = Client()
    client.force_login(world.users[writer])
    page = client.get(url)
    body = form_body(page.content.decode()) if page.status_code == 200 else {}
    body.update({k: [str(v)] for k, v in extra(world).items()})
    return body


def _assert_no_write_by_refused(codes: dict[str, int], audited: dict[str, list[str]], name: str) -> None:
    for role, code in codes.items():
        if code == 404 and role != "anonymous":
            assert set(audited[role]) <= {"access.not_found"}, f"POST {name} as {role} wrote {audited[role]}"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(VALID_POSTS))
def test_permission_matrix_with_a_valid_body(name):
    world = World()
    url = reverse(name, kwargs=world.kwargs(name))
    body = _valid_body(world, name, url)
    audited: dict[str, list[str]] = {}
    codes = _codes(world, url, "POST", body=body, audited=audited)
    assert " ".join(str(c) for c in codes.values()) == VALID_POSTS[name][2], f"POST {name} {body}"
    _assert_no_write_by_refused(codes, audited, name)
    writer = VALID_POSTS[name][0]
    if codes[writer] == 302:
        assert [a for a in audited[writer] if not a.endswith((".view", ".list"))], f"{name}: nothing written"


CHILD_KINDS = {
    # kind: (world attribute of an existing record, fields a new one needs)
    "action-steps": ("step", {"description": "Langkah baru", "owner": "counselee", "status": "planned"}),
    "follow-ups": ("follow_up", {"source": "counselee"}),
    "appointments": ("appointment", {"starts_at": (timezone.localtime() + timedelta(days=3)).strftime(
        "%Y-%m-%dT%H:%M"), "duration_minutes": "45", "mode": "in_person", "status": "scheduled"}),
    "home-visits": ("home_visit", {"date": None, "people_met": "ayah", "purpose": "kunjungan",
                                   "findings": "baik"}),
    "conferences": ("conference", {"date": None, "participants": "tim", "data_presented": "data",
                                   "minutes": "notulen", "decisions": "keputusan",
                                   "participants_bound_to_confidentiality": "on"}),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", sorted(CHILD_KINDS))
@pytest.mark.parametrize("name", ["child_new", "child_edit"])
def test_permission_matrix_for_every_child_kind(name, kind):
    world = World()
    attribute, fields = CHILD_KINDS[kind]
    kwargs = {"case_id": world.case.pk, "kind": kind}
    if name == "child_edit":
        kwargs["pk"] = getattr(world, attribute).pk
    url = reverse(name, kwargs=kwargs)
    get, post = EXPECTED[name]
    audited: dict[str, list[str]] = {}
    codes = _codes(world, url, "GET", audited=audited)
    assert " ".join(str(c) for c in codes.values()) == get, f"GET {name} {kind}"
    _assert_reads_audited(name, codes, audited)
    assert " ".join(str(c) for c in _codes(world, url, "POST").values()) == post, f"POST {name} {kind}"
    client = Client()
    client.force_login(world.users["owner"])
    body = form_body(client.get(url).content.decode())
    if name == "child_new":
        body.update({k: [v or _today()] for k, v in fields.items()})
    codes = _codes(world, url, "POST", body=body, audited=audited)
    assert " ".join(str(c) for c in codes.values()) == "302 404 404 404 404 404 302", f"valid POST {name} {kind}"
    _assert_no_write_by_refused(codes, audited, name)
