"""The key sentinel: one value sealed with the key set, so a start can prove the keys open this database."""

from __future__ import annotations

from django.db import models

from .crypto import EncryptedTextField

SENTINEL_TEXT = "jalin-key-sentinel"


class KeySentinel(models.Model):
    """A single row. It is re-encrypted by `jalin keys rotate` like every other sealed value."""

    value = EncryptedTextField()
    created_at = models.DateTimeField(auto_now_add=True)
