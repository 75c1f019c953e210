"""The flake8 plugin: flaglint's per-reference codes (FL101-FL105) for the file at hand, on flake8's own tree.

Thin adapter: flake8 hands over the `ast` tree it already parsed (no second parse); a file with no word that
can start a reference is skipped at once. Settings, inventories and the retirement plan are loaded once per
process from ``[tool.flaglint]`` and the ``--flaglint-*`` options. Project-wide codes (FL2xx) are never reported
here: they need every file of the project (run ``flaglint check`` for them). flake8's ``noqa``, ``--select``,
``--extend-ignore`` and ``per-file-ignores`` apply as usual; ``# flaglint: ignore[...]`` works too.
"""

from __future__ import annotations

import argparse
import ast
import os
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Dict, Iterator, List, Optional, Sequence, Tuple, Type

from flaglint import __version__
from flaglint.catalogue import Catalogue
from flaglint.api import load_knowledge
from flaglint.checks import Knowledge, check_reference
from flaglint.config import ConfigError, Settings, load_settings
from flaglint.discovery import is_test_path, module_name
from flaglint.engine import ModuleIndex, display_path, prefilter
from flaglint.python import collect_python, collect_tree
from flaglint.resolve import Project, derived_apis
from flaglint.suppressions import parse_line
from flaglint.types import InventoryError, ModuleSummary

Result = Tuple[int, int, str, Type[Any]]


@dataclass
class _State:
    """What one flake8 process loads once: settings, catalogue, knowledge, and modules read for their constants."""

    settings: Settings
    catalogue: Catalogue
    knowledge: Knowledge
    index: ModuleIndex
    tokens: Any
    loaded: Dict[str, Optional[ModuleSummary]]
    mentions: Dict[str, bool] = field(default_factory=dict)
    error: Optional[str] = None
    error_reported: bool = False


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
        text = "".join(self.lines)
        if not state.tokens.search(text.encode("utf-8", errors="replace")) or not isinstance(self.tree, ast.Module):
            return
        shown = display_path(self.filename)
        absolute = os.path.abspath(self.filename)
        relative = os.path.relpath(absolute, state.settings.root).replace(os.sep, "/")
        for reference in _references(state, shown, relative, text, self.tree):
            for diagnostic in check_reference(reference, state.knowledge):
                line_text = self.lines[diagnostic.line - 1] if 0 < diagnostic.line <= len(self.lines) else ""
                codes = parse_line(line_text, python=False)
                if codes is not None and (not codes or any(diagnostic.code.startswith(c) for c in codes)):
                    continue
                yield diagnostic.line, diagnostic.column - 1, f"{diagnostic.code} {diagnostic.message}", type(self)


def _references(state: _State, shown: str, relative: str, text: str, tree: ast.Module) -> List[Any]:
    settings = state.settings
    module = module_name(relative)
    test = is_test_path(relative, settings.test_patterns)
    migration = is_test_path(relative, settings.migration_patterns)

    def collect(catalogue: Catalogue) -> ModuleSummary:
        return collect_tree(shown, text, tree, module=module, test=test, catalogue=catalogue)

    def load(path: str) -> Optional[ModuleSummary]:
        if path not in state.loaded:
            state.loaded[path] = _read_module(state, path)
        return state.loaded[path]

    summary = collect(state.catalogue)
    project = Project([summary], state.catalogue, state.index.paths, load)
    project.gate = lambda path: _mentions_waffle(state, path)
    apis, models = derived_apis(project, [summary])
    if apis or models:
        extended = state.catalogue.with_additions(exact=apis, models=models)
        summary = collect(extended)
        project.catalogue = extended
        project.add(summary)
    references = [reference for pending in summary.references for reference in project.resolve(pending)]
    return [replace(reference, migration=True) for reference in references] if migration else references


def _mentions_waffle(state: _State, shown: str) -> bool:
    """Whether a module holds a word that can start a reference: only then is it parsed to follow re-exports."""
    answer = state.mentions.get(shown)
    if answer is None:
        try:
            with open(state.index.absolute(shown), "rb") as handle:
                answer = bool(state.tokens.search(handle.read()))
        except OSError:
            answer = False
        state.mentions[shown] = answer
    return answer


def _read_module(state: _State, shown: str) -> Optional[ModuleSummary]:
    """A module read only for its constants (lazily, when a reference needs it)."""
    try:
        with open(state.index.absolute(shown), "rb") as handle:
            data = handle.read()
    except OSError:
        return None
    relative = state.index.relative(shown)
    return collect_python(shown, data, module=module_name(relative), test=False, catalogue=state.catalogue)


def _load_state(options: Optional[argparse.Namespace]) -> _State:
    """Settings, inventories and retirements; a problem becomes the state's error, reported once."""
    settings = Settings(root=os.getcwd())
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
    except (ConfigError, InventoryError) as problem:
        error = str(problem)
    catalogue = settings.catalogue()
    return _State(
        settings=settings,
        catalogue=catalogue,
        knowledge=knowledge,
        index=ModuleIndex(settings.root, [os.path.join(settings.root, "src")]),
        tokens=prefilter(catalogue.tokens(model_names=True)),
        loaded={},
        error=error,
    )
