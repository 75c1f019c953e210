"""Run the collectors over a project and resolve names across files. Never prints.

The bytes prefilter parses a Python file only when it holds a word that can start a reference; modules needed
only for their constants are parsed lazily, when a reference asks for them. Per-file work (reading, the prefilter,
parsing, template and JavaScript scanning) runs in worker processes and is cached by content in
``.flaglint_cache/``; cross-file resolution runs once, in this process, so results do not depend on `jobs` or
the cache. Re-exports of waffle's API, project subclasses of waffle's models and models swapped in by settings are
found after the first pass; the files that use them are collected again with the extended catalogue.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from dataclasses import dataclass, replace
from typing import Callable, Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Set, Tuple, Union

from flaglint import __version__
from flaglint.cache import Cache, FileRecord, cache_directory, digest, signature
from flaglint.catalogue import Api, Catalogue
from flaglint.config import Settings
from flaglint.discovery import discover, display, is_test_path, module_name
from flaglint.javascript import collect_javascript
from flaglint.python import collect_python
from flaglint.resolve import Project, derived_apis
from flaglint.suppressions import MARKER_BYTES, find_suppressions
from flaglint.templates import collect_template
from flaglint.types import FileProblem, Kind, ModuleSummary, Reference, ScanResult, Suppression

#: What the cache stores for each kind of payload variant (see `_Scan._variant`), and for project-wide results.
PAYLOAD_TYPES: Mapping[str, object] = {
    "py|": ModuleSummary,
    "template|": Union[FileProblem, Tuple[Reference, ...]],
    "javascript|": Union[FileProblem, Tuple[Reference, ...]],
}
_Derived = Tuple[Tuple[Tuple[str, Api], ...], Tuple[Tuple[str, Kind], ...]]
_Answer = Tuple[ScanResult, Tuple[Tuple[str, Tuple[int, int, int]], ...]]

#: Below this many files to process, workers cost more than they save.
PARALLEL_THRESHOLD = 48
#: Rounds of re-export discovery (each follows one more link of a chain of re-exports).
_MAX_ROUNDS = 5
_CHUNK = 32

Progress = Callable[[int, int], None]


def prefilter(tokens: Iterable[str]) -> "re.Pattern[bytes]":
    """A bytes regex that finds any of the words (no word boundaries: a cheap superset is enough)."""
    ordered = sorted(set(tokens), key=len, reverse=True)
    return re.compile(b"|".join(re.escape(token.encode()) for token in ordered))


def display_path(path: str) -> str:
    """A path relative to the current directory with ``/`` separators (absolute when on another drive)."""
    return display(path)


@dataclass(frozen=True)
class _Task:
    """One file's per-file work, sent to a worker."""

    absolute: str
    shown: str
    kind: str
    module: str
    test: bool
    variant: str
    signature: Tuple[int, int, int]
    data: Optional[bytes] = None
    """The content to use instead of the file's (a rewrite not written yet)."""
    force: bool = False
    """Collect even without a word that can start a reference (a migration using a swapped-in model label)."""


@dataclass(frozen=True)
class _Context:
    """What every worker needs, sent once per worker."""

    catalogue: Catalogue
    tokens: "re.Pattern[bytes]"
    max_file_size: int
    quick: Tuple[bytes, ...] = ()
    """Substrings one of which every token holds: the prefilter's cheap first step."""


_WORKER: Optional[_Context] = None


def _init_worker(context: _Context) -> None:
    global _WORKER
    _WORKER = context


def _process_chunk(tasks: Sequence[_Task]) -> List[Tuple[str, Union[FileRecord, FileProblem]]]:
    assert _WORKER is not None
    return [(task.shown, process_file(task, _WORKER)) for task in tasks]


def process_file(task: _Task, context: _Context) -> Union[FileRecord, FileProblem]:
    """Read one file and do everything that depends on it alone. Pure apart from reading the file."""
    try:
        if task.signature[1] > context.max_file_size:
            limit = context.max_file_size
            message = f"skipped: {task.signature[1]} bytes is over the size limit of {limit} (max-file-size)"
            return FileProblem(task.shown, message, code="FL003")
        if task.data is not None:
            data = task.data
        else:
            with open(task.absolute, "rb") as handle:
                data = handle.read()
    except OSError as error:
        return FileProblem(task.shown, f"cannot read: {error.strerror or error}")
    record = FileRecord(signature=task.signature, digest=digest(data), candidate=False)
    fill_record(record, task, data, context)
    return record


def fill_record(record: FileRecord, task: _Task, data: bytes, context: _Context) -> None:
    """The prefilter answer, suppressions, swapped-model labels and the collected payload of a file's bytes."""
    lowered = data.lower()
    if (b"flaglint" in lowered or b"noqa" in lowered) and MARKER_BYTES.search(data):
        record.suppressions = tuple(find_suppressions(task.shown, data.decode("utf-8", errors="replace")))
    if task.kind == "python":
        record.candidate = task.force or (
            any(word in data for word in context.quick) and context.tokens.search(data) is not None
        )
        if b"get_model" in data:  # looked up later: models swapped in by settings
            record.extra_tokens = {"word:get_model": True}
        if record.candidate:
            record.labels = tuple(swapped_model_labels(data).items())
            record.payloads[task.variant] = collect_python(
                task.shown, data, module=task.module, test=task.test, catalogue=context.catalogue
            )
        return
    record.candidate = True
    text, problem = _decode_text(task.shown, data)
    if problem is not None:
        record.payloads[task.variant] = problem
        return
    assert text is not None
    references = collect_template(task.shown, text, test=task.test) if task.kind == "template" else []
    # JavaScript also runs inline in templates (<script> next to {% wafflejs %}).
    references += collect_javascript(task.shown, text, test=task.test)
    record.payloads[task.variant] = tuple(references)


@dataclass
class _File:
    absolute: str
    relative: str
    shown: str
    kind: str
    record: Optional[FileRecord] = None
    signature: Tuple[int, int, int] = (0, 0, 0)
    scanned: bool = True
    """False for a module read only for its constants (outside the scanned paths)."""


@functools.lru_cache(maxsize=1)
def _code_key() -> str:
    """flaglint's own code, by file size and time: an edited (editable) install never reuses an old cache."""
    package = os.path.dirname(os.path.abspath(__file__))
    stamps = []
    for name in sorted(os.listdir(package)):
        if name.endswith(".py"):
            stat = os.stat(os.path.join(package, name))
            stamps.append((name, stat.st_size, stat.st_mtime_ns))
    return repr(stamps)


def catalogue_key(catalogue: Catalogue, settings: Settings) -> str:
    """A key for everything that changes what collection produces: flaglint (version and code), the settings."""
    material = repr(
        (
            __version__,
            _code_key(),
            sorted((k, repr(v)) for k, v in catalogue.exact.items()),
            sorted(catalogue.models.items()),
            sorted(catalogue.model_labels.items()),
            settings.test_patterns,
            settings.template_globs,
            settings.javascript_globs,
            settings.max_file_size,
            os.path.relpath(settings.root),  # reported paths are relative to the current directory
        )
    )
    return hashlib.blake2b(material.encode(), digest_size=12).hexdigest()


def scan(
    settings: Settings,
    paths: Optional[Sequence[str]] = None,
    *,
    jobs: Optional[int] = None,
    use_cache: bool = False,
    progress: Optional[Progress] = None,
    overrides: Optional[Mapping[str, bytes]] = None,
    cache_dir: Optional[str] = None,
) -> ScanResult:
    """Find every reference under `paths` (default: the configured paths).

    `jobs` worker processes (default: the CPU count) do the per-file work; `use_cache` keeps what each file
    yielded in ``.flaglint_cache/`` under the project root. Neither changes the result. `overrides` gives the
    content to use for some files (by absolute path) instead of what is on disk: a rewrite not yet written.
    """
    scan_run = _Scan(settings, jobs, use_cache and not overrides, progress, cache_dir)
    scan_run.overrides = dict(overrides or {})
    return scan_run.run(paths or settings.paths)


class _Scan:
    """One run: discovery, per-file work (cached, parallel), derived APIs, resolution."""

    def __init__(
        self,
        settings: Settings,
        jobs: Optional[int],
        use_cache: bool,
        progress: Optional[Progress],
        cache_dir: Optional[str] = None,
    ):
        self.settings = settings
        self.jobs = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
        self.progress = progress
        self.catalogue = settings.catalogue()
        self.base_key = catalogue_key(self.catalogue, settings)
        directory = cache_directory(settings.root, cache_dir)
        self.cache = Cache(directory, self.base_key, PAYLOAD_TYPES) if use_cache else Cache.disabled()
        self.use_cache = use_cache
        self.problems: List[FileProblem] = []
        self.skipped: List[FileProblem] = []
        self.files: Dict[str, _File] = {}
        self.lazily_loaded: Dict[str, ModuleSummary] = {}
        self.overrides: Dict[str, bytes] = {}
        self.derive_tokens = prefilter(self.catalogue.tokens())
        self.derive_answers: Dict[str, bool] = {}
        self.token_files: Set[str] = set()
        """Scanned files holding a word found during the run (a re-export's new name)."""

    # --- the run ---

    def run(self, paths: Sequence[str]) -> ScanResult:
        self.named = {os.path.abspath(path) for path in paths if os.path.isfile(path)}
        discovered = discover(paths, self.settings)
        for found in discovered.files:
            shown = display(found.absolute)
            self.files[shown] = _File(found.absolute, found.relative, shown, found.kind, signature=found.signature)
        self.skipped = [p for p in discovered.skipped if p.code != "FL001"]
        self.problems.extend(p for p in discovered.skipped if p.code == "FL001")
        answer_key = self._answer_key()
        if answer_key is not None:
            remembered = self.cache.read_answer(answer_key, _Answer)
            if remembered is not None and self._unchanged(dict(remembered[1])):
                result: ScanResult = remembered[0]
                return replace(result, notes=tuple(self.cache.notes))  # nothing changed: the last answer stands
        directories = [p if os.path.isdir(p) else os.path.dirname(os.path.abspath(p)) for p in paths]
        self.index = ModuleIndex(self.settings.root, directories)
        for file in self.files.values():
            if file.kind == "python":
                self.index.add(file.absolute, file.relative, file.shown)
        self._first_pass()
        summaries = self._summaries("base", self.catalogue)
        project = Project(summaries.values(), self.catalogue, self.index.paths, self._load)
        summaries = self._extend(project, summaries)

        references: List[Reference] = []
        for summary in summaries.values():
            self.problems.extend(summary.problems)
            migration = is_test_path(self.index.relative(summary.path), self.settings.migration_patterns)
            for pending in summary.references:
                for reference in project.resolve(pending):
                    references.append(replace(reference, migration=True) if migration else reference)
        for shown in sorted(self.lazily_loaded):
            if shown not in summaries:
                self.problems.extend(self.lazily_loaded[shown].problems)
        suppressions: List[Suppression] = []
        for file in self.files.values():
            if file.record is None or not file.scanned:
                continue
            suppressions.extend(file.record.suppressions)
            if file.kind != "python":
                payload = file.record.payloads.get(self._variant(file, "base"))
                if isinstance(payload, FileProblem):
                    self.problems.append(payload)
                elif payload is not None:
                    references.extend(payload)
        self.cache.save()
        references.sort(key=reference_sort_key)
        problems = sorted(set(self.problems), key=lambda p: (p.path, p.line, p.column, p.message))
        result = ScanResult(
            tuple(references),
            tuple(problems),
            sum(1 for f in self.files.values() if f.scanned),
            sum(1 for f in self.files.values() if f.scanned and f.kind == "python" and f.record and f.record.candidate),
            tuple(sorted(set(suppressions), key=lambda s: (s.path, s.line))),
            tuple(sorted(self.skipped, key=lambda p: (p.path, p.message))),
        )
        if answer_key is not None:
            outside = tuple(sorted((f.absolute, f.signature) for f in self.files.values() if not f.scanned))
            self.cache.write_answer(answer_key, (result, outside))
        return replace(result, notes=tuple(self.cache.notes))

    # --- the whole answer, when nothing changed ---

    def _answer_key(self) -> Optional[str]:
        """A key for the whole answer: settings, paths, every file's stat signature; None without the cache."""
        if not self.use_cache or self.problems or self.overrides:
            return None
        material = repr(
            (self.base_key, sorted(self.named), sorted((f.shown, f.signature) for f in self.files.values()))
        )
        return hashlib.blake2b(material.encode(), digest_size=16).hexdigest()

    @staticmethod
    def _unchanged(outside: Mapping[str, Tuple[int, int, int]]) -> bool:
        """Whether the modules read from outside the scanned paths (for constants) are as they were."""
        for absolute, old in outside.items():
            try:
                if signature(os.stat(absolute)) != old:
                    return False
            except OSError:
                return False
        return True

    def _variant(self, file: _File, catalogue_variant: str) -> str:
        if file.kind != "python":
            return f"{file.kind}|{int(self._is_test(file))}"
        return f"py|{module_name(file.relative)}|{int(self._is_test(file))}|{catalogue_variant}"

    def _is_test(self, file: _File) -> bool:
        return is_test_path(file.relative, self.settings.test_patterns)

    def _task(self, file: _File, stat_signature: Tuple[int, int, int], catalogue_variant: str) -> _Task:
        return _Task(
            file.absolute,
            file.shown,
            file.kind,
            module_name(file.relative) if file.kind == "python" else "",
            self._is_test(file),
            self._variant(file, catalogue_variant),
            stat_signature,
            self.overrides.get(file.absolute),
        )

    def _context(self, catalogue: Catalogue) -> _Context:
        quick = tuple(word.encode() for word in sorted(catalogue.quick_words()))
        return _Context(catalogue, prefilter(catalogue.tokens()), self.settings.max_file_size, quick)

    def _read(self, file: _File) -> bytes:
        """A file's content (or its override)."""
        if file.absolute in self.overrides:
            return self.overrides[file.absolute]
        with open(file.absolute, "rb") as handle:
            return handle.read()

    # --- per-file work ---

    def _first_pass(self) -> None:
        """Every file through the cache's fast path, the misses through the workers."""
        context = self._context(self.catalogue)
        tasks: List[_Task] = []
        for file in list(self.files.values()):
            stat_signature = file.signature
            named = file.absolute in self.named
            record = self.cache.lookup(file.shown, stat_signature)
            if record is not None and (
                self._variant(file, "base") in record.payloads or (not record.candidate and not named)
            ):
                file.record = record
                continue
            # a file named on the command line is always collected: it may use project models found later
            tasks.append(replace(self._task(file, stat_signature, "base"), force=named))
        for shown, outcome in self._run_tasks(tasks, context):
            file = self.files[shown]
            if isinstance(outcome, FileProblem):
                self.problems.append(outcome)
                continue
            previous = self.cache.by_digest(shown, outcome.digest, outcome.signature)
            if previous is not None and outcome.payloads.keys() <= previous.payloads.keys():
                file.record = previous
                continue
            file.record = outcome
            self.cache.store(shown, outcome)

    def _run_tasks(
        self, tasks: Sequence[_Task], context: _Context
    ) -> Iterable[Tuple[str, Union[FileRecord, FileProblem]]]:
        """Per-file work, in worker processes when there is enough of it; results in task order."""
        total = len(tasks)
        if total == 0:
            return []
        chunks = [tasks[start : start + _CHUNK] for start in range(0, total, _CHUNK)]
        results: List[Tuple[str, Union[FileRecord, FileProblem]]] = []
        done = 0
        if self.jobs <= 1 or total < PARALLEL_THRESHOLD:
            for chunk in chunks:
                results.extend((task.shown, process_file(task, context)) for task in chunk)
                done += len(chunk)
                self._report(done, total)
            return results
        from concurrent.futures import Future, ProcessPoolExecutor  # only when there is enough work

        with ProcessPoolExecutor(max_workers=self.jobs, initializer=_init_worker, initargs=(context,)) as pool:
            futures: List[Future[List[Tuple[str, Union[FileRecord, FileProblem]]]]] = [
                pool.submit(_process_chunk, chunk) for chunk in chunks
            ]
            for future in futures:
                chunk_results = future.result()
                results.extend(chunk_results)
                done += len(chunk_results)
                self._report(done, total)
        return results

    def _report(self, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(done, total)

    def _summaries(self, catalogue_variant: str, catalogue: Catalogue) -> Dict[str, ModuleSummary]:
        found: Dict[str, ModuleSummary] = {}
        for file in self.files.values():
            if file.kind == "python" and file.record is not None and file.record.candidate:
                payload = file.record.payloads.get(self._variant(file, catalogue_variant))
                if isinstance(payload, ModuleSummary):
                    found[file.shown] = payload
        return found

    # --- what the first pass reveals ---

    def _extend(self, project: Project, summaries: Dict[str, ModuleSummary]) -> Dict[str, ModuleSummary]:
        """Recollect the files that use re-exports, project models or swapped-in model labels.

        Repeated until nothing new turns up, so a chain of re-exports through modules that never mention waffle
        (``a`` imports waffle's function under a new name, ``b`` imports it from ``a``, ``c`` from ``b``) is followed.
        """
        labels: Dict[str, Kind] = {}
        for file in self.files.values():
            if file.record is not None:
                labels.update(file.record.labels)
        new_labels = {label: kind for label, kind in labels.items() if label not in self.catalogue.model_labels}
        project.gate = self._may_derive
        key = self._derivation_key(new_labels)
        remembered = self.cache.result(key, _Derived)
        apis: Dict[str, Api] = {}
        models: Dict[str, Kind] = {}
        if remembered is not None:
            apis, models = dict(remembered[0]), dict(remembered[1])  # the same file contents: the same answer
            if apis or models or new_labels:
                extended = self.catalogue.with_additions(exact=apis, models=models, model_labels=new_labels)
                self.derive_tokens = prefilter(extended.tokens())
                self._recollect(project, summaries, extended, set(apis) | set(models), bool(new_labels))
                project.catalogue = extended
            return summaries
        for round_number in range(_MAX_ROUNDS):
            found_apis, found_models = derived_apis(project, summaries.values())
            new = set(found_apis) - set(apis) | set(found_models) - set(models)
            if not new and (round_number > 0 or not new_labels):
                break
            apis.update(found_apis)
            models.update(found_models)
            extended = self.catalogue.with_additions(exact=apis, models=models, model_labels=new_labels)
            self.derive_tokens = prefilter(extended.tokens())
            self.derive_answers = {}
            self._recollect(project, summaries, extended, set(apis) | set(models), bool(new_labels))
            project.catalogue = extended
        self.cache.remember(key, (tuple(sorted(apis.items())), tuple(sorted(models.items()))), _Derived)
        return summaries

    def _derivation_key(self, labels: Mapping[str, Kind]) -> str:
        """What the derived APIs depend on: every Python file's content (and the run's settings)."""
        digests = sorted(
            (f.shown, f.record.digest) for f in self.files.values() if f.kind == "python" and f.record is not None
        )
        material = repr((self.base_key, sorted(labels.items()), digests)).encode()
        return "derived:" + hashlib.blake2b(material, digest_size=16).hexdigest()

    def _recollect(
        self,
        project: Project,
        summaries: Dict[str, ModuleSummary],
        extended: Catalogue,
        derived: Set[str],
        labels_added: bool,
    ) -> None:
        variant = "ext-" + catalogue_key(extended, self.settings)
        affected = {shown for shown, s in summaries.items() if any(t in derived for _, t in s.imports)}
        models = {name for name in derived if extended.model_kind(name) is not None}
        affected |= _defining(models, self.index) & set(summaries)
        if labels_added:
            affected |= {
                f.shown
                for f in self.files.values()
                if f.scanned and f.record is not None and "word:get_model" in f.record.extra_tokens
            }
        new_tokens = frozenset(name.rpartition(".")[2] for name in derived) - self.catalogue.tokens()
        if new_tokens:
            self.token_files = self._files_with(new_tokens)
            affected |= self.token_files
        context = self._context(extended)
        tasks = []
        for shown in sorted(affected):
            file = self.files[shown]
            record = file.record
            if record is not None and self._variant(file, variant) in record.payloads:
                continue
            task = self._task(file, record.signature if record else (0, 0, 0), variant)
            tasks.append(replace(task, force=True))  # chosen because it uses what this round found
        for shown, outcome in self._run_tasks(tasks, context):
            file = self.files[shown]
            if isinstance(outcome, FileProblem):
                self.problems.append(outcome)
            elif file.record is not None:
                file.record.payloads.update(outcome.payloads)
                self.cache.store(shown, file.record)
        for shown in affected:
            file = self.files[shown]
            payload = file.record.payloads.get(self._variant(file, variant)) if file.record else None
            if isinstance(payload, ModuleSummary):
                summaries[shown] = payload
                project.add(payload)

    def _may_derive(self, shown: str) -> bool:
        """Whether a module is worth parsing to follow re-exports: it holds a word that can start a reference."""
        answer = self.derive_answers.get(shown)
        if answer is not None:
            return answer
        file = self.files.get(shown)
        if file is not None and file.record is not None and file.scanned:
            answer = file.record.candidate or shown in self.token_files
        else:
            if file is None:
                file = _File(self.index.absolute(shown), self.index.relative(shown), shown, "python", scanned=False)
            try:
                answer = bool(self.derive_tokens.search(self._read(file)))
            except OSError:
                answer = False
        self.derive_answers[shown] = answer
        return answer

    def _files_with(self, tokens: FrozenSet[str]) -> Set[str]:
        """Python files whose bytes hold one of `tokens` (answers cached per file)."""
        key = "any:" + ",".join(sorted(tokens))
        pattern = prefilter(tokens)
        found: Set[str] = set()
        for file in self.files.values():
            if file.kind != "python" or file.record is None or not file.scanned:
                continue
            answer = file.record.extra_tokens.get(key)
            if answer is None:
                try:
                    answer = bool(pattern.search(self._read(file)))
                except OSError:
                    answer = False
                file.record.extra_tokens[key] = answer
                self.cache.store(file.shown, file.record)
            if answer:
                found.add(file.shown)
        return found

    # --- modules read only for their constants ---

    def _load(self, shown: str) -> Optional[ModuleSummary]:
        """A module a reference needs for its constants: from the cache, else parsed now."""
        file = self.files.get(shown)
        if file is None:
            file = _File(self.index.absolute(shown), self.index.relative(shown), shown, "python", scanned=False)
            self.files[shown] = file
        variant = self._variant(file, "base")
        try:
            stat_signature = signature(os.stat(file.absolute))
        except OSError:
            return None
        record = file.record or self.cache.lookup(shown, stat_signature)
        payload = record.payloads.get(variant) if record is not None else None
        if not isinstance(payload, ModuleSummary):
            try:
                data = self._read(file)
            except OSError as error:
                self.problems.append(FileProblem(shown, f"cannot read: {error.strerror or error}"))
                return None
            if record is None or record.digest != digest(data):
                record = FileRecord(stat_signature, digest(data), candidate=False)
            test = self._is_test(file)
            module = module_name(file.relative)
            payload = collect_python(shown, data, module=module, test=test, catalogue=self.catalogue)
            record.payloads[variant] = payload
            self.cache.store(shown, record)
        file.record = record
        self.lazily_loaded[shown] = payload
        return payload


_SWAPPED_MODEL = re.compile(rb"""WAFFLE_(FLAG|SWITCH|SAMPLE)_MODEL\s*=\s*["']([\w]+\.[\w]+)["']""")


def swapped_model_labels(data: bytes) -> Dict[str, Kind]:
    """Model labels a settings module swaps in (``WAFFLE_FLAG_MODEL = "teams.Flag"``), for ``apps.get_model``."""
    labels: Dict[str, Kind] = {}
    for match in _SWAPPED_MODEL.finditer(data):
        kind: Kind = "flag" if match.group(1) == b"FLAG" else "switch" if match.group(1) == b"SWITCH" else "sample"
        labels[match.group(2).decode().lower()] = kind
    return labels


def _defining(models: Iterable[str], index: "ModuleIndex") -> Set[str]:
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

    def __init__(self, root: str, directories: Sequence[str] = ()):
        self.root = os.path.abspath(root)
        self.known: Dict[str, List[str]] = {}
        self.locations: Dict[str, Tuple[str, str]] = {}
        self.probed: Dict[str, List[str]] = {}
        self.tops: Dict[Tuple[str, str], bool] = {}
        self.roots: List[str] = [self.root]
        for directory in directories:
            self.add_directory(directory)

    def add_directory(self, directory: str) -> None:
        """Probe under a scanned directory and those above it too (``src/`` layouts, nested Django projects)."""
        directory = os.path.abspath(directory)
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
        top = name.partition(".")[0]
        for root in self.roots:
            if not self._has_top(root, top):
                continue  # django, waffle, the standard library: not in the project
            for candidate in (relative_path + ".py", os.path.join(relative_path, "__init__.py")):
                absolute = os.path.join(root, candidate)
                if os.path.isfile(absolute):
                    shown = display_path(absolute)
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
