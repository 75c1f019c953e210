"""Settings for stock django-waffle (waffle.Flag / waffle.Switch / waffle.Sample).

The sqlite database lives in the directory named by FLAGLINT_EXPORT_DB_DIR (make_exports.py sets it to a fresh
temporary directory), so nothing is ever written inside the repository.
"""

import os
import tempfile

DB_DIR = os.environ.get("FLAGLINT_EXPORT_DB_DIR") or os.path.join(tempfile.gettempdir(), "flaglint-exportproj")
os.makedirs(DB_DIR, exist_ok=True)

SECRET_KEY = "flaglint-export-project-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "waffle",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "waffle.middleware.WaffleMiddleware",
]

ROOT_URLCONF = "exportproj.urls"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(DB_DIR, "stock.sqlite3"),
    }
}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# Read by edx-django-utils when make_exports.py --edx-toggles builds the edx-toggles report (adds "code_owner").
CODE_OWNER_MAPPINGS = {"team-checkout": ["shop"], "team-payments": ["payments"]}
