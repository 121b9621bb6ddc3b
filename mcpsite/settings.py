"""Django settings for kubemcp, read from the environment with an embedded default (12-factor).

With no environment at all the server runs on SQLite, a local-memory cache and the in-memory
channel layer: one process on a laptop. `DATABASE_URL` and `REDIS_URL` switch to PostgreSQL and
Redis for a team deployment with several workers. Every variable is documented in README.md.
"""

from __future__ import annotations

import ipaddress
import os
import re
import sys
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import global_settings
from django.core.exceptions import ImproperlyConfigured

from k8stools.config import CONFIRM_MODES, KNOWN_OPERATIONS
from k8stools.identity import DOWNSTREAM_AUTH_MODES
from k8stools.names import is_namespace_name
from mcpsite.datadir import data_dir
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
from mcpsite.secret_key import stored_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = data_dir(BASE_DIR)
# `kubemcp demo` (and `manage.py serve --demo`) keep their own database, so trying the demo leaves no policy edit,
# audit record or user behind in real use; set by those entry points, not by operators.
DEMO = env_bool("KUBEMCP_DEMO", False)

# --- Core Django ------------------------------------------------------------------------------

# DEBUG is off unless asked for: an installed server (the kubemcp command, the container image, daphne on
# mcpsite.asgi) runs in production mode. Only a checkout's manage.py asks for development mode (it sets DEBUG=true
# when DEBUG is not set). Error pages never show settings, even in development (mcpsite.errors).
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_secret("SECRET_KEY")
if not SECRET_KEY:
    if DEBUG:
        # Development only: `check --deploy` flags this key.
        SECRET_KEY = "django-insecure-kubemcp-local-development-key-do-not-use-in-production"
    else:
        SECRET_KEY = stored_secret_key(DATA_DIR / "secret_key")
DEFAULT_EXCEPTION_REPORTER_FILTER = "mcpsite.errors.NoSettingsReporterFilter"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
# Origins allowed to call /mcp and the OAuth endpoints from a browser (CORS, DNS-rebinding checks).
ALLOWED_ORIGINS = env_list("ALLOWED_ORIGINS", [])
CSRF_TRUSTED_ORIGINS = [origin for origin in ALLOWED_ORIGINS if origin.startswith(("http://", "https://"))]

# No "daphne" app: it only swaps in its own `runserver`, and importing it on every `django.setup()` loads Twisted
# (~0.2 s of CPU) into processes that never serve HTTP (stdio, `migrate`, tests); `serve` imports daphne itself.
INSTALLED_APPS = [
    "mcpsite.apps.KubeMCPAdminConfig",  # django.contrib.admin with our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "k8stools",
    "oauth2_provider",
    "mozilla_django_oidc",
    "oauthgw",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Serves the admin's static files from the same process: daphne serves no files itself.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before the admin's login view: refuses a sign-in while its account or address has too many failures.
    "mcpsite.login_throttle.AdminLoginThrottleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "mcpsite.urls"
ASGI_APPLICATION = "mcpsite.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The admin's overrides live in the mcpsite package (not an app), so they ship in the wheel and win over
        # django.contrib.admin's own templates; the apps' templates are found in each app.
        "DIRS": [Path(__file__).resolve().parent / "templates"],
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
if DEMO:
    DATABASE_URL = f"sqlite:///{DATA_DIR / 'demo.sqlite3'}"
DB_CONN_MAX_AGE = env_int("DB_CONN_MAX_AGE", 0, minimum=0)
DB_POOL_MAX_SIZE = env_int("DB_POOL_MAX_SIZE", 10, minimum=0)
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=DB_CONN_MAX_AGE)}
except ValueError as error:
    raise ImproperlyConfigured(f"Unexpected value DATABASE_URL={DATABASE_URL!r}: {error}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DB_POOL_MAX_SIZE:
    # Under ASGI each request and each tool thread would open a PostgreSQL connection of its own (a backend
    # process started and ended per call); a pool per worker keeps a few open, and bounds them.
    if DB_CONN_MAX_AGE:
        raise ImproperlyConfigured("DB_CONN_MAX_AGE applies without the connection pool: set DB_POOL_MAX_SIZE=0 too")
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": 10,
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A laptop server writes from several threads: WAL lets readers run beside the writer, IMMEDIATE
    # transactions take the write lock up front (no upgrade deadlock), and a writer waits its turn.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Integration tests start real servers in other processes that must share the test database,
    # so it is a file (one per test run: runs side by side must not share it), not in memory. The test
    # runner creates its folder.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-databases" / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_url("REDIS_URL", "", schemes=("redis", "rediss", "unix"), hostless=("unix",))
if DEMO:
    REDIS_URL = ""  # the demo is one process: nothing of it goes into the cache that real use shares
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"pool_class": "mcpsite.redis_pool.SharedConnectionPool"},
        }
    }
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
# In the data directory, never inside site-packages; the container image sets its own.
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(DATA_DIR / "staticfiles")))
# Find files in the apps as well as in STATIC_ROOT, so the admin works before (or without) collectstatic...
WHITENOISE_USE_FINDERS = True
# ...which is why a STATIC_ROOT not collected yet is normal, not worth a warning at every start.
warnings.filterwarnings("ignore", message="No directory at: ")

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
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "text": {"()": "k8stools.log.TextFormatter"},
        "json": {"()": "k8stools.log.JsonFormatter"},
    },
    "filters": {
        "request_id": {"()": "k8stools.log.RequestIdFilter"},
        "request_without_query": {"()": "mcpsite.logfilters.RequestWithoutQuery"},
        "client_error_without_traceback": {"()": "mcpsite.logfilters.ClientErrorWithoutTraceback"},
    },
    # stderr only: on the stdio transport, stdout belongs to the MCP protocol.
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "stream": sys.stderr,
            "formatter": LOG_FORMAT,
            "filters": ["request_id", "request_without_query", "client_error_without_traceback"],
        }
    },
    "root": {"handlers": ["stderr"], "level": LOG_LEVEL},
    "loggers": {
        # Declared to drop Django's own debug console handler: with it, each 404 was logged twice.
        "django": {"level": "INFO"},
        "django.server": {"level": "WARNING"},
        # Where it listens is announced by `serve` itself; its HTTP/2 notice is of no use to an MCP server.
        "daphne.server": {"level": "WARNING"},
        # The SDK logs every request at INFO; our audit trail already records each tool call.
        "mcp": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpx2": {"level": "WARNING"},
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
# The whole server reads only: applied after the admin's policy overrides, so staff cannot turn writes back on.
READ_ONLY = env_bool("READ_ONLY", False)
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

# --- kubemcp: the MCP endpoint ---------------------------------------------------------------

# Stateless by default so any worker answers any request; stateful sessions suit one worker only.
MCP_STATEFUL = env_bool("MCP_STATEFUL", False)
# Stateful mode only. An open session holds about 40 kB of a worker's memory (bench/session_memory.py: 39 kB
# resident, 37 kB of Python heap; issue #18 measured 42 kB), so 1000 sessions are about 40 MB: well inside the
# manifests' 384 MiB limit, where the SDK's default of 10000 (400 MB) is not. Past the limit a new session is
# refused with 503 until one closes or idles out.
MCP_MAX_SESSIONS = env_int("MCP_MAX_SESSIONS", 1000, minimum=1)
MCP_SESSION_IDLE_SECONDS = env_float("MCP_SESSION_IDLE_SECONDS", 1800.0, minimum=1.0, maximum=7 * 24 * 3600.0)
# Answer every POST with one JSON body: no progress, warnings or questions to the client during a call.
MCP_JSON_RESPONSE = env_bool("MCP_JSON_RESPONSE", False)
# Otherwise a 2025-11-25 answer that is ready within this many seconds, with nothing else to send during the call,
# still goes as one JSON body; past it (or at the first progress note or question) the SSE stream starts. 0 streams
# every answer. See mcpsite.mcp_http.PromptAnswersAsJson.
MCP_SSE_AFTER_SECONDS = env_float("MCP_SSE_AFTER_SECONDS", 1.0, minimum=0.0, maximum=60.0)
# Seals multi-round-trip request state so that another worker can open it (shared by all workers).
MCP_REQUEST_STATE_KEY = env_secret("MCP_REQUEST_STATE_KEY")
if MCP_REQUEST_STATE_KEY and len(MCP_REQUEST_STATE_KEY.encode()) < 32:
    # The SDK refuses a shorter key; say so here, naming the variable, rather than fail importing the server.
    raise ImproperlyConfigured(
        "Unexpected value MCP_REQUEST_STATE_KEY: it must be at least 32 bytes of secret randomness "
        "(openssl rand -base64 48)"
    )
TOOL_TIMEOUT_SECONDS = env_float("TOOL_TIMEOUT_SECONDS", 30.0, minimum=0.1, maximum=3600.0)
# On SIGTERM a worker stops accepting requests and lets the tool calls in flight finish for this long.
SHUTDOWN_GRACE_SECONDS = env_float("SHUTDOWN_GRACE_SECONDS", TOOL_TIMEOUT_SECONDS + 2.0, minimum=0.0, maximum=3600.0)
MAX_RESPONSE_BYTES = env_int("MAX_RESPONSE_BYTES", 128 * 1024, minimum=1024)
MAX_REQUEST_BODY_BYTES = env_int("MAX_REQUEST_BODY_BYTES", 4 * 1024 * 1024, minimum=1024)
# /readyz also asks the Kubernetes API server; turn off where the API may be down without the pod being unready.
READY_REQUIRES_KUBERNETES = env_bool("READY_REQUIRES_KUBERNETES", True)

TEST_RUNNER = "mcpsite.testrunner.Runner"

# --- OAuth gateway ---------------------------------------------------------------------------
# Off by default: /mcp stays open. On, /mcp needs a bearer token issued by this server after an
# upstream login (Dex or Google); see oauthgw/ and `manage.py check` for what is required.

OAUTH_ENABLED = env_bool("OAUTH_ENABLED", False)
# The public URL of this server (issuer); /mcp's audience is OAUTH_BASE_URL + "/mcp".
OAUTH_BASE_URL = env_url("OAUTH_BASE_URL", "").rstrip("/")
OAUTH_PROVIDER = env_choice("OAUTH_PROVIDER", "dex", ("dex", "google"))
DEX_ISSUER_URL = env_url("DEX_ISSUER_URL", "").rstrip("/")
DEX_CLIENT_ID = env_str("DEX_CLIENT_ID", "")
DEX_CLIENT_SECRET = env_secret("DEX_CLIENT_SECRET")
DEX_CONNECTOR_ID = env_str("DEX_CONNECTOR_ID", "")
DEX_CA_FILE = env_str("DEX_CA_FILE", "")
# Dex cross-client audience, so the ID token is accepted by the API server's own OIDC client id.
DEX_K8S_AUTHENTICATOR_CLIENT_ID = env_str("DEX_K8S_AUTHENTICATOR_CLIENT_ID", "")
GOOGLE_CLIENT_ID = env_str("GOOGLE_CLIENT_ID", "")
GOOGLE_CLIENT_SECRET = env_secret("GOOGLE_CLIENT_SECRET")
# An http:// or private-address upstream issuer is refused unless this is set (tests, labs).
ALLOW_PRIVATE_OAUTH_URLS = env_bool("ALLOW_PRIVATE_OAUTH_URLS", False)
# AES-256-GCM key for upstream tokens at rest: base64 of 32 bytes; old keys (comma-separated) still decrypt.
OAUTH_ENCRYPTION_KEY = env_secret("OAUTH_ENCRYPTION_KEY")
OAUTH_ENCRYPTION_KEYS_OLD = [key for key in env_secret("OAUTH_ENCRYPTION_KEYS_OLD").split(",") if key.strip()]
REGISTRATION_TOKEN = env_secret("REGISTRATION_TOKEN")
ALLOW_PUBLIC_REGISTRATION = env_bool("ALLOW_PUBLIC_REGISTRATION", False)
ALLOW_INSECURE_AUTH_WITHOUT_STATE = env_bool("ALLOW_INSECURE_AUTH_WITHOUT_STATE", False)
ENABLE_CIMD = env_bool("ENABLE_CIMD", True)
MAX_CLIENTS_PER_IP = env_int("MAX_CLIENTS_PER_IP", 10, minimum=1)
MAX_REGISTRATIONS_PER_HOUR = env_int("MAX_REGISTRATIONS_PER_HOUR", MAX_CLIENTS_PER_IP, minimum=1)
# Registrations refused for a missing or wrong registration token, per address; counted apart from the above.
MAX_REFUSED_REGISTRATIONS_PER_HOUR = env_int("MAX_REFUSED_REGISTRATIONS_PER_HOUR", 30, minimum=1)
# Custom URL schemes a client may register as redirect URIs (cursor, vscode...), besides https and loopback http.
TRUSTED_REDIRECT_SCHEMES = [scheme.lower() for scheme in env_list("TRUSTED_REDIRECT_SCHEMES", [])]
ALLOW_PRIVATE_IP_REDIRECT_URIS = env_bool("ALLOW_PRIVATE_IP_REDIRECT_URIS", False)
OAUTH_ACCESS_TOKEN_SECONDS = env_int("OAUTH_ACCESS_TOKEN_SECONDS", 3600, minimum=60)
OAUTH_REFRESH_TOKEN_SECONDS = env_int("OAUTH_REFRESH_TOKEN_SECONDS", 90 * 24 * 3600, minimum=3600)
# How long /mcp trusts a verified access token without asking the database (a revoke also clears it).
OAUTH_TOKEN_CACHE_SECONDS = env_float("OAUTH_TOKEN_CACHE_SECONDS", 2.0, minimum=0.0, maximum=5.0)
# Upstream tokens are refreshed this long before the ID token expires.
OAUTH_UPSTREAM_REFRESH_MARGIN_SECONDS = env_int("OAUTH_UPSTREAM_REFRESH_MARGIN_SECONDS", 300, minimum=0)
# django-ratelimit rates (fixed windows shared through the cache). Upstream's token bucket "10/s, burst 20"
# becomes "20/2s": a burst of 20 is allowed and the average stays at 10 per second. "off" disables a limit.
RATE_LIMIT_PER_IP = env_str("RATE_LIMIT_PER_IP", "20/2s")
RATE_LIMIT_PER_USER = env_str("RATE_LIMIT_PER_USER", "200/2s")
# Failed admin sign-ins (mcpsite.login_throttle), per account and per client address; then 429 until the
# window ends. Counted in the cache, so with Redis the budget is shared by every worker.
ADMIN_LOGIN_FAILURES_PER_ACCOUNT = env_str("ADMIN_LOGIN_FAILURES_PER_ACCOUNT", "5/15m")
ADMIN_LOGIN_FAILURES_PER_IP = env_str("ADMIN_LOGIN_FAILURES_PER_IP", "20/15m")
for _name in ("ADMIN_LOGIN_FAILURES_PER_ACCOUNT", "ADMIN_LOGIN_FAILURES_PER_IP"):
    if not re.match(r"^[1-9][0-9]*/[0-9]*[smhd]$", globals()[_name]):
        raise ImproperlyConfigured(f"Unexpected value {_name}={globals()[_name]!r}, use count/period such as 5/15m")
# Addresses or networks of reverse proxies whose X-Forwarded-For is believed; empty: the peer address counts.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
# How each tool call reaches Kubernetes for an OAuth user: off (the server's own credentials), passthrough (the
# user's upstream ID token as bearer) or impersonate (the server's credentials with Impersonate-* headers naming the
# user). DOWNSTREAM_OAUTH=true is the older spelling of passthrough.
DOWNSTREAM_AUTH = env_choice(
    "DOWNSTREAM_AUTH", "passthrough" if env_bool("DOWNSTREAM_OAUTH", False) else "off", DOWNSTREAM_AUTH_MODES
)
if env_bool("DOWNSTREAM_OAUTH", False) and DOWNSTREAM_AUTH != "passthrough":
    raise ImproperlyConfigured(
        f"DOWNSTREAM_OAUTH=true means DOWNSTREAM_AUTH=passthrough, not {DOWNSTREAM_AUTH}; unset DOWNSTREAM_OAUTH"
    )
DOWNSTREAM_OAUTH = DOWNSTREAM_AUTH == "passthrough"
# A person's yes before a destructive change: off, ask (when the client can be asked) or required (refused when not).
CONFIRM_DESTRUCTIVE = env_choice("CONFIRM_DESTRUCTIVE", "ask", CONFIRM_MODES)
# How long the person has to answer; no answer in time is a no.
CONFIRM_TIMEOUT_SECONDS = env_float("CONFIRM_TIMEOUT_SECONDS", 300.0, minimum=1.0, maximum=3600.0)
# Impersonation: the ID token claims that name the user and their groups, and a prefix for the group names.
IMPERSONATE_USER_CLAIM = env_str("IMPERSONATE_USER_CLAIM", "email")
IMPERSONATE_GROUPS_CLAIM = env_str("IMPERSONATE_GROUPS_CLAIM", "groups")
IMPERSONATE_GROUPS_PREFIX = env_str("IMPERSONATE_GROUPS_PREFIX", "")

# DOT's models are swappable; naming the default lets other apps' migrations depend on it.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
# Django's own hashers for people's passwords, then the fast one for server-generated client secrets.
PASSWORD_HASHERS = [*global_settings.PASSWORD_HASHERS, "oauthgw.hashers.ClientSecretHasher"]

OAUTH2_PROVIDER = {
    "OAUTH2_VALIDATOR_CLASS": "oauthgw.validator.GatewayValidator",
    "CLIENT_SECRET_HASHER": "kubemcp_client_secret",
    "SCOPES": {
        "mcp": "Use the Kubernetes tools of this server",
        "mcp:read": "Read the Kubernetes clusters of this server, at /mcp/read-only only (no changes)",
    },
    "DEFAULT_SCOPES": ["mcp"],
    "ACCESS_TOKEN_EXPIRE_SECONDS": OAUTH_ACCESS_TOKEN_SECONDS,
    "REFRESH_TOKEN_EXPIRE_SECONDS": OAUTH_REFRESH_TOKEN_SECONDS,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 600,
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    # 'http' stays allowed for RFC 8252 loopback callbacks only: oauthgw.redirects refuses any other http
    # redirect at registration and at authorize, which DOT's check (W008, silenced below) cannot see.
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": False,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
    "OIDC_ISS_ENDPOINT": OAUTH_BASE_URL,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http", *TRUSTED_REDIRECT_SCHEMES],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token"],
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": ["client_secret_basic", "client_secret_post", "none"],
    "OAUTH2_PROTECTED_RESOURCE_IDENTIFIER": f"{OAUTH_BASE_URL}/mcp" if OAUTH_BASE_URL else "",
    "OAUTH2_PROTECTED_RESOURCE_NAME": SERVER_NAME,
    "DCR_ENABLED": True,
    # oauthgw.registration checks the registration token, the per-IP limits and the redirect URIs first.
    "DCR_REGISTRATION_PERMISSION_CLASSES": ("oauth2_provider.dcr.AllowAllDCRPermission",),
    "CIMD_ENABLED": ENABLE_CIMD,
    "REQUEST_APPROVAL_PROMPT": "force",
}

SILENCED_SYSTEM_CHECKS = ["oauth2_provider.W008"]

if OAUTH_ENABLED:
    AUTHENTICATION_BACKENDS = ["oauthgw.upstream.UpstreamBackend", "django.contrib.auth.backends.ModelBackend"]
    LOGIN_URL = "oidc_authentication_init"
    MIDDLEWARE.insert(0, "oauthgw.middleware.GatewayHeadersMiddleware")
    OIDC_AUTHENTICATE_CLASS = "oauthgw.upstream.UpstreamLoginView"
    OIDC_CALLBACK_CLASS = "oauthgw.upstream.UpstreamCallbackView"
    OIDC_RP_CLIENT_ID = DEX_CLIENT_ID if OAUTH_PROVIDER == "dex" else GOOGLE_CLIENT_ID
    OIDC_RP_CLIENT_SECRET = DEX_CLIENT_SECRET if OAUTH_PROVIDER == "dex" else GOOGLE_CLIENT_SECRET
    OIDC_RP_SIGN_ALGO = "RS256"
    OIDC_USE_PKCE = True
    OIDC_USE_NONCE = True
    OIDC_TIMEOUT = 10
    OIDC_CREATE_USER = True
    OIDC_STORE_ACCESS_TOKEN = False
    OIDC_STORE_ID_TOKEN = False
    OIDC_VERIFY_SSL = DEX_CA_FILE if (OAUTH_PROVIDER == "dex" and DEX_CA_FILE) else True
    # The "next" URL after login is always one of our own paths (/o/authorize/?...).
    OIDC_REDIRECT_REQUIRE_HTTPS = OAUTH_BASE_URL.startswith("https://")
    if OAUTH_PROVIDER == "dex":
        # offline_access: a refresh token, so the user's ID token can be renewed without a new login.
        OIDC_RP_SCOPES = "openid profile email groups offline_access"
        if DEX_K8S_AUTHENTICATOR_CLIENT_ID:
            OIDC_RP_SCOPES += f" audience:server:client_id:{DEX_K8S_AUTHENTICATOR_CLIENT_ID}"
    else:
        OIDC_RP_SCOPES = "openid email profile"  # Google: offline access is asked with access_type=offline
    # These libraries log redirect URLs and request details (codes, tokens) at debug level.
    LOGGING["loggers"].update(
        {name: {"level": "WARNING"} for name in ("oauth2_provider", "oauthlib", "mozilla_django_oidc")}
    )

# --- Port-forward ------------------------------------------------------------------------------
# Listeners open on the host of the worker that started the session. Loopback by default: another
# address lets anyone who can reach this host into the pods.
PORT_FORWARD_BIND_ADDRESS = env_str("PORT_FORWARD_BIND_ADDRESS", "127.0.0.1")
try:
    ipaddress.ip_address(PORT_FORWARD_BIND_ADDRESS)
except ValueError:
    raise ImproperlyConfigured(
        f"Unexpected value PORT_FORWARD_BIND_ADDRESS={PORT_FORWARD_BIND_ADDRESS!r}: use an IP address such as 127.0.0.1"
    ) from None
# In-cluster, a listener inside the server's pod is out of the user's reach: the tools are off unless this is set.
PORT_FORWARD_IN_CLUSTER = env_bool("PORT_FORWARD_IN_CLUSTER", False)
PORT_FORWARD_MAX_PER_USER = env_int("PORT_FORWARD_MAX_PER_USER", 5, minimum=1)
PORT_FORWARD_MAX_TOTAL = env_int("PORT_FORWARD_MAX_TOTAL", 50, minimum=1)
# Connections open at once through one session; more are closed at once.
PORT_FORWARD_MAX_CONNECTIONS = env_int("PORT_FORWARD_MAX_CONNECTIONS", 64, minimum=1)
# A session with no connection for this long stops itself; 0 keeps idle sessions.
PORT_FORWARD_IDLE_TIMEOUT_SECONDS = env_float("PORT_FORWARD_IDLE_TIMEOUT_SECONDS", 900.0, minimum=0.0)
# How often a worker saves byte counters, proves it is alive, and checks its pods and the policy.
PORT_FORWARD_CHECK_SECONDS = env_float("PORT_FORWARD_CHECK_SECONDS", 10.0, minimum=0.05, maximum=300.0)

# --- Admin and metrics -------------------------------------------------------------------------
# /metrics answers a scraper that sends `Authorization: Bearer $METRICS_TOKEN`, or one connecting
# from these networks (the direct peer address; proxies are not trusted here).
METRICS_TOKEN = env_secret("METRICS_TOKEN", "")
try:
    METRICS_ALLOWED_NETWORKS = [
        ipaddress.ip_network(item, strict=False)
        for item in env_list("METRICS_ALLOWED_NETWORKS", ["127.0.0.0/8", "::1/128"])
    ]
except ValueError as error:
    raise ImproperlyConfigured(
        f"Unexpected value METRICS_ALLOWED_NETWORKS: {error}; use CIDRs separated by commas, e.g. 10.0.0.0/8,::1/128"
    ) from None
