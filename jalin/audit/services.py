"""Writing and verifying the audit chain. ``record`` is the only way events are written."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from .models import AuditEvent, AuditHead

GENESIS = "0" * 64


def _canonical(event: AuditEvent) -> str:
    return json.dumps(
        {
            "seq": event.seq,
            "at": event.at.isoformat(),
            "actor": event.actor_label,
            "action": event.action,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "case_id": event.case_id,
            "counselee_id": event.counselee_id,
            "address": event.address,
            "detail": event.detail,
        },
        sort_keys=True,
        separators=(",", ":"),
    )


def _digest(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + _canonical(event)).encode()).hexdigest()


def client_address(request) -> str:
    from jalin.core.network import client_ip

    return client_ip(request)[:64]


def record(
    action: str,
    *,
    actor=None,
    obj=None,
    case_id: int | None = None,
    counselee_id: int | None = None,
    request=None,
    **detail,
) -> AuditEvent:
    """Append one event. Joins the caller's transaction, so a rolled-back write leaves no event."""
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None and obj.pk is not None else ""
    for value in detail.values():
        # Guard against content slipping in: only short codes, ids, numbers and booleans.
        if isinstance(value, str) and len(value) > 80:
            raise ValueError("audit detail values must be short codes, not content")
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.last_seq + 1,
            at=timezone.now(),
            actor=actor if actor is not None and actor.is_authenticated else None,
            actor_label=(actor.get_username() if actor is not None and actor.is_authenticated else "system"),
            action=action,
            object_type=object_type,
            object_id=object_id,
            case_id=case_id,
            counselee_id=counselee_id,
            address=client_address(request),
            detail=detail,
            prev_hash=head.last_hash,
        )
        event.hash = _digest(head.last_hash, event)
        event.save()
        head.last_seq, head.last_hash = event.seq, event.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event


@dataclass
class ChainReport:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify_chain() -> ChainReport:
    """Walk the chain from the start; report the first event whose hash or link does not hold."""
    prev = GENESIS
    expected_seq = 1
    checked = 0
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=2000):
        if event.seq != expected_seq:
            return ChainReport(False, checked, event.seq, f"sequence gap: expected {expected_seq}")
        if event.prev_hash != prev:
            return ChainReport(False, checked, event.seq, "link to previous event broken")
        if _digest(prev, event) != event.hash:
            return ChainReport(False, checked, event.seq, "event content does not match its hash")
        prev = event.hash
        expected_seq += 1
        checked += 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and head.last_seq != checked:
        return ChainReport(False, checked, checked + 1, "events missing at the end of the chain")
    return ChainReport(True, checked)
