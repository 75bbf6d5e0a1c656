"""Field-level authenticated encryption for everything a counselee says or a counselor writes.

Values are sealed with AES-256-GCM (``cryptography``) under the primary key of a key ring and
stored as ``jenc1:<key id>:<base64 nonce+ciphertext>``. The associated data binds a value to
its model field, so a ciphertext copied into another column does not decrypt. Keys come from
``JALIN_ENCRYPTION_KEYS`` (comma-separated, primary first) or from the key file
(``JALIN_KEY_FILE``, created on the first demo start), never from the database.

Rotation (``jalin keys rotate``): a new primary key is added to the file, every sealed value is
re-encrypted under it row by row, and old keys stay readable until retired. Before every write a
process compares the key file's identity (inode, mtime, size) with the one it loaded and reloads
when it changed, so a running server seals with the new primary key from the moment the file is
replaced; a process that meets an unknown key id while reading reloads too. Rotation therefore
needs no restart, and ``jalin keys retire`` refuses while any value is still sealed with an old key.

The key file also holds the audit key (``audit_key``): the HMAC key of the audit chain
(``jalin/audit``), kept outside the database for the same reason as the field keys.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

PREFIX = "jenc1:"


class DecryptionError(Exception):
    """A stored value could not be decrypted (unknown key or tampered ciphertext)."""


def new_key() -> str:
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:12]


def _decode_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.encode())
    except (ValueError, TypeError):
        raise ImproperlyConfigured("An encryption key is not valid base64") from None
    if len(raw) != 32:
        raise ImproperlyConfigured("An encryption key must be 32 bytes (base64 of 32 random bytes)")
    return raw


def _read_key_data(path: Path) -> dict:
    try:
        data = json.loads(path.read_text())
        keys = data["keys"]
    except FileNotFoundError:
        return {}
    except (ValueError, KeyError, TypeError):
        raise ImproperlyConfigured(f"The key file {path} is not a Jalin key file") from None
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ImproperlyConfigured(f"The key file {path} is not a Jalin key file")
    if not isinstance(data.get("audit_key", ""), str):
        raise ImproperlyConfigured(f"The key file {path} is not a Jalin key file")
    return data


def read_key_file(path: Path) -> list[str]:
    return _read_key_data(path).get("keys", [])


def read_audit_key(path: Path) -> str:
    """The audit-chain HMAC key stored beside the field keys ("" when the file has none yet)."""
    return _read_key_data(path).get("audit_key", "")


def write_key_file(path: Path, keys: list[str], *, audit_key: str | None = None) -> None:
    """Write atomically so a crash never leaves a half-written key file; the audit key is kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if audit_key is None:
        audit_key = read_audit_key(path) if path.exists() else ""
    content = {"keys": keys, "updated": datetime.now(UTC).isoformat()}
    if audit_key:
        content["audit_key"] = audit_key
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump(content, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def ensure_key_file(path: Path | None = None) -> Path:
    """Create the key file with one key and an audit key if it does not exist (first demo start).

    Refuses when the database already holds sealed values: a new key could not open them, and
    writing with it would mix keys (the key file was lost or JALIN_DATA_DIR points elsewhere).
    """
    path = path or Path(settings.ENCRYPTION_KEY_FILE)
    if not read_key_file(path):
        if database_holds_sealed_values():
            raise ImproperlyConfigured(
                f"The key file {path} is missing but the database holds encrypted data: restore the key file "
                "(a new key could not read that data)")
        write_key_file(path, [new_key()], audit_key=new_key())
    elif not read_audit_key(path):
        write_key_file(path, read_key_file(path), audit_key=new_key())
    return path


def database_holds_sealed_values() -> bool:
    """Whether any encrypted column holds a value (read raw, without decrypting); False before migrating."""
    from django.db import DatabaseError, connection

    try:
        tables = set(connection.introspection.table_names())
    except DatabaseError:  # no database yet (e.g. the SQLite file's folder is missing)
        return False
    for model, names in encrypted_fields():
        if model._meta.db_table not in tables:
            continue
        table = connection.ops.quote_name(model._meta.db_table)
        for name in names:
            column = connection.ops.quote_name(model._meta.get_field(name).column)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT 1 FROM {table} WHERE {column} LIKE %s LIMIT 1", [PREFIX + "%"])
                if cursor.fetchone():
                    return True
    return False


class KeyRing:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, AESGCM] = {}
        self._primary: str | None = None
        self._loaded_from: tuple | None = None
        self._audit_key: bytes | None = None

    @staticmethod
    def _source() -> tuple:
        """What the key set was read from: the environment's keys, or the key file's path and identity.

        os.replace (rotate, retire) gives the file a new inode, so even two writes within one
        mtime tick are told apart.
        """
        if settings.ENCRYPTION_KEYS:
            return ("env", tuple(settings.ENCRYPTION_KEYS), os.environ.get("JALIN_AUDIT_KEY", ""))
        path = Path(settings.ENCRYPTION_KEY_FILE)
        try:
            st = path.stat()
        except FileNotFoundError:
            return ("file", str(path), None)
        return ("file", str(path), st.st_ino, st.st_mtime_ns, st.st_size)

    def load(self) -> None:
        source = self._source()
        texts = list(settings.ENCRYPTION_KEYS)
        path = Path(settings.ENCRYPTION_KEY_FILE)
        audit_text = os.environ.get("JALIN_AUDIT_KEY", "")
        if not texts:
            if not path.exists() and not settings.PRODUCTION:
                ensure_key_file(path)  # first demo or development start; refuses when data exists
                source = self._source()
            texts = read_key_file(path)
            audit_text = audit_text or read_audit_key(path)
        if not texts:
            raise ImproperlyConfigured("No encryption key: set JALIN_ENCRYPTION_KEYS or create the key file "
                                       "with `jalin keys create`")
        keys = {}
        for text in texts:
            raw = _decode_key(text)
            keys[key_id(raw)] = AESGCM(raw)
        with self._lock:
            self._keys = keys
            self._primary = key_id(_decode_key(texts[0]))
            self._audit_key = _decode_key(audit_text) if audit_text else None
            self._loaded_from = source

    def _ensure(self) -> None:
        if self._primary is None:
            self.load()

    def refresh(self) -> None:
        """Reload when the key set changed since it was loaded (called before every write)."""
        if self._primary is None or self._source() != self._loaded_from:
            self.load()

    @property
    def audit_key(self) -> bytes | None:
        self.refresh()
        return self._audit_key

    @property
    def primary_id(self) -> str:
        self._ensure()
        assert self._primary is not None
        return self._primary

    def encrypt(self, plaintext: str, aad: str) -> str:
        self.refresh()  # another process may have rotated the keys: always seal with the current primary
        kid = self.primary_id
        nonce = os.urandom(12)
        sealed = self._keys[kid].encrypt(nonce, plaintext.encode("utf-8"), aad.encode())
        return f"{PREFIX}{kid}:{base64.b64encode(nonce + sealed).decode()}"

    def decrypt(self, token: str, aad: str) -> str:
        self._ensure()
        try:
            _, kid, payload = token.split(":", 2)
            blob = base64.b64decode(payload.encode(), validate=True)
        except ValueError:
            raise DecryptionError("malformed ciphertext") from None
        if kid not in self._keys:
            self.load()  # the key file may have been rotated by another process
            if kid not in self._keys:
                raise DecryptionError(f"unknown encryption key {kid}")
        try:
            return self._keys[kid].decrypt(blob[:12], blob[12:], aad.encode()).decode("utf-8")
        except InvalidTag:
            raise DecryptionError("ciphertext failed authentication") from None

    def key_of(self, token: str) -> str | None:
        if not isinstance(token, str) or not token.startswith(PREFIX):
            return None
        return token.split(":", 2)[1]


keyring = KeyRing()


class EncryptedTextField(models.TextField):
    """A TextField stored encrypted. Empty strings stay empty so blank forms stay cheap to check."""

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.aad = f"{cls._meta.app_label}.{cls._meta.model_name}.{name}"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        if not value.startswith(PREFIX):
            raise DecryptionError(f"{self.aad} holds an unencrypted value")
        return keyring.decrypt(value, self.aad)

    def _seal(self, text):
        if text is None or text == "":
            return text
        return keyring.encrypt(str(text), self.aad)

    def get_prep_value(self, value):
        return self._seal(super().get_prep_value(value))


class EncryptedJSONField(EncryptedTextField):
    """JSON data stored as an encrypted text blob; not queryable, by design."""

    def from_db_value(self, value, expression, connection):
        text = super().from_db_value(value, expression, connection)
        if text is None or text == "":
            return None
        return json.loads(text)

    def to_python(self, value):
        if isinstance(value, str) and value:
            try:
                return json.loads(value)
            except ValueError:
                return value
        return value

    def get_prep_value(self, value):
        if value is None:
            return None
        return self._seal(json.dumps(value, ensure_ascii=False, sort_keys=True))

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))


def encrypted_fields():
    """Every (model, [field names]) pair with encrypted columns, for rotation and the plaintext audit."""
    from django.apps import apps

    for model in apps.get_models():
        names = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            yield model, names


def seal_plaintext_column(schema_editor, table: str, column: str, aad: str, *, reverse: bool = False) -> int:
    """For a data migration that turns a plain column into an encrypted one: seal every plaintext value in
    place (or, reversed, open every sealed one). Raw SQL, because the historical model's field would refuse
    to read plaintext. Returns the number of rows changed."""
    connection = schema_editor.connection
    quoted_table, quoted_column = connection.ops.quote_name(table), connection.ops.quote_name(column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {quoted_column} FROM {quoted_table} WHERE {quoted_column} <> ''")
        rows = cursor.fetchall()
    changed = 0
    for pk, value in rows:
        if value is None or value.startswith(PREFIX) != reverse:
            continue
        new = keyring.decrypt(value, aad) if reverse else keyring.encrypt(value, aad)
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {quoted_table} SET {quoted_column} = %s WHERE id = %s", [new, pk])
        changed += 1
    return changed
