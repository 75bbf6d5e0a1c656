"""Everything about a counselee, as data (JSON) and as a readable document — never restricted notes.

``build_export`` reads cases only through ``jalin.cases.access`` (what the exporting counselor may
see) and follows foreign keys to every content model, so records added by other apps are included.
Fields that are secrets of the system rather than data about the counselee are left out.
"""

from __future__ import annotations

import datetime as dt
import decimal

from django.db.models import ForeignKey, OneToOneField
from django.utils import timezone
from django.utils.translation import gettext as _

from jalin.audit.models import AuditEvent
from jalin.cases import access
from jalin.cases.models import Case, Counselee

from .graph import content_models, rows_for
from .models import Consent, DataSubjectRequest

# Never exported: the counselor-only note, and technical secrets.
EXCLUDED_FIELDS = {"restricted_note", "token_hash", "totp_secret", "totp_pending_secret"}
IDENTITY_FIELDS = ["code", "name", "birth_year", "birth_date", "gender", "affiliation", "contact", "is_minor",
                   "guardian_name", "guardian_contact", "created_at", "anonymised_at"]


def _value(obj, field):
    value = getattr(obj, field.attname)
    if isinstance(field, (ForeignKey, OneToOneField)):
        if value is not None and field.related_model._meta.label_lower == "accounts.user":
            user = getattr(obj, field.name)
            return user.get_username()
        return value
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _row(obj, skip=()) -> dict:
    return {f.name: _value(obj, f) for f in obj._meta.concrete_fields
            if f.name not in EXCLUDED_FIELDS and f.name not in skip}


def processing_history(counselee: Counselee, case_ids=None):
    """Audit events about this counselee or their cases: who, when, which action. Ids only, by design."""
    from django.db.models import Q

    case_ids = list(case_ids if case_ids is not None else
                    Case.objects.filter(counselee=counselee).values_list("pk", flat=True))
    return AuditEvent.objects.filter(Q(counselee_id=counselee.pk) | Q(case_id__in=case_ids)).order_by("seq")


def build_export(counselee: Counselee, *, user) -> dict:
    cases = list(access.cases_for_user(user).filter(counselee=counselee).order_by("opened_on", "pk"))
    case_ids = [c.pk for c in cases]
    hidden_cases = Case.objects.filter(counselee=counselee).exclude(pk__in=case_ids).count()
    records: dict[str, list] = {}
    for model in sorted(content_models(Case), key=lambda m: m._meta.label_lower):
        rows = [_row(obj) for obj in rows_for(model, Case, case_ids).order_by("pk")]
        if rows:
            records[model._meta.label_lower] = rows
    return {
        "format": "jalin.subject-export/1",
        "generated_at": timezone.now().isoformat(),
        "generated_by": user.get_username(),
        "identity": {name: _value(counselee, counselee._meta.get_field(name)) for name in IDENTITY_FIELDS},
        "cases": [_row(c) for c in cases],
        "records": records,
        "cases_held_by_other_counselors": hidden_cases,
        "consents": [_row(c) for c in Consent.objects.filter(counselee=counselee).order_by("created_at", "pk")],
        "requests": [_row(r) for r in DataSubjectRequest.objects.filter(counselee=counselee)
                     .order_by("received_at", "pk")],
        "processing_history": [
            {"seq": e.seq, "at": e.at.isoformat(), "who": e.actor_label, "action": e.action,
             "object_type": e.object_type, "object_id": e.object_id, "case_id": e.case_id}
            for e in processing_history(counselee, case_ids)],
    }


def _labels(model) -> dict:
    return {f.name: str(f.verbose_name) for f in model._meta.concrete_fields}


def readable_sections(export: dict) -> list[dict]:
    """The export as titled sections of (label, value) rows, for the HTML document."""
    from django.apps import apps

    def rows_of(model, items):
        labels = _labels(model)
        return [[(labels.get(k, k), v) for k, v in item.items() if v not in (None, "", {}, [])] for item in items]

    sections = [{"title": _("Identity"), "items": rows_of(Counselee, [export["identity"]])},
                {"title": _("Cases"), "items": rows_of(Case, export["cases"])}]
    for label, items in export["records"].items():
        model = apps.get_model(label)
        sections.append({"title": str(model._meta.verbose_name_plural), "items": rows_of(model, items)})
    sections.append({"title": _("Consents"), "items": rows_of(Consent, export["consents"])})
    sections.append({"title": _("Data subject requests"), "items": rows_of(DataSubjectRequest, export["requests"])})
    return sections
