from django.urls import include, path, re_path
from django.views.i18n import set_language

from jalin.api.api import api
from jalin.api.views import api_not_found

urlpatterns = [
    path("i18n/setlang/", set_language, name="set_language"),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found, name="api_not_found"),
    path("", include("jalin.accounts.urls")),
    path("", include("jalin.api.web_urls")),
    path("", include("jalin.cases.urls")),
    path("", include("jalin.measures.urls")),
    path("", include("jalin.privacy.urls")),
    path("", include("jalin.practice.urls")),
    path("", include("jalin.reports.urls")),
    path("", include("jalin.roleplay.urls")),
]
