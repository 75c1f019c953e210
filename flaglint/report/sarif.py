"""Diagnostics as a SARIF 2.1.0 log, for GitHub code scanning and other SARIF viewers. Pure: returns data.

Every registry code becomes a rule, in registry order, so a result's `ruleIndex` is stable across runs and
versions. Each result carries a `partialFingerprints` entry built from `flaglint.adoption.fingerprint` (code, path, name
and line text, never the line number) plus an occurrence counter, so a finding keeps its identity when lines are
inserted above it and two identical lines stay distinct.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, List, Optional, Sequence
from urllib.parse import quote

from flaglint.codes import CODES, Code
from flaglint.adoption.fingerprint import LineReader, fingerprint
from flaglint.model import Diagnostic, Reference

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/flaglint/flaglint"
#: The uriBaseId of every relative path: the directory flaglint reported paths relative to.
SRCROOT = "%SRCROOT%"
#: The key of flaglint's entry in `partialFingerprints`; bump the suffix if the scheme ever changes.
FINGERPRINT_KEY = "flaglint/v1"

# RFC 3986 sub-delims and "@" stay literal in a path; ":" is always encoded (a relative reference whose first
# segment holds ":" would read as a scheme), as are spaces, "%", "#", "?" and non-ASCII characters.
_PATH_SAFE = "/!$&'()*+,;=@"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def sarif_log(
    diagnostics: Sequence[Diagnostic], *, version: str, lines: LineReader, uri_base: Optional[str] = None
) -> Dict[str, object]:
    """The SARIF log of one flaglint run; the caller serialises it with `json.dumps`.

    `version` is flaglint's version (the tool driver's). `lines` supplies each finding's line text for its
    snippet and fingerprint. `uri_base`, when given, is the directory relative paths are relative to (a
    relative `uri_base` is resolved against the current directory); it becomes `originalUriBaseIds`.
    """
    indexes = {entry.code: index for index, entry in enumerate(CODES)}
    seen: Dict[str, int] = {}
    results: List[Dict[str, object]] = []
    for diagnostic in diagnostics:
        line_text = lines.line(diagnostic.path, diagnostic.line)
        key = fingerprint(diagnostic, line_text)
        seen[key] = seen.get(key, 0) + 1
        results.append(_result(diagnostic, line_text, f"{key}:{seen[key]}", indexes.get(diagnostic.code)))
    run: Dict[str, object] = {
        "tool": {
            "driver": {
                "name": "flaglint",
                "version": version,
                "informationUri": INFORMATION_URI,
                "rules": [rule(entry) for entry in CODES],
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if uri_base is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": directory_uri(uri_base)}}
    return {"$schema": SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}


def rule(entry: Code) -> Dict[str, object]:
    """A registry code as a SARIF reportingDescriptor, documented as ``flaglint explain`` documents it."""
    return {
        "id": entry.code,
        "name": pascal_case(entry.name),
        "shortDescription": {"text": entry.summary},
        "fullDescription": {"text": entry.why},
        "help": {"text": _help_text(entry), "markdown": _help_markdown(entry)},
        "defaultConfiguration": {"level": entry.severity},
        "properties": {"tags": ["waffle", "feature-flags", entry.scope]},
    }


def pascal_case(kebab: str) -> str:
    """``retired-flag-referenced`` -> ``RetiredFlagReferenced`` (SARIF rule names are identifiers)."""
    return "".join(part[:1].upper() + part[1:] for part in kebab.split("-"))


def artifact_location(path: str) -> Dict[str, object]:
    """A reported path as a SARIF artifactLocation: relative paths stay relative to ``%SRCROOT%``."""
    if os.path.isabs(path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path.replace(os.sep, "/"), safe=_PATH_SAFE), "uriBaseId": SRCROOT}


def directory_uri(directory: str) -> str:
    """The ``file:`` URI of a directory, ending in ``/`` as SARIF requires of a base URI."""
    uri = Path(os.path.abspath(directory)).as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _result(diagnostic: Diagnostic, line_text: str, key: str, rule_index: Optional[int]) -> Dict[str, object]:
    result: Dict[str, object] = {"ruleId": diagnostic.code}
    if rule_index is not None:
        result["ruleIndex"] = rule_index
    result.update(
        level=diagnostic.severity,
        message={"text": diagnostic.message},
        locations=[{"physicalLocation": _physical(diagnostic.path, _region(diagnostic, line_text))}],
        partialFingerprints={FINGERPRINT_KEY: key},
    )
    related = [r for r in diagnostic.related if not _at(r, diagnostic)]
    if related:
        result["relatedLocations"] = [_related(number, r) for number, r in enumerate(related, start=1)]
    named = (("name", diagnostic.name), ("kind", diagnostic.kind), ("environment", diagnostic.environment))
    properties = {field: value for field, value in named if value is not None}
    if properties:
        result["properties"] = properties
    return result


def _region(diagnostic: Diagnostic, line_text: str) -> Dict[str, object]:
    """The finding's place; its extent comes from the related reference at that place, when there is one."""
    if diagnostic.line < 1:
        return {}
    region: Dict[str, object] = {"startLine": diagnostic.line}
    if diagnostic.column >= 1:
        region["startColumn"] = diagnostic.column
    own = next((r for r in diagnostic.related if _at(r, diagnostic)), None)
    if own is not None and (own.end_line, own.end_column) > (own.line, own.column):
        region.update(endLine=own.end_line, endColumn=own.end_column)
    if line_text:
        region["snippet"] = {"text": line_text}
    return region


def _related(number: int, reference: Reference) -> Dict[str, object]:
    region: Dict[str, object] = {"startLine": reference.line, "startColumn": reference.column}
    if (reference.end_line, reference.end_column) > (reference.line, reference.column):
        region.update(endLine=reference.end_line, endColumn=reference.end_column)
    return {"id": number, "physicalLocation": _physical(reference.path, region), "message": {"text": "reference"}}


def _physical(path: str, region: Dict[str, object]) -> Dict[str, object]:
    physical: Dict[str, object] = {"artifactLocation": artifact_location(path)}
    if region:
        physical["region"] = region
    return physical


def _at(reference: Reference, diagnostic: Diagnostic) -> bool:
    return (reference.path, reference.line, reference.column) == (diagnostic.path, diagnostic.line, diagnostic.column)


def _help_text(entry: Code) -> str:
    return (
        f"{entry.code} {entry.name} ({entry.severity}, {entry.scope} scope)\n\n"
        f"What it does\n  {entry.summary}\n\nWhy it matters\n  {entry.why}\n\n"
        f"Example\n  {entry.bad}\n\nUse instead\n  {entry.good}"
    )


def _help_markdown(entry: Code) -> str:
    return (
        f"**{entry.code} {entry.name}** ({entry.severity}, {entry.scope} scope)\n\n"
        f"**What it does**\n\n{_escape_markdown(entry.summary)}\n\n"
        f"**Why it matters**\n\n{_escape_markdown(entry.why)}\n\n"
        f"**Example**\n\n```\n{entry.bad}\n```\n\n**Use instead**\n\n```\n{entry.good}\n```"
    )


def _escape_markdown(text: str) -> str:
    """Backslash-escape what would turn prose into emphasis or links (WAFFLE_*_DEFAULT); `code spans` stay."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick opens no code span: escape it too
        return _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return "`".join(part if index % 2 else _MARKDOWN_SPECIAL.sub(r"\\\1", part) for index, part in enumerate(parts))
