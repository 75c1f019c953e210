"""App config for the custom flag model app."""

from django.apps import AppConfig


class RegistrarConfig(AppConfig):
    """The registrar app."""

    name = "registrar"
    default_auto_field = "django.db.models.AutoField"
