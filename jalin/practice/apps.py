import os

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticeConfig(AppConfig):
    name = "jalin.practice"
    label = "practice"
    verbose_name = _("Session analysis and supervision")

    def ready(self) -> None:
        # `jalin demo` (and runserver with JALIN_INPROCESS_WORKER=1) analyse transcripts in a background
        # thread of the web process, so the demo needs one command; production runs `jalin worker`.
        from django.conf import settings

        if os.environ.get("JALIN_INPROCESS_WORKER") == "1" or getattr(settings, "JALIN_INPROCESS_WORKER", False):
            from jalin.core.task_worker import start_background_worker

            start_background_worker()
