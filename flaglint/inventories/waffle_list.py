"""``waffle-list``: the text of ``waffle_flag --list`` / ``waffle_switch --list`` / ``waffle_sample --list``, alone
or concatenated, in every django-waffle version's layout."""

from __future__ import annotations

import ast
import re
from typing import Dict, List, Mapping, Optional, Tuple

from flaglint.inventories.reading import FLAG_BOOLEANS, flag_state, is_number, percent_text
from flaglint.model import InventoryEntry, InventoryError, Kind

NAME = "waffle-list"

HEADERS: Dict[str, Kind] = {"Flags:": "flag", "Switches:": "switch", "Samples:": "sample"}
_LIST_KEY = re.compile(r"([A-Z][A-Z_]*):(?: (.*))?\Z")
#: django-waffle 0.10's waffle_switch --list printed ``print('%s: %s', (name, state))`` literally.
_OLD_SWITCH = re.compile(r"%s: %s (\(.*\))\Z")
_LIST_BOOLEANS = {"True": True, "False": False}


def parse(path: str, text: str) -> List[InventoryEntry]:
    """Entries of one or more concatenated ``--list`` outputs (every django-waffle version's layout)."""
    entries: List[InventoryEntry] = []
    section: Optional[Kind] = None
    flag: Optional[Dict[str, Tuple[str, int]]] = None
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        line = raw.rstrip()
        if not line:
            if flag is not None:
                entries.append(_list_flag(path, flag))
                flag = None
            continue
        if line in HEADERS:
            if flag is not None:
                entries.append(_list_flag(path, flag))
                flag = None
            section = HEADERS[line]
            continue
        if section is None:
            raise InventoryError(path, f'expected "Flags:", "Switches:" or "Samples:" before {line[:40]!r}', number, 1)
        if section == "flag":
            match = _LIST_KEY.match(line)
            if not match:
                raise InventoryError(
                    path, f'expected a "KEY: value" line of waffle_flag --list, got {line[:60]!r}', number, 1
                )
            key, value = match.group(1), match.group(2) or ""
            if key == "NAME":
                if flag is not None:
                    entries.append(_list_flag(path, flag))
                flag = {"NAME": (value, number)}
            elif flag is None:
                raise InventoryError(path, f'"{key}:" line before any "NAME:" line in the Flags section', number, 1)
            else:
                flag[key] = (value, number)
        elif section == "switch":
            entries.append(_list_switch(path, line, number))
        else:
            entries.append(_list_sample(path, line, number))
    if flag is not None:
        entries.append(_list_flag(path, flag))
    return entries


def _list_flag(path: str, lines: Mapping[str, Tuple[str, int]]) -> InventoryEntry:
    """One ``NAME: ...`` block of waffle_flag --list as an entry."""
    name, name_line = lines["NAME"]
    if not name:
        raise InventoryError(path, 'empty flag name after "NAME:"', name_line, 1)

    def value_of(key: str, allowed: str) -> Tuple[str, int]:
        if key not in lines:
            raise InventoryError(path, f'flag "{name}" has no "{key}:" line (expected {allowed})', name_line, 1)
        return lines[key]

    everyone_text, everyone_line = value_of("EVERYONE", "True, False or None")
    if everyone_text not in ("True", "False", "None"):
        raise InventoryError(
            path,
            f'flag "{name}": EVERYONE must be True, False or None, not {everyone_text!r}',
            everyone_line,
            len("EVERYONE: ") + 1,
        )
    everyone = _LIST_BOOLEANS.get(everyone_text)
    percent: Optional[str] = None
    if "PERCENT" in lines:
        percent_raw, percent_line = lines["PERCENT"]
        if percent_raw != "None":
            if not is_number(percent_raw):
                raise InventoryError(
                    path,
                    f'flag "{name}": PERCENT must be a number or None, not {percent_raw!r}',
                    percent_line,
                    len("PERCENT: ") + 1,
                )
            percent = percent_text(percent_raw)
    criteria: Dict[str, bool] = {}
    for key in FLAG_BOOLEANS:
        if key.upper() in lines:
            value, line = lines[key.upper()]
            if value not in _LIST_BOOLEANS:
                raise InventoryError(
                    path, f'flag "{name}": {key.upper()} must be True or False, not {value!r}', line, len(key) + 3
                )
            criteria[key] = _LIST_BOOLEANS[value]
    counts = [_list_length(path, name, lines, key) for key in ("GROUPS", "USERS")]
    state = flag_state(everyone, percent, criteria, *counts)
    return InventoryEntry(kind="flag", name=name, state=state, line=name_line)


def _list_length(path: str, name: str, lines: Mapping[str, Tuple[str, int]], key: str) -> int:
    """The number of names in a ``GROUPS: [...]`` / ``USERS: [...]`` line (absent before django-waffle 0.11)."""
    if key not in lines:
        return 0
    value, line = lines[key]
    try:
        names = ast.literal_eval(value)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        names = None
    if not isinstance(names, list):
        raise InventoryError(
            path, f"flag \"{name}\": {key} must be a list such as ['beta'], not {value[:40]!r}", line, len(key) + 3
        )
    return len(names)


def _list_switch(path: str, line: str, number: int) -> InventoryEntry:
    """One ``name: on|off`` line of waffle_switch --list (names may contain ": ")."""
    name, _, state = line.rpartition(": ")
    old = _OLD_SWITCH.match(line)
    if old:
        try:
            pair = ast.literal_eval(old.group(1))
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            pair = None
        if isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str) and isinstance(pair[1], str):
            name, state = pair
    if not name or state not in ("on", "off"):
        raise InventoryError(
            path, f'expected "NAME: on" or "NAME: off" (waffle_switch --list), got {line[:60]!r}', number, 1
        )
    return InventoryEntry(kind="switch", name=name, state=state, line=number)


def _list_sample(path: str, line: str, number: int) -> InventoryEntry:
    """One ``name: 33.3%`` line of waffle_sample --list."""
    name, _, value = line.rpartition(": ")
    if not name or not value.endswith("%") or not is_number(value[:-1]):
        raise InventoryError(path, f'expected "NAME: PERCENT%" (waffle_sample --list), got {line[:60]!r}', number, 1)
    return InventoryEntry(kind="sample", name=name, state=f"{percent_text(value[:-1])}%", line=number)
