"""Consent rules: may we keep processing a counselee's data, and may we record their sessions?

The rule (documented in docs/security.md, "Consent"):

* **Processing** is allowed unless it was withdrawn. Counseling records are kept on the basis of
  the service the counselee asked for; a counselee (or, for a minor, the guardian) may withdraw
  it. What counts is the *latest* consent row of a kind: a processing consent that is withdrawn
  stops processing; a newer, not withdrawn processing consent given afterwards resumes it. For a
  minor, a withdrawn latest guardian consent stops processing too (UU 27/2022 art. 25: a child's
  data is processed with the guardian's consent).
* **Recording** (audio/video/transcripts) needs an explicit, not withdrawn recording consent and,
  for a minor, an explicit, not withdrawn guardian consent; and processing must be allowed.

While processing is stopped, nothing new is added to the counselee's cases
(``require_processing`` in the services that add content), but reading, exporting, correcting
and erasing — the subject's own rights — keep working.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

__all__ = ["latest_consents", "processing_allowed", "recording_allowed", "require_processing",
           "require_recording"]


def latest_consents(counselee) -> dict:
    """The latest consent row per kind (``Consent.Kind`` value -> ``Consent``), ignoring older history."""
    from .models import Consent

    latest: dict = {}
    for consent in Consent.objects.filter(counselee_id=counselee.pk).order_by("-given_on", "-created_at", "-id"):
        latest.setdefault(consent.kind, consent)
    return latest


def _processing_allowed(counselee, latest: dict) -> bool:
    processing = latest.get("processing")
    if processing is not None and processing.is_withdrawn:
        return False
    guardian = latest.get("guardian")
    return not (counselee.is_minor and guardian is not None and guardian.is_withdrawn)


def processing_allowed(counselee, latest: dict | None = None) -> bool:
    """True unless the counselee (or a minor's guardian) withdrew consent to processing. ``latest``: the
    caller's ``latest_consents(counselee)``, when it has read them already."""
    return _processing_allowed(counselee, latest_consents(counselee) if latest is None else latest)


def recording_allowed(counselee, latest: dict | None = None) -> bool:
    """True only with an explicit, standing recording consent (and guardian consent for a minor)."""
    latest = latest_consents(counselee) if latest is None else latest
    if not _processing_allowed(counselee, latest):
        return False
    recording = latest.get("recording")
    if recording is None or recording.is_withdrawn:
        return False
    if counselee.is_minor:
        guardian = latest.get("guardian")
        if guardian is None or guardian.is_withdrawn:
            return False
    return True


def require_processing(counselee) -> None:
    """Raise ``ServiceError`` when consent to processing was withdrawn (nothing new may be added)."""
    from jalin.cases.services import ServiceError

    if not processing_allowed(counselee):
        raise ServiceError(_("Consent to processing this counselee's data was withdrawn: nothing new can be "
                             "added. Reading, export, correction and erasure still work."))


def require_recording(counselee) -> None:
    """Raise ``ServiceError`` unless sessions of this counselee may be recorded."""
    from jalin.cases.services import ServiceError

    if not recording_allowed(counselee):
        raise ServiceError(_("There is no standing consent to record this counselee's sessions (for a minor, "
                             "the parent's or guardian's consent is needed too)."))
