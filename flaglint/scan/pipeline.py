"""One scan: the stages in order, each a method below, and `scan()`, the one entry point every command uses.

1. discovery: the project's files, each stat'ed once;
2. the remembered answer: when no file changed since the last run, its answer stands;
3. per-file work: every file through the cache's fast path, the rest through the workers (read, prefilter,
   collect);
4. derivation, in rounds: re-exports and project models found in the defining modules; the few files that can
   bind a new name are collected again with the extended catalogue; then the Jinja2 globals the project registers
   under its own names, and the templates that can call them are collected again;
5. resolution: every pending reference named across files (constants modules loaded on demand).

Results never depend on `jobs` or on the cache: cross-file work happens once, in this process, over the same data.
"""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Dict, FrozenSet, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, Union, cast

from flaglint import __version__
from flaglint.catalogue import Api, Catalogue
from flaglint.config import Settings
from flaglint.model import FileProblem, Kind, ModuleSummary, Reference, ScanResult, Suppression
from flaglint.paths import display, is_test_path, module_name
from flaglint.scan.cache import Cache, FileRecord, cache_directory, digest, signature
from flaglint.scan.discovery import discover
from flaglint.scan.stopwatch import Stopwatch

if TYPE_CHECKING:  # pragma: no cover - the stages after the remembered answer are imported only when they run
    from flaglint.resolve import Project
    from flaglint.scan.derive import Imports
    from flaglint.scan.workers import Progress, Task

#: Rounds of derivation (each follows one more link of a chain of re-exports).
MAX_ROUNDS = 5

#: What the cache stores for each kind of payload variant, and for project-wide results.
PAYLOAD_TYPES: Mapping[str, object] = {
    "py|": ModuleSummary,
    "template|": Union[FileProblem, Tuple[Reference, ...]],
    "javascript|": Union[FileProblem, Tuple[Reference, ...]],
    "ops|": Union[FileProblem, Tuple[Reference, ...]],
}
_Derived = Tuple[str, Tuple[Tuple[str, Api], ...], Tuple[Tuple[str, Kind], ...], Tuple[str, ...]]
"""(key, derived APIs, derived models, the files that can use them): what derivation found, remembered."""
_Answer = Tuple[ScanResult, Tuple[Tuple[str, Tuple[int, int, int]], ...]]


def scan(
    settings: Settings,
    paths: Optional[Sequence[str]] = None,
    *,
    jobs: Optional[int] = None,
    use_cache: bool = False,
    progress: Optional["Progress"] = None,
    overrides: Optional[Mapping[str, bytes]] = None,
    cache_dir: Optional[str] = None,
    stopwatch: Optional[Stopwatch] = None,
) -> ScanResult:
    """Find every reference under `paths` (default: the project's configured paths).

    `jobs` worker processes (default: the CPU count) do the per-file work; `use_cache` keeps what each file
    yielded in the cache (``--cache-dir``, else ``.flaglint_cache/`` under the project root). Neither changes the
    result. `overrides` gives the content to use for some files (by absolute path) instead of what is on disk: a
    rewrite not yet written, an editor's buffer. `stopwatch` is told where the time went, stage by stage.
    """
    run = _Scan(settings, jobs, use_cache and not overrides, progress, cache_dir, dict(overrides or {}), stopwatch)
    frozen = gc.isenabled()
    threshold = gc.get_threshold()
    gc.freeze()  # a million AST nodes alive: the collector need not walk flaglint's own modules on every pass
    gc.set_threshold(max(threshold[0], 50_000), *threshold[1:])
    try:
        return run.run(paths or settings.paths)
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()
        if not frozen:
            gc.disable()


@dataclass(frozen=True)
class Variant:
    """Which collection produced a payload: what the file is, its module name and test flag, the catalogue."""

    kind: str
    module: str = ""
    test: bool = False
    catalogue: str = "base"

    def key(self) -> str:
        """The variant as the cache stores it (``py|shop.views|0|base``)."""
        if self.kind != "python":
            base = f"{self.kind}|{int(self.test)}"
            return base if self.catalogue == "base" else f"{base}|{self.catalogue}"
        return f"py|{self.module}|{int(self.test)}|{self.catalogue}"


@dataclass
class _File:
    absolute: str
    relative: str
    shown: str
    kind: str
    signature: Tuple[int, int, int] = (0, 0, 0)
    record: Optional[FileRecord] = None
    scanned: bool = True
    """False for a module read only for its constants (outside the scanned paths)."""
    test: bool = False
    module: str = ""


@dataclass
class _Derivation:
    """What derivation found so far: the extended catalogue and the names it added."""

    catalogue: Catalogue
    apis: Dict[str, Api] = field(default_factory=dict)
    models: Dict[str, Kind] = field(default_factory=dict)
    labels: Dict[str, Kind] = field(default_factory=dict)

    @property
    def words(self) -> FrozenSet[str]:
        return frozenset(name.rpartition(".")[2] for name in (*self.apis, *self.models))


class _Scan:
    """One run's state; the stages are its methods, called by `run` in order."""

    def __init__(
        self,
        settings: Settings,
        jobs: Optional[int],
        use_cache: bool,
        progress: Optional["Progress"],
        cache_dir: Optional[str],
        overrides: Dict[str, bytes],
        stopwatch: Optional[Stopwatch] = None,
    ):
        self.settings = settings
        self.stopwatch = stopwatch or Stopwatch()
        self.jobs = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
        self.progress = progress
        self.catalogue = settings.catalogue()
        self.base_key = _settings_key(self.catalogue, settings)
        self.use_cache = use_cache
        directory = cache_directory(settings.root, cache_dir)
        self.cache = Cache(directory, self.base_key, PAYLOAD_TYPES) if use_cache else Cache.disabled()
        self.overrides = overrides
        self.problems: List[FileProblem] = []
        self.skipped: List[FileProblem] = []
        self.files: Dict[str, _File] = {}
        self.lazily_loaded: Dict[str, ModuleSummary] = {}
        self.named: Set[str] = set()
        self.gate_words = self.catalogue.prefilter
        self.gate_answers: Dict[str, bool] = {}
        self.imports: Dict[str, "Imports"] = {}
        self.bound_checked: Tuple[Set[str], Set[str], Set[str]] = (set(), set(), set())
        """What `_affected` already answered this run: (names checked, candidate files, files that bind one)."""
        """Each file's import statements, read once per run (derivation asks about them every round)."""
        self.word_files: Set[str] = set()
        """Scanned files holding a word derivation found (they may re-export it in turn)."""
        self.template_variant = "base"
        """The variant of the templates that can call a Jinja2 global the project registers (`template_users`)."""
        self.template_users: Set[str] = set()

    def run(self, paths: Sequence[str]) -> ScanResult:
        stage = self.stopwatch.stage
        with stage("discovery"):
            self._discover(paths)
        with stage("remembered answer"):
            answer_key = self._answer_key()
            remembered = cast(Optional[_Answer], self.cache.read_answer(answer_key, _Answer)) if answer_key else None
            if remembered is not None and self._unchanged(dict(remembered[1])):
                return replace(remembered[0], notes=tuple(self.cache.notes))  # nothing changed: it stands
        from flaglint.resolve import Project  # the rest of the run: imported only when it runs

        with stage("module index"):
            self._index_modules(paths)
        with stage("per-file work"):
            self._collect()
        with stage("summaries from the cache"):
            summaries = self._summaries(Variant("python").catalogue)
            project = Project(
                summaries.values(),
                self.catalogue,
                self.index.paths,
                self._load,
                gate=self._may_derive,
                tops=self.index.has_top,
                settings_modules=self._settings_modules(),
                generated={d.module: {n.attribute: n.name for n in names} for d, names in self.settings.generated},
            )
        with stage("derive and recollect"):
            self._derive(project, summaries)
        with stage("template globals"):
            self._template_globals(project, summaries)
        with stage("resolve"):
            references = self._resolve(project, summaries)
            result = self._result(references)
        with stage("cache save"):
            self.cache.save()
            if answer_key is not None:
                outside = tuple(sorted((f.absolute, f.signature) for f in self.files.values() if not f.scanned))
                self.cache.write_answer(answer_key, (result, outside))
        for file in self.files.values():
            self.stopwatch.count(f"{file.kind} files" + ("" if file.scanned else " read for constants"))
        return replace(result, notes=tuple(self.cache.notes))

    # --- 1. discovery ---

    def _discover(self, paths: Sequence[str]) -> None:
        self.named = {os.path.abspath(path) for path in paths if os.path.isfile(path)}
        discovered = discover(paths, self.settings)
        here = os.getcwd()
        for found in discovered.files:
            shown = display(found.absolute, here)
            self.files[shown] = _File(found.absolute, found.relative, shown, found.kind, found.signature)
        self.skipped = [p for p in discovered.skipped if p.code != "FL001"]
        self.problems.extend(p for p in discovered.skipped if p.code == "FL001")

    def _index_modules(self, paths: Sequence[str]) -> None:
        from flaglint.scan.modules import ModuleIndex

        directories = [p if os.path.isdir(p) else os.path.dirname(os.path.abspath(p)) for p in paths]
        self.index = ModuleIndex(self.settings.root, directories)
        self.index.packages(
            os.path.dirname(f.absolute) for f in self.files.values() if f.absolute.endswith(os.sep + "__init__.py")
        )
        for file in self.files.values():
            self._describe(file)
            if file.kind == "python":
                self.index.add(file.absolute, file.relative, file.shown)

    def _settings_modules(self) -> Tuple[str, ...]:
        """The modules ``django.conf.settings`` may be (`flaglint.scan.django_settings`)."""
        from flaglint.scan.django_settings import find_settings_modules

        modules = {f.relative: f.module for f in self.files.values() if f.kind == "python" and f.scanned}
        return find_settings_modules(self.settings.root, modules, self.settings.settings_modules).modules

    def _describe(self, file: _File) -> None:
        file.test = is_test_path(file.relative, self.settings.test_patterns)
        file.module = module_name(file.relative) if file.kind == "python" else ""

    # --- 2. the whole answer, when nothing changed ---

    def _answer_key(self) -> Optional[str]:
        """A key for the whole answer: settings, paths, every file's stat signature; None without the cache."""
        if not self.use_cache or self.problems or self.overrides:
            return None
        from flaglint.scan.django_settings import config_files

        python = [f.relative for f in self.files.values() if f.kind == "python"]
        declaring = []  # pytest.ini and the like may say which settings module Django uses
        for relative in config_files(self.settings.root, python):
            try:
                declaring.append((relative, signature(os.stat(os.path.join(self.settings.root, relative)))))
            except OSError:
                continue
        material = repr(
            (
                self.base_key,
                sorted(self.named),
                sorted((f.shown, f.signature) for f in self.files.values()),
                declaring,
                self.settings.settings_modules,  # resolution's inputs besides the files
                self.settings.generated,
            )
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

    # --- 3. per-file work ---

    def _variant(self, file: _File, catalogue: str = "base") -> str:
        return Variant(file.kind, file.module, file.test, catalogue).key()

    def _task(self, file: _File, catalogue: str, force: bool = False) -> "Task":
        from flaglint.scan.workers import Task

        signature_ = file.record.signature if file.record is not None else file.signature
        return Task(
            file.absolute,
            file.shown,
            file.kind,
            file.module,
            file.test,
            self._variant(file, catalogue),
            signature_,
            self.overrides.get(file.absolute),
            force,
        )

    def _collect(self) -> None:
        """Every file through the cache's fast path, the misses through the workers."""
        tasks: List[Task] = []
        base = self._variant
        for file in self.files.values():
            named = file.absolute in self.named
            record = self.cache.lookup(file.shown, file.signature) if file.absolute not in self.overrides else None
            if record is not None and ((not record.candidate and not named) or base(file) in record.payloads):
                file.record = record
                continue
            # a file named on the command line is always collected: it may use project models found later
            tasks.append(self._task(file, "base", force=named))
        from flaglint.scan.workers import Context, run_tasks

        context = Context(self.catalogue, self.settings.max_file_size)
        for shown, outcome in run_tasks(tasks, context, self.jobs, self.progress):
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

    def _summaries(self, catalogue: str) -> Dict[str, ModuleSummary]:
        found: Dict[str, ModuleSummary] = {}
        for file in self.files.values():
            if file.kind == "python" and file.record is not None and file.record.candidate:
                payload = file.record.payloads.get(self._variant(file, catalogue))
                if isinstance(payload, ModuleSummary):
                    found[file.shown] = payload
        return found

    # --- 4. derivation ---

    def _derive(self, project: "Project", summaries: Dict[str, ModuleSummary]) -> None:
        """Extend the catalogue with what the project defines; collect again the files that can use it.

        Rounds follow chains of re-exports: each round's new names make the files that can bind them worth reading
        (collected with the base catalogue: what a module exports does not depend on the catalogue), until
        nothing new turns up. Then the files that can use a derived name are collected once with the extended
        catalogue. The answer is remembered under a key of what it can depend on: the settings, the list of Python
        files, the contents of the files that were collected or that hold a word it found, the model labels.
        """
        labels: Dict[str, Kind] = {}
        for file in self.files.values():
            if file.record is not None:
                labels.update(file.record.labels)
        new_labels = {label: kind for label, kind in labels.items() if label not in self.catalogue.model_labels}
        state = _Derivation(self.catalogue, labels=new_labels)
        remembered = cast(Optional[_Derived], self.cache.result("derived", _Derived))
        if remembered is not None:
            key, apis, models, remembered_readers = remembered
            candidate = _Derivation(self.catalogue, dict(apis), dict(models), state.labels)
            if key == self._derivation_key(candidate, summaries) and all(
                shown in self.files for shown in remembered_readers
            ):
                self._extend(project, summaries, candidate, set(remembered_readers))
                return
        from flaglint.scan.derive import derive

        base = dict(summaries)
        self.word_files = set()
        for _ in range(MAX_ROUNDS):
            found_apis, found_models = derive(self.catalogue, summaries.values(), project)
            new = (set(found_apis) - set(state.apis)) | (set(found_models) - set(state.models))
            if not new:
                break
            state.apis.update(found_apis)
            state.models.update(found_models)
            self.gate_words = self.catalogue.with_additions(exact=state.apis, models=state.models).prefilter
            self.gate_answers = {}
            new_readers = self._affected(state) - set(summaries)
            for shown, summary in self._collect_again(new_readers, "base").items():
                summaries[shown] = summary
                project.add(summary)
        key = self._derivation_key(state, base)
        readers: Set[str] = self._affected(state) if state.apis or state.models or state.labels else set()
        found = (tuple(sorted(state.apis.items())), tuple(sorted(state.models.items())), tuple(sorted(readers)))
        self.cache.remember("derived", (key, *found))
        self._extend(project, summaries, state, readers)

    def _derivation_key(self, state: _Derivation, summaries: Mapping[str, ModuleSummary]) -> str:
        """What derivation depends on: what the collected modules export (their imports, module-level names and
        classes, not their bodies: a change inside a function changes nothing here), the content of the other
        files that hold a derived word or use a swapped-in label, the list of Python files, the settings."""
        words = state.words
        self.word_files = self._files_with(words) if words else set()
        exports = sorted((shown, _exports(summary)) for shown, summary in summaries.items())
        contents = sorted(
            (f.shown, f.record.digest)
            for f in self.files.values()
            if f.kind == "python"
            and f.record is not None
            and f.shown not in summaries
            and (f.shown in self.word_files or (state.labels and "word:get_model" in f.record.extra_tokens))
        )
        layout = sorted(f.shown for f in self.files.values() if f.kind == "python")
        material = repr((self.base_key, sorted(state.labels.items()), exports, contents, layout, sorted(words)))
        return hashlib.blake2b(material.encode(), digest_size=16).hexdigest()

    def _extend(
        self, project: "Project", summaries: Dict[str, ModuleSummary], state: _Derivation, users: Set[str]
    ) -> None:
        """Collect again, with the extended catalogue, the files that can use what derivation found (`users`)."""
        if not (state.apis or state.models or state.labels):
            return
        extended = self.catalogue.with_additions(exact=state.apis, models=state.models, model_labels=state.labels)
        state.catalogue = extended
        self.gate_words = extended.prefilter
        self.gate_answers = {}
        for shown, summary in self._collect_again(users, extended.key, extended).items():
            summaries[shown] = summary
            project.add(summary)
        project.use(extended)

    def _collect_again(
        self, chosen: Set[str], variant: str, catalogue: Optional[Catalogue] = None
    ) -> Dict[str, ModuleSummary]:
        """Collect files chosen by derivation (whatever words they hold) with `catalogue`; their summaries."""
        tasks = []
        for shown in sorted(chosen):
            file = self.files[shown]
            if file.record is not None and self._variant(file, variant) in file.record.payloads:
                continue
            tasks.append(self._task(file, variant, force=True))
        from flaglint.scan.workers import Context, run_tasks

        context = Context(catalogue or self.catalogue, self.settings.max_file_size)
        for shown, outcome in run_tasks(tasks, context, self.jobs):
            file = self.files[shown]
            if isinstance(outcome, FileProblem):
                self.problems.append(outcome)
            elif file.record is not None:
                file.record.payloads.update(outcome.payloads)
                self.cache.store(shown, file.record)
        found: Dict[str, ModuleSummary] = {}
        for shown in sorted(chosen):
            file = self.files[shown]
            payload = file.record.payloads.get(self._variant(file, variant)) if file.record else None
            if isinstance(payload, ModuleSummary):
                found[shown] = payload
        return found

    def _affected(self, state: _Derivation) -> Set[str]:
        """The scanned Python files that can bind a derived name, define a derived model, or use a new label."""
        from flaglint.scan.derive import import_statements, may_bind, uses_label

        names = [*state.apis, *state.models]
        words = state.words
        candidates = self._files_with(words) if words else set()
        self.word_files = candidates
        # Names only grow from round to round: a file checked before is checked again for the new names only.
        checked_names, checked_files, binding = self.bound_checked
        fresh = [name for name in names if name not in checked_names]
        affected: Set[str] = {shown for shown in binding if shown in candidates}
        finders = {"all": _word_finder(names), "fresh": _word_finder(fresh)}
        for shown in candidates:
            if shown in affected:
                continue
            finder = finders["fresh"] if shown in checked_files else finders["all"]
            if finder is None:
                continue
            data = self._bytes(self.files[shown])
            if data is None:
                continue
            by_word, pattern = finder
            # one scan says which derived names' last words a file holds; only those are checked closely
            present = [name for word in set(pattern.findall(data)) for name in by_word.get(word, ())]
            if not present:
                continue
            imports = self.imports.get(shown)
            if imports is None:
                imports = self.imports[shown] = import_statements(data)
            if any(may_bind(data, name, imports) for name in present):
                affected.add(shown)
        self.bound_checked = (checked_names | set(names), checked_files | candidates, binding | affected)
        defining = [*state.models, *(name for name, api in state.apis.items() if api.wrapper == name)]
        for qualname in defining:
            for path in self.index.paths(qualname.rpartition(".")[0])[:1]:
                if path in self.files and self.files[path].scanned:
                    affected.add(path)  # the defining module may use its model, or forwards in its wrapper
        if state.labels:
            for file in self._python_files():
                if file.record is not None and "word:get_model" in file.record.extra_tokens:
                    data = self._bytes(file)
                    if data is not None and any(uses_label(data, label) for label in state.labels):
                        affected.add(file.shown)
        return affected

    def _template_globals(self, project: "Project", summaries: Mapping[str, ModuleSummary]) -> None:
        """Collect again the templates that can call a Jinja2 global the project registers under its own name.

        The registrations are in the modules' summaries; which of them check a flag is read with the catalogue
        derivation extended (a global may be a re-export or a wrapper). The answer depends on nothing else, and the
        templates' payloads are stored under a key of what was found (`Catalogue.template_key`).
        """
        registering = [summary for summary in summaries.values() if summary.template_globals]
        if not registering:
            return
        from flaglint.scan.derive import template_functions

        functions = template_functions(project.catalogue, registering, project)
        if not functions:
            return
        catalogue = self.catalogue.with_additions(template_functions=functions)
        words = frozenset(function.name.rpartition(".")[2] for function in functions)
        self.template_variant = catalogue.template_key
        self.template_users = self._files_with(words, "template")
        self._collect_again(self.template_users, self.template_variant, catalogue)

    def _python_files(self) -> Iterator[_File]:
        return (f for f in self.files.values() if f.kind == "python" and f.scanned)

    def _files_with(self, words: FrozenSet[str], kind: str = "python") -> Set[str]:
        """Scanned files of a kind whose bytes hold one of `words` (answers kept in each file's record)."""
        key = "any:" + ",".join(sorted(words))
        prefilter = None
        found: Set[str] = set()
        for file in (f for f in self.files.values() if f.kind == kind and f.scanned):
            if file.record is None:
                continue
            answer = file.record.extra_tokens.get(key)
            if answer is None:
                if prefilter is None:
                    from flaglint.catalogue import Prefilter

                    prefilter = Prefilter.of(words)
                data = self._bytes(file)
                answer = data is not None and prefilter.candidate(data)
                file.record.extra_tokens[key] = answer
                self.cache.store(file.shown, file.record)
            if answer:
                found.add(file.shown)
        return found

    def _may_derive(self, shown: str) -> bool:
        """Whether a module is worth parsing to follow re-exports: it holds a word that can start a reference."""
        answer = self.gate_answers.get(shown)
        if answer is not None:
            return answer
        file = self.files.get(shown)
        if file is not None and file.record is not None and file.scanned:
            answer = file.record.candidate or shown in self.word_files
        else:
            location = self.index.lookup(shown)
            data = self._bytes(_File(location[0], location[1], shown, "python")) if location else None
            answer = data is not None and self.gate_words.candidate(data)
        self.gate_answers[shown] = answer
        return answer

    def _bytes(self, file: _File) -> Optional[bytes]:
        """A file's content (or its override), or None when it cannot be read."""
        if file.absolute in self.overrides:
            return self.overrides[file.absolute]
        try:
            with open(file.absolute, "rb") as handle:
                return handle.read()
        except OSError:
            return None

    # --- modules read only for their constants ---

    def _load(self, shown: str) -> Optional[ModuleSummary]:
        """A module a reference needs for its constants: from the cache, else parsed now."""
        file = self.files.get(shown)
        if file is None:
            absolute, relative = self.index.absolute(shown), self.index.relative(shown)
            file = _File(absolute, relative, shown, "python", scanned=False)
            self._describe(file)
            file.test = False
            self.files[shown] = file
        variant = self._variant(file)
        try:
            stat_signature = signature(os.stat(file.absolute))
        except OSError:
            return None
        if not file.scanned:
            file.signature = stat_signature
        record = file.record or self.cache.lookup(shown, stat_signature)
        payload = record.payloads.get(variant) if record is not None else None
        if not isinstance(payload, ModuleSummary):
            data = self._bytes(file)
            if data is None:
                self.problems.append(FileProblem(shown, "cannot read"))
                return None
            content = digest(data)
            if record is None or record.digest != content:
                record = FileRecord(stat_signature, content, candidate=False)
            from flaglint.collect.python import collect_python

            payload = collect_python(shown, data, module=file.module, test=file.test, catalogue=self.catalogue)
            record.payloads[variant] = payload
            self.cache.store(shown, record)
        file.record = record
        self.lazily_loaded[shown] = payload
        return payload

    # --- 5. resolution ---

    def _resolve(self, project: "Project", summaries: Dict[str, ModuleSummary]) -> List[Reference]:
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
        for file in self.files.values():
            if file.record is None or not file.scanned or file.kind == "python":
                continue
            variant = self.template_variant if file.shown in self.template_users else "base"
            payload = file.record.payloads.get(self._variant(file, variant))
            if isinstance(payload, FileProblem):
                self.problems.append(payload)
            elif isinstance(payload, tuple):
                references.extend(cast(Tuple[Reference, ...], payload))
        return references

    def _result(self, references: List[Reference]) -> ScanResult:
        suppressions: List[Suppression] = []
        for file in self.files.values():
            if file.record is not None and file.scanned:
                suppressions.extend(file.record.suppressions)
        references.sort(key=reference_sort_key)
        problems = sorted(set(self.problems), key=lambda p: (p.path, p.line, p.column, p.message))
        scanned = [f for f in self.files.values() if f.scanned]
        return ScanResult(
            tuple(references),
            tuple(problems),
            len(scanned),
            sum(1 for f in scanned if f.kind == "python" and f.record is not None and f.record.candidate),
            tuple(sorted(set(suppressions), key=lambda s: (s.path, s.line))),
            tuple(sorted(self.skipped, key=lambda p: (p.path, p.message))),
        )


@functools.lru_cache(maxsize=1)
def _code_key() -> str:
    """flaglint's own code, by file size and time: an edited (editable) install never reuses an old cache."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stamps = []
    for directory, _, names in os.walk(package):
        for name in names:
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                status = os.stat(path)
                stamps.append((os.path.relpath(path, package), status.st_size, status.st_mtime_ns))
    return repr(sorted(stamps))


def _word_finder(names: Sequence[str]) -> "Optional[Tuple[Dict[bytes, List[str]], re.Pattern[bytes]]]":
    """Dotted names by their last word, and one pattern that finds any of those words (longest first)."""
    by_word: Dict[bytes, List[str]] = {}
    for name in names:
        by_word.setdefault(name.rpartition(".")[2].encode(), []).append(name)
    if not by_word:
        return None
    return by_word, re.compile(b"|".join(re.escape(word) for word in sorted(by_word, key=len, reverse=True)))


def _settings_key(catalogue: Catalogue, settings: Settings) -> str:
    """A key for everything that changes what collection produces: flaglint (version and code), the settings."""
    material = repr(
        (
            __version__,
            _code_key(),
            catalogue.key,
            settings.test_patterns,
            settings.template_globs,
            settings.javascript_globs,
            settings.ops_globs,
            settings.max_file_size,
            os.path.relpath(settings.root),  # reported paths are relative to the current directory
        )
    )
    return hashlib.blake2b(material.encode(), digest_size=12).hexdigest()


def _exports(summary: ModuleSummary) -> str:
    """A digest of what a module offers other modules: its imports, module-level names and classes, the Jinja2
    globals it registers and the functions it has that forward to waffle's checks (registered, they are wrappers)."""
    exported = (
        summary.module,
        summary.imports,
        summary.symbols,
        summary.classes,
        summary.template_globals,
        summary.forwarders,
    )
    material = repr(exported).encode()
    return hashlib.blake2b(material, digest_size=12).hexdigest()


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
