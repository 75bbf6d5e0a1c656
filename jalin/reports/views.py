"""Report views: open through ``jalin.cases.access`` (404 for others), record the read, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override

from jalin.audit.services import record
from jalin.cases import access

from . import services

CASE_SUMMARY = "reports/case_summary.html"
SESSION_REPORT = "reports/session_report.html"


def _audit(request, action: str, obj, case, report: str) -> None:
    record(action, actor=request.user, obj=obj, case_id=case.pk, counselee_id=case.counselee_id,
           request=request, report=report, lang=services.report_lang())


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def case_summary(request, case_id):
    case = access.get_case_for_user(request.user, case_id)
    _audit(request, "report.view", case, case, "case_summary")
    return render(request, CASE_SUMMARY, services.case_summary_context(case))


@login_required
def case_summary_pdf(request, case_id):
    case = access.get_case_for_user(request.user, case_id)
    _audit(request, "report.pdf", case, case, "case_summary")
    return _pdf(services.render_pdf(CASE_SUMMARY, services.case_summary_context(case)),
                f"case-{case.pk}-summary.pdf")


@login_required
def session_report(request, session_id):
    session = access.get_session_for_user(request.user, session_id)
    _audit(request, "report.view", session, session.case, "session")
    return render(request, SESSION_REPORT, services.session_report_context(session))


@login_required
def session_report_pdf(request, session_id):
    session = access.get_session_for_user(request.user, session_id)
    _audit(request, "report.pdf", session, session.case, "session")
    return _pdf(services.render_pdf(SESSION_REPORT, services.session_report_context(session)),
                f"session-{session.pk}-report.pdf")


# The analysis report is one self-contained document with its own inline CSS and no scripts: it gets
# a policy of its own that allows inline styles and nothing else (no scripts, no requests, sandboxed).
ANALYSIS_CSP = {"default-src": [CSP.NONE], "style-src": [CSP.UNSAFE_INLINE], "img-src": ["data:"],
                "base-uri": [CSP.NONE], "form-action": [CSP.NONE], "frame-ancestors": [CSP.NONE],
                "sandbox": ["allow-modals"]}


@login_required
@csp_override(ANALYSIS_CSP)
def session_analysis(request, session_id):
    session = access.get_session_for_user(request.user, session_id)
    stored = services.stored_analysis(session)
    if stored is None:
        raise Http404
    _audit(request, "report.view", session, session.case, "analysis")
    from jalin.analysis.report import to_html

    html = to_html(services.result_from_json(stored, services.report_lang()))
    return HttpResponse(html, content_type="text/html; charset=utf-8")
