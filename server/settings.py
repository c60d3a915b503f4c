"""Cohort's settings, read from the environment.

With nothing set, Cohort runs on a fresh machine: DEBUG on, SQLite (WAL) and media
files under `data/`, the in-memory channel layer and the console e-mail backend
(`server.mail`: each e-mail decoded into `data/mail.log`). `DATABASE_URL` switches to
PostgreSQL, `REDIS_URL` to channels-redis (and a Redis cache), `EMAIL_URL` to SMTP. With
`DEBUG=false` the server refuses to start without `SECRET_KEY` and `ALLOWED_HOSTS`. A
setting that is missing or malformed stops the start with one ImproperlyConfigured line
naming the variable and what it needs (`cohort.py start` and `serve` print that line).
`docs/deployment.md` lists every variable.

Values come from the environment, then from `.env` at the top of the project (written by
`cohort.py setup`), or the file `COHORT_ENV_FILE` names (empty: none).
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import re
import secrets
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


class Env(environ.Env):
    """django-environ, whose refusals name the variable and what it needs: a value that
    is not a whole number, a number or true/false stops the start with one line."""

    KINDS = {int: "a whole number", float: "a number"}
    FALSE_STRINGS = ("false", "off", "no", "n", "0", "")

    def get_value(self, var: str, cast: Any = None, default: Any = environ.Env.NOTSET,
                  parse_default: bool = False) -> Any:
        try:
            return super().get_value(var, cast=cast, default=default,
                                     parse_default=parse_default)
        except ValueError:
            raise ImproperlyConfigured(
                f"{var} is {self.ENVIRON.get(var)!r}: it needs "
                f"{self.KINDS.get(cast, 'another kind of value')}.") from None

    def bool(self, var: str, default: Any = environ.Env.NOTSET) -> bool:
        raw = self.ENVIRON.get(var)
        if raw is not None and raw.strip().lower() not in (
                *self.BOOLEAN_TRUE_STRINGS, *self.FALSE_STRINGS):
            raise ImproperlyConfigured(f"{var} is {raw!r}: it needs true or false.")
        return bool(super().bool(var, default=default))


env = Env()
_ENV_FILE = os.environ.get("COHORT_ENV_FILE", str(BASE_DIR / ".env"))
if _ENV_FILE and Path(_ENV_FILE).exists():
    Env.read_env(_ENV_FILE)


def web_address(variable: str, value: str) -> str:
    """`value` if it is scheme://host[:port] with http or https, else the one-line refusal."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ImproperlyConfigured(
            f"{variable}: {value!r} needs a scheme and a host, "
            "e.g. https://mentoring.example.org.")
    return value


DEBUG = env.bool("DEBUG", default=True)
# The site is reached over HTTPS (a proxy in front terminates TLS): secure `__Host-`
# cookies, HSTS, plain http redirected. `cohort.py start` turns it off for its plain-http
# quick start on loopback, with DEBUG off (no technical error pages).
COHORT_HTTPS = env.bool("COHORT_HTTPS", default=True)
DATA_DIR = Path(env.str("COHORT_DATA_DIR", default=str(BASE_DIR / "data")))


def _development_secret_key() -> str:
    """A key kept in the data folder, so sessions survive restarts in development."""
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="") or _development_secret_key()
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured(
            "DEBUG is off: set SECRET_KEY to a random string of at least 50 characters.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "DEBUG is off: set ALLOWED_HOSTS to the host names Cohort answers on.")

for _host in ALLOWED_HOSTS:
    if "/" in _host or not _host.strip():
        raise ImproperlyConfigured(
            f"ALLOWED_HOSTS: {_host!r} is not a host name; it needs names such as "
            "mentoring.example.org, without scheme or path.")
CSRF_TRUSTED_ORIGINS = [web_address("CSRF_TRUSTED_ORIGINS", origin)
                        for origin in env.list("CSRF_TRUSTED_ORIGINS", default=[])]
# The reverse proxies in front of Cohort (addresses or networks): only a connection from
# one of them has its X-Forwarded-For believed (community.ratelimit.client_ip). Empty: no
# header is believed, every client is the address it connects from.
COHORT_TRUSTED_PROXIES = env.list("COHORT_TRUSTED_PROXIES", default=[])
for _proxy in COHORT_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"COHORT_TRUSTED_PROXIES: {_proxy!r} is not an address or a network.") from None
SITE_NAME = env.str("COHORT_SITE_NAME", default="Cohort")
# Where members reach this server: the links in e-mails start with it.
BASE_URL = web_address("COHORT_BASE_URL", env.str(
    "COHORT_BASE_URL", default="http://127.0.0.1:8000")).rstrip("/")

INSTALLED_APPS = [
    "daphne",
    "server",  # first, so its site frame overrides allauth's templates
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "channels",
    "allauth",
    "allauth.account",
    "django_tasks_db",
    "django_htmx",
    "rules",
    "rest_framework",
    "drf_spectacular",
    "community",
    "rooms",
    "chat",
    "notifications",
    "mentoring",
    "video",
    "documents",
    "calendar_app",
]

MIDDLEWARE = [
    # The request id on every log record, the access log, HTTP answers counted (server.logs).
    "server.logs.RequestIdMiddleware",
    # /healthz, /readyz and /metrics, answered before anything below (server.health).
    "server.health.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "server.caching.PrivateCacheMiddleware",
    "community.middleware.MembersOnlyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "community.middleware.RateLimitedMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "server.urls"
ASGI_APPLICATION = "server.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "server.context_processors.site",
                "server.context_processors.notifications",
            ],
        },
    },
]

# --- Data -------------------------------------------------------------------------------
# PostgreSQL: the chat's hot statements prepared on each connection (rooms.rows);
# off behind a pooler in transaction mode that does not keep prepared statements per client.
COHORT_DB_PREPARED = env.bool("COHORT_DB_PREPARED", default=True)
if env.str("DATABASE_URL", default=""):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # django-environ's warning: refused just below
        try:
            DATABASES = {"default": env.db("DATABASE_URL")}
        except ValueError:  # a port out of range, a broken [address]: refused just below
            DATABASES = {"default": {}}
    if DATABASES["default"].get("ENGINE") not in (
            "django.db.backends.postgresql", "django.db.backends.sqlite3") \
            or not DATABASES["default"].get("NAME"):
        raise ImproperlyConfigured(
            "DATABASE_URL needs postgres://user:password@host:5432/name.")
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A database that accepts the connection and never answers (a hung server, a dropped
    # route) fails a connection in these seconds instead of holding `cohort.py serve`'s
    # wait, a request or the task worker forever (a `?connect_timeout=` in the URL wins).
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env.int("COHORT_DB_CONNECT_TIMEOUT", default=10))
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.str("SQLITE_PATH", default=str(DATA_DIR / "cohort.sqlite3")),
            "OPTIONS": {
                # WAL lets the server and the task worker read while the other writes;
                # IMMEDIATE takes the write lock up front instead of failing mid-transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # One connection per worker thread, kept: opening one per socket request was
            # a fifth of a chat send's cost.
            "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default=60),
            "CONN_HEALTH_CHECKS": True,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def install_prefix(database: dict[str, Any]) -> str:
    """A name for this install, the same in each of its processes and different for
    another install on another database: its PostgreSQL database (host, port and name)
    or its SQLite file. Two installs sharing one Redis server must not share channels:
    publish/subscribe ignores the Redis db number."""
    if database["ENGINE"].endswith("sqlite3"):
        where = str(Path(database["NAME"]).resolve())
        name = Path(database["NAME"]).stem
    else:
        where = (f"{database.get('HOST') or 'localhost'}:{database.get('PORT') or 5432}"
                 f"/{database['NAME']}")
        name = str(database["NAME"])
    digest = hashlib.sha256(where.encode()).hexdigest()[:8]
    return f"cohort.{re.sub(r'[^A-Za-z0-9_-]+', '-', name)[:20]}.{digest}"


def redis_stores(url: str, prefix: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The channel layers and the cache on Redis at `url`, every key and channel named
    under `prefix` (CHANNEL_LAYERS, CACHES)."""
    # redis-py 8 gives every read a 5 s timeout by default, as long as channels-redis
    # blocks on an empty inbox (BZPOPMIN, 5 s): a quiet socket would die of it. It also
    # caps a pool at 100 connections: a burst of reconnecting sockets (each joins its
    # group at once) would be refused with HTTP 500 (docs/deployment.md: maxclients).
    host = {"address": url, "socket_timeout": 30,
            "max_connections": env.int("REDIS_MAX_CONNECTIONS", default=2000)}
    layers = {
        # One socket's events (call signalling). It rides out a Redis restart: a socket
        # is not closed because its channel could not be read for a few seconds.
        "default": {
            "BACKEND": "rooms.layers.RedisChannelLayer",
            "CONFIG": {"hosts": [host], "prefix": f"{prefix}.layer."},
        },
        # Room events (rooms.hub): one PUBLISH per event, whatever the room's size.
        "rooms": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [host], "prefix": f"{prefix}.rooms."},
        },
    }
    caches = {
        "default": {
            "BACKEND": "community.redis_cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"{prefix}.cache",
        }
    }
    return layers, caches


REDIS_URL = env.str("REDIS_URL", default="")


def _redis_url_ok(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  # a port out of range raises here
    except ValueError:  # that, or a broken [address]
        return False
    return bool(parts.scheme in ("redis", "rediss") and parts.hostname
                and re.fullmatch(r"/?\d*", parts.path)) \
        or bool(parts.scheme == "unix" and parts.path)


if REDIS_URL and not _redis_url_ok(REDIS_URL):
    raise ImproperlyConfigured(
        "REDIS_URL needs redis://host:6379/0 (or rediss://, unix:///path/redis.sock).")
# Every Redis key and channel of this install starts with it (docs/deployment.md).
COHORT_REDIS_PREFIX = env.str("COHORT_REDIS_PREFIX", default="") or install_prefix(
    DATABASES["default"])
if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,47}", COHORT_REDIS_PREFIX):
    raise ImproperlyConfigured(
        "COHORT_REDIS_PREFIX is 1 to 48 letters, digits and . _ - (a letter or digit first).")
if REDIS_URL:
    CHANNEL_LAYERS, CACHES = redis_stores(REDIS_URL, COHORT_REDIS_PREFIX)
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"},
                      "rooms": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # Presence keeps one key per connected member: room for a big community's worth.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                          "OPTIONS": {"MAX_ENTRIES": 100_000}}}

TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Calendars (calendar_app/): events proposed a minute per member.
CALENDAR_WRITE_LIMIT = env.int("CALENDAR_WRITE_LIMIT", default=60)
# A reminder whose moment passed less than this many seconds ago (the sweeper was down)
# is still sent; an older one is dropped, never sent late.
CALENDAR_REMINDER_GRACE = env.int("CALENDAR_REMINDER_GRACE", default=600)

# Documents (documents/): the largest file, the kinds taken (judged from the bytes), quotas.
DOCUMENTS_MAX_BYTES = env.int("DOCUMENTS_MAX_BYTES", default=50 * 1000 * 1000)
DOCUMENTS_MEMBER_QUOTA = env.int("DOCUMENTS_MEMBER_QUOTA", default=1000 * 1000 * 1000)
DOCUMENTS_ROOM_QUOTA = env.int("DOCUMENTS_ROOM_QUOTA", default=5 * 1000 * 1000 * 1000)
DOCUMENTS_WRITE_LIMIT = env.int("DOCUMENTS_WRITE_LIMIT", default=60)  # uploads a minute
DOCUMENTS_COMMENT_LIMIT = env.int("DOCUMENTS_COMMENT_LIMIT", default=30)  # comments a minute
DOCUMENTS_KINDS = env.list("DOCUMENTS_KINDS", default=[
    "application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp",
    "text/plain", "text/markdown", "text/csv",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation", "application/msword",
    "application/vnd.ms-excel", "application/vnd.ms-powerpoint", "application/rtf",
    "application/epub+zip", "application/zip",
])
# After the permission check, hand the file to the reverse proxy instead of sending it:
# "X-Accel-Redirect" (nginx, with DOCUMENTS_SENDFILE_PREFIX an internal location) or
# "X-Sendfile" (Apache, lighttpd). Empty: Cohort sends the file itself.
DOCUMENTS_SENDFILE_HEADER = env.str("DOCUMENTS_SENDFILE_HEADER", default="")
DOCUMENTS_SENDFILE_PREFIX = env.str("DOCUMENTS_SENDFILE_PREFIX", default="/protected-media/")

MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
# No MEDIA_URL route serves uploads: every file goes through a view that checks access.
MEDIA_URL = "/protected-media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = DEBUG
# A request body, and an uploaded file, past this is spooled to a temporary file rather
# than held in memory: each upload under way costs the process about twice this at most
# (benchmarks/uploads.py, docs/performance.md).
FILE_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Accounts ---------------------------------------------------------------------------
AUTH_USER_MODEL = "community.User"
AUTHENTICATION_BACKENDS = [
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "community.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "community.forms.SignupForm"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_PREVENT_ENUMERATION = True
# allauth's limits, changed where they could lock a member out or flood a mailbox: failed
# sign-ins are counted per address here and per (account, address) by Cohort
# (COHORT_RATE_LIMITS["login.failed"], community.adapters), never per account alone; the
# e-mail page (adding an address sends mail to it) is limited per day too.
ACCOUNT_RATE_LIMITS = {
    "login_failed": env.str("ACCOUNT_LOGIN_FAILED_LIMIT", default="20/m/ip"),
    "manage_email": env.str("ACCOUNT_MANAGE_EMAIL_LIMIT", default="5/m/user,20/d/user"),
}
ACCOUNT_SESSION_REMEMBER = None

# --- Sign-in through the organisation (OpenID Connect) -----------------------------------
# allauth's OpenID Connect provider: an app from the environment (COHORT_OIDC_*), or any
# number added in the admin (Social applications, provider "openid_connect"). Who may come
# in is decided by community.adapters.SocialAccountAdapter: invitation-only stays the rule.
INSTALLED_APPS += ["allauth.socialaccount", "allauth.socialaccount.providers.openid_connect"]


def oidc_apps(environment: environ.Env) -> list[dict[str, Any]]:
    """The OpenID Connect app configured by COHORT_OIDC_* (none when COHORT_OIDC_SERVER_URL
    is empty): its button says "Sign in with COHORT_OIDC_NAME", its callback is
    /accounts/oidc/<COHORT_OIDC_ID>/login/callback/."""
    server_url = environment.str("COHORT_OIDC_SERVER_URL", default="").strip().rstrip("/")
    if not server_url:
        return []
    client_id = environment.str("COHORT_OIDC_CLIENT_ID", default="").strip()
    provider_id = environment.str("COHORT_OIDC_ID", default="organisation").strip()
    if not client_id:
        raise ImproperlyConfigured(
            "COHORT_OIDC_SERVER_URL is set: set COHORT_OIDC_CLIENT_ID (and "
            "COHORT_OIDC_CLIENT_SECRET) as registered at the provider.")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,39}", provider_id):
        raise ImproperlyConfigured(
            "COHORT_OIDC_ID is 1 to 40 lower-case letters, digits, _ and - (it is part of "
            "the callback address).")
    if not re.match(r"https?://[^/]+", server_url):
        raise ImproperlyConfigured(
            "COHORT_OIDC_SERVER_URL is the issuer's address, e.g. https://login.example.org"
            "/realms/staff.")
    app_settings: dict[str, Any] = {"server_url": server_url, "oauth_pkce_enabled": True}
    # Addresses of these domains count as verified even without `email_verified` (a
    # provider that sends none, such as Entra ID, vouching for its organisation's domains).
    domains = [d.strip().lower() for d in environment.list(
        "COHORT_OIDC_VERIFIED_DOMAINS", default=[]) if d.strip()]
    if domains:
        # A multi-tenant issuer (Entra ID's `common`, `organizations`, `consumers`) takes
        # any tenant's users, whose `email` claim their own administrators set: vouching
        # for a domain there would let a stranger's tenant in as a member.
        if re.search(r"/(common|organizations|consumers)(/|$)", urlsplit(server_url).path,
                     re.IGNORECASE):
            raise ImproperlyConfigured(
                "COHORT_OIDC_VERIFIED_DOMAINS needs the organisation's own issuer in "
                "COHORT_OIDC_SERVER_URL (Entra ID: https://login.microsoftonline.com/"
                "<tenant id>/v2.0), not a multi-tenant one.")
        app_settings["verified_email"] = domains
    return [{
        "provider_id": provider_id,
        "name": environment.str("COHORT_OIDC_NAME", default="").strip() or provider_id,
        "client_id": client_id,
        "secret": environment.str("COHORT_OIDC_CLIENT_SECRET", default=""),
        "settings": app_settings,
    }]


# The sign-in pages' forms lead on to the provider: their form-action allows its origin.
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.csp.ContentSecurityPolicyMiddleware"),
                  "community.middleware.SignInProviderFormsMiddleware")
SOCIALACCOUNT_ADAPTER = "community.adapters.SocialAccountAdapter"
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": oidc_apps(env)},
}
SOCIALACCOUNT_EMAIL_REQUIRED = True
SOCIALACCOUNT_QUERY_EMAIL = True
# The adapter links an existing member only on an address the provider verified, itself.
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("COHORT_OIDC_TIMEOUT", default=10)

COHORT_INVITATION_DAYS = env.int("COHORT_INVITATION_DAYS", default=14)
# An invitation is e-mailed again at most once in this many minutes; an admin sends at
# most COHORT_INVITATION_RESEND_LIMIT again in an hour.
COHORT_INVITATION_RESEND_MINUTES = env.int("COHORT_INVITATION_RESEND_MINUTES", default=10)
COHORT_INVITATION_RESEND_LIMIT = env.int("COHORT_INVITATION_RESEND_LIMIT", default=30)
# Chat messages one member may send per window (every server process counts in the cache).
# Mentorship requests: days to answer, the reminder that many days before the end, and
# how many unanswered requests in a row pause a mentor's new requests.
COHORT_REQUEST_DAYS = env.int("COHORT_REQUEST_DAYS", default=14)
COHORT_REQUEST_REMINDER_DAYS = env.int("COHORT_REQUEST_REMINDER_DAYS", default=3)
COHORT_PAUSE_AFTER_EXPIRED = env.int("COHORT_PAUSE_AFTER_EXPIRED", default=3)
# An active mentorship with no sign of life (session, goal, milestone, agreement) for this
# many days is shown to the admins as inactive.
COHORT_INACTIVE_DAYS = env.int("COHORT_INACTIVE_DAYS", default=30)
# "Delete my account" erases her after this many days (signing in before then cancels it);
# "Download my data" offers its zip for COHORT_EXPORT_DAYS days (docs/deployment.md).
COHORT_ERASURE_GRACE_DAYS = env.int("COHORT_ERASURE_GRACE_DAYS", default=14)
COHORT_EXPORT_DAYS = env.int("COHORT_EXPORT_DAYS", default=7)
COHORT_CHAT_SEND_LIMIT = env.int("COHORT_CHAT_SEND_LIMIT", default=30)
COHORT_CHAT_SEND_WINDOW = env.int("COHORT_CHAT_SEND_WINDOW", default=10)


def rate_limits(overrides: str) -> dict[str, tuple[int, int]]:
    """What one member (or one address, for `login.failed`) may do: action -> (uses,
    seconds), counted in the cache (community.ratelimit; docs/deployment.md has the
    table). `overrides` is COHORT_RATE_LIMITS from the environment: `action=uses/seconds`,
    comma-separated, e.g. `search=60/60,room.create=5/3600`."""
    limits = {
        "chat.edit": (30, 60),  # message edits
        "chat.react": (60, 60),  # reactions added or taken back
        "chat.history": (120, 60),  # history pages (socket and /api/rooms/<id>/messages)
        "call.signal": (200, 60),  # call.* requests (join, signal, update, ice, leave, get)
        "search": (30, 60),  # searches: the search page, people, document lists
        "photo.upload": (10, 3600),  # profile photos
        "room.create": (20, 3600),  # new group rooms
        "direct.open": (30, 3600),  # new direct conversations (opening one again is free)
        "room.member_add": (100, 3600),  # members added to rooms
        "invitation.create": (1000, 86400),  # invitations to the community e-mailed
        "login.failed": (5, 300),  # failed sign-ins per (account, address)
        "account.delete": (5, 3600),  # "Delete my account" asked (each checks her password)
        "token.failed": (20, 300),  # bad access tokens shown per address (API and socket)
    }
    for entry in filter(None, (part.strip() for part in overrides.split(","))):
        action, _sep, value = entry.partition("=")
        uses, _slash, seconds = value.partition("/")
        if action.strip() not in limits or not uses.strip().isdigit() \
                or not seconds.strip().isdigit() or int(seconds) < 1:
            raise ImproperlyConfigured(
                f"COHORT_RATE_LIMITS: {entry!r} is not action=uses/seconds with a known action.")
        limits[action.strip()] = (int(uses), int(seconds))
    return limits


COHORT_RATE_LIMITS = rate_limits(env.str("COHORT_RATE_LIMITS", default=""))
# Open sockets (tabs) at once, per member and per address; one more is closed with 4430.
COHORT_SOCKETS_PER_MEMBER = env.int("COHORT_SOCKETS_PER_MEMBER", default=20)
COHORT_SOCKETS_PER_IP = env.int("COHORT_SOCKETS_PER_IP", default=200)
# Sockets one address may hold open at once while they wait for their `auth` frame, per
# server process (rooms.awaiting); one more is closed with 4430.
COHORT_SOCKETS_AWAITING_AUTH_PER_IP = env.int("COHORT_SOCKETS_AWAITING_AUTH_PER_IP", default=20)
# Reports a member may send per window (seconds): room for a bad day, not for a flood.
COHORT_REPORT_LIMIT = env.int("COHORT_REPORT_LIMIT", default=20)
COHORT_REPORT_WINDOW = env.int("COHORT_REPORT_WINDOW", default=3600)
# A member whose last socket closed is announced offline only if she has not come back
# within this many seconds (a reload or a reconnect does not flap her presence; the page
# retries after 0.5, 1, 2, 4 and 8 s).
COHORT_PRESENCE_GRACE = env.float("COHORT_PRESENCE_GRACE", default=15.0)
COHORT_PHOTO_SIZE = 512

# --- The open API v1 (docs/api.md) ----------------------------------------------------------
# JSON only, signed-in members only (the session cookie with its CSRF token for unsafe
# methods), pages by cursor (50 by default, a page_size above 200 refused with 400), every
# error in one envelope (community.api.framework). No DRF throttle: the writes that are
# limited are limited by the services themselves, through community.ratelimit, as for
# the pages and the socket (COHORT_RATE_LIMITS), and answer 429 with Retry-After.
REST_FRAMEWORK = {
    # A personal access token (community.api_auth), else her session (with CSRF); a 401
    # names the Bearer scheme. TokenScopes: signed in, and a token's scopes cover the method.
    "DEFAULT_AUTHENTICATION_CLASSES": ["community.api_auth.AccessTokenAuthentication",
                                       "community.api.authentication.MemberSessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["community.api_auth.TokenScopes"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_PAGINATION_CLASS": "community.api.framework.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": [],
    "EXCEPTION_HANDLER": "community.api.framework.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": None,
    "STRICT_JSON": True,
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "OAS_VERSION": "3.1.0",
    "TITLE": "Cohort API",
    "DESCRIPTION": "The open API of a Cohort community (docs/api.md): her rooms, their "
                   "messages and members, her notifications, people and profiles, her "
                   "mentoring. Signed-in members only.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PUBLIC": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        # Choice lists of the same field name in several answers, named once each.
        "CommunityRoleEnum": ["member", "mentor", "admin"],
        "MentorshipStatusEnum": ["pending", "active", "declined", "withdrawn", "expired",
                                 "ended"],
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "server.api.error_responses",
    ],
    "TAGS": [
        {"name": "me", "description": "The signed-in member."},
        {"name": "rooms", "description": "Her rooms, unread counts, read positions."},
        {"name": "messages", "description": "History, sending, editing, reactions."},
        {"name": "members", "description": "Who is in a room; managing a group's members."},
        {"name": "notifications", "description": "Her notification centre and preferences."},
        {"name": "people", "description": "The people search, profiles, the topics they name."},
        {"name": "mentoring", "description": "Recommendations, requests, her mentorships."},
        {"name": "documents", "description": "Rooms' documents, versions, files, comments."},
        {"name": "calendar", "description": "Her agenda, rooms' events, answers."},
    ],
}

# --- Calls (docs/video.md) ------------------------------------------------------------------
# Calls in rooms of at most COHORT_CALL_P2P_MAX members connect peer to peer; larger rooms'
# calls go through the server relay, which takes at most COHORT_CALL_RELAY_MAX people.
COHORT_CALL_P2P_MAX = env.int("COHORT_CALL_P2P_MAX", default=4)
COHORT_CALL_RELAY_MAX = env.int("COHORT_CALL_RELAY_MAX", default=12)
# ICE servers handed to browsers. TURN credentials are minted per join from the shared
# secret (coturn's `use-auth-secret`) and live COHORT_TURN_TTL seconds.
COHORT_STUN_URLS = env.list("COHORT_STUN_URLS", default=[])
COHORT_TURN_URLS = env.list("COHORT_TURN_URLS", default=[])
COHORT_TURN_SECRET = env.str("COHORT_TURN_SECRET", default="")
COHORT_TURN_TTL = env.int("COHORT_TURN_TTL", default=4 * 3600)
# The addresses the relay offers browsers (its ICE host candidates); empty: every
# address of the machine but loopback.
COHORT_RELAY_ADDRESSES = env.list("COHORT_RELAY_ADDRESSES", default=[])
# Every member's calls go through TURN only: no participant learns another's address
# (each member may also choose it on her profile). Needs COHORT_TURN_URLS.
COHORT_CALLS_RELAY_ONLY = env.bool("COHORT_CALLS_RELAY_ONLY", default=False)

# Outbound webhooks (community/webhooks, docs/api.md "Webhooks"): plain http and private
# addresses (loopback, LAN, cloud metadata) are refused unless allowed here (tests,
# private deployments); the timeouts of one attempt, in seconds; how many deliveries wait
# per hook at most (the rest are dropped and counted); how long the log is kept.
COHORT_WEBHOOKS_ALLOW_HTTP = env.bool("COHORT_WEBHOOKS_ALLOW_HTTP", default=False)
COHORT_WEBHOOKS_ALLOW_PRIVATE = env.bool("COHORT_WEBHOOKS_ALLOW_PRIVATE", default=False)
COHORT_WEBHOOKS_CONNECT_TIMEOUT = env.float("COHORT_WEBHOOKS_CONNECT_TIMEOUT", default=5.0)
COHORT_WEBHOOKS_READ_TIMEOUT = env.float("COHORT_WEBHOOKS_READ_TIMEOUT", default=10.0)
COHORT_WEBHOOKS_PENDING_MAX = env.int("COHORT_WEBHOOKS_PENDING_MAX", default=1000)
COHORT_WEBHOOKS_KEEP_DAYS = env.int("COHORT_WEBHOOKS_KEEP_DAYS", default=30)
# The certificate authorities a webhook receiver's certificate is checked against (a PEM
# file); empty: certifi's public bundle.
COHORT_WEBHOOKS_CA_FILE = env.str("COHORT_WEBHOOKS_CA_FILE", default="")

# --- E-mail -----------------------------------------------------------------------------
# EMAIL_URL (smtp://user:password@host:587, or smtp+tls://, smtps://) selects SMTP;
# EMAIL_FILE_PATH writes each message to a file there; otherwise the console.
if env.str("EMAIL_URL", default=""):
    try:
        _smtp = env.email_url("EMAIL_URL")
    except (ImproperlyConfigured, ValueError):  # ValueError: a port out of range
        _smtp = {}
    if not _smtp.get("EMAIL_HOST") or not str(_smtp.get("EMAIL_BACKEND", "")).endswith(
            "smtp.EmailBackend"):
        raise ImproperlyConfigured(
            "EMAIL_URL needs smtp://user:password@host:587 (or smtp+tls://, smtps://).")
    MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": _smtp["EMAIL_HOST"], "port": _smtp["EMAIL_PORT"],
            "username": _smtp["EMAIL_HOST_USER"], "password": _smtp["EMAIL_HOST_PASSWORD"],
            "use_tls": _smtp.get("EMAIL_USE_TLS", False),
            "use_ssl": _smtp.get("EMAIL_USE_SSL", False), "timeout": 20,
        },
    }}
elif env.str("EMAIL_FILE_PATH", default=""):
    MAILERS = {"default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": env.str("EMAIL_FILE_PATH")},
    }}
else:
    # Each e-mail once, decoded, in DATA_DIR/mail.log (server.mail says why).
    MAILERS = {"default": {"BACKEND": "server.mail.ConsoleEmailBackend",
                           "OPTIONS": {"path": str(DATA_DIR / "mail.log")}}}
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default=f"{SITE_NAME} <cohort@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Languages and time -----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_TZ = True

# --- Security ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
CSRF_FAILURE_VIEW = "server.errors.csrf_failure"  # the site's look, the reader's language
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "media-src": [CSP.SELF, "blob:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
if not DEBUG and COHORT_HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# --- Health, metrics and logs (docs/deployment.md) ------------------------------------------
# /metrics answers these addresses or networks (and, when set, a client with
# `Authorization: Bearer <COHORT_METRICS_TOKEN>`); anyone else gets a 404.
COHORT_METRICS_ALLOWED = env.list("COHORT_METRICS_ALLOWED", default=["127.0.0.1", "::1"])
for _address in COHORT_METRICS_ALLOWED:
    try:
        ipaddress.ip_network(_address.strip(), strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"COHORT_METRICS_ALLOWED: {_address!r} is not an address or a network.") from None
COHORT_METRICS_TOKEN = env.str("COHORT_METRICS_TOKEN", default="")
# Seconds each check of /readyz may take; a task worker's heartbeat older than
# COHORT_WORKER_STALE_AFTER seconds makes it answer 503.
COHORT_READY_TIMEOUT = env.float("COHORT_READY_TIMEOUT", default=2.0)
COHORT_WORKER_STALE_AFTER = env.int("COHORT_WORKER_STALE_AFTER", default=60)

# Every record carries the request id (server.logs); LOG_FORMAT=json writes one JSON object
# per line for a log collector, `text` a line for people.
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("LOG_FORMAT is text or json.")
# Whether uvicorn writes its own access log: its command line decided before Django starts
# (`cohort.server_command` says --no-access-log: Cohort's cohort.request has the line).
_UVICORN_ACCESS_LOG = logging.getLogger("uvicorn.access").hasHandlers()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request": {"()": "server.logs.RequestContextFilter"},
                "quiet_probes": {"()": "server.logs.QuietProbes"}},
    "formatters": {"text": {"()": "server.logs.TextFormatter"},
                   "json": {"()": "server.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request"],
                             "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's own console handler (DEBUG only) would write its records a second
        # time, unformatted: they go to the root's handler alone.
        "django": {"handlers": [], "level": "INFO"},
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["quiet_probes"]},
        # uvicorn's own lines (start, stop, its access log when on) in the same format;
        # their levels stay as its command line set them, and an access log it was told
        # not to write stays off.
        "uvicorn": {"handlers": ["console"], "propagate": False},
        "uvicorn.access": {"handlers": ["console"] if _UVICORN_ACCESS_LOG else [],
                           "propagate": False},
    },
}
