"""The content cache in ``.flaglint_cache/``: what each file yielded, keyed by its content.

One pickle per (flaglint version, settings that affect collection) holds a record per file: its stat signature
(the fast path: an unchanged file is not even re-read), its content digest (a touched but unchanged file is not
re-collected), and what collecting it produced. Writes go to a temporary file renamed into place, so two runs
sharing the cache never see a torn file (the last writer wins); an unreadable cache is ignored. The cache holds
records for the files of the last run only and keeps at most `MAX_GENERATIONS` settings keys, so it stays bounded.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import dataclass, field
from typing import Any, Dict, Optional, Tuple

from flaglint import __version__
from flaglint.types import Kind

CACHE_DIRECTORY = ".flaglint_cache"
MAX_GENERATIONS = 4
_FORMAT = 2


@dataclass
class FileRecord:
    """What one file yielded; `payloads` maps a collection variant (module, test flag, catalogue) to its result."""

    signature: Tuple[int, int, int]
    """(mtime in ns, size, inode): equal means unchanged, without reading the file."""
    digest: str
    candidate: bool
    """Whether the bytes hold a word that can start a reference (the prefilter)."""
    labels: Tuple[Tuple[str, Kind], ...] = ()
    suppressions: Tuple[Any, ...] = ()
    payloads: Dict[str, Any] = field(default_factory=dict)
    extra_tokens: Dict[str, bool] = field(default_factory=dict)
    """Prefilter answers for words found later in the run (re-exports, project model names)."""


def signature(stat: os.stat_result) -> Tuple[int, int, int]:
    """The stat fields that change whenever a file's content can have changed."""
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def digest(data: bytes) -> str:
    """A content key."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Cache:
    """Records by display path, loaded at the start of a run and saved at its end."""

    def __init__(self, directory: Optional[str], key: str):
        self.directory = directory
        self.key = key
        self.records: Dict[str, FileRecord] = {}
        self.used: Dict[str, FileRecord] = {}
        self.results: Dict[str, Any] = {}
        """Project-wide results keyed by what they depend on (the derived APIs of a set of file contents)."""
        self.dirty = False
        self._loaded = directory is None

    @classmethod
    def disabled(cls) -> "Cache":
        """A cache that remembers nothing (``--no-cache``)."""
        return cls(None, "")

    @property
    def path(self) -> Optional[str]:
        """The pickle this run reads and writes."""
        if self.directory is None:
            return None
        return os.path.join(self.directory, f"v{_FORMAT}", f"{self.key}.pickle")

    def _ensure(self) -> None:
        """Read the records on first use (a run answered from the result file never needs them)."""
        if not self._loaded:
            self._loaded = True
            self._load()

    def lookup(self, shown: str, stat_signature: Tuple[int, int, int]) -> Optional[FileRecord]:
        """The record of an unchanged file (same stat signature), or None."""
        self._ensure()
        record = self.records.get(shown)
        if record is not None and record.signature == stat_signature:
            self.used[shown] = record
            return record
        return None

    def by_digest(self, shown: str, content_digest: str, stat_signature: Tuple[int, int, int]) -> Optional[FileRecord]:
        """The record of a touched file whose content did not change, refreshed with its new signature."""
        self._ensure()
        record = self.records.get(shown)
        if record is not None and record.digest == content_digest:
            record.signature = stat_signature
            self.used[shown] = record
            self.dirty = True
            return record
        return None

    def store(self, shown: str, record: FileRecord) -> None:
        """Remember a new or changed record."""
        self.used[shown] = record
        self.dirty = True

    def remember(self, key: str, value: Any) -> None:
        """Keep a project-wide result (only the latest one per kind of key is kept)."""
        self._ensure()
        self.results = {key: value}
        self.dirty = True

    def save(self) -> None:
        """Write the records of this run's files (atomically), and drop old generations."""
        path = self.path
        if path is None or not self._loaded or (not self.dirty and len(self.used) == len(self.records)):
            return
        # Records of files this run did not look at (a scan of a subdirectory) stay while their files exist.
        kept = {shown: r for shown, r in self.records.items() if shown not in self.used and os.path.exists(shown)}
        kept.update(self.used)
        directory = os.path.dirname(path)
        try:
            os.makedirs(directory, exist_ok=True)
            _mark(self.directory or "")
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".pickle")
            with os.fdopen(handle, "wb") as out:
                pickle.dump((_FORMAT, __version__, kept, self.results), out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
            _prune(directory, keep=path)
        except OSError:
            return  # a read-only checkout still works, only slower

    def _load(self) -> None:
        path = self.path
        if path is None:
            return
        try:
            with open(path, "rb") as handle:
                loaded = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
            return
        if isinstance(loaded, tuple) and len(loaded) == 4 and loaded[:2] == (_FORMAT, __version__):
            records, results = loaded[2], loaded[3]
            if isinstance(records, dict) and isinstance(results, dict):
                self.records = records
                self.results = results


def _mark(directory: str) -> None:
    """A ``.gitignore`` (like pytest's and ruff's caches) and a CACHEDIR.TAG in the cache directory."""
    ignore = os.path.join(directory, ".gitignore")
    if not os.path.exists(ignore):
        with open(ignore, "w", encoding="utf-8") as handle:
            handle.write("# Created by flaglint automatically.\n*\n")
    tag = os.path.join(directory, "CACHEDIR.TAG")
    if not os.path.exists(tag):
        with open(tag, "w", encoding="utf-8") as handle:
            handle.write("Signature: 8a477f597d28d172789f06886806bc55\n")
            handle.write("# This file is a cache directory tag created by flaglint; see https://bford.info/cachedir/\n")


def _prune(directory: str, keep: str) -> None:
    """Keep the newest `MAX_GENERATIONS` cache files (settings keys), and no stale temporary files."""
    entries = []
    for name in os.listdir(directory):
        full = os.path.join(directory, name)
        try:
            entries.append((os.stat(full).st_mtime, full, name))
        except OSError:
            continue
    pickles = sorted((e for e in entries if not e[2].startswith(".tmp-") and e[2] != "last-run.pickle"), reverse=True)
    for _, full, _ in pickles[MAX_GENERATIONS:]:
        if full != keep:
            _remove(full)
    for mtime, full, name in entries:
        if name.startswith(".tmp-") and mtime < max((e[0] for e in entries), default=0) - 3600:
            _remove(full)


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def read_result(directory: str, key: str) -> Any:
    """The last run's whole answer if it was computed for `key`, else None (see `write_result`)."""
    try:
        with open(os.path.join(directory, f"v{_FORMAT}", "last-run.pickle"), "rb") as handle:
            loaded = pickle.load(handle)
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError, TypeError):
        return None
    if isinstance(loaded, tuple) and len(loaded) == 3 and loaded[:2] == (__version__, key):
        return loaded[2]
    return None


def write_result(directory: str, key: str, value: Any) -> None:
    """Keep a run's whole answer under a key of everything it depends on (atomic, like the records)."""
    folder = os.path.join(directory, f"v{_FORMAT}")
    try:
        os.makedirs(folder, exist_ok=True)
        _mark(directory)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".pickle")
        with os.fdopen(handle, "wb") as out:
            pickle.dump((__version__, key, value), out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, os.path.join(folder, "last-run.pickle"))
    except OSError:
        return
