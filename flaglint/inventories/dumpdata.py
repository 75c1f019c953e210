"""``dumpdata``: ``manage.py dumpdata waffle.flag waffle.switch waffle.sample`` (a JSON list; plain or with
``--natural-foreign --natural-primary``; also ``--format jsonl``), including swapped models and mixed dumps."""

from __future__ import annotations

import json
from typing import Any, List, Mapping, Optional

from flaglint.catalogue import MODEL_LABELS
from flaglint.inventories.reading import (
    FLAG_BOOLEANS,
    MISSING,
    Fields,
    Json,
    JsonPath,
    Lines,
    describe,
    flag_state,
    iso,
    jsonl_first_object,
    load_json,
    name_lines,
    skip,
)
from flaglint.model import InventoryEntry, InventoryError, Kind

NAME = "dumpdata"

_FLAG_FIELDS = frozenset({"name", "everyone", "percent", "testing", "superusers", "staff", "authenticated", "rollout"})
_SWITCH_FIELDS = frozenset({"name", "active", "note", "created", "modified"})
_SAMPLE_FIELDS = frozenset({"name", "percent", "note", "created", "modified"})


def parse(path: str, text: str, parsed: Any, labels: Mapping[str, Kind]) -> List[InventoryEntry]:
    """Entries of a dumpdata export: a JSON list, or one object per line (``--format jsonl``)."""
    body = text.lstrip("\ufeff \t\r\n")
    if parsed is MISSING and body.startswith("{") and jsonl_first_object(body) is not None:
        return _parse_dumpdata_jsonl(path, text, labels)
    if parsed is MISSING:
        parsed = load_json(path, text)
    doc = Json(path, text)
    if not isinstance(parsed, list):
        raise doc.error(
            (), 'expected a dumpdata JSON list of {"model": ..., "fields": {...}} objects, not ' + describe(parsed)
        )
    entries: List[InventoryEntry] = []
    lines = name_lines(doc.text, skip(doc.text, 0), ("fields", "name"), Lines(doc.text))
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
        entry = _dumpdata_entry(Json(path, line, number - 1), (), index, item, labels, number)
        if entry is not None:
            entries.append(entry)
        index += 1
    return entries


def _dumpdata_entry(
    doc: Json, where: JsonPath, index: int, item: Any, labels: Mapping[str, Kind], line: int
) -> Optional[InventoryEntry]:
    """One dumpdata object as an entry, or None for another app's model."""
    label = f"item [{index}]"
    if not isinstance(item, dict):
        raise doc.error(where, f'{label}: expected an object with "model" and "fields", not {describe(item)}')
    top = Fields(doc, where, label, item)
    model = top.get("model", lambda v: isinstance(v, str), 'a string such as "waffle.flag"', required=True)
    label = f'item [{index}] ("model": {json.dumps(model)})'
    top.label = label
    fields = top.get("fields", lambda v: isinstance(v, dict), "an object", required=True)
    kind = _dumpdata_kind(model, fields, labels)
    if kind is None:
        return None
    get = Fields(doc, where + ("fields",), label, fields, prefix="fields.")
    name = get.name()
    if kind == "flag":
        everyone = get.boolean("everyone", required=True, nullable=True)
        percent = get.percent("percent")
        criteria = {key: bool(get.boolean(key)) for key in FLAG_BOOLEANS}
        state = flag_state(everyone, percent, criteria, get.count("groups"), get.count("users"))
    elif kind == "switch":
        state = "on" if get.boolean("active", required=True) else "off"
    else:
        state = f"{get.percent('percent', required=True, nullable=False)}%"
    return InventoryEntry(
        kind=kind,
        name=name,
        state=state,
        created=iso(get.text("created")),
        modified=iso(get.text("modified")),
        note=get.text("note") or "",
        line=line,
    )


def _dumpdata_kind(model: str, fields: Mapping[str, Any], labels: Mapping[str, Kind]) -> Optional[Kind]:
    """The kind a dumpdata object holds: by label (stock, then configured), else by its fields, else None."""
    label = model.lower()
    if label in labels:
        return labels[label]
    if label in MODEL_LABELS:
        return MODEL_LABELS[label]
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
