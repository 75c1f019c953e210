"""The status endpoint for monitors: JSON, 200 when every referenced name exists here, 503 when one is missing.

Staff users may read it; so may a monitor that sends ``Authorization: Bearer <FLAGLINT_STATUS_TOKEN>``. Anyone else
gets 403. A manifest that cannot be had is a 503 with the reason (the monitor should alert on that too).
"""

from __future__ import annotations

import hmac
from typing import Any, List, Optional

from flaglint.django.conf import app_settings
from flaglint.manifest import ManifestError
from flaglint.model import Retirement


def _allowed(request: Any, token: Any) -> bool:
    user = getattr(request, "user", None)
    if user is not None and getattr(user, "is_active", False) and getattr(user, "is_staff", False):
        return True
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[len("Bearer ") :].encode("utf-8"), str(token).encode("utf-8"))
    return False


def retirements(inventory: Any) -> List[Retirement]:
    """What is scheduled for deletion: FLAGLINT_RETIREMENT_PLAN and the retirement marker in notes."""
    from flaglint.config import DEFAULT_RETIRE_MARKER
    from flaglint.inventories import load_retirement_plan
    from flaglint.inventories.knowledge import retirements_from_notes

    plan = app_settings().retirement_plan
    found = list(load_retirement_plan(plan)) if plan else []
    return found + retirements_from_notes([inventory], DEFAULT_RETIRE_MARKER)


def status(request: Any, database: Optional[str] = None) -> Any:
    """``GET flaglint/status``: the environment's status document (the database the flags are read from)."""
    from django.db import router
    from django.http import JsonResponse
    from waffle import get_waffle_flag_model

    from flaglint.django.inventory import live_inventory, tables_exist
    from flaglint.django.manifest import current_manifest
    from flaglint.django.status import environment_status
    from flaglint.model import FlaglintError

    settings = app_settings()
    if not _allowed(request, settings.status_token):
        return JsonResponse({"error": "staff or a status token required"}, status=403)
    database = database or router.db_for_read(get_waffle_flag_model()) or "default"
    environment = settings.environment_for(database)
    try:
        manifest = current_manifest(settings)
    except ManifestError as error:
        return JsonResponse({"version": 1, "environment": environment, "ok": False, "error": str(error)}, status=503)
    if not tables_exist(database):
        problem = f"database {database!r} has no waffle tables (not migrated)"
        return JsonResponse({"version": 1, "environment": environment, "ok": False, "error": problem}, status=503)
    inventory = live_inventory(database, environment)
    try:
        planned = retirements(inventory)
    except FlaglintError as error:
        return JsonResponse({"version": 1, "environment": environment, "ok": False, "error": str(error)}, status=503)
    document = environment_status(manifest, inventory, planned)
    return JsonResponse(document, status=200 if document["ok"] else 503)
