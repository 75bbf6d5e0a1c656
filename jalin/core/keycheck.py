"""The start-up check that the configured key set opens this database's encrypted data.

`jalin serve`, `jalin demo` and `jalin worker` call ``verify_keys`` before they serve or work:
a missing or wrong key then stops them with one clear line instead of answering 500 on every
page (or, worse, sealing new data under a key that cannot read the old).
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from .crypto import PREFIX, DecryptionError, encrypted_fields, keyring


class KeyCheckError(Exception):
    """The key set does not open this database's data; the message is one line for the operator."""


def _raw(model, field: str, where: str = "", params=()) -> str | None:
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(field).column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE {column} LIKE %s {where} LIMIT 1", [PREFIX + "%", *params])
        row = cursor.fetchone()
    return row[0] if row else None


def _opens(token: str, aad: str) -> str:
    try:
        return keyring.decrypt(token, aad)
    except DecryptionError as exc:
        raise KeyCheckError(
            f"the encryption keys do not open this database ({exc}): restore the key file that belongs to it "
            "(JALIN_KEY_FILE / JALIN_ENCRYPTION_KEYS)") from None


def verify_keys() -> str:
    """Decrypt the sentinel (or, on a database without one, one value per encrypted column), then make sure
    the sentinel exists. Returns the primary key id; raises KeyCheckError with a one-line reason."""
    from .models import SENTINEL_TEXT, KeySentinel

    try:
        keyring.load()
    except ImproperlyConfigured as exc:
        raise KeyCheckError(str(exc)) from None
    tables = set(connection.introspection.table_names())
    aad = KeySentinel._meta.get_field("value").aad
    token = _raw(KeySentinel, "value") if KeySentinel._meta.db_table in tables else None
    if token is not None:
        if _opens(token, aad) != SENTINEL_TEXT:
            raise KeyCheckError("the key sentinel holds an unexpected value: the database was tampered with")
        _mark_audit_chain_keyed(tables)
        return keyring.primary_id
    # A database from before the sentinel existed: probe the data it already holds.
    for model, names in encrypted_fields():
        if model._meta.db_table not in tables:
            continue  # not migrated yet
        for name in names:
            sample = _raw(model, name)
            if sample is not None:
                _opens(sample, model._meta.get_field(name).aad)
    if KeySentinel._meta.db_table not in tables:
        return keyring.primary_id
    with transaction.atomic():
        if not KeySentinel.objects.exists():
            KeySentinel.objects.create(value=SENTINEL_TEXT)
    _mark_audit_chain_keyed(tables)
    return keyring.primary_id


def _mark_audit_chain_keyed(tables) -> None:
    from jalin.audit.models import AuditEvent
    from jalin.audit.services import mark_keyed

    table = AuditEvent._meta.db_table
    if table not in tables:
        return
    with connection.cursor() as cursor:
        columns = {c.name for c in connection.introspection.get_table_description(cursor, table)}
    if "chain" in columns:  # not before the audit migration that adds it has run
        mark_keyed()
