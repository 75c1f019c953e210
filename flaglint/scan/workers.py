"""Per-file work: read a file, decide whether it can hold a reference, collect it. In worker processes when there
is enough of it, so a monorepo's files are read and parsed on every core; the results come back in task order,
so they never depend on how many workers ran.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

from flaglint.adoption.suppressions import MARKER_BYTES, find_suppressions
from flaglint.catalogue import Catalogue
from flaglint.collect.javascript import collect_javascript
from flaglint.collect.ops import collect_ops
from flaglint.collect.python import collect_python
from flaglint.collect.templates import collect_template
from flaglint.model import FileProblem, Kind
from flaglint.scan.cache import FileRecord, digest
from flaglint.scan.stopwatch import PER_FILE

#: Below this many files to process, workers cost more than they save.
PARALLEL_THRESHOLD = 48
CHUNK = 32

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Task:
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
    """Collect even without a word that can start a reference (chosen because it uses what derivation found)."""


@dataclass(frozen=True)
class Context:
    """What every worker needs, sent once per worker."""

    catalogue: Catalogue
    max_file_size: int


Outcome = Union[FileRecord, FileProblem]

_WORKER: Optional[Context] = None


def _init_worker(context: Context) -> None:
    global _WORKER
    _WORKER = context
    import gc

    gc.freeze()  # the modules imported so far live as long as the worker: the collector never walks them
    first, *rest = gc.get_threshold()
    gc.set_threshold(max(first, 50_000), *rest)  # a parse allocates a million nodes that all survive it


def _process_chunk(tasks: Sequence[Task]) -> List[Tuple[str, Outcome]]:
    assert _WORKER is not None
    return [(task.shown, process_file(task, _WORKER)) for task in tasks]


def run_tasks(
    tasks: Sequence[Task], context: Context, jobs: int, progress: Optional[Progress] = None
) -> List[Tuple[str, Outcome]]:
    """Every task's outcome, in task order; in `jobs` worker processes when there is enough work."""
    total = len(tasks)
    if total == 0:
        return []
    chunks = [tasks[start : start + CHUNK] for start in range(0, total, CHUNK)]
    results: List[Tuple[str, Outcome]] = []
    done = 0
    if jobs <= 1 or total < PARALLEL_THRESHOLD:
        for chunk in chunks:
            results.extend((task.shown, process_file(task, context)) for task in chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        return results
    from concurrent.futures import Future, ProcessPoolExecutor  # only when there is enough work

    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(context,)) as pool:
        futures: List[Future[List[Tuple[str, Outcome]]]] = [pool.submit(_process_chunk, chunk) for chunk in chunks]
        for future in futures:
            chunk_results = future.result()
            results.extend(chunk_results)
            done += len(chunk_results)
            if progress is not None:
                progress(done, total)
    return results


def process_file(task: Task, context: Context) -> Outcome:
    """Read one file and do everything that depends on it alone. Pure apart from reading the file."""
    start = time.perf_counter()
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
    PER_FILE.add("read", time.perf_counter() - start)
    PER_FILE.count("files read")
    record = FileRecord(signature=task.signature, digest=digest(data), candidate=False)
    fill_record(record, task, data, context.catalogue)
    return record


def fill_record(record: FileRecord, task: Task, data: bytes, catalogue: Catalogue) -> None:
    """The prefilter answer, suppressions, swapped-model labels and the collected payload of a file's bytes."""
    if (b"flaglint" in data or b"noqa" in data or b"FLAGLINT" in data or b"NOQA" in data) and MARKER_BYTES.search(
        data
    ):
        record.suppressions = tuple(find_suppressions(task.shown, data.decode("utf-8", errors="replace")))
    if task.kind == "python":
        start = time.perf_counter()
        record.candidate = task.force or catalogue.prefilter.candidate(data)
        if b"get_model" in data:  # looked up later: models swapped in by settings
            record.extra_tokens = {"word:get_model": True}
        PER_FILE.add("prefilter", time.perf_counter() - start)
        if record.candidate:
            record.labels = tuple(swapped_model_labels(data).items())
            record.payloads[task.variant] = collect_python(
                task.shown, data, module=task.module, test=task.test, catalogue=catalogue, timing=PER_FILE.add
            )
            PER_FILE.count("python files collected")
        return
    start = time.perf_counter()
    record.candidate = True
    text, problem = decode_text(task.shown, data)
    if problem is not None:
        record.payloads[task.variant] = problem
        return
    assert text is not None
    if task.kind == "ops":
        record.payloads[task.variant] = tuple(collect_ops(task.shown, text, test=task.test))
        PER_FILE.add("ops files", time.perf_counter() - start)
        return
    template = task.kind == "template"
    functions = catalogue.template_functions
    references = collect_template(task.shown, text, test=task.test, functions=functions) if template else []
    # JavaScript also runs inline in templates (<script> next to {% wafflejs %}), outside the template's own code.
    references += collect_javascript(task.shown, text, test=task.test, template=template)
    record.payloads[task.variant] = tuple(references)
    PER_FILE.add("templates and javascript", time.perf_counter() - start)


_SWAPPED_MODEL = re.compile(rb"""WAFFLE_(FLAG|SWITCH|SAMPLE)_MODEL\s*=\s*["']([\w]+\.[\w]+)["']""")


def swapped_model_labels(data: bytes) -> Dict[str, Kind]:
    """Model labels a settings module swaps in (``WAFFLE_FLAG_MODEL = "teams.Flag"``), for ``apps.get_model``."""
    labels: Dict[str, Kind] = {}
    if b"WAFFLE_" not in data:
        return labels
    for match in _SWAPPED_MODEL.finditer(data):
        kind: Kind = "flag" if match.group(1) == b"FLAG" else "switch" if match.group(1) == b"SWITCH" else "sample"
        labels[match.group(2).decode().lower()] = kind
    return labels


def decode_text(shown: str, data: bytes) -> Tuple[Optional[str], Optional[FileProblem]]:
    """Templates and JavaScript are UTF-8; NUL bytes mean a binary file."""
    if b"\0" in data:
        return None, FileProblem(shown, "skipped: binary file (contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, FileProblem(shown, f"cannot decode as UTF-8: byte 0x{data[error.start]:02x}", line)
    return text, None
