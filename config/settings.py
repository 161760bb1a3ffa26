"""Fortress settings: one module, everything that differs between machines read from the
environment (see README.md, "Configuration")."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import django
from django.core.exceptions import ImproperlyConfigured

from config.csp import NONE as CSP_NONE
from config.csp import SELF as CSP_SELF
from config.env import env_bool, env_int, env_int_map, env_list, env_str, env_url
from config.ids import ID_SCHEMA

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
elif not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure-")
):
    # Django's own rule for a strong key (`check --deploy`, security.W009), enforced at start.
    raise ImproperlyConfigured(
        "SECRET_KEY is too weak for DEBUG off: use at least 50 characters, at least 5 of them "
        'different, e.g. from python -c "from django.core.management.utils import '
        'get_random_secret_key as k; print(k())"'
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "bootstrap",
    "django_countries",
    "simple_history",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "axes",
    "agencies",
    "cases",
    "indicators",
    "victims",
    "persons",
    "operations",
    "interchange",
    "registry",
    "audit",
    "payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads a query parameter: no NUL in them (config/middleware.py).
    "config.middleware.QueryWithoutNul",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the switcher's cookie, else the browser's Accept-Language ...
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # ... unless the signed-in user chose one (agencies/middleware.py).
    "agencies.middleware.UserLanguageMiddleware",
    # request.user.is_verified(): whether this session passed the second factor.
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle timeout and absolute lifetime of a session, then the second factor before any page.
    "agencies.middleware.SessionLifetimeMiddleware",
    "agencies.middleware.SecondFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # The request being served, for the audit trail's "from where" (audit.record).
    "audit.request.AuditRequestMiddleware",
    # After MessageMiddleware: a save whose task could not be queued says nothing is lost.
    "config.middleware.BrokerOutageNotice",
    # A partner's feed token opens the registry's feeds and lookup, and 404 everywhere else.
    "registry.feedauth.FeedTokenGate",
    # Last: turns a sign-in refused for lockout (page, token endpoint, admin) into its answer.
    "axes.middleware.AxesMiddleware",
]

# A strict Content Security Policy: no inline script or style, nothing from another origin.
# One middleware on every supported Django version (config/csp.py): Django 6 has its own,
# the 5.2 LTS series (Python 3.11) has none.
MIDDLEWARE.insert(1, "config.csp.ContentSecurityPolicyMiddleware")
FORTRESS_CSP = {
    "default-src": [CSP_SELF],
    "script-src": [CSP_SELF],
    "style-src": [CSP_SELF],
    "img-src": [CSP_SELF, "data:"],
    "object-src": [CSP_NONE],
    "frame-ancestors": [CSP_NONE],
    "base-uri": [CSP_SELF],
    "form-action": [CSP_SELF],
}

# HTTPS: on whenever DEBUG is off. Behind a proxy that ends TLS, set
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (the header the proxy sets, as Django sees
# it) so Django knows a request came over https; the proxy must strip the header from clients.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
_PROXY_SSL_HEADER = env_str("SECURE_PROXY_SSL_HEADER").strip()
if _PROXY_SSL_HEADER:
    if (
        not _PROXY_SSL_HEADER.startswith("HTTP_")
        or not _PROXY_SSL_HEADER.replace("_", "").isalnum()
    ):
        raise ImproperlyConfigured(
            "SECURE_PROXY_SSL_HEADER must name a request header as Django sees it, such as "
            f"HTTP_X_FORWARDED_PROTO; got {_PROXY_SSL_HEADER!r}"
        )
    SECURE_PROXY_SSL_HEADER = (_PROXY_SSL_HEADER, "https")
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "django.template.context_processors.i18n",
                "agencies.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'fortress.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default under concurrent writers: WAL lets readers go on beside the one
    # writer; IMMEDIATE takes the write lock at BEGIN, so two transactions never both read
    # and then deadlock upgrading to write ("database is locked" at once, whatever the
    # timeout); a writer waits up to `timeout` seconds for the lock instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
# Several checkouts or agents may test against one PostgreSQL server at once.
if env_str("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# One rule for the username a sign-in names (spaces around it dropped), on every entry point;
# django-axes first, so a locked account or address is refused before any password check.
AUTHENTICATION_BACKENDS = [
    "agencies.backends.LockoutBackend",
    "agencies.backends.FortressBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The interface languages offered: English, and every language whose catalogue
# (locale/<code>/LC_MESSAGES/django.po) is complete; tests/test_i18n.py checks that each one
# offered has no untranslated or fuzzy entry. Catalogues still being translated are listed in
# LANGUAGES_IN_PROGRESS and are not offered. Adding a language: see README.md, "Languages".
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ar", "العربية"),
    ("vi", "Tiếng Việt"),
    ("th", "ไทย"),
]
LANGUAGES_IN_PROGRESS: list[tuple[str, str]] = []
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates and numbers in the active language's formats (Django's own per-locale formats), except
# where config/formats/<code>/formats.py says otherwise (English keeps ISO dates).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
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

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Notifications by e-mail: the console by default; for SMTP set EMAIL_BACKEND to
# django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST / EMAIL_PORT.
_EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
_EMAIL_OPTIONS = (
    {"host": env_str("EMAIL_HOST", "localhost"), "port": env_int("EMAIL_PORT", 25)}
    if _EMAIL_BACKEND.endswith("smtp.EmailBackend")
    else {}
)
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND, "OPTIONS": _EMAIL_OPTIONS}}
else:
    EMAIL_BACKEND = _EMAIL_BACKEND
    EMAIL_HOST = _EMAIL_OPTIONS.get("host", "localhost")
    EMAIL_PORT = _EMAIL_OPTIONS.get("port", 25)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "fortress@localhost")
# Where users reach Fortress: links in e-mails are made absolute with it.
FORTRESS_SITE_URL = env_url("FORTRESS_SITE_URL", "http://127.0.0.1:8000")

# The cache every process shares: the API's throttles (the token endpoint's password-guessing
# limit) count in the database, in a table `migrate` creates (agencies/migrations/0003).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "fortress_cache",
    }
}
# How many reverse proxies in front of Fortress append to X-Forwarded-For: the client address
# is the one the outermost of them saw. 0 (the default): X-Forwarded-For is ignored, and the
# address is the connection's; a client-sent X-Forwarded-For never names another client.
FORTRESS_NUM_PROXIES = env_int("FORTRESS_NUM_PROXIES", 0, minimum=0)
# Requests per minute one client address may make to the public awareness page and its feeds
# (counted in the shared cache above, per address as FORTRESS_NUM_PROXIES reads it).
FORTRESS_PUBLIC_RATE_PER_MINUTE = env_int("FORTRESS_PUBLIC_RATE_PER_MINUTE", 60, minimum=1)

# --- Trust: second factor, lockout, sessions ----------------------------------------------
# A second factor (authenticator app, passkey, or a recovery code) for every account: a
# signed-in user without one is sent to enrolment before any page. On whenever DEBUG is off.
FORTRESS_REQUIRE_MFA = env_bool("FORTRESS_REQUIRE_MFA", default=not DEBUG)
# API tokens expire this many days after they are issued.
FORTRESS_TOKEN_DAYS = env_int("FORTRESS_TOKEN_DAYS", 90, minimum=1)
# A session unused this long is signed out; none lives longer than the maximum.
FORTRESS_SESSION_IDLE_MINUTES = env_int("FORTRESS_SESSION_IDLE_MINUTES", 30, minimum=1)
FORTRESS_SESSION_MAX_HOURS = env_int("FORTRESS_SESSION_MAX_HOURS", 12, minimum=1)
SESSION_COOKIE_AGE = FORTRESS_SESSION_MAX_HOURS * 3600
# Lockout (django-axes, state in the database so every process sees it): 5 failed sign-ins
# for one account (its name in any case or spacing) or from one client address lock that
# account or address for 15 minutes, on the login page, the token endpoint and the admin.
FORTRESS_LOCKOUT_FAILURES = env_int("FORTRESS_LOCKOUT_FAILURES", 5, minimum=1)
FORTRESS_LOCKOUT_MINUTES = env_int("FORTRESS_LOCKOUT_MINUTES", 15, minimum=1)
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = FORTRESS_LOCKOUT_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=FORTRESS_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "agencies.lockout.lockout_username"
AXES_CLIENT_IP_CALLABLE = "agencies.lockout.client_ip"
AXES_LOCKOUT_CALLABLE = "agencies.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = False
AXES_VERBOSE = False
# Sign-ins are recorded by the security events (agencies/security.py), not a second log.
AXES_DISABLE_ACCESS_LOG = True
# The second factor: TOTP codes a few steps apart still count (clock drift); passkeys
# (WebAuthn) only as a second factor after the password, never instead of it.
OTP_TOTP_ISSUER = "Fortress"
OTP_WEBAUTHN_RP_NAME = "Fortress"
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
# A passkey belongs to the site's domain, FORTRESS_SITE_URL's host: browsers offer passkeys on
# https or on http://localhost, never on plain http elsewhere nor on a bare IP address (so
# with the default http://127.0.0.1:8000, open http://localhost:8000 to use them).
OTP_WEBAUTHN_ALLOWED_ORIGINS = [
    origin
    for origin in [FORTRESS_SITE_URL, *CSRF_TRUSTED_ORIGINS]
    if origin.startswith(("https://", "http://localhost"))
] or [f"http://localhost:{urlsplit(FORTRESS_SITE_URL).port or 80}"]
OTP_WEBAUTHN_RP_ID = urlsplit(OTP_WEBAUTHN_ALLOWED_ORIGINS[0]).hostname

# --- API ---------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an unauthenticated call answers 401 with `WWW-Authenticate: Token`.
        "agencies.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "config.pagination.BoundedPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "config.fields.IdFilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "config.schema.FortressAutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "NUM_PROXIES": FORTRESS_NUM_PROXIES,
    # The services' errors (config/errors.py) become 404 / 403 / 409 / 400 here, and only here.
    "EXCEPTION_HANDLER": "config.exception_handler.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fortress API",
    "DESCRIPTION": "Cases, indicators, cross-reference hits, victims and joint operations. "
    "Every endpoint answers only what the signed-in user's agency may see; "
    "anything else is 404.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # The schema and its docs page: for signed-in users (a session or a token) only.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.require_version_on_update",
    ],
    "ENUM_NAME_OVERRIDES": {
        "CountryEnum": "django_countries.countries",
        "RepatriationStageEnum": "victims.models.Stage",
        "OperationStatusEnum": "cases.models.OperationStatus",
        "ParticipationStatusEnum": "cases.models.ParticipationStatus",
        "SuspectRoleEnum": "cases.models.SuspectRole",
        "FraudTypeEnum": "cases.models.FraudType",
        "RegistryEntryStatusEnum": "registry.models.EntryStatus",
        "PublicationProposalStatusEnum": "registry.models.ProposalStatus",
        "StopPaymentStatusEnum": "payments.models.Status",
        "StopPaymentAccountKindEnum": "payments.models.AccountKind",
        "ChainEnum": "indicators.normalize.kinds.Chain",
    },
    # `<id:pk>` (config/ids.py) is an integer id, as `<int:pk>` would be.
    "PATH_CONVERTER_OVERRIDES": {"id": ID_SCHEMA},
    # Swagger UI and ReDoc served from the drf-spectacular-sidecar package (no CDN).
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery ------------------------------------------------------------------------------
# Unset CELERY_BROKER_URL: tasks run eagerly in-process (tests, management commands).
# `make run` sets `filesystem://`: kombu's broker in plain folders under FORTRESS_BROKER_DIR,
# no server needed, with a worker and beat beside the web server (config/embedded.py).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
FORTRESS_BROKER_DIR = Path(env_str("FORTRESS_BROKER_DIR", str(BASE_DIR / "var" / "broker")))
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 600)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 540)
# Every Fortress task is idempotent, so a task lost with its worker is run again.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing tries the broker once: kombu's connection retry (up to broker_connection_timeout,
# about 6 s with its back-off) would hold every save while the broker is down, and the
# publish is optional anyway (config/celery.py publish_on_commit: the work waits in the
# database for the sweep). apply_async(retry=False) does not reach the connection itself.
# The worker's own connection keeps its retries (broker_connection_max_retries).
_BROKER_PUBLISH_OPTIONS = {"max_retries": 0}
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {"visibility_timeout": 3600, **_BROKER_PUBLISH_OPTIONS}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # One folder of messages that every process writes to and reads from.
    for _folder in ("messages", "control"):
        (FORTRESS_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(FORTRESS_BROKER_DIR / "messages"),
        "data_folder_out": str(FORTRESS_BROKER_DIR / "messages"),
        "control_folder": str(FORTRESS_BROKER_DIR / "control"),
        "store_processed": False,
        **_BROKER_PUBLISH_OPTIONS,
    }
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
# Persons: index and match suspects and victims never indexed or changed since, every minute.
CELERY_BEAT_SCHEDULE["persons-sweep"] = {"task": "persons.tasks.sweep_persons", "schedule": 60.0}
# Indicators: cross-reference anything a broker outage left unprocessed, every minute.
CELERY_BEAT_SCHEDULE["indicators-sweep-unprocessed"] = {
    "task": "indicators.tasks.sweep_unprocessed",
    "schedule": 60.0,
}
# Indicators: set every agency's tally of hits again from the hits, daily.
CELERY_BEAT_SCHEDULE["indicators-recount-hits"] = {
    "task": "indicators.tasks.recount_hits",
    "schedule": 86400.0,
}
# Victims: flag overdue repatriation stages and notify the responsible liaison officer, hourly.
CELERY_BEAT_SCHEDULE["victims-flag-overdue-repatriations"] = {
    "task": "victims.tasks.flag_overdue_repatriations",
    "schedule": float(env_int("FORTRESS_OVERDUE_CHECK_SECONDS", 3600)),
}

# Imports: restart the jobs whose task was lost (a worker that died with it), every 5 minutes.
CELERY_BEAT_SCHEDULE["interchange-sweep-imports"] = {
    "task": "interchange.tasks.sweep_imports",
    "schedule": 300.0,
}

# Stop-payment requests: warn of deadlines near and expire the unanswered ones.
CELERY_BEAT_SCHEDULE["payments-check-deadlines"] = {
    "task": "payments.tasks.check_stop_payment_deadlines",
    "schedule": float(env_int("FORTRESS_STOP_PAYMENT_CHECK_SECONDS", 300, minimum=10)),
}

# --- Fortress ----------------------------------------------------------------------------
# Stop-payment requests: the default deadline (hours after filing), and how long before the
# deadline the receiving agency is reminded.
FORTRESS_STOP_PAYMENT_HOURS = env_int("FORTRESS_STOP_PAYMENT_HOURS", 24, minimum=1)
FORTRESS_STOP_PAYMENT_WARN_HOURS = env_int("FORTRESS_STOP_PAYMENT_WARN_HOURS", 4, minimum=1)
DEMO_PASSWORD = env_str("DEMO_PASSWORD", "fortress-demo")
# Cross-referencing: a value held by more cases than this is common and raises no hits; so
# is any value on the list (public resolvers, webmail and URL-shortener domains, ...).
FORTRESS_COMMON_VALUE_THRESHOLD = env_int("FORTRESS_COMMON_VALUE_THRESHOLD", 50)
# Person matching: a pair of persons scoring at least this (0-100) goes to the review queue.
FORTRESS_PERSON_MATCH_THRESHOLD = env_int("FORTRESS_PERSON_MATCH_THRESHOLD", 80)
# A name key (two name tokens) held by more indexed persons than this is common: persons who
# share only common name keys match only when born the same known year (or on a document).
FORTRESS_PERSON_COMMON_NAME_THRESHOLD = env_int("FORTRESS_PERSON_COMMON_NAME_THRESHOLD", 1000)
FORTRESS_COMMON_VALUES = env_list(
    "FORTRESS_COMMON_VALUES",
    default=[
        "8.8.8.8",
        "8.8.4.4",
        "1.1.1.1",
        "1.0.0.1",
        "9.9.9.9",
        "208.67.222.222",
        "2001:4860:4860::8888",
        "2606:4700:4700::1111",
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "outlook.com",
        "hotmail.com",
        "live.com",
        "icloud.com",
        "proton.me",
        "protonmail.com",
        "qq.com",
        "163.com",
        "mail.ru",
        "google.com",
        "facebook.com",
        "t.me",
        "telegram.org",
        "whatsapp.com",
        "bit.ly",
        "tinyurl.com",
        "zalo.me",
        "line.me",
    ],
)
# Days each repatriation stage may take before it is overdue, e.g. "identified=2,in_shelter=21";
# stages not named keep the defaults of victims/stages.py (DEFAULT_STAGE_DAYS).
FORTRESS_REPATRIATION_STAGE_DAYS = env_int_map("FORTRESS_REPATRIATION_STAGE_DAYS")
# Interchange imports: the largest file (bytes), the most indicators a file may hold, how deep
# its JSON may nest, and how many rows one Celery task checks (the save is one service call).
FORTRESS_IMPORT_MAX_BYTES = env_int("FORTRESS_IMPORT_MAX_BYTES", 20_000_000, minimum=1)
FORTRESS_IMPORT_MAX_ROWS = env_int("FORTRESS_IMPORT_MAX_ROWS", 200_000, minimum=1)
FORTRESS_IMPORT_MAX_DEPTH = env_int("FORTRESS_IMPORT_MAX_DEPTH", 32, minimum=1)
FORTRESS_IMPORT_BATCH_SIZE = env_int("FORTRESS_IMPORT_BATCH_SIZE", 5000, minimum=1)
# A job that has not moved (no batch checked, no save begun) for this long lost its task: the
# sweep publishes it again, up to this many times in a row without progress, then fails it
# (nothing is saved).
# Longer than any task may run (CELERY_TASK_TIME_LIMIT), so a batch still running is never
# taken for lost.
FORTRESS_IMPORT_STALL_SECONDS = env_int(
    "FORTRESS_IMPORT_STALL_SECONDS",
    max(900, CELERY_TASK_TIME_LIMIT + 60),
    minimum=CELERY_TASK_TIME_LIMIT + 60,
)
FORTRESS_IMPORT_RESTARTS = env_int("FORTRESS_IMPORT_RESTARTS", 3, minimum=0)

# Retention: a closed case is due for review (keep it, or delete its personal data) this many
# years after it closed (Interpol's rules on the processing of data set 5).
FORTRESS_RETENTION_YEARS = env_int("FORTRESS_RETENTION_YEARS", 5, minimum=1)
# Who receives vulnerability reports: shown on the security page (/security/) and in
# docs/SECURITY.md; the deployer sets it (an address or a URL).
FORTRESS_SECURITY_CONTACT = env_str("FORTRESS_SECURITY_CONTACT", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # In eager mode every task would log "succeeded" into the web server's console.
    "loggers": {
        # django-axes says every failure twice (fortress.security says it once, with ids).
        "axes": {"level": "ERROR"},
        **({"celery.app.trace": {"level": "WARNING"}} if CELERY_TASK_ALWAYS_EAGER else {}),
    },
}
