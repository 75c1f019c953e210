"""Run the collectors over a project and resolve names across files. Never prints.

The bytes prefilter parses a Python file only when it holds a word that can start a reference; modules needed
only for their constants are parsed lazily, when a reference asks for them. Re-exports of waffle's API and
project subclasses of waffle's models are found in a first pass; files that use them are collected again with
the extended catalogue.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple

from flaglint.catalogue import Catalogue
from flaglint.config import Settings
from flaglint.discovery import discover, file_type, is_test_path, module_name
from flaglint.javascript import collect_javascript
from flaglint.python import collect_python
from flaglint.resolve import Project, derived_apis
from flaglint.suppressions import MARKER_BYTES, find_suppressions
from flaglint.templates import collect_template
from flaglint.types import FileProblem, Kind, ModuleSummary, Reference, ScanResult, Suppression


def prefilter(tokens: Iterable[str]) -> "re.Pattern[bytes]":
    """A bytes regex that finds any of the words (no word boundaries: a cheap superset is enough)."""
    ordered = sorted(set(tokens), key=len, reverse=True)
    return re.compile(b"|".join(re.escape(token.encode()) for token in ordered))


def display_path(path: str) -> str:
    """A path relative to the current directory with ``/`` separators (absolute when on another drive)."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        relative = os.path.abspath(path)
    return relative.replace(os.sep, "/")


class _Files:
    """Reads files once, within the size limit; failures become problems."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.problems: List[FileProblem] = []

    def read(self, absolute: str, shown: str) -> Optional[bytes]:
        try:
            size = os.path.getsize(absolute)
            if size > self.settings.max_file_size:
                self.problems.append(
                    FileProblem(shown, f"skipped: {size} bytes is over the size limit of {self.settings.max_file_size}")
                )
                return None
            with open(absolute, "rb") as handle:
                return handle.read()
        except OSError as error:
            self.problems.append(FileProblem(shown, f"cannot read: {error.strerror or error}"))
            return None


def scan(settings: Settings, paths: Optional[Sequence[str]] = None) -> ScanResult:
    """Find every reference under `paths` (default: the configured paths)."""
    files = _Files(settings)
    catalogue = settings.catalogue()
    python: List[Tuple[str, str, str]] = []
    others: List[Tuple[str, str, str, str]] = []
    for absolute, relative in discover(paths or settings.paths, settings):
        kind = file_type(relative, settings)
        if kind == "python":
            python.append((absolute, relative, display_path(absolute)))
        elif kind is not None:
            others.append((absolute, relative, display_path(absolute), kind))

    index = ModuleIndex(settings.root, [absolute for absolute, _, _ in python] + list(paths or settings.paths))
    for absolute, relative, shown in python:
        index.add(absolute, relative, shown)

    def collect(shown: str, data: bytes, with_catalogue: Catalogue) -> ModuleSummary:
        relative = index.relative(shown)
        test = is_test_path(relative, settings.test_patterns)
        return collect_python(shown, data, module=module_name(relative), test=test, catalogue=with_catalogue)

    lazily_loaded: List[ModuleSummary] = []

    def load(shown: str) -> Optional[ModuleSummary]:
        data = files.read(index.absolute(shown), shown)
        if data is None:
            return None
        summary = collect(shown, data, catalogue)
        lazily_loaded.append(summary)
        return summary

    pattern = prefilter(catalogue.tokens())
    candidates: List[Tuple[str, bytes]] = []
    skipped: List[str] = []
    labels: Dict[str, Kind] = {}
    suppressions: List[Suppression] = []
    for absolute, relative, shown in python:
        data = files.read(absolute, shown)
        if data is None:
            continue
        if MARKER_BYTES.search(data):
            suppressions.extend(find_suppressions(shown, data.decode("utf-8", errors="replace")))
        if pattern.search(data):
            candidates.append((shown, data))
            labels.update(swapped_model_labels(data))
        else:
            skipped.append(shown)
    if labels:
        catalogue = catalogue.with_additions(model_labels=labels)
    summaries: Dict[str, ModuleSummary] = {shown: collect(shown, data, catalogue) for shown, data in candidates}
    del candidates

    project = Project(summaries.values(), catalogue, index.paths, load)
    apis, models = derived_apis(project, summaries.values())
    if apis or models:
        extended = catalogue.with_additions(exact=apis, models=models)
        derived_names = set(apis) | set(models)
        affected = {shown for shown, s in summaries.items() if any(t in derived_names for _, t in s.imports)}
        affected |= _defining(models, index) & set(summaries)
        new_tokens = extended.tokens() - catalogue.tokens()
        if new_tokens:
            extra = prefilter(new_tokens)
            for shown in skipped:
                data = files.read(index.absolute(shown), shown)
                if data is not None and extra.search(data):
                    affected.add(shown)
        for shown in sorted(affected):
            data = files.read(index.absolute(shown), shown)
            if data is not None:
                summaries[shown] = collect(shown, data, extended)
                project.add(summaries[shown])
        project.catalogue = extended

    references: List[Reference] = []
    problems: List[FileProblem] = list(files.problems)
    for summary in summaries.values():
        problems.extend(summary.problems)
        migration = is_test_path(index.relative(summary.path), settings.migration_patterns)
        for pending in summary.references:
            for reference in project.resolve(pending):
                references.append(replace(reference, migration=True) if migration else reference)
    for summary in lazily_loaded:
        if summary.path not in summaries:
            problems.extend(summary.problems)

    for absolute, relative, shown, kind in others:
        data = files.read(absolute, shown)
        if data is None:
            continue
        text, problem = _decode_text(shown, data)
        if problem is not None:
            problems.append(problem)
            continue
        assert text is not None
        if MARKER_BYTES.search(data):
            suppressions.extend(find_suppressions(shown, text))
        test = is_test_path(relative, settings.test_patterns)
        if kind == "template":
            references.extend(collect_template(shown, text, test=test))
        # JavaScript also runs inline in templates (<script> next to {% wafflejs %}).
        references.extend(collect_javascript(shown, text, test=test))

    references.sort(key=reference_sort_key)
    problems = sorted(set(problems), key=lambda p: (p.path, p.line, p.column, p.message))
    return ScanResult(
        tuple(references), tuple(problems), len(python) + len(others), len(summaries), tuple(suppressions)
    )


_SWAPPED_MODEL = re.compile(rb"""WAFFLE_(FLAG|SWITCH|SAMPLE)_MODEL\s*=\s*["']([\w]+\.[\w]+)["']""")


def swapped_model_labels(data: bytes) -> Dict[str, Kind]:
    """Model labels a settings module swaps in (``WAFFLE_FLAG_MODEL = "teams.Flag"``), for ``apps.get_model``."""
    labels: Dict[str, Kind] = {}
    for match in _SWAPPED_MODEL.finditer(data):
        kind: Kind = "flag" if match.group(1) == b"FLAG" else "switch" if match.group(1) == b"SWITCH" else "sample"
        labels[match.group(2).decode().lower()] = kind
    return labels


def _defining(models: Mapping[str, object], index: "ModuleIndex") -> Set[str]:
    """Files that define derived model classes (they may use them locally)."""
    paths: Set[str] = set()
    for qualname in models:
        paths.update(index.paths(qualname.rpartition(".")[0])[:1])
    return paths


class ModuleIndex:
    """Dotted module names -> files: the discovered ones, else found by probing the file system.

    Probing lets a scan of a few files (a pre-commit hook, a subdirectory) still resolve constants imported from
    the rest of the project: ``app.constants`` is looked for as ``app/constants.py`` or ``app/constants/__init__.py``
    under the project root and under every directory above the scanned paths.
    """

    def __init__(self, root: str, scanned: Sequence[str]):
        self.root = os.path.abspath(root)
        self.known: Dict[str, List[str]] = {}
        self.locations: Dict[str, Tuple[str, str]] = {}
        self.probed: Dict[str, List[str]] = {}
        self.roots: List[str] = [self.root]
        for path in scanned:
            self.add_scanned(path)

    def add_scanned(self, path: str) -> None:
        """Probe under the directories above a scanned file too (``src/`` layouts, nested Django projects)."""
        directory = os.path.dirname(os.path.abspath(path))
        added = False
        while directory.startswith(self.root) and directory not in self.roots:
            self.roots.append(directory)
            directory = os.path.dirname(directory)
            added = True
        if added:
            self.roots.sort(key=len)
            self.probed = {name: found for name, found in self.probed.items() if found}

    def add(self, absolute: str, relative: str, shown: str) -> None:
        """Register a discovered Python file under every dotted suffix of its module name."""
        self.locations[shown] = (absolute, relative)
        parts = module_name(relative).split(".")
        for start in range(len(parts)):
            self.known.setdefault(".".join(parts[start:]), []).append(shown)

    def paths(self, name: str) -> List[str]:
        """The files that may define module `name`, discovered ones first."""
        found = self.known.get(name)
        if found:
            return found
        if name not in self.probed:
            self.probed[name] = self._probe(name)
        return self.probed[name]

    def _probe(self, name: str) -> List[str]:
        if not name or not all(part.isidentifier() for part in name.split(".")):
            return []
        relative_path = name.replace(".", os.sep)
        for root in self.roots:
            for candidate in (relative_path + ".py", os.path.join(relative_path, "__init__.py")):
                absolute = os.path.join(root, candidate)
                if os.path.isfile(absolute):
                    shown = display_path(absolute)
                    relative = os.path.relpath(absolute, self.root).replace(os.sep, "/")
                    self.locations.setdefault(shown, (absolute, relative))
                    return [shown]
        return []

    def absolute(self, shown: str) -> str:
        """The absolute path of a registered file."""
        return self.locations[shown][0]

    def relative(self, shown: str) -> str:
        """The path of a registered file relative to the project root."""
        return self.locations[shown][1]


def _decode_text(shown: str, data: bytes) -> Tuple[Optional[str], Optional[FileProblem]]:
    """Templates and JavaScript are UTF-8; NUL bytes mean a binary file."""
    if b"\0" in data:
        return None, FileProblem(shown, "skipped: binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, FileProblem(shown, f"cannot decode as UTF-8: byte 0x{data[error.start]:02x}", line)
    return text, None


def reference_sort_key(reference: Reference) -> Tuple[str, int, int, str, str, str]:
    """Stable order: place, then kind and name."""
    return (
        reference.path,
        reference.line,
        reference.column,
        reference.kind,
        reference.name or "",
        reference.pattern or "",
    )
