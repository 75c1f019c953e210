#!/usr/bin/env python
"""Django's command-line utility for flaglint's export project (stock waffle unless DJANGO_SETTINGS_MODULE says otherwise)."""

import os
import sys


def main() -> None:
    """Run a management command against exportproj.settings by default."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exportproj.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
