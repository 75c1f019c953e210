"""Which modules ``django.conf.settings`` can be, found the way Django and its test runners are told.

``DJANGO_SETTINGS_MODULE`` in ``manage.py``, ``wsgi.py``, ``asgi.py``, ``celery.py`` or ``conftest.py``, and in
``pytest.ini``/``setup.cfg``/``tox.ini``/``pyproject.toml`` (also ``--ds=``), or the configured
``settings-modules``. Each named module brings the modules of its split-settings layout: a settings package
(``settings/__init__.py``) brings every module in it, a module inside a package called ``settings`` brings its
siblings (``settings/production.py`` beside ``settings/local.py``: each environment's settings). With nothing
declared, every module called ``settings`` (or in a ``settings`` package) is one. ``from .base import *`` chains
are followed by resolution.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

#: Python files that usually say which settings module to use.
DECLARING_FILES = frozenset({"manage.py", "wsgi.py", "asgi.py", "celery.py", "conftest.py"})
#: Configuration files (at the project root and beside each ``manage.py``) that may say it too.
CONFIG_FILES: Tuple[str, ...] = ("pytest.ini", "setup.cfg", "tox.ini", "pyproject.toml")

_DECLARATION = re.compile(
    rb"""DJANGO_SETTINGS_MODULE['"]?\s*[,=:]\s*['"]?(?P<module>[A-Za-z_][\w.]*)|--ds[= ](?P<option>[A-Za-z_][\w.]*)"""
)


@dataclass(frozen=True)
class SettingsModules:
    """The settings modules of a project (full module names from the root) and the files that named them."""

    modules: Tuple[str, ...]
    declared: Tuple[str, ...]
    """What was declared (configured or found in files), before the split-settings layouts were added."""
    sources: Tuple[str, ...]
    """The configuration files read for declarations (their changes must invalidate a remembered answer)."""


def declarations(data: bytes) -> List[str]:
    """The settings modules a file's bytes name in ``DJANGO_SETTINGS_MODULE`` assignments or ``--ds``."""
    if b"DJANGO_SETTINGS_MODULE" not in data and b"--ds" not in data:
        return []
    found = []
    for match in _DECLARATION.finditer(data):
        name = (match.group("module") or match.group("option")).decode("ascii", "replace").strip(".")
        if name and name not in found:
            found.append(name)
    return found


def config_files(root: str, python_files: Iterable[str]) -> List[str]:
    """The configuration files to read: at the root and beside every ``manage.py`` (relative paths)."""
    directories = {""}
    for relative in python_files:
        if relative == "manage.py" or relative.endswith("/manage.py"):
            directories.add(relative.rpartition("/")[0])
    found = []
    for directory in sorted(directories):
        for name in CONFIG_FILES:
            relative = f"{directory}/{name}" if directory else name
            if os.path.isfile(os.path.join(root, relative)):
                found.append(relative)
    return found


def find_settings_modules(
    root: str,
    modules: Dict[str, str],
    configured: Sequence[str] = (),
    read: Optional[Callable[[str], Optional[bytes]]] = None,
) -> SettingsModules:
    """The settings modules of the project whose Python files are `modules` (relative path -> module name)."""
    sources = config_files(root, modules)
    declared: List[str] = list(configured)
    if not declared:
        candidates = [r for r in modules if r.rpartition("/")[2] in DECLARING_FILES] + sources
        for relative in candidates:
            data = read(relative) if read is not None else _read(os.path.join(root, relative))
            for name in declarations(data or b""):
                if name not in declared:
                    declared.append(name)
    by_module: Dict[str, List[str]] = {}
    for relative, module in modules.items():
        by_module.setdefault(module, []).append(relative)
    chosen: List[str] = []
    for name in declared:
        for module in _matching(name, by_module):
            for found in _layout(module, modules, by_module):
                if found not in chosen:
                    chosen.append(found)
    if not declared or not chosen:
        for relative, module in sorted(modules.items()):
            if _looks_like_settings(relative) and module not in chosen:
                chosen.append(module)
    return SettingsModules(tuple(chosen), tuple(declared), tuple(sources))


def _matching(name: str, by_module: Dict[str, List[str]]) -> List[str]:
    """The project modules `name` can be imported as (its full name, or a suffix under an import root)."""
    if name in by_module:
        return [name]
    suffix = "." + name
    return sorted(module for module in by_module if module.endswith(suffix))


def _layout(module: str, modules: Dict[str, str], by_module: Dict[str, List[str]]) -> List[str]:
    """A settings module and the modules of its split-settings layout (its package's, or its siblings)."""
    found = [module]
    for relative in by_module.get(module, ()):
        directory, _, filename = relative.rpartition("/")
        if filename == "__init__.py":
            package = directory
        elif "settings" in directory.rpartition("/")[2]:
            package = directory
        else:
            continue
        for other, other_module in sorted(modules.items()):
            if other.rpartition("/")[0] == package and other_module not in found:
                found.append(other_module)
    return found


def _looks_like_settings(relative: str) -> bool:
    directory, _, filename = relative.rpartition("/")
    stem = filename[:-3] if filename.endswith(".py") else filename
    if stem == "__init__":
        stem = directory.rpartition("/")[2]
        directory = directory.rpartition("/")[0]
    return "settings" in stem.split("_") or directory.rpartition("/")[2] == "settings"


def _read(path: str) -> Optional[bytes]:
    try:
        with open(path, "rb") as handle:
            return handle.read(1 << 20)
    except OSError:
        return None
