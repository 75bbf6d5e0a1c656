"""Field-level authenticated encryption for everything a counselee says or a counselor writes.

Values are sealed with AES-256-GCM (``cryptography``) under the primary key of a key ring and
stored as ``jenc1:<key id>:<base64 nonce+ciphertext>``. The associated data binds a value to
its model field, so a ciphertext copied into another column does not decrypt. Keys come from
``JALIN_ENCRYPTION_KEYS`` (comma-separated, primary first) or from the key file
(``JALIN_KEY_FILE``, created on the first demo start), never from the database.

Rotation (``jalin keys rotate``): a new primary key is added to the file, every sealed value is
re-encrypted under it row by row, and old keys stay readable until retired. A running server
that meets an unknown key id reloads the key file once, so rotation needs no restart.
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


def read_key_file(path: Path) -> list[str]:
    try:
        data = json.loads(path.read_text())
        keys = data["keys"]
    except FileNotFoundError:
        return []
    except (ValueError, KeyError, TypeError):
        raise ImproperlyConfigured(f"The key file {path} is not a Jalin key file") from None
    if not isinstance(keys, list) or not all(isinstance(k, str) for k in keys):
        raise ImproperlyConfigured(f"The key file {path} is not a Jalin key file")
    return keys


def write_key_file(path: Path, keys: list[str]) -> None:
    """Write atomically so a crash never leaves a half-written key file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"keys": keys, "updated": datetime.now(UTC).isoformat()}, fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def ensure_key_file(path: Path | None = None) -> Path:
    """Create the key file with one key if it does not exist (first demo start)."""
    path = path or Path(settings.ENCRYPTION_KEY_FILE)
    if not read_key_file(path):
        write_key_file(path, [new_key()])
    return path


class KeyRing:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, AESGCM] = {}
        self._primary: str | None = None
        self._loaded_from: float | None = None

    def load(self) -> None:
        texts = list(settings.ENCRYPTION_KEYS)
        path = Path(settings.ENCRYPTION_KEY_FILE)
        if not texts:
            if not path.exists() and not settings.PRODUCTION:
                ensure_key_file(path)
            texts = read_key_file(path)
        if not texts:
            raise ImproperlyConfigured("No encryption key: set JALIN_ENCRYPTION_KEYS or create the key file")
        keys = {}
        for text in texts:
            raw = _decode_key(text)
            keys[key_id(raw)] = AESGCM(raw)
        with self._lock:
            self._keys = keys
            self._primary = key_id(_decode_key(texts[0]))
            self._loaded_from = path.stat().st_mtime if path.exists() else None

    def _ensure(self) -> None:
        if self._primary is None:
            self.load()

    @property
    def primary_id(self) -> str:
        self._ensure()
        assert self._primary is not None
        return self._primary

    def encrypt(self, plaintext: str, aad: str) -> str:
        self._ensure()
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
