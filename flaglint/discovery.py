"""Which files make up "the project", and what each one is: Python, a template, JavaScript, test code.

Globs use ``**`` for any number of directories and ``*`` within one path segment; paths are relative, with
``/`` separators.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from typing import Iterator, List, Optional, Sequence, Tuple

from flaglint.config import DEFAULT_EXCLUDE, Settings


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
    *directories, filename = relative.split("/")
    for pattern in patterns:
        if pattern.endswith("/"):
            if any(fnmatch.fnmatchcase(part, pattern[:-1]) for part in directories):
                return True
        elif "/" in pattern:
            if glob_regex(pattern).match(relative):
                return True
        elif fnmatch.fnmatchcase(filename, pattern):
            return True
    return False


def module_name(relative: str) -> str:
    """The dotted module name of a Python file relative to the project root (``apps/x/__init__.py`` -> ``apps.x``)."""
    without = relative[:-3] if relative.endswith(".py") else relative
    parts = [part for part in without.split("/") if part not in ("", ".")]
    if parts and parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def file_type(relative: str, settings: Settings) -> Optional[str]:
    """ "python", "template", "javascript", or None for files flaglint does not read."""
    if relative.endswith(".py"):
        return "python"
    if matches_any(relative, settings.template_globs):
        return "template"
    if matches_any(relative, settings.javascript_globs):
        return "javascript"
    return None


def _excluded(name: str, relative: str, excludes: Sequence[str]) -> bool:
    for pattern in excludes:
        if "/" in pattern:
            if glob_regex(pattern.strip("/")).match(relative):
                return True
        elif fnmatch.fnmatchcase(name, pattern):
            return True
    return False


def discover(paths: Sequence[str], settings: Settings) -> Iterator[Tuple[str, str]]:
    """(absolute path, path relative to the project root) of every file under `paths`, excludes applied.

    Symbolic links to directories are not followed (no loops); virtual environments are skipped.
    """
    excludes = tuple(DEFAULT_EXCLUDE) + tuple(settings.exclude)
    root = os.path.abspath(settings.root)
    seen = set()
    for given in paths:
        start = os.path.abspath(given)
        if os.path.isfile(start):
            if start not in seen:
                seen.add(start)
                yield start, _relative(start, root)
            continue
        for directory, subdirectories, files in os.walk(start):
            relative_directory = _relative(directory, root)
            keep = []
            for sub in sorted(subdirectories):
                full = os.path.join(directory, sub)
                relative = f"{relative_directory}/{sub}" if relative_directory != "." else sub
                if os.path.islink(full) or _excluded(sub, relative, excludes):
                    continue
                if os.path.exists(os.path.join(full, "pyvenv.cfg")):
                    continue
                keep.append(sub)
            subdirectories[:] = keep
            for name in sorted(files):
                full = os.path.join(directory, name)
                relative = f"{relative_directory}/{name}" if relative_directory != "." else name
                if full in seen or _excluded(name, relative, excludes):
                    continue
                seen.add(full)
                yield full, relative


def _relative(path: str, root: str) -> str:
    relative = os.path.relpath(path, root)
    if relative.startswith(".."):
        relative = os.path.abspath(path).lstrip("/")
    return relative.replace(os.sep, "/")
