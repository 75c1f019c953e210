"""Turn references and diagnostics into text or JSON. Pure: each function returns the string to print.

The JSON documents are a versioned contract (see README, "JSON output"): fields are only ever added within a
version; a change to an existing field's meaning bumps `version`.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Dict, List, Sequence

from flaglint.checks import summarise

if TYPE_CHECKING:  # pragma: no cover
    from flaglint.api import DeleteResult, RemoveResult
from flaglint.codes import CODES
from flaglint.types import Diagnostic, Reference, ScanResult

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
    extras = []
    if summary.get("environments"):
        extras.append(f"inventories: {', '.join(summary['environments'])}")
    if summary.get("suppressed"):
        extras.append(f"{summary['suppressed']} suppressed")
    if summary.get("baselined"):
        extras.append(f"{summary['baselined']} in the baseline")
    lines.append(
        f"{counts['errors']} error(s), {counts['warnings']} warning(s); "
        f"{summary['references']} reference(s) in {summary['files_scanned']} file(s) scanned"
        + "".join(f"; {extra}" for extra in extras)
    )
    return "\n".join(lines)


_GROUP_TITLES = {
    "code": "code",
    "templates": "templates",
    "javascript": "JavaScript",
    "tests": "tests (they go with the code)",
    "dynamic": "dynamic references that could produce the name",
}


def _place(reference: Reference) -> str:
    pattern = f" (pattern {reference.pattern})" if reference.name is None else ""
    return f"{reference.path}:{reference.line}:{reference.column}: {reference.api} {reference.expression}{pattern}"


def deletion_text(result: "DeleteResult") -> str:
    """The deletion gate's report: one confirmation line when safe, else every blocker grouped by name.

    "Safe" is said only when the scan looked everywhere; otherwise the report says what it could not look at.
    """
    verdicts, scan = result.verdicts, result.scan
    names = ", ".join(verdict.name for verdict in verdicts)
    warnings = [
        f"warning: {name!r} is in no inventory ({', '.join(result.environments)}): a typo?"
        for name in result.unknown_names
    ]
    if result.safe:
        return "\n".join(
            warnings
            + [
                f"safe to delete {names}: no code, template, JavaScript or test references them and no dynamic "
                f"reference could produce them ({scan.files_scanned} files scanned)"
            ]
        )
    lines: List[str] = list(warnings)
    for verdict in verdicts:
        kinds = "/".join(verdict.kinds) if verdict.kinds else "any kind"
        where = f", in {', '.join(verdict.environments)}" if verdict.environments else ""
        count = sum(len(found) for found in verdict.blocking.values())
        status = "no reference found" if verdict.safe else f"blocked by {count}"
        lines.append(f"{verdict.name} ({kinds}{where}): {status}")
        for group, found in verdict.blocking.items():
            if found:
                lines.append(f"  {_GROUP_TITLES[group]}:")
                lines.extend(f"    {_place(reference)}" for reference in found)
        if verdict.migrations:
            lines.append("  data migrations (not blocking: they stay in history):")
            lines.extend(f"    {_place(reference)}" for reference in verdict.migrations)
    lines.extend(_incomplete(scan))
    blocked = sum(1 for verdict in verdicts if not verdict.safe)
    if blocked:
        lines.append(f"{blocked} of {len(verdicts)} name(s) blocked; not safe to delete")
    else:
        lines.append("cannot confirm that it is safe to delete; not safe to delete until every file can be read")
    return "\n".join(lines)


def _incomplete(scan: ScanResult) -> List[str]:
    """Why a scan cannot vouch for "nothing references it": nothing scanned, files unread, directories skipped."""
    lines: List[str] = []
    if scan.files_scanned == 0:
        lines.append("cannot confirm: no file was scanned")
    unread = scan.problems + scan.skipped
    if unread:
        lines.append(f"cannot confirm: {len(unread)} file(s) or directories could not be scanned:")
        lines.extend(f"  {p.path}:{p.line}:{p.column}: {p.code} {p.message}" for p in unread)
    return lines


def deletion_json(result: "DeleteResult") -> str:
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


def codes_markdown() -> str:
    """The README's table of codes, generated from the registry."""
    rows = ["| code | name | severity | scope | what it reports |", "|---|---|---|---|---|"]
    for entry in CODES:
        summary = entry.summary if entry.default else f"{entry.summary} Off by default: `--select {entry.code}`."
        rows.append(f"| {entry.code} | {entry.name} | {entry.severity} | {entry.scope} | {summary} |")
    return "\n".join(rows)


def unified_diff(path: str, before: bytes, after: bytes) -> str:
    """A ``git diff``-style unified diff of one file (line endings shown as they are)."""
    import difflib

    old = before.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = after.decode("utf-8", errors="replace").splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, fromfile=f"a/{path}", tofile=f"b/{path}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def removal_text(result: "RemoveResult", *, written: bool) -> str:
    """``flaglint remove``'s report: the diff (or what was written), the checklist, the deletion gate's verdict."""
    parts: List[str] = []
    kind = result.kind or "flag"
    if not result.changes:
        parts.append(f"nothing to rewrite for {kind} '{result.name}'")
    elif written:
        parts.append("\n".join(f"rewrote {change.path}" for change in result.changes))
    else:
        parts.append("".join(unified_diff(c.path, c.before, c.after) for c in result.changes).rstrip("\n"))
    if result.checklist:
        parts.append("left for you:\n" + "\n".join(f"  - {item}" for item in result.checklist))
    if result.failed:
        parts.append(
            "not rewritten (left unchanged, rewrite by hand):\n"
            + "\n".join(f"  - {failure.path}: {failure.reason}" for failure in result.failed)
        )
    when = "after the rewrite" if written or not result.changes else "once this diff is applied"
    from flaglint.api import DeleteResult

    verdict = deletion_text(DeleteResult((result.verdict,), result.after))
    if result.failed:
        verdict += f"\nnot safe to delete: {len(result.failed)} file(s) could not be rewritten"
    parts.append(f"check-delete {when}: {verdict}")
    return "\n\n".join(parts)
