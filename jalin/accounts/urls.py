from django.contrib.auth import views as auth_views
from django.urls import path

from . import twofactor, views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/verify/", twofactor.verify, name="login_verify"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/two-factor/", twofactor.setup, name="twofactor_setup"),
    path("account/password/", auth_views.PasswordChangeView.as_view(
        template_name="cases/form_plain.html", success_url="/"), name="password_change"),
]
