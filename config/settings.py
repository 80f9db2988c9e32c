"""BayFin settings. Every value that differs between machines comes from the environment."""

import json
import os
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from bayfin.fx.engine import rates as _fx_rates

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("BAYFIN_DEBUG", True)
SECRET_KEY = os.environ.get("BAYFIN_SECRET_KEY", "")
if not SECRET_KEY:
    # The development key is public (it is in this file): signing sessions, CSRF tokens and
    # password-reset links with it in production would let anyone forge them.
    if not DEBUG:
        raise ImproperlyConfigured("Set BAYFIN_SECRET_KEY when BAYFIN_DEBUG is off.")
    SECRET_KEY = "bayfin-embedded-insecure-key-change-me"
ALLOWED_HOSTS = [h for h in os.environ.get("BAYFIN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("BAYFIN_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
SITE_URL = os.environ.get("BAYFIN_SITE_URL", "http://127.0.0.1:8000")

# BayFin's apps come first so that their translations take precedence over Django's own
# (an app listed earlier wins when two catalogues translate the same string).
INSTALLED_APPS = [
    "bayfin.common",
    "bayfin.accounts",
    "bayfin.enterprises",
    "bayfin.institutions",
    "bayfin.financing",
    "bayfin.fx",
    "bayfin.evaluation",
    "bayfin.scoring",
    "bayfin.matching",
    "bayfin.ledger",
    "bayfin.consent",
    "bayfin.documents",
    "bayfin.notifications",
    "bayfin.analytics",
    "bayfin.web",
    "bayfin.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "bayfin.web.context_processors.navigation",
                "bayfin.notifications.context_processors.unread_notifications",
            ],
            "builtins": ["bayfin.web.templatetags.bayfin"],
        },
    }
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'bayfin.sqlite3'}"),
        conn_max_age=int(os.environ.get("BAYFIN_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE"})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("zh-hant", _("Traditional Chinese")),
    ("pt", _("Portuguese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Macau"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [
    ("vendor/bootstrap", BASE_DIR / "node_modules" / "bootstrap" / "dist"),
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
MEDIA_ROOT = Path(os.environ.get("BAYFIN_MEDIA_ROOT", BASE_DIR / "var" / "media"))
MEDIA_URL = "media/"  # never routed: documents are served only through bayfin.documents' permission checks
# Where uploaded documents are stored: local disk by default, any Django storage backend in
# production (for example an S3-compatible one from django-storages, installed by the deployment),
# with its options as JSON.
STORAGES = {
    "default": {
        "BACKEND": os.environ.get("BAYFIN_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": json.loads(os.environ.get("BAYFIN_STORAGE_OPTIONS", "{}")),
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Bodies larger than this are refused (413) before any parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("BAYFIN_MAX_BODY_BYTES", str(1024 * 1024)))

EMAIL_BACKEND = os.environ.get("BAYFIN_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("BAYFIN_FROM_EMAIL", "BayFin <no-reply@bayfin.example>")

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: production uses Redis as the broker; the embedded mode runs tasks in-process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = env_bool("BAYFIN_TASKS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE

# Domain settings.
BAYFIN_INVITATION_TTL_HOURS = int(os.environ.get("BAYFIN_INVITATION_TTL_HOURS", "72"))
BAYFIN_API_PAGE_SIZE = int(os.environ.get("BAYFIN_API_PAGE_SIZE", "20"))
BAYFIN_API_MAX_PAGE_SIZE = 100

# Exchange rates (bayfin.fx): a conversion uses no rate older than this many days
# before its date; entry refuses rates outside the pegs by more than the tolerance,
# and direct rates that disagree with the pivot path by more than the cross tolerance.
BAYFIN_FX_MAX_RATE_AGE_DAYS = int(os.environ.get("BAYFIN_FX_MAX_RATE_AGE_DAYS", str(_fx_rates.DEFAULT_MAX_AGE_DAYS)))
BAYFIN_FX_PEG_TOLERANCE = Decimal(os.environ.get("BAYFIN_FX_PEG_TOLERANCE", str(_fx_rates.DEFAULT_PEG_TOLERANCE)))
BAYFIN_FX_CROSS_TOLERANCE = Decimal(
    os.environ.get("BAYFIN_FX_CROSS_TOLERANCE", str(_fx_rates.DEFAULT_CROSS_TOLERANCE)))

# The verifiable ledger (bayfin.ledger): the log's name (its origin, also its key's name),
# the signing key file (outside the database; created by `bayfin ledger init`), an
# optional witness key file (cosigns checkpoints after checking consistency), and when a
# new checkpoint is signed: every so many entries, or after so many seconds.
BAYFIN_LEDGER_ORIGIN = os.environ.get("BAYFIN_LEDGER_ORIGIN", "ledger.bayfin.example")
BAYFIN_LEDGER_KEY_FILE = os.environ.get("BAYFIN_LEDGER_KEY_FILE", str(BASE_DIR / "var" / "ledger" / "log.key"))
BAYFIN_LEDGER_WITNESS_KEY_FILE = os.environ.get("BAYFIN_LEDGER_WITNESS_KEY_FILE",
                                                str(BASE_DIR / "var" / "ledger" / "witness.key"))
BAYFIN_LEDGER_WITNESS_NAME = os.environ.get("BAYFIN_LEDGER_WITNESS_NAME", "witness.macao.bayfin.example")
BAYFIN_LEDGER_CHECKPOINT_EVERY = int(os.environ.get("BAYFIN_LEDGER_CHECKPOINT_EVERY", "64"))
BAYFIN_LEDGER_CHECKPOINT_SECONDS = int(os.environ.get("BAYFIN_LEDGER_CHECKPOINT_SECONDS", "60"))
# Deals (bayfin.financing): a loan is in default at this many days past due.
BAYFIN_DEFAULT_DAYS_PAST_DUE = int(os.environ.get("BAYFIN_DEFAULT_DAYS_PAST_DUE", "90"))
# Documents (bayfin.documents): the largest upload, in bytes.
BAYFIN_DOCUMENT_MAX_BYTES = int(os.environ.get("BAYFIN_DOCUMENT_MAX_BYTES", str(20 * 1024 * 1024)))
# Credit models trained here (`bayfin scoring train`); the builtin ones live in bayfin/scoring/artefacts/.
BAYFIN_MODEL_DIR = Path(os.environ.get("BAYFIN_MODEL_DIR", BASE_DIR / "var" / "models"))
BAYFIN_LEDGER_BATCH = int(os.environ.get("BAYFIN_LEDGER_BATCH", "2000"))
# Matching (issue 8): threads of the sentence embedder (through threadpoolctl). 2 on an idle 2-core
# machine; 1 where other processes keep the cores busy (more threads than free cores is many
# times slower).
BAYFIN_MATCHING_EMBED_THREADS = int(os.environ.get("BAYFIN_MATCHING_EMBED_THREADS", "2"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BAYFIN_LOG_LEVEL", "INFO")},
}
