from django.urls import path

from . import web_views

urlpatterns = [
    path("account/tokens/", web_views.token_list, name="api_tokens"),
    path("account/tokens/<int:token_id>/revoke/", web_views.token_revoke, name="api_token_revoke"),
]
