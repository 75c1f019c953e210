"""A large, realistic Django monorepo for flaglint's benchmarks, built deterministically.

    python benchmarks/corpus.py DIR                    # the full corpus (1M Python lines, 5,000+ files)
    python benchmarks/corpus.py DIR --fraction 0.25    # a deterministic quarter of the same corpus
    python benchmarks/corpus.py DIR --target-lines 200000 --min-files 1000 --seed 7

What goes in (``build_corpus``):

- the installed ``django`` package: its ``.py`` files, its templates and its JavaScript (the admin's);
- generated Django apps under ``portal/``: models, admin, forms, serializers, views, URLconfs, services,
  selectors, tasks, signals, management commands, migrations, tests, templates and JavaScript, with seeded
  variation. About 40% of the apps use waffle, in every reference form flaglint knows (literals, module
  constants, constants imported from the app's constants module and from a shared one that never mentions waffle,
  module attributes, f-strings, ``+``, conditional expressions, loops over constant tuples, enums, dynamic names,
  ``import waffle``, aliases, a re-export and a configured wrapper, ``@waffle_flag``/``@waffle_switch`` (``!name``
  too), ``method_decorator``, the mixins, ``waffle_switch(name, redirect)(view)`` in URLconfs,
  ``override_flag``/``override_switch``/``override_sample`` in tests, ``Flag.objects``/``Switch.objects``/
  ``get_waffle_flag_model()``, data migrations with ``apps.get_model``, Django ``{% flag %}``/``{% switch %}``/
  ``{% sample %}`` tags, Jinja2 ``waffle.flag()`` calls, ``waffle.flag_is_active`` in JavaScript and in inline
  scripts), plus the things that are not references (``mock.patch`` targets, comments, a project function that
  happens to be called ``flag_is_active``); a few percent of all files use waffle, as in a real monorepo;
- other installed pure-Python packages (pip, setuptools, pygments, ... then the standard library if needed) under
  ``third_party/``, whole packages in a fixed order, until the Python line target is reached; more generated apps
  if the file count is still short of ``min_files``.

Only files that flaglint reads are copied (``.py``; ``.html``/``.txt``/Jinja2 files under ``templates/`` or
``jinja2/``; ``.js`` but not ``.min.js``), none over 1,000,000 bytes, so flaglint, ripgrep and semgrep see the same
files. The corpus is a git repository (one commit): flaglint lists files with ``git ls-files`` inside a work tree,
and ripgrep and semgrep honour git's ignore rules. An empty ``.semgrepignore`` keeps semgrep from skipping
``tests/`` directories (its default ignore list applies only when no such file exists). A ``pyproject.toml`` with
an inventory (``exports/prod.json``), a retirement plan and the wrapper makes ``flaglint check`` meaningful too.

Subsets (``fraction`` < 1) are nested (the quarter is inside the half): whole generated apps and copied files are
ranked by a seeded hash and taken in that order until the fraction of each category's lines is reached; the
project files (settings, the shared modules, the inventory) are always in.

The manifest (sizes, sources, every generated reference as ``[path, kind, name]``) is written to
``DIR/.git/flaglint-corpus.json``, outside the work tree; a directory whose manifest matches the parameters is
reused as it is.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

FORMAT = 1
MANIFEST = "flaglint-corpus.json"
DEFAULT_SEED = 1729
DEFAULT_TARGET_LINES = 1_000_000
DEFAULT_MIN_FILES = 5000
MAX_FILE_BYTES = 1_000_000

#: Filled in this order after django (then any other installed package, then the standard library).
PREFERRED_PACKAGES = (
    "pip",
    "setuptools",
    "pygments",
    "hypothesis",
    "_pytest",
    "libcst",
    "mypy",
    "jinja2",
    "black",
    "pkg_resources",
    "mypyc",
    "jsonschema",
    "packaging",
    "virtualenv",
    "sqlparse",
    "pyflakes",
    "pycodestyle",
    "flake8",
    "pre_commit",
    "pathspec",
    "asgiref",
)
#: Never copied: the library under study and the tool itself would not be part of a project's source.
NEVER_COPIED = frozenset({"waffle", "flaglint", "_distutils_hack", "__pycache__", "benchmarks", "tests"})
#: Directory names flaglint excludes by default (and a few more nobody scans); skipped when copying.
SKIPPED_DIRECTORIES = frozenset(
    {".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "__pycache__", "node_modules", "site-packages",
     ".mypy_cache", ".pytest_cache", ".ruff_cache", ".flaglint_cache"}
)
STDLIB_SKIPPED = frozenset(
    {"test", "idlelib", "lib2to3", "turtledemo", "tkinter", "ensurepip", "site-packages", "dist-packages",
     "__pycache__", "pydoc_data"}
)
TEMPLATE_SUFFIXES = (".html", ".txt", ".jinja", ".jinja2", ".j2")


# --- the plan --------------------------------------------------------------------------------------------------


@dataclass
class Entry:
    """One file of the corpus: copied from `source` or generated as `text`."""

    path: str
    category: str
    """"project" (always in), "apps" (generated, selected by app) or "copied" (selected by file)."""
    unit: str
    lines: int
    source: Optional[Path] = None
    text: Optional[str] = None
    expected: List[Tuple[str, Optional[str]]] = field(default_factory=list)
    """(kind, name or None when dynamic) for each reference the generator wrote into this file."""
    origin: str = "generated"


@dataclass
class Plan:
    entries: List[Entry]
    sources: List[Dict[str, Any]]


def _count_lines(data: bytes) -> int:
    return data.count(b"\n") + (0 if not data or data.endswith(b"\n") else 1)


def _wanted(relative: Path) -> bool:
    """Whether a package file is one flaglint reads (so all three tools see the same set)."""
    name = relative.name
    if name.endswith(".py"):
        return True
    if name.endswith(".js"):
        return not name.endswith(".min.js")
    if name.endswith(TEMPLATE_SUFFIXES):
        return any(part in ("templates", "jinja2") for part in relative.parts[:-1])
    return False


def _package_files(root: Path) -> Iterator[Path]:
    for directory, subdirectories, files in os.walk(root):
        subdirectories[:] = sorted(
            d for d in subdirectories if d not in SKIPPED_DIRECTORIES and not d.endswith((".egg-info", ".dist-info"))
        )
        for name in sorted(files):
            path = Path(directory, name)
            relative = path.relative_to(root)
            if _wanted(relative) and not path.is_symlink():
                yield path


def copy_entries(root: Path, destination: str, label: str) -> Tuple[List[Entry], Dict[str, Any]]:
    """Plan the copy of a package directory (or a single module) to ``destination``."""
    entries: List[Entry] = []
    files = [root] if root.is_file() else list(_package_files(root))
    python_lines = 0
    for path in files:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if len(data) > MAX_FILE_BYTES or b"\0" in data:
            continue
        relative = path.name if root.is_file() else path.relative_to(root).as_posix()
        target = f"{destination}/{relative}"
        lines = _count_lines(data)
        if target.endswith(".py"):
            python_lines += lines
        entries.append(Entry(target, "copied", target, lines, source=path, origin=label))
    python_files = sum(1 for e in entries if e.path.endswith(".py"))
    info = {"name": label, "files": len(entries), "python_files": python_files, "python_lines": python_lines}
    return entries, info


def fill_candidates() -> Iterator[Tuple[str, Path, str]]:
    """(label, source, destination) of the packages that can fill the corpus, in a fixed order."""
    seen = set()
    purelib = Path(sysconfig.get_paths()["purelib"])
    installed = {p.name: p for p in purelib.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    for name in PREFERRED_PACKAGES:
        if name in installed and name not in NEVER_COPIED:
            seen.add(name)
            yield name, installed[name], f"third_party/{name}"
    for name in sorted(installed):
        if name not in seen and name not in NEVER_COPIED and name != "django":
            yield name, installed[name], f"third_party/{name}"
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for path in sorted(stdlib.iterdir()):
        if path.name in STDLIB_SKIPPED or path.name.startswith(("config-", "_")):
            continue
        if path.is_dir() and (path / "__init__.py").is_file():
            yield f"stdlib:{path.name}", path, f"third_party/stdlib/{path.name}"
    modules = [p for p in sorted(stdlib.glob("*.py")) if not p.name.startswith("_")]
    for path in modules:
        yield f"stdlib:{path.stem}", path, "third_party/stdlib"


def make_plan(target_lines: int, min_files: int, seed: int, apps: Optional[int] = None) -> Plan:
    """Every file of the full corpus, in a deterministic order."""
    entries: List[Entry] = []
    sources: List[Dict[str, Any]] = []

    import django

    django_root = Path(django.__file__).parent
    copied, info = copy_entries(django_root, "third_party/django", f"django {django.get_version()}")
    entries += copied
    sources.append(info)

    project = ProjectGenerator(seed)
    app_count = apps if apps is not None else max(8, target_lines // 10_000)
    entries += project.shared_entries()
    for _ in range(app_count):
        entries += project.next_app()

    def python_lines() -> int:
        return sum(e.lines for e in entries if e.path.endswith(".py"))

    def python_files() -> int:
        return sum(1 for e in entries if e.path.endswith(".py"))

    for label, source, destination in fill_candidates():
        if python_lines() >= target_lines:
            break
        copied, info = copy_entries(source, destination, label)
        if not copied:
            continue
        entries += copied
        sources.append(info)
    while python_files() < min_files:
        entries += project.next_app()
    entries += project.project_entries()
    generated = [e for e in entries if e.category != "copied"]
    sources.append(
        {
            "name": (
                f"generated: {project.app_count} Django apps ({project.waffle_app_count} use waffle) and the project"
            ),
            "files": len(generated),
            "python_files": sum(1 for e in generated if e.path.endswith(".py")),
            "python_lines": sum(e.lines for e in generated if e.path.endswith(".py")),
        }
    )
    return Plan(entries, sources)


def _rank(seed: int, unit: str) -> str:
    return hashlib.blake2b(f"{seed}:{unit}".encode(), digest_size=8).hexdigest()


def select(entries: Sequence[Entry], fraction: float, seed: int) -> List[Entry]:
    """A nested, deterministic subset: whole units in seeded-hash order up to `fraction` of each category's lines."""
    if fraction >= 1:
        return list(entries)
    chosen_units = set()
    for category in ("apps", "copied"):
        units: Dict[str, int] = {}
        for entry in entries:
            if entry.category == category:
                units[entry.unit] = units.get(entry.unit, 0) + max(entry.lines, 1)
        budget = fraction * sum(units.values())
        total = 0
        for unit in sorted(units, key=lambda u: _rank(seed, u)):
            if total >= budget:
                break
            chosen_units.add((category, unit))
            total += units[unit]
    return [e for e in entries if e.category == "project" or (e.category, e.unit) in chosen_units]


# --- building --------------------------------------------------------------------------------------------------


def manifest_path(directory: Path) -> Path:
    return Path(directory) / ".git" / MANIFEST


def read_manifest(directory: Path) -> Optional[Dict[str, Any]]:
    try:
        return json.loads(manifest_path(directory).read_text())
    except (OSError, ValueError):
        return None


def _git(directory: Path, *args: str) -> str:
    env = dict(os.environ)
    env.update(
        GIT_AUTHOR_NAME="corpus",
        GIT_AUTHOR_EMAIL="corpus@example.invalid",
        GIT_COMMITTER_NAME="corpus",
        GIT_COMMITTER_EMAIL="corpus@example.invalid",
        GIT_AUTHOR_DATE="2026-01-01T00:00:00Z",
        GIT_COMMITTER_DATE="2026-01-01T00:00:00Z",
    )
    result = subprocess.run(
        ["git", "-c", "core.autocrlf=false", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=directory,
        env=env,
        check=True,
        capture_output=True,
    )
    return result.stdout.decode()


def build_corpus(
    directory: "os.PathLike[str] | str",
    target_lines: int = DEFAULT_TARGET_LINES,
    min_files: int = DEFAULT_MIN_FILES,
    seed: int = DEFAULT_SEED,
    *,
    fraction: float = 1.0,
    apps: Optional[int] = None,
    plan: Optional[Plan] = None,
    log: Any = None,
) -> Dict[str, Any]:
    """Build the corpus (or the `fraction` subset of it) in `directory` as a one-commit git repository.

    Returns the manifest. An existing directory built with the same parameters is reused; one built with other
    parameters is rebuilt; a non-empty directory that is not a corpus is refused.
    """
    directory = Path(directory).absolute()
    params = {
        "format": FORMAT,
        "target_lines": target_lines,
        "min_files": min_files,
        "seed": seed,
        "fraction": fraction,
        "apps": apps,
        "python": sys.version.split()[0],
    }
    existing = read_manifest(directory)
    if existing is not None and existing.get("params") == params:
        return existing
    if directory.exists() and any(directory.iterdir()):
        if existing is None:
            raise SystemExit(f"{directory} is not empty and holds no corpus: choose a new or empty directory")
        shutil.rmtree(directory)
    started = time.monotonic()
    if plan is None:
        plan = make_plan(target_lines, min_files, seed, apps)
    entries = select(plan.entries, fraction, seed)
    directory.mkdir(parents=True, exist_ok=True)
    made = set()
    for entry in entries:
        target = directory / entry.path
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if entry.source is not None:
            shutil.copyfile(entry.source, target)
        else:
            target.write_bytes((entry.text or "").encode("utf-8"))
    _git(directory, "init", "-q")
    _git(directory, "add", "-A")
    _git(directory, "commit", "-q", "-m", f"flaglint benchmark corpus (seed {seed}, fraction {fraction})")
    commit = _git(directory, "rev-parse", "HEAD").strip()

    python = [e for e in entries if e.path.endswith(".py")]
    templates = [e for e in entries if e.path.endswith(TEMPLATE_SUFFIXES)]
    javascript = [e for e in entries if e.path.endswith(".js")]
    referencing = [e for e in entries if e.expected]
    selected_sources: Dict[str, Dict[str, int]] = {}
    for entry in entries:
        label = entry.origin if entry.category == "copied" else "generated"
        found = selected_sources.setdefault(label, {"files": 0, "python_files": 0, "python_lines": 0})
        found["files"] += 1
        if entry.path.endswith(".py"):
            found["python_files"] += 1
            found["python_lines"] += entry.lines
    manifest = {
        "params": params,
        "commit": commit,
        "files": len(entries),
        "python_files": len(python),
        "python_lines": sum(e.lines for e in python),
        "template_files": len(templates),
        "template_lines": sum(e.lines for e in templates),
        "javascript_files": len(javascript),
        "javascript_lines": sum(e.lines for e in javascript),
        "files_with_references": len(referencing),
        "python_files_with_references": sum(1 for e in referencing if e.path.endswith(".py")),
        "references": sum(len(e.expected) for e in entries),
        "sources": [{"name": name, **counts} for name, counts in selected_sources.items()],
        "build_seconds": round(time.monotonic() - started, 1),
        "expected": [[e.path, kind, name] for e in entries for kind, name in e.expected],
    }
    manifest_path(directory).write_text(json.dumps(manifest, indent=1))
    if log is not None:
        print(f"built {directory}: {describe(manifest)}", file=log)
    return manifest


def build_set(
    base: "os.PathLike[str] | str",
    fractions: Sequence[float] = (1.0, 0.5, 0.25),
    target_lines: int = DEFAULT_TARGET_LINES,
    min_files: int = DEFAULT_MIN_FILES,
    seed: int = DEFAULT_SEED,
    log: Any = None,
) -> Dict[float, Tuple[Path, Dict[str, Any]]]:
    """The full corpus and its subsets side by side: ``base/full``, ``base/half``, ``base/quarter`` (or ``f0.3``)."""
    names = {1.0: "full", 0.5: "half", 0.25: "quarter"}
    plan: Optional[Plan] = None
    built: Dict[float, Tuple[Path, Dict[str, Any]]] = {}
    for fraction in fractions:
        directory = Path(base) / names.get(fraction, f"f{fraction:g}")
        manifest = read_manifest(directory)
        wanted = {"target_lines": target_lines, "min_files": min_files, "seed": seed, "fraction": fraction}
        if manifest is None or any(manifest["params"].get(k) != v for k, v in wanted.items()):
            if plan is None:
                plan = make_plan(target_lines, min_files, seed)
        manifest = build_corpus(directory, target_lines, min_files, seed, fraction=fraction, plan=plan, log=log)
        built[fraction] = (directory, manifest)
    return built


def describe(manifest: Dict[str, Any]) -> str:
    return (
        f"{manifest['files']} files: {manifest['python_files']} Python ({manifest['python_lines']:,} lines), "
        f"{manifest['template_files']} templates, {manifest['javascript_files']} JavaScript; "
        f"{manifest['files_with_references']} files with {manifest['references']} waffle references "
        f"({100 * manifest['python_files_with_references'] / max(1, manifest['python_files']):.1f}% of Python files)"
    )


# --- generated code --------------------------------------------------------------------------------------------

DOMAINS = (
    "billing", "catalog", "checkout", "inventory", "shipping", "accounts", "reviews", "search", "payments",
    "loyalty", "notifications", "reports", "support", "pricing", "promotions", "returns", "warehouse", "analytics",
    "content", "newsletter", "subscriptions", "orders", "customers", "vendors", "marketplace", "referrals",
    "gifting", "wishlist", "coupons", "ledger", "invoicing", "fulfilment", "tracking", "onboarding", "profiles",
    "messaging", "scheduling", "bookings", "events", "surveys",
)
NOUNS = (
    "Invoice", "Customer", "Order", "Item", "Ticket", "Report", "Shipment", "Payment", "Coupon", "Review",
    "Product", "Category", "Address", "Vendor", "Refund", "Message", "Booking", "Event", "Plan", "Subscription",
    "Account", "Note", "Attachment", "Batch", "Rule", "Quote", "Contract", "Task", "Comment", "Tag", "Voucher",
    "Carrier", "Parcel", "Statement", "Receipt", "Campaign", "Segment", "Survey", "Answer", "Slot",
)
#: (field name, Django field, arguments, kind used by the generated methods)
FIELDS = (
    ("title", "CharField", "max_length=200", "text"),
    ("name", "CharField", "max_length=120", "text"),
    ("reference", "CharField", "max_length=64, unique=True", "text"),
    ("description", "TextField", "blank=True", "longtext"),
    ("notes", "TextField", "blank=True", "longtext"),
    ("amount", "DecimalField", "max_digits=12, decimal_places=2, default=0", "money"),
    ("price", "DecimalField", "max_digits=10, decimal_places=2, default=0", "money"),
    ("quantity", "PositiveIntegerField", "default=1", "int"),
    ("priority", "IntegerField", "default=0", "int"),
    ("score", "FloatField", "default=0.0", "float"),
    ("is_archived", "BooleanField", "default=False", "bool"),
    ("is_public", "BooleanField", "default=True", "bool"),
    ("due_date", "DateField", "null=True, blank=True", "date"),
    ("published_at", "DateTimeField", "null=True, blank=True", "datetime"),
    ("email", "EmailField", "blank=True", "text"),
    ("slug", "SlugField", "max_length=80, unique=True", "text"),
    ("url", "URLField", "blank=True", "text"),
    ("currency", "CharField", 'max_length=3, default="EUR"', "text"),
    ("code", "CharField", "max_length=32, blank=True", "text"),
    ("metadata", "JSONField", "default=dict, blank=True", "json"),
    ("position", "PositiveSmallIntegerField", "default=0", "int"),
    ("weight", "DecimalField", "max_digits=8, decimal_places=3, default=0", "money"),
)
FEATURES = (
    "new_checkout", "one_click", "beta_dashboard", "dark_mode", "bulk_export", "smart_search", "express_lane",
    "new_editor", "ai_summary", "fast_refunds", "inline_edit", "live_chat", "v2_api", "redesign", "pdf_invoices",
    "batch_import", "guest_access", "mobile_nav", "price_alerts", "auto_assign", "split_payments", "saved_views",
)
#: Every reference form, with the probability that a waffle app uses it (each is also forced in turn).
FORMS = {
    "literal": 0.8,
    "module_const": 0.3,
    "imported_const": 0.6,
    "module_attr": 0.3,
    "shared_const": 0.25,
    "fstring": 0.25,
    "dynamic": 0.2,
    "concat": 0.2,
    "condexpr": 0.15,
    "loop": 0.2,
    "enum": 0.2,
    "switch_sample": 0.4,
    "waffle_module": 0.3,
    "alias": 0.15,
    "reexport": 0.2,
    "wrapper": 0.2,
    "decorators": 0.4,
    "method_decorator": 0.2,
    "mixin": 0.25,
    "urlconf": 0.15,
    "tests": 0.7,
    "models": 0.3,
    "migration": 0.3,
    "template": 0.5,
    "jinja": 0.15,
    "javascript": 0.4,
    "negatives": 0.3,
}
SHARED_FLAGS = {
    "SITE_READ_ONLY": "site_read_only",
    "SITE_NEW_NAV": "site_new_nav",
    "SITE_MAINTENANCE": "site_maintenance",
}


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() and i else c.lower() for i, c in enumerate(name))


def _lines(*blocks: Iterable[str]) -> str:
    out: List[str] = []
    for block in blocks:
        out.extend(block)
    return "\n".join(out).rstrip("\n") + "\n"


@dataclass
class Model:
    name: str
    fields: List[Tuple[str, str, str, str]]
    parent: Optional[str]

    @property
    def lower(self) -> str:
        return _snake(self.name)

    @property
    def words(self) -> str:
        return self.lower.replace("_", " ")

    def of_kind(self, *kinds: str) -> List[str]:
        return [f[0] for f in self.fields if f[3] in kinds]

    @property
    def label_field(self) -> Optional[str]:
        texts = self.of_kind("text")
        return texts[0] if texts else None


class ProjectGenerator:
    """The generated part of the corpus: a Django project ``portal`` with many apps."""

    def __init__(self, seed: int):
        self.seed = seed
        self.app_count = 0
        self.waffle_app_count = 0
        self.apps: List[str] = []
        self.expected_names: List[Tuple[str, str]] = []

    def next_app(self) -> List[Entry]:
        index = self.app_count
        self.app_count += 1
        domain = DOMAINS[index % len(DOMAINS)]
        name = f"{domain}_{index // len(DOMAINS):02d}" if index >= len(DOMAINS) else domain
        rng = random.Random(f"{self.seed}:app:{name}")
        uses_waffle = rng.random() < 0.34 or index == 0
        forms: Tuple[str, ...] = ()
        if uses_waffle:
            ordinal = self.waffle_app_count
            self.waffle_app_count += 1
            forced = list(FORMS)[ordinal % len(FORMS)]
            forms = tuple(f for f, p in FORMS.items() if f == forced or rng.random() < p)
        app = AppGenerator(name, rng, forms, self.apps)
        self.apps.append(name)
        entries = app.entries()
        for entry in entries:
            for kind, ref_name in entry.expected:
                if ref_name is not None:
                    self.expected_names.append((kind, ref_name))
        return entries

    def shared_entries(self) -> List[Entry]:
        files: Dict[str, Tuple[str, List[Tuple[str, Optional[str]]]]] = {}
        files["manage.py"] = (
            _lines(
                [
                    "#!/usr/bin/env python",
                    '"""Django\'s command-line utility for administrative tasks."""',
                    "import os",
                    "import sys",
                    "",
                    "",
                    "def main() -> None:",
                    '    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")',
                    "    from django.core.management import execute_from_command_line",
                    "",
                    "    execute_from_command_line(sys.argv)",
                    "",
                    "",
                    'if __name__ == "__main__":',
                    "    main()",
                ]
            ),
            [],
        )
        files["portal/__init__.py"] = ("", [])
        files["portal/wsgi.py"] = (
            _lines(
                [
                    "import os",
                    "",
                    "from django.core.wsgi import get_wsgi_application",
                    "",
                    'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")',
                    "application = get_wsgi_application()",
                ]
            ),
            [],
        )
        files["portal/shared/__init__.py"] = ('"""Code shared by the portal\'s apps."""\n', [])
        files["portal/shared/flags.py"] = (
            _lines(
                ['"""Site-wide toggle names (used by every app; this module imports nothing)."""', ""],
                [f'{constant} = "{value}"' for constant, value in SHARED_FLAGS.items()],
                ["", "SITE_TOGGLES = (SITE_READ_ONLY, SITE_NEW_NAV)"],
            ),
            [],
        )
        files["portal/shared/toggles.py"] = (
            _lines(
                [
                    '"""The project\'s own entry points to waffle."""',
                    "",
                    "from waffle import flag_is_active as is_enabled",
                    "from waffle import switch_is_active",
                    "",
                    '__all__ = ["is_enabled", "switch_is_active", "feature_enabled"]',
                    "",
                    "",
                    "def feature_enabled(request, name, *, default=False):",
                    '    """Whether a flag is on for this request; `default` when there is no request '
                    '(management commands)."""',
                    "    if request is None:",
                    "        return default",
                    "    return is_enabled(request, name)",
                ]
            ),
            [],
        )
        files["portal/shared/legacy_features.py"] = (
            _lines(
                [
                    '"""The feature switches of the old platform, before waffle (settings-based; not waffle)."""',
                    "",
                    "from django.conf import settings",
                    "",
                    "",
                    "def flag_is_active(name):",
                    "    return name in getattr(settings, \"LEGACY_FEATURES\", ())",
                    "",
                    "",
                    "def legacy_exports_enabled():",
                    '    return flag_is_active("legacy_exports")',
                ]
            ),
            [],
        )
        files["portal/shared/middleware.py"] = (
            _lines(
                [
                    '"""Site-wide middleware."""',
                    "",
                    "from django.http import HttpResponse",
                    "from waffle import flag_is_active, switch_is_active",
                    "",
                    "from portal.shared.flags import SITE_MAINTENANCE, SITE_NEW_NAV",
                    "",
                    "",
                    "class MaintenanceMiddleware:",
                    "    def __init__(self, get_response):",
                    "        self.get_response = get_response",
                    "",
                    "    def __call__(self, request):",
                    "        if switch_is_active(SITE_MAINTENANCE) and not request.path.startswith(\"/admin/\"):",
                    '            return HttpResponse("Back soon.", status=503)',
                    "        request.new_nav = flag_is_active(request, SITE_NEW_NAV)",
                    "        return self.get_response(request)",
                ]
            ),
            [("switch", "site_maintenance"), ("flag", "site_new_nav")],
        )
        files["portal/templates/base.html"] = (
            _lines(
                [
                    "{% load static waffle_tags %}<!doctype html>",
                    '<html lang="en">',
                    "<head>",
                    '  <meta charset="utf-8">',
                    "  <title>{% block title %}Portal{% endblock %}</title>",
                    '  <script src="{% url \'wafflejs\' %}"></script>',
                    "</head>",
                    "<body>",
                    '  {% flag "site_new_nav" %}{% include "nav/new.html" %}{% else %}{% include "nav/old.html" %}'
                    "{% endflag %}",
                    "  <main>{% block content %}{% endblock %}</main>",
                    "</body>",
                    "</html>",
                ]
            ),
            [("flag", "site_new_nav")],
        )
        return [
            Entry(path, "project", "project", _count_lines(text.encode()), text=text, expected=list(expected))
            for path, (text, expected) in files.items()
        ]

    def project_entries(self) -> List[Entry]:
        """Settings, URLconf, inventory, retirement plan, pyproject: written last, they list every app."""
        settings = _lines(
            [
                '"""Settings of the portal project."""',
                "",
                "from pathlib import Path",
                "",
                "BASE_DIR = Path(__file__).resolve().parent.parent",
                'SECRET_KEY = "benchmark-only"',
                "DEBUG = False",
                'ALLOWED_HOSTS = ["portal.example.com"]',
                "",
                "INSTALLED_APPS = [",
                '    "django.contrib.admin",',
                '    "django.contrib.auth",',
                '    "django.contrib.contenttypes",',
                '    "django.contrib.sessions",',
                '    "django.contrib.messages",',
                '    "django.contrib.staticfiles",',
                '    "waffle",',
            ],
            [f'    "portal.{app}",' for app in self.apps],
            [
                "]",
                "",
                "MIDDLEWARE = [",
                '    "django.middleware.security.SecurityMiddleware",',
                '    "django.contrib.sessions.middleware.SessionMiddleware",',
                '    "django.middleware.common.CommonMiddleware",',
                '    "django.contrib.auth.middleware.AuthenticationMiddleware",',
                '    "waffle.middleware.WaffleMiddleware",',
                '    "portal.shared.middleware.MaintenanceMiddleware",',
                "]",
                "",
                'ROOT_URLCONF = "portal.urls"',
                "WAFFLE_FLAG_DEFAULT = False",
                "WAFFLE_SWITCH_DEFAULT = False",
                "WAFFLE_CREATE_MISSING_FLAGS = False",
                'LEGACY_FEATURES = ("legacy_exports",)',
            ],
        )
        urls = _lines(
            [
                "from django.contrib import admin",
                "from django.urls import include, path",
                "",
                "urlpatterns = [",
                '    path("admin/", admin.site.urls),',
                '    path("", include("waffle.urls")),',
            ],
            [f'    path("{app}/", include("portal.{app}.urls")),' for app in self.apps],
            ["]"],
        )
        rng = random.Random(f"{self.seed}:inventory")
        names = sorted(set(self.expected_names))
        present = [(kind, name) for kind, name in names if rng.random() < 0.93]
        stale = [("flag", f"{app}_old_{feature}") for app in self.apps[:: 3] for feature in rng.sample(FEATURES, 2)]
        retired = sorted(rng.sample([n for _, n in present], min(12, len(present))) + [n for _, n in stale[:5]])
        pyproject = _lines(
            [
                "[project]",
                'name = "portal"',
                'version = "0"',
                "",
                "[tool.flaglint]",
                'inventories = { prod = "exports/prod.json" }',
                'retirement-plan = "retirement-plan.toml"',
                "",
                "[tool.flaglint.wrappers]",
                '"portal.shared.toggles.feature_enabled" = { kind = "flag", arg = 1 }',
            ]
        )
        plan = "".join(f'[[retire]]\nname = "{name}"\nreason = "launched"\n\n' for name in retired)
        semgrepignore = (
            "# Empty on purpose: semgrep's default ignore list (tests/, test/, vendor/ ...) applies only when this "
            "file\n"
            "# does not exist, and the benchmark compares tools on the same files.\n"
        )
        files = {
            "portal/settings.py": settings,
            "portal/urls.py": urls,
            "exports/prod.json": dumpdata(present + stale),
            "retirement-plan.toml": plan,
            "pyproject.toml": pyproject,
            ".semgrepignore": semgrepignore,
        }
        return [Entry(path, "project", "project", _count_lines(t.encode()), text=t) for path, t in files.items()]


def dumpdata(entries: Sequence[Tuple[str, str]]) -> str:
    """A dumpdata export (``manage.py dumpdata waffle.flag waffle.switch waffle.sample``) of (kind, name)."""
    objects = []
    for number, (kind, name) in enumerate(entries, start=1):
        fields: Dict[str, Any] = {"name": name, "note": "", "created": "2026-01-01T00:00:00Z"}
        if kind == "flag":
            fields.update(everyone=None, percent=None, superusers=True, staff=False, authenticated=False)
        elif kind == "switch":
            fields.update(active=True)
        else:
            fields.update(percent="50.0")
        objects.append({"model": f"waffle.{kind}", "pk": number, "fields": fields})
    return json.dumps(objects, indent=2) + "\n"


class AppGenerator:
    """One Django app: ~25 Python files, templates and JavaScript; waffle references when `forms` says so."""

    def __init__(self, app: str, rng: random.Random, forms: Sequence[str], others: Sequence[str]):
        self.app = app
        self.rng = rng
        self.forms = set(forms)
        self.others = list(others)
        nouns = rng.sample(NOUNS, rng.randint(2, 5))
        self.models: List[Model] = []
        for position, noun in enumerate(nouns):
            chosen = rng.sample(FIELDS, rng.randint(3, 7))
            chosen.sort(key=FIELDS.index)
            parent = self.models[rng.randrange(len(self.models))].name if self.models and rng.random() < 0.5 else None
            self.models.append(Model(noun, chosen, parent))
        features = rng.sample(FEATURES, 5)
        self.constants = [f.upper() for f in features]
        self.names = [f"{app}_{f}" for f in features]
        self.enum_class = rng.choice(("Feature", "Toggle", "Flags"))
        self.files: Dict[str, Tuple[str, List[Tuple[str, Optional[str]]]]] = {}

    def has(self, form: str) -> bool:
        return form in self.forms

    def add(self, path: str, text: str, expected: Sequence[Tuple[str, Optional[str]]] = ()) -> None:
        self.files[path] = (text, list(expected))

    def entries(self) -> List[Entry]:
        self.generate()
        return [
            Entry(f"portal/{self.app}/{path}", "apps", self.app, _count_lines(text.encode()), text=text, expected=exp)
            for path, (text, exp) in self.files.items()
        ]

    # --- the files ---

    def generate(self) -> None:
        self.add("__init__.py", "" if self.rng.random() < 0.6 else f'"""The {self.app} app."""\n')
        self.add("apps.py", self.apps_module())
        self.add("constants.py", self.constants_module())
        self.add("models.py", self.models_module())
        self.add("admin.py", self.admin_module())
        self.add("forms.py", self.forms_module())
        self.add("serializers.py", self.serializers_module())
        self.add("selectors.py", self.selectors_module())
        self.views_module()
        self.services_module()
        self.urls_module()
        if self.has("waffle_module") or self.rng.random() < 0.5:
            self.api_module()
        self.add("tasks.py", self.tasks_module())
        self.add("signals.py", self.signals_module())
        self.add("utils.py", self.utils_module())
        self.add("permissions.py", self.permissions_module())
        self.add("management/__init__.py", "")
        self.add("management/commands/__init__.py", "")
        self.add(f"management/commands/sync_{self.app}.py", self.command_module())
        self.add("migrations/__init__.py", "")
        self.add("migrations/0001_initial.py", self.initial_migration())
        if self.has("migration"):
            self.data_migration()
        self.add("tests/__init__.py", "")
        self.add("tests/factories.py", self.factories_module())
        self.add("tests/test_models.py", self.test_models_module())
        self.test_views_module()
        self.test_services_module()
        self.templates()
        self.javascript()
        if self.has("jinja"):
            self.jinja()

    def apps_module(self) -> str:
        cls = "".join(part.capitalize() for part in self.app.split("_")) + "Config"
        return _lines(
            [
                "from django.apps import AppConfig",
                "",
                "",
                f"class {cls}(AppConfig):",
                '    default_auto_field = "django.db.models.BigAutoField"',
                f'    name = "portal.{self.app}"',
                f'    verbose_name = "{self.app.replace("_", " ").title()}"',
                "",
                "    def ready(self) -> None:",
                f"        from portal.{self.app} import signals  # noqa: F401",
            ]
        )

    def constants_module(self) -> str:
        rng = self.rng
        body = [
            f'"""Constants of the {self.app} app."""',
            "",
            "import enum",
            "",
            "STATUS_CHOICES = (",
            '    ("draft", "Draft"),',
            '    ("open", "Open"),',
            '    ("closed", "Closed"),',
            '    ("cancelled", "Cancelled"),',
            ")",
            f"DEFAULT_PAGE_SIZE = {rng.choice((20, 25, 50, 100))}",
            f"MAX_EXPORT_ROWS = {rng.choice((5000, 10000, 50000))}",
            f"CACHE_TIMEOUT = {rng.choice((60, 300, 900))}",
            f'EXPORT_FILENAME = "{self.app}-%Y%m%d.csv"',
        ]
        if self.forms:
            body += ["", "# Feature toggles (django-waffle names)."]
            body += [f'{c} = "{n}"' for c, n in zip(self.constants, self.names)]
            body += [
                f'TOGGLE_PREFIX = "{self.app}"',
                f"ALL_TOGGLES = ({self.constants[0]}, {self.constants[1]}, {self.constants[2]})",
                "",
                "",
                f"class {self.enum_class}(str, enum.Enum):",
                f'    {self.constants[3]} = "{self.names[3]}"',
                f'    {self.constants[4]} = "{self.names[4]}"',
            ]
        body += [
            "",
            "",
            "class Priority(enum.IntEnum):",
            "    LOW = 0",
            "    NORMAL = 1",
            "    HIGH = 2",
            "    URGENT = 3",
        ]
        return _lines(body)

    def models_module(self) -> str:
        out = [
            f'"""Models of the {self.app} app."""',
            "",
            "from __future__ import annotations",
            "",
            "from datetime import timedelta",
            "from decimal import Decimal",
            "",
            "from django.conf import settings",
            "from django.db import models",
            "from django.urls import reverse",
            "from django.utils import timezone",
            "from django.utils.translation import gettext_lazy as _",
            "",
            f"from portal.{self.app}.constants import STATUS_CHOICES",
        ]
        for model in self.models:
            out += ["", "", f"class {model.name}QuerySet(models.QuerySet):"]
            out += [
                "    def open(self):",
                '        return self.filter(status__in=("draft", "open"))',
                "",
                "    def recent(self, days: int = 30):",
                "        return self.filter(created_at__gte=timezone.now() - timedelta(days=days))",
            ]
            if model.of_kind("bool"):
                flag = model.of_kind("bool")[0]
                out += ["", "    def visible(self):", f"        return self.filter({flag}={flag != 'is_archived'})"]
            out += ["", "", f"class {model.name}(models.Model):"]
            out.append(
                f'    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, '
                f'related_name="{self.app}_{model.lower}s")'
            )
            if model.parent:
                out.append(
                    f'    {_snake(model.parent)} = models.ForeignKey("{model.parent}", on_delete=models.SET_NULL, '
                    f'null=True, blank=True, related_name="{model.lower}s")'
                )
            out.append('    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default="draft")')
            for name, django_field, arguments, _ in model.fields:
                out.append(f"    {name} = models.{django_field}({arguments})")
            out += [
                "    created_at = models.DateTimeField(auto_now_add=True)",
                "    updated_at = models.DateTimeField(auto_now=True)",
                "",
                f"    objects = {model.name}QuerySet.as_manager()",
                "",
                "    class Meta:",
                '        ordering = ["-created_at"]',
                f'        verbose_name = _("{model.words}")',
                f'        verbose_name_plural = _("{model.words}s")',
                '        indexes = [models.Index(fields=["status", "created_at"])]',
                "",
                "    def __str__(self) -> str:",
            ]
            label = model.label_field
            out.append(f"        return str(self.{label})" if label else f'        return f"{model.name} #{{self.pk}}"')
            out += [
                "",
                "    def get_absolute_url(self) -> str:",
                f'        return reverse("{self.app}:{model.lower}-detail", args=[self.pk])',
                "",
                "    @property",
                "    def is_open(self) -> bool:",
                '        return self.status in {"draft", "open"}',
                "",
                "    def close(self, *, commit: bool = True) -> None:",
                '        self.status = "closed"',
                "        if commit:",
                '            self.save(update_fields=["status", "updated_at"])',
            ]
            money = model.of_kind("money")
            if money:
                out += [
                    "",
                    "    def total(self, tax_rate: Decimal = Decimal(\"0.2\")) -> Decimal:",
                    f"        base = self.{money[0]} or Decimal(\"0\")",
                ]
                if model.of_kind("int"):
                    out.append(f"        base *= self.{model.of_kind('int')[0]} or 1")
                out += ["        return (base * (1 + tax_rate)).quantize(Decimal(\"0.01\"))"]
            dates = model.of_kind("date", "datetime")
            if dates:
                out += [
                    "",
                    "    @property",
                    "    def is_overdue(self) -> bool:",
                    f"        value = self.{dates[0]}",
                    "        if value is None:",
                    "            return False",
                    "        today = timezone.now() if hasattr(value, 'hour') else timezone.now().date()",
                    "        return value < today and self.is_open",
                ]
            if model.of_kind("json"):
                field_name = model.of_kind("json")[0]
                out += [
                    "",
                    "    def merge_metadata(self, **values) -> None:",
                    f"        data = dict(self.{field_name} or {{}})",
                    "        data.update({key: value for key, value in values.items() if value is not None})",
                    f"        self.{field_name} = data",
                ]
        return _lines(out)

    def admin_module(self) -> str:
        names = ", ".join(m.name for m in self.models)
        out = ["from django.contrib import admin", "", f"from portal.{self.app}.models import {names}"]
        for model in self.models:
            texts = model.of_kind("text")
            display = ["id", "status"] + texts[:2] + ["created_at"]
            out += [
                "",
                "",
                f"@admin.register({model.name})",
                f"class {model.name}Admin(admin.ModelAdmin):",
                f"    list_display = ({', '.join(repr(d) for d in display)})",
                '    list_filter = ("status", "created_at")',
            ]
            if texts:
                out.append(f"    search_fields = ({', '.join(repr(t) for t in texts)},)")
            out += [
                '    readonly_fields = ("created_at", "updated_at")',
                '    date_hierarchy = "created_at"',
                '    actions = ["close_selected"]',
                "    list_per_page = 50",
                "",
                f'    @admin.action(description="Close the selected {model.words}s")',
                "    def close_selected(self, request, queryset):",
                '        updated = queryset.open().update(status="closed")',
                f'        self.message_user(request, f"{{updated}} {model.words}(s) closed.")',
            ]
        return _lines(out)

    def forms_module(self) -> str:
        names = ", ".join(m.name for m in self.models)
        out = ["from django import forms", "from django.core.exceptions import ValidationError", "",
               f"from portal.{self.app}.models import {names}"]
        for model in self.models:
            editable = [f[0] for f in model.fields if f[3] not in ("json",)]
            out += [
                "",
                "",
                f"class {model.name}Form(forms.ModelForm):",
                "    class Meta:",
                f"        model = {model.name}",
                f"        fields = [{', '.join(repr(f) for f in ['status'] + editable)}]",
            ]
            long_texts = model.of_kind("longtext")
            if long_texts:
                out.append(f'        widgets = {{"{long_texts[0]}": forms.Textarea(attrs={{"rows": 4}})}}')
            for name in model.of_kind("money", "int")[:2]:
                out += [
                    "",
                    f"    def clean_{name}(self):",
                    f'        value = self.cleaned_data["{name}"]',
                    "        if value is not None and value < 0:",
                    f'            raise ValidationError("{name.replace("_", " ").capitalize()} cannot be negative.")',
                    "        return value",
                ]
            out += [
                "",
                "    def clean(self):",
                "        cleaned = super().clean()",
                '        if cleaned.get("status") == "closed" and self.instance.pk is None:',
                f'            raise ValidationError("A new {model.words} cannot be closed.")',
                "        return cleaned",
            ]
        return _lines(out)

    def serializers_module(self) -> str:
        out = [
            f'"""Plain serialisation of the {self.app} models for the JSON endpoints."""',
            "",
            "from decimal import Decimal, InvalidOperation",
            "from typing import Any, Dict, List",
            "",
            f"from portal.{self.app}.models import {', '.join(m.name for m in self.models)}",
            "",
            "",
            "class PayloadError(ValueError):",
            "    def __init__(self, errors: Dict[str, str]):",
            "        super().__init__(\"; \".join(f\"{k}: {v}\" for k, v in errors.items()))",
            "        self.errors = errors",
        ]
        for model in self.models:
            out += ["", "", f"def {model.lower}_to_dict(obj: {model.name}) -> Dict[str, Any]:", "    return {"]
            out += ['        "id": obj.pk,', '        "status": obj.status,']
            for name, _, _, kind in model.fields:
                if kind in ("money",):
                    out.append(f'        "{name}": str(obj.{name}),')
                elif kind in ("date", "datetime"):
                    out.append(f'        "{name}": obj.{name}.isoformat() if obj.{name} else None,')
                else:
                    out.append(f'        "{name}": obj.{name},')
            out += ['        "created_at": obj.created_at.isoformat(),', "    }"]
            out += [
                "",
                "",
                f"def {model.lower}_from_payload(payload: Dict[str, Any]) -> Dict[str, Any]:",
                "    errors: Dict[str, str] = {}",
                "    values: Dict[str, Any] = {}",
            ]
            for name, _, _, kind in model.fields:
                out.append(f'    if "{name}" in payload:')
                if kind == "money":
                    out += [
                        "        try:",
                        f'            values["{name}"] = Decimal(str(payload["{name}"]))',
                        "        except InvalidOperation:",
                        f'            errors["{name}"] = "not a number"',
                    ]
                elif kind == "int":
                    out += [
                        f'        if not isinstance(payload["{name}"], int):',
                        f'            errors["{name}"] = "not an integer"',
                        "        else:",
                        f'            values["{name}"] = payload["{name}"]',
                    ]
                else:
                    out.append(f'        values["{name}"] = payload["{name}"]')
            out += ["    if errors:", "        raise PayloadError(errors)", "    return values"]
        out += [
            "",
            "",
            "def many(objects, convert) -> List[Dict[str, Any]]:",
            "    return [convert(obj) for obj in objects]",
        ]
        return _lines(out)

    def selectors_module(self) -> str:
        out = [
            f'"""Read-side queries of the {self.app} app."""',
            "",
            "from django.db.models import Count, Q, Sum",
            "",
            f"from portal.{self.app}.constants import DEFAULT_PAGE_SIZE",
            f"from portal.{self.app}.models import {', '.join(m.name for m in self.models)}",
        ]
        for model in self.models:
            out += [
                "",
                "",
                f"def {model.lower}s_for(user, *, search: str = \"\", page: int = 1):",
                f"    queryset = {model.name}.objects.filter(owner=user).open()",
            ]
            texts = model.of_kind("text")
            if texts:
                condition = " | ".join(f"Q({t}__icontains=search)" for t in texts[:2])
                out += ["    if search:", f"        queryset = queryset.filter({condition})"]
            out += [
                "    start = (page - 1) * DEFAULT_PAGE_SIZE",
                "    return queryset[start : start + DEFAULT_PAGE_SIZE]",
                "",
                "",
                f"def {model.lower}_stats(user):",
                f"    queryset = {model.name}.objects.filter(owner=user)",
            ]
            money = model.of_kind("money")
            aggregates = ['total=Count("id")', 'open=Count("id", filter=Q(status__in=("draft", "open")))']
            if money:
                aggregates.append(f'amount=Sum("{money[0]}")')
            out.append(f"    return queryset.aggregate({', '.join(aggregates)})")
        return _lines(out)

    def views_module(self) -> None:
        expected: List[Tuple[str, Optional[str]]] = []
        c, n = self.constants, self.names
        imports = [
            f'"""Views of the {self.app} app."""',
            "",
            "import csv",
            "import logging",
            "",
            "from django.contrib.auth.mixins import LoginRequiredMixin",
            "from django.http import Http404, HttpResponse, JsonResponse",
            "from django.shortcuts import get_object_or_404, redirect, render",
            "from django.urls import reverse_lazy",
            "from django.utils.decorators import method_decorator",
            "from django.views.decorators.http import require_POST",
            "from django.views.generic import CreateView, DetailView, ListView, UpdateView",
        ]
        waffle_names = []
        if self.forms & {"literal", "module_const", "imported_const", "fstring", "dynamic", "condexpr"}:
            waffle_names.append("flag_is_active")
        if self.has("shared_const"):
            waffle_names.append("switch_is_active")
        if waffle_names:
            imports.append(f"from waffle import {', '.join(sorted(waffle_names))}")
        if self.has("alias"):
            imports.append("from waffle import flag_is_active as feature_active")
        decorators = []
        if self.has("decorators") or self.has("method_decorator"):
            decorators.append("waffle_flag")
        if self.has("decorators"):
            decorators.append("waffle_switch")
        if decorators:
            imports.append(f"from waffle.decorators import {', '.join(decorators)}")
        if self.has("mixin"):
            imports.append("from waffle.mixins import WaffleFlagMixin, WaffleSwitchMixin")
        imports.append("")
        imports.append(f"from portal.{self.app} import selectors")
        if self.has("fstring") or self.has("method_decorator"):
            imports.append(f"from portal.{self.app} import constants")
        if self.has("imported_const") or self.has("condexpr"):
            imports.append(f"from portal.{self.app}.constants import {c[0]}, {c[1]}")
        imports.append(f"from portal.{self.app}.forms import {', '.join(m.name + 'Form' for m in self.models)}")
        imports.append(f"from portal.{self.app}.models import {', '.join(m.name for m in self.models)}")
        if self.has("shared_const"):
            imports.append("from portal.shared.flags import SITE_READ_ONLY")
        if self.has("reexport"):
            imports.append("from portal.shared.toggles import is_enabled")
        imports += ["", "logger = logging.getLogger(__name__)"]
        if self.has("module_const"):
            imports.append(f'BANNER_TOGGLE = "{self.app}_banner"')
        body: List[str] = []
        for model in self.models:
            m, low = model.name, model.lower
            body += [
                "",
                "",
                f"class {m}ListView(LoginRequiredMixin, ListView):",
                f"    template_name = \"{self.app}/{low}_list.html\"",
                f"    context_object_name = \"{low}s\"",
                "",
                "    def get_queryset(self):",
                f'        return selectors.{low}s_for(self.request.user, search=self.request.GET.get("q", ""))',
                "",
                "    def get_context_data(self, **kwargs):",
                "        context = super().get_context_data(**kwargs)",
                f"        context[\"stats\"] = selectors.{low}_stats(self.request.user)",
            ]
            if self.has("literal") and model is self.models[0]:
                body += [f'        context["show_beta"] = flag_is_active(self.request, "{n[0]}")']
                expected.append(("flag", n[0]))
            body += [
                "        return context",
                "",
                "",
                f"class {m}DetailView(LoginRequiredMixin, DetailView):",
                f"    template_name = \"{self.app}/{low}_detail.html\"",
                "",
                "    def get_queryset(self):",
                f"        return {m}.objects.filter(owner=self.request.user)",
                "",
                "",
                f"class {m}CreateView(LoginRequiredMixin, CreateView):",
                f"    model = {m}",
                f"    form_class = {m}Form",
                f"    success_url = reverse_lazy(\"{self.app}:{low}-list\")",
                "",
                "    def form_valid(self, form):",
                "        form.instance.owner = self.request.user",
                f'        logger.info("%s created a {model.words}", self.request.user)',
                "        return super().form_valid(form)",
                "",
                "",
                f"class {m}UpdateView(LoginRequiredMixin, UpdateView):",
                f"    model = {m}",
                f"    form_class = {m}Form",
                "",
                "    def get_queryset(self):",
                f"        return {m}.objects.filter(owner=self.request.user).open()",
                "",
                "",
                f"def export_{low}s(request):",
                f"    rows = {m}.objects.filter(owner=request.user).values_list(\"id\", \"status\", \"created_at\")",
                '    response = HttpResponse(content_type="text/csv")',
                f"    response[\"Content-Disposition\"] = 'attachment; filename=\"{low}s.csv\"'",
                "    writer = csv.writer(response)",
                '    writer.writerow(["id", "status", "created"])',
                "    for row in rows:",
                "        writer.writerow(row)",
                "    return response",
                "",
                "",
                "@require_POST",
                f"def close_{low}(request, pk):",
                f"    obj = get_object_or_404({m}, pk=pk, owner=request.user)",
                "    if not obj.is_open:",
                '        return JsonResponse({"error": "already closed"}, status=409)',
                "    obj.close()",
                '    return JsonResponse({"id": obj.pk, "status": obj.status})',
            ]
        first = self.models[0]
        low = first.lower
        if self.has("literal"):
            body += [
                "",
                "",
                f"def {low}_beta(request):",
                f'    if not flag_is_active(request, "{n[1]}"):',
                f'        return redirect("{self.app}:{low}-list")',
                f'    return render(request, "{self.app}/{low}_list.html", {{"beta": True}})',
            ]
            expected.append(("flag", n[1]))
        if self.has("module_const"):
            body += [
                "",
                "",
                "def banner(request):",
                "    # The banner toggle is a module constant.",
                "    if flag_is_active(request, BANNER_TOGGLE):",
                f'        return render(request, "{self.app}/banner.html")',
                "    return HttpResponse(status=204)",
            ]
            expected.append(("flag", f"{self.app}_banner"))
        if self.has("imported_const"):
            body += [
                "",
                "",
                f"def {low}_dashboard(request):",
                "    context = {",
                f'        "new_layout": flag_is_active(request, {c[0]}),',
                f'        "items": selectors.{low}s_for(request.user),',
                "    }",
                f"    if flag_is_active(request, {c[1]}):",
                f'        context["stats"] = selectors.{low}_stats(request.user)',
                f'    return render(request, "{self.app}/{low}_list.html", context)',
            ]
            expected += [("flag", n[0]), ("flag", n[1])]
        if self.has("shared_const"):
            body += [
                "",
                "",
                "@require_POST",
                f"def archive_{low}s(request):",
                "    if switch_is_active(SITE_READ_ONLY):",
                '        return JsonResponse({"error": "read-only"}, status=503)',
                f"    count = {first.name}.objects.filter(owner=request.user).open().update(status=\"closed\")",
                '    return JsonResponse({"closed": count})',
            ]
            expected.append(("switch", "site_read_only"))
        if self.has("fstring"):
            body += [
                "",
                "",
                "def summary(request):",
                f'    if flag_is_active(request, f"{{constants.TOGGLE_PREFIX}}_{n[3][len(self.app) + 1:]}"):',
                f'        return render(request, "{self.app}/summary.html")',
                "    raise Http404",
            ]
            expected.append(("flag", n[3]))
        if self.has("dynamic"):
            body += [
                "",
                "",
                "def campaign(request, slug):",
                f'    if flag_is_active(request, f"{self.app}_promo_{{slug}}"):',
                f'        return render(request, "{self.app}/campaign.html", {{"slug": slug}})',
                '    if flag_is_active(request, "experiment_" + request.GET.get("variant", "a")):',
                '        return redirect("/")',
                "    return HttpResponse(status=404)",
            ]
            expected += [("flag", None), ("flag", None)]
        if self.has("condexpr"):
            body += [
                "",
                "",
                "def layout(request):",
                f"    name = {c[0]} if request.user.is_staff else {c[1]}",
                "    return JsonResponse({\"active\": flag_is_active(request, name)})",
            ]
            expected += [("flag", n[0]), ("flag", n[1])]
        if self.has("alias"):
            body += [
                "",
                "",
                "def quick_actions(request):",
                f'    enabled = feature_active(request, "{n[2]}")',
                '    return JsonResponse({"quick_actions": enabled})',
            ]
            expected.append(("flag", n[2]))
        if self.has("reexport"):
            body += [
                "",
                "",
                "def assistant(request):",
                f'    if is_enabled(request, "{n[4]}"):',
                f'        return render(request, "{self.app}/assistant.html")',
                "    raise Http404",
            ]
            expected.append(("flag", n[4]))
        if self.has("decorators"):
            body += [
                "",
                "",
                f'@waffle_flag("{n[2]}")',
                f"def {low}_preview(request, pk):",
                f"    obj = get_object_or_404({first.name}, pk=pk, owner=request.user)",
                f'    return render(request, "{self.app}/{low}_detail.html", {{"object": obj, "preview": True}})',
                "",
                "",
                f'@waffle_switch("!{self.app}_maintenance")',
                f"def {low}_bulk_update(request):",
                "    ids = [int(i) for i in request.POST.getlist(\"ids\")]",
                f"    {first.name}.objects.filter(owner=request.user, pk__in=ids).update(status=\"open\")",
                "    return HttpResponse(status=204)",
            ]
            expected += [("flag", n[2]), ("switch", f"{self.app}_maintenance")]
        if self.has("method_decorator"):
            body += [
                "",
                "",
                f'@method_decorator(waffle_flag(constants.{c[1]}), name="dispatch")',
                f"class {first.name}TimelineView(LoginRequiredMixin, ListView):",
                f'    template_name = "{self.app}/{low}_timeline.html"',
                "",
                "    def get_queryset(self):",
                f"        return {first.name}.objects.filter(owner=self.request.user).recent()",
            ]
            expected.append(("flag", n[1]))
        if self.has("mixin"):
            body += [
                "",
                "",
                f"class {first.name}BoardView(WaffleFlagMixin, LoginRequiredMixin, ListView):",
                f'    waffle_flag = "{n[3]}"',
                f'    template_name = "{self.app}/{low}_board.html"',
                "",
                "    def get_queryset(self):",
                f"        return {first.name}.objects.filter(owner=self.request.user)",
                "",
                "",
                f"class {first.name}ImportView(WaffleSwitchMixin, LoginRequiredMixin, ListView):",
                f'    waffle_switch = "{self.app}_imports"',
                f'    template_name = "{self.app}/{low}_import.html"',
                f"    model = {first.name}",
            ]
            expected += [("flag", n[3]), ("switch", f"{self.app}_imports")]
        if self.has("negatives"):
            body += [
                "",
                "",
                "def help_page(request):",
                "    # Support asked whether flag_is_active is checked here: it is not, this page is always on.",
                '    text = "Toggles are read with waffle.flag_is_active(request, name) in the other views."',
                f'    return render(request, "{self.app}/help.html", {{"text": text}})',
            ]
        self.add("views.py", _lines(imports, body), expected)

    def services_module(self) -> None:
        expected: List[Tuple[str, Optional[str]]] = []
        c, n = self.constants, self.names
        imports = [
            f'"""Business logic of the {self.app} app."""',
            "",
            "import logging",
            "from decimal import Decimal",
            "from typing import Iterable, List, Optional",
            "",
            "from django.db import transaction",
            "from django.utils import timezone",
        ]
        names = []
        if self.has("module_attr") or self.has("loop") or self.has("enum"):
            names.append("flag_is_active")
        if self.has("concat") or self.has("switch_sample"):
            names.append("switch_is_active")
        if self.has("switch_sample"):
            names.append("sample_is_active")
        if names:
            imports.append(f"from waffle import {', '.join(sorted(names))}")
        imports.append("")
        if self.has("module_attr") or self.has("loop") or self.has("concat"):
            imports.append(f"from portal.{self.app} import constants")
        if self.has("enum"):
            imports.append(f"from portal.{self.app}.constants import {self.enum_class}")
        imports.append(f"from portal.{self.app}.models import {', '.join(m.name for m in self.models)}")
        if self.has("wrapper"):
            imports.append("from portal.shared.toggles import feature_enabled")
        imports += ["", "logger = logging.getLogger(__name__)"]
        body: List[str] = []
        for model in self.models:
            m, low = model.name, model.lower
            body += [
                "",
                "",
                "@transaction.atomic",
                f"def create_{low}(owner, **values) -> {m}:",
                f"    obj = {m}(owner=owner, **values)",
                "    obj.full_clean()",
                "    obj.save()",
                f'    logger.info("{model.words} %s created by %s", obj.pk, owner)',
                "    return obj",
                "",
                "",
                "@transaction.atomic",
                f"def close_{low}s(owner, ids: Iterable[int]) -> int:",
                "    closed = 0",
                f"    for obj in {m}.objects.select_for_update().filter(owner=owner, pk__in=list(ids)):",
                "        if obj.is_open:",
                "            obj.close()",
                "            closed += 1",
                "    return closed",
                "",
                "",
                f"def stale_{low}s(days: int = 90) -> List[{m}]:",
                "    cutoff = timezone.now() - timezone.timedelta(days=days)",
                f"    return list({m}.objects.open().filter(updated_at__lt=cutoff))",
            ]
            money = model.of_kind("money")
            if money:
                body += [
                    "",
                    "",
                    f"def total_{money[0]}(objects: Iterable[{m}]) -> Decimal:",
                    "    total = Decimal(\"0\")",
                    "    for obj in objects:",
                    f"        total += obj.{money[0]} or Decimal(\"0\")",
                    "    return total",
                ]
        first = self.models[0]
        if self.has("module_attr"):
            body += [
                "",
                "",
                f"def pricing_for(request, {first.lower}: {first.name}) -> dict:",
                f"    if flag_is_active(request, constants.{c[2]}):",
                '        return {"mode": "new", "discount": Decimal("0.05")}',
                '    return {"mode": "classic", "discount": Decimal("0")}',
            ]
            expected.append(("flag", n[2]))
        if self.has("loop"):
            body += [
                "",
                "",
                "def active_toggles(request) -> List[str]:",
                "    active = []",
                "    for name in constants.ALL_TOGGLES:",
                "        if flag_is_active(request, name):",
                "            active.append(name)",
                "    return active",
            ]
            expected += [("flag", n[0]), ("flag", n[1]), ("flag", n[2])]
        if self.has("enum"):
            body += [
                "",
                "",
                "def capabilities(request) -> dict:",
                "    return {",
                f'        "{c[3].lower()}": flag_is_active(request, {self.enum_class}.{c[3]}),',
                f'        "{c[4].lower()}": flag_is_active(request, {self.enum_class}.{c[4]}.value),',
                "    }",
            ]
            expected += [("flag", n[3]), ("flag", n[4])]
        if self.has("concat"):
            body += [
                "",
                "",
                "def exports_allowed() -> bool:",
                '    return switch_is_active(constants.TOGGLE_PREFIX + "_exports")',
            ]
            expected.append(("switch", f"{self.app}_exports"))
        if self.has("switch_sample"):
            body += [
                "",
                "",
                "def notify_owner(obj) -> Optional[str]:",
                f'    if switch_is_active("{self.app}_kill_switch"):',
                "        return None",
                f'    channel = "sms" if sample_is_active("{self.app}_sms_rollout") else "email"',
                '    logger.info("notifying %s by %s", obj.owner, channel)',
                "    return channel",
            ]
            expected += [("switch", f"{self.app}_kill_switch"), ("sample", f"{self.app}_sms_rollout")]
        if self.has("wrapper"):
            body += [
                "",
                "",
                "def digest_enabled(request) -> bool:",
                f'    return feature_enabled(request, "{n[0]}", default=True)',
            ]
            expected.append(("flag", n[0]))
        self.add("services.py", _lines(imports, body), expected)

    def urls_module(self) -> None:
        expected: List[Tuple[str, Optional[str]]] = []
        out = ["from django.urls import path", ""]
        if self.has("urlconf"):
            out = ["from django.urls import path", "from waffle.decorators import waffle_switch", ""]
        out += [f"from portal.{self.app} import views", "", f'app_name = "{self.app}"', "", "urlpatterns = ["]
        for model in self.models:
            m, low = model.name, model.lower
            out += [
                f'    path("{low}s/", views.{m}ListView.as_view(), name="{low}-list"),',
                f'    path("{low}s/new/", views.{m}CreateView.as_view(), name="{low}-create"),',
                f'    path("{low}s/<int:pk>/", views.{m}DetailView.as_view(), name="{low}-detail"),',
                f'    path("{low}s/<int:pk>/edit/", views.{m}UpdateView.as_view(), name="{low}-update"),',
                f'    path("{low}s/<int:pk>/close/", views.close_{low}, name="{low}-close"),',
                f'    path("{low}s/export/", views.export_{low}s, name="{low}-export"),',
            ]
        if self.has("urlconf"):
            low = self.models[0].lower
            out.append(
                f'    path("{low}s/export.csv", waffle_switch("{self.app}_csv_export", "{self.app}:{low}-list")'
                f'(views.export_{low}s), name="{low}-export-csv"),'
            )
            expected.append(("switch", f"{self.app}_csv_export"))
        out.append("]")
        self.add("urls.py", _lines(out), expected)

    def api_module(self) -> None:
        expected: List[Tuple[str, Optional[str]]] = []
        first = self.models[0]
        out = [f'"""JSON API of the {self.app} app."""', "", "import json", ""]
        if self.has("waffle_module"):
            out += ["import waffle"]
        out += [
            "from django.http import JsonResponse",
            "from django.views.decorators.http import require_GET, require_POST",
            "",
            f"from portal.{self.app} import selectors, serializers",
        ]
        if self.has("waffle_module"):
            out.append(f"from portal.{self.app} import constants as app_constants")
        out.append(f"from portal.{self.app}.services import create_{first.lower}")
        out += [
            "",
            "",
            "@require_GET",
            f"def list_{first.lower}s(request):",
            f"    objects = selectors.{first.lower}s_for(request.user, page=int(request.GET.get(\"page\", 1)))",
            f"    data = serializers.many(objects, serializers.{first.lower}_to_dict)",
        ]
        if self.has("waffle_module"):
            out += [
                "    meta = {",
                f'        "v2": waffle.switch_is_active("{self.app}_api_v2"),',
                f'        "new_checkout": waffle.flag_is_active(request, app_constants.{self.constants[0]}),',
                "    }",
                '    return JsonResponse({"results": data, "meta": meta})',
            ]
            expected += [("switch", f"{self.app}_api_v2"), ("flag", self.names[0])]
        else:
            out.append('    return JsonResponse({"results": data})')
        out += [
            "",
            "",
            "@require_POST",
            "def create(request):",
            "    try:",
            "        payload = json.loads(request.body)",
            "    except ValueError:",
            '        return JsonResponse({"error": "invalid JSON"}, status=400)',
            "    try:",
            f"        values = serializers.{first.lower}_from_payload(payload)",
            "    except serializers.PayloadError as error:",
            '        return JsonResponse({"errors": error.errors}, status=400)',
            f"    obj = create_{first.lower}(request.user, **values)",
            f"    return JsonResponse(serializers.{first.lower}_to_dict(obj), status=201)",
        ]
        self.add("api.py", _lines(out), expected)

    def tasks_module(self) -> str:
        out = [
            f'"""Background jobs of the {self.app} app."""',
            "",
            "import logging",
            "",
            "from celery import shared_task",
            "",
            f"from portal.{self.app} import services",
            "",
            "logger = logging.getLogger(__name__)",
        ]
        for model in self.models:
            out += [
                "",
                "",
                "@shared_task(bind=True, max_retries=3, default_retry_delay=60)",
                f"def close_stale_{model.lower}s(self, days=90):",
                "    try:",
                f"        stale = services.stale_{model.lower}s(days)",
                "    except Exception as error:  # pragma: no cover - retried",
                "        raise self.retry(exc=error)",
                "    for obj in stale:",
                "        obj.close()",
                f'    logger.info("closed %d stale {model.words}s", len(stale))',
                "    return len(stale)",
            ]
        return _lines(out)

    def signals_module(self) -> str:
        out = [
            "import logging",
            "",
            "from django.db.models.signals import post_save, pre_delete",
            "from django.dispatch import receiver",
            "",
            f"from portal.{self.app}.models import {', '.join(m.name for m in self.models)}",
            "",
            "logger = logging.getLogger(__name__)",
        ]
        for model in self.models[:3]:
            out += [
                "",
                "",
                f"@receiver(post_save, sender={model.name})",
                f"def {model.lower}_saved(sender, instance, created, **kwargs):",
                "    if created:",
                f'        logger.debug("{model.words} %s created", instance.pk)',
                "",
                "",
                f"@receiver(pre_delete, sender={model.name})",
                f"def {model.lower}_deleted(sender, instance, **kwargs):",
                f'    logger.warning("{model.words} %s deleted", instance.pk)',
            ]
        return _lines(out)

    def utils_module(self) -> str:
        return _lines(
            [
                f'"""Helpers of the {self.app} app."""',
                "",
                "import re",
                "from datetime import date, datetime",
                "from decimal import ROUND_HALF_UP, Decimal",
                "from itertools import islice",
                "from typing import Iterable, Iterator, List, TypeVar",
                "",
                "T = TypeVar(\"T\")",
                '_SLUG = re.compile(r"[^a-z0-9]+")',
                "",
                "",
                "def chunks(items: Iterable[T], size: int) -> Iterator[List[T]]:",
                "    iterator = iter(items)",
                "    while True:",
                "        chunk = list(islice(iterator, size))",
                "        if not chunk:",
                "            return",
                "        yield chunk",
                "",
                "",
                "def slugify_label(text: str) -> str:",
                '    return _SLUG.sub("-", text.lower()).strip("-")',
                "",
                "",
                "def money(value: Decimal, places: int = 2) -> Decimal:",
                '    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)',
                "",
                "",
                "def parse_day(text: str) -> date:",
                '    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d.%m.%Y"):',
                "        try:",
                "            return datetime.strptime(text, fmt).date()",
                "        except ValueError:",
                "            continue",
                '    raise ValueError(f"not a date: {text!r}")',
            ]
        )

    def permissions_module(self) -> str:
        out = ["from django.core.exceptions import PermissionDenied", ""]
        for model in self.models[:3]:
            out += [
                "",
                f"class Can{model.name}:",
                f'    """Who may see and change a {model.words}."""',
                "",
                "    def __init__(self, user):",
                "        self.user = user",
                "",
                "    def view(self, obj) -> bool:",
                "        return self.user.is_staff or obj.owner_id == self.user.pk",
                "",
                "    def change(self, obj) -> bool:",
                "        return self.view(obj) and obj.is_open",
                "",
                "    def require_change(self, obj) -> None:",
                "        if not self.change(obj):",
                "            raise PermissionDenied",
                "",
            ]
        return _lines(out)

    def command_module(self) -> str:
        return _lines(
            [
                "from django.core.management.base import BaseCommand",
                "",
                f"from portal.{self.app} import services",
                "",
                "",
                "class Command(BaseCommand):",
                f'    help = "Close stale {self.app} records."',
                "",
                "    def add_arguments(self, parser):",
                '        parser.add_argument("--days", type=int, default=90)',
                '        parser.add_argument("--dry-run", action="store_true")',
                "",
                "    def handle(self, *args, days, dry_run, **options):",
                "        total = 0",
            ]
            + [
                line
                for model in self.models
                for line in (
                    f"        stale = services.stale_{model.lower}s(days)",
                    "        total += len(stale)",
                    "        if not dry_run:",
                    "            for obj in stale:",
                    "                obj.close()",
                )
            ]
            + ['        self.stdout.write(self.style.SUCCESS(f"{total} records closed"))']
        )

    def initial_migration(self) -> str:
        out = [
            "from django.conf import settings",
            "from django.db import migrations, models",
            "import django.db.models.deletion",
            "",
            "",
            "class Migration(migrations.Migration):",
            "    initial = True",
            "",
            "    dependencies = [migrations.swappable_dependency(settings.AUTH_USER_MODEL)]",
            "",
            "    operations = [",
        ]
        for model in self.models:
            out += [
                "        migrations.CreateModel(",
                f'            name="{model.name}",',
                "            fields=[",
                '                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False)),',
                '                ("status", models.CharField(default="draft", max_length=20)),',
            ]
            for name, django_field, arguments, _ in model.fields:
                out.append(f'                ("{name}", models.{django_field}({arguments})),')
            out += [
                '                ("created_at", models.DateTimeField(auto_now_add=True)),',
                '                ("updated_at", models.DateTimeField(auto_now=True)),',
                '                ("owner", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, '
                "to=settings.AUTH_USER_MODEL)),",
                "            ],",
                '            options={"ordering": ["-created_at"]},',
                "        ),",
            ]
        out.append("    ]")
        return _lines(out)

    def data_migration(self) -> None:
        n = self.names
        text = _lines(
            [
                "from django.db import migrations",
                "",
                "",
                "def create_toggles(apps, schema_editor):",
                '    Flag = apps.get_model("waffle", "Flag")',
                '    Switch = apps.get_model("waffle", "Switch")',
                f'    Flag.objects.get_or_create(name="{n[4]}", defaults={{"everyone": None, "staff": True}})',
                f'    Switch.objects.filter(name="{self.app}_legacy_export").delete()',
                "",
                "",
                "def remove_toggles(apps, schema_editor):",
                '    Flag = apps.get_model("waffle", "Flag")',
                f'    Flag.objects.filter(name="{n[4]}").delete()',
                "",
                "",
                "class Migration(migrations.Migration):",
                f'    dependencies = [("{self.app}", "0001_initial"), '
                '("waffle", "0004_update_everyone_nullbooleanfield")]',
                "    operations = [migrations.RunPython(create_toggles, remove_toggles)]",
            ]
        )
        expected = [("flag", n[4]), ("switch", f"{self.app}_legacy_export"), ("flag", n[4])]
        self.add("migrations/0002_toggles.py", text, expected)

    def factories_module(self) -> str:
        out = [
            "import itertools",
            "from decimal import Decimal",
            "",
            "from django.contrib.auth import get_user_model",
            "",
            f"from portal.{self.app}.models import {', '.join(m.name for m in self.models)}",
            "",
            "_counter = itertools.count(1)",
            "",
            "",
            "def user(**values):",
            "    number = next(_counter)",
            '    values.setdefault("username", f"user{number}")',
            '    values.setdefault("email", f"user{number}@example.com")',
            "    return get_user_model().objects.create(**values)",
        ]
        for model in self.models:
            out += ["", "", f"def {model.lower}(owner=None, **values):", "    number = next(_counter)"]
            for name, _, _, kind in model.fields:
                if kind == "text":
                    out.append(f'    values.setdefault("{name}", f"{name}-{{number}}")')
                elif kind == "money":
                    out.append(f'    values.setdefault("{name}", Decimal("9.99"))')
            out.append(f"    return {model.name}.objects.create(owner=owner or user(), **values)")
        return _lines(out)

    def test_models_module(self) -> str:
        out = ["from django.test import TestCase", "", "from portal.%s.tests import factories" % self.app]
        for model in self.models:
            out += [
                "",
                "",
                f"class {model.name}Tests(TestCase):",
                "    def test_str(self):",
                f"        obj = factories.{model.lower}()",
                "        self.assertTrue(str(obj))",
                "",
                "    def test_close(self):",
                f"        obj = factories.{model.lower}()",
                "        obj.close()",
                "        obj.refresh_from_db()",
                '        self.assertEqual(obj.status, "closed")',
                "        self.assertFalse(obj.is_open)",
                "",
                "    def test_absolute_url(self):",
                f"        obj = factories.{model.lower}()",
                f'        self.assertIn("/{model.lower}s/", obj.get_absolute_url())',
            ]
            if model.of_kind("money"):
                out += [
                    "",
                    "    def test_total(self):",
                    f"        obj = factories.{model.lower}()",
                    "        self.assertGreaterEqual(obj.total(), 0)",
                ]
        return _lines(out)

    def test_views_module(self) -> None:
        expected: List[Tuple[str, Optional[str]]] = []
        first = self.models[0]
        c, n = self.constants, self.names
        out = ["from unittest import mock", "", "from django.test import TestCase", "from django.urls import reverse"]
        if self.has("tests"):
            out += ["from waffle.testutils import override_flag, override_sample, override_switch"]
        out += ["", f"from portal.{self.app}.tests import factories"]
        if self.has("tests"):
            out.append(f"from portal.{self.app}.constants import {c[0]}")
        out += ["", ""]
        if self.has("tests"):
            out.append(f"@override_flag({c[0]}, active=True)")
            expected.append(("flag", n[0]))
        out += [
            f"class {first.name}ViewTests(TestCase):",
            "    def setUp(self):",
            "        self.user = factories.user()",
            "        self.client.force_login(self.user)",
        ]
        for model in self.models:
            out += [
                "",
                f"    def test_{model.lower}_list(self):",
                f"        factories.{model.lower}(owner=self.user)",
                f'        response = self.client.get(reverse("{self.app}:{model.lower}-list"))',
                "        self.assertEqual(response.status_code, 200)",
                "",
                f"    def test_{model.lower}_close(self):",
                f"        obj = factories.{model.lower}(owner=self.user)",
                f'        response = self.client.post(reverse("{self.app}:{model.lower}-close", args=[obj.pk]))',
                "        self.assertEqual(response.status_code, 200)",
            ]
        if self.has("tests"):
            out += [
                "",
                f'    @override_switch("{self.app}_maintenance", active=True)',
                "    def test_maintenance(self):",
                f'        response = self.client.get(reverse("{self.app}:{first.lower}-list"))',
                "        self.assertEqual(response.status_code, 200)",
                "",
                "    def test_sms_rollout(self):",
                f'        with override_sample("{self.app}_sms_rollout", active=True):',
                f'            response = self.client.get(reverse("{self.app}:{first.lower}-list"))',
                "        self.assertEqual(response.status_code, 200)",
            ]
            expected += [("switch", f"{self.app}_maintenance"), ("sample", f"{self.app}_sms_rollout")]
        if self.has("negatives"):
            out += [
                "",
                '    @mock.patch("waffle.flag_is_active", return_value=False)',
                "    def test_with_everything_off(self, flag_is_active):",
                f'        response = self.client.get(reverse("{self.app}:{first.lower}-list"))',
                "        self.assertEqual(response.status_code, 200)",
            ]
        self.add("tests/test_views.py", _lines(out), expected)

    def test_services_module(self) -> None:
        expected: List[Tuple[str, Optional[str]]] = []
        c, n = self.constants, self.names
        out = ["from django.test import TestCase"]
        if self.has("models"):
            out += ["from waffle import get_waffle_flag_model", "from waffle.models import Flag, Sample, Switch"]
        out += ["", f"from portal.{self.app} import services", f"from portal.{self.app}.tests import factories"]
        if self.has("models"):
            out.append(f"from portal.{self.app}.constants import {c[0]}, {c[2]}")
        out += [
            "",
            "",
            "class ServiceTests(TestCase):",
            "    def setUp(self):",
            "        self.user = factories.user()",
        ]
        if self.has("models"):
            out += [
                f'        Flag.objects.create(name="{n[1]}", everyone=True)',
                f'        Switch.objects.get_or_create(name="{self.app}_kill_switch", defaults={{"active": False}})',
                f'        Sample.objects.filter(name="{self.app}_sms_rollout").update(percent=100)',
            ]
            expected += [("flag", n[1]), ("switch", f"{self.app}_kill_switch"), ("sample", f"{self.app}_sms_rollout")]
        for model in self.models:
            out += [
                "",
                f"    def test_close_{model.lower}s(self):",
                f"        objs = [factories.{model.lower}(owner=self.user) for _ in range(3)]",
                f"        closed = services.close_{model.lower}s(self.user, [o.pk for o in objs])",
                "        self.assertEqual(closed, 3)",
                "",
                f"    def test_stale_{model.lower}s(self):",
                f"        factories.{model.lower}(owner=self.user)",
                f"        self.assertEqual(services.stale_{model.lower}s(days=0), [])",
            ]
        if self.has("models"):
            out += [
                "",
                "    def tearDown(self):",
                f"        Flag.objects.filter(name__in=[{c[0]}, {c[2]}]).delete()",
                f'        get_waffle_flag_model().objects.filter(name="{n[3]}").delete()',
            ]
            expected += [("flag", n[0]), ("flag", n[2]), ("flag", n[3])]
        self.add("tests/test_services.py", _lines(out), expected)

    def templates(self) -> None:
        n = self.names
        for index, model in enumerate(self.models):
            expected: List[Tuple[str, Optional[str]]] = []
            waffle = self.has("template") and index == 0
            load = "{% load static waffle_tags %}" if waffle else "{% load static %}"
            out = ['{% extends "base.html" %}', load, "",
                   f"{{% block title %}}{model.name}s{{% endblock %}}", "", "{% block content %}",
                   f'<h1>{model.words.capitalize()}s</h1>']
            if waffle:
                out += [
                    f'{{% flag "{n[0]}" %}}',
                    f'  <a class="button" href="{{% url \'{self.app}:{model.lower}-create\' %}}">New {model.words}</a>',
                    "{% else %}",
                    f'  <a href="{{% url \'{self.app}:{model.lower}-create\' %}}">Add a {model.words}</a>',
                    "{% endflag %}",
                    f"{{% switch {self.app}_maintenance %}}",
                    '  <p class="notice">Changes are paused for maintenance.</p>',
                    "{% endswitch %}",
                ]
                expected += [("flag", n[0]), ("switch", f"{self.app}_maintenance")]
            out += [
                '<form method="get"><input name="q" value="{{ request.GET.q }}" placeholder="Search"></form>',
                "<table>",
                "  <thead><tr><th>#</th><th>Status</th>"
                + "".join(f"<th>{f[0].replace('_', ' ')}</th>" for f in model.fields[:3])
                + "</tr></thead>",
                "  <tbody>",
                f"  {{% for obj in {model.lower}s %}}",
                '    <tr><td><a href="{{ obj.get_absolute_url }}">{{ obj.pk }}</a></td>'
                "<td>{{ obj.get_status_display }}</td>"
                + "".join(f"<td>{{{{ obj.{f[0]} }}}}</td>" for f in model.fields[:3])
                + "</tr>",
                "  {% empty %}",
                f'    <tr><td colspan="5">No {model.words}s yet.</td></tr>',
                "  {% endfor %}",
                "  </tbody>",
                "</table>",
                "{% if is_paginated %}{% include \"pagination.html\" %}{% endif %}",
            ]
            if waffle:
                out += [
                    f'{{% sample "{self.app}_survey" %}}{{% include "survey.html" %}}{{% endsample %}}',
                    "<script>",
                    f'  if (window.waffle && waffle.flag_is_active("{n[1]}")) {{',
                    '    document.body.classList.add("beta");',
                    "  }",
                    "</script>",
                ]
                expected += [("sample", f"{self.app}_survey"), ("flag", n[1])]
            out += ["{% endblock %}"]
            self.add(f"templates/{self.app}/{model.lower}_list.html", _lines(out), expected)
            detail = [
                '{% extends "base.html" %}',
                "",
                "{% block content %}",
                "<h1>{{ object }}</h1>",
                "<dl>",
                "  <dt>Status</dt><dd>{{ object.get_status_display }}</dd>",
            ]
            detail += [f"  <dt>{f[0].replace('_', ' ')}</dt><dd>{{{{ object.{f[0]} }}}}</dd>" for f in model.fields]
            detail += [
                "</dl>",
                "{% if object.is_open %}",
                f'<form method="post" action="{{% url \'{self.app}:{model.lower}-close\' object.pk %}}">'
                "{% csrf_token %}",
                '  <button type="submit">Close</button>',
                "</form>",
                "{% endif %}",
                "{% endblock %}",
            ]
            self.add(f"templates/{self.app}/{model.lower}_detail.html", _lines(detail))

    def javascript(self) -> None:
        expected: List[Tuple[str, Optional[str]]] = []
        n = self.names
        out = [
            "(function () {",
            '  "use strict";',
            "",
            "  function csrfToken() {",
            '    var match = document.cookie.match(/csrftoken=([^;]+)/);',
            '    return match ? match[1] : "";',
            "  }",
            "",
            "  function post(url, data) {",
            "    return fetch(url, {",
            '      method: "POST",',
            '      headers: {"X-CSRFToken": csrfToken(), "Content-Type": "application/json"},',
            "      body: JSON.stringify(data || {}),",
            "    }).then(function (response) {",
            "      if (!response.ok) { throw new Error(response.statusText); }",
            "      return response.json();",
            "    });",
            "  }",
            "",
            '  document.addEventListener("click", function (event) {',
            '    var button = event.target.closest("[data-close-url]");',
            "    if (!button) { return; }",
            "    event.preventDefault();",
            "    post(button.dataset.closeUrl).then(function () {",
            '      button.closest("tr").classList.add("closed");',
            "    });",
            "  });",
        ]
        if self.has("javascript"):
            out += [
                "",
                "  // The new inline editor ships behind a flag; the old one stays for everyone else.",
                f'  if (waffle.flag_is_active("{n[3]}")) {{',
                '    document.querySelectorAll("[data-inline]").forEach(function (el) { el.contentEditable = "true"; });',  # noqa: E501
                "  }",
                f'  if (window.waffle && window.waffle.switch_is_active("{self.app}_maintenance")) {{',
                '    document.body.classList.add("read-only");',
                "  }",
            ]
            expected += [("flag", n[3]), ("switch", f"{self.app}_maintenance")]
        out += ["})();"]
        self.add(f"static/{self.app}/js/{self.app}.js", _lines(out), expected)

    def jinja(self) -> None:
        n = self.names
        text = _lines(
            [
                f"{{# Dashboard panel of the {self.app} app (Jinja2). #}}",
                f'{{% if waffle.flag("{n[2]}") %}}',
                '  <section class="panel panel--new">{{ render_panel(items) }}</section>',
                "{% else %}",
                '  <section class="panel">{{ render_panel(items, legacy=True) }}</section>',
                "{% endif %}",
                f'<footer>{{{{ "paused" if waffle.switch("{self.app}_kill_switch") else "live" }}}}</footer>',
            ]
        )
        self.add(f"jinja2/{self.app}/panel.jinja", text, [("flag", n[2]), ("switch", f"{self.app}_kill_switch")])


# --- command line ----------------------------------------------------------------------------------------------


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--fraction", type=float, default=1.0, help="a nested subset of the corpus (0.25, 0.5)")
    parser.add_argument("--target-lines", type=int, default=DEFAULT_TARGET_LINES)
    parser.add_argument("--min-files", type=int, default=DEFAULT_MIN_FILES)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = parser.parse_args(argv)
    if not 0 < args.fraction <= 1:
        parser.error("--fraction must be in (0, 1]")
    manifest = build_corpus(args.directory, args.target_lines, args.min_files, args.seed, fraction=args.fraction)
    print(f"{args.directory}: {describe(manifest)}")
    for source in manifest["sources"]:
        print(f"  {source['name']}: {source['files']} files, {source['python_lines']:,} Python lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())
