"""flaglint on real Django codebases: cold, warm and touched runs against ripgrep and semgrep, stage by stage.

    python benchmarks/realcode.py --trees /work/corpus                 # every tree alone, then all as one root
    python benchmarks/realcode.py --trees /work/corpus --repeat 5 --only mozilla+kitsune --only all
    python benchmarks/realcode.py --trees /work/corpus --skip-semgrep --json results.json

``--trees DIR`` is a directory of real trees, one a subdirectory (fetched and extracted outside this repository;
``benchmarks/README.md`` lists which, at which commits, and how to get them). The trees are never written: each
run keeps its cache in a scratch directory (``FLAGLINT_CACHE_DIR``), and "all" (every tree side by side, as one
root, not a git repository) and the 1/4 and 1/2 subsets (trees taken smallest first until the share of lines is
reached) are hard-linked copies in the scratch directory. Touched runs append a comment line to 10 random Python
files of a copy and restore them.

For each root, after one unmeasured run of each tool (the OS page cache is then warm for all of them), ``--repeat``
measured runs; the median wall time is shown:

- flaglint cold: ``flaglint refs . --format json --no-cache``; warm: the same with the cache, nothing changed;
  touched: after 10 files changed;
- ripgrep: ``rg -n --no-heading -e API_REGEX .``;
- semgrep: the 8-pattern waffle rule of ``monorepo.py`` (``semgrep scan --config RULES --jobs N .``), with its
  default ignores, as users run it;
- peak memory: the summed PSS of flaglint's process tree (main process and workers), sampled every 20 ms;
- files read / parsed / collected, and the seconds of each stage (discovery, per-file work split into read,
  prefilter, parse and collect from a ``--jobs 1`` run, derivation and recollection, resolution, output), from
  ``FLAGLINT_TIMINGS``; imports are timed on their own.

Every flaglint run of a root (cold at every ``--jobs``, warm, touched) must report the same references: the
benchmark compares them and says so. Speed is measured here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
import monorepo  # noqa: E402  (the shared measuring tools)
from monorepo import API_REGEX, SEMGREP_ENV, Measure, Runner, log, machine  # noqa: E402

GOALS = {"cold_vs_semgrep": 0.2, "warm_vs_rg": 2.0, "touched_vs_rg": 4.0, "peak_mb": 200.0, "full_vs_half": 2.2}


@dataclass
class Root:
    """One root measured: a tree alone, all of them, or a share of them."""

    name: str
    path: Path
    python_files: int = 0
    python_lines: int = 0
    measures: Dict[str, Measure] = field(default_factory=dict)
    stages: Dict[str, Any] = field(default_factory=dict)
    identical: Optional[bool] = None
    references: int = 0
    notes: List[str] = field(default_factory=list)


def count_python(root: Path) -> Tuple[int, int]:
    files = lines = 0
    for path in root.rglob("*.py"):
        if path.is_file():
            files += 1
            try:
                lines += path.read_bytes().count(b"\n")
            except OSError:
                pass
    return files, lines


def link_copy(sources: Sequence[Path], target: Path) -> None:
    """A copy made of hard links (instant, no space); touched files are written as new files, never in place."""
    target.mkdir(parents=True, exist_ok=True)
    for source in sources:
        # a tree given as a symbolic link is copied as the directory it points to, not as the link
        subprocess.run(["cp", "-al", str(source.resolve()), str(target / source.name)], check=True)


def detach(path: Path) -> None:
    """Give a hard-linked file its own inode before changing it (the original tree is never written)."""
    data = path.read_bytes()
    path.unlink()
    path.write_bytes(data)


class Bench:
    def __init__(self, args: argparse.Namespace, scratch: Path, tools: Dict[str, Optional[str]]):
        self.args = args
        self.scratch = scratch
        self.tools = tools
        self.runner = Runner(scratch, idle_wait=args.wait_idle)
        self.rules = scratch / "waffle-rules.yml"
        self.rules.write_text(monorepo.SEMGREP_RULES)
        self.jobs = os.cpu_count() or 1

    def env(self, root: Root, timings: Optional[Path] = None) -> Dict[str, str]:
        environment = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
        environment["FLAGLINT_CACHE_DIR"] = str(self.scratch / "cache" / root.name)
        if timings is not None:
            environment["FLAGLINT_TIMINGS"] = str(timings)
        return environment

    def flaglint(self, *options: str) -> List[str]:
        return [self.tools["flaglint"] or "flaglint", "refs", ".", "--format", "json", "--quiet", *options]

    def measure(self, root: Root, key: str, argv: List[str], env: Optional[Dict[str, str]] = None,
                prepare: Any = None, after: Any = None) -> Path:  # fmt: skip
        out = self.scratch / f"{root.name}-{key}.out"
        measure = Measure(key)
        if prepare:
            prepare()
        self.runner.run(argv, root.path, out, env)  # unmeasured: page cache, bytecode, cache priming
        if after:
            after()
        for _ in range(self.args.repeat):
            if prepare:
                prepare()
            self.runner.settle()
            measure.runs.append(self.runner.run(argv, root.path, out, env))
            if after:
                after()
        root.measures[key] = measure
        return out

    def run_root(self, root: Root) -> None:
        root.python_files, root.python_lines = count_python(root.path)
        log(f"{root.name}: {root.python_files} Python files, {root.python_lines} lines")
        env = self.env(root)
        cache = Path(env["FLAGLINT_CACHE_DIR"])
        outputs: Dict[str, Path] = {}
        outputs["cold"] = self.measure(root, "cold", self.flaglint("--no-cache"), env)
        if not self.args.quick:
            for jobs in ("1", "2"):
                outputs[f"cold_j{jobs}"] = self.measure(
                    root, f"cold_j{jobs}", self.flaglint("--no-cache", "--jobs", jobs), env
                )
        shutil.rmtree(cache, ignore_errors=True)
        outputs["warm"] = self.measure(root, "warm", self.flaglint(), env)
        outputs["touched"] = self.touched(root, env)
        self.measure(root, "rg", [self.tools["rg"] or "rg", "-n", "--no-heading", "-e", API_REGEX, "."])
        if self.tools.get("semgrep") and not self.args.skip_semgrep:
            semgrep = [self.tools["semgrep"] or "semgrep", "scan", "--config", str(self.rules), "--json", "--quiet",
                       "--metrics=off", "--disable-version-check", "--jobs", str(self.jobs), "."]  # fmt: skip
            self.measure(root, "semgrep", semgrep, SEMGREP_ENV)
        cold = root.measures["cold"]
        cold.tree_pss_kib = self.runner.tree_pss(self.flaglint("--no-cache"), root.path, self.scratch / "pss.out", env)
        self.stages(root, env)
        documents = {key: _references(path) for key, path in outputs.items()}
        root.identical = all(document == documents["cold"] for document in documents.values())
        root.references = len(documents["cold"])
        if not root.identical:
            root.notes.append(
                "DIFFERENT results: " + ", ".join(k for k, d in documents.items() if d != documents["cold"])
            )

    def touched(self, root: Root, env: Dict[str, str]) -> Path:
        """10 random Python files changed (a comment appended) before each measured run, restored after it."""
        files = sorted(p for p in root.path.rglob("*.py") if p.is_file())
        chooser = random.Random(1)
        state: Dict[str, Any] = {}

        def prepare() -> None:
            subprocess.run(self.flaglint(), cwd=root.path, env=env, capture_output=True)  # the cache is warm
            chosen = chooser.sample(files, min(10, len(files)))
            for path in chosen:
                detach(path)
            state["originals"] = monorepo.touch(chosen, str(time.time()))

        def after() -> None:
            monorepo.restore(state.pop("originals", {}))

        return self.measure(root, "touched", self.flaglint(), env, prepare, after)

    def stages(self, root: Root, env: Dict[str, str]) -> None:
        """Where the time goes: a cold run at ``--jobs 1`` (every stage in one process), one at the default, a warm
        one, and the imports alone."""
        for label, options in (("cold, --jobs 1", ("--no-cache", "--jobs", "1")), ("cold", ("--no-cache",)),
                               ("warm", ()),):  # fmt: skip
            timings = self.scratch / "timings.json"
            started = time.perf_counter()
            subprocess.run(self.flaglint(*options), cwd=root.path, env=self.env(root, timings), capture_output=True)
            wall = time.perf_counter() - started
            try:
                report = json.loads(timings.read_text())
            except (OSError, ValueError):
                report = {}
            report["wall"] = wall
            root.stages[label] = report
            timings.unlink(missing_ok=True)
        modules = "import flaglint.cli, flaglint.scan.pipeline, flaglint.scan.cache, flaglint.report.json"
        imports = [sys.executable, "-c", modules]
        started = time.perf_counter()
        subprocess.run(imports, capture_output=True, env=self.env(root))
        bare = time.perf_counter() - started
        started = time.perf_counter()
        subprocess.run([imports[0], "-c", "pass"], capture_output=True)
        root.stages["imports"] = bare - (time.perf_counter() - started)


def _references(path: Path) -> List[Tuple[Any, ...]]:
    try:
        document = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return []
    return sorted(tuple(sorted(r.items())) for r in document.get("references", []))


# --- the report ------------------------------------------------------------------------------------------------


def fmt(value: Optional[float], digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a is not None and b else None


def report(roots: List[Root], info: Dict[str, str], scaling: Dict[str, Root]) -> Dict[str, Any]:
    lines = ["machine: " + ", ".join(f"{k} {v}" for k, v in info.items()), ""]
    header = (
        f"{'root':<34} {'py files':>8} {'py lines':>9} {'refs':>5} {'cold':>6} {'j1':>6} {'warm':>6} {'touch':>6} "
        f"{'rg':>6} {'semgrep':>7} {'c/sg':>5} {'w/rg':>5} {'t/rg':>5} {'PSS MB':>6} same"
    )
    lines += [header, "-" * len(header)]
    summary: Dict[str, Any] = {"machine": info, "roots": {}, "goals": GOALS}
    for root in roots:
        m = {key: measure.median for key, measure in root.measures.items()}
        peak = root.measures["cold"].peak_mb if "cold" in root.measures else None
        figures = {
            "python_files": root.python_files,
            "python_lines": root.python_lines,
            "references": root.references,
            **{key: value for key, value in m.items()},
            "cold_vs_semgrep": ratio(m.get("cold"), m.get("semgrep")),
            "warm_vs_rg": ratio(m.get("warm"), m.get("rg")),
            "touched_vs_rg": ratio(m.get("touched"), m.get("rg")),
            "peak_mb": peak,
            "identical": root.identical,
            "stages": root.stages,
            "notes": root.notes,
        }
        summary["roots"][root.name] = figures
        lines.append(
            f"{root.name:<34} {root.python_files:>8} {root.python_lines:>9} {root.references:>5} "
            f"{fmt(m.get('cold')):>6} {fmt(m.get('cold_j1')):>6} {fmt(m.get('warm')):>6} {fmt(m.get('touched')):>6} "
            f"{fmt(m.get('rg')):>6} {fmt(m.get('semgrep')):>7} {fmt(figures['cold_vs_semgrep']):>5} "
            f"{fmt(figures['warm_vs_rg']):>5} {fmt(figures['touched_vs_rg']):>5} {fmt(peak, 0):>6} "
            f"{'yes' if root.identical else 'NO'}"
        )
    lines.append("")
    lines.append("seconds per stage (cold --jobs 1 | cold | warm), files:")
    for root in roots:
        stages = root.stages
        one = stages.get("cold, --jobs 1", {})
        parts = {**one.get("seconds", {}), **{f"per-file {k}": v for k, v in one.get("per-file", {}).items()}}
        cold = stages.get("cold", {}).get("seconds", {})
        warm = stages.get("warm", {}).get("seconds", {})
        lines.append(f"  {root.name}: imports {fmt(stages.get('imports'), 3)}")
        lines.append("    j1:   " + ", ".join(f"{k} {v:.3f}" for k, v in parts.items()))
        lines.append("    cold: " + ", ".join(f"{k} {v:.3f}" for k, v in cold.items()))
        lines.append("    warm: " + ", ".join(f"{k} {v:.3f}" for k, v in warm.items()))
        counts = one.get("counts", {})
        lines.append("    files: " + ", ".join(f"{k} {int(v)}" for k, v in counts.items()))
    if scaling:
        lines.append("")
        parts = [
            f"{name} {fmt(part.measures['cold'].median)} s ({part.python_lines} lines)"
            for name, part in scaling.items()
        ]
        lines.append("scaling (cold): " + ", ".join(parts))
        full, half, quarter = (scaling.get(k) for k in ("full", "half", "quarter"))
        if full and half:
            value = ratio(full.measures["cold"].median, half.measures["cold"].median)
            summary["full_vs_half"] = value
            lines.append(f"full/half {fmt(value)} (goal <= {GOALS['full_vs_half']})")
        if half and quarter:
            summary["half_vs_quarter"] = ratio(half.measures["cold"].median, quarter.measures["cold"].median)
            lines.append(f"half/quarter {fmt(summary['half_vs_quarter'])}")
    lines.append("")
    for name, figures in summary["roots"].items():
        verdicts = []
        for goal in ("cold_vs_semgrep", "warm_vs_rg", "touched_vs_rg", "peak_mb"):
            value = figures.get(goal)
            verdicts.append(f"{goal} {fmt(value)} {'MET' if value is not None and value <= GOALS[goal] else 'MISSED'}")
        lines.append(f"{name}: " + "; ".join(verdicts))
    text = "\n".join(lines)
    print(text)
    summary["text"] = text
    return summary


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trees", required=True, help="a directory of real trees, one a subdirectory")
    parser.add_argument("--only", action="append", default=[], help="only this tree (or 'all'); repeatable")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-semgrep", action="store_true")
    parser.add_argument("--skip-scaling", action="store_true")
    parser.add_argument("--skip-alone", action="store_true", help="only the combined root (and scaling)")
    parser.add_argument("--quick", action="store_true", help="no cold runs at --jobs 1 and 2")
    parser.add_argument("--flaglint", help="the flaglint executable (default: next to this Python)")
    parser.add_argument("--semgrep", help="the semgrep executable")
    parser.add_argument("--scratch", help="where copies and caches go (default: a temporary directory)")
    parser.add_argument("--wait-idle", type=float, default=0.0, help="seconds to wait for an idle machine per run")
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)
    trees = sorted(p for p in Path(args.trees).iterdir() if p.is_dir())
    if not trees:
        raise SystemExit(f"no trees under {args.trees}")
    semgrep, why = monorepo.find_semgrep(args.semgrep, install=False)
    tools = {"flaglint": monorepo.find_flaglint(args.flaglint), "rg": shutil.which("rg"), "semgrep": semgrep}
    if not tools["rg"]:
        raise SystemExit("ripgrep (rg) is needed: apt-get install ripgrep")
    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="flaglint-realcode-"))
    scratch.mkdir(parents=True, exist_ok=True)
    bench = Bench(args, scratch, tools)
    info = machine(tools)
    if why:
        info["semgrep"] = why
    roots: List[Root] = []
    scaling: Dict[str, Root] = {}
    try:
        if not args.skip_alone:
            for tree in trees:
                if not args.only or tree.name in args.only:
                    root = Root(tree.name, scratch / "alone" / tree.name)
                    link_copy([tree], scratch / "alone")
                    bench.run_root(root)
                    roots.append(root)
        if not args.only or "all" in args.only:
            link_copy(trees, scratch / "all")
            combined = Root("all", scratch / "all")
            bench.run_root(combined)
            roots.append(combined)
            if not args.skip_scaling:
                sizes = sorted((count_python(tree)[1], tree) for tree in trees)
                total = sum(size for size, _ in sizes)
                for share, name in ((0.25, "quarter"), (0.5, "half")):
                    chosen, lines = [], 0
                    for size, tree in sizes:
                        if lines >= share * total:
                            break
                        chosen.append(tree)
                        lines += size
                    link_copy(chosen, scratch / name)
                    part = Root(name, scratch / name)
                    bench.run_root(part)
                    scaling[name] = part
                scaling["full"] = combined
        summary = report(roots + [r for k, r in scaling.items() if k != "full"], info, scaling)
        if args.json:
            Path(args.json).write_text(json.dumps(summary, indent=2, default=str))
    finally:
        if not args.scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
