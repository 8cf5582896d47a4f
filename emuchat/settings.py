"""Settings for emu.chat, read from the environment with safe local defaults.

README.md lists every variable; docs/operations.md shows a production set.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from kombu import Exchange, Queue

from . import env

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env.get_bool("DEBUG", True)
SECRET_KEY = env.get_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is false.")
    SECRET_KEY = "insecure-local-development-key-do-not-use-in-production"
elif not DEBUG:
    env.require_strong_secret("SECRET_KEY", SECRET_KEY)

ALLOWED_HOSTS = env.get_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
SITE_URL = env.get_url("SITE_URL", "http://127.0.0.1:8000", schemes=("http", "https"))
CSRF_TRUSTED_ORIGINS = env.get_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "emuchat",
    "workspaces",
    "contacts",
    "conversations",
    "messaging",
    "optouts",
    "compliance",
    "imports",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "axes",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "emuchat.middleware.CleanInputMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out log-in into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "emuchat.urls"
WSGI_APPLICATION = "emuchat.wsgi.application"

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
                "workspaces.context_processors.shell",
            ],
        },
    },
]

DATABASES = {"default": env.get_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Let concurrent local writers wait for each other instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHE_URL = env.get_url("CACHE_URL", schemes=("redis", "rediss"))
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            # Rate limits fail open when Redis is away: fail fast, too, rather than hold a worker.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Log-in throttling (django-axes): failures are counted per (username, address) pair, so a
# guesser locks only themselves out; the same user logs in from anywhere else (issue 12).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.get_int("LOGIN_FAILURE_LIMIT", 10, minimum=1)
AXES_COOLOFF_TIME = env.get_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1) / 60  # hours
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "emuchat.client_ip.address_or_none"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.get_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.get_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email: console locally, SMTP when EMAIL_HOST is set.
EMAIL_HOST = env.get_str("EMAIL_HOST")
EMAIL_PORT = env.get_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env.get_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env.get_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env.get_bool("EMAIL_USE_TLS", True)
EMAIL_BACKEND = env.get_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env.get_str("DEFAULT_FROM_EMAIL", "emu.chat <no-reply@emu.chat.local>")

# SMS provider (SPEC §11).
SMS_BACKEND = env.get_str("SMS_BACKEND", "messaging.backends.console.SmsBackend")
TWILIO_ACCOUNT_SID = env.get_str("TWILIO_ACCOUNT_SID")
TWILIO_AUTH_TOKEN = env.get_str("TWILIO_AUTH_TOKEN")
# Where the Twilio REST API lives; tests point it at a local fake.
TWILIO_API_BASE_URL = env.get_url("TWILIO_API_BASE_URL", "https://api.twilio.com", schemes=("http", "https"))
# Seconds for one provider call to answer (and to connect). Delivery holds the guard's
# per-number locks during the call, so this bounds how long an opt-out can wait.
SMS_PROVIDER_TIMEOUT = env.get_int("SMS_PROVIDER_TIMEOUT", 5, minimum=1)
SMS_PROVIDER_CONNECT_TIMEOUT = env.get_int("SMS_PROVIDER_CONNECT_TIMEOUT", 3, minimum=1)
# Provider calls in flight at once in one worker process (threads; docs/decisions.md).
SMS_DELIVERY_CONCURRENCY = env.get_int("SMS_DELIVERY_CONCURRENCY", 100, minimum=1)
# Texts per second a sender number may send unless it says otherwise (SenderNumber.rate_per_second).
SMS_DEFAULT_RATE_PER_SECOND = env.get_int("SMS_DEFAULT_RATE_PER_SECOND", 50, minimum=1)
# Refusals that prove a text was not taken (429, 5xx with an error body, connection
# refused) are retried this many times, after 1 s, 2 s, 4 s …, then fail with provider_error.
SMS_MAX_RETRIES = env.get_int("SMS_MAX_RETRIES", 3, minimum=0)
# A text in "sending" longer than this was interrupted mid-call: it becomes "unconfirmed".
SENDING_STALE_AFTER_SECONDS = env.get_int("SENDING_STALE_AFTER_SECONDS", 20, minimum=10)
# A text "queued" longer than this lost its task (a Redis restart): it is queued again.
QUEUED_STALE_AFTER_SECONDS = env.get_int("QUEUED_STALE_AFTER_SECONDS", 20, minimum=5)

# Celery: no broker means tasks run in-process, right after the transaction commits.
CELERY_BROKER_URL = env.get_url("CELERY_BROKER_URL", schemes=("redis", "rediss", "amqp", "memory"))
CELERY_RESULT_BACKEND = (
    env.get_url(
        "CELERY_RESULT_BACKEND",
        CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else "",
        schemes=("redis", "rediss"),
    )
    or None
)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task not acknowledged within this window is redelivered; it must exceed
# the longest task (a million-row import), and the result backend must match.
CELERY_VISIBILITY_TIMEOUT = env.get_int("CELERY_VISIBILITY_TIMEOUT", 4 * 3600, minimum=60)
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"visibility_timeout": CELERY_VISIBILITY_TIMEOUT}
CELERY_TASK_DEFAULT_QUEUE = env.get_str("CELERY_TASK_DEFAULT_QUEUE", "emuchat")
# Delivery, imports/exports and housekeeping each get their own queue (emuchat/celery.py);
# a worker started without -Q consumes all four.
# Each queue with its own direct exchange and routing key, so every binding is explicit.
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name, type="direct"), routing_key=name)
    for name in [
        CELERY_TASK_DEFAULT_QUEUE,
        *(f"{CELERY_TASK_DEFAULT_QUEUE}.{k}" for k in ("delivery", "jobs", "housekeeping")),
    ]
]
CELERY_TASK_ROUTES = ["emuchat.celery.route_task"]
# A warm shutdown (SIGTERM) lets running tasks finish; delivery tasks hand back what they
# have not started within ~2 s, so it takes seconds. Lost deliveries are recovered from
# the database by beat (messaging/delivery.py), not by broker redelivery.
# Where the per-sender rate is counted across workers and machines (the broker's Redis unless
# set); with no Redis at all (local runs) each process counts alone.
SMS_RATE_LIMIT_REDIS_URL = env.get_url(
    "SMS_RATE_LIMIT_REDIS_URL",
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else CACHE_URL,
    schemes=("redis", "rediss"),
)
CELERY_BEAT_SCHEDULE = {
    "drain-inbound-spool": {"task": "messaging.tasks.drain_inbound_spool", "schedule": 15.0},
    "dispatch-due-messages": {"task": "messaging.tasks.dispatch_due_messages", "schedule": 15.0},
    "fail-stale-sending": {"task": "messaging.tasks.fail_stale_sending", "schedule": 10.0},
    "prune-idempotency-keys": {"task": "api.tasks.prune_idempotency_keys", "schedule": 3600.0},
    "tidy-import-export-jobs": {"task": "optouts.tasks.tidy_import_export_jobs", "schedule": 120.0},
    "tidy-bulk-sends": {"task": "messaging.tasks.tidy_bulk_sends", "schedule": 120.0},
}

# Signed inbound texts that could not be stored at once (database down) are kept here and
# applied when it is back (messaging/inbound_spool.py): a Redis list, then a local file.
INBOUND_SPOOL_REDIS_URL = env.get_url(
    "INBOUND_SPOOL_REDIS_URL",
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else CACHE_URL,
    schemes=("redis", "rediss"),
)
INBOUND_SPOOL_DIR = Path(env.get_str("INBOUND_SPOOL_DIR", str(BASE_DIR / "var" / "spool")))

# Import and export.
# Processes that read numbers while the import writes (0: read them in the import's own process).
IMPORT_PARSE_PROCESSES = env.get_int("IMPORT_PARSE_PROCESSES", min(os.cpu_count() or 1, 4), minimum=0)
IMPORT_MAX_UPLOAD_BYTES = env.get_int("IMPORT_MAX_UPLOAD_BYTES", 50 * 1024 * 1024, minimum=1024)
EXPORT_RETENTION_DAYS = env.get_int("EXPORT_RETENTION_DAYS", 7, minimum=1)
# Limits for XLSX uploads, checked before any XML is parsed (zip bombs, billions of cells).
IMPORT_MAX_XLSX_UNCOMPRESSED_BYTES = env.get_int("IMPORT_MAX_XLSX_UNCOMPRESSED_BYTES", 500 * 1024 * 1024, minimum=1024)
IMPORT_MAX_XLSX_CELLS = env.get_int("IMPORT_MAX_XLSX_CELLS", 50_000_000, minimum=1)
# A running import/export whose heartbeat is older than this was interrupted:
# the periodic tidy task hands it back to the queue (or fails it after 3 tries).
JOB_STALE_AFTER_SECONDS = env.get_int("JOB_STALE_AFTER_SECONDS", 300, minimum=1)

# Public opt-out links (/o/<code>): requests allowed per client address, and
# the header holding that address when a proxy sits in front (empty: REMOTE_ADDR).
OPT_OUT_LINK_RATE_LIMIT = env.get_rate("OPT_OUT_LINK_RATE_LIMIT", "30/10m")
OPT_OUT_LINK_CLIENT_IP_HEADER = env.get_str("OPT_OUT_LINK_CLIENT_IP_HEADER")

# JSON API (/api/v1/, docs/api.md). Requests per token per period (s, m, h, d; e.g. 1000/1h),
# counted in the default cache: set CACHE_URL to Redis so all web processes share the count.
API_RATE_LIMIT = env.get_rate("API_RATE_LIMIT", "120/m")
API_IDEMPOTENCY_KEY_HOURS = env.get_int("API_IDEMPOTENCY_KEY_HOURS", 24, minimum=1)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.authentication.HasWorkspaceToken"],
    "DEFAULT_THROTTLE_CLASSES": ["api.authentication.TokenRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "emu.chat API",
    "DESCRIPTION": "Send texts through the pre-send guard and keep your systems in step with the opt-out list. "
    "Authenticate with a workspace token: `Authorization: Bearer <token>`. Errors are RFC 9457 problem details.",
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's assets come from the installed sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"OptOutMethodEnum": "optouts.models.Method.choices"},
}

# Production hardening; `manage.py check --deploy` passes with DEBUG=false.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.get_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.get_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.get_str("LOG_LEVEL", "INFO")},
    # twilio logs every request at INFO: hundreds of lines a second at carrier speed.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "twilio.http_client": {"level": "WARNING"}},
}
