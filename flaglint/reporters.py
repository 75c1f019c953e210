"""Turn references and diagnostics into text or JSON. Pure: each function returns the string to print.

The JSON documents are a versioned contract (see README, "JSON output"): fields are only ever added within a
version; a change to an existing field's meaning bumps `version`.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Sequence

from flaglint.checks import summarise
from flaglint.codes import CODES
from flaglint.types import Diagnostic, Reference

JSON_VERSION = 1


def reference_record(reference: Reference) -> Dict[str, Any]:
    """One reference as the JSON contract spells it."""
    return {
        "path": reference.path,
        "line": reference.line,
        "column": reference.column,
        "end_line": reference.end_line,
        "end_column": reference.end_column,
        "kind": reference.kind,
        "name": reference.name,
        "dynamic": reference.dynamic,
        "pattern": reference.pattern,
        "expression": reference.expression,
        "source": reference.source,
        "api": reference.api,
        "test": reference.test,
        "negated": reference.negated,
        "migration": reference.migration,
    }


def diagnostic_record(diagnostic: Diagnostic) -> Dict[str, Any]:
    """One diagnostic as the JSON contract spells it."""
    return {
        "code": diagnostic.code,
        "severity": diagnostic.severity,
        "message": diagnostic.message,
        "path": diagnostic.path,
        "line": diagnostic.line,
        "column": diagnostic.column,
        "name": diagnostic.name,
        "kind": diagnostic.kind,
        "environment": diagnostic.environment,
        "related": [
            {"path": r.path, "line": r.line, "column": r.column, "expression": r.expression}
            for r in diagnostic.related
            if (r.path, r.line, r.column) != (diagnostic.path, diagnostic.line, diagnostic.column)
        ],
    }


def references_json(references: Sequence[Reference]) -> str:
    """The ``flaglint refs --format json`` document."""
    return json.dumps({"version": JSON_VERSION, "references": [reference_record(r) for r in references]}, indent=2)


def references_text(references: Sequence[Reference]) -> str:
    """One line per reference: ``path:line:col: kind name (api[, test][, negated])``."""
    lines: List[str] = []
    for reference in references:
        name = (
            reference.name if reference.name is not None else f"<dynamic {reference.pattern}: {reference.expression}>"
        )
        tags = [reference.api] + (["test"] if reference.test else []) + (["negated"] if reference.negated else [])
        lines.append(
            f"{reference.path}:{reference.line}:{reference.column}: {reference.kind} {name} ({', '.join(tags)})"
        )
    files = len({r.path for r in references})
    lines.append(f"{len(references)} reference(s) in {files} file(s)")
    return "\n".join(lines)


def diagnostics_json(diagnostics: Sequence[Diagnostic], summary: Dict[str, Any]) -> str:
    """The ``flaglint check --format json`` document."""
    return json.dumps(
        {"version": JSON_VERSION, "diagnostics": [diagnostic_record(d) for d in diagnostics], "summary": summary},
        indent=2,
    )


def diagnostics_text(diagnostics: Sequence[Diagnostic], summary: Dict[str, Any]) -> str:
    """``path:line:col: CODE message`` lines, then a summary line."""
    lines = [f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}" for d in diagnostics]
    counts = summarise(diagnostics)
    lines.append(
        f"{counts['errors']} error(s), {counts['warnings']} warning(s); "
        f"{summary['references']} reference(s) in {summary['files_scanned']} file(s) scanned"
        + (f"; inventories: {', '.join(summary['environments'])}" if summary["environments"] else "")
    )
    return "\n".join(lines)


def codes_markdown() -> str:
    """The README's table of codes, generated from the registry."""
    rows = ["| code | name | severity | scope | what it reports |", "|---|---|---|---|---|"]
    for entry in CODES:
        rows.append(f"| {entry.code} | {entry.name} | {entry.severity} | {entry.scope} | {entry.summary} |")
    return "\n".join(rows)
