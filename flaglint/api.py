"""The library entry points the CLI, the pre-commit hooks, the Django app and other tools share. Nothing here
prints: each call returns data (`flaglint.model`), and the reporters turn it into text.

`run_check` scans, checks, applies suppressions, selection and a baseline; `run_check_delete` is the deletion
gate; `run_remove` retires a flag. All three scan the whole project (`flaglint.scan`): paths given by the user
only narrow where per-reference findings are reported and where files are rewritten.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Sequence, Set, Tuple

from flaglint.config import Settings
from flaglint.model import (
    CheckResult,
    DeleteResult,
    Diagnostic,
    Failed,
    FileChange,
    FlaglintError,
    Kind,
    Knowledge,
    Note,
    Reference,
    RemoveResult,
    Rewritten,
    ScanResult,
)
from flaglint.paths import within
from flaglint.scan import scan
from flaglint.scan.stopwatch import Stopwatch

if TYPE_CHECKING:  # pragma: no cover
    from flaglint.adoption.baseline import Key
    from flaglint.scan.workers import Progress


@dataclass(frozen=True)
class ScanOptions:
    """How to scan: worker processes, the content cache, progress and notes callbacks. None changes results."""

    jobs: Optional[int] = None
    use_cache: bool = False
    progress: Optional["Progress"] = None
    cache_dir: Optional[str] = None
    notify: Optional[Callable[[str], None]] = None
    """Told each of the run's notes (the cache was not used, and why)."""
    stopwatch: Optional[Stopwatch] = None
    """Told where the time went, stage by stage (``FLAGLINT_TIMINGS``, for the benchmarks)."""

    def scan(self, settings: Settings, paths: Optional[Sequence[str]] = None) -> ScanResult:
        """Run the scan with these options."""
        result = scan(
            settings,
            paths,
            jobs=self.jobs,
            use_cache=self.use_cache,
            progress=self.progress,
            cache_dir=self.cache_dir,
            stopwatch=self.stopwatch,
        )
        if self.notify is not None:
            for note in result.notes:
                self.notify(note)
        return result


@dataclass(frozen=True)
class CheckOptions:
    """How `run_check` filters what it found."""

    select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    report_unused_ignores: bool = False
    baseline: Optional["Counter[Key]"] = None
    project_wide: bool = True
    """False for per-file runs (the fast pre-commit hook): FL2xx are left out, not guessed."""
    report_paths: Tuple[str, ...] = ()
    """Where per-reference and per-file findings are reported (empty: everywhere); the scan is the project's."""


def run_check(
    settings: Settings, knowledge: Knowledge, options: CheckOptions, scanning: ScanOptions = ScanOptions()
) -> CheckResult:
    """Scan the project and run every check; suppressions, selection and the baseline applied."""
    from flaglint.adoption.baseline import new_findings
    from flaglint.adoption.fingerprint import LineReader
    from flaglint.adoption.suppressions import apply, unused, without_suppressed_patterns
    from flaglint.checks import (
        check_deletions,
        check_drift,
        check_project,
        check_references,
        filter_codes,
        problem_diagnostics,
    )

    result = scanning.scan(settings)
    lines = LineReader()
    used: Set[Tuple[str, int]] = set()
    reported = [r for r in result.references if within(r.path, options.report_paths)]
    problems = [p for p in result.problems + result.skipped if within(p.path, options.report_paths)]
    diagnostics: List[Diagnostic] = problem_diagnostics(problems)
    diagnostics += check_references(reported, knowledge)
    if options.project_wide:
        diagnostics += [d for d in check_deletions(result.references) if within(d.path, options.report_paths)]
    if options.project_wide and knowledge.inventories:
        considered = without_suppressed_patterns(result.references, lines, used)
        diagnostics += check_project(considered, knowledge, result.problems + result.skipped)
        diagnostics += check_drift(knowledge)
    kept, applied = apply(diagnostics, lines)
    suppressed = len(diagnostics) - len(kept)
    used |= applied
    if options.report_unused_ignores:
        kept += [d for d in unused(result.suppressions, used) if within(d.path, options.report_paths)]
    kept = filter_codes(kept, options.select, options.ignore)
    baselined = 0
    if options.baseline is not None:
        kept, baselined = new_findings(kept, options.baseline, lines)
    kept.sort(key=lambda d: d.sort_key())
    return CheckResult(tuple(kept), result, suppressed, baselined)


def run_check_delete(
    settings: Settings,
    names: Sequence[str],
    kinds: Sequence[Kind],
    knowledge: Knowledge,
    scanning: ScanOptions = ScanOptions(),
) -> DeleteResult:
    """What still references each name: the last check before deleting flags from an environment."""
    from flaglint.checks import deletion_verdict

    result = scanning.scan(settings)
    verdicts = tuple(deletion_verdict(name, kinds, result.references, knowledge.inventories) for name in names)
    unknown: Tuple[str, ...] = ()
    if knowledge.inventories:
        unknown = tuple(name for name in names if not any(i.kinds_of(name) for i in knowledge.inventories))
    environments = tuple(inventory.environment for inventory in knowledge.inventories)
    return DeleteResult(verdicts, result, unknown, environments)


class RemoveError(FlaglintError):
    """The removal cannot start (an ambiguous kind)."""


def run_remove(
    settings: Settings,
    name: str,
    keep_on: bool,
    kind: Optional[Kind] = None,
    paths: Sequence[str] = (),
    scanning: ScanOptions = ScanOptions(),
) -> RemoveResult:
    """Rewrite every file that references `name` as if it were always on (`keep_on`) or always off.

    The whole project is scanned; only files under `paths` (default: all) are rewritten, and references elsewhere
    are listed. Only files the collector says reference the name are parsed with libcst. Nothing is written here:
    the caller writes `changes` (``--write``) or prints them as a diff. The verdict is computed on the rewritten
    contents, and every other flag's references are compared before and after, so a removed branch that held the
    only reference to another flag is listed rather than lost silently.
    """
    from flaglint.checks import deletion_verdict
    from flaglint.rewrite import rewrite_file
    from flaglint.rewrite.checklist import lost_references, patched_imports

    before = scanning.scan(settings)
    named = [r for r in before.references if r.name == name]
    kinds = sorted({r.kind for r in named})
    if kind is None:
        if len(kinds) > 1:
            raise RemoveError(f"{name!r} is referenced as {' and '.join(kinds)}: choose one with --kind")
        kind = kinds[0] if kinds else None
    checklist: List[Note] = []
    changes: List[FileChange] = []
    failed: List[Failed] = []
    removed_imports: Dict[str, Tuple[str, ...]] = {}
    by_path: Dict[str, List[Reference]] = {}
    for reference in (r for r in named if r.kind == kind):
        if within(reference.path, paths):
            by_path.setdefault(reference.path, []).append(reference)
        else:
            message = f"outside the given paths, not rewritten: {reference.expression}"
            checklist.append(Note(reference.path, reference.line, message))
    catalogue = settings.catalogue()
    for path, references in sorted(by_path.items()):
        absolute = os.path.abspath(path)
        try:
            with open(absolute, "rb") as handle:
                source = handle.read()
        except OSError as error:
            failed.append(Failed(path, f"cannot read: {error.strerror or error}"))
            continue
        first = references[0]
        if first.migration:
            checklist.extend(
                Note(
                    r.path,
                    r.line,
                    f"a data migration names it ({r.label}): it stays in history; "
                    "add a migration that deletes the object if the row should go",
                )
                for r in references
            )
            continue
        if first.source == "javascript":
            checklist.extend(Note(r.path, r.line, f"JavaScript is not rewritten: {r.expression}") for r in references)
            continue
        if first.source == "script":
            checklist.extend(Note(r.path, r.line, _command_note(r)) for r in references)
            continue
        checklist.extend(
            Note(r.path, r.line, f"a Jinja2 call of {r.label} is not rewritten: {r.expression}")
            for r in references
            if r.source == "jinja2" and r.api != "jinja-call"  # a project's global, or waffle's function itself
        )
        outcome = rewrite_file(path, source, references, keep_on, catalogue)
        checklist.extend(outcome.notes)
        if isinstance(outcome, Failed):
            failed.append(outcome)
        elif isinstance(outcome, Rewritten):
            changes.append(FileChange(path, absolute, source, outcome.after))
            if outcome.removed_imports:
                removed_imports[path] = outcome.removed_imports
    for reference in before.references:
        if reference.name is None and reference.kind == kind and reference.could_be(name):
            message = f"a dynamic reference could still name it: {reference.expression}"
            checklist.append(Note(reference.path, reference.line, message))
    overrides = {change.absolute: change.after for change in changes}
    after = scan(settings, None, jobs=scanning.jobs, overrides=overrides) if overrides else before
    checklist.extend(lost_references(before, after, {change.path for change in changes}, name, kind))
    python_files = sorted({os.path.abspath(r.path) for r in before.references if r.source == "python"})
    checklist.extend(patched_imports(settings.root, removed_imports, _python_files(settings, python_files)))
    verdict = deletion_verdict(name, (kind,) if kind else (), after.references)
    return RemoveResult(name, kind, tuple(changes), tuple(checklist), verdict, after, tuple(failed))


def _command_note(reference: Reference) -> str:
    """What to do by hand about a management command in an ops file that names the flag being removed."""
    if reference.deletes:
        return f"waffle_delete deletes it ({reference.expression}): run it once the references are gone"
    return f"a script runs a waffle command on it ({reference.expression}): remove that command by hand"


def _python_files(settings: Settings, known: Sequence[str]) -> List[str]:
    """Every Python file of the project (a patch target can sit in a test that names no flag)."""
    from flaglint.scan.discovery import discover

    return [found.absolute for found in discover(settings.paths, settings).files if found.kind == "python"] or list(
        known
    )
