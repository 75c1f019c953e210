"""The flake8 plugin: flaglint's per-reference codes (FL0xx, FL1xx) for the file at hand. A thin adapter.

It runs the same scan as ``flaglint check`` (`flaglint.scan`), once per flake8 process and through the cache, so
it sees exactly what ``flaglint check --per-file`` sees: re-exports and project models found anywhere in the
project, constants from any module. The file flake8 checks is read from the scan's answer; when flake8's text
differs from the file on disk (an editor's unsaved buffer), the scan is run again with that text. Settings come
from ``[tool.flaglint]`` and the ``--flaglint-*`` options. Project-wide codes (FL2xx) are never reported here:
they need the inventories and every file's answer, and belong to ``flaglint check``. flake8's ``noqa``,
``--select``, ``--extend-ignore`` and ``per-file-ignores`` apply as usual; ``# flaglint: ignore[...]`` works too.
"""

from __future__ import annotations

import argparse
import ast
import os
from dataclasses import dataclass, field
from typing import Any, ClassVar, Dict, Iterator, List, Optional, Sequence, Tuple

from flaglint import __version__
from flaglint.checks import check_references, problem_diagnostics
from flaglint.config import Settings, load_settings
from flaglint.inventories.knowledge import load_knowledge
from flaglint.adoption.suppressions import parse_line
from flaglint.model import Diagnostic, FlaglintError, Knowledge, ScanResult
from flaglint.paths import display

Result = Tuple[int, int, str, type]


@dataclass
class _State:
    """What one flake8 process loads once: settings, knowledge, and the project's scan."""

    settings: Settings
    knowledge: Knowledge
    error: Optional[str] = None
    error_reported: bool = False
    scanned: Optional[ScanResult] = None
    by_path: Dict[str, List[Diagnostic]] = field(default_factory=dict)


class Plugin:
    """flake8 entry point (``flake8.extension``: ``FL``)."""

    name = "flaglint"
    version = __version__
    _options: ClassVar[Optional[argparse.Namespace]] = None
    _state: ClassVar[Optional[_State]] = None

    def __init__(self, tree: ast.AST, filename: str, lines: Sequence[str]):
        self.tree = tree
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, parser: Any) -> None:
        """Register ``--flaglint-*`` options (also readable from flake8's configuration files)."""
        parser.add_option(
            "--flaglint-inventory",
            default=[],
            comma_separated_list=True,
            parse_from_config=True,
            help="ENV=FILE inventories to check references against (comma-separated); added to [tool.flaglint]",
        )
        parser.add_option(
            "--flaglint-retiring",
            default=[],
            comma_separated_list=True,
            parse_from_config=True,
            help="names scheduled for deletion (comma-separated)",
        )
        parser.add_option(
            "--flaglint-retirement-plan", default=None, parse_from_config=True, help="flaglint's TOML retirement plan"
        )
        parser.add_option(
            "--flaglint-config", default=None, parse_from_config=True, help="the pyproject.toml holding [tool.flaglint]"
        )

    @classmethod
    def parse_options(cls, options: argparse.Namespace) -> None:
        """Keep the options; the state is (re)loaded lazily, once per process."""
        cls._options = options
        cls._state = None

    @classmethod
    def state(cls) -> _State:
        """The per-process state, loaded on first use."""
        if cls._state is None:
            cls._state = _load_state(cls._options)
        return cls._state

    def run(self) -> Iterator[Result]:
        """Per-reference diagnostics for this file."""
        state = self.state()
        if state.error is not None:
            if not state.error_reported:
                state.error_reported = True
                yield 1, 0, f"FL001 flaglint cannot start: {state.error}", type(self)
            return
        for diagnostic in _diagnostics(state, self.filename, "".join(self.lines)):
            line_text = self.lines[diagnostic.line - 1] if 0 < diagnostic.line <= len(self.lines) else ""
            codes = parse_line(line_text, python=False)  # flake8 handles noqa itself
            if codes is not None and (not codes or any(diagnostic.code.startswith(c) for c in codes)):
                continue
            yield diagnostic.line, diagnostic.column - 1, f"{diagnostic.code} {diagnostic.message}", type(self)


def _diagnostics(state: _State, filename: str, text: str) -> List[Diagnostic]:
    """The per-reference diagnostics of one file: from the project's scan, or a scan with flake8's text."""
    from flaglint.scan import scan

    absolute = os.path.abspath(filename)
    shown = display(absolute)
    try:
        with open(absolute, "rb") as handle:
            on_disk: Optional[bytes] = handle.read()
    except OSError:
        on_disk = None
    data = text.encode("utf-8")
    paths = state.settings.paths
    inside = any(absolute == p or absolute.startswith(p.rstrip(os.sep) + os.sep) for p in map(os.path.abspath, paths))
    if on_disk is not None and on_disk.replace(b"\r\n", b"\n") == data.replace(b"\r\n", b"\n") and inside:
        if state.scanned is None:
            state.scanned = scan(state.settings, use_cache=True, jobs=1)
            state.by_path = _by_path(state.scanned, state.knowledge)
        return state.by_path.get(shown, [])
    result = scan(state.settings, tuple(paths) + (absolute,), jobs=1, use_cache=False, overrides={absolute: data})
    return _by_path(result, state.knowledge).get(shown, [])


def _by_path(result: ScanResult, knowledge: Knowledge) -> Dict[str, List[Diagnostic]]:
    found: Dict[str, List[Diagnostic]] = {}
    diagnostics = problem_diagnostics(result.problems + result.skipped)
    diagnostics += check_references(result.references, knowledge)
    for diagnostic in diagnostics:
        found.setdefault(diagnostic.path, []).append(diagnostic)
    return found


def _load_state(options: Optional[argparse.Namespace]) -> _State:
    """Settings, inventories and retirements; a problem becomes the state's error, reported once."""
    settings = Settings(root=os.getcwd(), paths=(os.getcwd(),))
    error: Optional[str] = None
    knowledge = Knowledge()
    try:
        settings = load_settings(".", getattr(options, "flaglint_config", None))
        knowledge = load_knowledge(
            settings,
            getattr(options, "flaglint_inventory", None) or [],
            getattr(options, "flaglint_retiring", None) or [],
            getattr(options, "flaglint_retirement_plan", None),
        )
    except FlaglintError as problem:
        error = str(problem)
    return _State(settings=settings, knowledge=knowledge, error=error)
