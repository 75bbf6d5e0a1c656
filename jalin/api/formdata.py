"""Validate API input with the web's own Django forms: one set of rules, messages in the caller's language.

The API's Pydantic schemas check shapes and types; the form the web page uses then checks the rules
(birth year range, guardian of a minor, contract period, session date...) exactly as on the web, and its
``cleaned_data`` goes to the same service function. Form errors become a 422 problem naming each field
(``body.<field>``).
"""

from __future__ import annotations

from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from .errors import ApiProblem


def _problem(form) -> ApiProblem:
    errors = []
    for name, messages in form.errors.items():
        field = "body" if name == "__all__" else f"body.{name}"
        errors.extend({"field": field, "message": message} for message in messages)
    return ApiProblem("validation_failed", _("Some fields are not valid; see errors."), errors=errors)


def validated_form(form_class, data: dict, *, instance=None, partial: bool = False, **form_kwargs):
    """The bound, valid ``form_class`` for ``data``, or a 422 ``ApiProblem``.

    ``partial`` (PATCH): fields not in ``data`` keep the instance's current values; ``null`` clears a field.
    """
    payload = {k: "" if v is None else v for k, v in data.items()}
    if partial and instance is not None:
        current = model_to_dict(instance, fields=list(form_class.base_fields))
        payload = {**{k: v for k, v in current.items() if v is not None}, **payload}
    if instance is not None:
        form_kwargs["instance"] = instance
    form = form_class(data=payload, **form_kwargs)
    if not form.is_valid():
        raise _problem(form)
    return form


def clean(form_class, data: dict, **kwargs) -> dict:
    """``cleaned_data`` of the valid form (see ``validated_form``)."""
    return validated_form(form_class, data, **kwargs).cleaned_data
