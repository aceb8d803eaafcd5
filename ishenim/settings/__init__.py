"""Ishenim settings: one module, read from the environment only.

Every variable is documented in docs/configuration.md. `ISHENIM_ENV` says which defaults
apply: `development` (the default: `make run` on a laptop or a district office PC) or
`production`, which refuses to start with DEBUG on or without a real secret key.
"""

import secrets
from importlib.util import find_spec
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from ishenim.settings.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_secret,
    env_str,
)
from ishenim.settings.mail import email_settings

PACKAGE_DIR = Path(__file__).resolve().parent.parent

ISHENIM_ENV = env_choice("ISHENIM_ENV", "development", ("development", "production", "test"))
PRODUCTION = ISHENIM_ENV == "production"

# The data folder holds the SQLite database, uploaded files, collected static files and, in
# development, the generated secret key. Relative to where the command runs, like `./var`.
DATA_DIR = Path(env_str("ISHENIM_DATA_DIR", "var")).expanduser().resolve()

DEBUG = env_bool("DEBUG", default=not PRODUCTION and ISHENIM_ENV != "test")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production (ISHENIM_ENV=production).")

_DEV_KEY_FILE = DATA_DIR / "secret_key"
DEVELOPMENT_KEY_PREFIX = "dev-"


def _development_secret_key() -> str:
    """Generated once into the data folder, so sessions survive restarts on a laptop."""
    if _DEV_KEY_FILE.exists():
        return _DEV_KEY_FILE.read_text(encoding="utf-8").strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = DEVELOPMENT_KEY_PREFIX + secrets.token_urlsafe(48)
    _DEV_KEY_FILE.touch(mode=0o600)
    _DEV_KEY_FILE.write_text(key, encoding="utf-8")
    return key


SECRET_KEY = env_secret("SECRET_KEY")
if PRODUCTION:
    if (
        len(SECRET_KEY) < 50
        or SECRET_KEY.startswith((DEVELOPMENT_KEY_PREFIX, "django-insecure"))
        or (_DEV_KEY_FILE.exists() and _DEV_KEY_FILE.read_text().strip() == SECRET_KEY)
    ):
        raise ImproperlyConfigured(
            "Production needs its own SECRET_KEY (or SECRET_KEY_FILE) of at least 50 characters,"
            " not a development key."
        )
elif not SECRET_KEY:
    SECRET_KEY = _development_secret_key()

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Production needs ALLOWED_HOSTS (comma-separated host names).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# A rejected form gets a page in the reader's language that says what to do next.
CSRF_FAILURE_VIEW = "ishenim.core.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "ishenim.core",
    "ishenim.geo",
    "ishenim.orgs",
    "ishenim.stats",
    "ishenim.notifications",
    "ishenim.appeals",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ishenim.core.middleware.SecureHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ishenim.orgs.middleware.TwoFactorRequiredMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "ishenim.core.middleware.AuditContextMiddleware",
]

ROOT_URLCONF = "ishenim.urls"
WSGI_APPLICATION = "ishenim.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ishenim.core.context_processors.site",
            ],
        },
    },
]

# --- Database: SQLite in the data folder unless DATABASE_URL names another ---------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60), conn_health_checks=True
        )
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "ishenim.sqlite3",
            "OPTIONS": {
                # WAL lets readers run beside the one writer; synchronous=FULL because NORMAL
                # can lose the last commits on power loss, and a lost appeal is a lost person.
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=FULL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA busy_timeout=20000;"
                ),
                # Take the write lock at BEGIN: a deferred transaction that later writes can
                # fail with "database is locked" instead of waiting its turn.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -----------------------------------------------------------------------------
AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = ["ishenim.orgs.auth.EmailOrPhoneBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "orgs:login"
LOGIN_REDIRECT_URL = "core:my_work"
LOGOUT_REDIRECT_URL = "core:home"
OTP_TOTP_ISSUER = env_str("ISHENIM_SITE_NAME", "Ishenim")
# Failed sign-ins: after this many for one login or one address within the window, wait.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW_MINUTES = env_int("LOGIN_FAILURE_WINDOW_MINUTES", 15)
# Who counts as staff (client IP kept in the audit log, two-factor offered): decided by orgs,
# named here so that core, which sits below orgs, can ask without importing it.
ISHENIM_STAFF_PREDICATE = "ishenim.orgs.policy.is_staff"

# --- Languages, time, country -------------------------------------------------------------
LANGUAGES = [("ky", _("Kyrgyz")), ("ru", _("Russian")), ("en", _("English"))]
LANGUAGE_CODE = env_choice("ISHENIM_DEFAULT_LANGUAGE", "ky", tuple(code for code, _n in LANGUAGES))
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env_str("ISHENIM_TIME_ZONE", "Asia/Bishkek")
USE_THOUSAND_SEPARATOR = True
LANGUAGE_COOKIE_NAME = "ishenim_language"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# The country the platform serves: the holidays calendar and the reference data folder.
# Another country is another ISHENIM_REFERENCE_DIR and ISHENIM_COUNTRY.
ISHENIM_COUNTRY = env_str("ISHENIM_COUNTRY", "KG")
ISHENIM_REFERENCE_DIR = Path(
    env_str("ISHENIM_REFERENCE_DIR", str(PACKAGE_DIR / "geo" / "reference" / "kg"))
)
ISHENIM_SITE_NAME = env_str("ISHENIM_SITE_NAME", "Ishenim")
# Where residents reach the site: the links in text messages and emails (no request to ask).
ISHENIM_PUBLIC_URL = env_str("ISHENIM_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
# Phone numbers typed without a country code are read as national numbers of this country.
ISHENIM_PHONE_CALLING_CODE = env_str("ISHENIM_PHONE_CALLING_CODE", "996")
ISHENIM_PHONE_NATIONAL_LENGTH = env_int("ISHENIM_PHONE_NATIONAL_LENGTH", 9)
ISHENIM_PHONE_TRUNK_PREFIX = env_str("ISHENIM_PHONE_TRUNK_PREFIX", "0")
# Background map tiles for Leaflet; empty draws the GeoJSON layers on a plain background,
# which is what an office without internet access wants.
ISHENIM_MAP_TILES_URL = env_str(
    "ISHENIM_MAP_TILES_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
ISHENIM_MAP_ATTRIBUTION = env_str(
    "ISHENIM_MAP_ATTRIBUTION", "&copy; OpenStreetMap contributors; boundaries OCHA/MoES KR via HDX"
)
# Credited in every page's footer, as the reference data's licence asks (see PROVENANCE.md);
# another country's data folder brings another credit.
ISHENIM_DATA_ATTRIBUTION = env_str("ISHENIM_DATA_ATTRIBUTION") or _(
    "Boundaries: OCHA / Ministry of Emergency Situations of the Kyrgyz Republic, via HDX."
)

# --- Files and static assets --------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("ISHENIM_MEDIA_DIR", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
# Leaflet's files come from the django-leaflet package. Its app is not installed: its admin
# module needs GDAL, which the platform does not (places are plain latitude and longitude).
STATICFILES_DIRS = [Path(find_spec("leaflet").submodule_search_locations[0]) / "static"]

# --- Outbound messages --------------------------------------------------------------------
# live: send; redirect: send everything to OUTBOUND_REDIRECT_TO; log: write to the log only.
# Anything but production logs, so a test or a demo never messages a real officer or resident.
OUTBOUND_DELIVERY = env_choice(
    "OUTBOUND_DELIVERY", "live" if PRODUCTION else "log", ("live", "redirect", "log")
)
OUTBOUND_REDIRECT_TO = env_str("OUTBOUND_REDIRECT_TO")
if OUTBOUND_DELIVERY == "redirect" and not OUTBOUND_REDIRECT_TO:
    raise ImproperlyConfigured("OUTBOUND_DELIVERY=redirect needs OUTBOUND_REDIRECT_TO.")
globals().update(email_settings(env_str("EMAIL_URL", "console://")))
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Ishenim <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Text messages: `console` prints them (development); `http` posts them to a gateway. The
# gateway's request is described by the settings below, so that another provider is
# configuration, not code (ishenim/notifications/sms/http.py).
SMS_BACKEND = env_choice("SMS_BACKEND", "console", ("console", "http"))
SMS_HTTP_URL = env_str("SMS_HTTP_URL")
if SMS_BACKEND == "http" and not SMS_HTTP_URL:
    raise ImproperlyConfigured("SMS_BACKEND=http needs SMS_HTTP_URL.")
if SMS_HTTP_URL and not SMS_HTTP_URL.lower().startswith(("https://", "http://")):
    # The URL is not repeated: a gateway's key is often in its query string.
    raise ImproperlyConfigured("SMS_HTTP_URL must start with https:// or http://.")
SMS_HTTP_METHOD = env_choice("SMS_HTTP_METHOD", "post", ("post", "put", "get")).upper()
SMS_HTTP_BODY = env_str("SMS_HTTP_BODY", '{"to": "{to}", "text": "{text}", "sender": "{sender}"}')
SMS_HTTP_CONTENT_TYPE = env_str("SMS_HTTP_CONTENT_TYPE", "application/json")
SMS_HTTP_TOKEN = env_secret("SMS_HTTP_TOKEN")
SMS_SENDER = env_str("SMS_SENDER")

# --- Background tasks ---------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# --- Security -----------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", default=PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
if env_bool("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies stand in front; the client address is read that many hops back in
# X-Forwarded-For. 0 trusts only the socket address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
