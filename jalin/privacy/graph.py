"""Which rows belong to a counselee: follow foreign keys from any model to Counselee/Case.

Used by export and erasure so that records added by other apps (measures, practice transcripts…)
are covered without those apps registering anything.
"""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.db.models import ForeignKey, OneToOneField, Q

# Apps whose models can hold counselee data; user accounts and the audit log are followed separately.
CONTENT_APPS = ("cases", "measures", "privacy", "practice")


@cache
def lookups_to(model, target) -> tuple[str, ...]:
    """ORM lookup paths from ``model`` to ``target`` through content-app foreign keys (depth <= 4)."""

    def walk(m, depth):
        if m is target:
            yield ""
            return
        if depth > 4:
            return
        for field in m._meta.concrete_fields:
            if isinstance(field, (ForeignKey, OneToOneField)) and field.related_model is not m \
                    and field.related_model._meta.app_label in CONTENT_APPS:
                for rest in walk(field.related_model, depth + 1):
                    yield field.name + ("__" + rest if rest else "")

    return tuple(p for p in walk(model, 0) if p)


def content_models(target) -> list:
    """Content-app models with a path to ``target`` (not ``target`` itself)."""
    return [m for m in apps.get_models()
            if m._meta.app_label in CONTENT_APPS and m is not target and lookups_to(m, target)]


def rows_for(model, target, pks):
    """Rows of ``model`` linked to any ``target`` row in ``pks``."""
    query = Q()
    for lookup in lookups_to(model, target):
        query |= Q(**{f"{lookup}__pk__in": list(pks)})
    return model.objects.filter(query).distinct() if query else model.objects.none()
