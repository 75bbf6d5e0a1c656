"""Personal access tokens: the secret is shown once and stored only as its SHA-256 digest."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

SCOPES = ("read", "write", "transcripts")


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    # Non-secret lookup key, also shown in lists so people can tell their tokens apart.
    prefix = models.CharField(max_length=16, unique=True)
    # SHA-256 of the whole token (a 256-bit random secret): the secret itself is never stored.
    digest = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        # Used as the rate-limit key (ninja's AuthRateThrottle): id and public prefix, never the secret.
        return f"api-token:{self.pk}:{self.prefix}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()

    def has_scopes(self, *scopes: str) -> bool:
        return set(scopes) <= set(self.scopes)
