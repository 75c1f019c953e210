"""Discovery, the scan's first stage: which files make up "the project", each stat'ed once, and what was skipped.

Inside a git work tree git says (``git ls-files``); elsewhere a walk that honours ``.gitignore`` files. Nothing is
passed over silently: links out of the scanned paths, submodules not checked out and unreadable directories are
reported, and while there are any no name is called safe to delete.
"""

from __future__ import annotations

import fnmatch
import os
import re
import stat
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from flaglint.config import DEFAULT_EXCLUDE, Settings
from flaglint.model import FileProblem
from flaglint.paths import display, file_type, glob_regex, relative_to

if TYPE_CHECKING:  # pragma: no cover
    from pathspec import GitIgnoreSpec


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
class DiscoveredFile:
    """One file of the project that flaglint reads, with its type and its stat signature."""

    absolute: str
    relative: str
    """Relative to the project root, ``/`` separators."""
    kind: str
    """"python", "template", "javascript" or "ops" (scripts, Makefiles, Dockerfiles, CI files)."""
    signature: Tuple[int, int, int]
    """(mtime in ns, size, inode): equal means unchanged, without reading the file."""


@dataclass(frozen=True)
class Discovered:
    """The files of the project, and the places passed over with a reason (never silently)."""

    files: Tuple[DiscoveredFile, ...]
    """In a stable order (by relative path)."""
    skipped: Tuple[FileProblem, ...] = ()
    """FL004 for directories not scanned (links out of the scanned paths, submodules not checked out), FL001 for
    directories and files that cannot be read: while there are any, no name can be called safe to delete."""


def signature(status: os.stat_result) -> Tuple[int, int, int]:
    """The stat fields that change whenever a file's content can have changed."""
    return (status.st_mtime_ns, status.st_size, status.st_ino)


def discover(paths: Sequence[str], settings: Settings) -> Discovered:
    """What users mean by "the project" under `paths`.

    Inside a git work tree: the tracked files plus the untracked ones git does not ignore (``git ls-files``, so
    every ``.gitignore``, ``.git/info/exclude`` and the global excludes apply), submodules and nested repositories
    included. Elsewhere: a walk that honours ``.gitignore`` files, nested ones included (matched with `pathspec`).
    Configured and built-in excludes apply on top. A file named explicitly is always taken. A symbolic link to a
    directory is not followed: when its target lies inside the scanned paths its files are scanned there, else
    it is reported (FL004), as is a submodule that is not checked out and a directory that cannot be read.
    """
    excluder = _Excluder(tuple(DEFAULT_EXCLUDE) + tuple(settings.exclude))
    root = os.path.abspath(settings.root)
    starts = [os.path.abspath(given) for given in paths]
    found: Dict[str, DiscoveredFile] = {}
    skipped: List[FileProblem] = []
    pending: List[Tuple[str, str, bool]] = []  # (start, absolute path, listed by git) of entries to classify
    for start in starts:
        if os.path.isfile(start):
            _take(start, relative_to(start, root), settings, found, skipped, explicit=True)
            continue
        if not os.path.isdir(start):
            skipped.append(FileProblem(display(start), "cannot read: no such file or directory"))
            continue
        pending.extend((start, entry, by_git) for entry, by_git in _listing(start, skipped))
    seen_directories: Set[str] = set()
    while pending:
        start, absolute, by_git = pending.pop()
        if absolute in found:
            continue
        if absolute.endswith(os.sep):  # a directory: a submodule, a nested repository, a link
            if excluder.excluded(relative_to(absolute, start)):
                continue
            directory = absolute.rstrip(os.sep)
            if directory in seen_directories:
                continue
            seen_directories.add(directory)
            if os.path.islink(directory):
                _linked_directory(directory, starts, skipped)
            elif os.path.exists(os.path.join(directory, ".git")):
                pending.extend((start, entry, git) for entry, git in _listing(directory, skipped))
            elif _has_entries(directory):
                pending.extend((start, entry, False) for entry in _walk(directory, skipped))
            else:
                message = "not scanned: a git submodule that is not checked out"
                skipped.append(FileProblem(display(directory), message, code="FL004"))
            continue
        relative = relative_to(absolute, root)
        kind = file_type(relative, settings)
        if kind is None and not (by_git and _may_be_directory(relative)):
            continue  # a walk tells directories apart itself; git lists links and submodules among the files
        if excluder.excluded(relative if start == root else relative_to(absolute, start)):
            continue
        directory_entry = _take(absolute, relative, settings, found, skipped, explicit=False, kind=kind, starts=starts)
        if directory_entry:
            pending.append((start, absolute + os.sep, by_git))
    files = tuple(sorted(found.values(), key=lambda f: f.relative))
    return Discovered(files, tuple(sorted(set(skipped), key=lambda p: (p.path, p.message))))


def _take(
    absolute: str,
    relative: str,
    settings: Settings,
    found: Dict[str, DiscoveredFile],
    skipped: List[FileProblem],
    *,
    explicit: bool,
    kind: Optional[str] = None,
    starts: Sequence[str] = (),
) -> bool:
    """Stat one entry and keep it when flaglint reads its type; True when it is a directory to look into."""
    if explicit:
        kind = file_type(relative, settings) or ("python" if relative.endswith(".py") else None)
    try:
        status = os.stat(absolute)
    except FileNotFoundError:
        return False  # listed by git, deleted in the work tree (or a dangling link)
    except OSError as error:
        skipped.append(FileProblem(display(absolute), f"cannot read: {error.strerror or error}"))
        return False
    if stat.S_ISDIR(status.st_mode):
        if os.path.islink(absolute):
            _linked_directory(absolute, starts, skipped)
            return False
        return not explicit  # a submodule git lists as one entry
    if kind is None or not stat.S_ISREG(status.st_mode):
        return False  # a file flaglint does not read, or a FIFO, a socket, a device
    found[absolute] = DiscoveredFile(absolute, relative, kind, signature(status))
    return False


def _may_be_directory(relative: str) -> bool:
    """Entries without a file type worth a stat: git lists submodules and links to directories as entries."""
    name = relative.rpartition("/")[2]
    return "." not in name or not name.rpartition(".")[2].isalpha()


def _has_entries(directory: str) -> bool:
    try:
        with os.scandir(directory) as entries:
            return any(True for _ in entries)
    except OSError:
        return False


def _linked_directory(link: str, starts: Sequence[str], skipped: List[FileProblem]) -> None:
    """A symbolic link to a directory: fine when its target is scanned anyway, else reported (FL004)."""
    target = os.path.realpath(link)
    real_starts = [os.path.realpath(start) for start in starts]
    if any(target == start or target.startswith(start + os.sep) for start in real_starts):
        return
    shown = display(target)
    skipped.append(
        FileProblem(
            display(link),
            f"not scanned: a symbolic link to a directory outside the scanned paths ({shown}); "
            "add the target to `paths`, or `exclude` the link",
            code="FL004",
        )
    )


def _listing(directory: str, skipped: List[FileProblem]) -> List[Tuple[str, bool]]:
    """Absolute paths of the entries under `directory` and whether git listed them (else a walk found them)."""
    listed = _git_files(directory)
    if listed is not None:
        return [(entry, True) for entry in listed]
    return [(entry, False) for entry in _walk(directory, skipped)]


def _git_files(directory: str) -> Optional[List[str]]:
    """Tracked and unignored untracked entries under `directory`, or None outside a git work tree.

    Submodules and nested repositories come back as ``path/`` (a trailing separator): they are listed in turn.
    """
    try:
        result = subprocess.run(
            ["git", "-C", directory, "ls-files", "-z", "--stage", "--others", "--exclude-standard"],
            capture_output=True,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    prefix = directory.rstrip(os.sep) + os.sep
    names: Dict[str, None] = {}
    for entry in result.stdout.decode("utf-8", errors="surrogateescape").split("\0"):
        tab = entry.find("\t")
        if tab < 0:  # an untracked file (``--others`` prints no stage), a directory (``name/``), the end
            if entry:
                names[prefix + entry] = None
        elif entry.startswith("160000"):
            names[prefix + entry[tab + 1 :] + "/"] = None  # a submodule
        else:
            names[prefix + entry[tab + 1 :]] = None
    if os.sep != "/":  # pragma: no cover - Windows
        return [name.replace("/", os.sep) for name in names]
    return list(names)


def _walk(start: str, skipped: List[FileProblem]) -> Iterator[str]:
    """Every file under `start` that no ``.gitignore`` on the way ignores; links to directories as entries."""
    stack: List[Tuple[str, Tuple[Tuple[str, "GitIgnoreSpec"], ...]]] = [(start, ())]
    while stack:
        directory, inherited = stack.pop()
        spec = _gitignore(directory)
        ignores = inherited + ((directory, spec),) if spec is not None else inherited
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            skipped.append(FileProblem(display(directory), f"cannot read directory: {error.strerror or error}"))
            continue
        subdirectories = []
        for entry in entries:
            full = entry.path
            try:
                is_link = entry.is_symlink()
                is_directory = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_link = is_directory = False
            if is_directory or (is_link and os.path.isdir(full)):
                if entry.name == ".git" or (ignores and _ignored(full, True, ignores)):
                    continue
                if is_link:
                    yield full + os.sep  # classified by the caller
                elif not os.path.exists(os.path.join(full, "pyvenv.cfg")):
                    subdirectories.append((full, ignores))
            elif not (ignores and _ignored(full, False, ignores)):
                yield full
        stack.extend(reversed(subdirectories))


def _gitignore(directory: str) -> Optional["GitIgnoreSpec"]:
    import pathspec  # only outside git work trees

    path = os.path.join(directory, ".gitignore")
    if not os.path.isfile(path):
        return None
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return pathspec.GitIgnoreSpec.from_lines(handle.read().splitlines())
    except OSError:
        return None


def _ignored(path: str, is_directory: bool, ignores: Sequence[Tuple[str, "GitIgnoreSpec"]]) -> bool:
    """Gitignore semantics across nested files: the deepest file with a matching pattern decides."""
    decision = False
    for directory, spec in ignores:
        relative = os.path.relpath(path, directory).replace(os.sep, "/") + ("/" if is_directory else "")
        result = spec.check_file(relative)
        if result.include is not None:
            decision = bool(result.include)
    return decision
