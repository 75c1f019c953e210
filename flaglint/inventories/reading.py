"""Reading export files: text, positions, JSON with located errors, typed field access.

Every problem is an `InventoryError` with the path and, where known, the 1-based line and column. Positions of
entries come from one pass over the members that hold them (linear in the file), never from searching the text.
"""

from __future__ import annotations

import codecs
import json
import re
from bisect import bisect_right
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from flaglint.model import KINDS, InventoryError, Kind

#: What each format looks like, for "unrecognised format" messages.
EXPECTED = (
    'expected one of: a dumpdata JSON list ([{"model": "waffle.flag", "fields": {...}}, ...]); '
    'the text of waffle_flag/waffle_switch/waffle_sample --list (starting "Flags:", "Switches:" or "Samples:"); '
    'a /waffle_status JSON object ({"flags": ..., "switches": ..., "samples": ...}); '
    'an edx-toggles state report ({"waffle_flags": [...], "waffle_switches": [...], ...})'
)

MISSING: Any = object()
DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")
Step = Union[int, str]
JsonPath = Tuple[Step, ...]
_KEY_PATTERNS: Dict[str, "re.Pattern[str]"] = {}
#: The flag criteria a state string names (in waffle's evaluation order), besides everyone / percent.
FLAG_BOOLEANS = ("testing", "superusers", "staff", "authenticated", "rollout")


def read_text(path: str, *, allow_empty: bool = False) -> str:
    """The file as text: UTF-8 with an optional BOM; binary, undecodable or (unless allowed) empty files fail."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise InventoryError(path, f"cannot read file: {exc.strerror or exc}") from exc
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InventoryError(path, "file is UTF-16 encoded (as PowerShell's '>' writes it); save it as UTF-8", 1, 1)
    if b"\x00" in data:
        line, column = byte_position(data, data.index(b"\x00"))
        raise InventoryError(path, "binary file (contains NUL bytes), not a text export", line, column)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = byte_position(data, exc.start)
        raise InventoryError(
            path, f"not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} cannot be decoded", line, column
        ) from exc
    if not allow_empty and not text.strip():
        raise InventoryError(path, "empty file: no inventory export in it; " + EXPECTED)
    return text


def byte_position(data: bytes, offset: int) -> Tuple[int, int]:
    """1-based line and column (in characters) of a byte offset."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column


def position(text: str, offset: int) -> Tuple[int, int]:
    """1-based line and column of a character offset."""
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def load_json(path: str, text: str) -> Any:
    """Parse JSON, turning syntax errors into `InventoryError` with json's line and column."""
    try:
        return json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise InventoryError(path, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from exc
    except RecursionError as exc:
        raise InventoryError(path, "invalid JSON: nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer literal beyond the interpreter's digit limit
        raise InventoryError(path, f"invalid JSON: {exc}") from exc


def jsonl_first_object(text: str) -> Optional[Dict[str, Any]]:
    """The first line as a dumpdata object if the text looks like ``dumpdata --format jsonl``, else None."""
    first = text.split("\n", 1)[0].strip()
    try:
        obj = json.loads(first)
    except (ValueError, RecursionError):
        return None
    if isinstance(obj, dict) and "model" in obj and "fields" in obj:
        return obj
    return None


class Lines:
    """Character offset -> 1-based line, with the table of line starts built once."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: Optional[int]) -> int:
        return 1 if offset is None else bisect_right(self.starts, offset)


def members(text: str, offset: int) -> Iterator[Tuple[Step, int, int]]:
    """(index or key, offset of the key or element, offset of the value) of each member of the container at `offset`.

    Values are skipped with the C decoder, so walking a container costs about one more parse of it.
    """
    opener = text[offset]
    index = skip(text, offset + 1)
    closer = "]" if opener == "[" else "}"
    if index >= len(text) or text[index] == closer:
        return
    count = 0
    while True:
        start = index
        key: Step = count
        if opener == "{":
            key, end = DECODER.raw_decode(text, index)
            index = skip(text, skip(text, end) + 1)
        yield key, start, index
        _, end = DECODER.raw_decode(text, index)
        index = skip(text, end)
        if index >= len(text) or text[index] != ",":
            return
        index = skip(text, index + 1)
        count += 1


def find(text: str, offset: int, key: Step) -> Optional[Tuple[int, int]]:
    """(member offset, value offset) of `key` in the container at `offset` (the last one, as json keeps)."""
    found: Optional[Tuple[int, int]] = None
    for member, start, value in members(text, offset):
        if member == key:
            found = (start, value)
    return found


def name_lines(text: str, container: int, path: Sequence[Step], lines: Lines) -> List[int]:
    """For each member of the container at `container`: the line of the value at `path` inside it (1 if absent).

    The keys are looked for with a regex inside each member's own span (an unescaped ``"key":`` can only be a key)
    and the value found is checked by decoding it; where that quick look is not certain, the members are walked.
    """
    found: List[int] = []
    try:
        entries = list(members(text, container))
        for number, (_, _, value) in enumerate(entries):
            end = entries[number + 1][1] if number + 1 < len(entries) else len(text)
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
        located = find(text, offset, step)
        offset = located[1] if located is not None else None
    return offset


def skip(text: str, offset: int) -> int:
    """Offset of the next non-whitespace character."""
    match = _WHITESPACE.match(text, offset)
    return match.end() if match else offset


def _child_offset(text: str, offset: int, step: Step) -> Optional[int]:
    """Offset of member `step` of the container at `offset` (the last of duplicate keys, as json keeps)."""
    opener = text[offset]
    index = skip(text, offset + 1)
    if opener == "[" and isinstance(step, int):
        if text[index] == "]":
            return None
        count = 0
        while True:
            if count == step:
                return index
            _, end = DECODER.raw_decode(text, index)
            index = skip(text, end)
            if text[index] != ",":
                return None
            index = skip(text, index + 1)
            count += 1
    if opener == "{" and isinstance(step, str):
        if text[index] == "}":
            return None
        found: Optional[int] = None
        while True:
            key, end = DECODER.raw_decode(text, index)
            index = skip(text, skip(text, end) + 1)
            if key == step:
                found = index
            _, end = DECODER.raw_decode(text, index)
            index = skip(text, end)
            if text[index] != ",":
                return found
            index = skip(text, index + 1)
    return None


def locate(text: str, where: JsonPath) -> Tuple[int, int]:
    """Line and column of the deepest existing value along `where` in a valid JSON document."""
    offset = best = skip(text, 0)
    try:
        for step in where:
            child = _child_offset(text, offset, step)
            if child is None:
                break
            offset = best = child
    except (ValueError, IndexError):  # pragma: no cover - the document already parsed
        pass
    return position(text, best)


class Json:
    """A parsed JSON document that can turn a problem at a JSON path into a positioned `InventoryError`."""

    def __init__(self, path: str, text: str, line_offset: int = 0) -> None:
        self.path = path
        self.text = text.lstrip("\ufeff")
        self.line_offset = line_offset

    def error(self, where: JsonPath, message: str) -> InventoryError:
        """An error at the value `where` points to (or its deepest existing parent)."""
        line, column = locate(self.text, where)
        return InventoryError(self.path, message, line + self.line_offset, column)


def describe(value: Any) -> str:
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


class Fields:
    """Typed access to one JSON object's members, raising positioned errors that name the JSON location."""

    def __init__(self, doc: Json, where: JsonPath, label: str, data: Dict[str, Any], prefix: str = "") -> None:
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
        value = self.data.get(key, MISSING)
        if value is MISSING:
            raise self.fail(key, "is missing")
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {describe(value)}")
        if not value:
            raise self.fail(key, "is empty")
        return value

    def get(self, key: str, check: Callable[[Any], bool], expected: str, *, required: bool = False) -> Any:
        """A member that must satisfy `check` (None when absent and not required)."""
        value = self.data.get(key, MISSING)
        if value is MISSING:
            if required:
                raise self.fail(key, f"is missing (expected {expected})")
            return None
        if not check(value):
            raise self.fail(key, f"must be {expected}, not {describe(value)}")
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
        value = self.get(key, lambda v: (v is None and nullable) or is_number(v), expected, required=required)
        return None if value is None else percent_text(value)

    def count(self, key: str) -> int:
        """The length of an optional list member (groups / users, pks or natural keys)."""
        value = self.get(key, lambda v: v is None or isinstance(v, list), "a list")
        return len(value) if isinstance(value, list) else 0


def is_number(value: Any) -> bool:
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


def percent_text(value: Union[str, int, float]) -> str:
    """A percentage as waffle prints it: at least one decimal (``12.5``, ``50.0``)."""
    number = Decimal(str(value))
    if number == number.quantize(Decimal("0.1")):
        return f"{number:.1f}"
    return str(number.normalize())


def flag_state(
    everyone: Optional[bool], percent: Optional[str], criteria: Mapping[str, bool], groups: int, users: int
) -> str:
    """A flag's state: ``everyone=true|false`` (which overrides everything), else what else activates it."""
    if everyone is not None:
        return f"everyone={'true' if everyone else 'false'}"
    parts = ["everyone=null"]
    if percent is not None:
        parts.append(f"percent={percent}")
    parts.extend(name for name in FLAG_BOOLEANS if criteria.get(name))
    if groups:
        parts.append(f"groups={groups}")
    if users:
        parts.append(f"users={users}")
    return ", ".join(parts)


def iso(value: Optional[str]) -> Optional[str]:
    """An export's timestamp as ISO 8601 (``str(datetime)`` puts a space where ISO has ``T``)."""
    if value and re.match(r"\d{4}-\d{2}-\d{2} \d", value):
        return value[:10] + "T" + value[11:]
    return value


def normalise_labels(model_labels: Mapping[str, Kind]) -> Dict[str, Kind]:
    """Lower-case dumpdata labels; reject kinds that are not flag / switch / sample."""
    labels: Dict[str, Kind] = {}
    for label, kind in model_labels.items():
        if kind not in KINDS:
            raise ValueError(f"model_labels[{label!r}] = {kind!r}: expected one of {', '.join(KINDS)}")
        labels[label.lower()] = kind
    return labels
