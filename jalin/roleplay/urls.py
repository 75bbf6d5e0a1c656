from django.urls import path

from . import views

urlpatterns = [
    path("latihan/", views.home, name="roleplay_home"),
    path("latihan/mulai/", views.start, name="roleplay_start"),
    path("latihan/<int:run_id>/", views.chat, name="roleplay_chat"),
    path("latihan/<int:run_id>/petunjuk/", views.hint, name="roleplay_hint"),
    path("latihan/<int:run_id>/selesai/", views.end, name="roleplay_end"),
    path("latihan/<int:run_id>/debrief/", views.debrief, name="roleplay_debrief"),
    path("latihan/<int:run_id>/ajukan/", views.submit, name="roleplay_submit"),
    path("latihan/tinjauan/<int:review_id>/", views.review, name="roleplay_review"),
    path("latihan/tinjauan/<int:review_id>/komentar/", views.review_comment, name="roleplay_review_comment"),
    path("latihan/tinjauan/<int:review_id>/keputusan/", views.review_decide, name="roleplay_review_decide"),
]
