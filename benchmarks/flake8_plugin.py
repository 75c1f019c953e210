"""flake8 with and without flaglint's plugin on the same tree, side by side.

    python benchmarks/flake8_plugin.py [--corpus DIR | --build-dir DIR] [--repeat N] [--jobs 1,2]

Both runs are the same command in the same environment (same flake8, same Python, same arguments, including
``--select E,W,F,C90,FL``); the only difference is that the "without" run removes flaglint from flake8's plugin
discovery before flake8 starts, so the plugin is neither imported nor run (flake8 runs every registered plugin and
filters results by code afterwards, so leaving FL out of ``--select`` would not switch it off). Each measured run
is a fresh ``python`` process: wall time is measured around it (interpreter start, plugin loading and all), CPU
time is the user + system time of flake8 and its workers, peak RSS is the largest single process of the run
(flake8's main process or one of its ``--jobs`` workers). The ``others:`` line says how much CPU the rest of the
machine used meanwhile: on a shared machine, wall times drift with it and the CPU-time overhead is steadier.

The default corpus is built under a temporary directory (or ``--build-dir``): the ``.py`` files of the installed
``django`` package (``--package`` to add or replace packages) plus generated apps that use waffle in every form
(literals, constants imported from other modules, decorators, mixins, ``override_flag`` in tests, models, dynamic
names), with a ``[tool.flaglint]`` inventory and retirement plan so the plugin reports real findings.
``--corpus DIR`` measures an existing tree instead (flake8 and flaglint then read their configuration from it).

Speed is measured here, never asserted in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

from corpus import dumpdata  # benchmarks/corpus.py, beside this script

#: Set in the environment of the "without" runs; read at import time, so that worker processes which re-import
#: this module (multiprocessing's spawn and forkserver start methods) drop the plugin as well.
WITHOUT_PLUGIN = "FLAGLINT_BENCH_WITHOUT_PLUGIN"
PLUGIN_PACKAGE = "flaglint"
FLAKE8_ARGS = ["--isolated", "--select", "E,W,F,C90,FL", "--max-complexity", "10", "--max-line-length", "120"]
#: The default excludes of flake8, for counting the corpus the way flake8 walks it.
EXCLUDED_DIRS = {".svn", "CVS", ".bzr", ".hg", ".git", "__pycache__", ".tox", ".nox", ".eggs"}


def _drop_plugin_from_discovery() -> None:
    from flake8.plugins import finder

    original = finder._find_importlib_plugins

    def without_flaglint() -> Iterator[Any]:
        return (plugin for plugin in original() if plugin.package != PLUGIN_PACKAGE)

    finder._find_importlib_plugins = without_flaglint


if os.environ.get(WITHOUT_PLUGIN) == "1":
    _drop_plugin_from_discovery()


# --- one measured run (a child process) ------------------------------------------------------------------------


def run_flake8(argv: List[str], report: str) -> int:
    """Run flake8 in this process; write what the parent needs to ``report`` as JSON."""
    from flake8.main import cli

    code = cli.main(argv)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    Path(report).write_text(
        json.dumps({"exit": code, "rss_kib": max(own, workers), "plugin_imported": PLUGIN_PACKAGE in sys.modules})
    )
    return 0


# --- the corpus ------------------------------------------------------------------------------------------------


def copy_package(name: str, destination: Path) -> int:
    """Copy an installed package's ``.py`` files under ``destination``; the number copied."""
    import importlib

    module = importlib.import_module(name)
    source = Path(module.__file__ or "").parent
    copied = 0
    for path in source.rglob("*.py"):
        if EXCLUDED_DIRS.intersection(path.relative_to(source).parts):
            continue
        target = destination / name / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        copied += 1
    return copied


FLAGS_MODULE = '''\
"""Flag names of the {app} app."""

NEW_CHECKOUT = "{app}_new_checkout"
ONE_CLICK = "{app}_one_click"
EXPRESS_SHIPPING = "{app}_express_shipping"
LEGACY_CART = "{app}_legacy_cart"
GIFT_CARDS = "{app}_gift_cards"
ALL_FLAGS = (NEW_CHECKOUT, ONE_CLICK, GIFT_CARDS)
PROMO_PREFIX = "{app}_promo_"
'''

VIEWS_MODULE = '''\
"""Views of the {app} app."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.decorators import method_decorator
from django.views import View
from waffle import flag_is_active, sample_is_active, switch_is_active
from waffle.decorators import waffle_flag, waffle_switch
from waffle.mixins import WaffleFlagMixin

from {app} import flags
from {app}.flags import EXPRESS_SHIPPING, NEW_CHECKOUT, ONE_CLICK
from {app}.models import Basket, Order

logger = logging.getLogger(__name__)
SHIPPING_FLAT = Decimal("4.90")


def basket_total(basket: Basket) -> Decimal:
    total = Decimal("0")
    for line in basket.lines.all():
        total += line.price * line.quantity
    if total > 100:
        return total
    return total + SHIPPING_FLAT


def checkout(request: HttpRequest) -> HttpResponse:
    basket = get_object_or_404(Basket, owner=request.user)
    context = {{"basket": basket, "total": basket_total(basket)}}
    if flag_is_active(request, NEW_CHECKOUT):
        return render(request, "{app}/checkout_new.html", context)
    if flag_is_active(request, "{app}_legacy_cart"):
        context["legacy"] = True
    if switch_is_active("{app}_maintenance"):
        return HttpResponse("down for maintenance", status=503)
    if flag_is_active(request, "{retired}"):
        context["old"] = True
    return render(request, "{app}/checkout.html", context)


@waffle_flag(ONE_CLICK)
def one_click(request: HttpRequest, order_id: int) -> JsonResponse:
    order = get_object_or_404(Order, pk=order_id, owner=request.user)
    if flag_is_active(request, flags.GIFT_CARDS) and order.gift_card:
        order.apply_gift_card()
    order.confirm()
    logger.info("order %s confirmed in one click", order.pk)
    return JsonResponse({{"order": order.pk, "status": order.status}})


@waffle_switch("!{app}_maintenance")
def shipping_options(request: HttpRequest) -> JsonResponse:
    options = [{{"code": "standard", "price": str(SHIPPING_FLAT)}}]
    if switch_is_active(EXPRESS_SHIPPING):
        options.append({{"code": "express", "price": "9.90"}})
    if sample_is_active("{app}_survey"):
        options.append({{"code": "survey", "price": "0"}})
    return JsonResponse({{"options": options}})


def promotion(request: HttpRequest, campaign: str) -> HttpResponse:
    if flag_is_active(request, flags.PROMO_PREFIX + campaign):
        return render(request, "{app}/promo.html", {{"campaign": campaign}})
    if flag_is_active(request, f"{app}_missing_{{campaign}}"):
        return HttpResponse("")
    return HttpResponse(status=404)


def feature_list(request: HttpRequest) -> JsonResponse:
    active = [name for name in flags.ALL_FLAGS if flag_is_active(request, name)]
    for name in flags.ALL_FLAGS:
        logger.debug("flag %s checked", name)
    return JsonResponse({{"active": active}})


class OrderHistory(WaffleFlagMixin, View):
    waffle_flag = "{app}_order_history"

    def get(self, request: HttpRequest) -> HttpResponse:
        orders = Order.objects.filter(owner=request.user).order_by("-created")
        return render(request, "{app}/history.html", {{"orders": orders}})


@method_decorator(waffle_flag("{app}_returns"), name="dispatch")
class Returns(View):
    def post(self, request: HttpRequest, order_id: int) -> HttpResponse:
        order = get_object_or_404(Order, pk=order_id, owner=request.user)
        order.request_return(reason=request.POST.get("reason", ""))
        return HttpResponse(status=202)
'''

API_MODULE = '''\
"""JSON API of the {app} app, through the waffle module."""

import waffle
from django.http import HttpRequest, JsonResponse

from {app} import flags as app_flags


def status(request: HttpRequest) -> JsonResponse:
    data = {{
        "checkout": waffle.flag_is_active(request, app_flags.NEW_CHECKOUT),
        "express": waffle.switch_is_active(app_flags.EXPRESS_SHIPPING),
        "legacy": waffle.flag_is_active(request, app_flags.LEGACY_CART),
    }}
    if waffle.switch_is_active("{app}_kill_switch"):
        data = {{}}
    return JsonResponse(data)


def items(request: HttpRequest) -> JsonResponse:
    page = int(request.GET.get("page", "1"))
    size = 20
    start, stop = (page - 1) * size, page * size
    return JsonResponse({{"page": page, "range": [start, stop]}})
'''

MODELS_MODULE = '''\
"""Models of the {app} app (no feature toggles here)."""

from decimal import Decimal

from django.conf import settings
from django.db import models


class Basket(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created = models.DateTimeField(auto_now_add=True)


class Order(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=20, default="new")
    gift_card = models.CharField(max_length=40, blank=True)
    total = models.DecimalField(max_digits=10, decimal_places=2, default=Decimal("0"))

    def confirm(self) -> None:
        self.status = "confirmed"
        self.save(update_fields=["status"])

    def apply_gift_card(self) -> None:
        self.total = max(Decimal("0"), self.total - Decimal("10"))
        self.save(update_fields=["total"])

    def request_return(self, reason: str) -> None:
        self.status = "return-requested"
        self.save(update_fields=["status"])
'''

TESTS_MODULE = '''\
"""Tests of the {app} app."""

from django.test import TestCase
from waffle.models import Flag
from waffle.testutils import override_flag, override_switch

from {app}.flags import NEW_CHECKOUT, ONE_CLICK


@override_flag(NEW_CHECKOUT, active=True)
class CheckoutTests(TestCase):
    def test_new_checkout(self) -> None:
        response = self.client.get("/checkout/")
        self.assertEqual(response.status_code, 302)

    @override_switch("{app}_maintenance", active=True)
    def test_maintenance(self) -> None:
        response = self.client.get("/checkout/")
        self.assertEqual(response.status_code, 503)

    def test_one_click(self) -> None:
        with override_flag(ONE_CLICK, active=False):
            response = self.client.post("/one-click/1/")
        self.assertEqual(response.status_code, 404)

    def test_flag_rows(self) -> None:
        Flag.objects.create(name="{app}_gift_cards", everyone=True)
        self.assertTrue(Flag.objects.filter(name="{app}_gift_cards").exists())
'''

MIGRATION_MODULE = """\
from django.db import migrations


def forwards(apps, schema_editor):
    Flag = apps.get_model("waffle", "Flag")
    Flag.objects.get_or_create(name="{app}_new_checkout", defaults={{"everyone": None}})


class Migration(migrations.Migration):
    dependencies = [("waffle", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
"""


def generate_apps(root: Path, count: int) -> int:
    """``count`` waffle-using apps under ``root``, with the project's inventory and retirement plan; files written."""
    inventory: List[Tuple[str, str]] = []
    written = 0
    for number in range(count):
        app = f"shop{number:03d}"
        retired = f"{app}_old_checkout"
        files = {
            "__init__.py": "",
            "flags.py": FLAGS_MODULE.format(app=app),
            "views.py": VIEWS_MODULE.format(app=app, retired=retired),
            "api.py": API_MODULE.format(app=app),
            "models.py": MODELS_MODULE.format(app=app),
            "tests/__init__.py": "",
            "tests/test_views.py": TESTS_MODULE.format(app=app),
            "migrations/__init__.py": "",
            "migrations/0002_flags.py": MIGRATION_MODULE.format(app=app),
        }
        for name, text in files.items():
            path = root / app / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written += 1
        # Most names exist in prod; "_express_shipping" is a flag there but checked as a switch (FL103),
        # "_maintenance" and "_kill_switch" are missing (FL102), "_old_checkout" is retired (FL101).
        inventory += [
            ("flag", f"{app}_new_checkout"),
            ("flag", f"{app}_one_click"),
            ("flag", f"{app}_legacy_cart"),
            ("flag", f"{app}_gift_cards"),
            ("flag", f"{app}_order_history"),
            ("flag", f"{app}_returns"),
            ("flag", f"{app}_express_shipping"),
            ("flag", retired),
            ("sample", f"{app}_survey"),
        ]
    (root / "exports").mkdir(exist_ok=True)
    (root / "exports" / "prod.json").write_text(dumpdata(inventory))
    plan = "".join(f'[[retire]]\nname = "shop{n:03d}_old_checkout"\nreason = "launched"\n\n' for n in range(count))
    (root / "retirement-plan.toml").write_text(plan)
    (root / "pyproject.toml").write_text(textwrap.dedent("""\
            [tool.flaglint]
            inventories = { prod = "exports/prod.json" }
            retirement-plan = "retirement-plan.toml"
            """))
    return written


def build_corpus(root: Path, packages: Sequence[str], apps: int) -> None:
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for package in packages:
        copied = copy_package(package, root)
        print(f"copied {copied} files of {package}", file=sys.stderr)
    print(f"generated {generate_apps(root, apps)} files in {apps} waffle apps", file=sys.stderr)


def corpus_size(root: Path) -> Tuple[int, int]:
    """(files, lines) of the ``.py`` files flake8 checks under ``root`` (its default excludes)."""
    files = lines = 0
    for directory, subdirectories, names in os.walk(root):
        subdirectories[:] = [name for name in subdirectories if name not in EXCLUDED_DIRS]
        for name in names:
            if name.endswith(".py"):
                files += 1
                with open(os.path.join(directory, name), "rb") as handle:
                    lines += handle.read().count(b"\n")
    return files, lines


# --- measuring -------------------------------------------------------------------------------------------------


class Run(NamedTuple):
    """One measured flake8 process."""

    wall: float  # seconds, as the user waits for it
    cpu: float  # user + system seconds of flake8 and its --jobs workers
    rss_kib: int  # peak resident set of the largest single process
    findings: int
    plugin_findings: int


def measure_once(corpus: Path, jobs: int, plugin: bool, scratch: Path) -> Run:
    """Run flake8 once, in a fresh process, with or without the plugin."""
    report = scratch / "report.json"
    output = scratch / "flake8.txt"
    for stale in (report, output):
        if stale.exists():
            stale.unlink()
    env = dict(os.environ)
    env.pop(WITHOUT_PLUGIN, None)
    # Installed packages have their bytecode compiled (pip does it); an editable flaglint gets its own on the
    # warm-up run, unless bytecode writing is off, in which case every "with" run would compile flaglint anew.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if not plugin:
        env[WITHOUT_PLUGIN] = "1"
    argv = [*FLAKE8_ARGS, "--jobs", str(jobs), "--output-file", str(output), "."]
    command = [sys.executable, os.path.abspath(__file__), "--_run", str(report), "--", *argv]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=corpus, env=env, check=True, stdin=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    result = json.loads(report.read_text())
    if result["plugin_imported"] != plugin:
        raise SystemExit(f"the {'with' if plugin else 'without'} run imported flaglint: {result['plugin_imported']}")
    found = output.read_text(errors="replace").splitlines() if output.exists() else []
    flaglint = sum(1 for line in found if ": FL" in line)
    if not plugin and flaglint:
        raise SystemExit("the run without the plugin reported FL codes")
    return Run(wall, cpu, int(result["rss_kib"]), len(found), flaglint)


def overhead(without: Sequence[float], with_: Sequence[float]) -> float:
    """How much longer the median run with the plugin takes, in percent of the median run without it."""
    return (statistics.median(with_) - statistics.median(without)) / statistics.median(without) * 100


class CompetingLoad:
    """CPU time other processes used while the benchmark ran (all CPUs' busy time from /proc/stat, less ours)."""

    def __init__(self) -> None:
        self.start_busy = self._busy()
        self.start_ours = self._ours()
        self.start_wall = time.perf_counter()

    @staticmethod
    def _busy() -> Optional[float]:
        try:
            fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        except (OSError, IndexError):
            return None
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(value) for value in fields[:8])
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")

    @staticmethod
    def _ours() -> float:
        own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime

    def report(self) -> str:
        busy = self._busy()
        if busy is None or self.start_busy is None:
            return "unknown (no /proc/stat)"
        wall = time.perf_counter() - self.start_wall
        others = max(0.0, (busy - self.start_busy) - (self._ours() - self.start_ours))
        return (
            f"other processes used {others:.0f} CPU-seconds during the {wall:.0f} s of measuring "
            f"({others / wall * 100:.0f}% of one CPU; near 0 for trustworthy figures)"
        )


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import flake8

    return (
        f"{os.cpu_count()} CPUs ({model}); {platform.python_implementation()} {platform.python_version()} on "
        f"{platform.system()} {platform.release()}; flake8 {flake8.__version__}"
    )


def flaglint_version() -> str:
    """flaglint's version, and the commit of the checkout it is imported from (if it is one)."""
    import flaglint

    described = f"flaglint {flaglint.__version__}"
    source = Path(flaglint.__file__ or "").resolve().parent.parent
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=source, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", "flaglint"],
            cwd=source,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return described
    return f"{described} (commit {head}{', with uncommitted changes' if dirty else ''})"


def main(argv: Optional[Sequence[str]] = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--_run"]:
        return run_flake8(arguments[3:], arguments[1])

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, help="measure this tree instead of building one")
    parser.add_argument("--build-dir", type=Path, help="build the corpus here (kept) instead of a temporary dir")
    parser.add_argument("--package", action="append", help="installed packages to copy in (default: django)")
    parser.add_argument("--apps", type=int, default=40, help="generated waffle apps (9 files each; default 40)")
    parser.add_argument("--repeat", type=int, default=3, help="measured runs of each command (median; default 3)")
    parser.add_argument("--jobs", default="1,2", help="flake8 --jobs values, comma-separated (default 1,2)")
    options = parser.parse_args(arguments)
    jobs_values = [int(value) for value in options.jobs.split(",")]

    with tempfile.TemporaryDirectory(prefix="flaglint-bench-") as temporary:
        scratch = Path(temporary)
        if options.corpus is not None:
            corpus = options.corpus.resolve()
            description = f"{corpus}"
        else:
            corpus = (options.build_dir or scratch / "corpus").resolve()
            packages = options.package or ["django"]
            build_corpus(corpus, packages, options.apps)
            description = f"{' + '.join(packages)} (installed source) + {options.apps} generated waffle apps"
        files, lines = corpus_size(corpus)

        results: Dict[Tuple[int, bool], List[Run]] = {}
        competition = CompetingLoad()
        for jobs in jobs_values:
            measure_once(corpus, jobs, False, scratch)  # warm-up: file cache, flake8's and the plugin's imports
            measure_once(corpus, jobs, True, scratch)
            for _ in range(options.repeat):
                for plugin in (False, True):  # interleaved, so drift in the machine's load hits both alike
                    run = measure_once(corpus, jobs, plugin, scratch)
                    results.setdefault((jobs, plugin), []).append(run)
                    print(
                        f"jobs={jobs} {'with' if plugin else 'without'} plugin: {run.wall:.2f} s wall, "
                        f"{run.cpu:.2f} s CPU, {run.rss_kib / 1024:.0f} MiB",
                        file=sys.stderr,
                    )
        others = competition.report()

    print(f"machine: {machine()}")
    print(f"plugin:  {flaglint_version()}")
    print(f"others:  {others}")
    print(f"corpus:  {description}: {files} files, {lines} lines")
    print(f"command: flake8 {' '.join(FLAKE8_ARGS)} --jobs N .")
    print(f"         median of {options.repeat} runs each; CPU = user + system time of flake8 and its workers")
    print()
    header = (
        f"{'jobs':>4}  {'wall without':>12}  {'wall with':>10}  {'overhead':>8}  "
        f"{'CPU without':>11}  {'CPU with':>9}  {'overhead':>8}  {'peak RSS without/with':>21}"
    )
    print(header)
    print("-" * len(header))
    met = True
    for jobs in jobs_values:
        without, with_ = results[(jobs, False)], results[(jobs, True)]
        wall = overhead([run.wall for run in without], [run.wall for run in with_])
        cpu = overhead([run.cpu for run in without], [run.cpu for run in with_])
        met = met and wall < 10
        peak = f"{max(run.rss_kib for run in without) / 1024:.0f} / {max(run.rss_kib for run in with_) / 1024:.0f} MiB"
        print(
            f"{jobs:>4}  {statistics.median(run.wall for run in without):>11.2f}s  "
            f"{statistics.median(run.wall for run in with_):>9.2f}s  {wall:>+7.1f}%  "
            f"{statistics.median(run.cpu for run in without):>10.2f}s  "
            f"{statistics.median(run.cpu for run in with_):>8.2f}s  {cpu:>+7.1f}%  {peak:>21}"
        )
    print()
    last = results[(jobs_values[-1], True)][-1]
    print(
        f"findings with the plugin: {last.findings} ({last.plugin_findings} FL), "
        f"without: {results[(jobs_values[-1], False)][-1].findings}"
    )
    print(f"plugin overhead < 10% (wall time, every --jobs): {'MET' if met else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
