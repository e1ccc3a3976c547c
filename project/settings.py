"""Host project for development, the demo and the tests.

Only this project reads the environment (django-environ); the app itself reads nothing but
`settings.THRIVE_INTEGRATION`. Defaults give a working SQLite + ORM-broker setup with no
services; `DATABASE_URL` switches to PostgreSQL and `REDIS_URL` to the Redis broker.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
env = environ.Env()


DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env.str(
    "DJANGO_SECRET_KEY", default="dev-only-insecure-secret-key-change-me-0123456789"
)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_q",
    "thrive_integration",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "project.urls"
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
            ]
        },
    }
]
WSGI_APPLICATION = "project.wsgi.application"

VAR_DIR = Path(env.str("THRIVE_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the qcluster and the web process read while a sync writes; in WAL mode
    # synchronous=NORMAL cannot corrupt the database, and a 128 MB page cache keeps the mirror's
    # indexes in memory as they grow past SQLite's 2 MB default. An import page writes a few MB:
    # checkpointing the WAL every 64 MB instead of every 4 MB copies (and syncs) pages that
    # several pages rewrite once, not again after every second or third page.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-131072; "
        "PRAGMA wal_autocheckpoint=16384;"
    )
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"]["timeout"] = 30
# Lets several test runs share one PostgreSQL server without fighting over test_<name>.
if env.str("TEST_DATABASE_NAME", default=""):
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = []
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"

REDIS_URL = env.str("REDIS_URL", default="")
Q_CLUSTER = {
    "name": "thrive",
    "workers": env.int("Q_WORKERS", default=2),
    # A task is bounded by THRIVE_INTEGRATION["TASK_TIME_BUDGET"] and checkpoints; timeout is the
    # hard stop, and retry must exceed it so a task is never re-delivered while still running.
    "timeout": 600,
    "retry": 720,
    "max_attempts": 3,
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 1000,
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

THRIVE_INTEGRATION = {
    # MultiFernet keys, newest first. The default is for the demo only; a system check warns.
    "ENCRYPTION_KEYS": env.list(
        "THRIVE_ENCRYPTION_KEYS", default=["NlJ4a1p5QjF0cVZXcGdGVHZFUWt3WkQ2Y0N5ZEtmM0g="]
    ),
    "ALLOW_INSECURE_BASE_URL": env.bool("THRIVE_ALLOW_INSECURE_BASE_URL", default=DEBUG),
}

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Thrive integration API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "ConnectionStatusEnum": "thrive_integration.models.connection.ConnectionStatus",
        "RunStatusEnum": "thrive_integration.models.sync.RunStatus",
        "StepStatusEnum": "thrive_integration.models.sync.StepStatus",
        "SyncRunKindEnum": "thrive_integration.models.sync.SyncRun.Kind",
        "OutboxKindEnum": "thrive_integration.models.outbox.OutboxKind",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "thrive_integration.redaction.RedactingFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "loggers": {
        "thrive_integration": {"handlers": ["console"], "level": "INFO"},
        # Server errors reach the console even with DEBUG off, keys redacted.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
    },
}
