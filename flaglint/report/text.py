"""The text reports: one line per finding (``path:line:col: CODE message``), the deletion gate's verdict, the
removal's diff and checklist. Pure: each function returns the text to print."""

from __future__ import annotations

from typing import List, Sequence

from flaglint.checks import summarise
from flaglint.model import CheckResult, DeleteResult, Reference, RemoveResult, ScanResult


def references_text(references: Sequence[Reference]) -> str:
    """One line per reference: ``path:line:col: kind name (api[, test][, negated])``."""
    lines: List[str] = []
    for reference in references:
        name = (
            reference.name if reference.name is not None else f"<dynamic {reference.pattern}: {reference.expression}>"
        )
        tags = [reference.label] + (["test"] if reference.test else []) + (["negated"] if reference.negated else [])
        tags += [reference.command] if reference.command else []
        lines.append(
            f"{reference.path}:{reference.line}:{reference.column}: {reference.kind} {name} ({', '.join(tags)})"
        )
    files = len({r.path for r in references})
    lines.append(f"{len(references)} reference(s) in {files} file(s)")
    return "\n".join(lines)


def diagnostics_text(result: CheckResult, environments: Sequence[str]) -> str:
    """``path:line:col: CODE message`` lines, then a summary line."""
    diagnostics = result.diagnostics
    lines = [f"{d.path}:{d.line}:{d.column}: {d.code} {d.message}" for d in diagnostics]
    counts = summarise(diagnostics)
    extras = []
    if environments:
        extras.append(f"inventories: {', '.join(environments)}")
    if result.suppressed:
        extras.append(f"{result.suppressed} suppressed")
    if result.baselined:
        extras.append(f"{result.baselined} in the baseline")
    lines.append(
        f"{counts['errors']} error(s), {counts['warnings']} warning(s); "
        f"{len(result.scan.references)} reference(s) in {result.scan.files_scanned} file(s) scanned"
        + "".join(f"; {extra}" for extra in extras)
    )
    return "\n".join(lines)


_GROUP_TITLES = {
    "code": "code",
    "templates": "templates",
    "javascript": "JavaScript",
    "scripts": "scripts and management commands that create or change it (run after the deletion, they recreate "
    "it or fail)",
    "tests": "tests (they go with the code)",
    "dynamic": "dynamic references that could produce the name",
}


def _place(reference: Reference) -> str:
    pattern = f" (pattern {reference.pattern})" if reference.name is None else ""
    return f"{reference.path}:{reference.line}:{reference.column}: {reference.label} {reference.expression}{pattern}"


def deletion_text(result: DeleteResult) -> str:
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
        if verdict.deletions:
            lines.append("  waffle_delete commands (not blocking: they are the deletion):")
            lines.extend(f"    {_place(reference)}" for reference in verdict.deletions)
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


def unified_diff(path: str, before: bytes, after: bytes) -> str:
    """A ``git diff``-style unified diff of one file (line endings shown as they are)."""
    import difflib

    old = before.decode("utf-8", errors="replace").splitlines(keepends=True)
    new = after.decode("utf-8", errors="replace").splitlines(keepends=True)
    lines = difflib.unified_diff(old, new, fromfile=f"a/{path}", tofile=f"b/{path}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines)


def removal_text(result: RemoveResult, *, written: bool) -> str:
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
    verdict = deletion_text(DeleteResult((result.verdict,), result.after))
    if result.failed:
        verdict += f"\nnot safe to delete: {len(result.failed)} file(s) could not be rewritten"
    parts.append(f"check-delete {when}: {verdict}")
    return "\n\n".join(parts)
