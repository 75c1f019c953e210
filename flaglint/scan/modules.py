"""Dotted module names -> the project's files, the way Python's import system would find them.

A project module is known by its path from the project root (``src/app/views.py`` is ``src.app.views``) and by
the shorter names that an import root makes importable (``app.views`` when ``src/`` is on ``sys.path``). An import
root is a directory that is not a package (no ``__init__.py``): the project root, ``src/``, the directory holding
``manage.py``. A package's submodule is never importable under its bare name, so ``api/waffle/__init__.py`` (in
the package ``api``) is ``api.waffle`` and never ``waffle``: third-party libraries keep their names.

Modules the scan did not discover (a scan of a few files) are found by probing the file system under the import
roots, lazily.
"""

from __future__ import annotations

import os
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from flaglint.paths import display, module_name


class ModuleIndex:
    """Which files may define a dotted module name: discovered ones first, else found by probing."""

    def __init__(self, root: str, directories: Sequence[str] = ()):
        self.root = os.path.abspath(root)
        self.known: Dict[str, List[str]] = {}
        self.by_last: Dict[str, List[str]] = {}
        self._tops: Optional[Set[str]] = None
        """Discovered files by the last part of their module name (``views`` for ``app/views.py``)."""
        self.locations: Dict[str, Tuple[str, str]] = {}
        self.probed: Dict[str, List[str]] = {}
        self.packages_seen: Dict[str, bool] = {}
        self.tops: Dict[Tuple[str, str], bool] = {}
        self.roots: List[str] = [self.root]
        for directory in directories:
            self.add_directory(directory)

    def add_directory(self, directory: str) -> None:
        """Probe under the import roots at and above a scanned directory (``src/`` layouts, nested projects)."""
        directory = os.path.abspath(directory)
        added = False
        while (directory + os.sep).startswith(self.root + os.sep) and directory not in self.roots:
            if not self._is_package(directory):
                self.roots.append(directory)
                added = True
            directory = os.path.dirname(directory)
        if added:
            self.roots.sort(key=len)
            self.probed = {name: found for name, found in self.probed.items() if found}

    def add(self, absolute: str, relative: str, shown: str) -> None:
        """Register a discovered Python file; the names it can be imported by are worked out when asked for."""
        self.locations[shown] = (absolute, relative)
        stem = relative[:-3] if relative.endswith(".py") else relative
        if stem.endswith("/__init__") or stem == "__init__":
            stem = stem[: -len("__init__")].rstrip("/")
        self.by_last.setdefault(stem.rpartition("/")[2], []).append(shown)

    def _names(self, name: str) -> List[str]:
        """The discovered files importable as `name`: its full module name, or a suffix under an import root."""
        found: List[str] = []
        for shown in self.by_last.get(name.rpartition(".")[2], ()):
            parts = module_name(self.locations[shown][1]).split(".")
            wanted = name.split(".")
            start = len(parts) - len(wanted)
            if start < 0 or parts[start:] != wanted:
                continue
            if start == 0 or not self._is_package(os.path.join(self.root, *parts[:start])):
                found.append(shown)
        return found

    def packages(self, directories: Iterable[str]) -> None:
        """Directories known to be packages (they hold a discovered ``__init__.py``): no need to look."""
        for directory in directories:
            self.packages_seen[directory] = True

    def paths(self, name: str) -> List[str]:
        """The files that may define module `name`, discovered ones first."""
        found = self.known.get(name)
        if found is None:
            found = self.known[name] = self._names(name)
        if found:
            return found
        if name not in self.probed:
            self.probed[name] = self._probe(name)
        return self.probed[name]

    def has_top(self, top: str) -> bool:
        """Whether `top` is the first part of a name the project's modules can be imported by (or a probed one)."""
        if self._tops is None:
            tops: Set[str] = set()
            for _, relative in self.locations.values():
                parts = module_name(relative).split(".")
                tops.add(parts[0])
                directory = self.root
                for start in range(1, len(parts)):
                    directory = directory + os.sep + parts[start - 1]
                    if not self._is_package(directory):
                        tops.add(parts[start])
            self._tops = tops
        return top in self._tops or bool(self.paths(top)) or any(self._has_top(root, top) for root in self.roots)

    def absolute(self, shown: str) -> str:
        """The absolute path of a registered file."""
        return self.locations[shown][0]

    def relative(self, shown: str) -> str:
        """The path of a registered file relative to the project root."""
        return self.locations[shown][1]

    def lookup(self, shown: str) -> Optional[Tuple[str, str]]:
        """(absolute, relative) of a registered file, or None."""
        return self.locations.get(shown)

    def _is_package(self, directory: str) -> bool:
        found = self.packages_seen.get(directory)
        if found is None:
            found = os.path.isfile(os.path.join(directory, "__init__.py"))
            self.packages_seen[directory] = found
        return found

    def _probe(self, name: str) -> List[str]:
        if not name or not all(part.isidentifier() for part in name.split(".")):
            return []
        relative_path = name.replace(".", os.sep)
        top = name.partition(".")[0]
        for root in self.roots:
            if not self._has_top(root, top):
                continue  # django, waffle, the standard library: not in the project
            for candidate in (relative_path + ".py", os.path.join(relative_path, "__init__.py")):
                absolute = os.path.join(root, candidate)
                if os.path.isfile(absolute):
                    shown = display(absolute)
                    relative = os.path.relpath(absolute, self.root).replace(os.sep, "/")
                    self.locations.setdefault(shown, (absolute, relative))
                    return [shown]
        return []

    def _has_top(self, root: str, top: str) -> bool:
        key = (root, top)
        found = self.tops.get(key)
        if found is None:
            found = os.path.isdir(os.path.join(root, top)) or os.path.isfile(os.path.join(root, top + ".py"))
            self.tops[key] = found
        return found
