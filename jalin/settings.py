"""Jalin's only settings module: everything comes from the environment.

Two modes:
- ``JALIN_MODE=demo`` (default): SQLite under ``JALIN_DATA_DIR``; a secret key and an
  encryption key file are created there on first start.
- ``JALIN_MODE=production`` (set by ``jalin serve``): ``SECRET_KEY``, ``DATABASE_URL`` and an
  encryption key are required; secure cookies and HSTS are on.

Bad values stop the start with an ``ImproperlyConfigured`` that names the variable.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def _env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


MODE = os.environ.get("JALIN_MODE", "demo").strip().lower()
if MODE not in {"demo", "production"}:
    raise ImproperlyConfigured(f"JALIN_MODE must be 'demo' or 'production', got {MODE!r}")
PRODUCTION = MODE == "production"

DATA_DIR = Path(os.environ.get("JALIN_DATA_DIR") or (Path.cwd() / "jalin-data")).expanduser().resolve()
if not PRODUCTION:
    # Private: the folder holds the SQLite file, the demo secret key and the key file.
    DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    if DATA_DIR.stat().st_uid == os.getuid() and DATA_DIR.stat().st_mode & 0o077:
        DATA_DIR.chmod(0o700)


def _demo_secret_key() -> str:
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY must be set in production (jalin serve)")
    SECRET_KEY = _demo_secret_key()
elif len(SECRET_KEY) < 32:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long")

DEBUG = _env_bool("JALIN_DEBUG", False)

_hosts = os.environ.get("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,[::1]")
ALLOWED_HOSTS = [h.strip() for h in _hosts.split(",") if h.strip()]
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the host names Jalin is served under")
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "jalin.core",
    "jalin.accounts",
    "jalin.audit",
    "jalin.cases",
    "jalin.measures",
    "jalin.privacy",
    "jalin.practice",
    "jalin.reports",
    "jalin.roleplay",
    "jalin.api",
    "ninja",  # in INSTALLED_APPS so the API docs use its bundled Swagger UI assets, not a CDN
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "jalin.api.middleware.ApiRequestMiddleware",  # /api/: token only, never the session
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "jalin.core.middleware.SecurityHeadersMiddleware",
    "jalin.core.middleware.InactivityLogoutMiddleware",
    "jalin.core.middleware.TwoFactorEnrolmentMiddleware",
    "jalin.audit.middleware.NotFoundAuditMiddleware",
    "jalin.core.middleware.LoginBusyMiddleware",
]

ROOT_URLCONF = "jalin.urls"
WSGI_APPLICATION = "jalin.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]


def _database() -> dict:
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "")
    if not url:
        if PRODUCTION:
            raise ImproperlyConfigured("DATABASE_URL must be set in production, e.g. postgres://user@host/db")
        url = f"sqlite:///{DATA_DIR / 'jalin.sqlite3'}"
    try:
        config = dj_database_url.parse(url, conn_max_age=60 if PRODUCTION else 0)
    except ValueError as exc:
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Jalin understands: {exc}") from None
    if config["ENGINE"] not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
        raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL or SQLite")
    if config["ENGINE"] == "django.db.backends.sqlite3":
        _private_sqlite_file(config.get("NAME") or "")
        # WAL and a busy timeout let the web server and the task worker share the file. IMMEDIATE
        # transactions take the write lock when they begin: a deferred transaction that reads and then
        # writes (every audited read writes an audit row) cannot upgrade under contention and SQLite
        # answers "database is locked" at once instead of waiting out the busy timeout.
        config.setdefault("OPTIONS", {}).update(
            {"timeout": 20, "transaction_mode": "IMMEDIATE",
             "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"}
        )
    config["ATOMIC_REQUESTS"] = False
    config.setdefault("TEST", {})
    if os.environ.get("JALIN_TEST_DB_NAME"):
        config["TEST"]["NAME"] = os.environ["JALIN_TEST_DB_NAME"]
    elif config["ENGINE"] == "django.db.backends.sqlite3":
        # A real file (tests read its raw bytes: no plaintext at rest), unique per process so parallel
        # runs never share, or corrupt, one database.
        config["TEST"]["NAME"] = str(DATA_DIR / f"test-{os.getpid()}.sqlite3")
    return config


def _private_sqlite_file(name) -> None:
    """Create the SQLite file 0600 in a 0700 folder before SQLite does (it would use the umask, often 0644).

    SQLite gives its -wal and -shm files the database file's mode, so they stay private too.
    """
    if not name or str(name).startswith(":memory:") or str(name).startswith("file:"):
        return
    path = Path(name)
    if not path.parent.exists():
        path.parent.mkdir(mode=0o700, parents=True)
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    elif path.stat().st_uid == os.getuid() and path.stat().st_mode & 0o077:
        path.chmod(0o600)


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# argon2id (OWASP parameters) for new and upgraded passwords; PBKDF2 still checks older ones and upgrades
# them at the next login. Measured in bench/bench_password_hashing.py; see jalin/accounts/hashers.py.
PASSWORD_HASHERS = [
    "jalin.accounts.hashers.Argon2idHasher",
    "jalin.accounts.hashers.BoundedPBKDF2Hasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Languages: Bahasa Indonesia by default, English selectable.
LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["jalin.formats"]  # one date format per language on every screen
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("JALIN_TIME_ZONE", "Asia/Jakarta")

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]  # jalin/static: the site stylesheet (jalin is not an app)
STATIC_ROOT = Path(os.environ.get("JALIN_STATIC_ROOT") or (DATA_DIR / "static"))
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise serves from the finders in demo mode
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
                    if PRODUCTION else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Background work (transcript parsing and analysis) runs on Django's Tasks framework. The embedded
# default keeps the queue in the database (django-tasks-db, no extra server; `jalin worker` runs it);
# JALIN_TASKS_REDIS_URL moves it to Redis (django-tasks-redis) for sites with several workers.
TASK_TIMEOUT_SECONDS = _env_int("JALIN_TASK_TIMEOUT", 15 * 60, minimum=30)  # a job older than this has failed
TASK_MAX_ATTEMPTS = _env_int("JALIN_TASK_MAX_ATTEMPTS", 3, minimum=1)
TASKS_REDIS_URL = os.environ.get("JALIN_TASKS_REDIS_URL", "").strip()
if TASKS_REDIS_URL:
    if not TASKS_REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured("JALIN_TASKS_REDIS_URL must be a redis:// URL, e.g. redis://127.0.0.1:6379/0")
    INSTALLED_APPS.append("django_tasks_redis")
    TASKS = {"default": {
        "BACKEND": "django_tasks_redis.RedisTaskBackend",
        "OPTIONS": {
            "REDIS_URL": TASKS_REDIS_URL,
            "REDIS_KEY_PREFIX": os.environ.get("JALIN_TASKS_REDIS_PREFIX", "jalin_tasks"),
            "REDIS_SOCKET_CONNECT_TIMEOUT": 5,
            # A message still unacknowledged after the job timeout belongs to a worker that died.
            "REDIS_CLAIM_TIMEOUT": TASK_TIMEOUT_SECONDS,
            "REDIS_MAX_DELIVERIES": TASK_MAX_ATTEMPTS,
        },
    }}
else:
    INSTALLED_APPS.append("django_tasks_db")
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Field-level encryption keys (see jalin/core/crypto.py). Never stored in the database.
ENCRYPTION_KEYS = [k.strip() for k in os.environ.get("JALIN_ENCRYPTION_KEYS", "").split(",") if k.strip()]
ENCRYPTION_KEY_FILE = Path(os.environ.get("JALIN_KEY_FILE") or (DATA_DIR / "keys.json"))
# A missing key in production is reported by the system check jalin.E001 (jalin/core/checks.py), so that
# `jalin keys create` itself can still run.

# Sessions and cookies: automatic logoff after inactivity (HIPAA 164.312(a)(2)(iii)).
SESSION_ENGINE = "jalin.core.sessions"  # Django's database sessions, saved with one UPDATE (see there)
SESSION_INACTIVITY_SECONDS = _env_int("JALIN_SESSION_TIMEOUT", 15 * 60, minimum=60)
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_HSTS_SECONDS = _env_int("JALIN_HSTS_SECONDS", 31536000)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _env_bool("JALIN_SSL_REDIRECT", True)

from django.utils.csp import CSP

# Every page uses only same-origin scripts and styles; charts are inline SVG.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Login throttling: failed attempts per (username, address) pair within the window, so that behind a
# proxy or a school's single NAT address one mistyped account does not lock out everyone else.
LOGIN_FAILURE_LIMIT = _env_int("JALIN_LOGIN_FAILURE_LIMIT", 5, minimum=1)
LOGIN_FAILURE_WINDOW_SECONDS = _env_int("JALIN_LOGIN_FAILURE_WINDOW", 15 * 60, minimum=1)
# Password hashes at once on this machine (all server processes together), so logins cannot starve pages;
# a login that finds no free slot within the wait gets "try again in a moment" (503, Retry-After).
LOGIN_HASH_SLOTS = _env_int("JALIN_LOGIN_SLOTS", max(1, (os.cpu_count() or 1) - 1), minimum=1)
LOGIN_HASH_WAIT_SECONDS = _env_int("JALIN_LOGIN_WAIT", 10, minimum=0)
LOGIN_HASH_SLOT_DIR = Path(os.environ.get("JALIN_LOGIN_SLOT_DIR") or (DATA_DIR / "login-slots"))

# Second factor: wrong or replayed codes per account before a lockout, and how long it lasts.
TOTP_FAILURE_LIMIT = _env_int("JALIN_TOTP_FAILURE_LIMIT", 5, minimum=1)
TOTP_LOCKOUT_SECONDS = _env_int("JALIN_TOTP_LOCKOUT", 15 * 60, minimum=1)

def _env_networks(name: str) -> tuple:
    """Comma-separated addresses or networks (``10.0.0.1``, ``10.0.0.0/8``, ``::1``)."""
    import ipaddress

    networks = []
    for item in os.environ.get(name, "").split(","):
        if not item.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(item.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list IP addresses or networks separated by commas, got {item.strip()!r}") from None
    return tuple(networks)


# X-Forwarded-For is honoured only when the direct peer is one of these proxies (empty: never).
TRUSTED_PROXIES = _env_networks("JALIN_TRUSTED_PROXIES")

# REST API (/api/v1/): requests per token per period ("120/m", "5000/h"); counted in Django's cache.
API_RATE_LIMIT = os.environ.get("JALIN_API_RATE_LIMIT", "120/m").strip()
if not re.fullmatch(r"\d+/(\d+)?(s|sec|m|min|h|hour|d|day)", API_RATE_LIMIT):
    raise ImproperlyConfigured(f"JALIN_API_RATE_LIMIT must look like 120/m or 5000/h, got {API_RATE_LIMIT!r}")

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Logs carry ids only, never counselee content (see docs/security.md).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("JALIN_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}
