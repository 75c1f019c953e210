"""Which files make up "the project", and what each one is: Python, a template, JavaScript, test code.

Globs use ``**`` for any number of directories and ``*`` within one path segment; paths are relative, with
``/`` separators.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
import subprocess
from dataclasses import dataclass
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

from flaglint.config import DEFAULT_EXCLUDE, Settings
from flaglint.types import FileProblem


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


def file_type(relative: str, settings: Settings) -> Optional[str]:
    """ "python", "template", "javascript", or None for files flaglint does not read."""
    if relative.endswith(".py"):
        return "python"
    if matches_any(relative, settings.template_globs):
        return "template"
    if matches_any(relative, settings.javascript_globs):
        return "javascript"
    return None


class _Excluder:
    """Exclude patterns, compiled once: names (``node_modules``, ``*.min.js``) and path globs (``vendor/**``).

    Decisions for directories are remembered, so a deep tree costs one check per directory, not per file.
    """

    def __init__(self, patterns: Sequence[str]):
        names = [fnmatch.translate(p) for p in patterns if "/" not in p]
        self.names = re.compile("|".join(names)) if names else None
        self.globs = [glob_regex(p.strip("/")) for p in patterns if "/" in p]
        self.directories: Dict[str, bool] = {}

    def _one(self, name: str, relative: str) -> bool:
        if self.names is not None and self.names.match(name):
            return True
        return any(glob.match(relative) for glob in self.globs)

    def excluded(self, relative: str) -> bool:
        """Whether the path or any directory above it is excluded."""
        directory, _, name = relative.rpartition("/")
        if directory and self.directory(directory):
            return True
        return self._one(name, relative)

    def directory(self, relative: str) -> bool:
        found = self.directories.get(relative)
        if found is None:
            parent, _, name = relative.rpartition("/")
            found = (bool(parent) and self.directory(parent)) or self._one(name, relative)
            self.directories[relative] = found
        return found


@dataclass(frozen=True)
class Discovered:
    """The files of the project, and the ones passed over with a reason."""

    files: Tuple[Tuple[str, str], ...]
    """(absolute path, path relative to the project root) in a stable order."""
    skipped: Tuple[FileProblem, ...] = ()


def discover(paths: Sequence[str], settings: Settings) -> Discovered:
    """What users mean by "the project" under `paths`.

    Inside a git work tree: the tracked files plus the untracked ones git does not ignore (``git ls-files``, so
    every ``.gitignore``, ``.git/info/exclude`` and the global excludes apply). Elsewhere: a walk that honours
    ``.gitignore`` files, nested ones included (matched with `pathspec`). Configured and built-in excludes apply
    on top. A file named explicitly is always taken. Symbolic links to directories are not followed.
    """
    excluder = _Excluder(tuple(DEFAULT_EXCLUDE) + tuple(settings.exclude))
    root = os.path.abspath(settings.root)
    found: Dict[str, str] = {}
    skipped: List[FileProblem] = []
    for given in paths:
        start = os.path.abspath(given)
        if os.path.isfile(start):
            found.setdefault(start, _relative(start, root))
            continue
        listed = _git_files(start)
        candidates = listed if listed is not None else _walk(start, skipped)
        for absolute in candidates:
            if absolute in found or excluder.excluded(_relative(absolute, start)):
                continue
            # git may list a deleted file, a submodule or a link to a directory: the scan's stat sorts them out
            found[absolute] = _relative(absolute, root)
    files = tuple(sorted(found.items(), key=lambda item: item[1]))
    return Discovered(files, tuple(skipped))


def _git_files(directory: str) -> Optional[List[str]]:
    """Tracked and unignored untracked files under `directory`, or None outside a git work tree."""
    try:
        result = subprocess.run(
            ["git", "-C", directory, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            capture_output=True,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    names = result.stdout.decode("utf-8", errors="surrogateescape").split("\0")
    unique = dict.fromkeys(name for name in names if name)
    return [os.path.join(directory, name) for name in unique]


def _walk(start: str, skipped: List[FileProblem]) -> Iterator[str]:
    """Every file under `start` that no ``.gitignore`` on the way ignores; no symlinked directories, no loops."""
    ignores: List[Tuple[str, Any]] = []  # (directory, spec), shallow to deep
    for directory, subdirectories, files in os.walk(start):
        while ignores and not (directory + os.sep).startswith(ignores[-1][0] + os.sep):
            ignores.pop()
        spec = _gitignore(directory)
        if spec is not None:
            ignores.append((directory, spec))
        keep = []
        for sub in sorted(subdirectories):
            full = os.path.join(directory, sub)
            if sub == ".git" or _ignored(full, True, ignores):
                continue
            if os.path.islink(full):
                skipped.append(FileProblem(display(full), "skipped: symbolic link to a directory"))
                continue
            if os.path.exists(os.path.join(full, "pyvenv.cfg")):
                continue
            keep.append(sub)
        subdirectories[:] = keep
        for name in sorted(files):
            full = os.path.join(directory, name)
            if not _ignored(full, False, ignores):
                yield full


def _gitignore(directory: str) -> Any:
    import pathspec  # only outside git work trees

    path = os.path.join(directory, ".gitignore")
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return pathspec.GitIgnoreSpec.from_lines(handle.read().splitlines())
    except OSError:
        return None


def _ignored(path: str, is_directory: bool, ignores: Sequence[Tuple[str, Any]]) -> bool:
    """Gitignore semantics across nested files: the deepest file with a matching pattern decides."""
    decision = False
    for directory, spec in ignores:
        relative = os.path.relpath(path, directory).replace(os.sep, "/") + ("/" if is_directory else "")
        result = spec.check_file(relative)
        if result.include is not None:
            decision = bool(result.include)
    return decision


def display(path: str) -> str:
    """A path relative to the current directory with ``/`` separators (absolute when on another drive)."""
    absolute = os.path.abspath(path)
    here = os.getcwd()
    if absolute.startswith(here + os.sep):
        return absolute[len(here) + 1 :].replace(os.sep, "/")
    try:
        relative = os.path.relpath(absolute, here)
    except ValueError:
        relative = absolute
    return relative.replace(os.sep, "/")


def _relative(path: str, root: str) -> str:
    if path.startswith(root + os.sep):
        return path[len(root) + 1 :].replace(os.sep, "/")
    relative = os.path.relpath(path, root)
    if relative.startswith(".."):
        relative = os.path.abspath(path).lstrip("/")
    return relative.replace(os.sep, "/")
