"""flaglint's own TOML retirement plan: ``[[retire]]`` tables of name / kind / date / reason."""

from __future__ import annotations

import datetime
import json
import re
import sys
from typing import Any, List, Optional, Sequence, Tuple

from flaglint.config import toml_error
from flaglint.inventories.reading import describe, position, read_text
from flaglint.model import KINDS, InventoryError, Kind, Retirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

_PLAN_KEYS = ("name", "kind", "date", "reason")


def load_retirement_plan(path: str) -> Tuple[Retirement, ...]:
    """Read flaglint's TOML retirement plan (``[[retire]]`` tables of name / kind / date / reason)."""
    text = read_text(path, allow_empty=True)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line, column = toml_error(exc)
        raise InventoryError(path, f"invalid TOML: {message}", line, column) from exc
    for key in data:
        if key != "retire":
            raise InventoryError(
                path,
                f'unknown top-level key "{key}"; a retirement plan holds only [[retire]] tables',
                _toml_key_line(text, key, 0, None),
            )
    tables = data.get("retire", [])
    if not isinstance(tables, list):
        raise InventoryError(
            path,
            '"retire" must be an array of tables ([[retire]]), not ' + describe(tables),
            _toml_key_line(text, "retire", 0, None),
        )
    headers = [m.start() for m in re.finditer(r"^[ \t]*\[\[[ \t]*retire[ \t]*\]\]", text, re.MULTILINE)]
    plan: List[Retirement] = []
    for index, table in enumerate(tables):
        plan.append(_retirement(path, text, index, table, headers))
    return tuple(plan)


def _toml_key_line(text: str, key: str, start: int, end: Optional[int]) -> Optional[int]:
    """The line of a bare ``key =`` between two offsets, when it is written that simply."""
    pattern = re.compile(r"^[ \t]*(?:" + re.escape(key) + r"|\"" + re.escape(key) + r"\")[ \t]*=", re.MULTILINE)
    match = pattern.search(text, start, len(text) if end is None else end)
    return position(text, match.start())[0] if match else None


def _retirement(path: str, text: str, index: int, table: Any, headers: Sequence[int]) -> Retirement:
    """One ``[[retire]]`` table, checked key by key."""
    start = headers[index] if index < len(headers) else None
    end = headers[index + 1] if index + 1 < len(headers) else None
    table_line = position(text, start)[0] if start is not None else None
    where = f"retire[{index}]"

    def fail(key: Optional[str], problem: str) -> InventoryError:
        line = _toml_key_line(text, key, start, end) if key and start is not None else None
        return InventoryError(path, f"{where}: {problem}", line or table_line)

    if not isinstance(table, dict):
        raise fail(None, f"must be a table ([[retire]]), not {describe(table)}")
    if isinstance(table.get("name"), str) and table["name"].strip():
        where = f"retire[{index}] (name = {json.dumps(table['name'])})"
    for key in table:
        if key not in _PLAN_KEYS:
            raise fail(key, f'unknown key "{key}" (expected {", ".join(_PLAN_KEYS)})')
    if "name" not in table:
        raise fail(None, '"name" is missing')
    name = table["name"]
    if not isinstance(name, str) or not name.strip():
        raise fail("name", f'"name" must be a non-empty string, not {describe(name)}')
    kind = table.get("kind")
    if kind is not None and kind not in KINDS:
        raise fail("kind", f'"kind" must be one of {", ".join(KINDS)}, not {describe(kind)}')
    date = table.get("date")
    if isinstance(date, datetime.date) and not isinstance(date, datetime.datetime):
        date = date.isoformat()
    elif date is not None and not isinstance(date, str):
        raise fail("date", f'"date" must be a TOML date (date = 2026-12-01) or a string, not {describe(date)}')
    reason = table.get("reason", "")
    if not isinstance(reason, str):
        raise fail("reason", f'"reason" must be a string, not {describe(reason)}')
    return Retirement(
        name=name,
        kind=_as_kind(kind),
        date=(date.strip() or None) if isinstance(date, str) else None,
        reason=reason,
        origin=path,
    )


def _as_kind(value: Optional[str]) -> Optional[Kind]:
    """Narrow a checked kind string to `Kind`."""
    for kind in KINDS:
        if value == kind:
            return kind
    return None
