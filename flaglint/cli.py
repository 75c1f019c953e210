"""The ``flaglint`` command: a thin adapter that parses options, runs the engine and checks, prints a report.

This module and the reporters are the only places that print. Exit codes: 0 clean, 1 findings (including
files that could not be read), 2 usage, configuration or inventory errors.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TYPE_CHECKING, Optional, Sequence, TextIO, Tuple

from flaglint import __version__
from flaglint.api import (
    CheckOptions,
    RemoveError,
    ScanOptions,
    load_knowledge,
    run_check,
    run_check_delete,
    run_remove,
)
from flaglint.baseline import BaselineError
from flaglint.codes import BY_CODE, CODES
from flaglint.config import ConfigError, Settings, load_settings
from flaglint.progress import ProgressBar
from flaglint.reporters import (
    codes_markdown,
    deletion_json,
    deletion_text,
    diagnostics_json,
    diagnostics_text,
    references_json,
    references_text,
    removal_text,
)
from flaglint.types import KINDS, InventoryError

if TYPE_CHECKING:  # pragma: no cover
    from collections import Counter

    from flaglint.baseline import Key

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A command-line mistake: reported on stderr with exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with the check, refs and explain subcommands."""
    parser = argparse.ArgumentParser(
        prog="flaglint",
        description="Find every django-waffle flag, switch and sample reference and check it against inventories.",
    )
    parser.add_argument("--version", action="version", version=f"flaglint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    check = commands.add_parser("check", help="report retired, missing, mismatched, dynamic and stale flags")
    _add_scan_options(check, ("text", "json", "sarif", "github"))
    check.add_argument(
        "--inventory",
        action="append",
        default=[],
        metavar="ENV=FILE",
        help="an environment's export (dumpdata JSON, waffle_* --list text, /waffle_status JSON, edx-toggles "
        "report); the format is detected, or stated as ENV:FORMAT=FILE. Repeat for each environment.",
    )
    check.add_argument("--retiring", action="append", default=[], metavar="NAME", help="a name scheduled for deletion")
    check.add_argument("--retirement-plan", metavar="FILE", help="flaglint's TOML retirement plan")
    check.add_argument("--select", metavar="CODES", help="comma-separated codes or prefixes to report (FL1,FL201)")
    check.add_argument("--ignore", metavar="CODES", help="comma-separated codes or prefixes to leave out")
    check.add_argument(
        "--per-file",
        action="store_true",
        help="only the per-reference codes (FL0xx, FL1xx) for the given files: the fast pre-commit hook; "
        "project-wide codes need every file",
    )
    check.add_argument(
        "--report-unused-ignores", action="store_true", help="report suppression comments that suppress nothing"
    )
    check.add_argument(
        "--fail-on",
        choices=("error", "warning"),
        help="exit 1 on any finding (warning, the default) or only on errors (error); warnings are still printed",
    )
    check.add_argument("--baseline", metavar="FILE", help="report only findings that FILE does not record")
    check.add_argument("--write-baseline", metavar="FILE", help="record today's findings in FILE and exit 0")

    delete = commands.add_parser(
        "check-delete", help="the deletion gate: is it safe to delete these names from an environment?"
    )
    delete.add_argument("names", nargs="+", metavar="NAME", help="flag, switch or sample names about to be deleted")
    delete.add_argument("--kind", choices=KINDS, action="append", default=[], help="only this kind (repeatable)")
    delete.add_argument("--inventory", action="append", default=[], metavar="ENV=FILE", help="as for check")
    delete.add_argument(
        "--path", action="append", default=[], dest="paths", metavar="PATH", help="what to scan (default: the project)"
    )
    delete.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    delete.add_argument("--config", metavar="FILE", help="a pyproject.toml to read [tool.flaglint] from")
    _add_run_options(delete)

    remove = commands.add_parser("remove", help="retire a flag: rewrite the code to keep one branch")
    remove.add_argument("name", metavar="NAME", help="the flag, switch or sample to retire")
    remove.add_argument("--keep", choices=("on", "off"), required=True, help="the behaviour to keep")
    remove.add_argument("--kind", choices=KINDS, help="which kind NAME is (needed when several kinds share it)")
    remove.add_argument("paths", nargs="*", help="files or directories (default: the configured paths, or .)")
    mode = remove.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="print a unified diff (the default)")
    mode.add_argument("--write", action="store_true", help="apply the changes to the files")
    remove.add_argument("--config", metavar="FILE", help="a pyproject.toml to read [tool.flaglint] from")
    _add_run_options(remove)

    refs = commands.add_parser("refs", help="list references (where is this flag used?)")
    _add_scan_options(refs)
    refs.add_argument("--name", action="append", default=[], help="only references that name (or could name) NAME")
    refs.add_argument("--kind", choices=KINDS, help="only references of this kind")

    explain = commands.add_parser("explain", help="document a diagnostic code (all codes without an argument)")
    explain.add_argument("code", nargs="?", help="a code such as FL101")
    explain.add_argument("--format", choices=("text", "markdown"), default="text", help="markdown: the README table")
    return parser


def _add_scan_options(parser: argparse.ArgumentParser, formats: Tuple[str, ...] = ("text", "json")) -> None:
    parser.add_argument("paths", nargs="*", help="files or directories (default: the configured paths, or .)")
    parser.add_argument("--format", choices=formats, default="text", help="output format")
    parser.add_argument("--config", metavar="FILE", help="a pyproject.toml to read [tool.flaglint] from")
    _add_run_options(parser)


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--jobs", "-j", type=_positive, metavar="N", help="worker processes (default: CPU count)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write .flaglint_cache/")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def main(argv: Optional[Sequence[str]] = None, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        if arguments.command == "explain":
            return _explain(arguments.code, arguments.format, stdout)
        settings = _settings(arguments)
        if arguments.command == "refs":
            return _refs(arguments, settings, stdout, stderr)
        if arguments.command == "check-delete":
            return _check_delete(arguments, settings, stdout, stderr)
        if arguments.command == "remove":
            return _remove(arguments, settings, stdout, stderr)
        return _check(arguments, settings, stdout, stderr)
    except (UsageError, ConfigError, BaselineError, RemoveError) as error:
        print(f"flaglint: error: {error}", file=stderr)
        return EXIT_ERROR
    except InventoryError as error:
        print(f"flaglint: error: inventory {error}", file=stderr)
        return EXIT_ERROR


def _settings(arguments: argparse.Namespace) -> Settings:
    start = arguments.paths[0] if arguments.paths else "."
    if not os.path.exists(start):
        raise UsageError(f"no such file or directory: {start}")
    settings = load_settings(start, arguments.config)
    for path in arguments.paths:
        if not os.path.exists(path):
            raise UsageError(f"no such file or directory: {path}")
    if arguments.paths:
        settings = settings.with_overrides(paths=tuple(arguments.paths))
    return settings


def _scanning(arguments: argparse.Namespace, stderr: TextIO) -> ScanOptions:
    progress = None if arguments.quiet or not stderr.isatty() else ProgressBar(stderr)
    return ScanOptions(jobs=arguments.jobs, use_cache=not arguments.no_cache, progress=progress)


def _refs(arguments: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO) -> int:
    result = _scanning(arguments, stderr).scan(settings)
    references = list(result.references)
    if arguments.name:
        references = [r for r in references if any(r.could_be(name) for name in arguments.name)]
    if arguments.kind:
        references = [r for r in references if r.kind == arguments.kind]
    print(references_json(references) if arguments.format == "json" else references_text(references), file=stdout)
    for problem in result.problems:
        print(f"{problem.path}:{problem.line}:{problem.column}: {problem.code} {problem.message}", file=stderr)
    return EXIT_FINDINGS if result.problems else EXIT_CLEAN


def _check(arguments: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO) -> int:
    knowledge = load_knowledge(settings, arguments.inventory, arguments.retiring, arguments.retirement_plan)
    inventories = knowledge.inventories
    if arguments.per_file and not arguments.paths:
        raise UsageError("--per-file needs the files to check")
    options = CheckOptions(
        select=_codes(arguments.select, settings.select),
        ignore=_codes(arguments.ignore, settings.ignore),
        report_unused_ignores=arguments.report_unused_ignores,
        baseline=_baseline(arguments.baseline),
        project_wide=not arguments.per_file,
    )
    result = run_check(settings, knowledge, options, scanning=_scanning(arguments, stderr))
    if arguments.write_baseline:
        from flaglint.baseline import baseline_document

        with open(arguments.write_baseline, "w", encoding="utf-8") as handle:
            handle.write(baseline_document(result.diagnostics, result.lines))
        print(f"wrote {len(result.diagnostics)} finding(s) to {arguments.write_baseline}", file=stdout)
        return EXIT_CLEAN
    summary = result.summary([inventory.environment for inventory in inventories])
    diagnostics = result.diagnostics
    if arguments.format == "json":
        print(diagnostics_json(diagnostics, summary), file=stdout)
    elif arguments.format == "sarif":
        from flaglint.sarif import sarif_log

        log = sarif_log(diagnostics, version=__version__, lines=result.lines, uri_base=os.getcwd())
        print(json.dumps(log, indent=2), file=stdout)
    elif arguments.format == "github":
        from flaglint.github import github_annotations

        if diagnostics:
            print(github_annotations(diagnostics), file=stdout)
    else:
        print(diagnostics_text(diagnostics, summary), file=stdout)
    fail_on = arguments.fail_on or settings.fail_on
    failing = [d for d in diagnostics if fail_on == "warning" or d.severity == "error"]
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def _remove(arguments: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO) -> int:
    keep_on = arguments.keep == "on"
    scanning = _scanning(arguments, stderr)
    result = run_remove(settings, arguments.name, keep_on, arguments.kind, arguments.paths or None, scanning)
    if arguments.write:
        for change in result.changes:
            with open(change.absolute, "wb") as handle:
                handle.write(change.after)
    print(removal_text(result, written=arguments.write), file=stdout)
    return EXIT_CLEAN if result.verdict.safe and not result.after.problems else EXIT_FINDINGS


def _baseline(path: Optional[str]) -> "Optional[Counter[Key]]":
    if not path:
        return None
    from flaglint.baseline import load_baseline

    return load_baseline(path)


def _check_delete(arguments: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO) -> int:
    knowledge = load_knowledge(settings, arguments.inventory)
    scanning = _scanning(arguments, stderr)
    result = run_check_delete(settings, arguments.names, tuple(arguments.kind), knowledge, scanning)
    render = deletion_json if arguments.format == "json" else deletion_text
    print(render(result.verdicts, result.scan.problems, result.scan.files_scanned), file=stdout)
    return EXIT_CLEAN if result.safe else EXIT_FINDINGS


def _codes(option: Optional[str], configured: Tuple[str, ...]) -> Tuple[str, ...]:
    if option is None:
        return configured
    codes = tuple(code.strip() for code in option.split(",") if code.strip())
    for code in codes:
        if not code.startswith("FL"):
            raise UsageError(f"{code!r} is not a flaglint code (FL...)")
    return codes


def _explain(identifier: Optional[str], fmt: str, stdout: TextIO) -> int:
    if identifier is None and fmt == "markdown":
        print(codes_markdown(), file=stdout)
        return EXIT_CLEAN
    if identifier is None:
        for entry in CODES:
            print(f"{entry.code}  {entry.name:<40} {entry.severity:<8} {entry.summary}", file=stdout)
        return EXIT_CLEAN
    found = BY_CODE.get(identifier.upper())
    if found is None:
        raise UsageError(f"unknown code {identifier!r}; `flaglint explain` lists them")
    entry = found
    print(
        f"{entry.code} {entry.name} ({entry.severity}, {entry.scope} scope)\n\n"
        f"What it does\n  {entry.summary}\n\nWhy it matters\n  {entry.why}\n\n"
        f"Example\n  {entry.bad}\n\nUse instead\n  {entry.good}",
        file=stdout,
    )
    return EXIT_CLEAN


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
