"""Key management behind ``jalin keys``: create, rotate (re-encrypt everything), reencrypt, retire, status."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from .crypto import (
    PREFIX,
    _decode_key,
    encrypted_fields,
    key_id,
    keyring,
    new_key,
    read_audit_key,
    read_key_file,
    write_key_file,
)


class KeyCommandError(Exception):
    pass


def _key_file() -> Path:
    if settings.ENCRYPTION_KEYS:
        raise KeyCommandError("keys come from JALIN_ENCRYPTION_KEYS: rotate by putting a new key first in that "
                              "variable on every server, then run `jalin keys rotate` with JALIN_KEY_FILE unset")
    return Path(settings.ENCRYPTION_KEY_FILE)


def _raw_key_ids():
    """Yield the key id of every sealed value, reading raw column text (no decryption)."""
    for model, names in encrypted_fields():
        table = connection.ops.quote_name(model._meta.db_table)
        for name in names:
            column = connection.ops.quote_name(model._meta.get_field(name).column)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT {column} FROM {table} WHERE {column} LIKE %s", [PREFIX + "%"])
                for (value,) in cursor.fetchall():
                    yield value.split(":", 2)[1]


def create() -> str:
    path = _key_file()
    if read_key_file(path):
        raise KeyCommandError(f"{path} already holds keys; use `jalin keys rotate`")
    write_key_file(path, [new_key()], audit_key=new_key())
    keyring.load()
    _audit("keys.create")
    return f"created key file {path}"


def _audit(action: str, **detail) -> None:
    """Key operations are audited (ids only); before the first migration there is no audit table yet."""
    from jalin.audit.models import AuditEvent
    from jalin.audit.services import record

    if AuditEvent._meta.db_table in connection.introspection.table_names():
        record(action, **detail)


def reencrypt_all(batch: int = 200) -> int:
    """Re-seal every encrypted value under the current primary key, a batch per transaction."""
    count = 0
    for model, names in encrypted_fields():
        pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), batch):
            with transaction.atomic():
                for obj in model._default_manager.filter(pk__in=pks[start:start + batch]).select_for_update():
                    model._default_manager.filter(pk=obj.pk).update(**{n: getattr(obj, n) for n in names})
                    count += 1
    return count


def rotate() -> str:
    path = _key_file()
    keys = read_key_file(path)
    if not keys:
        raise KeyCommandError(f"no key file at {path}; run `jalin keys create` first")
    # A key file from before the audit key existed gets one now (the audit chain is keyed from here on).
    write_key_file(path, [new_key(), *keys], audit_key=read_audit_key(path) or new_key())
    keyring.load()
    rows = reencrypt_all()
    _audit("keys.rotate", key=keyring.primary_id, rows=rows)
    return f"new primary key {keyring.primary_id}; re-encrypted {rows} rows; old keys kept until `jalin keys retire`"


def reencrypt() -> str:
    """Re-seal every value under the current primary key (after a rotation a server raced, before retire)."""
    keyring.load()
    rows = reencrypt_all()
    return f"re-encrypted {rows} rows under primary key {keyring.primary_id}"


def retire() -> str:
    """Drop every old key, or refuse (changing nothing) while any value is still sealed with one.

    A server that sealed a value with the old key just before the rotation committed would
    otherwise lose it: the count is taken from the raw columns right before the file is written.
    """
    path = _key_file()
    keys = read_key_file(path)
    if not keys:
        raise KeyCommandError(f"no key file at {path}")
    keyring.load()
    primary = key_id(_decode_key(keys[0]))
    still_used = Counter(kid for kid in _raw_key_ids() if kid != primary)
    if still_used:
        listed = ", ".join(f"{kid} ({n} values)" for kid, n in sorted(still_used.items()))
        raise KeyCommandError(f"refusing to retire: values are still sealed with {listed}; "
                              "run `jalin keys reencrypt`, then retire again")
    write_key_file(path, keys[:1])
    keyring.load()
    _audit("keys.retire", key=primary, retired=len(keys) - 1)
    return f"retired {len(keys) - 1} key(s); primary key {primary} kept"


def status() -> str:
    keyring.load()
    counts = Counter(_raw_key_ids())
    lines = [f"primary key {keyring.primary_id}"]
    lines += [f"  {kid}: {n} values" for kid, n in sorted(counts.items())] or ["  no encrypted values yet"]
    return "\n".join(lines)
