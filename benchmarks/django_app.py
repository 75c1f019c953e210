"""What flaglint.django costs: loading a manifest, the time a guarded delete adds, the scan-on-start.

Usage: ``python benchmarks/django_app.py [LARGE_TREE]`` (e.g. /work/corpus/mozilla+kitsune). Runs the guarded
test site (tests/django_project/guardsite) on a temporary sqlite database. Prints; asserts nothing.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "django_project"))
WORK = tempfile.mkdtemp(prefix="flaglint-bench-")
os.environ["FLAGLINT_TEST_DB_DIR"] = WORK
os.environ["DJANGO_SETTINGS_MODULE"] = "guardsite.settings"


def best(function, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)


def scan_on_start(source: str) -> None:
    from django.test import override_settings

    from flaglint.django.manifest import current_manifest, forget

    cache = os.path.join(WORK, "cache-" + os.path.basename(source))
    with override_settings(FLAGLINT_SOURCE=source, FLAGLINT_CACHE_DIR=cache, FLAGLINT_MANIFEST=None):
        forget()
        started = time.perf_counter()
        manifest = current_manifest()
        cold = time.perf_counter() - started
        forget()
        started = time.perf_counter()
        current_manifest()
        warm = time.perf_counter() - started
    names = len({(r.kind, r.name) for r in manifest.references if r.name})
    print(f"scan-on-start {source}: {manifest.files_scanned} files, {names} names, {len(manifest.references)} refs:"
          f" cold {cold:.2f} s, warm (cache) {warm:.2f} s")


def manifest_load(source: str) -> None:
    from flaglint import cli
    from flaglint.manifest import load_manifest

    target = os.path.join(WORK, f"manifest-{os.path.basename(source)}.json")
    cli.main(["manifest", source, "-o", target, "-q", "--no-cache"])
    seconds = best(lambda: load_manifest(target))
    print(f"load manifest of {source}: {os.path.getsize(target) / 1024:.0f} KiB in {seconds * 1000:.1f} ms")


def guarded_delete() -> None:
    import io

    from django.core.management import call_command
    from django.test import override_settings
    from waffle.models import Flag

    from flaglint.django.manifest import current_manifest

    call_command("migrate", verbosity=0, stdout=io.StringIO())
    current_manifest()

    def cycle(count: int = 200) -> float:
        flags = [Flag.objects.create(name=f"unused_{i}") for i in range(count)]  # noqa: FL104
        started = time.perf_counter()
        for flag in flags:
            flag.delete()
        return (time.perf_counter() - started) / count

    runs = {"block": [], "off": []}
    for _ in range(5):
        for mode in runs:
            with override_settings(FLAGLINT_GUARD=mode):
                runs[mode].append(cycle())
    guarded, bare = min(runs["block"]), min(runs["off"])
    print(f"instance.delete() of an unreferenced flag (sqlite): guarded {guarded * 1e6:.0f} us, guard off "
          f"{bare * 1e6:.0f} us: the guard adds {(guarded - bare) * 1e6:.0f} us "
          f"(medians {statistics.median(runs['block']) * 1e6:.0f} vs {statistics.median(runs['off']) * 1e6:.0f})")


def main() -> None:
    import django

    django.setup()
    demo = str(ROOT / "fixtures" / "demo")
    manifest_load(demo)
    scan_on_start(demo)
    guarded_delete()
    for tree in sys.argv[1:]:
        manifest_load(tree)
        scan_on_start(tree)
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
