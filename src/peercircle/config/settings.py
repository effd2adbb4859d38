"""PeerCircle settings, read from the environment.

With no environment at all this runs the embedded default: SQLite in WAL mode,
the in-memory channel layer, the database task backend and a generated
development secret. Every variable is listed in ``.env.example`` and explained
in ``docs/configuration.md``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url

from peercircle.config.env import ConfigError, env_bool, env_int, env_list, env_str

PACKAGE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env_str("PEERCIRCLE_DATA_DIR", str(Path.cwd() / "var")) or "var").resolve()

DEBUG = env_bool("DEBUG", False)
TESTING = env_bool("PEERCIRCLE_TESTING", False)


def _secret_key() -> str:
    configured = env_str("SECRET_KEY")
    if configured:
        if len(configured) < 32:
            raise ConfigError("SECRET_KEY must be at least 32 characters long")
        return configured
    if not DEBUG and env_bool("PEERCIRCLE_REQUIRE_SECRET", False):
        raise ConfigError("SECRET_KEY (or SECRET_KEY_FILE) is required in production")
    # Embedded default: a development secret kept beside the database so that
    # sessions survive a restart; never shared between installations.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key_file = DATA_DIR / "dev-secret-key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="utf-8")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="utf-8").strip()


SECRET_KEY = _secret_key()
# Contact details are encrypted with this key (Fernet, base64 of 32 bytes);
# by default it is derived from SECRET_KEY. Rotate by listing old keys after it.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "peercircle.core",
    "peercircle.accounts",
    "peercircle.programmes",
    "peercircle.rooms",
    "peercircle.safety",
    "peercircle.questionnaires",
    "peercircle.volunteers",
    "peercircle.matchmaking",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "peercircle.core.middleware.StaffTwoFactorMiddleware",
    # Axes goes last so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "peercircle.config.urls"
ASGI_APPLICATION = "peercircle.config.asgi.application"
WSGI_APPLICATION = "peercircle.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "peercircle.core.context_processors.crisis",
                "peercircle.core.context_processors.navigation",
                "peercircle.volunteers.context_processors.volunteering",
            ],
        },
    }
]

# --- database -----------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0, minimum=0)
        )
    }
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(DATA_DIR / "peercircle.sqlite3")),
            "OPTIONS": {
                # WAL lets readers carry on while one writer writes; IMMEDIATE takes
                # the write lock at BEGIN so that concurrent writers queue instead of
                # failing half-way through a transaction.
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
    if TESTING:
        # Tests get a file of their own, not SQLite's shared in-memory database:
        # there, two live-server requests writing at once meet a table lock that
        # fails at once ("database table is locked") instead of waiting as the
        # timeout above makes file locks wait. The test run removes it.
        DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, channel layer, tasks ---------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "peercircle"),
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": env_str("CHANNEL_PREFIX", "peercircle")},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- authentication -----------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "public:finder"

AXES_ENABLED = env_bool("LOGIN_THROTTLE_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = env_str("OTP_ISSUER", "PeerCircle")
# Staff who have set up two-factor must confirm a code before staff pages open;
# set this to require it of every staff role.
STAFF_TWO_FACTOR_REQUIRED = env_bool("STAFF_TWO_FACTOR_REQUIRED", False)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY") else None

# --- language, time -----------------------------------------------------------

LANGUAGE_CODE = "en-gb"
LANGUAGES = [("en", "English"), ("cy", "Cymraeg"), ("da", "Dansk")]
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
# WhiteNoise serves from the app directories (WHITENOISE_USE_FINDERS); the root
# only needs to exist unless collectstatic is run for a separate web server.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- PeerCircle ---------------------------------------------------------------

# The organisation whose crisis resources public pages show when no other
# organisation is in context (a deployment for one organisation sets its slug).
DEFAULT_ORGANISATION = env_str("DEFAULT_ORGANISATION")
# Anonymous visitors share cached finder pages (dropped whenever groups,
# sessions or places change; see docs/finder.md). Off only for measuring.
FINDER_PAGE_CACHE = env_bool("FINDER_PAGE_CACHE", True)
ENROLMENT_OFFER_DAYS = env_int("ENROLMENT_OFFER_DAYS", 3, minimum=1)
SESSION_HORIZON_WEEKS = env_int("SESSION_HORIZON_WEEKS", 12, minimum=1)

# Live rooms (docs/rooms.md): message size, the per-person rate limit (counted
# in the database, so it holds across server processes), the per-connection
# frame budget, and the screening hook every message passes through.
ROOMS_MAX_MESSAGE_CHARS = env_int("ROOMS_MAX_MESSAGE_CHARS", 2000, minimum=1)
ROOMS_MAX_FRAME_BYTES = env_int("ROOMS_MAX_FRAME_BYTES", 16384, minimum=1024)
ROOMS_RATE_MESSAGES = env_int("ROOMS_RATE_MESSAGES", 8, minimum=1)
ROOMS_RATE_SECONDS = env_int("ROOMS_RATE_SECONDS", 10, minimum=1)
ROOMS_FRAME_BURST = env_int("ROOMS_FRAME_BURST", 20, minimum=1)
ROOMS_FRAMES_PER_SECOND = env_int("ROOMS_FRAMES_PER_SECOND", 5, minimum=1)
ROOMS_FLOOD_CLOSE_AFTER = env_int("ROOMS_FLOOD_CLOSE_AFTER", 100, minimum=1)
ROOMS_SCREENING_HOOK = env_str("ROOMS_SCREENING_HOOK", "peercircle.safety.screen")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
    "loggers": {"axes": {"level": "ERROR"}},
}
AUDIT_TRIGGERS = not TESTING
if TESTING:
    # Fast hashing for the thousands of test accounts; tests of Argon2 itself
    # use PRODUCTION_PASSWORD_HASHERS.
    PRODUCTION_PASSWORD_HASHERS = PASSWORD_HASHERS
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:
    PRODUCTION_PASSWORD_HASHERS = PASSWORD_HASHERS
    EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "PeerCircle <no-reply@localhost>")
