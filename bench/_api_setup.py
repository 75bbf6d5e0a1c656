"""The set-up the API benchmarks share: a fresh data folder, Django, the test environment (so the test
client works), migrations, and a rate limit that never throttles the benchmark."""

from __future__ import annotations

import os
import tempfile


def setup_api_bench(prefix: str) -> None:
    os.environ.setdefault("JALIN_DATA_DIR", tempfile.mkdtemp(prefix=prefix))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jalin.settings")
    os.environ["JALIN_API_RATE_LIMIT"] = "1000000/m"
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
