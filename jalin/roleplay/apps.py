from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoleplayConfig(AppConfig):
    name = "jalin.roleplay"
    label = "roleplay"
    verbose_name = _("Practice with a simulated counselee")
