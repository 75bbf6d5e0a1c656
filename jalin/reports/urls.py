from django.urls import path

from . import views

urlpatterns = [
    path("cases/<int:case_id>/reports/summary/", views.case_summary, name="report_case_summary"),
    path("cases/<int:case_id>/reports/summary.pdf", views.case_summary_pdf, name="report_case_summary_pdf"),
    path("sessions/<int:session_id>/report/", views.session_report, name="report_session"),
    path("sessions/<int:session_id>/report.pdf", views.session_report_pdf, name="report_session_pdf"),
    path("sessions/<int:session_id>/report/analysis/", views.session_analysis, name="report_session_analysis"),
]
