"""``{% load flaglint %}{% flaglint_banner %}``: the environment banner of the waffle admin pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from flaglint.django.conf import app_settings

register = template.Library()


def flaglint_banner() -> Any:
    """A coloured bar naming ``FLAGLINT_ENVIRONMENT`` (red for production); empty when it is unset."""
    settings = app_settings()
    if not settings.environment:
        return ""
    warning = " — changes here affect production" if settings.production else ""
    return format_html(
        '<div class="flaglint-environment" data-environment="{}" style="background:{};color:#fff;'
        'padding:10px 40px;font-weight:bold;font-size:1.1em">Environment: {}{}</div>',
        settings.environment,
        settings.banner_colour,
        settings.environment.upper(),
        warning,
    )


register.simple_tag(flaglint_banner)
