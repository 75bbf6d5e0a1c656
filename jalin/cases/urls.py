from django.urls import path

from . import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("counselees/", views.counselee_list, name="counselee_list"),
    path("counselees/new/", views.counselee_new, name="counselee_new"),
    path("counselees/<int:counselee_id>/", views.counselee_detail, name="counselee_detail"),
    path("counselees/<int:counselee_id>/edit/", views.counselee_edit, name="counselee_edit"),
    path("counselees/<int:counselee_id>/cases/new/", views.case_new, name="case_new"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:case_id>/", views.case_detail, name="case_detail"),
    path("cases/<int:case_id>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:case_id>/restricted-note/", views.case_restricted_note, name="case_restricted_note"),
    path("cases/<int:case_id>/stage/", views.case_stage, name="case_stage"),
    path("cases/<int:case_id>/task/", views.case_task, name="case_task"),
    path("cases/<int:case_id>/close/", views.case_close, name="case_close"),
    path("cases/<int:case_id>/reopen/", views.case_reopen, name="case_reopen"),
    path("cases/<int:case_id>/contract/", views.case_contract, name="case_contract"),
    path("cases/<int:case_id>/sessions/new/", views.session_new, name="session_new"),
    path("cases/<int:case_id>/referral/new/", views.referral_new, name="referral_new"),
    path("cases/<int:case_id>/referrals/<int:pk>/", views.referral_edit, name="referral_edit"),
    path("cases/<int:case_id>/share/", views.case_share, name="case_share"),
    path("cases/<int:case_id>/share/<int:grant_id>/revoke/", views.case_unshare, name="case_unshare"),
    path("cases/<int:case_id>/<slug:kind>/new/", views.child_edit, name="child_new"),
    path("cases/<int:case_id>/<slug:kind>/<int:pk>/", views.child_edit, name="child_edit"),
    path("sessions/<int:session_id>/", views.session_detail, name="session_detail"),
    path("sessions/<int:session_id>/edit/", views.session_edit, name="session_edit"),
]
