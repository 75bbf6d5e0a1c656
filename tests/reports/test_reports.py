"""Case summary, individual counseling report and analysis report: content, confidentiality, access, PDF."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from jalin.audit.models import AuditEvent
from jalin.cases import services
from jalin.cases.models import ActionStep, Appointment
from jalin.measures import services as measures
from tests import factories

pytestmark = pytest.mark.django_db

RESTRICTED = "Catatan terbatas: hanya konselor"


@pytest.fixture
def world(owner):
    case = factories.make_case(owner)
    factories.add_contract(case, owner)
    services.update_case(case, actor=owner, expected_version=None, data={
        "problem_definition": "Sulit berkonsentrasi menjelang ujian", "restricted_note": RESTRICTED})
    session = factories.add_session(case, owner, evaluation=True)
    services.save_action_step(ActionStep(case=case, description="Menyusun jadwal belajar harian",
                                         due_date=timezone.localdate() + timedelta(days=7)), actor=owner)
    services.save_appointment(Appointment(case=case, starts_at=timezone.now() + timedelta(days=3)), actor=owner)
    measures.record_administration(case, instrument_code="phq9", lang="id", answers={str(i): 1 for i in range(1, 10)}
                                   | {"9": 0}, actor=owner, session=session)
    case.refresh_from_db()
    return case, session


def _urls(case, session):
    return [reverse("report_case_summary", args=[case.pk]), reverse("report_case_summary_pdf", args=[case.pk]),
            reverse("report_session", args=[session.pk]), reverse("report_session_pdf", args=[session.pk])]


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_case_summary_shows_stages_contract_measures_and_plan(client, owner, world):
    case, _ = world
    client.force_login(owner)
    with translation.override("en"):
        response = client.get(reverse("report_case_summary", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert response.status_code == 200
    assert case.counselee.code in html and "B.C." in html
    assert "Budi Contoh" not in html  # identity kept minimal: code and initials
    assert "Sulit berkonsentrasi menjelang ujian" in html
    assert "mendengar" in html and "Menyusun jadwal belajar harian" in html
    assert "<svg" in html and "PHQ-9" in html
    assert 'class="stage-awal"' in html


def test_case_summary_charts_carry_their_instrument_name_on_screen_and_in_the_pdf(client, owner, world):
    case, _ = world
    client.force_login(owner)
    html = client.get(reverse("report_case_summary", args=[case.pk])).content.decode()
    assert '<p class="chart-title"><strong>PHQ-9</strong></p><svg' in html.replace("\n", "")
    # The PDF wraps each chart in an <img> (xhtml2pdf) and keeps its caption.
    pdf = client.get(reverse("report_case_summary_pdf", args=[case.pk]))
    assert pdf.status_code == 200 and _pdf_text(pdf.content).count("PHQ-9") >= 2


def test_session_report_has_the_form_sections(client, owner, world):
    _case, session = world
    client.force_login(owner)
    client.post(reverse("set_language"), {"language": "en"})
    html = client.get(reverse("report_session", args=[session.pk])).content.decode()
    for text in ("Report on an individual counseling service", "Budi Contoh", "X IPA 1", "SMA Contoh",
                 "Sulit berkonsentrasi", "paham", "lega", "mencoba", "Menyusun jadwal belajar harian",
                 "Head of school", "(to be filled in by the counselor)", "Owner"):
        assert text in html, text


@pytest.mark.parametrize("index", [0, 1, 2, 3])
def test_restricted_note_never_appears(client, owner, world, index):
    client.force_login(owner)
    response = client.get(_urls(*world)[index])
    assert response.status_code == 200
    content = response.content
    text = _pdf_text(content) if content.startswith(b"%PDF") else content.decode()
    assert RESTRICTED not in text and "hanya konselor" not in text


@pytest.mark.parametrize("who", ["colleague", "outsider", "admin_user", "supervisor"])
def test_reports_are_404_for_anyone_but_the_case_team(client, world, who, request):
    client.force_login(request.getfixturevalue(who))
    before = AuditEvent.objects.filter(action__startswith="report.").count()
    for url in _urls(*world) + [reverse("report_case_summary", args=[999999])]:
        assert client.get(url).status_code == 404, url
    assert AuditEvent.objects.filter(action__startswith="report.").count() == before


def test_anonymous_is_sent_to_login(client, world):
    for url in _urls(*world):
        assert client.get(url).status_code == 302


def test_every_report_view_is_audited_without_content(client, owner, world):
    case, _ = world
    client.force_login(owner)
    for url in _urls(*world):
        client.get(url)
    events = list(AuditEvent.objects.filter(action__startswith="report.").order_by("seq"))
    assert [e.action for e in events] == ["report.view", "report.pdf", "report.view", "report.pdf"]
    assert all(e.case_id == case.pk and e.counselee_id == case.counselee_id for e in events)
    assert "Sulit" not in str([e.detail for e in events])


def test_pdfs_are_pdf_with_the_counselee_code(client, owner, world):
    case, session = world
    client.force_login(owner)
    summary = client.get(reverse("report_case_summary_pdf", args=[case.pk]))
    report = client.get(reverse("report_session_pdf", args=[session.pk]))
    for response in (summary, report):
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert case.counselee.code in _pdf_text(response.content)
    text = _pdf_text(report.content)
    assert "Sulit berkonsentrasi menjelang ujian" in text and "paham" in text


def test_report_language_follows_the_ui(client, owner, world):
    _, session = world
    client.force_login(owner)
    client.post(reverse("set_language"), {"language": "en"})
    english = client.get(reverse("report_session", args=[session.pk])).content.decode()
    client.post(reverse("set_language"), {"language": "id"})
    indonesian = client.get(reverse("report_session", args=[session.pk])).content.decode()
    assert '<html lang="en">' in english and '<html lang="id">' in indonesian
    assert "Immediate evaluation (LAISEG)" in english
    with translation.override("id"):
        from django.utils.translation import gettext
        expected = gettext("Report on an individual counseling service")
    assert expected in indonesian


def test_granted_supervisor_sees_the_report_but_not_the_note(client, owner, supervisor, world):
    case, session = world
    services.grant_access(case, actor=owner, user=supervisor, purpose="supervision", days=7)
    client.force_login(supervisor)
    for url in _urls(case, session):
        response = client.get(url)
        assert response.status_code == 200
        text = _pdf_text(response.content) if response.content.startswith(b"%PDF") else response.content.decode()
        assert RESTRICTED not in text


def test_case_and_session_pages_link_to_the_reports(client, owner, world):
    case, session = world
    client.force_login(owner)
    assert reverse("report_case_summary", args=[case.pk]) in client.get(
        reverse("case_detail", args=[case.pk])).content.decode()
    assert reverse("report_session", args=[session.pk]) in client.get(
        reverse("session_detail", args=[session.pk])).content.decode()


def test_report_pages_satisfy_the_csp(client, owner, world):
    client.force_login(owner)
    for url in _urls(*world)[::2]:
        html = client.get(url).content.decode()
        assert "style=" not in html and "<script>" not in html and " onclick=" not in html


def test_analysis_report_is_404_without_a_stored_analysis(client, owner, world):
    _, session = world
    client.force_login(owner)
    assert client.get(reverse("report_session_analysis", args=[session.pk])).status_code == 404
