"""The content cache: what each file yielded, keyed by its content, in one SQLite database of plain columns.

Data, never code: every value is JSON written by `flaglint.scan.codec` and validated when it is read back (a value of
the wrong shape is ignored, with one note). The database is trusted only where this machine wrote it: it records
its own device and inode when it is created, and a copy (a cache committed to a repository, restored by CI, or
planted) has other ones, so it is discarded and rebuilt instead of being believed. No link is ever followed, into
the cache directory or out of it; clean-up only ever touches rows of the database and the files it created.

Per file: its stat signature (the fast path: an unchanged file is not even re-read), its content digest (a touched
but unchanged file is not re-collected) and what collecting it produced, by settings generation (at most
`MAX_GENERATIONS` are kept). Writes are transactions, so two runs sharing the cache never see a torn record; a
busy or unwritable cache only makes the run slower.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, KeysView, List, Mapping, Optional, Tuple, Type, cast

from flaglint import __version__
from flaglint.scan.codec import CodecError, decode, encode
from flaglint.model import JsonValue, Kind, Suppression

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

_LABELS = Tuple[Tuple[str, Kind], ...]
_SUPPRESSIONS = Tuple[Suppression, ...]

CACHE_DIRECTORY = ".flaglint_cache"
CACHE_ENVIRONMENT = "FLAGLINT_CACHE_DIR"
MAX_GENERATIONS = 4
_FORMAT = 4
FOLDER = f"v{_FORMAT}"
"""The cache directory's subfolder for this format (older formats' folders are left alone, never read)."""
_DATABASE = "cache.sqlite3"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS files (generation TEXT NOT NULL, path TEXT NOT NULL, mtime_ns INTEGER NOT NULL,"
    " size INTEGER NOT NULL, inode INTEGER NOT NULL, digest TEXT NOT NULL, head TEXT NOT NULL, payloads TEXT NOT NULL,"
    " PRIMARY KEY (generation, path))",
    "CREATE TABLE IF NOT EXISTS results (generation TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " PRIMARY KEY (generation, key))",
    "CREATE TABLE IF NOT EXISTS generations (generation TEXT PRIMARY KEY, used INTEGER NOT NULL)",
)


class _Encoded:
    """A stored payload not decoded yet (most records of a run are never looked into)."""

    __slots__ = ("data", "expected")

    def __init__(self, data: JsonValue, expected: object):
        self.data = data
        self.expected = expected


class Payloads(Dict[str, object]):
    """A record's payloads by collection variant; stored ones are decoded (and checked) on first access.

    A record read from the database keeps its payloads' JSON text until something asks about them: most records
    of a run are never looked into (the answer for a file that cannot hold a reference is its prefilter's).
    """

    def __init__(self, raw: Optional[str] = None, types: Optional[Callable[[str], object]] = None) -> None:
        super().__init__()
        self._raw = raw
        self._types = types

    def _materialize(self) -> None:
        raw = getattr(self, "_raw", None)  # unpickling sets the items before the attributes
        if raw is None:
            return
        self._raw = None
        if self._types is None:
            return
        try:
            stored = json.loads(raw)
        except ValueError:
            return
        if isinstance(stored, dict):
            for variant, value in stored.items():
                expected = self._types(variant)
                if expected is not None:
                    super().__setitem__(variant, _Encoded(value, expected))

    def __contains__(self, key: object) -> bool:
        self._materialize()
        return super().__contains__(key)

    def __iter__(self) -> Iterator[str]:
        self._materialize()
        return super().__iter__()

    def __len__(self) -> int:
        self._materialize()
        return super().__len__()

    def keys(self) -> KeysView[str]:  # type: ignore[override]
        self._materialize()
        return super().keys()

    def update(self, *others: Any, **more: object) -> None:
        self._materialize()
        super().update(*others, **more)

    def __reduce__(self) -> Tuple[object, ...]:
        """Between processes: the decoded payloads, as a plain mapping."""
        self._materialize()
        return (Payloads, (), None, None, iter(dict(super().items()).items()))

    def __setitem__(self, key: str, value: object) -> None:
        self._materialize()
        super().__setitem__(key, value)

    def stored(self) -> Dict[str, JsonValue]:
        """The payloads as the database keeps them (decoded ones encoded again)."""
        self._materialize()
        found: Dict[str, JsonValue] = {}
        for variant, value in super().items():
            found[variant] = value.data if isinstance(value, _Encoded) else encode(value)
        return found

    def __getitem__(self, key: str) -> object:
        self._materialize()
        value = super().__getitem__(key)
        if isinstance(value, _Encoded):
            try:
                value = decode(value.data, value.expected)
            except CodecError:
                super().__delitem__(key)
                raise KeyError(key) from None
            super().__setitem__(key, value)
        return value

    def get(self, key: str, default: object = None) -> object:
        try:
            return self[key]
        except KeyError:
            return default


@dataclass
class FileRecord:
    """What one file yielded; `payloads` maps a collection variant (module, test flag, catalogue) to its result."""

    signature: Tuple[int, int, int]
    """(mtime in ns, size, inode): equal means unchanged, without reading the file."""
    digest: str
    candidate: bool
    """Whether the bytes hold a word that can start a reference (the prefilter)."""
    labels: Tuple[Tuple[str, Kind], ...] = ()
    suppressions: Tuple[Suppression, ...] = ()
    payloads: Payloads = field(default_factory=Payloads)
    extra_tokens: Dict[str, bool] = field(default_factory=dict)
    """Prefilter answers for words found later in the run (re-exports, project model names)."""


def signature(status: os.stat_result) -> Tuple[int, int, int]:
    """The stat fields that change whenever a file's content can have changed."""
    return (status.st_mtime_ns, status.st_size, status.st_ino)


def digest(data: bytes) -> str:
    """A content key."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def cache_directory(root: str, configured: Optional[str] = None) -> str:
    """Where the cache lives: `configured` (``--cache-dir``), else ``$FLAGLINT_CACHE_DIR``, else under the root.

    A directory given by the option or the environment holds the caches of many projects, one folder each.
    """
    chosen = configured or os.environ.get(CACHE_ENVIRONMENT)
    if not chosen:
        return os.path.join(root, CACHE_DIRECTORY)
    project = hashlib.blake2b(os.path.abspath(root).encode("utf-8", "surrogateescape"), digest_size=8).hexdigest()
    return os.path.join(os.path.abspath(chosen), f"{os.path.basename(os.path.abspath(root)) or 'root'}-{project}")


class Cache:
    """Records by display path, loaded at the start of a run and saved at its end."""

    def __init__(self, directory: Optional[str], key: str, payload_types: Mapping[str, object] = {}):
        self.directory = directory
        self.key = key
        self.payload_types = dict(payload_types)
        """The type of each payload variant's value, by the variant's prefix (``py|``, ``template|`` ...)."""
        self.records: Dict[str, FileRecord] = {}
        self.used: Dict[str, FileRecord] = {}
        self.changed: Dict[str, FileRecord] = {}
        self.results: Dict[str, object] = {}
        """Project-wide results keyed by what they depend on (the derived APIs of a set of file contents)."""
        self.dirty_results = False
        self.notes: List[str] = []
        """Why the cache was not used (a link, a copied database, a value of the wrong shape): told once."""
        self._loaded = directory is None
        self._database: Optional["sqlite3.Connection"] = None

    @classmethod
    def disabled(cls) -> "Cache":
        """A cache that remembers nothing (``--no-cache``)."""
        return cls(None, "")

    @property
    def path(self) -> Optional[str]:
        """The database this run reads and writes."""
        if self.directory is None:
            return None
        return os.path.join(self.directory, FOLDER, _DATABASE)

    # --- records ---

    def _ensure(self) -> None:
        """Read the records on first use (a run answered from the remembered answer never needs them)."""
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
            self.changed[shown] = record
            return record
        return None

    def store(self, shown: str, record: FileRecord) -> None:
        """Remember a new or changed record."""
        self.used[shown] = record
        self.changed[shown] = record

    def remember(self, key: str, value: object) -> None:
        """Keep a project-wide result (only the latest one per generation is kept)."""
        self._ensure()
        self.results = {key: value}
        self.dirty_results = True

    def result(self, key: str, expected: object) -> object:
        """A project-wide result remembered under `key`, or None."""
        self._ensure()
        value = self.results.get(key)
        if isinstance(value, _Encoded):
            try:
                value = decode(value.data, expected)
            except CodecError as error:
                self._note(f"a stored result has the wrong shape ({error}): recomputed")
                return None
            self.results[key] = value
        return value

    # --- the remembered answer of the last run (the warm path) ---

    def read_answer(self, key: str, expected: object) -> object:
        """The last run's whole answer if it was computed for `key`, else None."""
        database = self._open()
        if database is None:
            return None
        try:
            row = database.execute(
                "SELECT value FROM results WHERE generation = ? AND key = ?", ("answer", key)
            ).fetchone()
        except _errors() as error:
            self._note(f"cannot read the cache: {error}")
            return None
        if row is None:
            return None
        try:
            return decode(json.loads(row[0]), expected)
        except (CodecError, ValueError) as error:
            self._note(f"the remembered answer has the wrong shape ({error}): recomputed")
            return None

    def write_answer(self, key: str, value: object) -> None:
        """Keep a run's whole answer under a key of everything it depends on."""
        database = self._open(create=True)
        if database is None:
            return
        text = json.dumps(encode(value), separators=(",", ":"), ensure_ascii=False)
        try:
            with database:
                database.execute("DELETE FROM results WHERE generation = 'answer'")
                database.execute("INSERT INTO results VALUES ('answer', ?, ?)", (key, text))
        except _errors():
            return

    # --- the database ---

    def save(self) -> None:
        """Write the records that changed in this run, forget files that are gone, drop old generations."""
        if self.directory is None or not self._loaded:
            return
        gone = [shown for shown in self.records if shown not in self.used and not os.path.exists(shown)]
        if not self.changed and not gone and not self.dirty_results:
            return
        database = self._open(create=True)
        if database is None:
            return
        rows = []
        for shown, record in self.changed.items():
            head, payloads = _record_data(record)
            rows.append((self.key, shown, *record.signature, record.digest, json.dumps(head), json.dumps(payloads)))
        try:
            with database:
                database.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
                forgotten = [(self.key, shown) for shown in gone]
                database.executemany("DELETE FROM files WHERE generation = ? AND path = ?", forgotten)
                if self.dirty_results:
                    database.execute("DELETE FROM results WHERE generation = ?", (self.key,))
                    for key, value in self.results.items():
                        data = json.dumps(value.data if isinstance(value, _Encoded) else encode(value))
                        database.execute("INSERT INTO results VALUES (?, ?, ?)", (self.key, key, data))
                database.execute("INSERT OR REPLACE INTO generations VALUES (?, strftime('%s','now'))", (self.key,))
                old = [
                    row[0]
                    for row in database.execute("SELECT generation FROM generations ORDER BY used DESC, generation")
                ][MAX_GENERATIONS:]
                for generation in old:
                    if generation != self.key:
                        for table in ("files", "results", "generations"):
                            database.execute(f"DELETE FROM {table} WHERE generation = ?", (generation,))
        except _errors():
            return
        self.changed = {}

    def _load(self) -> None:
        database = self._open()
        if database is None:
            return
        try:
            rows = database.execute(
                "SELECT path, mtime_ns, size, inode, digest, head, payloads FROM files WHERE generation = ?",
                (self.key,),
            ).fetchall()
            results = database.execute("SELECT key, value FROM results WHERE generation = ?", (self.key,)).fetchall()
        except _errors() as error:
            self._note(f"cannot read the cache: {error}")
            return
        wrong = 0
        for path, mtime_ns, size, inode, content_digest, head, raw in rows:
            try:
                signature_ = (int(mtime_ns), int(size), int(inode))
                record = self._record(signature_, str(content_digest), json.loads(head), str(raw))
            except (CodecError, ValueError, TypeError, KeyError, AttributeError):
                wrong += 1
                continue
            self.records[str(path)] = record
        if wrong:
            self._note(f"{wrong} cached record(s) had the wrong shape: collected again")
        for key, text in results:
            try:
                self.results[str(key)] = _Encoded(json.loads(text), None)
            except ValueError:
                continue

    def _record(self, signature_: Tuple[int, int, int], content_digest: str, head: JsonValue, raw: str) -> FileRecord:
        if not isinstance(head, dict):
            raise CodecError("a record is an object")
        candidate = head["candidate"]
        labels: Tuple[Tuple[str, Kind], ...] = ()
        if head["labels"]:
            labels = cast(Tuple[Tuple[str, Kind], ...], decode(head["labels"], _LABELS))
        suppressions: Tuple[Suppression, ...] = ()
        if head["suppressions"]:
            suppressions = cast(Tuple[Suppression, ...], decode(head["suppressions"], _SUPPRESSIONS))
        extra = head["extra"]
        if not isinstance(candidate, bool) or not isinstance(extra, dict):
            raise CodecError("candidate and extra")
        if not all(isinstance(k, str) and isinstance(v, bool) for k, v in extra.items()):
            raise CodecError("extra")
        answers = {str(word): bool(found) for word, found in extra.items()}
        payloads = Payloads(raw, self._payload_type)
        return FileRecord(signature_, content_digest, candidate, labels, suppressions, payloads, answers)

    def _payload_type(self, variant: str) -> object:
        for prefix, expected in self.payload_types.items():
            if variant.startswith(prefix):
                return expected
        return None

    def _note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)

    def _open(self, create: bool = False) -> Optional["sqlite3.Connection"]:
        """The database, opened once; None when it cannot (or must not) be used."""
        if self._database is not None or self.directory is None:
            return self._database
        folder = os.path.join(self.directory, FOLDER)
        problem = _safe_directory(self.directory, create) or _safe_directory(folder, create)
        if problem is not None:
            if problem != "absent":
                self._note(problem)
            return None
        if create:
            _mark(self.directory)
        path = os.path.join(folder, _DATABASE)
        try:
            status: Optional[os.stat_result] = os.lstat(path)
        except FileNotFoundError:
            status = None
        except OSError as error:
            self._note(f"cannot use the cache: {error.strerror or error}")
            return None
        if status is None and not create:
            return None
        if status is not None and not stat.S_ISREG(status.st_mode):
            self._note(f"{path} is not a regular file (a link?): the cache is not used")
            return None
        import sqlite3  # only for runs that use the cache

        try:
            database = sqlite3.connect(path, timeout=5)
            try:
                database.execute("PRAGMA trusted_schema = OFF")
                for statement in _SCHEMA:
                    database.execute(statement)
            except sqlite3.DatabaseError:
                database.close()
                if not create:
                    self._note(f"{path} is not a flaglint cache: ignored")
                    return None
                os.unlink(path)  # ours by name, a regular file: damaged, so started anew
                database = sqlite3.connect(path, timeout=5)
                for statement in _SCHEMA:
                    database.execute(statement)
            binding = f"{os.lstat(path).st_dev}:{os.lstat(path).st_ino}:{__version__}"
            row = database.execute("SELECT value FROM meta WHERE key = 'binding'").fetchone()
            if row is None:
                with database:
                    database.execute("DELETE FROM files")
                    database.execute("DELETE FROM results")
                    database.execute("DELETE FROM generations")
                    database.execute("INSERT OR REPLACE INTO meta VALUES ('binding', ?)", (binding,))
                    database.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (str(_FORMAT),))
            elif row[0] != binding:
                database.close()
                self._note("the cache was written elsewhere (copied, restored or committed): rebuilt, not trusted")
                os.unlink(path)
                return self._open(create=True) if create else None
        except (sqlite3.Error, OSError) as error:
            self._note(f"cannot use the cache: {error}")
            return None
        self._database = database
        return database


def _errors() -> Tuple[Type[BaseException], ...]:
    import sqlite3

    return (sqlite3.Error, OSError)


def _record_data(record: FileRecord) -> Tuple[Dict[str, JsonValue], Dict[str, JsonValue]]:
    """A record's small part (read for every file) and its payloads (read when asked about)."""
    extra: Dict[str, JsonValue] = {word: found for word, found in record.extra_tokens.items()}
    head: Dict[str, JsonValue] = {
        "candidate": record.candidate,
        "labels": encode(record.labels),
        "suppressions": encode(record.suppressions),
        "extra": extra,
    }
    return head, record.payloads.stored()


def _safe_directory(directory: str, create: bool) -> Optional[str]:
    """None when `directory` is a real directory (made now if `create`), "absent", or why it must not be used."""
    try:
        status = os.lstat(directory)
    except FileNotFoundError:
        if not create:
            return "absent"
        try:
            os.makedirs(os.path.dirname(directory) or ".", exist_ok=True)  # a --cache-dir that is not there yet
            os.mkdir(directory)
        except FileExistsError:
            pass
        except OSError as error:
            return f"cannot create the cache directory {directory}: {error.strerror or error}"
        try:
            status = os.lstat(directory)
        except OSError as error:
            return f"cannot use the cache directory {directory}: {error.strerror or error}"
    except OSError as error:
        return f"cannot use the cache directory {directory}: {error.strerror or error}"
    if stat.S_ISLNK(status.st_mode):
        return f"{directory} is a symbolic link: the cache is not used (flaglint never follows links there)"
    if not stat.S_ISDIR(status.st_mode):
        return f"{directory} is not a directory: the cache is not used"
    return None


def _mark(directory: str) -> None:
    """A ``.gitignore`` (like pytest's and ruff's caches) and a CACHEDIR.TAG, created only where nothing is."""
    _create(os.path.join(directory, ".gitignore"), "# Created by flaglint automatically.\n*\n")
    _create(
        os.path.join(directory, "CACHEDIR.TAG"),
        "Signature: 8a477f597d28d172789f06886806bc55\n"
        "# This file is a cache directory tag created by flaglint; see https://bford.info/cachedir/\n",
    )


def _create(path: str, text: str) -> None:
    """Create a small file unless anything (a file, a link, even a dangling one) is already there."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags, 0o644)
    except OSError:
        return
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
