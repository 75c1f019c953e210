"""The guarded test site with a swapped flag model: WAFFLE_FLAG_MODEL = "registrar.WaffleFlag"."""

from .settings import *  # noqa: F401,F403
from .settings import INSTALLED_APPS

INSTALLED_APPS = [*INSTALLED_APPS[:-1], "registrar", INSTALLED_APPS[-1]]
WAFFLE_FLAG_MODEL = "registrar.WaffleFlag"
