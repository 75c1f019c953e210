"""``edx-toggles``: edx-toggles' toggle state report (``/api/toggles/v0/state/``)."""

from __future__ import annotations

import json
from typing import Any, Dict, List, Optional

from flaglint.inventories.reading import MISSING, Fields, Json, Lines, describe, find, iso, load_json, name_lines, skip
from flaglint.model import InventoryEntry

NAME = "edx-toggles"

KEYS = ("waffle_flags", "waffle_switches", "django_settings")
_EDX_EVERYONE: Dict[str, Optional[bool]] = {"yes": True, "no": False, "unknown": None}
_EDX_ACTIVE: Dict[object, str] = {"true": "on", "false": "off", True: "on", False: "off"}


def parse(path: str, text: str, parsed: Any) -> List[InventoryEntry]:
    """Entries of an edx-toggles report; toggles declared in code but absent from the database are skipped.

    Such a toggle appears with only name/class/module (and computed_status), no "everyone" / "is_active": the
    environment does not hold it, so listing it would hide exactly the missing flags flaglint looks for.
    """
    if parsed is MISSING:
        parsed = load_json(path, text)
    doc = Json(path, text)
    if not isinstance(parsed, dict):
        raise doc.error(
            (),
            'expected an edx-toggles report {"waffle_flags": [...], "waffle_switches": [...]}, not ' + describe(parsed),
        )
    entries: List[InventoryEntry] = []
    lines = Lines(doc.text)
    for key, kind in (("waffle_flags", "flag"), ("waffle_switches", "switch")):
        toggles = parsed.get(key, [])
        if not isinstance(toggles, list):
            raise doc.error((key,), f'"{key}" must be a list of {{"name": ...}} objects, not {describe(toggles)}')
        located = find(doc.text, skip(doc.text, 0), key) if toggles else None
        toggle_lines = name_lines(doc.text, located[1], ("name",), lines) if located is not None else []
        for index, toggle in enumerate(toggles):
            label = f'"{key}" [{index}]'
            if not isinstance(toggle, dict):
                raise doc.error((key, index), f'{label}: expected an object {{"name": ...}}, not {describe(toggle)}')
            get = Fields(doc, (key, index), label, toggle)
            name = get.name()
            get.label = f'{label} ("name": {json.dumps(name)})'
            if kind == "flag":
                if "everyone" not in toggle:
                    continue
                raw = get.get(
                    "everyone", lambda v: isinstance(v, str) and v in _EDX_EVERYONE, '"yes", "no" or "unknown"'
                )
                everyone = _EDX_EVERYONE[raw]
                state = "everyone=null" if everyone is None else f"everyone={'true' if everyone else 'false'}"
            else:
                if "is_active" not in toggle:
                    continue
                raw = get.get(
                    "is_active", lambda v: isinstance(v, (str, bool)) and v in _EDX_ACTIVE, '"true" or "false"'
                )
                state = _EDX_ACTIVE[raw]
            entries.append(
                InventoryEntry(
                    kind="flag" if kind == "flag" else "switch",
                    name=name,
                    state=state,
                    created=iso(get.text("created")),
                    modified=iso(get.text("modified")),
                    note=get.text("note") or "",
                    line=toggle_lines[index] if index < len(toggle_lines) else 1,
                )
            )
    return entries
