"""Settings, read from the environment (twelve-factor).

Nothing set: SQLite in the project folder, Celery tasks run eagerly in-process,
media on local disk, DEBUG on and a generated development secret.
``DATABASE_URL`` / ``REDIS_URL``: PostgreSQL and a real Celery broker.
``DJANGO_ENV=production``: refuses to start without a real secret and hosts.
Every variable is listed in the README's configuration table.

Sections: environment, applications, requests, templates, database, accounts,
time and language, files, background jobs and cache, email, HTTPS and headers,
logging, sign-in protection, second factor, sessions, content security policy,
audit log.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


# --- Environment ----------------------------------------------------------------


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DJANGO_ENV = env("DJANGO_ENV", "development").lower()
PRODUCTION = DJANGO_ENV == "production"

DEBUG = env_bool("DEBUG", default=not PRODUCTION)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when DJANGO_ENV=production.")

SECRET_KEY = env("SECRET_KEY")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured("Set SECRET_KEY (50+ random characters) in production.")
    # A development secret, generated once and kept out of git.
    _dev_secret = BASE_DIR / ".dev-secret"
    if not _dev_secret.exists():
        _dev_secret.write_text(secrets.token_urlsafe(50))
    SECRET_KEY = _dev_secret.read_text().strip()
elif PRODUCTION and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured("SECRET_KEY is too short or a placeholder.")
# A development key was once committed (.dev-secret, now untracked): it is public, so
# production refuses it (compared by its SHA-256, the key itself is not repeated here).
LEAKED_SECRET_KEYS = {"855517c11d5534c1f5943f4f26a64a355d9be1b58f378eef201fd357c5e53eb7"}
if PRODUCTION and hashlib.sha256(SECRET_KEY.encode()).hexdigest() in LEAKED_SECRET_KEYS:
    raise ImproperlyConfigured("SECRET_KEY is a published development key: generate a new one.")


# The seal of signed records (charting.seal): HMAC-SHA256 keys held outside the
# database, "id:secret,id:secret", the first one current (new seals); the others only
# verify older seals until ``manage.py reseal_signatures`` has moved them to the current
# one. Development derives one from SECRET_KEY; production refuses to start without it.
def signature_keys(value: str) -> dict[str, str]:
    keys = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        key_id, _, secret = (part.strip() for part in item.partition(":"))
        if not key_id or not key_id.isalnum() or len(key_id) > 16:
            raise ImproperlyConfigured("SIGNATURE_KEYS: each key is id:secret, id 1-16 letters.")
        if len(secret) < 32 or key_id in keys:
            raise ImproperlyConfigured(
                f"SIGNATURE_KEYS: key {key_id} is shorter than 32 characters or repeated."
            )
        keys[key_id] = secret
    return keys


SIGNATURE_KEYS = signature_keys(env("SIGNATURE_KEYS"))
if not SIGNATURE_KEYS:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "Set SIGNATURE_KEYS (id:secret, 32+ random characters) in production: the key "
            "that seals signed records, kept out of the database."
        )
    SIGNATURE_KEYS = {"dev": hashlib.sha256(f"signature-key:{SECRET_KEY}".encode()).hexdigest()}
# Seals from before keyed seals (plain SHA-256, which anyone who can write the rows can
# recompute) are shown as verified only while this is on; reseal_signatures moves them.
SIGNATURE_ACCEPT_UNKEYED = env_bool("SIGNATURE_ACCEPT_UNKEYED", default=False)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS (comma-separated) in production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

CLINIC_NAME = env("CLINIC_NAME", "Demo Aesthetic Clinic")
# The clinic's public base URL: the FHIR export's resource URLs and the canonical URLs
# of its own code systems live under it (docs/fhir.md).
CLINIC_BASE_URL = env("CLINIC_BASE_URL", "https://clinic.example.org")
# Chart numbers, one scheme per clinic for new patients and the demo alike
# (clinic.patients.chart_number_for): PREFIX-000123, WIDTH digits.
CHART_NUMBER_PREFIX = env("CHART_NUMBER_PREFIX", "C")
CHART_NUMBER_WIDTH = env_int("CHART_NUMBER_WIDTH", 6)
if not re.fullmatch(r"[A-Z]{1,4}", CHART_NUMBER_PREFIX) or not 3 <= CHART_NUMBER_WIDTH <= 10:
    raise ImproperlyConfigured(
        "CHART_NUMBER_PREFIX is 1-4 capital letters and CHART_NUMBER_WIDTH 3-10 digits."
    )

# Rooms and turnover (clinic.buffers, clinic.rooms). The kinds of appointment that
# take a treatment room at a location that has rooms; the others take one only when
# the desk picks it. The minutes blocked after each kind for cleaning (the clinic's
# default, and per kind as "treatment=10,touch_up=5"), 0-120; they count in the
# injector's and the room's clashes, not the patient's.
APPOINTMENT_KINDS = ("consultation", "treatment", "review", "touch_up")
ROOM_KINDS = tuple(env_list("ROOM_KINDS", "treatment,touch_up"))
BUFFER_MINUTES = env_int("BUFFER_MINUTES", 0)
BUFFER_MINUTES_BY_KIND = {
    kind.strip(): int(minutes)
    for kind, _, minutes in (item.partition("=") for item in env_list("BUFFER_MINUTES_BY_KIND"))
}
if (
    not set(ROOM_KINDS) <= set(APPOINTMENT_KINDS)
    or not set(BUFFER_MINUTES_BY_KIND) <= set(APPOINTMENT_KINDS)
    or not all(0 <= m <= 120 for m in (BUFFER_MINUTES, *BUFFER_MINUTES_BY_KIND.values()))
):
    raise ImproperlyConfigured(
        f"ROOM_KINDS and BUFFER_MINUTES_BY_KIND name kinds of {', '.join(APPOINTMENT_KINDS)}; "
        "buffers are 0-120 minutes (BUFFER_MINUTES_BY_KIND=treatment=10,touch_up=5)."
    )


# --- Applications ---------------------------------------------------------------
# Ours from the bottom floor up (docs/architecture.md), then Django's and the
# libraries'. tools/bench/settings.py adds the bench on top of these.

INSTALLED_APPS = [
    "clinic.apps.ClinicConfig",
    "audit.apps.AuditConfig",
    "security.apps.SecurityConfig",
    "planning.apps.PlanningConfig",
    "charting.apps.ChartingConfig",
    "charting.reviews.apps.ReviewsConfig",
    "charting.reports.apps.ReportsConfig",
    "config.apps.ProjectConfig",
    "clinic.apps.ClinicAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "auditlog",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_ratelimit",
]


# --- Requests -------------------------------------------------------------------

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Cache-Control: no-store on every response the app makes (patient data).
    "clinic.middleware.NoStoreMiddleware",
    # /healthz answered before the session is touched (503 with the database down).
    "clinic.middleware.HealthzMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every view needs a login unless it is marked @login_not_required.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "clinic.middleware.ActiveLocationMiddleware",
    # The audit middleware before the others: the events they write (sign-outs,
    # lockouts) carry its request id. Axes comes last.
    "audit.middleware.AuditMiddleware",
    "csp.middleware.CSPMiddleware",
    "security.middleware.PermissionsPolicyMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "security.middleware.SessionTimeoutMiddleware",
    "security.middleware.TwoFactorMiddleware",
    "security.middleware.PasswordChangeRequiredMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    "axes.middleware.AxesMiddleware",
]
if PRODUCTION:
    # gunicorn serves the collected static files itself (no CDN, closed networks).
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"


# --- Templates ------------------------------------------------------------------

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "config.context_processors.site",
                "security.context_processors.session_clock",
            ],
        },
    },
    {
        # The hot fragments (grid cells, table rows, diagram points), drawn hundreds
        # of times a page: Jinja2 templates under templates/fragments/, compiled once,
        # autoescaped, rendered through clinic.fragments.render_fragment. Pages stay
        # Django templates (above); this engine finds no page.
        "NAME": "fragments",
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "fragments"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "config.fragments.environment",
            "autoescape": True,
            "trim_blocks": True,
            "lstrip_blocks": True,
        },
    },
]


# --- Database -------------------------------------------------------------------
# DATABASE_URL, else SQLite in the project folder.

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if PRODUCTION and not DATABASE_IS_POSTGRES:
    raise ImproperlyConfigured("Production runs on PostgreSQL: set DATABASE_URL.")
if DATABASE_IS_POSTGRES and env("DB_PREPARE_THRESHOLD", "0") != "":
    # Every query bound on the server and prepared on its first run on a connection,
    # so PostgreSQL keeps its plan (config/database.py says why and the exception).
    # DB_PREPARE_THRESHOLD= (empty) turns it off: Django's client-side binding, for a
    # pooler in transaction mode that keeps no prepared statements.
    from config.database import PreparingCursor

    DATABASES["default"].setdefault("OPTIONS", {}).update(
        prepare_threshold=int(env("DB_PREPARE_THRESHOLD", "0")),
        server_side_binding=True,
        cursor_factory=PreparingCursor,
    )
# Prepared statements kept per connection (psycopg's default is 100; the nine bench
# pages alone prepare 90, about 77 KB each on the server: docs/benchmarks.md).
DB_PREPARED_MAX = env_int("DB_PREPARED_MAX", 300)
if not DATABASE_IS_POSTGRES:
    # SQLite: take the write lock when a transaction begins, so two requests
    # cannot both read the audit chain's head before either writes.
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# --- Accounts -------------------------------------------------------------------

AUTH_USER_MODEL = "clinic.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 first; the others still read older hashes and upgrade them.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "security.backends.LoginProtectionBackend",
    "django.contrib.auth.backends.ModelBackend",
]


# --- Time and language ----------------------------------------------------------

LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y"]


# --- Files ----------------------------------------------------------------------

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT") or BASE_DIR / "staticfiles")
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT") or BASE_DIR / "media")
# Clinical files (photos, signatures, reports) live here, outside every URL
# space, and are served only by views that check the user's role.
PRIVATE_ROOT = Path(env("PRIVATE_ROOT") or BASE_DIR / "private")
# STORAGE_BACKEND=s3: both storages in one S3-compatible bucket (django-storages), so
# web and worker processes on different machines see the same files. The bucket is
# private: objects are written without a public ACL and the product never hands out
# their URLs; files reach a browser only through the permission-checked views, which
# stream them (README "More than one machine").
STORAGE_BACKEND = env("STORAGE_BACKEND", "filesystem").lower()
if STORAGE_BACKEND not in {"filesystem", "s3"}:
    raise ImproperlyConfigured("STORAGE_BACKEND is 'filesystem' (the default) or 's3'.")
S3_BUCKET = env("S3_BUCKET")
if STORAGE_BACKEND == "s3" and not S3_BUCKET:
    raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET.")


def s3_storage(prefix: str) -> dict:
    """One prefix of the bucket, from the environment as it is now. Keys left empty:
    boto3's own chain (the instance's role, AWS_* variables)."""
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "location": prefix,
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "region_name": env("S3_REGION") or None,
            "access_key": env("S3_ACCESS_KEY_ID") or None,
            "secret_key": env("S3_SECRET_ACCESS_KEY") or None,
            "default_acl": None,  # the bucket's own: private (never public-read)
            "querystring_auth": True,  # any URL made by mistake is signed...
            "querystring_expire": 60,  # ...and short-lived
            "file_overwrite": False,  # a taken name gets a suffix, as on disk
            "addressing_style": env("S3_ADDRESSING_STYLE") or None,
        },
    }


if STORAGE_BACKEND == "s3":
    _file_storages = {"default": s3_storage("media"), "private": s3_storage("private")}
else:
    _file_storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": PRIVATE_ROOT, "base_url": None},
        },
    }
STORAGES = {
    **_file_storages,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"


# --- Background jobs and cache --------------------------------------------------
# Celery: a real broker with REDIS_URL, else tasks run eagerly in-process.

REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = 200
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# A redelivered task (worker lost) comes back after the visibility timeout,
# which must outlast the longest task; the sweep fails report jobs left running.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", CELERY_TASK_TIME_LIMIT + 60)
}
CELERY_BEAT_SCHEDULE = {
    # Each appointment is reminded once, the day before (clinic.reminders).
    "appointment-reminders": {
        "task": "clinic.send_appointment_reminders",
        "schedule": 30 * 60,
    },
    # Report jobs whose worker died (heartbeat stopped) are queued again; those
    # running past the hard limit are failed. Every 15 s: a death is seen within
    # REPORT_HEARTBEAT_STALE_SECONDS + 15 s, under a minute.
    "reports-sweep-stuck-jobs": {"task": "reports.tasks.sweep_stuck_jobs", "schedule": 15.0},
    # The audit chain's head, signed, kept as a file and mailed to the admins (audit.anchoring).
    "audit-anchor-chain": {
        "task": "audit.anchor_chain",
        "schedule": crontab(hour=env_int("AUDIT_ANCHOR_HOUR", 2), minute=15),
    },
    # The double-submit guard's claims older than a week (clinic.once).
    "forget-old-submits": {"task": "clinic.forget_old_submits", "schedule": 24 * 60 * 60},
    # Past toxin files uploaded and never imported (planning.outside_dose_import).
    "forget-old-dose-imports": {
        "task": "planning.forget_old_dose_imports",
        "schedule": 24 * 60 * 60,
    },
}
# A running report writes a heartbeat this often (charting.reports.jobs.heartbeat) ...
REPORT_HEARTBEAT_SECONDS = env_int("REPORT_HEARTBEAT_SECONDS", 5)
# The clinic's deadline for giving a patient their record (right of access), in days
# from the request; shown on the patient's record page (charting.reports.record).
RECORD_RELEASE_DAYS = env_int("RECORD_RELEASE_DAYS", 30)
# ... and one silent for this long has lost its worker (the sweep queues it again).
REPORT_HEARTBEAT_STALE_SECONDS = env_int("REPORT_HEARTBEAT_STALE_SECONDS", 45)
if REPORT_HEARTBEAT_STALE_SECONDS <= 2 * REPORT_HEARTBEAT_SECONDS:
    raise ImproperlyConfigured(
        "REPORT_HEARTBEAT_STALE_SECONDS must be more than twice REPORT_HEARTBEAT_SECONDS."
    )
# Lay out a signed cycle's PDF pages in the worker when it is signed (charting.prerender),
# so the first click on the history or the record finds them kept.
HISTORY_PRERENDER = env_bool("HISTORY_PRERENDER", default=True)

# The shared cache holds only small, non-clinical things (the reference-data
# version of planning.reference_cache). Redis with REDIS_URL so every process
# sees one value; without it, each process keeps its own (runserver is one).
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "clinic"),
            "TIMEOUT": 300,
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}
# "Forgot password" is rate-limited (django-ratelimit) on this cache, by the
# client address the audit log uses. Without Redis (development, one process)
# the in-process cache is enough; production has Redis.
RATELIMIT_IP_META_KEY = "audit.context.client_ip"
# W001: django-ratelimit's list of "official" caches predates Django's own
# RedisCache, which is shared and atomic for its counters.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if not REDIS_URL:
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")


# --- Email ----------------------------------------------------------------------

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "clinic@localhost")


# --- The patient's pages (pre-visit intake) ------------------------------------
# The address patients reach the /p/ pages at: what the clinic's reverse proxy
# exposes (docs/patient-pages.md). Every other path stays on the closed network.
PATIENT_BASE_URL = env("PATIENT_BASE_URL", "http://localhost:8000")
# Date-of-birth attempts (django-ratelimit), per link and per client address.
INTAKE_DOB_RATE_PER_LINK = env("INTAKE_DOB_RATE_PER_LINK", "5/h")
INTAKE_DOB_RATE_PER_ADDRESS = env("INTAKE_DOB_RATE_PER_ADDRESS", "20/h")


# --- HTTPS and headers ----------------------------------------------------------
# Hardened in production; `make check-deploy` passes with no warnings.

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    # The documented deployment terminates TLS at a proxy that sets this header.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
PERMISSIONS_POLICY = (
    "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), "
    "serial=(), display-capture=()"
)
# The number of reverse proxies in front of the app that append to
# X-Forwarded-For (docker-compose.yml has one, Caddy). The client's address is the
# one the outermost of them saw; see audit/context.py. Production has no default:
# trusting a hop that is not there lets a client that reaches gunicorn directly
# write its own address (and escape the lockout); 0 when nothing is in front.
if PRODUCTION and not env("TRUSTED_PROXY_COUNT"):
    raise ImproperlyConfigured(
        "Set TRUSTED_PROXY_COUNT in production: the number of reverse proxies in front "
        "of the app (1 behind docker-compose's Caddy, 0 if clients reach it directly)."
    )
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)


# --- Logging --------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's default logging puts a console handler (DEBUG only) and the admins'
        # mail handler (no ADMINS here) on "django"; its records also reach the root's
        # handler, so in development each was written twice (a 403's traceback too).
        # The root's handler alone writes them.
        "django": {"handlers": [], "level": "INFO"},
        # Request lines carry URLs only (ids, never names); keep them at WARNING.
        "django.server": {"level": "WARNING"},
        # WeasyPrint's progress lines and font notes; refused URLs still show as warnings.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Axes logs every sign-in at INFO; lockouts (WARNING) are enough here,
        # the audit log has the rest.
        "axes": {"level": "WARNING"},
    },
}


# --- Sign-in protection (django-axes) -------------------------------------------
# An account locks after AXES_FAILURE_LIMIT failures from one address, or
# AXES_ACCOUNT_FAILURE_LIMIT from all addresses together (rotating addresses does
# not help), for AXES_COOLOFF_MINUTES, doubled for every further AXES_FAILURE_LIMIT
# failures up to AXES_COOLOFF_MAX_HOURS (security/lockout.py). Unlock: delete the
# access attempts in the admin, or `manage.py axes_reset_username EMAIL`.

AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_ACCOUNT_FAILURE_LIMIT = env_int("AXES_ACCOUNT_FAILURE_LIMIT", 2 * AXES_FAILURE_LIMIT)
if AXES_ACCOUNT_FAILURE_LIMIT < AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured("AXES_ACCOUNT_FAILURE_LIMIT must be at least AXES_FAILURE_LIMIT.")
AXES_COOLOFF_FIRST = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15))
AXES_COOLOFF_LONGEST = datetime.timedelta(hours=env_int("AXES_COOLOFF_MAX_HOURS", 24))
AXES_COOLOFF_TIME = "security.lockout.cool_off"
# Each attempt expires by the lockout in force when it was made (a short lockout
# of another account must not clear this one's longer record).
AXES_USE_ATTEMPT_EXPIRATION = True
# The order matters: security.lockout.LockoutHandler reads the pair, then the account.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_HANDLER = "security.lockout.LockoutHandler"
AXES_RESET_ON_SUCCESS = True
# The sign-in form names its email field "username" (Django's AuthenticationForm).
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "security.backends.axes_username"
AXES_CLIENT_IP_CALLABLE = "audit.context.client_ip"
AXES_LOCKOUT_CALLABLE = "security.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "password1", "password2", "token"]


# --- Second factor (django-otp) -------------------------------------------------
# TOTP plus backup codes, required for injectors and clinic admins when
# REQUIRE_2FA is on: by default in production, off in development so the demo
# and tests sign in with a password alone.

REQUIRE_2FA = env_bool("REQUIRE_2FA", default=PRODUCTION)
OTP_TOTP_ISSUER = CLINIC_NAME
OTP_TOTP_THROTTLE_FACTOR = 1


# --- Sessions -------------------------------------------------------------------
# An idle timeout with a warning on the page, an absolute lifetime, gone when
# the browser closes. A password change ends every other session (Django checks
# the session's password hash on each request).

SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_MINUTES", 15) * 60
SESSION_ABSOLUTE_LIFETIME = env_int("SESSION_ABSOLUTE_HOURS", 12) * 3600
SESSION_IDLE_WARNING = env_int("SESSION_WARNING_SECONDS", 120)
SESSION_ACTIVITY_RESOLUTION = 60
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_LIFETIME
SESSION_EXPIRE_AT_BROWSER_CLOSE = True


# --- Content security policy (django-csp) ---------------------------------------
# Our own files only, scripts by nonce or from 'self', no inline script or
# style, no framing.

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        # Bootstrap's CSS draws its icons from data: URIs; photos preview as blob:.
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}


# --- Audit log ------------------------------------------------------------------
# Each audited model names its patient with ``audit_patient`` (audit/subjects.py).

# Reads: a page whose URL names one of these objects is a view of its patient.
# Every URL argument ending in _id is listed (tests/audit/test_subjects.py).
AUDIT_URL_OBJECTS = {
    "patient_id": "clinic.Patient",
    "appointment_id": "clinic.Appointment",
    "waitlist_entry_id": "clinic.WaitlistEntry",
    "visit_id": "planning.Visit",
    "plan_id": "planning.TreatmentPlan",
    "photo_id": "planning.Photo",
    "treatment_id": "charting.Treatment",
    "consent_id": "charting.Consent",
    "lot_id": "charting.Lot",
    "due_review_id": "charting.DueReview",
    "review_id": "reviews.Review",
    "step_id": "reviews.NextStep",
    "job_id": "reports.ReportJob",
}
# Pages of these URL namespaces are audited even without an object id.
AUDIT_CLINICAL_NAMESPACES = ("planning", "charting")
# Writes: django-auditlog records field changes of these models. Observations
# and plan points are saved with their map and plan, whose own change stands for
# them; signatures are kept out of the log.
AUDITLOG_INCLUDE_TRACKING_MODELS = [
    "clinic.Patient",
    {"model": "clinic.User", "exclude_fields": ["last_login"], "mask_fields": ["password"]},
    "clinic.Appointment",
    "clinic.WaitlistEntry",
    "planning.Visit",
    "planning.Screening",
    "planning.MovementMap",
    "planning.Photo",
    "planning.TreatmentPlan",
    "planning.OutsideDose",
    # The pre-visit intake: the link's life (never its token or device binding) and
    # the patient-reported answers with their confirmation.
    {"model": "clinic.IntakeLink", "exclude_fields": ["token_hash", "binding_hash"]},
    "planning.PatientIntake",
    "charting.Treatment",
    {"model": "charting.Consent", "exclude_fields": ["signature_png"]},
    "charting.Injection",
    "charting.AdverseEvent",
    "charting.Addendum",
    "charting.Lot",
    "charting.Vial",
    "charting.DueReview",
    "reviews.Review",
    "reviews.Finding",
    "reviews.SideEffect",
    "reviews.NextStep",
    "planning.NotTreated",
    # Reference data and the consent wording: what signed records and dose checks
    # name (issue 18, finding 8), whichever door edits them.
    "planning.Muscle",
    "planning.Expression",
    "planning.Product",
    "planning.DoseRange",
    "planning.DoseLimit",
    "planning.EffectDuration",
    "charting.ConsentText",
    "reports.Letterhead",  # the clinic's letterhead and paper, on every PDF
    "reports.SummaryWording",  # the sentences the patient reads (summary, its email)
    "reports.RecordRelease",  # the log of records given out
]
# auditlog would take the first X-Forwarded-For entry, which a client can forge;
# the address that counts is ours (TRUSTED_PROXY_COUNT), on the linked AuditEvent.
AUDITLOG_DISABLE_REMOTE_ADDR = True
# Anchors of the audit chain (audit/anchors.py): the head signed with an HMAC key
# the database never holds. Unset, a key derived from SECRET_KEY (development);
# production sets its own, so a new SECRET_KEY does not orphan the anchors. To
# rotate: the new key here, the old one appended to AUDIT_ANCHOR_OLD_KEYS.
AUDIT_ANCHOR_KEY = env("AUDIT_ANCHOR_KEY")
if PRODUCTION and len(AUDIT_ANCHOR_KEY or "") < 32:
    raise ImproperlyConfigured(
        "Set AUDIT_ANCHOR_KEY (32+ random characters) in production: the key of the audit "
        "chain's anchors, kept out of the database (derived from SECRET_KEY, a new "
        "SECRET_KEY would orphan every anchor)."
    )
AUDIT_ANCHOR_OLD_KEYS = env_list("AUDIT_ANCHOR_OLD_KEYS")
# Mailed the daily anchor besides every active clinic admin (e.g. an outside auditor).
AUDIT_ANCHOR_EMAILS = env_list("AUDIT_ANCHOR_EMAILS")
# TRUNCATE of the audit log is let through in Django's test databases only
# (audit/migrations/0005): a production database may not carry such a name.
if PRODUCTION and str(DATABASES["default"].get("NAME", "")).startswith("test_"):
    raise ImproperlyConfigured("A production database may not be named test_…")
