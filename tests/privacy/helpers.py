"""Shared helpers for the privacy tests: consents and requests written through the services."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from jalin.privacy import services


def give(counselee, actor, kind="processing", **extra):
    data = {"kind": kind, "given_by": "guardian" if kind == "guardian" else "counselee",
            "given_by_name": "Wali Contoh" if kind == "guardian" else "", "given_on": timezone.localdate(),
            "method": "signed_form"}
    if kind == "recording":
        data.update(scope="audio sesi", retention_days=90, viewers="counselor")
    data.update(extra)
    return services.record_consent(counselee, actor=actor, data=data)


def withdraw(consent, actor, reason="tidak ingin lagi"):
    return services.withdraw_consent(consent, actor=actor, withdrawn_on=timezone.localdate(), reason=reason)


def request(counselee, actor, kind="access", hours_ago=0, details=""):
    return services.create_request(counselee, actor=actor, data={
        "kind": kind, "requested_by": "counselee", "details": details,
        "received_at": timezone.now() - timedelta(hours=hours_ago)})
