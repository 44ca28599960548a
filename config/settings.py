"""Settings come from environment variables; the defaults work on a developer machine with
PostgreSQL on 127.0.0.1:5432 (trust auth) and Redis on 127.0.0.1:6379. Without them, `make run`
starts embedded servers and sets DATABASE_URL and REDIS_URL (config/local_servers.py)."""

import os
import warnings
from pathlib import Path

import dj_database_url

from config.local_servers import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL
from config.logging import logging_config
from config.metrics_dir import multiprocess_dir
from config.openapi_settings import SPECTACULAR_SETTINGS  # noqa: F401

BASE_DIR = Path(__file__).resolve().parent.parent

# Prometheus multiprocess mode (docs/metrics.md): the web, relay and worker processes write
# their metrics to files in this directory. Set before anything imports prometheus_client.
PROMETHEUS_MULTIPROC_DIR = multiprocess_dir()


def env_bool(name: str, default: bool) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Production unless told otherwise: a deployment that forgets DEBUG gets no debug pages, secure
# cookies and a refusal to start with the development key. Development turns it on explicitly
# (DEBUG=true: `make run`, the tests, docker-compose.yml). See "Production hardening" below.
DEBUG = env_bool("DEBUG", False)
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list(
    "CSRF_TRUSTED_ORIGINS", "http://localhost:8000,http://127.0.0.1:8000"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "drf_spectacular",  # the OpenAPI schema (config/openapi.py)
    "drf_spectacular_sidecar",  # Swagger UI's files, served from /static/
    "channels",
    "orders",
    "readmodels",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.security.content_security_policy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# DB_POOL=true gives each process a psycopg connection pool instead of persistent connections.
# The web process turns it on (config/asgi.py says why); the pool replaces CONN_MAX_AGE, which
# Django requires to be 0 with it. A request waits up to `timeout` seconds for a connection.
if env_bool("DB_POOL", False):
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DB_POOL_MIN_SIZE", "2")),
        "max_size": int(os.environ.get("DB_POOL_MAX_SIZE", "8")),
        "timeout": 10,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"  # filled by collectstatic for production
# Serve static files straight from their source folders too, so a checkout needs no
# collectstatic; production serves the collected, compressed copies.
WHITENOISE_USE_FINDERS = True
warnings.filterwarnings("ignore", message="No directory at")  # STATIC_ROOT before collectstatic
STATICFILES_DIRS = [BASE_DIR / "static"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "orders.api_errors.handle_api_exception",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [REDIS_URL],
            # A socket that stops reading gets at most `capacity` messages queued for it, and
            # none older than `expiry` seconds; the rest are dropped (docs/push-protocol.md).
            "capacity": int(os.environ.get("CHANNEL_LAYER_CAPACITY", "100")),
            "expiry": int(os.environ.get("CHANNEL_LAYER_EXPIRY_SECONDS", "60")),
            # Group members renew their membership every third of this (readmodels/push/sender.py),
            # so the channels of a web process that died leave every group within a minute
            # instead of a day, and stop costing every group_send a full, unread queue.
            "group_expiry": 60,
        },
    }
}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 4
# Celery's Django support closes every database connection before and after each task unless
# told to reuse them: a new PostgreSQL connection per task cost more than the projection
# itself (docs/benchmarks.md). Reused, a connection is recycled after this many tasks, and
# config/celery.py applies Django's own CONN_MAX_AGE and health checks before each task.
CELERY_DB_REUSE_MAX = 1000

# Idempotency keys are remembered this long (API.md: 24 hours).
IDEMPOTENCY_KEY_TTL_SECONDS = int(os.environ.get("IDEMPOTENCY_KEY_TTL_SECONDS", str(24 * 3600)))
# A key still "in progress" after this long belongs to a request that died; it may be retried.
IDEMPOTENCY_ABANDONED_AFTER_SECONDS = 60

# Logs: one JSON object per line on stderr, for every process (see config/logging.py);
# LOG_FORMAT=plain for a human-readable line.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
LOGGING = logging_config(level=LOG_LEVEL, log_format=LOG_FORMAT)
# Celery workers and beat keep the root handler above instead of installing their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Outbox relay: rows per claim, and how long a sent row may stay unfinished before it is
# considered lost (broker flushed, worker killed) and sent again.
OUTBOX_RELAY_BATCH_SIZE = int(os.environ.get("OUTBOX_RELAY_BATCH_SIZE", "500"))
OUTBOX_REDELIVERY_SECONDS = float(os.environ.get("OUTBOX_REDELIVERY_SECONDS", "15"))
# While commits keep coming, the relay claims at most once per this many milliseconds, so
# they share claims and tasks; after a quiet spell it claims at once (readmodels/pipeline/relay.py).
OUTBOX_RELAY_LINGER_MS = float(os.environ.get("OUTBOX_RELAY_LINGER_MS", "50"))
# A projector task also applies up to this many relayed rows queued behind it (0: only its
# own), so that a busy worker's batches grow with its backlog (readmodels/pipeline/projector.py).
PROJECTOR_QUEUED_WORK_LIMIT = int(os.environ.get("PROJECTOR_QUEUED_WORK_LIMIT", "500"))
# Done outbox rows are kept this long, then deleted by a periodic job.
OUTBOX_RETENTION_HOURS = float(os.environ.get("OUTBOX_RETENTION_HOURS", "24"))

CELERY_BEAT_SCHEDULE = {
    "record-lag": {
        "task": "readmodels.record_lag",
        "schedule": float(os.environ.get("LAG_SAMPLE_SECONDS", "2")),
        "options": {"queue": "celery", "expires": 10},
    },
    "delete-old-pipeline-rows": {
        "task": "readmodels.delete_old_pipeline_rows",
        "schedule": 600.0,
        "options": {"queue": "celery"},
    },
}

# Synchronisation strategy per read model: "outbox" (default), "inline" or "cdc", given as
# READ_MODEL_STRATEGIES="order_summaries=inline,order_search=cdc" (docs/sync-strategies.md).
# Switching a read model's strategy is a config change followed by a rebuild of it.
READ_MODEL_STRATEGIES = {
    name.strip(): strategy.strip()
    for name, _, strategy in (item.partition("=") for item in env_list("READ_MODEL_STRATEGIES", ""))
}
# Where the read tables live when not in DATABASE_URL. The inline strategy needs them in the
# same database as the write tables, and the app refuses to start otherwise.
# With it, readmodels/read_database.py's router sends the read tables (ORM queries and
# migrations: `migrate --database read`) there; the outbox and its bookkeeping stay here.
if os.environ.get("READ_DATABASE_URL"):
    DATABASES["read"] = dj_database_url.parse(
        os.environ["READ_DATABASE_URL"],
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    if "pool" in DATABASES["default"].get("OPTIONS", {}):
        DATABASES["read"].setdefault("OPTIONS", {})["pool"] = dict(
            DATABASES["default"]["OPTIONS"]["pool"]
        )
DATABASE_ROUTERS = ["readmodels.read_database.ReadTablesRouter"]
# CDC consumer: how often to poll the slot when idle, and to send a heartbeat through it so
# that the slot does not hold WAL back while the order tables are quiet.
CDC_POLL_SECONDS = float(os.environ.get("CDC_POLL_SECONDS", "0.1"))
CDC_HEARTBEAT_SECONDS = float(os.environ.get("CDC_HEARTBEAT_SECONDS", "10"))

# ---- health and metrics (config/health.py, docs/metrics.md) ---------------------------------
# Every projector queue carries a heartbeat task every HEARTBEAT_SECONDS; the worker taking it
# records the time in Redis. GET /healthz fails when one is older than the stale limit.
HEARTBEAT_SECONDS = float(os.environ.get("HEARTBEAT_SECONDS", "5"))
HEALTH_WORKER_STALE_SECONDS = float(os.environ.get("HEALTH_WORKER_STALE_SECONDS", "30"))
# /healthz and /metrics are open to anyone: each process reuses an answer this long, so that a
# flood of requests is not a flood of database and Redis work (config/cached_answer.py).
HEALTH_CACHE_SECONDS = float(os.environ.get("HEALTH_CACHE_SECONDS", "2"))
METRICS_CACHE_SECONDS = float(os.environ.get("METRICS_CACHE_SECONDS", "5"))
# When set, GET /metrics needs `Authorization: Bearer <this>` (Prometheus: `authorization`).
METRICS_BEARER_TOKEN = os.environ.get("METRICS_BEARER_TOKEN", "")
CELERY_BEAT_SCHEDULE.update(
    {
        f"heartbeat-{queue}": {
            "task": "readmodels.heartbeat",
            "schedule": HEARTBEAT_SECONDS,
            "args": [queue],
            "options": {"queue": queue, "expires": HEARTBEAT_SECONDS * 2},
        }
        for queue in ("order_summaries", "order_details", "order_search", "order_analytics")
    }
)

# ---- production hardening (README: Configuration → Production) -----------------------------
# DEBUG=false switches production on: the development SECRET_KEY is refused, cookies are
# HTTPS-only, plain HTTP is redirected to HTTPS and HSTS is sent. `manage.py check --deploy`
# then passes without warnings (tests/hardening/test_production_settings.py).
PRODUCTION = not DEBUG
if PRODUCTION and SECRET_KEY == DEV_SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "DEBUG is false (production) but SECRET_KEY is the development key: set SECRET_KEY "
        "to a long random value, e.g. python -c 'import secrets; print(secrets.token_urlsafe(50))'"
    )
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]  # probes and scrapes inside the network
# Behind a TLS proxy that uvicorn does not trust (--forwarded-allow-ips), name the header in
# which the proxy says the client used HTTPS, e.g. SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto.
# Only if the proxy always sets it: a client could send it too.
if os.environ.get("SECURE_PROXY_SSL_HEADER"):
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + os.environ["SECURE_PROXY_SSL_HEADER"].strip().upper().replace("-", "_"),
        "https",
    )
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if PRODUCTION else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (config/security.py), in development too. connect-src also gets
# the host's ws:// or wss:// origin per request, for the push socket in browsers where 'self'
# does not cover WebSockets yet (before CSP Level 3); CSP_WEBSOCKET_SOURCE=false leaves it out.
CSP_WEBSOCKET_SOURCE = env_bool("CSP_WEBSOCKET_SOURCE", True)
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
}
# Sources added for the paths under a prefix only, e.g. {"/some/page/": {"script-src": [...]}}.
# None needed: the API docs (Swagger UI) are self-hosted and load their start-up script as a
# file (config/api_docs.py), and the admin uses no inline script or style.
CONTENT_SECURITY_POLICY_EXCEPTIONS: dict[str, dict[str, list[str]]] = {}

# Django's cache is Redis, shared by every web process: throttling counts live there.
# Never call cache.clear(): it would empty the whole Redis database (Celery's queues too).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "orders-cache"),
    }
}
# Commands per user (orders/throttling.py): DRF rate syntax, e.g. "30/second", "600/minute".
COMMAND_RATE_LIMIT = os.environ.get("COMMAND_RATE_LIMIT", "30/second")
# Queries per user (readmodels/queries/throttling.py), likewise: a browser needs a few a second.
QUERY_RATE_LIMIT = os.environ.get("QUERY_RATE_LIMIT", "20/second")
# Failed logins (config/login_throttle.py): per username and per client address, per window.
LOGIN_FAILURES_PER_USERNAME = int(os.environ.get("LOGIN_FAILURES_PER_USERNAME", "5"))
LOGIN_FAILURES_PER_IP = int(os.environ.get("LOGIN_FAILURES_PER_IP", "20"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900"))

# Request bodies (config/body_limit.py, in front of Django): larger ones get 413.
REQUEST_BODY_MAX_BYTES = int(os.environ.get("REQUEST_BODY_MAX_BYTES", str(64 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = REQUEST_BODY_MAX_BYTES

# Read-your-writes waits per user at once, per web process (readmodels/queries/wait_slots.py);
# past it a query answers at once, unwaited, its metadata saying whether the token was reached.
READ_YOUR_WRITES_MAX_WAITS_PER_USER = int(
    os.environ.get("READ_YOUR_WRITES_MAX_WAITS_PER_USER", "4")
)

# Push sockets (readmodels/push/consumer.py, docs/push-protocol.md "Limits").
WS_MAX_CONNECTIONS_PER_USER = int(os.environ.get("WS_MAX_CONNECTIONS_PER_USER", "5"))
WS_IDLE_TIMEOUT_SECONDS = float(os.environ.get("WS_IDLE_TIMEOUT_SECONDS", "300"))
WS_MAX_INBOUND_BYTES = int(os.environ.get("WS_MAX_INBOUND_BYTES", "1024"))
WS_CONNECTION_LEASE_SECONDS = 60.0  # a crashed process's sockets free their slots after this
# A push socket re-checks that its session still logs its user in, with the same role, this
# often (readmodels/push/session_end.py); logout and role changes close it at once anyway.
WS_SESSION_CHECK_SECONDS = float(os.environ.get("WS_SESSION_CHECK_SECONDS", "60"))
# Push streams (docs/push-resumption.md): messages are kept this long for clients that resume;
# a client further behind than PUSH_REPLAY_LIMIT messages is told to refetch instead. An open
# socket asks the database every PUSH_CHECK_SECONDS whether its stream moved past what it
# sent (a push lost in Redis, or Redis flushed), and sends what it missed.
PUSH_LOG_RETENTION_SECONDS = float(os.environ.get("PUSH_LOG_RETENTION_SECONDS", "3600"))
PUSH_REPLAY_LIMIT = int(os.environ.get("PUSH_REPLAY_LIMIT", "1000"))
PUSH_CHECK_SECONDS = float(os.environ.get("PUSH_CHECK_SECONDS", "5"))
# Test hook: drop one in N pushes to browsers on their way to Redis (0: drop none).
PUSH_TEST_DROP_ONE_IN = int(os.environ.get("PUSH_TEST_DROP_ONE_IN", "0"))
