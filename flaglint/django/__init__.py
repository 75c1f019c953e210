"""flaglint's Django app: refuses to delete (or rename) a flag the deployed code still uses, shows which
environment the admin is changing, and watches that this environment holds every flag the code needs.

``INSTALLED_APPS = [..., "waffle", "flaglint.django"]``. The settings are documented in the README ("The Django
app"). Importing this package needs Django; the rest of flaglint does not.
"""

from __future__ import annotations

from flaglint.django.errors import FlagInUse, Refusal
from flaglint.django.guard import allow_delete

__all__ = ["FlagInUse", "Refusal", "allow_delete"]
