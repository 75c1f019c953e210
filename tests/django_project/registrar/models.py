"""A swapped waffle flag model that adds a field, as django-waffle's docs describe."""

from django.db import models
from waffle.models import AbstractUserFlag


class WaffleFlag(AbstractUserFlag):
    """A waffle flag that also records which team owns it."""

    owning_team = models.CharField(max_length=100, blank=True, default="")

    class Meta(AbstractUserFlag.Meta):
        verbose_name = "Flag"
        verbose_name_plural = "Flags"
