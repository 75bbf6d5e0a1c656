from django.urls import path

from . import views

urlpatterns = [
    path("cases/<int:case_id>/measures/give/", views.give, name="measure_give"),
    path("cases/<int:case_id>/measures/link/", views.send_link, name="measure_send_link"),
    path("cases/<int:case_id>/measures/schedule/", views.schedule_new, name="measure_schedule_new"),
    path("cases/<int:case_id>/measures/<int:administration_id>/fhir/", views.fhir_export, name="measure_fhir"),
    path("cases/<int:case_id>/alerts/<int:alert_id>/acknowledge/", views.acknowledge, name="alert_acknowledge"),
    path("m/<str:token>/", views.fill_link, name="measure_link"),
]
