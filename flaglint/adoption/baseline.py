"""Baselines for adopting flaglint in a large codebase: record today's findings, report only new ones.

Findings are keyed by code, name, path and a fingerprint of their line's text (see `flaglint.adoption.fingerprint`),
so a finding that moves because lines were added above it stays suppressed; counts are kept, so a second identical
finding is new.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Dict, List, Sequence, Tuple

from flaglint.adoption.fingerprint import LineReader, fingerprint
from flaglint.model import Diagnostic, FlaglintError

BASELINE_VERSION = 1

Key = Tuple[str, str, str, str]


class BaselineError(FlaglintError):
    """An unreadable or malformed baseline file."""


def _key(diagnostic: Diagnostic, lines: LineReader) -> Key:
    return (
        diagnostic.code,
        diagnostic.path,
        diagnostic.name or "",
        fingerprint(diagnostic, lines.line(diagnostic.path, diagnostic.line)),
    )


def baseline_document(diagnostics: Sequence[Diagnostic], lines: LineReader) -> str:
    """The baseline file's text for these findings."""
    findings = []
    for diagnostic in sorted(diagnostics, key=lambda d: d.sort_key()):
        code, path, name, print_ = _key(diagnostic, lines)
        findings.append(
            {"code": code, "path": path, "name": name, "fingerprint": print_, "message": diagnostic.message}
        )
    return json.dumps({"version": BASELINE_VERSION, "tool": "flaglint", "findings": findings}, indent=2) + "\n"


def load_baseline(path: str) -> "Counter[Key]":
    """The recorded findings of a baseline file, counted."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as error:
        raise BaselineError(f"{path}: cannot read baseline: {error.strerror or error}") from error
    except json.JSONDecodeError as error:
        raise BaselineError(f"{path}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}") from error
    if not isinstance(document, dict) or document.get("version") != BASELINE_VERSION:
        raise BaselineError(f"{path}: not a flaglint baseline (version {BASELINE_VERSION})")
    findings = document.get("findings")
    if not isinstance(findings, list):
        raise BaselineError(f"{path}: 'findings' must be a list")
    recorded: "Counter[Key]" = Counter()
    for index, finding in enumerate(findings):
        fields: Dict[str, object] = finding if isinstance(finding, dict) else {}
        values = [fields.get(field) for field in ("code", "path", "name", "fingerprint")]
        if not all(isinstance(value, str) for value in values):
            raise BaselineError(f"{path}: findings[{index}] needs string code, path, name and fingerprint")
        recorded[(str(values[0]), str(values[1]), str(values[2]), str(values[3]))] += 1
    return recorded


def new_findings(
    diagnostics: Sequence[Diagnostic], recorded: "Counter[Key]", lines: LineReader
) -> Tuple[List[Diagnostic], int]:
    """The findings the baseline does not account for, and how many it did."""
    remaining = Counter(recorded)
    fresh: List[Diagnostic] = []
    matched = 0
    for diagnostic in diagnostics:
        key = _key(diagnostic, lines)
        if remaining[key] > 0:
            remaining[key] -= 1
            matched += 1
        else:
            fresh.append(diagnostic)
    return fresh, matched
