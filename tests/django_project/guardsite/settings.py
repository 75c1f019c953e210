"""Settings of the guarded test site: stock django-waffle, flaglint.django, the admin; sqlite and PostgreSQL.

The sqlite file lives in FLAGLINT_TEST_DB_DIR (the test conftest makes a fresh temporary directory). The
``postgres`` alias points at the throwaway cluster the conftest starts (its socket directory in
FLAGLINT_TEST_PG_HOST); a router sends every query to the alias the running test chose.
"""

import os
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DB_DIR = os.environ.get("FLAGLINT_TEST_DB_DIR") or tempfile.mkdtemp(prefix="flaglint-guardsite-")

SECRET_KEY = "flaglint-guard-site-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost"]
BASE_DIR = HERE

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "waffle",
    "guardsite.shop",
    "flaglint.django",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "waffle.middleware.WaffleMiddleware",
]

ROOT_URLCONF = "guardsite.urls"

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
            ],
        },
    },
]

DATABASES = {
    "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(DB_DIR, "guardsite.sqlite3")},
}
if os.environ.get("FLAGLINT_TEST_PG_HOST"):
    DATABASES["postgres"] = {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "postgres",
        "USER": "postgres",
        "HOST": os.environ["FLAGLINT_TEST_PG_HOST"],
        "PORT": os.environ.get("FLAGLINT_TEST_PG_PORT", "5432"),
    }
DATABASE_ROUTERS = ["guardsite.routing.ChosenDatabase"]

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast logins in tests

FLAGLINT_SOURCE = HERE
FLAGLINT_ENVIRONMENT = "prod"
FLAGLINT_STATUS_TOKEN = "monitor-token"
FLAGLINT_CACHE_DIR = os.path.join(DB_DIR, "flaglint-cache")
