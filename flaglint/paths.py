"""Paths as flaglint names them: display paths, globs, what a file is (Python, template, JavaScript, test code).

Globs use ``**`` for any number of directories and ``*`` within one path segment; paths are relative, with ``/``
separators. Shared by every stage: discovery, collection (test and migration flags), reports.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from typing import TYPE_CHECKING, Dict, FrozenSet, List, Optional, Sequence, Tuple

if TYPE_CHECKING:  # pragma: no cover
    from flaglint.config import Settings


@functools.lru_cache(maxsize=256)
def glob_regex(pattern: str) -> "re.Pattern[str]":
    """Compile a path glob (``**/templates/**/*.html``) to a regex over relative posix paths."""
    parts: List[str] = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(parts) + r"\Z")


def matches_any(relative: str, globs: Sequence[str]) -> bool:
    """Whether a relative posix path matches one of the globs."""
    return any(glob_regex(glob).match(relative) for glob in globs)


def is_test_path(relative: str, patterns: Sequence[str]) -> bool:
    """Test code: a directory component matches a ``dir/`` pattern, or the file name matches a file pattern."""
    matcher = _path_matcher(tuple(patterns))
    directory, _, filename = relative.rpartition("/")
    return matcher.file(filename, relative) or (bool(directory) and matcher.directory(directory))


class _PathMatcher:
    """`is_test_path`'s patterns compiled once, with every directory's answer remembered."""

    def __init__(self, patterns: Tuple[str, ...]):
        directories = [fnmatch.translate(p[:-1]) for p in patterns if p.endswith("/")]
        files = [fnmatch.translate(p) for p in patterns if not p.endswith("/") and "/" not in p]
        self.directory_names = re.compile("|".join(directories)) if directories else None
        self.file_names = re.compile("|".join(files)) if files else None
        self.globs = [glob_regex(p) for p in patterns if not p.endswith("/") and "/" in p]
        self.directories: Dict[str, bool] = {}

    def file(self, filename: str, relative: str) -> bool:
        if self.file_names is not None and self.file_names.match(filename):
            return True
        return any(glob.match(relative) for glob in self.globs)

    def directory(self, directory: str) -> bool:
        found = self.directories.get(directory)
        if found is None:
            parent, _, name = directory.rpartition("/")
            found = bool(self.directory_names is not None and self.directory_names.match(name))
            found = found or (bool(parent) and self.directory(parent))
            self.directories[directory] = found
        return found


@functools.lru_cache(maxsize=32)
def _path_matcher(patterns: Tuple[str, ...]) -> _PathMatcher:
    return _PathMatcher(patterns)


def module_name(relative: str) -> str:
    """The dotted module name of a Python file relative to the project root (``apps/x/__init__.py`` -> ``apps.x``)."""
    without = relative[:-3] if relative.endswith(".py") else relative
    parts = [part for part in without.split("/") if part not in ("", ".")]
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def file_type(relative: str, settings: "Settings") -> Optional[str]:
    """ "python", "template", "javascript", "ops" (scripts, CI, Dockerfiles), or None for files flaglint does not
    read."""
    if relative.endswith(".py"):
        return "python"
    if settings.ops_globs and _may_match(relative, settings.ops_globs) and _globs_regex(settings.ops_globs).match(
        relative
    ):
        return "ops"
    suffixes = _suffixes(settings.template_globs + settings.javascript_globs)
    if suffixes is not None and not relative.endswith(suffixes):
        return None  # most files of a tree: images, data, docs (one C-level test instead of every glob)
    if matches_any(relative, settings.template_globs):
        return "template"
    if matches_any(relative, settings.javascript_globs):
        return "javascript"
    return None


def _may_match(relative: str, globs: Tuple[str, ...]) -> bool:
    """A quick superset of "some glob matches": the file name has a glob's suffix, name or literal prefix."""
    suffixes, names, prefixes = _name_parts(globs)
    name = relative.rpartition("/")[2]
    return name.endswith(suffixes) or name in names or name.startswith(prefixes)


@functools.lru_cache(maxsize=8)
def _name_parts(globs: Tuple[str, ...]) -> Tuple[Tuple[str, ...], FrozenSet[str], Tuple[str, ...]]:
    """What the globs' last segments say about a file name: ``*.sh`` a suffix, ``Makefile`` a name, and the
    literal start of any other (``Dockerfile.*``: ``Dockerfile.``; ``*`` alone: every name)."""
    suffixes: List[str] = []
    names: List[str] = []
    prefixes: List[str] = []
    for glob in globs:
        last = glob.rpartition("/")[2]
        if not any(mark in last for mark in "*?["):
            names.append(last)
        elif last.startswith("*") and not any(mark in last[1:] for mark in "*?["):
            suffixes.append(last[1:])
        else:
            prefixes.append(re.split(r"[*?\[]", last, maxsplit=1)[0])
    return tuple(suffixes), frozenset(names), tuple(prefixes)


@functools.lru_cache(maxsize=8)
def _globs_regex(globs: Tuple[str, ...]) -> "re.Pattern[str]":
    """One regex for several globs (a single match per file, however many globs)."""
    return re.compile("|".join(f"(?:{glob_regex(glob).pattern})" for glob in globs))


@functools.lru_cache(maxsize=8)
def _suffixes(globs: Tuple[str, ...]) -> Optional[Tuple[str, ...]]:
    """The suffixes every glob requires (``**/templates/**/*.html`` -> ``.html``), or None when one has none."""
    found = []
    for glob in globs:
        last = glob.rpartition("/")[2]
        if not last.startswith("*") or any(mark in last[1:] for mark in "*?[]"):
            return None
        found.append(last[1:])
    return tuple(found)


def display(path: str, here: Optional[str] = None) -> str:
    """A path relative to the current directory (`here`, when the caller knows it) with ``/`` separators."""
    here = here or os.getcwd()
    if path.startswith(here + os.sep) and "/." not in path:  # already absolute and normal: the common case
        return path[len(here) + 1 :].replace(os.sep, "/")
    absolute = os.path.abspath(path)
    if absolute.startswith(here + os.sep):
        return absolute[len(here) + 1 :].replace(os.sep, "/")
    try:
        relative = os.path.relpath(absolute, here)
    except ValueError:
        relative = absolute
    return relative.replace(os.sep, "/")


def relative_to(path: str, root: str) -> str:
    """`path` relative to `root` with ``/`` separators (its absolute path, stripped of ``/``, when outside)."""
    if path.startswith(root + os.sep):
        return path[len(root) + 1 :].replace(os.sep, "/")
    relative = os.path.relpath(path, root)
    if relative.startswith(".."):
        relative = os.path.abspath(path).lstrip("/")
    return relative.replace(os.sep, "/")


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
