"""Per-token rate limit (``API_RATE_LIMIT`` in settings, env ``JALIN_API_RATE_LIMIT``, e.g. ``120/m``).

Counts live in Django's cache (the default local-memory cache counts per server process; point
CACHES at a shared cache for a site-wide count). Over the limit: 429 problem with ``Retry-After``.
"""

from __future__ import annotations

from django.conf import settings
from ninja.throttling import AuthRateThrottle


class TokenRateThrottle(AuthRateThrottle):
    scope = "api_token"

    def __init__(self) -> None:
        super().__init__(rate=settings.API_RATE_LIMIT)

    def allow_request(self, request) -> bool:
        # Read at every request, so a changed setting (and tests) take effect without a restart.
        self.rate = settings.API_RATE_LIMIT
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)
