from django.contrib.auth import views as auth_views
from django.urls import path

from . import admin_views, twofactor, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/verify/", twofactor.verify, name="login_verify"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/two-factor/", twofactor.setup, name="twofactor_setup"),
    path("account/password/", auth_views.PasswordChangeView.as_view(
        template_name="cases/form_plain.html", success_url="/"), name="password_change"),
    path("manage/users/", admin_views.users, name="admin_users"),
    path("manage/users/new/", admin_views.user_new, name="admin_user_new"),
    path("manage/users/<int:user_id>/", admin_views.user_edit, name="admin_user_edit"),
    path("manage/users/<int:user_id>/confirm/", admin_views.user_confirm, name="admin_user_confirm"),
    path("manage/supervision/new/", admin_views.assignment_new, name="admin_assignment_new"),
    path("manage/supervision/<int:assignment_id>/end/", admin_views.assignment_end, name="admin_assignment_end"),
    path("manage/organisation/", admin_views.organisation, name="admin_organisation"),
]
