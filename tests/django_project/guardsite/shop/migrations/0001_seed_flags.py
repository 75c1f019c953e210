"""A data migration that creates a flag: its name here is history, not a use."""

from django.conf import settings
from django.db import migrations

FLAG_MODEL = getattr(settings, "WAFFLE_FLAG_MODEL", "waffle.Flag")


def seed(apps, schema_editor):
    from waffle import get_waffle_flag_model  # the real model (swapped or not): flaglint sees the name

    get_waffle_flag_model().objects.get_or_create(name="seeded_only")


class Migration(migrations.Migration):
    dependencies = [migrations.swappable_dependency(FLAG_MODEL)]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
