"""Palaver settings. Everything deployment-specific comes from the environment.

See deploy/environment.example for the variables. Importing this module reads the environment
and nothing else: it starts no server and writes no file. The entry points (`manage.py`,
bin/demo.py, the test suite, the benchmarks) start the embedded PostgreSQL and Redis when
DATABASE_URL / REDIS_URL are unset and export their URLs first (palaver.devservices).
Without them, as when a type checker or an editor imports settings, the URLs below are
placeholders that nothing connects to at import time.
"""

import secrets
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from core.env import envbool, envint, envlist, envnetworks, envrates, envsecret, envstr

BASE_DIR = Path(__file__).resolve().parents[2]

DEBUG = envbool("DEBUG", False)
PLATFORM_DOMAIN = envstr("PLATFORM_DOMAIN", "localhost").lower()
PLATFORM_NAME = envstr("PLATFORM_NAME", "Palaver")
# The scheme and port the platform is reached on, used to build links in embed snippets.
_LOCAL = PLATFORM_DOMAIN == "localhost"
PLATFORM_SCHEME = envstr("PLATFORM_SCHEME", "http" if _LOCAL else "https")
PLATFORM_PORT = envint("PLATFORM_PORT", 8000 if _LOCAL else 0, minimum=0, maximum=65535)
# Set by palaver.devservices.ensure_environment when the entry point started (or reused)
# the embedded PostgreSQL / Redis: development, demo and tests.
EMBEDDED_SERVICES = envbool("PALAVER_EMBEDDED", False)
# Neither a database nor a key configured: a tool (type checker, editor, `celery --help`)
# importing settings. It gets a throwaway key; nothing can be served without DATABASE_URL.
_UNCONFIGURED = not envstr("DATABASE_URL") and not envsecret("SECRET_KEY")


def _secret_key() -> str:
    key = envsecret("SECRET_KEY")
    if not key and _UNCONFIGURED:
        return "django-insecure-" + secrets.token_urlsafe(40)
    if not key and DEBUG:
        key = "django-insecure-development-only"
    insecure = len(key) < 32 or key.startswith("django-insecure") or len(set(key)) < 5
    if not DEBUG and insecure:
        raise ImproperlyConfigured(
            "SECRET_KEY is missing or insecure. With DEBUG off, set SECRET_KEY "
            "(or SECRET_KEY_FILE) to a random string of at least 32 characters, "
            "for example the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    return key


SECRET_KEY = _secret_key()

# Unknown hosts are answered by the tenant middleware with a 404 after a lookup, and custom
# tenant domains can be added at any time, so host validation lives there by default.
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["*"])

SHARED_APPS = [
    # `tenants` comes first so its migrate/migrate_schemas commands win over django_tenants'.
    "tenants",
    "django_tenants",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.admin",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]
TENANT_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "embed",
]
INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
# New sites are cloned from this migrated template schema instead of running every
# migration per signup; `migrate_schemas` keeps it migrated.
TENANT_BASE_SCHEMA = "tenant_template"
# The per-site app's provisioning hook (site_setup / site_teardown): the one way `tenants`
# reaches inside a site's schema, so the platform app imports nothing of `embed`.
SITE_PROVISIONING = "embed.provisioning"
TENANT_CREATION_FAKES_MIGRATIONS = True
# Issue `SET search_path` once per tenant switch rather than before every query.
TENANT_LIMIT_SET_CALLS = True
# Seconds a host -> tenant lookup is kept in each process's memory.
# How custom domains are verified: a function (name) -> TXT strings (tenants/domains.py).
DOMAIN_TXT_RESOLVER = envstr("DOMAIN_TXT_RESOLVER", "tenants.domains.dns_txt_records")
TENANT_CACHE_SECONDS = envint("TENANT_CACHE_SECONDS", 300, minimum=0)

# The input guard refuses NUL, control characters and over-deep JSON in every request
# (core.inputguard); it comes after CORS so the widget can read its 400s.
MIDDLEWARE = [
    "core.clientip.ProxyHeadersMiddleware",
    "core.headers.PageHeadersMiddleware",
    "tenants.middleware.TenantMiddleware",
    "core.replicas.ReplicaMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "core.inputguard.InputGuardMiddleware",
    "core.errorpages.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.i18n.DashboardLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# The widget's public GET reads skip sessions, auth, CSRF and messages: they run the
# middleware above only as far as the security middleware (see palaver.wsgi).
PUBLIC_READ_PATHS = ["/api/v1/thread", "/api/v1/counts", "/embed.js", "/count.js"]
PUBLIC_READ_MIDDLEWARE = MIDDLEWARE[
    : MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
]

ROOT_URLCONF = "palaver.urls_tenant"
PUBLIC_SCHEMA_URLCONF = "palaver.urls_public"
WSGI_APPLICATION = "palaver.wsgi.application"
ASGI_APPLICATION = "palaver.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "platform" / "palaver" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES: dict[str, dict[str, Any]] = {
    "default": dict(
        dj_database_url.parse(
            envstr("DATABASE_URL", "postgres://postgres@localhost:5432/palaver"),
            conn_max_age=envint("DB_CONN_MAX_AGE", 60, minimum=0),
            conn_health_checks=True,
        )
    )
}
# django-tenants' backend with Citus-clean migrations (palaver/db/base.py).
DATABASES["default"]["ENGINE"] = "palaver.db"
# Parallel test runs on one server each name their own test database.
DATABASES["default"]["TEST"] = {"NAME": envstr("TEST_DATABASE_NAME") or None}
# "session" (direct, or PgBouncer in session mode) or "transaction" (PgBouncer in transaction
# mode: the site's search path is SET LOCAL in every transaction; see palaver/db/base.py).
DATABASE_POOL_MODE = envstr("DATABASE_POOL_MODE", "session")
if DATABASE_POOL_MODE not in ("session", "transaction"):
    raise ImproperlyConfigured("DATABASE_POOL_MODE must be session or transaction.")
DATABASES["default"]["POOL_MODE"] = DATABASE_POOL_MODE
if DATABASE_POOL_MODE == "transaction":
    # PgBouncer 1.18 cannot carry server-side cursors or prepared statements across
    # transactions.
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
# Seconds to wait for a connection: with the database host gone, a request that needs it
# answers 503 after this rather than after the operating system's TCP timeout (minutes),
# and cached threads are served meanwhile (docs/security.md).
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = envint(
    "DB_CONNECT_TIMEOUT", 3, minimum=1
)
# A streaming standby of the primary (docs/scaling.md): safe requests read from it once it
# has replayed their site's last write (core/replicas.py).
if envstr("DATABASE_REPLICA_URL"):
    _standby = dj_database_url.parse(envstr("DATABASE_REPLICA_URL"))
    DATABASES["replica"] = {
        **DATABASES["default"],
        **{part: _standby[part] for part in ("NAME", "USER", "PASSWORD", "HOST", "PORT")},
        "OPTIONS": {**DATABASES["default"]["OPTIONS"], **_standby.get("OPTIONS", {})},
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["core.replicas.ReplicaRouter", "django_tenants.routers.TenantSyncRouter"]

REDIS_URL = envstr("REDIS_URL", "redis://localhost:6379/0")
# The hot store (thread cache, counts, rate limits, live events...) on a Redis Cluster: the
# URL of any one of its nodes. Unset, the hot store is REDIS_URL. Django's cache and the
# Celery broker stay on REDIS_URL / CELERY_BROKER_URL either way (core.redis).
REDIS_CLUSTER_URL = envstr("REDIS_CLUSTER_URL", "")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Every key carries the current schema, so tenants never share an entry.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
        "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
    }
}

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", not DEBUG and PLATFORM_SCHEME == "https")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
# Believed only from TRUSTED_PROXIES (core.clientip.ProxyHeadersMiddleware drops it otherwise).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HSTS, sent by SecurityMiddleware on secure requests only (a year when served over https).
SECURE_HSTS_SECONDS = envint(
    "SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PLATFORM_SCHEME == "https" else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
X_FRAME_OPTIONS = "DENY"
# Paths whose answers are one signed-in person's private view: never cached (core.headers).
PRIVATE_PATH_PREFIXES = ["/dashboard/", "/api/v1/admin/", "/admin/"]
SECURE_CONTENT_TYPE_NOSNIFF = True
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/dashboard/login/"

LANGUAGE_CODE = "en"
# The dashboard's languages (embed/locale/, compiled by `make messages`): the widget's
# twelve (widget/src/locales/). Only LOCALIZED_PATHS follow the reader's Accept-Language.
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("it", "Italiano"),
    ("pt", "Português"),
    ("nl", "Nederlands"),
    ("pl", "Polski"),
    ("ja", "日本語"),
    ("zh-hans", "简体中文"),
    ("ar", "العربية"),
    ("he", "עברית"),
]
LOCALIZED_PATHS = ["/dashboard/"]
# First, so that our words win over Django's own catalogues ("Log in" is also the admin's).
LOCALE_PATHS = [BASE_DIR / "embed" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "platform" / "palaver" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # orjson with a depth limit and the input rules (core.parsers, core.text).
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_SCHEMA_CLASS": "core.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Palaver API",
    "DESCRIPTION": "Embeddable, multi-tenant comments.",
    "VERSION": "1.0.0",
    # 3.1: its schemas are JSON Schema, so a nullable object is `oneOf [ref, null]`, which
    # validators read as meant (3.0's `nullable` beside `allOf` is not).
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A vote is -1, 0 (withdrawn) or 1 in a request and in an answer: one enum, one name.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.openapi.add_event_stream",
    ],
    "ENUM_NAME_OVERRIDES": {
        "VoteValueEnum": [(-1, -1), (0, 0), (1, 1)],
        "CommentStatusEnum": "embed.models.Comment.Status",
        "ImportStatusEnum": "embed.models.Import.Status",
        "OidcProviderKindEnum": "embed.models.OidcProvider.Kind",
    },
}

# CORS is decided per tenant by a signal handler (see embed.cors); nothing is allowed globally.
CORS_ALLOWED_ORIGINS: list[str] = []
CORS_URLS_REGEX = r"^/api/v1/(?!admin/).*$"
CORS_ALLOW_CREDENTIALS = False

CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", REDIS_URL.replace("unix://", "redis+socket://"))
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", EMBEDDED_SERVICES)
CELERY_TASK_SERIALIZER = "json"
# The queue tasks go to (and a worker started with `-Q` takes them from).
CELERY_TASK_DEFAULT_QUEUE = envstr("CELERY_TASK_DEFAULT_QUEUE", "celery")
# A task whose worker dies is run again (tasks are idempotent, see embed.background).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A write queues its tasks after COMMIT; with the broker down it gives up quickly rather than
# holding the reader's request (the write stands either way).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5
}  # fmt: skip
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Production runs Celery on RabbitMQ (docs/scaling.md): quorum queues, replicated and durable,
# with publisher confirms; Celery delays retries with RabbitMQ's native delayed delivery
# there. The embedded demo keeps the Redis broker.
if CELERY_BROKER_URL.split("://")[0] in ("amqp", "amqps", "pyamqp"):
    CELERY_TASK_DEFAULT_QUEUE_TYPE = "quorum"
    CELERY_TASK_CREATE_MISSING_QUEUE_TYPE = "quorum"
    CELERY_BROKER_TRANSPORT_OPTIONS = {"confirm_publish": True}
# A task runs in its site's schema on every database alias (the replica too).
CELERY_TASK_TENANT_DATABASES = tuple(DATABASES)
# Periodic jobs: each entry runs in every active site's schema unless it names its schemas.
CELERY_BEAT_SCHEDULER = "palaver.beat:ActiveSitesScheduler"
CELERY_BEAT_SCHEDULE = {
    "webhook retries": {
        "task": "embed.webhooks_due", "schedule": 5.0, "tenant_schemas": ["public"]
    },
    "webhook retries restored": {"task": "embed.webhooks_restore", "schedule": 3600.0},
    "hourly alert digests": {
        "task": "embed.alert_digests", "schedule": 3600.0, "kwargs": {"mode": "hourly"}
    },
    "daily alert digests": {
        "task": "embed.alert_digests", "schedule": 86400.0, "kwargs": {"mode": "daily"}
    },
    "IP retention": {"task": "embed.ip_purge", "schedule": 86400.0},
    "custom domain checks": {
        "task": "tenants.domain_claims_check", "schedule": 600.0, "tenant_schemas": ["public"]
    },
}  # fmt: skip

# E-mail (reply notifications, confirmations, moderator alerts) through Django's backends:
# SMTP when EMAIL_HOST is set, else printed to the console. A provider's backend
# (django-anymail) can be named in EMAIL_BACKEND.
EMAIL_HOST = envstr("EMAIL_HOST")
EMAIL_BACKEND = envstr(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = envsecret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", f"{PLATFORM_NAME} <noreply@{PLATFORM_DOMAIN}>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Bounce and complaint reports (POST /api/v1/mail/events on the platform host) must carry
# this as a Bearer token; unset, the endpoint is off.
MAIL_EVENTS_TOKEN = envsecret("MAIL_EVENTS_TOKEN")
# Where the events process (the ASGI app holding live-update streams) listens when no proxy
# routes /api/v1/thread/events to it: the app answers those requests with a redirect to this
# port on the same host. `make demo` sets it; behind the shipped nginx leave it unset.
EVENTS_PORT = envint("EVENTS_PORT", 0)
# Webhook deliveries to loopback or private addresses are refused unless this is on.
WEBHOOKS_ALLOW_PRIVATE = envbool("WEBHOOKS_ALLOW_PRIVATE", False)
# Readers' sign-in providers (embed/oidc.py) at loopback or private addresses are refused
# unless this is on (an issuer inside the operator's own network; the tests' provider).
OIDC_ALLOW_PRIVATE = envbool("OIDC_ALLOW_PRIVATE", False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": sys.stderr}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
# Posts, votes and reports per IP and per reader: `off`, or e.g. ip=20/60,commenter=10/60.
# Both are checked here, so a bad rule stops the start-up (core.env.rates_parse).
PALAVER_RATE_LIMITS = envrates(
    "PALAVER_RATE_LIMITS", "ip=20/60,commenter=10/60", scopes=("ip", "commenter")
)
# Sign-ups per IP on the platform site (form and API): `off`, or e.g. ip=5/3600.
PALAVER_SIGNUP_LIMITS = envrates("PALAVER_SIGNUP_LIMITS", "ip=5/3600", scopes=("ip",))
# Failed log-ins (dashboard, platform admin) per account and per IP: `off`, or e.g. the default.
PALAVER_LOGIN_LIMITS = envrates(
    "PALAVER_LOGIN_LIMITS", "account=5/900,ip=20/900", scopes=("account", "ip")
)
# Sign-in links asked for (widget, by e-mail) per IP and per address: `off`, or e.g. the default.
# Past the address's limit the answer stays the same and no mail goes out (docs/api.md).
PALAVER_MAGIC_LIMITS = envrates(
    "PALAVER_MAGIC_LIMITS", "ip=10/3600,email=3/900", scopes=("ip", "email")
)
# Behind a proxy: the header it puts the client's address in (HTTP_X_REAL_IP from the shipped
# nginx, or HTTP_X_FORWARDED_FOR), believed only from TRUSTED_PROXIES (see core.clientip).
CLIENT_IP_HEADER = envstr("CLIENT_IP_HEADER", "REMOTE_ADDR")
if CLIENT_IP_HEADER != "REMOTE_ADDR" and not CLIENT_IP_HEADER.startswith("HTTP_"):
    raise ImproperlyConfigured(
        f"CLIENT_IP_HEADER must be REMOTE_ADDR or a request header in WSGI form such as "
        f"HTTP_X_REAL_IP (for X-Real-IP), got {CLIENT_IP_HEADER!r}"
    )
# The proxies whose CLIENT_IP_HEADER and X-Forwarded-Proto are believed: addresses or CIDR
# networks. Loopback by default, where the shipped nginx runs beside the app.
TRUSTED_PROXIES = envnetworks("TRUSTED_PROXIES", ["127.0.0.0/8", "::1"])
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
# Uploaded exports wait here for their import (a folder per site), and are deleted after it.
IMPORT_UPLOAD_DIR = Path(envstr("IMPORT_UPLOAD_DIR") or BASE_DIR / ".data" / "imports")
IMPORT_MAX_BYTES = envint("IMPORT_MAX_BYTES", 2 * 1024**3)
# Date: the widget reckons comment ages by the server's clock, not the reader's.
CORS_EXPOSE_HEADERS = ["Retry-After", "ETag", "Date"]
