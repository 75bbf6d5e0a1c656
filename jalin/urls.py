from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("", include("jalin.accounts.urls")),
    path("", include("jalin.cases.urls")),
    path("", include("jalin.measures.urls")),
    path("", include("jalin.privacy.urls")),
    path("", include("jalin.practice.urls")),
    path("", include("jalin.reports.urls")),
    path("", include("jalin.roleplay.urls")),
]
