"""The append-only, hash-chained audit log of every read and write of counselee data.

Each event stores who, when, what record, which action and from where — ids only, never
counselee content. ``hash`` covers the previous event's hash and this event's canonical fields,
so any edit, deletion or reordering breaks the chain (``jalin audit verify``). Chain version 2
(``chain=2``) is an HMAC-SHA256 under the audit key, which lives in the key file beside the field
keys (never in the database): whoever can write the database cannot recompute it. Version 1 is the
plain SHA-256 of events written before the audit key existed; it may only precede keyed events.
On PostgreSQL a trigger refuses UPDATE and DELETE on the table (migration 0002).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditHead(models.Model):
    """One row, locked while an event is appended, so the chain stays linear under concurrency."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)


class AppendOnlyError(Exception):
    pass


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True)
    at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=150)  # username kept even if the account goes
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True, default="")
    case_id = models.BigIntegerField(null=True, db_index=True)
    counselee_id = models.BigIntegerField(null=True, db_index=True)
    address = models.CharField(max_length=64, blank=True, default="")
    detail = models.JSONField(default=dict)  # ids and codes only
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    chain = models.PositiveSmallIntegerField(default=1)  # 1: SHA-256 (before the audit key), 2: HMAC-SHA256

    class Meta:
        ordering = ["seq"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("audit events cannot be deleted")
