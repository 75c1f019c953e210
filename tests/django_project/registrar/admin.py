"""The swapped flag model in the admin, with waffle's FlagAdmin (waffle registers only its own models)."""

from django.contrib import admin
from waffle.admin import FlagAdmin

from registrar.models import WaffleFlag

admin.site.register(WaffleFlag, FlagAdmin)
