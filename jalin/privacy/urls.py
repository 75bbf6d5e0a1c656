from django.urls import path

from . import views

urlpatterns = [
    path("counselees/<int:counselee_id>/privacy/", views.counselee_privacy, name="privacy_counselee"),
    path("counselees/<int:counselee_id>/consents/new/", views.consent_new, name="privacy_consent_new"),
    path("counselees/<int:counselee_id>/consents/<int:consent_id>/withdraw/", views.consent_withdraw,
         name="privacy_consent_withdraw"),
    path("counselees/<int:counselee_id>/history/", views.counselee_history, name="privacy_history"),
    path("counselees/<int:counselee_id>/export.<str:fmt>", views.counselee_export, name="privacy_export"),
    path("counselees/<int:counselee_id>/requests/new/", views.request_new, name="privacy_request_new"),
    path("privacy/requests/", views.request_list, name="privacy_requests"),
    path("privacy/requests/<int:pk>/", views.request_detail, name="privacy_request"),
    path("privacy/requests/<int:pk>/erase/", views.request_erase, name="privacy_request_erase"),
    path("cases/<int:case_id>/disclose/", views.disclosure_new, name="privacy_disclosure_new"),
    path("cases/<int:case_id>/alerts/<int:alert_id>/disclosure/", views.disclosure_new,
         name="privacy_alert_disclosure"),
    path("privacy/break-glass/", views.break_glass, name="privacy_break_glass"),
    path("privacy/break-glass/report/", views.break_glass_report, name="privacy_break_glass_report"),
]
