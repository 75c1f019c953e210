"""flaglint on a 1M-line monorepo: cold, warm and after touching 10 files, against ripgrep and semgrep.

    python benchmarks/monorepo.py                          # corpus in a temporary directory, 3 runs each
    python benchmarks/monorepo.py --corpus /tmp/corpus     # build (once) and keep the corpus there
    python benchmarks/monorepo.py --repeat 5 --skip-semgrep --json results.json

Run it with the Python of the environment where flaglint is installed (its ``flaglint`` script next to
``sys.executable`` is used; ``--flaglint`` to name another). The corpus (``benchmarks/corpus.py``) is built under
``--corpus`` as ``full/``, ``half/`` and ``quarter/``: three git repositories, the subsets nested in the full one.
Progress goes to stderr, the report to stdout.

For each corpus size, every tool runs once unmeasured (the OS page cache is then warm for all of them), then
``--repeat`` measured runs; the report shows the median wall time and the peak memory:

- flaglint cold: ``flaglint refs --format json --no-cache .`` (default ``--jobs``, then ``--jobs 1`` and ``--jobs 2``);
- flaglint warm: ``flaglint refs --format json .`` after one priming run (cache present, nothing changed);
- flaglint touched: 10 random Python files get a comment line appended (different content each run, restored
  afterwards, the cache primed again before the next run); also with 10 random files that hold references;
- ripgrep: ``rg -n --no-heading -e API_REGEX .`` (the waffle API names and template tags);
- semgrep: ``semgrep scan --config RULES --json --metrics=off --disable-version-check --jobs N
  --max-target-bytes 5242880 .`` with rules for the same forms (Python, JavaScript, templates); the corpus has an
  empty ``.semgrepignore`` so that semgrep scans ``tests/`` like the others (its default ignore list skips them).

Every command runs under ``/usr/bin/time -f %M`` when present: "peak RSS" is the largest single process of the
run (``ru_maxrss``). One more run of each flaglint variant and of semgrep is sampled every 20 ms for the sum of
the proportional set size (PSS) of the whole process tree (main process and workers): "tree PSS". Memory goals are
judged on the larger of the two. Results of cold (every ``--jobs``), warm and touched runs must be identical
(compared as JSON), and the references in the generated part of the corpus must be exactly the ones the
generator wrote. Speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
import corpus as corpus_builder  # noqa: E402

SIZES = {0.25: "quarter", 0.5: "half", 1.0: "full"}
TIME = "/usr/bin/time"
TOUCHED_FILES = 10
#: The API names and template tags. ASCII word boundaries and spaces (``(?-u:...)``): with Unicode ones ripgrep
#: leaves its fast path and takes 4-6x longer on the same files, which would flatter flaglint's ratios.
API_REGEX = (
    r"(?-u:\b)(flag_is_active|switch_is_active|sample_is_active|set_flag|waffle_flag|waffle_switch|waffle_sample"
    r"|override_flag|override_switch|override_sample|get_waffle_(flag|switch|sample)_model)(?-u:\b)"
    r"|\{%-?(?-u:\s)*(flag|switch|sample)(?-u:\s)|waffle\.(flag|switch|sample)\("
)
GOALS = {
    "cold_vs_semgrep": 0.2,
    "warm_vs_rg": 3.0,
    "touched_vs_rg": 4.0,
    "peak_mb": 200.0,
    "full_vs_half": 2.2,
}

SEMGREP_RULES = r"""
rules:
  - id: waffle-python
    languages: [python]
    severity: INFO
    message: waffle reference
    pattern-either:
      - pattern: flag_is_active(...)
      - pattern: $M.flag_is_active(...)
      - pattern: switch_is_active(...)
      - pattern: $M.switch_is_active(...)
      - pattern: sample_is_active(...)
      - pattern: $M.sample_is_active(...)
      - pattern: set_flag(...)
      - pattern: waffle_flag(...)
      - pattern: waffle_switch(...)
      - pattern: override_flag(...)
      - pattern: override_switch(...)
      - pattern: override_sample(...)
      - pattern: get_waffle_flag_model(...)
      - pattern: get_waffle_switch_model(...)
      - pattern: get_waffle_sample_model(...)
      - pattern: Flag.objects.$METHOD(..., name=$N, ...)
      - pattern: Switch.objects.$METHOD(..., name=$N, ...)
      - pattern: Sample.objects.$METHOD(..., name=$N, ...)
      - pattern: Flag.objects.$METHOD(..., name__in=$N, ...)
      - pattern: $APPS.get_model("waffle", $MODEL)
      - pattern: portal.shared.toggles.feature_enabled(...)
      - pattern: |
          class $C(..., WaffleFlagMixin, ...):
              ...
      - pattern: |
          class $C(..., WaffleSwitchMixin, ...):
              ...
  - id: waffle-javascript
    languages: [javascript]
    severity: INFO
    message: waffle reference
    pattern-either:
      - pattern: waffle.flag_is_active(...)
      - pattern: waffle.switch_is_active(...)
      - pattern: waffle.sample_is_active(...)
      - pattern: window.waffle.$F(...)
  - id: waffle-templates
    languages: [regex]
    severity: INFO
    message: waffle reference
    paths:
      include: ["*.html", "*.txt", "*.jinja", "*.jinja2", "*.j2"]
    pattern-regex: >-
      \{%-?\s*(flag|switch|sample)\s+\S+|waffle\.(flag|switch|sample|flag_is_active|switch_is_active|sample_is_active)\(
"""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- running and measuring -------------------------------------------------------------------------------------


@dataclass
class Run:
    wall: float
    rss_kib: Optional[int]
    cpu: Optional[float]
    code: int
    others: Optional[float] = None
    """CPU seconds the rest of the machine used during the run (busy time from /proc/stat less the run's own)."""


@dataclass
class Measure:
    label: str
    runs: List[Run] = field(default_factory=list)
    tree_pss_kib: Optional[int] = None
    note: str = ""

    @property
    def median(self) -> Optional[float]:
        return statistics.median(r.wall for r in self.runs) if self.runs else None

    @property
    def rss_mb(self) -> Optional[float]:
        values = [r.rss_kib for r in self.runs if r.rss_kib is not None]
        return max(values) / 1024 if values else None

    @property
    def cpu(self) -> Optional[float]:
        values = [r.cpu for r in self.runs if r.cpu is not None]
        return statistics.median(values) if values else None

    @property
    def others(self) -> Optional[float]:
        """The largest share of one core that the rest of the machine used during a run (runs of 0.5 s or more:
        /proc/stat counts in 10 ms ticks, and starting /usr/bin/time and the command counts as "others")."""
        values = [r.others / r.wall for r in self.runs if r.others is not None and r.wall >= 0.5]
        return max(values) if values else None

    @property
    def tree_mb(self) -> Optional[float]:
        return self.tree_pss_kib / 1024 if self.tree_pss_kib is not None else None

    @property
    def peak_mb(self) -> Optional[float]:
        values = [v for v in (self.rss_mb, self.tree_mb) if v is not None]
        return max(values) if values else None


class Runner:
    def __init__(self, scratch: Path, idle_wait: float = 0.0):
        self.scratch = scratch
        self.has_time = os.access(TIME, os.X_OK)
        self.idle_wait = idle_wait
        self.busy_waits = 0

    def settle(self) -> None:
        """Before a measured run: wait for other work on the machine to end (``--wait-idle``)."""
        if self.idle_wait > 0:
            share = wait_until_idle(self.idle_wait)
            if share >= 0.1:
                self.busy_waits += 1
                log(f"  the machine is still busy ({share:.0%} of a core) after waiting {self.idle_wait:.0f} s")

    def run(self, argv: Sequence[str], cwd: Path, output: Path, env: Optional[Dict[str, str]] = None) -> Run:
        """One run: wall time around the process, its peak RSS and CPU time from /usr/bin/time."""
        timing = self.scratch / "time.txt"
        if self.has_time:
            full = [TIME, "-f", "%M %U %S", "-o", str(timing), *argv]
        else:  # a fresh wrapper process: its RUSAGE_CHILDREN is the command's alone
            wrapper = (
                "import resource, subprocess, sys\n"
                "code = subprocess.call(sys.argv[2:])\n"
                "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
                "open(sys.argv[1], 'w').write(f'{r.ru_maxrss} {r.ru_utime} {r.ru_stime}')\n"
                "sys.exit(code)\n"
            )
            full = [sys.executable, "-c", wrapper, str(timing), *argv]
        with open(output, "wb") as out, open(self.scratch / "stderr.txt", "wb") as err:
            busy_before = busy_seconds()
            start = time.perf_counter()
            process = subprocess.Popen(full, cwd=cwd, stdout=out, stderr=err, env=env)
            # No wait(timeout=...): CPython polls then, sleeping up to 50 ms between polls, which would add up to
            # 50 ms to every figure. A watchdog thread ends a run that hangs instead.
            watchdog = threading.Timer(3600, process.kill)
            watchdog.start()
            process.wait()
            wall = time.perf_counter() - start
            watchdog.cancel()
            busy_after = busy_seconds()
        rss = cpu = None
        try:
            fields = timing.read_text().split()[-3:]
            rss, cpu = int(fields[0]), float(fields[1]) + float(fields[2])
        except (OSError, ValueError, IndexError):
            pass
        others = None
        if busy_before is not None and busy_after is not None and cpu is not None:
            others = max(0.0, busy_after - busy_before - cpu)
        return Run(wall, rss, cpu, process.returncode, others)

    def tree_pss(self, argv: Sequence[str], cwd: Path, output: Path, env: Optional[Dict[str, str]] = None) -> int:
        """Peak of the summed PSS of the process tree, sampled every 20 ms (KiB)."""
        peak = 0
        with open(output, "wb") as out, open(self.scratch / "stderr.txt", "wb") as err:
            process = subprocess.Popen(list(argv), cwd=cwd, stdout=out, stderr=err, env=env)
            while process.poll() is None:
                total = sum(_pss(pid) for pid in _tree(process.pid))
                peak = max(peak, total)
                time.sleep(0.02)
        return peak


def busy_seconds() -> Optional[float]:
    """CPU seconds all cores have spent busy since boot (/proc/stat), or None."""
    try:
        with open("/proc/stat") as handle:
            fields = handle.readline().split()
    except OSError:
        return None
    values = [int(v) for v in fields[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    guest = sum(values[8:10]) if len(values) > 9 else 0  # already counted in user and nice
    return (sum(values) - idle - guest) / os.sysconf("SC_CLK_TCK")


def wait_until_idle(limit: float, threshold: float = 0.1) -> float:
    """Wait (up to `limit` seconds) until the machine is idle: below `threshold` of one core busy over 0.5 s.

    Other work on the machine (another benchmark, a build) makes every figure meaningless. Returns the busy
    share seen last."""
    deadline = time.monotonic() + limit
    share = 0.0
    while True:
        before, start = busy_seconds(), time.monotonic()
        time.sleep(0.5)
        after = busy_seconds()
        if before is None or after is None:
            return 0.0
        share = (after - before) / (time.monotonic() - start)
        if share < threshold or time.monotonic() > deadline:
            return share
        time.sleep(1.0)


def _tree(pid: int) -> List[int]:
    pids = [pid]
    index = 0
    while index < len(pids):
        current = pids[index]
        index += 1
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    pids.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return pids


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


# --- the tools -------------------------------------------------------------------------------------------------


def find_flaglint(given: Optional[str]) -> str:
    if given:
        return given
    beside = Path(sys.executable).with_name("flaglint")
    if beside.exists():
        return str(beside)
    found = shutil.which("flaglint")
    if found is None:
        raise SystemExit("flaglint not found: run this with the Python of flaglint's environment, or --flaglint")
    return found


def snapshot(revision: str, scratch: Path) -> Tuple[str, str]:
    """flaglint as committed at `revision`, extracted with ``git archive`` and run with the editable install's
    import hook bypassed, so edits to the work tree during a long run change nothing. (executable, description)"""
    import io
    import tarfile

    repository = Path(__file__).resolve().parent.parent
    commit = subprocess.run(
        ["git", "-C", str(repository), "log", "-1", "--format=%h %cd", "--date=short", revision],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    archive = subprocess.run(
        ["git", "-C", str(repository), "archive", "--format=tar", revision, "flaglint"], capture_output=True, check=True
    ).stdout
    target = scratch / f"flaglint-{commit.split()[0]}"
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target)
    executable = target / "flaglint-cli"
    executable.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "sys.meta_path = [f for f in sys.meta_path if 'editable' not in repr(f)]\n"
        f"sys.path.insert(0, {str(target)!r})\n"
        "from flaglint.cli import main\n"
        "sys.exit(main())\n"
    )
    executable.chmod(0o755)
    return str(executable), f" from {repository} at {commit} (git archive of {revision})"


def find_semgrep(given: Optional[str], install: bool) -> Tuple[Optional[str], str]:
    """The semgrep executable, or None and why not."""
    candidates = [given] if given else [shutil.which("semgrep"), "/tmp/semgrep-venv/bin/semgrep"]
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return candidate, ""
    if given:
        return None, f"{given} does not exist"
    if not install:
        return None, "not installed (python3 -m venv /tmp/semgrep-venv && /tmp/semgrep-venv/bin/pip install semgrep)"
    log("installing semgrep into /tmp/semgrep-venv")
    try:
        subprocess.run([sys.executable, "-m", "venv", "/tmp/semgrep-venv"], check=True, capture_output=True)
        subprocess.run(
            ["/tmp/semgrep-venv/bin/pip", "install", "-q", "semgrep"], check=True, capture_output=True, timeout=1200
        )
    except (OSError, subprocess.SubprocessError) as error:
        return None, f"could not be installed: {error}"
    return "/tmp/semgrep-venv/bin/semgrep", ""


#: semgrep checks for a newer version online unless told not to (offline, that waits for a time-out).
SEMGREP_ENV = {**os.environ, "SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}


def version(argv: Sequence[str], env: Optional[Dict[str, str]] = None) -> str:
    try:
        out = subprocess.run(list(argv), capture_output=True, timeout=120, env=env).stdout.decode().strip()
        return out.splitlines()[0] if out else "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def flaglint_source(executable: Optional[str]) -> str:
    """Where the measured flaglint comes from: its directory and, in a git checkout, the commit (and whether the
    work tree has uncommitted changes to it)."""
    if executable is not None and Path(executable).absolute().parent != Path(sys.executable).absolute().parent:
        return f" ({executable})"
    try:
        import flaglint
    except ImportError:
        return ""
    package = Path(flaglint.__file__).resolve().parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(package), "log", "-1", "--format=%h %cd", "--date=short"],
            capture_output=True, text=True, timeout=30,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(package), "status", "--porcelain", "--", "."], capture_output=True, text=True, timeout=30
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return f" from {package}"
    if not commit:
        return f" from {package}"
    return f" from {package} at {commit}" + (" with uncommitted changes" if dirty else "")


def machine(tools: Dict[str, Optional[str]]) -> Dict[str, str]:  # noqa: C901
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    info = {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cpus": f"{os.cpu_count()} (nproc {version(['nproc'])})",
        "cpu": cpu,
        "memory": memory,
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "flaglint": version([tools["flaglint"] or "flaglint", "--version"])
        + (tools.get("flaglint_source") or flaglint_source(tools["flaglint"])),
        "ripgrep": version([tools["rg"], "--version"]) if tools.get("rg") else "not available",
        "semgrep": version([tools["semgrep"], "--version"], SEMGREP_ENV) if tools.get("semgrep") else "not available",
        "git": version(["git", "--version"]),
    }
    return info


# --- one corpus size -------------------------------------------------------------------------------------------


def canonical_json(path: Path) -> str:
    return json.dumps(json.loads(path.read_bytes()), sort_keys=True)


def touch(paths: Sequence[Path], stamp: str) -> Dict[Path, bytes]:
    """Append a comment line to each file; the original bytes, to restore."""
    originals: Dict[Path, bytes] = {}
    for path in paths:
        data = path.read_bytes()
        originals[path] = data
        separator = b"" if data.endswith(b"\n") or not data else b"\n"
        path.write_bytes(data + separator + f"# touched by the benchmark ({stamp})\n".encode())
    return originals


def restore(originals: Dict[Path, bytes]) -> None:
    for path, data in originals.items():
        path.write_bytes(data)


def clear_cache(directory: Path) -> None:
    shutil.rmtree(directory / ".flaglint_cache", ignore_errors=True)


class SizeBench:
    def __init__(
        self,
        name: str,
        directory: Path,
        manifest: Dict[str, Any],
        runner: Runner,
        tools: Dict[str, Optional[str]],
        repeat: int,
        scratch: Path,
        jobs_default: int,
    ):
        self.name = name
        self.directory = directory
        self.manifest = manifest
        self.runner = runner
        self.tools = tools
        self.repeat = repeat
        self.scratch = scratch
        self.jobs_default = jobs_default
        self.measures: Dict[str, Measure] = {}
        self.outputs: Dict[str, Path] = {}
        self.checks: List[str] = []
        self.counts: Dict[str, Any] = {}

    def output(self, key: str) -> Path:
        return self.scratch / f"{self.name}-{key}.out"

    def flaglint(self, *options: str) -> List[str]:
        return [self.tools["flaglint"] or "flaglint", "refs", "--format", "json", *options, "."]

    def measure(
        self,
        key: str,
        label: str,
        argv: Sequence[str],
        *,
        sample_tree: bool = False,
        env: Optional[Dict[str, str]] = None,
    ) -> Measure:
        measure = Measure(label)
        out = self.output(key)
        for index in range(self.repeat):
            self.runner.settle()
            run = self.runner.run(argv, self.directory, out, env)
            if run.code not in (0, 1):
                error = (self.scratch / "stderr.txt").read_text()[-2000:]
                raise SystemExit(f"{label} failed with exit code {run.code}: {error}")
            measure.runs.append(run)
            log(f"  {self.name}: {label} run {index + 1}: {run.wall:.3f} s (others {run.others or 0:.2f} s CPU)")
        if sample_tree:
            self.runner.settle()
            measure.tree_pss_kib = self.runner.tree_pss(argv, self.directory, self.scratch / "sampled.out", env)
        self.measures[key] = measure
        self.outputs[key] = out
        return measure

    def run_all(self, skip_semgrep: bool) -> None:
        flaglint_cold = self.flaglint("--no-cache")
        log(f"{self.name}: warm-up runs (page cache)")
        self.runner.run(flaglint_cold, self.directory, self.output("warmup"))
        if self.tools.get("rg"):
            self.runner.run(self.rg_argv(), self.directory, self.output("warmup"))

        self.measure("cold", f"flaglint cold (default --jobs = {self.jobs_default})", flaglint_cold, sample_tree=True)
        self.measure("cold_j1", "flaglint cold --jobs 1", self.flaglint("--no-cache", "--jobs", "1"), sample_tree=True)
        self.measure("cold_j2", "flaglint cold --jobs 2", self.flaglint("--no-cache", "--jobs", "2"), sample_tree=True)

        clear_cache(self.directory)
        warm = self.flaglint()
        self.runner.run(warm, self.directory, self.output("prime"))  # fills the cache
        self.measure("warm", "flaglint warm (cache, nothing changed)", warm, sample_tree=True)

        python_files = sorted(p for p in _git_files(self.directory) if p.endswith(".py"))
        referencing = sorted({p for p, _, _ in self.manifest["expected"] if p.endswith(".py")})
        self.touched("touched", "flaglint after touching 10 random .py files", python_files, warm)
        self.touched("touched_refs", "flaglint after touching 10 .py files with references", referencing, warm)

        if self.tools.get("rg"):
            self.measure("rg", "ripgrep (rg -n API regex)", self.rg_argv())
            self.counts["rg_lines"] = sum(1 for _ in open(self.outputs["rg"], "rb"))
        if self.tools.get("semgrep") and not skip_semgrep:
            argv = self.semgrep_argv()
            log(f"{self.name}: semgrep warm-up run")
            self.runner.run(argv, self.directory, self.output("warmup"), SEMGREP_ENV)
            self.measure("semgrep", "semgrep (equivalent rules)", argv, sample_tree=True, env=SEMGREP_ENV)
            try:
                data = json.loads(self.outputs["semgrep"].read_bytes())
                self.counts["semgrep_results"] = len(data.get("results", []))
                self.counts["semgrep_files"] = len(data.get("paths", {}).get("scanned", []))
                self.counts["semgrep_errors"] = len(data.get("errors", []))
            except ValueError:
                self.counts["semgrep_results"] = "unreadable output"
        self.compare()

    def touched(self, key: str, label: str, candidates: Sequence[str], argv: Sequence[str]) -> None:
        measure = Measure(label)
        out = self.output(key)
        for index in range(self.repeat):
            self.runner.run(argv, self.directory, self.output("prime"))  # the cache is current again
            rng = random.Random(f"{self.name}:{key}:{index}")
            chosen = [self.directory / p for p in rng.sample(list(candidates), min(TOUCHED_FILES, len(candidates)))]
            originals = touch(chosen, f"{key} {index}")
            try:
                self.runner.settle()
                run = self.runner.run(argv, self.directory, out)
            finally:
                restore(originals)
            measure.runs.append(run)
            log(f"  {self.name}: {label} run {index + 1}: {run.wall:.3f} s (others {run.others or 0:.2f} s CPU)")
        # One more, sampled for the process tree's memory.
        self.runner.run(argv, self.directory, self.output("prime"))
        rng = random.Random(f"{self.name}:{key}:sampled")
        chosen = [self.directory / p for p in rng.sample(list(candidates), min(TOUCHED_FILES, len(candidates)))]
        originals = touch(chosen, f"{key} sampled")
        try:
            measure.tree_pss_kib = self.runner.tree_pss(argv, self.directory, self.scratch / "sampled.out")
        finally:
            restore(originals)
        self.measures[key] = measure
        self.outputs[key] = out

    def rg_argv(self) -> List[str]:
        return [self.tools["rg"] or "rg", "-n", "--no-heading", "-e", API_REGEX, "."]

    def semgrep_argv(self) -> List[str]:
        rules = self.scratch / "waffle-rules.yml"
        rules.write_text(SEMGREP_RULES)
        return [
            self.tools["semgrep"] or "semgrep",
            "scan",
            "--config",
            str(rules),
            "--json",
            "--quiet",
            "--metrics=off",
            "--disable-version-check",
            "--jobs",
            str(self.jobs_default),
            "--max-target-bytes",
            str(5 * 1024 * 1024),
            ".",
        ]

    def compare(self) -> None:
        keys = [k for k in ("cold", "cold_j1", "cold_j2", "warm", "touched", "touched_refs") if k in self.outputs]
        documents = {k: canonical_json(self.outputs[k]) for k in keys}
        reference = documents["cold"]
        different = [k for k in keys if documents[k] != reference]
        self.counts["identical"] = not different
        self.counts["different"] = different
        refs = json.loads(reference)["references"]
        self.counts["references"] = len(refs)
        expected = Counter((p, k, n) for p, k, n in self.manifest["expected"])
        generated_paths = {p for p, _, _ in self.manifest["expected"]}
        found = Counter(
            (r["path"], r["kind"], r["name"])
            for r in refs
            if r["path"].startswith("portal/") or r["path"] in generated_paths
        )
        self.counts["expected"] = sum(expected.values())
        self.counts["missing"] = sorted(map(list, (expected - found).elements()))
        self.counts["extra"] = sorted(map(list, (found - expected).elements()))


def _git_files(directory: Path) -> List[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=directory, capture_output=True, check=True).stdout
    return [name for name in out.decode().split("\0") if name]


# --- the report ------------------------------------------------------------------------------------------------


def fmt_time(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.3f}"


def fmt_mb(value: Optional[float]) -> str:
    return "-" if value is None else f"{value:.0f}"


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a is not None and b else None


def verdict(value: Optional[float], goal: float) -> str:
    if value is None:
        return "NOT MEASURED"
    return "MET" if value <= goal else "MISSED"


def report(benches: Dict[float, SizeBench], info: Dict[str, str], notes: List[str]) -> Dict[str, Any]:
    print("Machine")
    for key, value in info.items():
        print(f"  {key:9} {value}")
    print()
    print("Corpus (benchmarks/corpus.py)")
    print(
        f"  {'size':8} {'files':>6} {'.py files':>9} {'.py lines':>10} {'templates':>9} {'JS':>4} "
        f"{'with refs':>9} {'refs':>5}"
    )
    for fraction, bench in sorted(benches.items()):
        m = bench.manifest
        print(
            f"  {bench.name:8} {m['files']:6} {m['python_files']:9} {m['python_lines']:10,} {m['template_files']:9} "
            f"{m['javascript_files']:4} {m['files_with_references']:9} {m['references']:5}"
        )
    full = benches.get(1.0) or benches[max(benches)]
    print("  sources of the largest: " + "; ".join(
        f"{s['name']} ({s['files']} files, {s['python_lines']:,} .py lines)" for s in full.manifest["sources"]))
    print()
    keys: List[str] = []
    for bench in benches.values():
        keys += [k for k in bench.measures if k not in keys]
    order = sorted(benches)
    header = "  " + f"{'':52}" + "".join(f"{benches[f].name:>26}" for f in order)
    sub = "  " + f"{'':52}" + "".join(f"{'median s':>10}{'RSS MB':>8}{'tree MB':>8}" for _ in order)
    if 0.5 in benches and 1.0 in benches:
        header += f"{'full/half':>11}"
    print("Wall time (median of runs), peak RSS of the largest process, peak PSS of the whole process tree")
    print(header)
    print(sub)
    for key in keys:
        label = next(b.measures[key].label for b in benches.values() if key in b.measures)
        row = f"  {label:52}"
        for fraction in order:
            m = benches[fraction].measures.get(key)
            row += (
                f"{fmt_time(m.median if m else None):>10}{fmt_mb(m.rss_mb if m else None):>8}"
                f"{fmt_mb(m.tree_mb if m else None):>8}"
            )
        if 0.5 in benches and 1.0 in benches:
            a, b = benches[1.0].measures.get(key), benches[0.5].measures.get(key)
            r = ratio(a.median if a else None, b.median if b else None)
            row += f"{'-' if r is None else f'{r:.2f}x':>11}"
        print(row)
    print()
    print("Ratios, results and goals (largest corpus)")
    m = full.measures
    cold = m.get("cold")
    results: Dict[str, Any] = {}

    def get(key: str) -> Optional[float]:
        return m[key].median if key in m else None

    cold_vs_semgrep = ratio(get("cold"), get("semgrep"))
    warm_vs_rg = ratio(get("warm"), get("rg"))
    touched_vs_rg = ratio(get("touched"), get("rg"))
    touched_refs_vs_rg = ratio(get("touched_refs"), get("rg"))
    flaglint_peaks = [x.peak_mb for k, x in m.items() if k != "rg" and k != "semgrep" and x.peak_mb is not None]
    peak = max(flaglint_peaks) if flaglint_peaks else None
    scaling = None
    if 0.5 in benches and 1.0 in benches and "cold" in benches[0.5].measures:
        scaling = ratio(get("cold"), benches[0.5].measures["cold"].median)
    goals = [
        ("cold full scan / semgrep", cold_vs_semgrep, GOALS["cold_vs_semgrep"], "x"),
        ("warm scan (nothing changed) / ripgrep", warm_vs_rg, GOALS["warm_vs_rg"], "x"),
        ("after touching 10 files / ripgrep", touched_vs_rg, GOALS["touched_vs_rg"], "x"),
        ("  (10 files with references) / ripgrep", touched_refs_vs_rg, GOALS["touched_vs_rg"], "x"),
        ("peak memory of any flaglint run (MB)", peak, GOALS["peak_mb"], " MB"),
        ("cold: full corpus / half corpus", scaling, GOALS["full_vs_half"], "x"),
    ]
    for label, value, goal, unit in goals:
        shown = "-" if value is None else (f"{value:.2f}{unit}" if unit == "x" else f"{value:.0f}{unit}")
        print(f"  {label:42} {shown:>10}   goal <= {goal:g}{unit.strip() and unit}   {verdict(value, goal)}")
        results[label.strip()] = {"value": value, "goal": goal, "verdict": verdict(value, goal)}
    if cold is not None and cold.cpu is not None:
        print(f"  cold: {cold.cpu:.1f} s CPU for {cold.median:.2f} s wall (all processes), jobs=1 "
              f"{fmt_time(get('cold_j1'))} s, jobs=2 {fmt_time(get('cold_j2'))} s")
    for fraction in order:
        bench = benches[fraction]
        c = bench.counts
        same = "identical" if c["identical"] else f"DIFFERENT: {', '.join(c['different'])} differ from cold"
        print(
            f"  {bench.name}: cold / --jobs 1 / --jobs 2 / warm / touched results {same}; "
            f"{c['references']} references; "
            f"generated corpus: {c['expected'] - len(c['missing'])}/{c['expected']} expected found, "
            f"{len(c['extra'])} unexpected"
            + (f"; rg {c['rg_lines']} matching lines" if "rg_lines" in c else "")
            + (f"; semgrep {c['semgrep_results']} results in {c.get('semgrep_files')} files"
               f" ({c.get('semgrep_errors')} errors)" if "semgrep_results" in c else "")
        )
        for kind in ("missing", "extra"):
            for item in c[kind][:10]:
                print(f"    {kind}: {item}")
    for fraction in order:
        bench = benches[fraction]
        shares = {k: x.others for k, x in bench.measures.items() if x.others is not None}
        if shares:
            worst = max(shares, key=lambda k: shares[k])
            flag = "  (BUSY MACHINE: figures unreliable)" if shares[worst] > 0.1 else ""
            print(
                f"  {bench.name}: other work on the machine during measured runs: at most "
                f"{shares[worst]:.0%} of a core ({bench.measures[worst].label}){flag}"
            )
    for note in notes:
        print(f"  note: {note}")
    return {
        "machine": info,
        "goals": results,
        "notes": notes,
        "sizes": {
            bench.name: {
                "corpus": {k: v for k, v in bench.manifest.items() if k != "expected"},
                "measures": {
                    key: {
                        "label": x.label,
                        "median_s": x.median,
                        "runs_s": [r.wall for r in x.runs],
                        "cpu_s": x.cpu,
                        "rss_mb": x.rss_mb,
                        "tree_pss_mb": x.tree_mb,
                        "others_core_share": x.others,
                    }
                    for key, x in bench.measures.items()
                },
                "checks": bench.counts,
            }
            for bench in benches.values()
        },
    }


# --- main ------------------------------------------------------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="where the corpus is built and kept (default: a temporary directory)")
    parser.add_argument("--repeat", type=int, default=3, help="measured runs per command (default 3)")
    parser.add_argument("--skip-semgrep", action="store_true")
    parser.add_argument("--install-semgrep", action="store_true", help="pip install semgrep into /tmp/semgrep-venv")
    parser.add_argument("--semgrep", help="the semgrep executable")
    parser.add_argument("--flaglint", help="the flaglint executable (default: next to this Python)")
    parser.add_argument(
        "--flaglint-commit",
        metavar="REV",
        help="measure flaglint as committed at REV (git archive into a temporary directory), not the work tree",
    )
    parser.add_argument("--sizes", default="0.25,0.5,1", help="corpus fractions (default 0.25,0.5,1)")
    parser.add_argument("--target-lines", type=int, default=corpus_builder.DEFAULT_TARGET_LINES)
    parser.add_argument("--min-files", type=int, default=corpus_builder.DEFAULT_MIN_FILES)
    parser.add_argument("--seed", type=int, default=corpus_builder.DEFAULT_SEED)
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=120.0,
        metavar="SECONDS",
        help="before each measured run, wait up to this long for the machine to be idle (0: do not wait)",
    )
    args = parser.parse_args(argv)

    fractions = sorted({float(x) for x in args.sizes.split(",")})
    tools: Dict[str, Optional[str]] = {"flaglint": find_flaglint(args.flaglint), "rg": shutil.which("rg")}
    notes: List[str] = []
    if tools["rg"] is None:
        notes.append("ripgrep not found (apt-get install ripgrep, or pip install ripgrep): its rows are missing")
    tools["semgrep"] = None
    if not args.skip_semgrep:
        tools["semgrep"], why = find_semgrep(args.semgrep, args.install_semgrep)
        if tools["semgrep"] is None:
            notes.append(f"semgrep {why}: its rows are missing")
    else:
        notes.append("semgrep skipped (--skip-semgrep)")
    if not os.access(TIME, os.X_OK):
        notes.append(f"{TIME} not found: peak RSS comes from a wrapper's RUSAGE_CHILDREN")

    temporary = None
    if args.corpus:
        base = Path(args.corpus).absolute()
    else:
        temporary = tempfile.mkdtemp(prefix="flaglint-monorepo-")
        base = Path(temporary)
    scratch = Path(tempfile.mkdtemp(prefix="flaglint-bench-"))
    try:
        if args.flaglint_commit:
            tools["flaglint"], tools["flaglint_source"] = snapshot(args.flaglint_commit, scratch)
        log(f"corpus under {base}")
        built = corpus_builder.build_set(
            base, fractions, args.target_lines, args.min_files, args.seed, log=sys.stderr
        )
        runner = Runner(scratch, args.wait_idle)
        jobs_default = os.cpu_count() or 1
        if tools["semgrep"]:
            probe = subprocess.run(
                [tools["semgrep"], "scan", "--metrics=off", "--disable-version-check", "--quiet", "--json", "--config",
                 str(_write_rules(scratch)), str(scratch / "waffle-rules.yml")],
                capture_output=True,
                timeout=600,
                env=SEMGREP_ENV,
            )
            if probe.returncode not in (0, 1):
                notes.append(f"semgrep does not run here (exit {probe.returncode}): {probe.stderr.decode()[-300:]}")
                tools["semgrep"] = None
        info = machine(tools)
        benches: Dict[float, SizeBench] = {}
        for fraction in fractions:
            directory, manifest = built[fraction]
            name = SIZES.get(fraction, f"f{fraction:g}")
            bench = SizeBench(name, directory, manifest, runner, tools, args.repeat, scratch, jobs_default)
            clear_cache(directory)
            bench.run_all(args.skip_semgrep)
            clear_cache(directory)
            benches[fraction] = bench
        notes.append(
            f"semgrep runs with --jobs {jobs_default} (flaglint's default is the CPU count) and an empty "
            ".semgrepignore "
            "in the corpus, so it scans tests/ too; it honours .gitignore like the others"
        )
        results = report(benches, info, notes)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        if temporary:
            shutil.rmtree(temporary, ignore_errors=True)
    return 0


def _write_rules(scratch: Path) -> Path:
    rules = scratch / "waffle-rules.yml"
    rules.write_text(SEMGREP_RULES)
    return rules


if __name__ == "__main__":
    sys.exit(main())
