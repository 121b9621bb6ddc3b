"""Django settings for kubemcp, read from the environment with an embedded default (12-factor).

With no environment at all the server runs on SQLite, a local-memory cache and the in-memory
channel layer: one process on a laptop. `DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and
Redis for a team deployment with several workers. Every variable is documented in README.md.
"""

from __future__ import annotations

import os
import sys
from importlib import metadata
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from k8stools.config import KNOWN_OPERATIONS
from k8stools.names import is_namespace_name
from mcpsite.env import (
    env_bool,
    env_choice,
    env_float,
    env_int,
    env_list,
    env_log_level,
    env_secret,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("DATA_DIR", str(BASE_DIR / "var")))

# --- Core Django ------------------------------------------------------------------------------

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY is required when DEBUG is off (set SECRET_KEY or SECRET_KEY_FILE)")
    # Local development only: `check --deploy` flags this key, and DEBUG=false refuses to start without one.
    SECRET_KEY = "django-insecure-kubemcp-local-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
# Origins allowed to call /mcp and the OAuth endpoints from a browser (CORS, DNS-rebinding checks).
ALLOWED_ORIGINS = env_list("ALLOWED_ORIGINS", [])
CSRF_TRUSTED_ORIGINS = [origin for origin in ALLOWED_ORIGINS if origin.startswith(("http://", "https://"))]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "k8stools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the admin's static files from the same process: daphne serves no files itself.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mcpsite.urls"
ASGI_APPLICATION = "mcpsite.asgi.application"

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

# --- Database, cache, channel layer ----------------------------------------------------------

DEFAULT_DATABASE_URL = f"sqlite:///{DATA_DIR / 'kubemcp.sqlite3'}"
DATABASE_URL = env_url(
    "DATABASE_URL",
    DEFAULT_DATABASE_URL,
    schemes=("sqlite", "postgres", "postgresql", "pgsql"),
    hostless=("sqlite", "postgres", "postgresql"),
)
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))}
except ValueError as error:
    raise ImproperlyConfigured(f"Unexpected value DATABASE_URL={DATABASE_URL!r}: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A laptop server writes from several threads: WAL lets readers run beside the writer, IMMEDIATE
    # transactions take the write lock up front (no upgrade deadlock), and a writer waits its turn.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    if DATABASES["default"]["NAME"] not in ("", ":memory:"):
        Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Integration tests start real servers in other processes that must share the test database,
    # so it is a file (one per test run: runs side by side must not share it), not in memory.
    _test_db = DATA_DIR / "test-databases" / f"test-{os.getpid()}.sqlite3"
    _test_db.parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(_test_db)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", "", schemes=("redis", "rediss", "unix"), hostless=("unix",))
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
    CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}},
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "kubemcp"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Auth, i18n, static files ----------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Find files in the apps as well as in STATIC_ROOT, so the admin works before (or without) collectstatic.
WHITENOISE_USE_FINDERS = True

# --- Production hardening (DEBUG off) ----------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Behind a TLS-terminating proxy the scheme comes from this header; only trusted proxies set it.
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
ENABLE_HSTS = env_bool("ENABLE_HSTS", False)
SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31536000 if ENABLE_HSTS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = ENABLE_HSTS
SECURE_HSTS_PRELOAD = ENABLE_HSTS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if not DEBUG:
    # The probes, and a loopback client behind TLS termination, must reach these over plain HTTP.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^mcp$", r"^metrics$"]

# --- Logging ---------------------------------------------------------------------------------

LOG_LEVEL = env_log_level("LOG_LEVEL", "INFO")
LOG_FORMAT = env_choice("LOG_FORMAT", "text", ("text", "json"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"()": "k8stools.log.TextFormatter"},
        "json": {"()": "k8stools.log.JsonFormatter"},
    },
    # stderr only: on the stdio transport, stdout belongs to the MCP protocol.
    "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": sys.stderr, "formatter": LOG_FORMAT}},
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        # The SDK logs every request at INFO; our audit trail already records each tool call.
        "mcp": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
    },
}

# --- kubemcp: the server and the cluster -----------------------------------------------------

try:
    _VERSION = metadata.version("kubemcp")
except metadata.PackageNotFoundError:
    _VERSION = "0.1.0"

SERVER_NAME = env_str("SERVER_NAME", "kubemcp")
SERVER_VERSION = env_str("SERVER_VERSION", _VERSION)
KUBECONFIG = env_str("KUBECONFIG", "")
KUBE_CONTEXT = env_str("KUBE_CONTEXT", "")
IN_CLUSTER = env_bool("IN_CLUSTER", False)
DEFAULT_NAMESPACE = env_str("DEFAULT_NAMESPACE", "default")
# Kubernetes client rate: upstream's 20/30, not client-go's 5/10 that slows every agent to a crawl.
QPS_LIMIT = env_float("QPS_LIMIT", 20.0, minimum=0.1)
BURST_LIMIT = env_int("BURST_LIMIT", 30, minimum=1)

# Policy defaults; staff can override them in the admin and every worker follows within seconds.
NON_DESTRUCTIVE = env_bool("NON_DESTRUCTIVE", True)
DRY_RUN = env_bool("DRY_RUN", False)
ALLOWED_OPERATIONS = env_list("ALLOWED_OPERATIONS", [])
if unknown := sorted(set(ALLOWED_OPERATIONS) - KNOWN_OPERATIONS):
    raise ImproperlyConfigured(
        f"Unexpected value ALLOWED_OPERATIONS: unknown operation(s) {', '.join(unknown)}; "
        f"use any of: {', '.join(sorted(KNOWN_OPERATIONS))}"
    )
RESTRICTED_NAMESPACES = env_list("RESTRICTED_NAMESPACES", [])
if invalid := [name for name in RESTRICTED_NAMESPACES if not is_namespace_name(name)]:
    raise ImproperlyConfigured(
        f"Unexpected value RESTRICTED_NAMESPACES: {', '.join(invalid)} is not a valid namespace name"
    )
POLICY_REFRESH_SECONDS = env_float("POLICY_REFRESH_SECONDS", 2.0, minimum=0.0, maximum=60.0)

# --- kubemcp: the MCP endpoint ---------------------------------------------------------------

# Stateless by default so any worker answers any request; stateful sessions suit one worker only.
MCP_STATEFUL = env_bool("MCP_STATEFUL", False)
MCP_JSON_RESPONSE = env_bool("MCP_JSON_RESPONSE", False)
# Seals multi-round-trip request state so that another worker can open it (shared by all workers).
MCP_REQUEST_STATE_KEY = env_secret("MCP_REQUEST_STATE_KEY")
TOOL_TIMEOUT_SECONDS = env_float("TOOL_TIMEOUT_SECONDS", 30.0, minimum=0.1, maximum=3600.0)
MAX_RESPONSE_BYTES = env_int("MAX_RESPONSE_BYTES", 128 * 1024, minimum=1024)
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 4 * 1024 * 1024, minimum=1024)
# /readyz also asks the Kubernetes API server; turn off where the API may be down without the pod being unready.
READY_REQUIRES_KUBERNETES = env_bool("READY_REQUIRES_KUBERNETES", True)

TEST_RUNNER = "mcpsite.testrunner.Runner"
