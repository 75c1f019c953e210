"""System checks (ids in the ``flaglint.`` namespace) and the report at the end of ``migrate``.

- ``flaglint.E001`` the manifest cannot be had (FLAGLINT_MANIFEST unreadable or malformed, FLAGLINT_SOURCE missing);
- ``flaglint.E002`` FLAGLINT_GUARD is not one of block, warn, off;
- ``flaglint.W001`` (database check: ``manage.py check --database default``, and after ``migrate``) a flag,
  switch or sample the code reads is missing from this database;
- ``flaglint.W002`` the manifest is incomplete (files could not be read when it was built).
"""

from __future__ import annotations

import sys
from typing import Any, List, Optional, Sequence

from flaglint.django.conf import GUARD_MODES, app_settings
from flaglint.manifest import ManifestError


def register() -> None:
    """Register the checks with Django (idempotent: Django's registry is a set)."""
    from django.core import checks

    checks.register(check_configuration, "flaglint")
    checks.register(check_databases, "flaglint", checks.Tags.database)


def check_configuration(app_configs: Any = None, **kwargs: Any) -> List[Any]:
    """The settings and the manifest."""
    from django.core.checks import Error, Warning

    from flaglint.django.manifest import current_manifest

    settings = app_settings()
    found: List[Any] = []
    if settings.guard not in GUARD_MODES:
        found.append(
            Error(
                f"FLAGLINT_GUARD is {settings.guard!r}",
                hint=f"use one of {', '.join(GUARD_MODES)}",
                id="flaglint.E002",
            )
        )
    try:
        manifest = current_manifest(settings)
    except ManifestError as error:
        hint = (
            "build it in CI with `flaglint manifest -o FILE` and ship it with the deploy"
            if settings.manifest
            else "set FLAGLINT_SOURCE to the project's source directory, or FLAGLINT_MANIFEST to a manifest file"
        )
        found.append(Error(f"flaglint has no manifest: {error}", hint=hint, id="flaglint.E001"))
        return found
    if not manifest.complete:
        unread = ", ".join(p.path for p in manifest.unreadable[:5]) or "nothing was scanned"
        found.append(
            Warning(
                f"the flaglint manifest ({manifest.origin}) is incomplete: some files could not be read ({unread})",
                hint="a flag used only there is not guarded; fix the files and rebuild the manifest",
                id="flaglint.W002",
            )
        )
    return found


def check_databases(app_configs: Any = None, databases: Optional[Sequence[str]] = None, **kwargs: Any) -> List[Any]:
    """Every name the code reads exists in each database checked."""
    found: List[Any] = []
    for alias in databases or ():
        found.extend(missing_in(alias))
    return found


def missing_in(alias: str) -> List[Any]:
    """flaglint.W001 for each referenced name database `alias` does not hold."""
    from django.core.checks import Warning

    from flaglint.django.errors import describe
    from flaglint.django.inventory import live_inventory, tables_exist
    from flaglint.django.manifest import current_manifest
    from flaglint.django.status import missing_names

    try:
        manifest = current_manifest()
    except ManifestError:
        return []  # flaglint.E001 says so
    if not tables_exist(alias):
        return []  # not migrated yet: migrate's own report comes after
    settings = app_settings()
    environment = settings.environment_for(alias)
    inventory = live_inventory(alias, environment)
    named = manifest.named()
    found = []
    for item in missing_names(manifest, inventory):
        kind, name = item["kind"], str(item["name"])
        references = named[(kind, name)]  # type: ignore[index]
        places = ", ".join(describe(r) for r in references[:3])
        more = f" and {len(references) - 3} more" if len(references) > 3 else ""
        found.append(
            Warning(
                f"{kind} {name!r} is used by the code but missing from database {alias!r} "
                f"(environment {environment!r}): waffle reads it as its default (off)",
                hint=f"used at {places}{more}; create it (a data migration, or the admin) before this code runs",
                obj=f"{kind}:{name}",
                id="flaglint.W001",
            )
        )
    return found


def after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """At the end of ``migrate`` (after the last app's post_migrate), report flaglint.W001 for that database."""
    from django.apps import apps

    last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
    if sender is not last:
        return
    messages = missing_in(using)
    if not messages:
        return
    stream = kwargs.get("stdout") or sys.stderr
    stream.write(f"flaglint: {len(messages)} name(s) the code uses are missing from database {using!r}:\n")
    for message in messages:
        stream.write(f"  {message}\n")
