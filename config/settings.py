"""Federation Registry settings, read from the environment.

Every variable is documented in ``.env.example``. Without any of them the
project runs on the embedded defaults: SQLite under ``var/``, Celery tasks run
in-process after commit, e-mail written to files under ``var/mail/``.
"""

import datetime
import re
import secrets
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from config import proxies as _proxies
from config import storage as _storage

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # optional, never committed

DEBUG = env.bool("DEBUG", default=False)


def _local_secret_key() -> str:
    """A key for local development, generated once into var/ (ignored by git)."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set the SECRET_KEY environment variable "
            "(or DEBUG=1 for local development, which generates one into var/)."
        )
    SECRET_KEY = _local_secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Links in e-mails. Locally the site is served on 127.0.0.1:$PORT (`PORT=9000 make run`).
SITE_URL = env.str("SITE_URL", default=f"http://127.0.0.1:{env.int('PORT', default=8000)}").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",  # intcomma: counts on the pages read 1,234
    "django_countries",
    "django_filters",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_fsm_log",
    "simple_history",
    "django_structlog",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # The project's apps, lowest layer first (DESIGN.md "Layout"; contracts in pyproject.toml).
    "accounts",
    "registry",
    "notifications",
    "dues",
    "workflows",
    "meetings",
    "portal",
    "ops",
    "api",
    "config.apps.ProjectConfig",  # the project's system checks (config/checks.py)
]

MIDDLEWARE = [
    # First: every response, even a refusal below, has a request id and a log line.
    "config.middleware.RequestIdMiddleware",
    "django_structlog.middlewares.RequestMiddleware",
    "config.middleware.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outside the session's: a request that wrote (its session too) keeps its client on the primary.
    "registry.replica.ReplicaMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Registry changes made in a request (the admin) record request.user as history_user.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.mfa.OfficerMFAMiddleware",
    # After authentication: a signed-in person's pages are in the language kept on their account.
    "accounts.language.PreferredLanguageMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
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
                "django.template.context_processors.i18n",  # LANGUAGES, LANGUAGE_CODE, LANGUAGE_BIDI
                "registry.context_processors.federation",  # the footer: name and contact
            ],
            # |display_name and |bdi (names isolated for right-to-left pages) in every template.
            "builtins": ["accounts.templatetags.people"],
        },
    },
]

# --- Database -----------------------------------------------------------------
try:
    DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
except (ImproperlyConfigured, ValueError, KeyError) as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
if DATABASES["default"]["ENGINE"] not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
    raise ImproperlyConfigured(
        "DATABASE_URL must start with postgres:// (production) or sqlite:/// (local use); "
        f"got the engine {DATABASES['default']['ENGINE']!r}."
    )


def _pooled(database: dict, *, timeout: float) -> None:
    """psycopg 3 with Django's connection pool; CONN_MAX_AGE must stay 0 with a pool."""
    database["CONN_MAX_AGE"] = 0
    database.setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=1),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        "timeout": timeout,
    }


if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _pooled(DATABASES["default"], timeout=10)
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": "PRAGMA journal_mode=WAL;"}
    )
DATABASES["default"]["ATOMIC_REQUESTS"] = False

# A streaming replica of the primary (PostgreSQL hot standby), optional. The partner API's directory, the
# public directory and the statistics read the registry from it; everything else, and every client that
# has just written, reads the primary (registry/replica.py, README "Running at scale").
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    try:
        DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    except (ImproperlyConfigured, ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is not a valid database URL: {exc}") from exc
    if {DATABASES["default"]["ENGINE"], DATABASES["replica"]["ENGINE"]} != {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL needs PostgreSQL: both it and DATABASE_URL must start with postgres://."
        )
    # A replica that does not answer is left for the primary within 2 seconds (not the primary's 10).
    _pooled(DATABASES["replica"], timeout=2)
    DATABASES["replica"]["ATOMIC_REQUESTS"] = False
DATABASE_ROUTERS = ["registry.replica.ReplicaRouter"]
# Directory reads go to the replica only when this is on (tests turn it on with a replica of their own).
DATABASE_REPLICA_READS = bool(DATABASE_REPLICA_URL)
# Beyond this lag (seconds) directory reads go to the primary; the lag is measured at most once per
# DATABASE_REPLICA_CHECK_SECONDS in each process.
DATABASE_REPLICA_MAX_LAG = env.float("DATABASE_REPLICA_MAX_LAG", default=5.0)
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=1.0)
# After a request that wrote, the client (its cookie) reads the primary until the replica has replayed
# that write, for at most this many seconds.
DATABASE_REPLICA_STICKY_SECONDS = env.int("DATABASE_REPLICA_STICKY_SECONDS", default=60)
if DATABASE_REPLICA_MAX_LAG < 0 or DATABASE_REPLICA_CHECK_SECONDS < 0 or DATABASE_REPLICA_STICKY_SECONDS < 0:
    raise ImproperlyConfigured(
        "DATABASE_REPLICA_MAX_LAG, DATABASE_REPLICA_CHECK_SECONDS and DATABASE_REPLICA_STICKY_SECONDS "
        "must not be negative."
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication -------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Accounts are django-allauth's: log-in by e-mail (username = e-mail, never shown),
# mandatory e-mail verification, TOTP two-factor (allauth.mfa). See accounts/.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "my-applications"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
# allauth's forms in the site's words (accounts/forms.py); sign-up also asks "Your name", stored in
# first_name / last_name; pages and allauth's own messages name people by it (display_name).
ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "signup": "accounts.forms.SignupForm",
    "reset_password": "accounts.forms.ResetPasswordForm",
    "reset_password_from_key": "accounts.forms.ResetPasswordKeyForm",
    "change_password": "accounts.forms.ChangePasswordForm",
    "set_password": "accounts.forms.SetPasswordForm",
    "add_email": "accounts.forms.AddEmailForm",
    "reauthenticate": "accounts.forms.ReauthenticateForm",
}
ACCOUNT_USER_DISPLAY = "accounts.people.display_name"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# Sign-up with an address that has an account answers as for a new one ("check your e-mail") and
# e-mails the owner instead; it hashes the password too and every account e-mail leaves after the
# response (accounts/forms.py, accounts/mail.py), so neither the page nor its time tells.
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Federation Registry] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "http" if DEBUG else "https"
# Failed log-ins: per IP and per account (the e-mail typed). The admin's log-in goes
# through allauth's (config/urls.py), so the same limits apply there.
ACCOUNT_RATE_LIMITS = {
    "login": env.str("LOGIN_RATE_LIMIT", default="30/m/ip"),
    "login_failed": env.str("LOGIN_FAILED_RATE_LIMIT", default="10/m/ip,5/5m/key"),
}
# The client's address for those limits is config.proxies.client_ip's (the account adapter's
# get_client_ip), as for the API's throttling and the logs; see TRUSTED_PROXIES below.
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Federation Registry"
MFA_FORMS = {
    "authenticate": "accounts.forms.AuthenticateForm",
    "reauthenticate": "accounts.forms.MFAReauthenticateForm",
    "activate_totp": "accounts.forms.ActivateTOTPForm",
}
# Members of Secretariat and Executive Committee must enrol in TOTP before any committee page.
OFFICERS_REQUIRE_MFA = env.bool("OFFICERS_REQUIRE_MFA", default=not DEBUG)

# --- Internationalization ---------------------------------------------------------
# Each language is named in itself (the switcher shows it so); Arabic is written right to left.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ar", "العربية"), ("fr", "Français"), ("tr", "Türkçe")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded documents are private: stored outside the static root, never served by URL.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
WHITENOISE_AUTOREFRESH = DEBUG
# Served at the site's root: /favicon.ico, which browsers and other clients ask for on any site.
WHITENOISE_ROOT = BASE_DIR / "static" / "root"
# STORAGE_URL: unset, local files under MEDIA_ROOT; s3://bucket/prefix?endpoint_url=…&region=…, a
# private S3-compatible bucket (config/storage.py; README "Documents in object storage").
STORAGE_URL = env.str("STORAGE_URL", default="")
try:
    _default_storage = _storage.default_storage(STORAGE_URL)
except ValueError as exc:
    raise ImproperlyConfigured(f"STORAGE_URL: {exc}.") from None
STORAGES = {
    "default": _default_storage,
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- E-mail --------------------------------------------------------------------
# Without EMAIL_URL, every message is written as a file to var/mail/. Set directly rather than as a
# filemail:// URL: django-environ drops the URL path's leading slash, making the path relative.
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Federation Registry <registry@federation.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery ------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
# Without a broker, tasks run in-process (after commit, through delay_on_commit).
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 6 * 3600}
CELERY_BEAT_SCHEDULE: dict = {}

# --- Cache: allauth's log-in rate limits must be shared by every web process ----------------
# Without REDIS_URL the cache is per process: with DEBUG off, `manage.py check` (and so migrate,
# runserver and every management command) stops with config.E001 (config/checks.py) unless
# ALLOW_LOCAL_CACHE=1 says the deployment is one single process.
ALLOW_LOCAL_CACHE = env.bool("ALLOW_LOCAL_CACHE", default=False)
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "fedreg",
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "fedreg"}
    )
}

# --- Security --------------------------------------------------------------------------
# Our reverse proxies (CIDRs or addresses, comma-separated; empty by default). X-Forwarded-For is
# read only on requests that come from one of them: then the client is the right-most address in
# it that is not itself a trusted proxy (config/proxies.py). Otherwise the client is REMOTE_ADDR.
# Used by the API's rate limits, the log-in limits and the logs. Behind a proxy and left empty,
# every client has the proxy's address: `check --deploy` warns (config/checks.py).
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
try:
    _proxies.parse_networks(TRUSTED_PROXIES)
except ValueError as exc:
    raise ImproperlyConfigured(f"TRUSTED_PROXIES: {exc}.") from exc
# A check that does not apply to a deployment (e.g. config.W001 with no proxy in front), by id.
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # The `preload` directive only takes effect once the domain is submitted to the browsers'
    # preload list (hstspreload.org), which is a separate, deliberate step.
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy (django-csp 4) on every response: nothing inline, nothing from
# another origin; the pages need no more (no inline script or style, no CDN). A view that
# needs an exception says so with csp.decorators.csp_update (the API docs in api/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

# Request bodies. Uploaded documents are at most DOCUMENT_MAX_BYTES (10 MB); a request may be a
# little larger (multipart framing, the form's other fields). The web server in front refuses
# larger bodies first (README "Deployment": nginx client_max_body_size 12m); the middleware
# config.middleware.RequestBodyLimitMiddleware holds where there is none.
REQUEST_BODY_MAX_BYTES = env.int("REQUEST_BODY_MAX_BYTES", default=12 * 1024 * 1024)
# A body without files (forms, JSON) is read into memory: at most this much.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024)
# An uploaded file larger than this goes to a temporary file rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# The largest form (an admin changelist with list_editable, 100 rows) has about 210 fields.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500
DATA_UPLOAD_MAX_NUMBER_FILES = 10

# --- Audit of the registry: django-simple-history on Organization and Membership -------------
# The admin shows each version (who, when, what changed); it cannot revert or edit them.
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_EDIT = False

# --- Logging -----------------------------------------------------------------------
# structlog through logging (config/logs.py). LOG_FORMAT=json (one JSON object per line: the
# default with DEBUG off) or console (the default with DEBUG on). Each request logs one line
# (request_finished) and each Celery task one (task_succeeded / task_failed), with the request
# id: the incoming X-Request-ID when well formed, else a new one; it is returned in X-Request-ID
# and carried into the tasks the request enqueues.
from config import logs as _logs  # noqa: E402

LOG_FORMAT = env.str("LOG_FORMAT", default=_logs.CONSOLE if DEBUG else _logs.JSON).lower()
if LOG_FORMAT not in _logs.FORMATS:
    raise ImproperlyConfigured(f"LOG_FORMAT must be one of: {', '.join(_logs.FORMATS)}; got {LOG_FORMAT!r}.")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
LOGGING = _logs.logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL, tasks_in_process=CELERY_TASK_ALWAYS_EAGER)
_logs.configure_structlog()
DJANGO_STRUCTLOG_CELERY_ENABLED = True
DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID = True  # config.middleware.RequestIdMiddleware vets it first
DJANGO_STRUCTLOG_STATUS_START_LOG_LEVEL = 10  # DEBUG: at INFO, request_started is not written
DJANGO_STRUCTLOG_CELERY_TASK_START_LOG_LEVEL = 10  # nor task_enqueued / task_started
# The client's address on a request's lines, taken as the API's throttling takes it
# (config.proxies.client_ip: REMOTE_ADDR, or X-Forwarded-For from TRUSTED_PROXIES), never as the client says.
DJANGO_STRUCTLOG_IP_LOGGING_ENABLED = False
LOG_CLIENT_IP = env.bool("LOG_CLIENT_IP", default=True)

# --- Federation rules ---------------------------------------------------------------
# The fonts of every PDF (certificates, minutes): DejaVu Sans, Latin, Turkish and Arabic letters.
PDF_FONTS_DIR = BASE_DIR / "portal" / "fonts"
FEDERATION_NAME = env.str("FEDERATION_NAME", default="International Federation of Student Unions")
# The secretariat's address, given at the end of every e-mail for questions.
FEDERATION_CONTACT_EMAIL = env.str("FEDERATION_CONTACT_EMAIL", default="secretariat@federation.example")
HEALTHZ_BROKER_TIMEOUT = timedelta(seconds=2).total_seconds()

# --- Application workflow ----------------------------------------------------------------
# Document kinds an application needs before it can be submitted.
WORKFLOW_REQUIRED_DOCUMENT_KINDS = env.list(
    "WORKFLOW_REQUIRED_DOCUMENT_KINDS", default=["statutes", "registration"]
)
# Reviewers to assign before the review can start.
WORKFLOW_REQUIRED_REVIEWERS = env.int("WORKFLOW_REQUIRED_REVIEWERS", default=2)
DOCUMENT_MAX_BYTES = env.int("DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# The member-list import (workflows.member_import): a file with more rows is refused, told while it
# is read, at the first row past the limit. A dry run's file waits IMPORT_UPLOAD_TTL_MINUTES for its confirmation.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=20_000)
IMPORT_UPLOAD_TTL_MINUTES = env.int("IMPORT_UPLOAD_TTL_MINUTES", default=60)
# The Executive Committee's vote: quorum is "ballots cast > VOTE_QUORUM * eligible voters";
# VOTE_MAJORITY simple (> 1/2) | two_thirds (≥ 2/3) | three_quarters (≥ 3/4) of VOTE_BASE
# yes_no | yes_no_abstain | eligible.
VOTE_QUORUM = env.str("VOTE_QUORUM", default="1/2")
VOTE_MAJORITY = env.str("VOTE_MAJORITY", default="simple")
VOTE_BASE = env.str("VOTE_BASE", default="yes_no")
# When on, a second full member from one country is refused at the opening of the vote
# (the committee page shows the members from the applicant's country either way).
ONE_FULL_MEMBER_PER_COUNTRY = env.bool("ONE_FULL_MEMBER_PER_COUNTRY", default=False)
# An expulsion (a motion on a member) needs this majority; the other motions VOTE_MAJORITY.
EXPULSION_MAJORITY = env.str("EXPULSION_MAJORITY", default="two_thirds")
if EXPULSION_MAJORITY not in ("simple", "two_thirds", "three_quarters"):
    raise ImproperlyConfigured(
        f"EXPULSION_MAJORITY must be simple, two_thirds or three_quarters; got {EXPULSION_MAJORITY!r}."
    )
# A meeting of the Executive Committee is quorate with more than MEETING_QUORUM of the committee
# present (in person or online), as an exact fraction: "1/2" — 5 of 8 members, not 4.
MEETING_QUORUM = env.str("MEETING_QUORUM", default="1/2")
try:
    if not 0 <= Fraction(MEETING_QUORUM) < 1:
        raise ValueError(MEETING_QUORUM)
except (ValueError, ZeroDivisionError):
    raise ImproperlyConfigured(
        f"MEETING_QUORUM must be a fraction in [0, 1) such as 1/2; got {MEETING_QUORUM!r}."
    ) from None
VOTE_DEFAULT_DEADLINE_DAYS = env.int("VOTE_DEFAULT_DEADLINE_DAYS", default=14)
# The latest deadline a vote may be given: this many days from its opening (to the end of that day, UTC).
VOTE_MAX_DAYS = env.int("VOTE_MAX_DAYS", default=90)
if not 1 <= VOTE_DEFAULT_DEADLINE_DAYS <= VOTE_MAX_DAYS:
    raise ImproperlyConfigured(
        f"VOTE_DEFAULT_DEADLINE_DAYS must be between 1 and VOTE_MAX_DAYS ({VOTE_MAX_DAYS}); "
        f"got {VOTE_DEFAULT_DEADLINE_DAYS}."
    )
CELERY_BEAT_SCHEDULE["close-due-vote-rounds"] = {
    "task": "workflows.tasks.close_due_vote_rounds",
    "schedule": 60.0,
}
CELERY_BEAT_SCHEDULE["withdrawals-take-effect"] = {
    "task": "workflows.tasks.withdrawals_take_effect",
    "schedule": crontab(hour=0, minute=15),
}

# --- The public directory (registry.directory_pages) -------------------------------------------------
# Affiliates on one page of the directory; "Next" and "Previous" walk the rest with a cursor.
DIRECTORY_PAGE_SIZE = env.int("DIRECTORY_PAGE_SIZE", default=100)
if DIRECTORY_PAGE_SIZE < 1:
    raise ImproperlyConfigured(f"DIRECTORY_PAGE_SIZE must be at least 1; got {DIRECTORY_PAGE_SIZE}.")

# --- The partner API's response cache (registry.directory_cache) ------------------------------------
# The affiliate list and pages and the region list, rendered, kept in the default cache (CACHES) under
# the registry's version: a repeated query costs one lookup until the directory changes. Seconds an
# unread entry is kept (a new version makes new keys: old entries are never read again).
DIRECTORY_RESPONSE_CACHE = env.bool("DIRECTORY_RESPONSE_CACHE", default=True)
DIRECTORY_CACHE_SECONDS = env.int("DIRECTORY_CACHE_SECONDS", default=3600)
# Bytes of answers each process also keeps in its own memory (the most recent; by version, so never
# out of date): a repeated query then needs no round trip to Redis.
DIRECTORY_CACHE_LOCAL_BYTES = env.int("DIRECTORY_CACHE_LOCAL_BYTES", default=4 * 1024 * 1024)
if DIRECTORY_CACHE_SECONDS < 1:
    raise ImproperlyConfigured(f"DIRECTORY_CACHE_SECONDS must be at least 1; got {DIRECTORY_CACHE_SECONDS}.")

# --- The partners' change feed (registry.feed) --------------------------------------------------
# Days a directory event is kept; unset (the default) keeps them forever. A partner whose cursor is
# older than the events kept starts again from the directory (the feed answers 410).
FEED_RETENTION_DAYS = env.int("FEED_RETENTION_DAYS", default=None)
if FEED_RETENTION_DAYS is not None and FEED_RETENTION_DAYS < 1:
    raise ImproperlyConfigured(
        f"FEED_RETENTION_DAYS must be at least 1 (or unset); got {FEED_RETENTION_DAYS}."
    )
CELERY_BEAT_SCHEDULE["directory-feed-sweep"] = {
    "task": "registry.tasks.directory_feed_sweep",
    "schedule": crontab(hour=0, minute=5),
}

# --- Membership certificates (registry/certificates.py) ------------------------------------------
# The private signing keys are stored encrypted with a key derived from this secret (SECRET_KEY
# unless set). Changing it makes the stored keys unreadable: run `manage.py rotate_certificate_key`
# after it (certificates already issued still verify with the published public keys).
CERTIFICATE_KEY_SECRET = env.str("CERTIFICATE_KEY_SECRET", default="") or SECRET_KEY

# --- Partners' webhooks (api/webhooks.py) ----------------------------------------------------------
# Endpoint secrets are stored encrypted with a key derived from this secret (CERTIFICATE_KEY_SECRET
# unless set); changing it makes the stored secrets unreadable (rotate each endpoint's secret after).
WEBHOOK_SECRET_KEY = env.str("WEBHOOK_SECRET_KEY", default="") or CERTIFICATE_KEY_SECRET
WEBHOOK_CONNECT_TIMEOUT_SECONDS = env.float("WEBHOOK_CONNECT_TIMEOUT_SECONDS", default=5)
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10)  # each read of the answer
WEBHOOK_RESPONSE_LOG_BYTES = env.int(
    "WEBHOOK_RESPONSE_LOG_BYTES", default=2048
)  # kept for the log; the rest unread
# Failed attempts are retried after base · 2^(n-1) seconds (at most MAX) for WEBHOOK_RETRY_HOURS.
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.float("WEBHOOK_RETRY_MAX_SECONDS", default=6 * 3600)
WEBHOOK_RETRY_HOURS = env.float("WEBHOOK_RETRY_HOURS", default=72)
# An endpoint is disabled (and the secretariat told) after this many failed attempts in a row.
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=20)
# After a rotation the previous secret signs too, for this many hours (both signatures are sent).
WEBHOOK_SECRET_ROTATION_HOURS = env.float("WEBHOOK_SECRET_ROTATION_HOURS", default=24)
WEBHOOK_FANOUT_BATCH = env.int("WEBHOOK_FANOUT_BATCH", default=500)
# Allow http:// and private, loopback and link-local targets: a receiver on this machine, for tests
# and local development only. Refused unless DEBUG is on.
WEBHOOK_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOK_ALLOW_PRIVATE_TARGETS", default=False)
if WEBHOOK_ALLOW_PRIVATE_TARGETS and not DEBUG:
    raise ImproperlyConfigured(
        "WEBHOOK_ALLOW_PRIVATE_TARGETS lets partners make the server call its own network; "
        "it is for development only (DEBUG=1)."
    )
for _name in ("WEBHOOK_CONNECT_TIMEOUT_SECONDS", "WEBHOOK_TIMEOUT_SECONDS", "WEBHOOK_RETRY_HOURS"):
    if globals()[_name] <= 0:
        raise ImproperlyConfigured(f"{_name} must be positive; got {globals()[_name]}.")
if WEBHOOK_DISABLE_AFTER_FAILURES < 1:
    raise ImproperlyConfigured(
        f"WEBHOOK_DISABLE_AFTER_FAILURES must be at least 1; got {WEBHOOK_DISABLE_AFTER_FAILURES}."
    )

# --- Membership after admission ------------------------------------------------------------------
# The federation year starts on this day ("MM-DD"; not 29 February); a year is named by the
# calendar year it starts in. Each year's return is due within RETURN_DUE_DAYS days of the
# year's start (of the admission, for a union admitted during the year).
MEMBERSHIP_YEAR_START = env.str("MEMBERSHIP_YEAR_START", default="01-01")
try:
    datetime.datetime.strptime(f"2001-{MEMBERSHIP_YEAR_START}", "%Y-%m-%d")
except ValueError:
    raise ImproperlyConfigured(
        f'MEMBERSHIP_YEAR_START must be a day of the year as "MM-DD" (not 02-29); got {MEMBERSHIP_YEAR_START!r}.'
    ) from None
RETURN_DUE_DAYS = env.int("RETURN_DUE_DAYS", default=90)
if not 1 <= RETURN_DUE_DAYS <= 365:
    raise ImproperlyConfigured(f"RETURN_DUE_DAYS must be between 1 and 365; got {RETURN_DUE_DAYS}.")
# Representatives are reminded of a return not yet filed this many days before its due date, and
# once after it (a daily task, at RETURN_REMINDER_HOUR UTC).
RETURN_REMINDER_DAYS_BEFORE = env.int("RETURN_REMINDER_DAYS_BEFORE", default=14)
RETURN_REMINDER_HOUR = env.int("RETURN_REMINDER_HOUR", default=7)
if not 0 <= RETURN_REMINDER_HOUR <= 23:
    raise ImproperlyConfigured(f"RETURN_REMINDER_HOUR must be between 0 and 23; got {RETURN_REMINDER_HOUR}.")
# --- Dues (dues/) ----------------------------------------------------------------------------------
# Every schedule, invoice and ledger entry is in DUES_CURRENCY (ISO 4217). An invoice is due
# DUES_DUE_DAYS after it is issued; still open more than DUES_GRACE_DAYS after that, it is in arrears
# and the union loses good standing. DUES_PRO_RATA: a union admitted during the year owes the share
# of the year left (by days) rather than the full year. The secretariat may waive up to
# DUES_WAIVER_LIMIT (in DUES_CURRENCY) of an invoice.
DUES_CURRENCY = env.str("DUES_CURRENCY", default="EUR")
if not (len(DUES_CURRENCY) == 3 and DUES_CURRENCY.isalpha() and DUES_CURRENCY.isupper()):
    raise ImproperlyConfigured(
        f"DUES_CURRENCY must be a three-letter ISO 4217 code such as EUR; got {DUES_CURRENCY!r}."
    )
DUES_DUE_DAYS = env.int("DUES_DUE_DAYS", default=60)
DUES_GRACE_DAYS = env.int("DUES_GRACE_DAYS", default=30)
if not (0 <= DUES_DUE_DAYS <= 365 and 0 <= DUES_GRACE_DAYS <= 365):
    raise ImproperlyConfigured(
        f"DUES_DUE_DAYS and DUES_GRACE_DAYS must be between 0 and 365; got {DUES_DUE_DAYS}, {DUES_GRACE_DAYS}."
    )
DUES_PRO_RATA = env.bool("DUES_PRO_RATA", default=False)
DUES_WAIVER_LIMIT = env.int("DUES_WAIVER_LIMIT", default=100)
if DUES_WAIVER_LIMIT < 0:
    raise ImproperlyConfigured(f"DUES_WAIVER_LIMIT must not be negative; got {DUES_WAIVER_LIMIT}.")
# A member in arrears for DUES_LAPSE_YEARS federation years is on the committee's lapse list: the
# secretariat may propose that its membership lapse (the Executive Committee votes).
DUES_LAPSE_YEARS = env.int("DUES_LAPSE_YEARS", default=2)
if DUES_LAPSE_YEARS < 1:
    raise ImproperlyConfigured(f"DUES_LAPSE_YEARS must be at least 1; got {DUES_LAPSE_YEARS}.")
# The bank statement import (dues.statement_import): a larger file, or one with more lines, is refused.
# Its dry run's confirmation is valid for DUES_STATEMENT_TTL_MINUTES.
DUES_STATEMENT_MAX_BYTES = env.int("DUES_STATEMENT_MAX_BYTES", default=1024 * 1024)
DUES_STATEMENT_MAX_ROWS = env.int("DUES_STATEMENT_MAX_ROWS", default=2_000)
DUES_STATEMENT_TTL_MINUTES = env.int("DUES_STATEMENT_TTL_MINUTES", default=60)
CELERY_BEAT_SCHEDULE["dues-invoices-issue"] = {
    "task": "dues.tasks.invoices_issue",
    "schedule": crontab(hour=0, minute=2),
}
# An invoice still open is reminded to the union's representatives DUES_REMINDER_DAYS_BEFORE days
# before its due date, on it, and DUES_REMINDER_DAYS_AFTER days after it (a daily task, once each).
# DUES_PAYMENT_INSTRUCTIONS: how to pay (bank details), printed on every invoice as written here
# (\n in the environment's value starts a new line).
DUES_REMINDER_DAYS_BEFORE = env.int("DUES_REMINDER_DAYS_BEFORE", default=14)
DUES_REMINDER_DAYS_AFTER = env.int("DUES_REMINDER_DAYS_AFTER", default=30)
if not (1 <= DUES_REMINDER_DAYS_BEFORE <= 365 and 1 <= DUES_REMINDER_DAYS_AFTER <= 365):
    raise ImproperlyConfigured(
        "DUES_REMINDER_DAYS_BEFORE and DUES_REMINDER_DAYS_AFTER must be between 1 and 365; "
        f"got {DUES_REMINDER_DAYS_BEFORE}, {DUES_REMINDER_DAYS_AFTER}."
    )
DUES_PAYMENT_INSTRUCTIONS = env.str(
    "DUES_PAYMENT_INSTRUCTIONS",
    default=(
        "Bank transfer to: International Federation of Student Unions\n"
        "IBAN: BE71 0961 2345 6769 (demo account)\nBIC: GKCCBEBB"
    ),
).replace("\\n", "\n")
CELERY_BEAT_SCHEDULE["dues-reminders"] = {
    "task": "dues.tasks.send_reminders",
    "schedule": crontab(hour=0, minute=20),
}

# An invitation to represent a union can be accepted for this many days.
INVITATION_TTL_DAYS = env.int("INVITATION_TTL_DAYS", default=14)

# --- Notifications ------------------------------------------------------------------------------
# Transitions write outbox rows (notifications.Notification); a Celery task on the "notifications"
# queue delivers each one; beat re-enqueues what was lost. See README "Notifications".
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)  # seconds; an SMTP call never hangs a worker
NOTIFICATION_MESSAGE_ID_DOMAIN = env.str(
    "NOTIFICATION_MESSAGE_ID_DOMAIN", default=DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "localhost"
)
# Transient SMTP errors: retry after base · 2^(n-1) seconds, at most MAX seconds, MAX_ATTEMPTS tries.
NOTIFICATION_RETRY_BASE_SECONDS = env.float("NOTIFICATION_RETRY_BASE_SECONDS", default=60)
NOTIFICATION_RETRY_MAX_SECONDS = env.float("NOTIFICATION_RETRY_MAX_SECONDS", default=3600)
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
# The sweeper: rows "sending" this long are from a lost worker (longer than the task's hard time
# limit); pending rows this long past their time lost their message (broker down, worker lost).
NOTIFICATION_SENDING_TIMEOUT = env.float("NOTIFICATION_SENDING_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 30)
NOTIFICATION_SWEEP_GRACE_SECONDS = env.float("NOTIFICATION_SWEEP_GRACE_SECONDS", default=60)
NOTIFICATION_SWEEP_BATCH = env.int("NOTIFICATION_SWEEP_BATCH", default=500)
NOTIFICATION_SWEEP_EVERY = env.float("NOTIFICATION_SWEEP_EVERY", default=60)
# One reminder per vote round to members who have not voted, this long before the deadline.
VOTE_REMINDER_BEFORE = timedelta(hours=env.float("VOTE_REMINDER_BEFORE_HOURS", default=24))
# The secretariat's daily digest: applications waiting longer than this many days; sent once a
# day, at the first run from this hour (UTC) on.
DIGEST_WAITING_DAYS = env.int("DIGEST_WAITING_DAYS", default=14)
DIGEST_HOUR = env.int("DIGEST_HOUR", default=6)

CELERY_TASK_ROUTES = {
    "workflows.tasks.deliver_notification": {"queue": "notifications"},
    "api.tasks.deliver_webhook": {"queue": "notifications"},
    "api.tasks.fan_out_webhooks": {"queue": "notifications"},
}
# A broker outage must not hold a transition for long: the row is safe in the outbox.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": env.int("CELERY_PUBLISH_MAX_RETRIES", default=2),
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BEAT_SCHEDULE["notifications-sweep"] = {
    "task": "workflows.tasks.sweep_notifications",
    "schedule": NOTIFICATION_SWEEP_EVERY,
}
# The webhooks' fan-out runs after every feed event; this catches a lost message.
CELERY_BEAT_SCHEDULE["webhooks-fan-out"] = {"task": "api.tasks.fan_out_webhooks", "schedule": 60.0}
CELERY_BEAT_SCHEDULE["notifications-vote-reminders"] = {
    "task": "workflows.tasks.send_vote_reminders",
    "schedule": 300.0,
}
CELERY_BEAT_SCHEDULE["notifications-daily-digest"] = {
    "task": "workflows.tasks.send_daily_digest",
    "schedule": crontab(minute=0, hour=f"{DIGEST_HOUR}-23"),
}
CELERY_BEAT_SCHEDULE["membership-return-reminders"] = {
    "task": "workflows.tasks.send_return_reminders",
    "schedule": crontab(minute=0, hour=RETURN_REMINDER_HOUR),
}
# Redis redelivers an unacknowledged message after visibility_timeout: it must outlast the
# longest retry countdown, or a waiting retry would be delivered twice.
_longest_wait = NOTIFICATION_RETRY_MAX_SECONDS + CELERY_TASK_TIME_LIMIT
if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= _longest_wait:
    raise ImproperlyConfigured(
        "The Redis visibility_timeout must be longer than NOTIFICATION_RETRY_MAX_SECONDS plus the task time limit."
    )

# --- REST API ------------------------------------------------------------------------
# Rate limits, as DRF writes them: "<number>/<second|minute|hour|day>" (e.g. 60/min).
API_RATE_ANON = env.str("API_RATE_ANON", default="60/min")
API_RATE_PARTNER = env.str("API_RATE_PARTNER", default="1000/min")
# Signed-in people on the workflow endpoints (session or personal token), per user.
API_RATE_USER = env.str("API_RATE_USER", default="300/min")
for _name, _rate in [
    ("API_RATE_ANON", API_RATE_ANON),
    ("API_RATE_PARTNER", API_RATE_PARTNER),
    ("API_RATE_USER", API_RATE_USER),
]:
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", _rate):
        raise ImproperlyConfigured(f"{_name} must look like 60/min or 1000/hour; got {_rate!r}.")

# Throttling counts requests in the default cache (CACHES above): Redis when REDIS_URL is set,
# shared by every web process; else memory, per process (one process only: ALLOW_LOCAL_CACHE).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "api.authentication.PartnerKeyAuthentication",
    ],
    # Endpoints open to anonymous clients (the directory) say so themselves.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's parsers, with JSON bodies capped in size (DATA_UPLOAD_MAX_MEMORY_SIZE) and depth (api/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "api.renderers.FormatFirstContentNegotiation",
    "DEFAULT_THROTTLE_CLASSES": [
        "api.throttling.AnonymousRateThrottle",
        "api.throttling.PartnerRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"anon": API_RATE_ANON, "partner": API_RATE_PARTNER, "user": API_RATE_USER},
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The anonymous rate limit's client address is config.proxies.client_ip's (TRUSTED_PROXIES),
    # not DRF's NUM_PROXIES (api/throttling.py).
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Federation Registry API",
    "DESCRIPTION": (
        "Read the federation's directory of affiliates (member student unions) by region, country, "
        "category and changes since a date. Anonymous use is allowed; a partner key "
        "(`Authorization: Api-Key <key>`, from the secretariat) adds the union's e-mail address and a higher "
        "rate limit. People (applicants, the secretariat, reviewers, the Executive Committee) use the "
        "application workflow under /api/v1/applications/ with their session or a personal token "
        "(`Authorization: Token <key>`, created on /account/tokens/); partner keys do not open it. "
        'Every error has the body `{"error": {"code", "message", "details"}}`. '
        "Languages: field names, codes (country, region, category, error codes) and the unions' own names "
        "never translate. `Accept-Language` (en, ar, fr, tr; English otherwise) localizes only the "
        "country and region names and the error messages; responses vary on it (`Vary: Accept-Language`). "
        "A union's `name` is written as the union writes it, in any script; `name_latin` gives it in "
        "Latin script where the union wrote another (empty otherwise). Search (`q`) finds either, "
        "ignoring case, accents, Arabic vowel marks and letter variants."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The regions' codes, from the database, as the enum of every "region" the API reads (api/schema.py).
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "api.schema.region_codes"],
    "ENUM_NAME_OVERRIDES": {
        "MembershipCategoryEnum": "registry.models.MembershipCategory",
        # The workflow API (api/workflow_serializers.py): choice sets used under several names.
        "ApplicationStateEnum": "workflows.models.ApplicationState",
        "DocumentKindEnum": "workflows.models.DocumentKind",
        "OrganizationKindEnum": "registry.models.OrganizationKind",
        # The motions API (api/motion_serializers.py).
        "MotionKindEnum": "workflows.models.MotionKind",
        "MotionStateEnum": "workflows.models.MotionState",
        # The meetings API (api/meeting_serializers.py).
        "MeetingStateEnum": "meetings.models.MeetingState",
        "AgendaItemKindEnum": "meetings.models.AgendaItemKind",
        "AttendanceStatusEnum": "meetings.models.AttendanceStatus",
    },
}
