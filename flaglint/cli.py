"""The ``flaglint`` command: a thin adapter that parses options, calls `flaglint.api`, prints a report.

This module and the reporters are the only places that print. Exit codes (`ExitCode`, built here): 0 clean,
1 findings, 2 usage, configuration or input errors (and a deletion gate that could not confirm).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import traceback
from typing import TYPE_CHECKING, Callable, Dict, List, NoReturn, Optional, Sequence, TextIO, Tuple

from flaglint import __version__
from flaglint.api import ScanOptions
from flaglint.config import Settings, load_settings
from flaglint.model import KINDS, ExitCode, FlaglintError, Inventory, InventoryError
from flaglint.paths import display, within

if TYPE_CHECKING:  # pragma: no cover
    from collections import Counter

    from flaglint.adoption.baseline import Key

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = ExitCode.CLEAN, ExitCode.FINDINGS, ExitCode.ERROR

COMMANDS = ("check", "check-delete", "remove", "refs", "manifest", "explain")


class UsageError(FlaglintError):
    """A command-line mistake: reported on stderr with the command's usage, exit code 2."""

    def __init__(self, message: str, usage: str = ""):
        super().__init__(message)
        self.usage = usage


class _Parser(argparse.ArgumentParser):
    """argparse that raises `UsageError` (with this command's own usage) instead of exiting."""

    def error(self, message: str) -> "NoReturn":
        raise UsageError(message, self.format_usage())


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser (``--help`` lists the commands; each command parses its own arguments)."""
    parser = _Parser(
        prog="flaglint",
        description="Find every django-waffle flag, switch and sample reference and check it against inventories.",
        epilog="Run `flaglint COMMAND --help` for a command's options. --debug (anywhere) shows tracebacks.",
    )
    parser.add_argument("--version", action="version", version=f"flaglint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        command = commands.add_parser(name, help=_HELP[name])
        _COMMAND_OPTIONS[name](command)
    return parser


def command_parser(name: str) -> argparse.ArgumentParser:
    """One command's parser (``flaglint check ...``); options and paths may come in any order."""
    parser = _Parser(prog=f"flaglint {name}", description=_HELP[name])
    _COMMAND_OPTIONS[name](parser)
    return parser


_HELP = {
    "check": "report retired, missing, mismatched, dynamic and stale flags",
    "check-delete": "the deletion gate: is it safe to delete these names from an environment?",
    "remove": "retire a flag: rewrite the code to keep one branch",
    "refs": "list references (where is this flag used?)",
    "manifest": "write the reference manifest the Django app reads (build it in CI, ship it with the deploy)",
    "explain": "document a diagnostic code (all codes without an argument)",
}


def _check_options(check: argparse.ArgumentParser) -> None:
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


def _delete_options(delete: argparse.ArgumentParser) -> None:
    delete.add_argument("names", nargs="+", metavar="NAME", help="flag, switch or sample names about to be deleted")
    delete.add_argument("--kind", choices=KINDS, action="append", default=[], help="only this kind (repeatable)")
    delete.add_argument("--inventory", action="append", default=[], metavar="ENV=FILE", help="as for check")
    delete.add_argument(
        "--path",
        action="append",
        default=[],
        dest="also",
        metavar="PATH",
        help="also scan PATH, on top of the whole project (another codebase that reads the same database)",
    )
    delete.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    delete.add_argument("--config", metavar="FILE", help="a pyproject.toml to read [tool.flaglint] from")
    _add_run_options(delete)


def _remove_options(remove: argparse.ArgumentParser) -> None:
    remove.add_argument("name", metavar="NAME", help="the flag, switch or sample to retire")
    remove.add_argument("--keep", choices=("on", "off"), required=True, help="the behaviour to keep")
    remove.add_argument("--kind", choices=KINDS, help="which kind NAME is (needed when several kinds share it)")
    remove.add_argument("paths", nargs="*", help="rewrite only under these (default: the whole project)")
    mode = remove.add_mutually_exclusive_group()
    mode.add_argument("--diff", action="store_true", help="print a unified diff (the default)")
    mode.add_argument("--write", action="store_true", help="apply the changes to the files")
    remove.add_argument("--config", metavar="FILE", help="a pyproject.toml to read [tool.flaglint] from")
    _add_run_options(remove)


def _refs_options(refs: argparse.ArgumentParser) -> None:
    _add_scan_options(refs)
    refs.add_argument("--name", action="append", default=[], help="only references that name (or could name) NAME")
    refs.add_argument("--kind", choices=KINDS, help="only references of this kind")


def _manifest_options(manifest: argparse.ArgumentParser) -> None:
    manifest.add_argument("paths", nargs="*", help="files or directories (default: the configured paths, or .)")
    manifest.add_argument("--output", "-o", metavar="FILE", help="write the manifest to FILE (default: stdout)")
    manifest.add_argument(
        "--commit", metavar="SHA", help="the commit to record (default: $FLAGLINT_COMMIT, a CI variable, or git HEAD)"
    )
    manifest.add_argument("--config", metavar="FILE", help="a pyproject.toml to read [tool.flaglint] from")
    _add_run_options(manifest)


def _explain_options(explain: argparse.ArgumentParser) -> None:
    explain.add_argument("code", nargs="?", help="a code such as FL101")
    explain.add_argument("--format", choices=("text", "markdown"), default="text", help="markdown: the README table")


_COMMAND_OPTIONS: Dict[str, Callable[[argparse.ArgumentParser], None]] = {
    "check": _check_options,
    "check-delete": _delete_options,
    "remove": _remove_options,
    "refs": _refs_options,
    "manifest": _manifest_options,
    "explain": _explain_options,
}


def _add_scan_options(parser: argparse.ArgumentParser, formats: Tuple[str, ...] = ("text", "json")) -> None:
    parser.add_argument("paths", nargs="*", help="files or directories (default: the configured paths, or .)")
    parser.add_argument("--format", choices=formats, default="text", help="output format")
    parser.add_argument("--config", metavar="FILE", help="a pyproject.toml to read [tool.flaglint] from")
    _add_run_options(parser)


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--jobs", "-j", type=_positive, metavar="N", help="worker processes (default: CPU count)")
    parser.add_argument("--no-cache", action="store_true", help="neither read nor write the cache")
    parser.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="keep the cache in DIR, outside the project (default: $FLAGLINT_CACHE_DIR, else .flaglint_cache/)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return number


def main(
    argv: Optional[Sequence[str]] = None,
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
    inventories: Sequence[Inventory] = (),
) -> int:
    """Run the command line; returns the exit code. No traceback reaches the user unless ``--debug`` is given.

    `inventories` are environments read by the caller (``manage.py flaglint check``: the live database), checked
    as if given with ``--inventory``.
    """
    arguments_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments_list[: arguments_list.index("--")] if "--" in arguments_list else (
        "--debug" in arguments_list
    )
    if debug:
        arguments_list.remove("--debug")
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            arguments = _parse(arguments_list)
        if arguments is None:
            return EXIT_CLEAN  # --help or --version was printed
        arguments.inventories = tuple(inventories)
        code = int(_dispatch(arguments, stdout, stderr))
        _write_timings(arguments)
        return code
    except UsageError as error:
        print(f"{error.usage}flaglint: error: {error}", file=stderr)
        return EXIT_ERROR
    except FlaglintError as error:
        prefix = "inventory " if isinstance(error, InventoryError) else ""
        print(f"flaglint: error: {prefix}{error}", file=stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("flaglint: interrupted", file=stderr)
        return 130
    except Exception as error:  # the last line of defence: a bug must not print a traceback at the user
        if debug:
            traceback.print_exc(file=stderr)
        detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        print(
            f"flaglint: internal error ({detail}); flaglint {__version__}, Python {platform.python_version()}. "
            "Run again with --debug for the traceback, and please report it.",
            file=stderr,
        )
        return EXIT_ERROR


def _write_timings(arguments: argparse.Namespace) -> None:
    """``FLAGLINT_TIMINGS=FILE``: where the time went, for `benchmarks/` (not a user feature: no option)."""
    target = os.environ.get("FLAGLINT_TIMINGS")
    stopwatch = getattr(arguments, "stopwatch", None)
    if not target or stopwatch is None:
        return
    from flaglint.scan.stopwatch import PER_FILE

    from flaglint.writes import write_file

    report = stopwatch.report()
    report["per-file"] = PER_FILE.report()["seconds"]
    report["counts"].update(PER_FILE.report()["counts"])
    write_file(target, json.dumps(report, indent=2).encode("utf-8"))


def _parse(argv: List[str]) -> Optional[argparse.Namespace]:
    """The command and its arguments, in any order (``check . --inventory x=y sub/``); None after --help."""
    top = build_parser()
    try:
        index = next(i for i, word in enumerate(argv) if word in COMMANDS or not word.startswith("-"))
    except StopIteration:
        try:
            top.parse_args(argv)  # --help, --version, or nothing at all
        except SystemExit as exit_:
            if exit_.code:
                raise UsageError("unknown option", top.format_usage()) from None
            return None
        raise UsageError("a command is required: " + ", ".join(COMMANDS), top.format_usage())
    if argv[index] not in COMMANDS:
        raise UsageError(f"unknown command {argv[index]!r} (choose from {', '.join(COMMANDS)})", top.format_usage())
    if index:
        try:
            top.parse_args(argv[:index])
        except SystemExit:
            return None
    name = argv[index]
    parser = command_parser(name)
    rest = argv[index + 1 :]
    escaped: Dict[str, str] = {}
    if "--" in rest:  # what follows ``--`` is positional even when it starts with "-"
        cut = rest.index("--")
        escaped = {f"\0flaglint-{n}\0": word for n, word in enumerate(rest[cut + 1 :])}
        rest = rest[:cut] + list(escaped)
    try:
        arguments = parser.parse_intermixed_args(rest)
    except SystemExit as exit_:
        if exit_.code:
            raise UsageError("invalid arguments", parser.format_usage()) from None
        return None
    for key, value in vars(arguments).items():
        if isinstance(value, list):
            setattr(arguments, key, [escaped.get(item, item) if isinstance(item, str) else item for item in value])
        elif isinstance(value, str):
            setattr(arguments, key, escaped.get(value, value))
    arguments.command = name
    arguments.usage = parser.format_usage()
    return arguments


def _dispatch(arguments: argparse.Namespace, stdout: TextIO, stderr: TextIO) -> ExitCode:
    if arguments.command == "explain":
        return _explain(arguments.code, arguments.format, stdout)
    settings, given = _settings(arguments)
    if arguments.command == "refs":
        return _refs(arguments, settings, given, stdout, stderr)
    if arguments.command == "check-delete":
        return _check_delete(arguments, settings, stdout, stderr)
    if arguments.command == "manifest":
        return _manifest(arguments, settings, given, stdout, stderr)
    if arguments.command == "remove":
        return _remove(arguments, settings, given, stdout, stderr)
    return _check(arguments, settings, given, stdout, stderr)


def _settings(arguments: argparse.Namespace) -> Tuple[Settings, Tuple[str, ...]]:
    """The project's settings (found from the first path, or the current directory) and the paths given."""
    given = tuple(getattr(arguments, "paths", ()) or ())
    for path in given:
        if not os.path.exists(path):
            raise UsageError(f"no such file or directory: {path}", arguments.usage)
    settings = load_settings(given[0] if given else ".", arguments.config)
    return settings, given


def _nothing_scanned(settings: Settings) -> FlaglintError:
    where = ", ".join(display(path) or "." for path in settings.paths)
    return FlaglintError(
        f"nothing to check: no Python, template or JavaScript file under {where} "
        f"(project root {settings.root}); cannot confirm anything"
    )


def _scanning(arguments: argparse.Namespace, stderr: TextIO) -> ScanOptions:
    from flaglint.report.progress import ProgressBar

    progress = None if arguments.quiet or not stderr.isatty() else ProgressBar(stderr)
    if os.environ.get("FLAGLINT_TIMINGS"):
        from flaglint.scan.stopwatch import Stopwatch

        arguments.stopwatch = Stopwatch()
    return ScanOptions(
        jobs=arguments.jobs,
        use_cache=not arguments.no_cache,
        progress=progress,
        cache_dir=arguments.cache_dir,
        notify=lambda note: print(f"flaglint: note: {note}", file=stderr),
        stopwatch=getattr(arguments, "stopwatch", None),
    )


def _refs(
    arguments: argparse.Namespace, settings: Settings, given: Tuple[str, ...], stdout: TextIO, stderr: TextIO
) -> ExitCode:
    from flaglint.report.json import references_json
    from flaglint.report.text import references_text

    result = _scanning(arguments, stderr).scan(settings)
    if result.files_scanned == 0:
        raise _nothing_scanned(settings)
    references = [r for r in result.references if within(r.path, given)]
    if arguments.name:
        references = [r for r in references if any(r.could_be(name) for name in arguments.name)]
    if arguments.kind:
        references = [r for r in references if r.kind == arguments.kind]
    print(references_json(references) if arguments.format == "json" else references_text(references), file=stdout)
    problems = [p for p in result.problems + result.skipped if within(p.path, given)]
    for problem in problems:
        print(f"{problem.path}:{problem.line}:{problem.column}: {problem.code} {problem.message}", file=stderr)
    return EXIT_FINDINGS if problems else EXIT_CLEAN


def _manifest(
    arguments: argparse.Namespace, settings: Settings, given: Tuple[str, ...], stdout: TextIO, stderr: TextIO
) -> ExitCode:
    """Scan and write the manifest; exit 1 (manifest still written, marked incomplete) when a file was unreadable."""
    from flaglint.manifest import build_manifest
    from flaglint.report.json import manifest_json
    from flaglint.writes import write_file

    if given:
        settings = settings.with_paths(tuple(os.path.abspath(path) for path in given))
    result = _scanning(arguments, stderr).scan(settings)
    if result.files_scanned == 0:
        raise _nothing_scanned(settings)
    manifest = build_manifest(settings, result, commit=arguments.commit)
    text = manifest_json(manifest)
    if arguments.output:
        write_file(arguments.output, (text + "\n").encode("utf-8"))
        named = len({(r.kind, r.name) for r in manifest.references if r.name is not None})
        print(f"wrote {arguments.output}: {named} name(s), {len(manifest.references)} reference(s)", file=stderr)
    else:
        print(text, file=stdout)
    for problem in result.problems + result.skipped:
        print(f"{problem.path}:{problem.line}:{problem.column}: {problem.code} {problem.message}", file=stderr)
    return EXIT_CLEAN if manifest.complete else EXIT_FINDINGS


def _check(
    arguments: argparse.Namespace, settings: Settings, given: Tuple[str, ...], stdout: TextIO, stderr: TextIO
) -> ExitCode:
    from flaglint.adoption.fingerprint import LineReader
    from flaglint.api import CheckOptions, run_check
    from flaglint.inventories.knowledge import load_knowledge
    from flaglint.report.json import diagnostics_json
    from flaglint.report.text import diagnostics_text
    from flaglint.writes import write_file

    knowledge = load_knowledge(
        settings, arguments.inventory, arguments.retiring, arguments.retirement_plan, arguments.inventories
    )
    inventories = knowledge.inventories
    if arguments.per_file and not given:
        raise UsageError("--per-file needs the files to check", arguments.usage)
    options = CheckOptions(
        select=_codes(arguments.select, settings.select, arguments.usage),
        ignore=_codes(arguments.ignore, settings.ignore, arguments.usage),
        report_unused_ignores=arguments.report_unused_ignores,
        baseline=_baseline(arguments.baseline),
        project_wide=not arguments.per_file,
        report_paths=given,
    )
    result = run_check(settings, knowledge, options, scanning=_scanning(arguments, stderr))
    if result.scan.files_scanned == 0:
        raise _nothing_scanned(settings)
    diagnostics = result.diagnostics
    if arguments.write_baseline:
        from flaglint.adoption.baseline import baseline_document

        write_file(arguments.write_baseline, baseline_document(diagnostics, LineReader()).encode("utf-8"))
        print(f"wrote {len(diagnostics)} finding(s) to {arguments.write_baseline}", file=stdout)
        return EXIT_CLEAN
    environments = [inventory.environment for inventory in inventories]
    if arguments.format == "json":
        print(diagnostics_json(result, environments), file=stdout)
    elif arguments.format == "sarif":
        from flaglint.report.sarif import sarif_log

        log = sarif_log(diagnostics, version=__version__, lines=LineReader(), uri_base=os.getcwd())
        print(json.dumps(log, indent=2), file=stdout)
    elif arguments.format == "github":
        from flaglint.report.github import github_annotations

        if diagnostics:
            print(github_annotations(diagnostics), file=stdout)
    else:
        print(diagnostics_text(result, environments), file=stdout)
    fail_on = arguments.fail_on or settings.fail_on
    failing = [d for d in diagnostics if fail_on == "warning" or d.severity == "error"]
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def _remove(
    arguments: argparse.Namespace, settings: Settings, given: Tuple[str, ...], stdout: TextIO, stderr: TextIO
) -> ExitCode:
    from flaglint.api import run_remove
    from flaglint.report.text import removal_text
    from flaglint.writes import PlannedWrite, write_files

    keep_on = arguments.keep == "on"
    scanning = _scanning(arguments, stderr)
    result = run_remove(settings, arguments.name, keep_on, arguments.kind, given, scanning)
    if result.after.files_scanned == 0:
        raise _nothing_scanned(settings)
    if arguments.write and result.changes:
        writes = [PlannedWrite(change.absolute, change.after, expected=change.before) for change in result.changes]
        write_files(writes, root=settings.root)
    print(removal_text(result, written=arguments.write), file=stdout)
    if result.safe:
        return EXIT_CLEAN
    return EXIT_FINDINGS if not result.verdict.safe else EXIT_ERROR


def _baseline(path: Optional[str]) -> "Optional[Counter[Key]]":
    if not path:
        return None
    from flaglint.adoption.baseline import load_baseline

    return load_baseline(path)


def _check_delete(arguments: argparse.Namespace, settings: Settings, stdout: TextIO, stderr: TextIO) -> ExitCode:
    from flaglint.api import run_check_delete
    from flaglint.inventories.knowledge import load_knowledge
    from flaglint.report.json import deletion_json
    from flaglint.report.text import deletion_text

    knowledge = load_knowledge(settings, arguments.inventory)
    for path in arguments.also:
        if not os.path.exists(path):
            raise UsageError(f"no such file or directory: {path}", arguments.usage)
    if arguments.also:
        settings = settings.with_paths(settings.paths + tuple(os.path.abspath(p) for p in arguments.also))
    scanning = _scanning(arguments, stderr)
    result = run_check_delete(settings, arguments.names, tuple(arguments.kind), knowledge, scanning)
    render = deletion_json if arguments.format == "json" else deletion_text
    print(render(result), file=stdout)
    if result.safe:
        return EXIT_CLEAN
    return EXIT_FINDINGS if result.blocked else EXIT_ERROR


def _codes(option: Optional[str], configured: Tuple[str, ...], usage: str) -> Tuple[str, ...]:
    from flaglint.codes import known_selector

    if option is None:
        return configured
    codes = tuple(code.strip().upper() for code in option.split(",") if code.strip())
    for code in codes:
        if not known_selector(code):
            raise UsageError(f"{code!r} is not a flaglint code or prefix (`flaglint explain` lists them)", usage)
    return codes


def _explain(identifier: Optional[str], fmt: str, stdout: TextIO) -> ExitCode:
    from flaglint.codes import BY_CODE
    from flaglint.report.docs import code_list, codes_markdown, explanation

    if identifier is None and fmt == "markdown":
        print(codes_markdown(), file=stdout)
        return EXIT_CLEAN
    if identifier is None:
        print(code_list(), file=stdout)
        return EXIT_CLEAN
    found = BY_CODE.get(identifier.upper())
    if found is None:
        usage = command_parser("explain").format_usage()
        raise UsageError(f"unknown code {identifier!r}; `flaglint explain` lists them", usage)
    print(explanation(found), file=stdout)
    return EXIT_CLEAN


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
