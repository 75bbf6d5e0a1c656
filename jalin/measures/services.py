"""Writes for measures: give a measure, send and redeem a link, schedule, raise and acknowledge alerts."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from jalin.audit.services import record
from jalin.cases.services import ServiceError
from jalin.privacy.consent import require_processing

from .instruments import AnswerError, UnknownInstrumentError, evaluate_alerts, get_instrument, score
from .instruments.scoring import Score
from .models import Administration, Alert, MeasureLink, MeasureSchedule

LINK_HOURS_DEFAULT = 72
LINK_HOURS_MAX = 14 * 24


class LinkUnavailable(Exception):
    """The link is unknown, expired, revoked or already used; ``state`` says which."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


def ui_lang() -> str:
    return "en" if (get_language() or "id").startswith("en") else "id"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _score_from_result(result: dict, code: str) -> Score:
    """Rebuild the parts of a Score the alert rules read, from a stored result."""
    instrument = get_instrument(code, "id")
    band = None
    if result.get("band"):
        band = next((b for b in instrument.bands if b.id == result["band"]["id"]), None)
    from .instruments.scoring import CriticalHit

    critical = tuple(CriticalHit(item=c["item"], value=c["value"], condition=c["condition"], text=c.get("text", ""))
                     for c in result.get("critical_items", []))
    return Score(instrument=code, version=result.get("version", ""), language=result.get("language", "id"),
                 total=result.get("total"), subscales=result.get("subscales", {}), band=band, critical=critical,
                 answers={}, higher_is=instrument.higher_is)


def _no_improvement_after(case, code: str) -> int | None:
    schedule = case.measure_schedules.filter(instrument=code, active=True).exclude(
        no_improvement_after=None).first()
    return schedule.no_improvement_after if schedule else None


DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def _localise_reasons(instrument, reason_id: str, reason_en: str) -> tuple[str, str]:
    """The alert rules write each reason with the name of the language the form was given in and a decimal
    point: each text gets its own language's instrument name, and Indonesian a decimal comma."""
    names = {}
    for lang in ("id", "en"):
        try:
            names[lang] = get_instrument(instrument.code, lang).name
        except UnknownInstrumentError:  # only one language installed: keep the name as given
            names[lang] = instrument.name
    reason_id = DECIMAL_POINT.sub(",", reason_id.replace(instrument.name, names["id"]))
    return reason_id, reason_en.replace(instrument.name, names["en"])


@transaction.atomic
def record_administration(case, *, instrument_code: str, lang: str, answers, actor=None, session=None,
                          mode=Administration.Mode.IN_SESSION, request=None, administered_at=None) -> Administration:
    """Score and store one administration, then raise the alerts it triggers. All or nothing.

    ``administered_at`` defaults to now; one entered afterwards (on paper in the session) carries its own time."""
    now = timezone.now()
    if administered_at is not None and administered_at > now + timedelta(minutes=5):
        raise ServiceError(_("A measure cannot be dated in the future."))
    if not case.is_open and mode == Administration.Mode.IN_SESSION:
        raise ServiceError(_("This case is closed. Reopen it before changing it."))
    require_processing(case.counselee)
    instrument = get_instrument(instrument_code, lang)
    result = score(instrument, answers)  # AnswerError propagates: nothing is stored
    administration = Administration.objects.create(
        case=case, session=session, instrument=instrument.code, instrument_version=instrument.version,
        language=instrument.language, answers=dict(result.answers), result=result.to_dict(), mode=mode,
        administered_at=administered_at or now, created_by=actor)
    series = [_score_from_result(a.result, instrument.code)
              for a in case.administrations.filter(instrument=instrument.code).order_by("administered_at", "id")]
    raised_alerts = []
    for alert in evaluate_alerts(instrument, series, no_improvement_after=_no_improvement_after(case,
                                                                                                instrument.code)):
        reason_id, reason_en = _localise_reasons(instrument, alert.reason_id, alert.reason_en)
        raised_alerts.append(Alert.objects.create(case=case, administration=administration, code=alert.code,
                                                  severity=alert.severity, reason_id=reason_id,
                                                  reason_en=reason_en))
    if instrument.code == "laiseg" and case.is_open:
        # The LAISEG form is the immediate evaluation: it ticks that stage task, linked to this form.
        from jalin.cases.services import tick_by_record

        tick_by_record(case, "evaluation", administration, actor=actor or case.counselor, kind="measure",
                       session=session)
    # The audit events last: appending one locks the chain's head until this transaction commits.
    for raised in raised_alerts:
        # The alert's id, not its code: the audit log outlives erasure, and a code says what is wrong.
        record("alert.raise", actor=actor, obj=administration, case_id=case.pk, counselee_id=case.counselee_id,
               request=request, alert=raised.pk, severity=raised.severity)
    record("measure.record", actor=actor, obj=administration, case_id=case.pk, counselee_id=case.counselee_id,
           request=request, instrument=instrument.code, mode=mode)
    return administration


@transaction.atomic
def create_link(case, *, actor, instrument_code: str, lang: str, hours: int = LINK_HOURS_DEFAULT, session=None,
                request=None) -> tuple[MeasureLink, str]:
    if not case.is_open:
        raise ServiceError(_("This case is closed. Reopen it before changing it."))
    if not 1 <= hours <= LINK_HOURS_MAX:
        raise ServiceError(_("A link is valid for 1 hour to 14 days."))
    require_processing(case.counselee)
    instrument = get_instrument(instrument_code, lang)
    if instrument.placeholder_wording:
        raise ServiceError(_("This instrument has no licensed item wording loaded; it cannot be sent."))
    token = secrets.token_urlsafe(24)
    link = MeasureLink.objects.create(case=case, session=session, instrument=instrument.code,
                                      language=instrument.language, token_hash=_hash(token), created_by=actor,
                                      expires_at=timezone.now() + timedelta(hours=hours))
    record("measure.link_create", actor=actor, obj=link, case_id=case.pk, counselee_id=case.counselee_id,
           request=request, instrument=instrument.code, hours=hours)
    return link, token


def open_link(token: str) -> MeasureLink:
    """The link behind a token, if it can still be filled; raises LinkUnavailable otherwise."""
    link = MeasureLink.objects.filter(token_hash=_hash(token or "")).select_related("case").first()
    _check_link(link)
    return link


def _check_link(link: MeasureLink | None) -> None:
    if link is None or link.revoked_at is not None:
        raise LinkUnavailable("unknown")
    if link.used_at is not None:
        raise LinkUnavailable("used")
    if link.expires_at <= timezone.now():
        raise LinkUnavailable("expired")
    if not link.case.is_open:
        raise LinkUnavailable("expired")


@transaction.atomic
def submit_link(token: str, answers, *, request=None) -> Administration:
    """Redeem a link once. The row lock makes a double submission fail instead of storing twice."""
    link = MeasureLink.objects.select_for_update().filter(token_hash=_hash(token or "")).first()
    if link is not None:
        link.case  # noqa: B018 - load inside the lock
    _check_link(link)
    administration = record_administration(link.case, instrument_code=link.instrument, lang=link.language,
                                           answers=answers, session=link.session, mode=Administration.Mode.LINK,
                                           request=request)
    link.used_at = timezone.now()
    link.administration = administration
    link.save(update_fields=["used_at", "administration"])
    record("measure.link_used", obj=link, case_id=link.case_id, counselee_id=link.case.counselee_id,
           request=request)
    return administration


@transaction.atomic
def save_schedule(schedule: MeasureSchedule, *, actor, request=None) -> MeasureSchedule:
    get_instrument(schedule.instrument, "id")
    schedule.full_clean(exclude=["case"])
    schedule.save()
    record("measure.schedule", actor=actor, obj=schedule, case_id=schedule.case_id,
           counselee_id=schedule.case.counselee_id, request=request, instrument=schedule.instrument)
    return schedule


def due_measures(case) -> list[MeasureSchedule]:
    """Schedules due at the next session (its number counted from 1)."""
    next_number = len(case.sessions.all()) + 1  # .all(): uses the case page's prefetch
    return [s for s in case.measure_schedules.all() if s.active and (next_number - 1) % max(1, s.every) == 0]


@transaction.atomic
def raise_alert(case, *, code: str, severity: str, reason_id: str, reason_en: str, source: str,
                source_ref: str = "", actor=None, request=None) -> Alert:
    """An alert from outside the measures (a transcript's risk flag); one per source_ref and code."""
    # The code is sealed (random nonce), so it is compared after decryption.
    existing = next((a for a in Alert.objects.filter(case=case, source=source, source_ref=source_ref)
                     if a.code == code), None)
    if existing is not None:
        return existing
    alert = Alert.objects.create(case=case, code=code, severity=severity, reason_id=reason_id, reason_en=reason_en,
                                 source=source, source_ref=source_ref)
    record("alert.raise", actor=actor, obj=alert, case_id=case.pk, counselee_id=case.counselee_id, request=request,
           severity=severity)
    return alert


@transaction.atomic
def acknowledge_alert(alert: Alert, *, actor, note: str, request=None) -> Alert:
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("Write a note on what you did about this alert."))
    if alert.acknowledged_at is not None:
        raise ServiceError(_("This alert was already acknowledged."))
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = actor
    alert.acknowledgement = note
    alert.save(update_fields=["acknowledged_at", "acknowledged_by", "acknowledgement"])
    record("alert.acknowledge", actor=actor, obj=alert, case_id=alert.case_id, counselee_id=alert.case.counselee_id,
           request=request)
    return alert


def alert_texts(alerts, user, lang: str) -> None:
    """Set ``reason_text`` on each alert for this reader (transcript quotes only for transcript readers)."""
    from jalin.practice.services import transcript_alert_text  # practice imports measures: import here

    cache: dict = {}
    for alert in alerts:
        if alert.source == Alert.Source.TRANSCRIPT:
            alert.reason_text = transcript_alert_text(alert, user, lang, cache)
        else:
            alert.reason_text = alert.reason(lang)


def open_alerts_for_user(user, *, cases=None):
    """Open alerts of the cases this user may read; ``cases`` (the caller's ``cases_for_user``) saves
    reading the user's grants a second time."""
    from jalin.cases.access import readable_cases_q

    # Open alerts of the user's cases through the case's counselor index (not every alert of the
    # organisation), and of each case only its code: the page shows nothing else, so no encrypted case
    # field is read or decrypted.
    readable = Q(case__in=cases) if cases is not None else readable_cases_q(user, prefix="case__")
    alerts = list(Alert.objects.filter(readable, acknowledged_at__isnull=True)
                  .select_related("case").only("id", "case_id", "case__code", "code", "severity", "source",
                                               "reason_id", "reason_en", "source_ref", "created_at"))
    alert_texts(alerts, user, ui_lang())
    return sorted(alerts, key=lambda a: (a.severity_rank, -a.created_at.timestamp()))


__all__ = [
    "AnswerError",
    "LinkUnavailable",
    "acknowledge_alert",
    "alert_texts",
    "create_link",
    "due_measures",
    "open_alerts_for_user",
    "open_link",
    "raise_alert",
    "record_administration",
    "save_schedule",
    "submit_link",
]
