"""System checks that stop `jalin serve` (and migrate) on a production set-up that is not safe."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.checks import Error, register


@register()
def encryption_key_present(app_configs, **kwargs):
    if not settings.PRODUCTION or settings.ENCRYPTION_KEYS or Path(settings.ENCRYPTION_KEY_FILE).exists():
        return []
    return [Error(
        "No encryption key: set JALIN_ENCRYPTION_KEYS or JALIN_KEY_FILE before serving",
        hint="Create a key file with `jalin keys create` and keep it outside the database and its backups.",
        id="jalin.E001",
    )]
