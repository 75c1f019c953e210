"""The JSON documents: a versioned contract (see the README, "JSON output"; JSON Schemas in `flaglint/schemas/`).

Within a version fields are only ever added; a change to an existing field's meaning or type bumps `version`.
Pure: each function returns the text to print.
"""

from __future__ import annotations

import json
from typing import Dict, List, Sequence

from flaglint.model import KINDS, CheckResult, DeleteResult, Diagnostic, Manifest, Reference

JSON_VERSION = 1


def reference_record(reference: Reference) -> Dict[str, object]:
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
        "api": reference.label,
        "test": reference.test,
        "negated": reference.negated,
        "migration": reference.migration,
        "reason": reference.reason,
        "command": reference.command,
    }


def diagnostic_record(diagnostic: Diagnostic) -> Dict[str, object]:
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
    """The ``flaglint refs --format json`` document (a reference a line, so it stays readable and quick)."""
    return _document({"version": JSON_VERSION}, "references", [reference_record(r) for r in references])


def _document(head: Dict[str, object], key: str, records: Sequence[Dict[str, object]], tail: str = "") -> str:
    """``{head..., key: [records, one a line]}`` (json's pretty printer is pure Python: slow on large lists)."""
    opening = json.dumps(head)[:-1] + f", {json.dumps(key)}: ["
    if not records:
        return opening + "]" + tail + "}"
    body = ",\n".join("  " + json.dumps(record, ensure_ascii=False) for record in records)
    return f"{opening}\n{body}\n]{tail}}}"


def diagnostics_json(result: CheckResult, environments: Sequence[str]) -> str:
    """The ``flaglint check --format json`` document."""
    diagnostics = [diagnostic_record(d) for d in result.diagnostics]
    summary = json.dumps(check_summary(result, environments))
    return _document({"version": JSON_VERSION}, "diagnostics", diagnostics, f', "summary": {summary}')


def deletion_json(result: DeleteResult) -> str:
    """The deletion gate's JSON document (version 1)."""
    names = []
    for verdict in result.verdicts:
        names.append(
            {
                "name": verdict.name,
                "kinds": list(verdict.kinds),
                "safe": verdict.safe and result.scan.complete,
                "environments": list(verdict.environments),
                "in_inventory": verdict.name not in result.unknown_names,
                "blocking": {group: [reference_record(r) for r in found] for group, found in verdict.blocking.items()},
                "migrations": [reference_record(r) for r in verdict.migrations],
                "deletions": [reference_record(r) for r in verdict.deletions],
            }
        )
    scan = result.scan
    document = {
        "version": JSON_VERSION,
        "safe": result.safe,
        "complete": scan.complete,
        "names": names,
        "unreadable_files": [
            {"path": p.path, "line": p.line, "column": p.column, "message": p.message} for p in scan.problems
        ],
        "unscanned": [{"path": p.path, "code": p.code, "message": p.message} for p in scan.skipped],
        "files_scanned": scan.files_scanned,
    }
    return json.dumps(document, indent=2)


def check_summary(result: CheckResult, environments: Sequence[str]) -> Dict[str, object]:
    """The ``summary`` object of ``flaglint check --format json`` (and the counts of the text report)."""
    by_code: Dict[str, int] = {}
    for diagnostic in result.diagnostics:
        by_code[diagnostic.code] = by_code.get(diagnostic.code, 0) + 1
    return {
        "errors": sum(1 for d in result.diagnostics if d.severity == "error"),
        "warnings": sum(1 for d in result.diagnostics if d.severity == "warning"),
        "by_code": dict(sorted(by_code.items())),
        "references": len(result.scan.references),
        "files_scanned": result.scan.files_scanned,
        "files_unreadable": len(result.scan.problems),
        "suppressed": result.suppressed,
        "baselined": result.baselined,
        "environments": list(environments),
    }


def _location(reference: Reference) -> Dict[str, object]:
    """One place of a manifest: enough to name it in a refusal, to tell tests and migrations apart."""
    return {
        "path": reference.path,
        "line": reference.line,
        "column": reference.column,
        "source": reference.source,
        "api": reference.label,
        "expression": reference.expression,
        "test": reference.test,
        "migration": reference.migration,
        "negated": reference.negated,
    }


def manifest_json(manifest: Manifest) -> str:
    """The ``flaglint manifest`` document (contract: `flaglint/schemas/manifest-v1.json`)."""
    from flaglint.manifest import MANIFEST_FORMAT, MANIFEST_VERSION

    names: Dict[str, Dict[str, List[Dict[str, object]]]] = {kind: {} for kind in KINDS}
    dynamic: List[Dict[str, object]] = []
    for reference in manifest.references:
        if reference.name is None:
            record = _location(reference)
            record.update(kind=reference.kind, pattern=reference.pattern, reason=reference.reason)
            dynamic.append(record)
        else:
            names[reference.kind].setdefault(reference.name, []).append(_location(reference))
    document = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "flaglint_version": manifest.flaglint_version,
        "commit": manifest.commit,
        "created": manifest.created,
        "complete": manifest.complete,
        "files_scanned": manifest.files_scanned,
        "names": {kind: dict(sorted(found.items())) for kind, found in names.items()},
        "dynamic": dynamic,
        "unreadable": [{"path": p.path, "code": p.code, "message": p.message} for p in manifest.unreadable],
    }
    return json.dumps(document, indent=1, ensure_ascii=False)
