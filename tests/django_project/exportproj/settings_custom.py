"""Settings for a swapped flag model: WAFFLE_FLAG_MODEL = "registrar.WaffleFlag" (dumps label it registrar.waffleflag)."""

import os

from .settings import *  # noqa: F401,F403
from .settings import DB_DIR, INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS, "registrar"]

WAFFLE_FLAG_MODEL = "registrar.WaffleFlag"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(DB_DIR, "custom.sqlite3"),
    }
}
