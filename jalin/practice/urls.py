from django.urls import path

from . import views

urlpatterns = [
    path("sessions/<int:session_id>/transcript/", views.transcript_attach, name="transcript_attach"),
    path("transcripts/<int:transcript_id>/rerun/", views.transcript_rerun, name="transcript_rerun"),
    path("transcripts/<int:transcript_id>/delete/", views.transcript_delete, name="transcript_delete"),
    path("transcripts/<int:transcript_id>/speakers/", views.transcript_speakers, name="transcript_speakers"),
    path("transcripts/<int:transcript_id>/label/", views.transcript_label, name="transcript_label"),
    path("transcripts/<int:transcript_id>/task/", views.transcript_task, name="transcript_task"),
    path("analysis-jobs/<int:job_id>/status/", views.job_status, name="job_status"),
    path("sessions/<int:session_id>/submit-review/", views.review_submit, name="review_submit"),
    path("supervision/", views.supervision_dashboard, name="supervision_dashboard"),
    path("supervision/trainees/<int:trainee_id>/", views.supervision_trainee, name="supervision_trainee"),
    path("supervision/reviews/<int:review_id>/", views.review_detail, name="review_detail"),
    path("supervision/reviews/<int:review_id>/comment/", views.review_comment, name="review_comment"),
    path("supervision/reviews/<int:review_id>/rate/", views.review_rate, name="review_rate"),
    path("supervision/reviews/<int:review_id>/decide/", views.review_decide, name="review_decide"),
    path("my-reviews/", views.my_reviews, name="my_reviews"),
]
