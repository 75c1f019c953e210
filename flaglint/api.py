"""The library entry points the CLI, the pre-commit hooks and other tools share. Nothing here prints.

`run_check` scans, checks, applies suppressions, selection and a baseline; `run_check_delete` is the deletion
gate. Both return data; reporters turn it into text.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Set, TextIO, Tuple

from flaglint.baseline import Key, new_findings
from flaglint.checks import (
    DeletionVerdict,
    Knowledge,
    check_drift,
    check_project,
    check_references,
    deletion_verdict,
    filter_codes,
    problem_diagnostics,
    retirements_from_notes,
)
from flaglint.config import Settings, parse_inventory_option
from flaglint.engine import Progress, display_path, scan
from flaglint.inventory import load_inventory, load_retirement_plan
from flaglint.fingerprint import LineReader
from flaglint.suppressions import apply, unused, without_suppressed_patterns
from flaglint.types import (
    Diagnostic,
    Failed,
    FlaglintError,
    Kind,
    Reference,
    Retirement,
    RewriteResult,
    Rewritten,
    ScanResult,
    Unchanged,
)


def within(path: str, roots: Sequence[str]) -> bool:
    """Whether `path` is one of `roots` or lies under one (every path is, when `roots` is empty)."""
    if not roots:
        return True
    absolute = os.path.abspath(path)
    for root in roots:
        top = os.path.abspath(root)
        if absolute == top or absolute.startswith(top.rstrip(os.sep) + os.sep):
            return True
    return False


def load_knowledge(
    settings: Settings,
    inventory_options: Sequence[str] = (),
    retiring: Sequence[str] = (),
    retirement_plan: Optional[str] = None,
) -> Knowledge:
    """Inventories (configured, then ``ENV=FILE`` options) and everything scheduled for deletion.

    Raises `ConfigError` for a malformed option and `InventoryError` for a malformed file.
    """
    specs = {spec.environment: spec for spec in settings.inventories}
    for option in inventory_options:
        spec = parse_inventory_option(option)
        specs[spec.environment] = spec
    labels = dict(settings.model_labels)
    inventories = [
        load_inventory(spec.environment, display_path(spec.path), fmt=spec.format, model_labels=labels)
        for spec in specs.values()
    ]
    retirements: List[Retirement] = []
    plan = retirement_plan or settings.retirement_plan
    if plan:
        retirements.extend(load_retirement_plan(display_path(plan)))
    retirements.extend(retirements_from_notes(inventories, settings.retire_marker))
    retirements.extend(Retirement(name) for name in list(settings.retiring) + list(retiring))
    return Knowledge(tuple(inventories), tuple(retirements))


@dataclass(frozen=True)
class ScanOptions:
    """How to scan: worker processes, the content cache, a progress callback. None of them changes results."""

    jobs: Optional[int] = None
    use_cache: bool = False
    progress: Optional[Progress] = None
    cache_dir: Optional[str] = None
    notes: Optional[TextIO] = None
    """Where to tell the run's notes (the cache was not used, and why); None keeps them in the result only."""

    def scan(self, settings: Settings, paths: Optional[Sequence[str]] = None) -> ScanResult:
        """Run the engine with these options."""
        result = scan(
            settings, paths, jobs=self.jobs, use_cache=self.use_cache, progress=self.progress, cache_dir=self.cache_dir
        )
        if self.notes is not None:
            for note in result.notes:
                print(f"flaglint: note: {note}", file=self.notes)
        return result


@dataclass(frozen=True)
class CheckOptions:
    """How `run_check` filters what it found."""

    select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    report_unused_ignores: bool = False
    baseline: Optional["Counter[Key]"] = None
    project_wide: bool = True
    """False for per-file runs (the fast pre-commit hook): FL2xx need every file of the project."""
    report_paths: Tuple[str, ...] = ()
    """Where per-reference and per-file findings are reported (empty: everywhere); the scan is still the project's."""


@dataclass(frozen=True)
class CheckResult:
    """Diagnostics in report order, plus what a summary needs."""

    diagnostics: Tuple[Diagnostic, ...]
    scan: ScanResult
    suppressed: int = 0
    baselined: int = 0
    lines: LineReader = field(default_factory=LineReader, compare=False)

    def summary(self, environments: Sequence[str]) -> Dict[str, object]:
        """The JSON report's summary object."""
        by_code: Dict[str, int] = {}
        for diagnostic in self.diagnostics:
            by_code[diagnostic.code] = by_code.get(diagnostic.code, 0) + 1
        return {
            "errors": sum(1 for d in self.diagnostics if d.severity == "error"),
            "warnings": sum(1 for d in self.diagnostics if d.severity == "warning"),
            "by_code": dict(sorted(by_code.items())),
            "references": len(self.scan.references),
            "files_scanned": self.scan.files_scanned,
            "files_unreadable": len(self.scan.problems),
            "suppressed": self.suppressed,
            "baselined": self.baselined,
            "environments": list(environments),
        }


def run_check(
    settings: Settings,
    knowledge: Knowledge,
    options: CheckOptions,
    paths: Optional[Sequence[str]] = None,
    scanning: ScanOptions = ScanOptions(),
) -> CheckResult:
    """Scan the project and run every check; suppressions, selection and the baseline applied."""
    result = scanning.scan(settings, paths)
    lines = LineReader()
    used: Set[Tuple[str, int]] = set()
    reported = [r for r in result.references if within(r.path, options.report_paths)]
    problems = [p for p in result.problems + result.skipped if within(p.path, options.report_paths)]
    diagnostics: List[Diagnostic] = problem_diagnostics(problems)
    diagnostics += check_references(reported, knowledge)
    if options.project_wide and knowledge.inventories:
        considered = without_suppressed_patterns(result.references, lines, used)
        diagnostics += check_project(considered, knowledge, result.problems + result.skipped)
        diagnostics += check_drift(knowledge)
    kept, applied = apply(diagnostics, lines)
    suppressed = len(diagnostics) - len(kept)
    used |= applied
    if options.report_unused_ignores:
        kept += unused(result.suppressions, used)
    kept = filter_codes(kept, options.select, options.ignore)
    baselined = 0
    if options.baseline is not None:
        kept, baselined = new_findings(kept, options.baseline, lines)
    kept.sort(key=lambda d: d.sort_key())
    return CheckResult(tuple(kept), result, suppressed, baselined, lines)


@dataclass(frozen=True)
class DeleteResult:
    """The deletion gate's answer for every name asked about."""

    verdicts: Tuple[DeletionVerdict, ...]
    scan: ScanResult
    unknown_names: Tuple[str, ...] = ()
    """Names no inventory holds (only when inventories were given): a typo?"""
    environments: Tuple[str, ...] = ()
    """The environments whose inventories were given."""

    @property
    def blocked(self) -> bool:
        """Some reference (or dynamic reference) stands in the way of some name."""
        return not all(verdict.safe for verdict in self.verdicts)

    @property
    def safe(self) -> bool:
        """No name is referenced, and the scan looked everywhere (something scanned, nothing unread or skipped)."""
        return not self.blocked and self.scan.complete


def run_check_delete(
    settings: Settings,
    names: Sequence[str],
    kinds: Sequence[Kind],
    knowledge: Knowledge,
    scanning: ScanOptions = ScanOptions(),
) -> DeleteResult:
    """What still references each name: the last check before deleting flags from an environment."""
    result = scanning.scan(settings)
    verdicts = tuple(deletion_verdict(name, kinds, result.references, knowledge.inventories) for name in names)
    unknown: Tuple[str, ...] = ()
    if knowledge.inventories:
        unknown = tuple(name for name in names if not any(i.kinds_of(name) for i in knowledge.inventories))
    environments = tuple(inventory.environment for inventory in knowledge.inventories)
    return DeleteResult(verdicts, result, unknown, environments)


@dataclass(frozen=True)
class FileChange:
    """One file the removal rewrites: its content before and after."""

    path: str
    absolute: str
    before: bytes
    after: bytes


@dataclass(frozen=True)
class RemoveResult:
    """What `run_remove` would change, what it left to the user, and the deletion gate's verdict afterwards."""

    name: str
    kind: Optional[Kind]
    changes: Tuple[FileChange, ...]
    checklist: Tuple[str, ...]
    verdict: DeletionVerdict
    after: ScanResult
    failed: Tuple[Failed, ...] = ()
    """Files that could not be rewritten safely (left untouched): while there are any, the removal is not safe."""

    @property
    def safe(self) -> bool:
        """Nothing references the name any more, every file was rewritten safely and the scan looked everywhere."""
        return self.verdict.safe and not self.failed and self.after.complete


class RemoveError(FlaglintError):
    """The removal cannot start (an ambiguous kind)."""


def run_remove(
    settings: Settings,
    name: str,
    keep_on: bool,
    kind: Optional[Kind] = None,
    paths: Optional[Sequence[str]] = None,
    scanning: ScanOptions = ScanOptions(),
) -> RemoveResult:
    """Rewrite every file that references `name` as if it were always on (`keep_on`) or always off.

    The whole project is scanned; only files under `paths` (default: all) are rewritten, and references elsewhere
    are listed. Only files the collector says reference the name are parsed with libcst. Nothing is written here:
    the caller writes `changes` (``--write``) or prints them as a diff. The verdict is computed on the rewritten
    contents, and every other flag's references are compared before and after, so a removed branch that held the
    only reference to another flag is listed rather than lost silently.
    """
    from flaglint.rewrite import rewrite_python  # libcst is imported only for removals
    from flaglint.template_rewrite import rewrite_template

    before = scanning.scan(settings)
    named = [r for r in before.references if r.name == name]
    kinds = sorted({r.kind for r in named})
    if kind is None:
        if len(kinds) > 1:
            raise RemoveError(f"{name!r} is referenced as {' and '.join(kinds)}: choose one with --kind")
        kind = kinds[0] if kinds else None
    targets = [r for r in named if r.kind == kind]
    checklist: List[str] = []
    changes: List[FileChange] = []
    failed: List[Failed] = []
    removed_imports: Dict[str, Tuple[str, ...]] = {}
    by_path: Dict[str, List[Reference]] = {}
    for reference in targets:
        if within(reference.path, paths or ()):
            by_path.setdefault(reference.path, []).append(reference)
        else:
            checklist.append(
                f"{reference.path}:{reference.line}: outside the given paths, not rewritten: {reference.expression}"
            )
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
                f"{r.path}:{r.line}: a data migration names it ({r.api}): it stays in history; "
                "add a migration that deletes the object if the row should go"
                for r in references
            )
            continue
        if first.source == "javascript":
            checklist.extend(f"{r.path}:{r.line}: JavaScript is not rewritten: {r.expression}" for r in references)
            continue
        if first.source == "python":
            outcome = rewrite_python(path, source, references, keep_on)
        else:
            outcome = _rewrite_template_file(path, source, name, first.kind, keep_on, rewrite_template)
        checklist.extend(outcome.notes)
        if isinstance(outcome, Failed):
            failed.append(outcome)
        elif isinstance(outcome, Rewritten):
            changes.append(FileChange(path, absolute, source, outcome.after))
            if outcome.removed_imports:
                removed_imports[path] = outcome.removed_imports
    for reference in before.references:
        if reference.name is None and reference.kind == kind and reference.could_be(name):
            checklist.append(
                f"{reference.path}:{reference.line}: a dynamic reference could still name it: {reference.expression}"
            )
    overrides = {change.absolute: change.after for change in changes}
    after_scan = scan(settings, None, jobs=scanning.jobs, overrides=overrides) if overrides else before
    checklist.extend(_lost_references(before, after_scan, {c.path for c in changes}, name, kind))
    checklist.extend(_patched_imports(settings, removed_imports, before))
    verdict = deletion_verdict(name, (kind,) if kind else (), after_scan.references)
    return RemoveResult(name, kind, tuple(changes), tuple(checklist), verdict, after_scan, tuple(failed))


def _rewrite_template_file(
    path: str, source: bytes, name: str, kind: Kind, keep_on: bool, rewrite: Any
) -> RewriteResult:
    """A template's rewrite as a `RewriteResult` (UTF-8, its byte-order mark kept)."""
    bom = b"\xef\xbb\xbf" if source.startswith(b"\xef\xbb\xbf") else b""
    try:
        text = source[len(bom) :].decode("utf-8")
    except UnicodeDecodeError as error:
        return Failed(path, f"cannot decode as UTF-8: {error.reason}")
    try:
        rewritten = rewrite(text, name, kind, keep_on)
    except RecursionError:
        return Failed(path, "nested too deeply to rewrite safely")
    notes = tuple(f"{path}:{note}" for note in rewritten.notes)
    after = bom + rewritten.text.encode("utf-8")
    if after == source:
        return Unchanged(path, notes)
    return Rewritten(path, source, after, notes)


def _lost_references(
    before: ScanResult, after: ScanResult, rewritten: Set[str], name: str, kind: Optional[Kind]
) -> List[str]:
    """Other flags' references that a rewrite removed with a branch: listed, never lost silently."""
    def others(result: ScanResult) -> "Counter[Tuple[str, str, str, str]]":
        return Counter(
            (r.path, r.kind, r.name or "", r.pattern or "")
            for r in result.references
            if r.path in rewritten and not (r.name == name and r.kind == kind)
        )

    lost = others(before) - others(after)
    notes: List[str] = []
    for reference in before.references:
        key = (reference.path, reference.kind, reference.name or "", reference.pattern or "")
        if lost.get(key, 0) > 0:
            lost[key] -= 1
            what = f"{reference.kind} '{reference.name}'" if reference.name else f"a dynamic {reference.kind} reference"
            notes.append(
                f"{reference.path}:{reference.line}: the rewrite removed a branch that also referenced {what} "
                f"({reference.expression}): check that this is what you want"
            )
    return notes


def _patched_imports(settings: Settings, removed: Mapping[str, Tuple[str, ...]], scanned: ScanResult) -> List[str]:
    """Strings such as ``mock.patch("app.tasks.waffle.switch_is_active")`` that name an import the rewrite removed."""
    if not removed:
        return []
    from flaglint.discovery import discover, module_name

    targets: Dict[str, str] = {}
    for path, names in removed.items():
        relative = os.path.relpath(os.path.abspath(path), settings.root).replace(os.sep, "/")
        parts = module_name(relative).split(".")
        for start in range(len(parts)):
            module = ".".join(parts[start:])
            for imported in names:
                targets[f"{module}.{imported}"] = path
    notes: List[str] = []
    pattern = re.compile(
        r"""["'](""" + "|".join(re.escape(t) for t in sorted(targets, key=len, reverse=True)) + r""")[."']"""
    )
    for found in discover(settings.paths, settings).files:
        if found.kind != "python":
            continue
        try:
            with open(found.absolute, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            continue
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            target = match.group(1)
            notes.append(
                f"{display_path(found.absolute)}:{line}: {target!r} names an import the rewrite removed from "
                f"{targets[target]}: update this patch target (or the test)"
            )
    return notes
