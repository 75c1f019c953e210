"""The app config: hooks the guard, the admin and the system checks in ``ready()``."""

from __future__ import annotations

from django.apps import AppConfig


class FlaglintConfig(AppConfig):  # type: ignore[misc]  # Django ships no type information
    """``flaglint.django``: put it after ``waffle`` (and ``django.contrib.admin``) in INSTALLED_APPS."""

    name = "flaglint.django"
    label = "flaglint"
    verbose_name = "flaglint"

    def ready(self) -> None:
        from django.apps import apps
        from django.core.signals import setting_changed
        from django.db.models.signals import post_migrate

        from flaglint.django import checks, guard

        guard.install()
        if apps.is_installed("django.contrib.admin"):
            from django.contrib import admin

            from flaglint.django.admin import install

            admin.autodiscover()  # waffle's ModelAdmins must be registered before they can be wrapped
            install()
        checks.register()
        post_migrate.connect(checks.after_migrate, dispatch_uid="flaglint-after-migrate")
        setting_changed.connect(_forget_manifest, dispatch_uid="flaglint-setting-changed")


def _forget_manifest(setting: str = "", **kwargs: object) -> None:
    """A test that overrides FLAGLINT_MANIFEST or FLAGLINT_SOURCE gets a fresh manifest."""
    if setting.startswith("FLAGLINT_"):
        from flaglint.django.manifest import forget

        forget()
