"""Load each environment's flag inventory from the exports django-waffle users can actually produce.

Four formats, sniffed from the content (never the file name):

- ``dumpdata``: ``manage.py dumpdata waffle.flag waffle.switch waffle.sample`` (JSON list; plain or with
  ``--natural-foreign --natural-primary``; also ``--format jsonl``), including swapped models and mixed dumps.
- ``waffle-list``: the text of ``waffle_flag --list`` / ``waffle_switch --list`` / ``waffle_sample --list``, alone
  or concatenated.
- ``waffle-status``: the JSON body of waffle's ``/waffle_status`` view.
- ``edx-toggles``: edx-toggles' toggle state report (``/api/toggles/v0/state/``).

Also reads flaglint's own TOML retirement plan. Every problem with a file is an `InventoryError` carrying the
path and, where known, the 1-based line and column.
"""

from __future__ import annotations

import ast
import codecs
import datetime
import json
import re
import sys
from bisect import bisect_right
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from flaglint.types import KINDS, Inventory, InventoryEntry, InventoryError, Kind, Retirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

__all__ = ["FORMATS", "detect_format", "load_inventory", "load_retirement_plan"]

FORMATS: Tuple[str, ...] = ("dumpdata", "waffle-list", "waffle-status", "edx-toggles")

#: What each format looks like, for "unrecognised format" messages.
_EXPECTED = (
    'expected one of: a dumpdata JSON list ([{"model": "waffle.flag", "fields": {...}}, ...]); '
    'the text of waffle_flag/waffle_switch/waffle_sample --list (starting "Flags:", "Switches:" or "Samples:"); '
    'a /waffle_status JSON object ({"flags": ..., "switches": ..., "samples": ...}); '
    'an edx-toggles state report ({"waffle_flags": [...], "waffle_switches": [...], ...})'
)

_WAFFLE_LABELS: Dict[str, Kind] = {"waffle.flag": "flag", "waffle.switch": "switch", "waffle.sample": "sample"}

# Field sets that identify waffle models under an unknown label (swapped models). note/created/modified are
# required for switches and samples because "name" + "active" alone is common in unrelated apps.
_FLAG_FIELDS = frozenset({"name", "everyone", "percent", "testing", "superusers", "staff", "authenticated", "rollout"})
_SWITCH_FIELDS = frozenset({"name", "active", "note", "created", "modified"})
_SAMPLE_FIELDS = frozenset({"name", "percent", "note", "created", "modified"})

#: The flag criteria a state string names (in waffle's evaluation order), besides everyone / percent.
_FLAG_BOOLEANS = ("testing", "superusers", "staff", "authenticated", "rollout")

_STATUS_KEYS: Dict[str, Kind] = {"flags": "flag", "switches": "switch", "samples": "sample"}
_EDX_KEYS = ("waffle_flags", "waffle_switches", "django_settings")
_LIST_HEADERS: Dict[str, Kind] = {"Flags:": "flag", "Switches:": "switch", "Samples:": "sample"}

_PLAN_KEYS = ("name", "kind", "date", "reason")

_MISSING: Any = object()
_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")

Step = Union[int, str]
JsonPath = Tuple[Step, ...]


# --------------------------------------------------------------------------------------------------------------
# Public API


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
    labels = _normalise_labels(model_labels)
    text = _read_text(path)
    parsed: Any = _MISSING
    if fmt is None:
        fmt, parsed = _sniff(path, text)
    if fmt == "dumpdata":
        entries = _parse_dumpdata(path, text, parsed, labels)
    elif fmt == "waffle-list":
        entries = _parse_waffle_list(path, text)
    elif fmt == "waffle-status":
        entries = _parse_waffle_status(path, text, parsed)
    else:
        entries = _parse_edx_toggles(path, text, parsed)
    return Inventory(environment=environment, path=path, format=fmt, entries=tuple(entries))


def load_retirement_plan(path: str) -> Tuple[Retirement, ...]:
    """Read flaglint's TOML retirement plan (``[[retire]]`` tables of name / kind / date / reason)."""
    text = _read_text(path, allow_empty=True)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line, column = _toml_error(exc)
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
            '"retire" must be an array of tables ([[retire]]), not ' + _describe(tables),
            _toml_key_line(text, "retire", 0, None),
        )
    headers = [m.start() for m in re.finditer(r"^[ \t]*\[\[[ \t]*retire[ \t]*\]\]", text, re.MULTILINE)]
    plan: List[Retirement] = []
    for index, table in enumerate(tables):
        plan.append(_retirement(path, text, index, table, headers))
    return tuple(plan)


# --------------------------------------------------------------------------------------------------------------
# Reading and sniffing


def _read_text(path: str, *, allow_empty: bool = False) -> str:
    """The file as text: UTF-8 with an optional BOM; binary, undecodable or (unless allowed) empty files fail."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise InventoryError(path, f"cannot read file: {exc.strerror or exc}") from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InventoryError(path, "file is UTF-16 encoded (as PowerShell's '>' writes it); save it as UTF-8", 1, 1)
    if b"\x00" in data:
        line, column = _byte_position(data, data.index(b"\x00"))
        raise InventoryError(path, "binary file (contains NUL bytes), not a text export", line, column)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _byte_position(data, exc.start)
        raise InventoryError(
            path, f"not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} cannot be decoded", line, column
        ) from exc
    if not allow_empty and not text.strip():
        raise InventoryError(path, "empty file: no inventory export in it; " + _EXPECTED)
    return text


def _byte_position(data: bytes, offset: int) -> Tuple[int, int]:
    """1-based line and column (in characters) of a byte offset."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def _position(text: str, offset: int) -> Tuple[int, int]:
    """1-based line and column of a character offset."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _sniff(path: str, text: str) -> Tuple[str, Any]:
    """Detect the format and, for JSON formats, return the parsed document too (or `_MISSING` to parse later)."""
    text = text.lstrip("\ufeff")
    stripped = text.lstrip(" \t\r\n")
    if not stripped:
        raise InventoryError(path, "empty file: no inventory export in it; " + _EXPECTED)
    if stripped[0] == "[":
        return "dumpdata", _load_json(path, text)
    if stripped[0] == "{":
        if _jsonl_first_object(stripped) is not None:
            return "dumpdata", _MISSING
        data = _load_json(path, text)
        if isinstance(data, dict):
            if any(key in data for key in _EDX_KEYS):
                return "edx-toggles", data
            if any(key in data for key in _STATUS_KEYS):
                return "waffle-status", data
        keys = ", ".join(json.dumps(k) for k in list(data)[:6]) if isinstance(data, dict) else ""
        line, column = _position(text, len(text) - len(stripped))
        raise InventoryError(path, f"unrecognised JSON object (keys: {keys or 'none'}); " + _EXPECTED, line, column)
    for number, line_text in enumerate(text.splitlines(), 1):
        if line_text.strip():
            if line_text.strip() in _LIST_HEADERS:
                return "waffle-list", _MISSING
            raise InventoryError(
                path, f"unrecognised inventory format (starts with {line_text.strip()[:40]!r}); " + _EXPECTED, number, 1
            )
    raise AssertionError("unreachable: text has non-blank content")  # pragma: no cover


def _load_json(path: str, text: str) -> Any:
    """Parse JSON, turning syntax errors into `InventoryError` with json's line and column."""
    try:
        return json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise InventoryError(path, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from exc
    except RecursionError as exc:
        raise InventoryError(path, "invalid JSON: nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer literal beyond the interpreter's digit limit
        raise InventoryError(path, f"invalid JSON: {exc}") from exc


def _jsonl_first_object(text: str) -> Optional[Dict[str, Any]]:
    """The first line as a dumpdata object if the text looks like ``dumpdata --format jsonl``, else None."""
    first = text.split("\n", 1)[0].strip()
    try:
        obj = json.loads(first)
    except (ValueError, RecursionError):
        return None
    if isinstance(obj, dict) and "model" in obj and "fields" in obj:
        return obj
    return None


# --------------------------------------------------------------------------------------------------------------
# Positions of entries: one pass over the members that hold them, linear in the file


class _Lines:
    """Character offset -> 1-based line, with the table of line starts built once."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: Optional[int]) -> int:
        return 1 if offset is None else bisect_right(self.starts, offset)


def _members(text: str, offset: int) -> Iterator[Tuple[Step, int, int]]:
    """(index or key, offset of the key or element, offset of the value) of each member of the container at `offset`.

    Values are skipped with the C decoder, so walking a container costs about one more parse of it.
    """
    opener = text[offset]
    index = _skip(text, offset + 1)
    closer = "]" if opener == "[" else "}"
    if index >= len(text) or text[index] == closer:
        return
    count = 0
    while True:
        start = index
        key: Step = count
        if opener == "{":
            key, end = _DECODER.raw_decode(text, index)
            index = _skip(text, _skip(text, end) + 1)
        yield key, start, index
        _, end = _DECODER.raw_decode(text, index)
        index = _skip(text, end)
        if index >= len(text) or text[index] != ",":
            return
        index = _skip(text, index + 1)
        count += 1


def _find(text: str, offset: int, key: Step) -> Optional[Tuple[int, int]]:
    """(member offset, value offset) of `key` in the container at `offset` (the last one, as json keeps)."""
    found: Optional[Tuple[int, int]] = None
    for member, start, value in _members(text, offset):
        if member == key:
            found = (start, value)
    return found


def _name_lines(text: str, container: int, path: Sequence[Step], lines: _Lines) -> List[int]:
    """For each member of the container at `container`: the line of the value at `path` inside it (1 if absent).

    The keys are looked for with a regex inside each member's own span (an unescaped ``"key":`` can only be a key)
    and the value found is checked by decoding it; where that quick look is not certain, the members are walked.
    """
    found: List[int] = []
    try:
        members = list(_members(text, container))
        for number, (_, _, value) in enumerate(members):
            end = members[number + 1][1] if number + 1 < len(members) else len(text)
            offset = _quick_offset(text, value, end, path)
            if offset is None:
                offset = _walked_offset(text, value, path)
            found.append(lines.line(offset))
    except (ValueError, IndexError, RecursionError):  # pragma: no cover - the document already parsed
        pass
    return found


def _key_pattern(key: str) -> "re.Pattern[str]":
    pattern = _KEY_PATTERNS.get(key)
    if pattern is None:
        pattern = _KEY_PATTERNS[key] = re.compile(r'(?<!\\)"' + re.escape(key) + r'"\s*:\s*')
    return pattern


_KEY_PATTERNS: Dict[str, "re.Pattern[str]"] = {}


def _quick_offset(text: str, start: int, end: int, path: Sequence[Step]) -> Optional[int]:
    """The value offset at `path` (string keys only) inside ``text[start:end]`` by regex, or None when unsure."""
    offset = start
    for step in path:
        if not isinstance(step, str) or text.count(f'"{step}"', start, end) != 1:
            return None  # a key spelled more than once in this member: walk it to be exact
        match = _key_pattern(step).search(text, offset, end)
        if match is None:
            return None
        offset = match.end()
    return offset


def _walked_offset(text: str, start: int, path: Sequence[Step]) -> Optional[int]:
    offset: Optional[int] = start
    for step in path:
        if offset is None or text[offset] not in "[{":
            return None
        located = _find(text, offset, step)
        offset = located[1] if located is not None else None
    return offset


# --------------------------------------------------------------------------------------------------------------
# Locating JSON values (only on the error path)


def _skip(text: str, offset: int) -> int:
    """Offset of the next non-whitespace character."""
    match = _WHITESPACE.match(text, offset)
    return match.end() if match else offset


def _child_offset(text: str, offset: int, step: Step) -> Optional[int]:
    """Offset of member `step` of the container at `offset` (the last of duplicate keys, as json keeps)."""
    opener = text[offset]
    index = _skip(text, offset + 1)
    if opener == "[" and isinstance(step, int):
        if text[index] == "]":
            return None
        count = 0
        while True:
            if count == step:
                return index
            _, end = _DECODER.raw_decode(text, index)
            index = _skip(text, end)
            if text[index] != ",":
                return None
            index = _skip(text, index + 1)
            count += 1
    if opener == "{" and isinstance(step, str):
        if text[index] == "}":
            return None
        found: Optional[int] = None
        while True:
            key, end = _DECODER.raw_decode(text, index)
            index = _skip(text, _skip(text, end) + 1)
            if key == step:
                found = index
            _, end = _DECODER.raw_decode(text, index)
            index = _skip(text, end)
            if text[index] != ",":
                return found
            index = _skip(text, index + 1)
    return None


def _locate(text: str, where: JsonPath) -> Tuple[int, int]:
    """Line and column of the deepest existing value along `where` in a valid JSON document."""
    offset = best = _skip(text, 0)
    try:
        for step in where:
            child = _child_offset(text, offset, step)
            if child is None:
                break
            offset = best = child
    except (ValueError, IndexError):  # pragma: no cover - the document already parsed
        pass
    return _position(text, best)


class _Json:
    """A parsed JSON document that can turn a problem at a JSON path into a positioned `InventoryError`."""

    def __init__(self, path: str, text: str, line_offset: int = 0) -> None:
        self.path = path
        self.text = text.lstrip("\ufeff")
        self.line_offset = line_offset

    def error(self, where: JsonPath, message: str) -> InventoryError:
        """An error at the value `where` points to (or its deepest existing parent)."""
        line, column = _locate(self.text, where)
        return InventoryError(self.path, message, line + self.line_offset, column)


def _describe(value: Any) -> str:
    """A short description of a JSON/TOML value for messages: its type and, for scalars, the value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the string {json.dumps(shown)}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# --------------------------------------------------------------------------------------------------------------
# Shared field checks and state strings


class _Fields:
    """Typed access to one JSON object's members, raising positioned errors that name the JSON location."""

    def __init__(self, doc: _Json, where: JsonPath, label: str, data: Dict[str, Any], prefix: str = "") -> None:
        self.doc = doc
        self.where = where
        self.label = label
        self.data = data
        self.prefix = prefix

    def fail(self, key: str, problem: str) -> InventoryError:
        """An error about member `key`."""
        return self.doc.error(self.where + (key,), f'{self.label}: "{self.prefix}{key}" {problem}')

    def name(self, key: str = "name") -> str:
        """A required, non-empty string name."""
        value = self.data.get(key, _MISSING)
        if value is _MISSING:
            raise self.fail(key, "is missing")
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {_describe(value)}")
        if not value:
            raise self.fail(key, "is empty")
        return value

    def get(self, key: str, check: Callable[[Any], bool], expected: str, *, required: bool = False) -> Any:
        """A member that must satisfy `check` (None when absent and not required)."""
        value = self.data.get(key, _MISSING)
        if value is _MISSING:
            if required:
                raise self.fail(key, f"is missing (expected {expected})")
            return None
        if not check(value):
            raise self.fail(key, f"must be {expected}, not {_describe(value)}")
        return value

    def boolean(self, key: str, *, required: bool = False, nullable: bool = False) -> Optional[bool]:
        """A true/false member (or null when `nullable`)."""
        expected = "true, false or null" if nullable else "true or false"
        value = self.get(key, lambda v: isinstance(v, bool) or (nullable and v is None), expected, required=required)
        return value if isinstance(value, bool) else None

    def text(self, key: str) -> Optional[str]:
        """An optional string member (null allowed)."""
        value = self.get(key, lambda v: v is None or isinstance(v, str), "a string or null")
        return value if isinstance(value, str) else None

    def percent(self, key: str, *, required: bool = False, nullable: bool = True) -> Optional[str]:
        """A percentage member (Django writes decimals as strings), normalised to waffle's one-decimal text."""
        expected = "a decimal string or number" + (" or null" if nullable else "")
        value = self.get(key, lambda v: (v is None and nullable) or _is_number(v), expected, required=required)
        return None if value is None else _percent_text(value)

    def count(self, key: str) -> int:
        """The length of an optional list member (groups / users, pks or natural keys)."""
        value = self.get(key, lambda v: v is None or isinstance(v, list), "a list")
        return len(value) if isinstance(value, list) else 0


def _is_number(value: Any) -> bool:
    """Whether a JSON value is a usable percentage (number or decimal string)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        try:
            return Decimal(value).is_finite()
        except InvalidOperation:
            return False
    return False


def _percent_text(value: Union[str, int, float]) -> str:
    """A percentage as waffle prints it: at least one decimal (``12.5``, ``50.0``)."""
    number = Decimal(str(value))
    if number == number.quantize(Decimal("0.1")):
        return f"{number:.1f}"
    return str(number.normalize())


def _flag_state(
    everyone: Optional[bool], percent: Optional[str], criteria: Mapping[str, bool], groups: int, users: int
) -> str:
    """A flag's state: ``everyone=true|false`` (which overrides everything), else what else activates it."""
    if everyone is not None:
        return f"everyone={'true' if everyone else 'false'}"
    parts = ["everyone=null"]
    if percent is not None:
        parts.append(f"percent={percent}")
    parts.extend(name for name in _FLAG_BOOLEANS if criteria.get(name))
    if groups:
        parts.append(f"groups={groups}")
    if users:
        parts.append(f"users={users}")
    return ", ".join(parts)


def _iso(value: Optional[str]) -> Optional[str]:
    """An export's timestamp as ISO 8601 (``str(datetime)`` puts a space where ISO has ``T``)."""
    if value and re.match(r"\d{4}-\d{2}-\d{2} \d", value):
        return value[:10] + "T" + value[11:]
    return value


def _normalise_labels(model_labels: Mapping[str, Kind]) -> Dict[str, Kind]:
    """Lower-case dumpdata labels; reject kinds that are not flag / switch / sample."""
    labels: Dict[str, Kind] = {}
    for label, kind in model_labels.items():
        if kind not in KINDS:
            raise ValueError(f"model_labels[{label!r}] = {kind!r}: expected one of {', '.join(KINDS)}")
        labels[label.lower()] = kind
    return labels


# --------------------------------------------------------------------------------------------------------------
# dumpdata


def _parse_dumpdata(path: str, text: str, parsed: Any, labels: Mapping[str, Kind]) -> List[InventoryEntry]:
    """Entries of a dumpdata export: a JSON list, or one object per line (``--format jsonl``)."""
    body = text.lstrip("\ufeff \t\r\n")
    if parsed is _MISSING and body.startswith("{") and _jsonl_first_object(body) is not None:
        return _parse_dumpdata_jsonl(path, text, labels)
    if parsed is _MISSING:
        parsed = _load_json(path, text)
    doc = _Json(path, text)
    if not isinstance(parsed, list):
        raise doc.error(
            (), 'expected a dumpdata JSON list of {"model": ..., "fields": {...}} objects, not ' + _describe(parsed)
        )
    entries: List[InventoryEntry] = []
    lines = _name_lines(doc.text, _skip(doc.text, 0), ("fields", "name"), _Lines(doc.text))
    for index, item in enumerate(parsed):
        entry = _dumpdata_entry(doc, (index,), index, item, labels, lines[index] if index < len(lines) else 1)
        if entry is not None:
            entries.append(entry)
    return entries


def _parse_dumpdata_jsonl(path: str, text: str, labels: Mapping[str, Kind]) -> List[InventoryEntry]:
    """Entries of ``dumpdata --format jsonl``: one object per non-blank line."""
    entries: List[InventoryEntry] = []
    index = 0
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InventoryError(path, f"invalid JSON: {exc.msg}", number, exc.colno) from exc
        entry = _dumpdata_entry(_Json(path, line, number - 1), (), index, item, labels, number)
        if entry is not None:
            entries.append(entry)
        index += 1
    return entries


def _dumpdata_entry(
    doc: _Json, where: JsonPath, index: int, item: Any, labels: Mapping[str, Kind], line: int
) -> Optional[InventoryEntry]:
    """One dumpdata object as an entry, or None for another app's model."""
    label = f"item [{index}]"
    if not isinstance(item, dict):
        raise doc.error(where, f'{label}: expected an object with "model" and "fields", not {_describe(item)}')
    top = _Fields(doc, where, label, item)
    model = top.get("model", lambda v: isinstance(v, str), 'a string such as "waffle.flag"', required=True)
    label = f'item [{index}] ("model": {json.dumps(model)})'
    top.label = label
    fields = top.get("fields", lambda v: isinstance(v, dict), "an object", required=True)
    kind = _dumpdata_kind(model, fields, labels)
    if kind is None:
        return None
    get = _Fields(doc, where + ("fields",), label, fields, prefix="fields.")
    name = get.name()
    if kind == "flag":
        everyone = get.boolean("everyone", required=True, nullable=True)
        percent = get.percent("percent")
        criteria = {key: bool(get.boolean(key)) for key in _FLAG_BOOLEANS}
        state = _flag_state(everyone, percent, criteria, get.count("groups"), get.count("users"))
    elif kind == "switch":
        state = "on" if get.boolean("active", required=True) else "off"
    else:
        state = f"{get.percent('percent', required=True, nullable=False)}%"
    return InventoryEntry(
        kind=kind,
        name=name,
        state=state,
        created=_iso(get.text("created")),
        modified=_iso(get.text("modified")),
        note=get.text("note") or "",
        line=line,
    )


def _dumpdata_kind(model: str, fields: Mapping[str, Any], labels: Mapping[str, Kind]) -> Optional[Kind]:
    """The kind a dumpdata object holds: by label (stock, then configured), else by its fields, else None."""
    label = model.lower()
    if label in labels:
        return labels[label]
    if label in _WAFFLE_LABELS:
        return _WAFFLE_LABELS[label]
    keys = set(fields)
    if _FLAG_FIELDS <= keys:
        return "flag"
    if "everyone" in keys:
        return None
    if _SWITCH_FIELDS <= keys and "percent" not in keys:
        return "switch"
    if _SAMPLE_FIELDS <= keys and "active" not in keys:
        return "sample"
    return None


# --------------------------------------------------------------------------------------------------------------
# waffle_flag / waffle_switch / waffle_sample --list

_LIST_KEY = re.compile(r"([A-Z][A-Z_]*):(?: (.*))?\Z")
#: django-waffle 0.10's waffle_switch --list printed ``print('%s: %s', (name, state))`` literally.
_OLD_SWITCH = re.compile(r"%s: %s (\(.*\))\Z")
_LIST_BOOLEANS = {"True": True, "False": False}


def _parse_waffle_list(path: str, text: str) -> List[InventoryEntry]:
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
        if line in _LIST_HEADERS:
            if flag is not None:
                entries.append(_list_flag(path, flag))
                flag = None
            section = _LIST_HEADERS[line]
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
        percent_text, percent_line = lines["PERCENT"]
        if percent_text != "None":
            if not _is_number(percent_text):
                raise InventoryError(
                    path,
                    f'flag "{name}": PERCENT must be a number or None, not {percent_text!r}',
                    percent_line,
                    len("PERCENT: ") + 1,
                )
            percent = _percent_text(percent_text)
    criteria: Dict[str, bool] = {}
    for key in _FLAG_BOOLEANS:
        if key.upper() in lines:
            value, line = lines[key.upper()]
            if value not in _LIST_BOOLEANS:
                raise InventoryError(
                    path, f'flag "{name}": {key.upper()} must be True or False, not {value!r}', line, len(key) + 3
                )
            criteria[key] = _LIST_BOOLEANS[value]
    counts = [_list_length(path, name, lines, key) for key in ("GROUPS", "USERS")]
    state = _flag_state(everyone, percent, criteria, *counts)
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
    if not name or not value.endswith("%") or not _is_number(value[:-1]):
        raise InventoryError(path, f'expected "NAME: PERCENT%" (waffle_sample --list), got {line[:60]!r}', number, 1)
    return InventoryEntry(kind="sample", name=name, state=f"{_percent_text(value[:-1])}%", line=number)


# --------------------------------------------------------------------------------------------------------------
# /waffle_status


def _parse_waffle_status(path: str, text: str, parsed: Any) -> List[InventoryEntry]:
    """Entries of waffle's ``/waffle_status`` JSON: ``{"flags": {name: {"is_active", "last_modified"}}, ...}``.

    ``is_active`` is what the fetching request saw (samples: a random draw), so a flag's state says so.
    """
    if parsed is _MISSING:
        parsed = _load_json(path, text)
    doc = _Json(path, text)
    if not isinstance(parsed, dict):
        raise doc.error(
            (),
            'expected the /waffle_status JSON object {"flags": ..., "switches": ..., "samples": ...}, '
            "not " + _describe(parsed),
        )
    entries: List[InventoryEntry] = []
    lines = _Lines(doc.text)
    top = _skip(doc.text, 0)
    for key, kind in _STATUS_KEYS.items():
        group = parsed.get(key, {})
        if not isinstance(group, dict):
            raise doc.error(
                (key,), f'"{key}" must be an object of name -> {{"is_active": ...}}, not {_describe(group)}'
            )
        located = _find(doc.text, top, key) if group else None
        name_lines: Dict[str, int] = {}
        if located is not None:
            for member, start, _ in _members(doc.text, located[1]):
                name_lines[str(member)] = lines.line(start)
        for name, value in group.items():
            label = f'"{key}" [{json.dumps(name)}]'
            if not name:
                raise doc.error((key, name), f"{label}: empty name")
            if not isinstance(value, dict):
                raise doc.error(
                    (key, name), f'{label}: expected an object {{"is_active": ...}}, not {_describe(value)}'
                )
            get = _Fields(doc, (key, name), label, value)
            active = get.boolean("is_active", required=True)
            if kind == "switch":
                state = "on" if active else "off"
            else:
                state = f"is_active={'true' if active else 'false'}"
            modified = _iso(get.text("last_modified"))
            entries.append(InventoryEntry(kind, name, state, modified=modified, line=name_lines.get(name, 1)))
    return entries


# --------------------------------------------------------------------------------------------------------------
# edx-toggles state report

_EDX_EVERYONE: Dict[str, Optional[bool]] = {"yes": True, "no": False, "unknown": None}
_EDX_ACTIVE: Dict[Any, str] = {"true": "on", "false": "off", True: "on", False: "off"}


def _parse_edx_toggles(path: str, text: str, parsed: Any) -> List[InventoryEntry]:
    """Entries of an edx-toggles report; toggles declared in code but absent from the database are skipped.

    Such a toggle appears with only name/class/module (and computed_status), no "everyone" / "is_active": the
    environment does not hold it, so listing it would hide exactly the missing flags flaglint looks for.
    """
    if parsed is _MISSING:
        parsed = _load_json(path, text)
    doc = _Json(path, text)
    if not isinstance(parsed, dict):
        raise doc.error(
            (),
            'expected an edx-toggles report {"waffle_flags": [...], "waffle_switches": [...]}, not '
            + _describe(parsed),
        )
    entries: List[InventoryEntry] = []
    lines = _Lines(doc.text)
    for key, kind in (("waffle_flags", "flag"), ("waffle_switches", "switch")):
        toggles = parsed.get(key, [])
        if not isinstance(toggles, list):
            raise doc.error((key,), f'"{key}" must be a list of {{"name": ...}} objects, not {_describe(toggles)}')
        located = _find(doc.text, _skip(doc.text, 0), key) if toggles else None
        name_lines = _name_lines(doc.text, located[1], ("name",), lines) if located is not None else []
        for index, toggle in enumerate(toggles):
            label = f'"{key}" [{index}]'
            if not isinstance(toggle, dict):
                raise doc.error((key, index), f'{label}: expected an object {{"name": ...}}, not {_describe(toggle)}')
            get = _Fields(doc, (key, index), label, toggle)
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
                    created=_iso(get.text("created")),
                    modified=_iso(get.text("modified")),
                    note=get.text("note") or "",
                    line=name_lines[index] if index < len(name_lines) else 1,
                )
            )
    return entries


# --------------------------------------------------------------------------------------------------------------
# Retirement plan


def _toml_error(exc: Exception) -> Tuple[str, Optional[int], Optional[int]]:
    """tomllib's message without its ``(at line L, column C)`` suffix, and that line and column."""
    message = str(exc)
    line: Optional[int] = getattr(exc, "lineno", None)
    column: Optional[int] = getattr(exc, "colno", None)
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", message)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        message = message[: match.start()]
    else:
        message = re.sub(r"\s*\(at end of document\)\s*$", " at end of document", message)
    return message, line, column


def _toml_key_line(text: str, key: str, start: int, end: Optional[int]) -> Optional[int]:
    """The line of a bare ``key =`` between two offsets, when it is written that simply."""
    pattern = re.compile(r"^[ \t]*(?:" + re.escape(key) + r"|\"" + re.escape(key) + r"\")[ \t]*=", re.MULTILINE)
    match = pattern.search(text, start, len(text) if end is None else end)
    return _position(text, match.start())[0] if match else None


def _retirement(path: str, text: str, index: int, table: Any, headers: Sequence[int]) -> Retirement:
    """One ``[[retire]]`` table, checked key by key."""
    start = headers[index] if index < len(headers) else None
    end = headers[index + 1] if index + 1 < len(headers) else None
    table_line = _position(text, start)[0] if start is not None else None
    where = f"retire[{index}]"

    def fail(key: Optional[str], problem: str) -> InventoryError:
        line = _toml_key_line(text, key, start, end) if key and start is not None else None
        return InventoryError(path, f"{where}: {problem}", line or table_line)

    if not isinstance(table, dict):
        raise fail(None, f"must be a table ([[retire]]), not {_describe(table)}")
    if isinstance(table.get("name"), str) and table["name"].strip():
        where = f"retire[{index}] (name = {json.dumps(table['name'])})"
    for key in table:
        if key not in _PLAN_KEYS:
            raise fail(key, f'unknown key "{key}" (expected {", ".join(_PLAN_KEYS)})')
    if "name" not in table:
        raise fail(None, '"name" is missing')
    name = table["name"]
    if not isinstance(name, str) or not name.strip():
        raise fail("name", f'"name" must be a non-empty string, not {_describe(name)}')
    kind = table.get("kind")
    if kind is not None and kind not in KINDS:
        raise fail("kind", f'"kind" must be one of {", ".join(KINDS)}, not {_describe(kind)}')
    date = table.get("date")
    if isinstance(date, datetime.date) and not isinstance(date, datetime.datetime):
        date = date.isoformat()
    elif date is not None and not isinstance(date, str):
        raise fail("date", f'"date" must be a TOML date (date = 2026-12-01) or a string, not {_describe(date)}')
    reason = table.get("reason", "")
    if not isinstance(reason, str):
        raise fail("reason", f'"reason" must be a string, not {_describe(reason)}')
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
