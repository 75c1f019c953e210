"""``python manage.py flaglint check [CLI options]``: flaglint's check with this database as an inventory.

The live database (``--database``, default ``default``) is the inventory of this environment (named by
FLAGLINT_ENVIRONMENT, else the alias); other environments can still be given with ``--inventory``. The
diagnostics, formats and exit codes are the CLI's. Without paths it checks FLAGLINT_SOURCE (default BASE_DIR).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, List, Tuple

from django.core.management.base import BaseCommand, CommandError


def _database(arguments: List[str]) -> Tuple[str, List[str]]:
    """Take ``--database ALIAS`` (or ``--database=ALIAS``) out of the CLI's arguments."""
    rest: List[str] = []
    alias = "default"
    words = iter(arguments)
    for word in words:
        if word == "--database":
            alias = next(words, alias)
        elif word.startswith("--database="):
            alias = word.split("=", 1)[1]
        else:
            rest.append(word)
    return alias, rest


class Command(BaseCommand):  # type: ignore[misc]  # Django ships no type information
    help = "flaglint check with this database as the environment's inventory (`flaglint check --help` for options)"
    requires_system_checks: List[str] = []

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("subcommand", choices=["check"], help="what to run (check)")
        parser.add_argument("arguments", nargs=argparse.REMAINDER, help="the CLI's options and paths")

    def handle(self, *args: Any, **options: Any) -> None:
        from flaglint import cli
        from flaglint.django.conf import app_settings
        from flaglint.django.inventory import live_inventory, tables_exist
        from flaglint.model import FlaglintError

        alias, arguments = _database(list(options["arguments"]))
        from django.db import connections

        if alias not in connections:
            raise CommandError(f"unknown database {alias!r}", returncode=2)
        if not tables_exist(alias):
            raise CommandError(f"database {alias!r} has no waffle tables: run migrate first", returncode=2)
        settings = app_settings()
        try:
            parsed = cli.command_parser("check").parse_intermixed_args(arguments)
            if not parsed.paths:
                arguments = list(arguments) + list(settings.source)
        except (FlaglintError, SystemExit):
            pass  # the CLI reports it, with its usage
        inventory = live_inventory(alias, settings.environment_for(alias))
        out = getattr(self.stdout, "_out", sys.stdout)
        err = getattr(self.stderr, "_out", sys.stderr)
        code = cli.main(["check", *arguments], stdout=out, stderr=err, inventories=(inventory,))
        if code:
            raise SystemExit(code)
