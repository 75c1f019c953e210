"""The app's settings, read from ``django.conf.settings`` on every use (so ``override_settings`` works)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any, Optional, Tuple

GUARD_MODES = ("block", "warn", "off")
DEFAULT_PRODUCTION_NAMES = ("prod", "production", "live")
PRODUCTION_COLOUR = "#ba2121"
OTHER_COLOUR = "#417690"


@dataclass(frozen=True)
class AppSettings:
    """Every ``FLAGLINT_*`` setting (the README lists them)."""

    manifest: Optional[str]
    source: Tuple[str, ...]
    guard: str
    environment: Optional[str]
    colour: Optional[str]
    production_names: Tuple[str, ...]
    status_token: Optional[str]
    retirement_plan: Optional[str]
    cache_dir: Optional[str]

    @property
    def production(self) -> bool:
        """Whether the environment is named like production (``prod``, ``production``, ``prod-eu`` ...)."""
        if not self.environment:
            return False
        words = re.split(r"[^a-z0-9]+", self.environment.lower())
        return any(word in self.production_names for word in words)

    @property
    def banner_colour(self) -> str:
        """The banner's colour: the configured one, else red for production and the admin's blue otherwise."""
        return self.colour or (PRODUCTION_COLOUR if self.production else OTHER_COLOUR)

    def environment_for(self, alias: str) -> str:
        """The environment name diagnostics use for a database alias."""
        return self.environment or alias


def app_settings() -> AppSettings:
    """The current settings (defaults filled in)."""
    from django.conf import settings

    source: Any = getattr(settings, "FLAGLINT_SOURCE", None) or getattr(settings, "BASE_DIR", None) or os.getcwd()
    sources = tuple(str(s) for s in source) if isinstance(source, (list, tuple)) else (str(source),)
    names: Any = getattr(settings, "FLAGLINT_PRODUCTION_NAMES", DEFAULT_PRODUCTION_NAMES)
    manifest: Any = getattr(settings, "FLAGLINT_MANIFEST", None)
    plan: Any = getattr(settings, "FLAGLINT_RETIREMENT_PLAN", None)
    cache_dir: Any = getattr(settings, "FLAGLINT_CACHE_DIR", None)
    environment: Any = getattr(settings, "FLAGLINT_ENVIRONMENT", None)
    colour: Any = getattr(settings, "FLAGLINT_ENVIRONMENT_COLOR", None)
    token: Any = getattr(settings, "FLAGLINT_STATUS_TOKEN", None)
    return AppSettings(
        manifest=str(manifest) if manifest else None,
        source=sources,
        guard=str(getattr(settings, "FLAGLINT_GUARD", "block")),
        environment=str(environment) if environment else None,
        colour=str(colour) if colour else None,
        production_names=tuple(str(n).lower() for n in names),
        status_token=str(token) if token else None,
        retirement_plan=str(plan) if plan else None,
        cache_dir=str(cache_dir) if cache_dir else None,
    )
