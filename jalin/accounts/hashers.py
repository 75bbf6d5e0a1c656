"""Password hashers: argon2id at OWASP's parameters first, PBKDF2 kept so existing passwords still work.

``bench/bench_password_hashing.py`` measured argon2id (m=19 MiB, t=2, p=1) at about a sixth of the CPU of
PBKDF2-SHA256 at the strength OWASP calls equal (600,000 iterations), and a sixteenth of Django 6's
1,500,000. A PBKDF2 password is upgraded to argon2id at its owner's next successful login (Django's
``must_update``). Every hash and check holds one of the machine's login slots (``login_slots``), so a
burst of logins cannot take every core.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher

from .login_slots import hashing_slot


class _Bounded:
    def encode(self, password, salt, *args, **kwargs):
        with hashing_slot():
            return super().encode(password, salt, *args, **kwargs)

    def verify(self, password, encoded):
        with hashing_slot():
            return super().verify(password, encoded)


class Argon2idHasher(_Bounded, Argon2PasswordHasher):
    """argon2id, OWASP Password Storage Cheat Sheet: m=19 MiB, t=2, p=1."""

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1


class BoundedPBKDF2Hasher(_Bounded, PBKDF2PasswordHasher):
    """Django's PBKDF2-SHA256 (passwords set before argon2id); upgraded at the next login."""
