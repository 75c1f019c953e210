"""``waffle-status``: the JSON body of waffle's ``/waffle_status`` view."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from flaglint.inventories.reading import MISSING, Fields, Json, Lines, describe, find, iso, load_json, members, skip
from flaglint.model import InventoryEntry, Kind

NAME = "waffle-status"

KEYS: Dict[str, Kind] = {"flags": "flag", "switches": "switch", "samples": "sample"}


def parse(path: str, text: str, parsed: Any) -> List[InventoryEntry]:
    """Entries of waffle's ``/waffle_status`` JSON: ``{"flags": {name: {"is_active", "last_modified"}}, ...}``.

    ``is_active`` is what the fetching request saw (samples: a random draw), so a flag's state says so.
    """
    if parsed is MISSING:
        parsed = load_json(path, text)
    doc = Json(path, text)
    if not isinstance(parsed, dict):
        raise doc.error(
            (),
            'expected the /waffle_status JSON object {"flags": ..., "switches": ..., "samples": ...}, '
            "not " + describe(parsed),
        )
    entries: List[InventoryEntry] = []
    lines = Lines(doc.text)
    top = skip(doc.text, 0)
    for key, kind in KEYS.items():
        group = parsed.get(key, {})
        if not isinstance(group, dict):
            raise doc.error((key,), f'"{key}" must be an object of name -> {{"is_active": ...}}, not {describe(group)}')
        located = find(doc.text, top, key) if group else None
        entry_lines: Dict[str, int] = {}
        if located is not None:
            for member, start, _ in members(doc.text, located[1]):
                entry_lines[str(member)] = lines.line(start)
        for name, value in group.items():
            label = f'"{key}" [{json.dumps(name)}]'
            if not name:
                raise doc.error((key, name), f"{label}: empty name")
            if not isinstance(value, dict):
                raise doc.error((key, name), f'{label}: expected an object {{"is_active": ...}}, not {describe(value)}')
            get = Fields(doc, (key, name), label, value)
            active = get.boolean("is_active", required=True)
            if kind == "switch":
                state = "on" if active else "off"
            else:
                state = f"is_active={'true' if active else 'false'}"
            modified = iso(get.text("last_modified"))
            entries.append(InventoryEntry(kind, name, state, modified=modified, line=entry_lines.get(name, 1)))
    return entries
