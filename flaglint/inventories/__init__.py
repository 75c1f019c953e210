"""Inventories: what each environment holds, read from the exports django-waffle users can actually produce.

One module per export format (`dumpdata`, `waffle_list`, `waffle_status`, `edx_toggles`) and the registry below,
which detects a file's format from its content (never its name); `plan` reads flaglint's retirement plan;
`knowledge` puts inventories and retirements together for the checks. Every problem with a file is an
`InventoryError` carrying the path and, where known, the 1-based line and column.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from flaglint.inventories import dumpdata, edx_toggles, waffle_list, waffle_status
from flaglint.inventories.plan import load_retirement_plan
from flaglint.inventories.reading import (
    EXPECTED,
    MISSING,
    jsonl_first_object,
    load_json,
    normalise_labels,
    position,
    read_text,
)
from flaglint.model import Inventory, InventoryEntry, InventoryError, Kind

__all__ = ["FORMATS", "detect_format", "load_inventory", "load_retirement_plan"]

Parser = Callable[..., List[InventoryEntry]]

#: Every export format flaglint reads, by the name ``--inventory ENV:FORMAT=FILE`` and the config use.
PARSERS: Dict[str, Parser] = {
    dumpdata.NAME: dumpdata.parse,
    waffle_list.NAME: waffle_list.parse,
    waffle_status.NAME: waffle_status.parse,
    edx_toggles.NAME: edx_toggles.parse,
}
FORMATS: Tuple[str, ...] = tuple(PARSERS)


def detect_format(path: str, text: str) -> str:
    """Name the export format of `text` by its content; `path` is only used in the error for unknown content."""
    return _sniff(path, text)[0]


def load_inventory(
    environment: str,
    path: str,
    *,
    fmt: Optional[str] = None,
    model_labels: Mapping[str, Kind] = {},
) -> Inventory:
    """Read one export file into the `Inventory` of `environment`.

    `fmt` skips detection; `model_labels` maps extra dumpdata labels (``"registrar.waffleflag"``, any case) to the
    kind they hold. Raises `InventoryError` for unreadable, unrecognised or malformed files.
    """
    if fmt is not None and fmt not in FORMATS:
        raise InventoryError(path, f"unknown inventory format {fmt!r} (known: {', '.join(FORMATS)})")
    labels = normalise_labels(model_labels)
    text = read_text(path)
    parsed: Any = MISSING
    if fmt is None:
        fmt, parsed = _sniff(path, text)
    if fmt == dumpdata.NAME:
        entries = dumpdata.parse(path, text, parsed, labels)
    elif fmt == waffle_list.NAME:
        entries = waffle_list.parse(path, text)
    else:
        entries = PARSERS[fmt](path, text, parsed)
    return Inventory(environment=environment, path=path, format=fmt, entries=tuple(entries))


def _sniff(path: str, text: str) -> Tuple[str, Any]:
    """Detect the format and, for JSON formats, return the parsed document too (or `MISSING` to parse later)."""
    text = text.lstrip("\ufeff")
    stripped = text.lstrip(" \t\r\n")
    if not stripped:
        raise InventoryError(path, "empty file: no inventory export in it; " + EXPECTED)
    if stripped[0] == "[":
        return dumpdata.NAME, load_json(path, text)
    if stripped[0] == "{":
        if jsonl_first_object(stripped) is not None:
            return dumpdata.NAME, MISSING
        data = load_json(path, text)
        if isinstance(data, dict):
            if any(key in data for key in edx_toggles.KEYS):
                return edx_toggles.NAME, data
            if any(key in data for key in waffle_status.KEYS):
                return waffle_status.NAME, data
        keys = ", ".join(json.dumps(k) for k in list(data)[:6]) if isinstance(data, dict) else ""
        line, column = position(text, len(text) - len(stripped))
        raise InventoryError(path, f"unrecognised JSON object (keys: {keys or 'none'}); " + EXPECTED, line, column)
    for number, line_text in enumerate(text.splitlines(), 1):
        if line_text.strip():
            if line_text.strip() in waffle_list.HEADERS:
                return waffle_list.NAME, MISSING
            raise InventoryError(
                path, f"unrecognised inventory format (starts with {line_text.strip()[:40]!r}); " + EXPECTED, number, 1
            )
    raise AssertionError("unreachable: text has non-blank content")  # pragma: no cover
