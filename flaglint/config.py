"""Settings from ``[tool.flaglint]`` in the nearest ``pyproject.toml``, validated key by key.

Unknown keys and wrong types are errors that name the key, so a typo never silently disables a check.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from flaglint.catalogue import Api, Catalogue, Role, wrapper_api
from flaglint.codes import known_selector
from flaglint.generated import read_generated
from flaglint.model import KINDS, FlaglintError, GeneratedModule, GeneratedName, Kind

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11
    import tomli as tomllib

DEFAULT_TEMPLATE_GLOBS: Tuple[str, ...] = (
    "**/templates/**/*.html",
    "**/templates/**/*.txt",
    "**/templates/**/*.jinja",
    "**/templates/**/*.jinja2",
    "**/templates/**/*.j2",
    "**/jinja2/**/*.html",
    "**/jinja2/**/*.txt",
    "**/jinja2/**/*.jinja",
    "**/jinja2/**/*.jinja2",
    "**/jinja2/**/*.j2",
)
DEFAULT_JAVASCRIPT_GLOBS: Tuple[str, ...] = ("**/*.js", "**/*.jsx", "**/*.ts", "**/*.tsx", "**/*.mjs", "**/*.cjs")
DEFAULT_OPS_GLOBS: Tuple[str, ...] = (
    "**/*.sh",
    "**/*.bash",
    "**/Makefile",
    "**/makefile",
    "**/GNUmakefile",
    "**/*.mk",
    "**/Dockerfile",
    "**/Dockerfile.*",
    "**/*.Dockerfile",
    "**/*.dockerfile",
    "**/Procfile",
    "**/Procfile.*",
    ".github/workflows/*.yml",
    ".github/workflows/*.yaml",
    ".github/actions/**/action.yml",
    ".github/actions/**/action.yaml",
    "**/.gitlab-ci.yml",
    "**/.gitlab-ci/**/*.yml",
    ".circleci/config.yml",
    "**/bitbucket-pipelines.yml",
    "**/docker-compose*.yml",
    "**/docker-compose*.yaml",
    "**/compose.yml",
    "**/compose.yaml",
    "**/tox.ini",
    "**/app.json",
    "**/fly.toml",
)
"""Ops files that may run waffle's management commands: scripts, Makefiles, Dockerfiles, Procfiles, CI, compose."""
DEFAULT_TEST_PATTERNS: Tuple[str, ...] = (
    "tests/",
    "test/",
    "test_*/",
    "*_tests/",
    "test_*.py",
    "*_test.py",
    "*_tests.py",
    "tests.py",
    "conftest.py",
)
DEFAULT_MIGRATION_PATTERNS: Tuple[str, ...] = ("migrations/",)
DEFAULT_EXCLUDE: Tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".tox",
    ".nox",
    ".venv",
    "venv",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".flaglint_cache",
    "__pycache__",
    "node_modules",
    "site-packages",
    "*.egg-info",
    "*.min.js",
)
DEFAULT_RETIRE_MARKER = "flaglint: retire"
DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024


class ConfigError(FlaglintError):
    """Invalid configuration; the message names the file and the key."""


@dataclass(frozen=True)
class InventorySpec:
    """One ``ENV=FILE`` inventory to load (format detected when None)."""

    environment: str
    path: str
    format: Optional[str] = None


@dataclass(frozen=True)
class Settings:
    """Everything a run needs to know, from defaults, ``[tool.flaglint]`` and the command line."""

    root: str = "."
    config_path: Optional[str] = None
    paths: Tuple[str, ...] = (".",)
    exclude: Tuple[str, ...] = ()
    template_globs: Tuple[str, ...] = DEFAULT_TEMPLATE_GLOBS
    javascript_globs: Tuple[str, ...] = DEFAULT_JAVASCRIPT_GLOBS
    ops_globs: Tuple[str, ...] = DEFAULT_OPS_GLOBS
    """Files read for waffle's management commands (``manage.py waffle_switch NAME on``): ``ops-files``."""
    test_patterns: Tuple[str, ...] = DEFAULT_TEST_PATTERNS
    migration_patterns: Tuple[str, ...] = DEFAULT_MIGRATION_PATTERNS
    wrappers: Tuple[Tuple[str, Api], ...] = ()
    models: Tuple[Tuple[str, Kind], ...] = ()
    model_labels: Tuple[Tuple[str, Kind], ...] = ()
    inventories: Tuple[InventorySpec, ...] = ()
    retirement_plan: Optional[str] = None
    retiring: Tuple[str, ...] = ()
    retire_marker: str = DEFAULT_RETIRE_MARKER
    select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    fail_on: str = "warning"
    """``flaglint check`` exits 1 on any finding ("warning") or only on errors ("error")."""
    extra_apis: Tuple[Tuple[str, Api], ...] = field(default=())
    settings_modules: Tuple[str, ...] = ()
    """The Django settings modules ``settings.X`` is looked up in (found from ``DJANGO_SETTINGS_MODULE`` when empty)."""
    generated: Tuple[Tuple[GeneratedModule, Tuple[GeneratedName, ...]], ...] = ()
    """Modules whose attributes a data file generates, with the names read from the file."""

    def catalogue(self) -> Catalogue:
        """The API table for this project: waffle's, plus configured wrappers and models."""
        return Catalogue().with_additions(
            exact={**dict(self.wrappers), **dict(self.extra_apis)},
            models=dict(self.models),
            model_labels=dict(self.model_labels),
        )

    def with_paths(self, paths: Tuple[str, ...]) -> "Settings":
        """A copy that scans `paths` (``check-delete --path`` adds another codebase)."""
        return replace(self, paths=paths)


def parse_inventory_option(option: str) -> InventorySpec:
    """``ENV=FILE`` or ``ENV:FORMAT=FILE`` (the ``--inventory`` option of the CLI and the flake8 plugin)."""
    environment, equals, path = option.strip().partition("=")
    if not equals or not environment or not path:
        raise ConfigError(f"--inventory expects ENV=FILE (or ENV:FORMAT=FILE), not {option!r}")
    environment, _, fmt = environment.partition(":")
    from flaglint.inventories import FORMATS  # the one registry of export formats

    if fmt and fmt not in FORMATS:
        raise ConfigError(f"unknown inventory format {fmt!r} (known: {', '.join(FORMATS)})")
    return InventorySpec(environment, path, fmt or None)


def _read_toml(path: Path) -> Dict[str, object]:
    """A TOML file's table; a syntax error (a duplicate key too) is a `ConfigError` naming the line and column."""
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror or error}") from error
    except tomllib.TOMLDecodeError as error:
        message, line, column = toml_error(error)
        where = f"{path}:{line}:{column}" if line is not None else str(path)
        raise ConfigError(f"{where}: invalid TOML: {message}") from error
    except (UnicodeDecodeError, RecursionError, ValueError) as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    return data


def toml_error(error: Exception) -> Tuple[str, Optional[int], Optional[int]]:
    """tomllib's message without its ``(at line L, column C)`` suffix, and that line and column."""
    message = str(error)
    line: Optional[int] = getattr(error, "lineno", None)
    column: Optional[int] = getattr(error, "colno", None)
    match = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", message)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
        message = message[: match.start()]
    else:
        message = re.sub(r"\s*\(at end of document\)\s*$", " at end of document", message)
    return message, line, column


def find_pyproject(start: str) -> Optional[Path]:
    """The nearest ``pyproject.toml`` at or above `start` that has a ``[tool.flaglint]`` table.

    A ``pyproject.toml`` on the way that does not parse is an error, not a file to pass over: it may be the one
    whose settings (inventories, retirement plan, wrappers) the run depends on.
    """
    current = Path(start).resolve()
    if current.is_file():
        current = current.parent
    for directory in (current, *current.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            data = _read_toml(candidate)
            tool = data.get("tool")
            if isinstance(tool, dict) and "flaglint" in tool:
                return candidate
    return None


def git_root(start: str) -> Optional[str]:
    """The top of the git work tree holding `start`, or None (not in one, or git is not installed)."""
    directory = start if os.path.isdir(start) else os.path.dirname(os.path.abspath(start)) or "."
    try:
        result = subprocess.run(
            ["git", "-C", directory, "rev-parse", "--show-toplevel"], capture_output=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    top = result.stdout.decode("utf-8", errors="surrogateescape").strip()
    return os.path.abspath(top) if top else None


def load_settings(start: str = ".", config_file: Optional[str] = None) -> Settings:
    """The settings of the project holding `start`, found the way flake8, ruff and Django find a project.

    The root is the directory of the nearest ``pyproject.toml`` with ``[tool.flaglint]`` (or of `config_file`),
    else the top of the git work tree, else `start` itself (its directory, for a file). Verdicts about names
    (stale entries, the deletion gate) always cover the whole project from that root.
    """
    path = Path(config_file) if config_file else find_pyproject(start)
    if path is None:
        top = git_root(start)
        if top is None:
            start_path = Path(start).resolve()
            top = str(start_path if start_path.is_dir() else start_path.parent)
        return Settings(root=top, paths=(top,))
    if not path.is_file():
        raise ConfigError(f"{path}: no such configuration file")
    data = _read_toml(path)
    tool = data.get("tool", {})
    table = tool.get("flaglint", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.flaglint] must be a table")
    root = str(path.resolve().parent)
    settings = settings_from_table(table, root=root, config_path=str(path))
    if "paths" not in table:
        settings = replace(settings, paths=(root,))
    return settings


def settings_from_table(table: Mapping[str, object], *, root: str, config_path: str) -> Settings:
    """Validate a ``[tool.flaglint]`` table and build `Settings`; relative paths are relative to `root`."""
    reader = _Reader(config_path)
    values: Dict[str, Any] = {}
    for key, value in table.items():
        if key not in _KEYS:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{config_path}: unknown key 'tool.flaglint.{key}' (known keys: {known})")
        values[_KEYS[key]] = _KEY_READERS[key](reader, f"tool.flaglint.{key}", value, root)
    return Settings(root=root, config_path=config_path, **values)


class _Reader:
    """Type checks with messages that name the key."""

    def __init__(self, config_path: str):
        self.config_path = config_path

    def fail(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.config_path}: '{key}' {message}")

    def string(self, key: str, value: object) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {type(value).__name__}")
        return value

    def strings(self, key: str, value: object) -> Tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(key, "must be a list of strings")
        return tuple(value)

    def kind(self, key: str, value: object) -> Kind:
        for kind in KINDS:
            if value == kind:
                return kind
        raise self.fail(key, f"must be one of {', '.join(KINDS)}, not {value!r}")

    def table(self, key: str, value: object) -> Dict[str, object]:
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a table, not {type(value).__name__}")
        return value


def _path(root: str, value: str) -> str:
    return value if os.path.isabs(value) else os.path.normpath(os.path.join(root, value))


def _read_wrappers(reader: _Reader, key: str, value: object, root: str) -> Tuple[Tuple[str, Api], ...]:
    wrappers: List[Tuple[str, Api]] = []
    for dotted, spec in reader.table(key, value).items():
        entry = f'{key}."{dotted}"'
        spec = reader.table(entry, spec)
        unknown = set(spec) - {"kind", "arg", "keyword", "attribute", "role"}
        if unknown:
            known = "kind, arg, keyword, attribute, role"
            raise reader.fail(entry, f"has unknown key(s) {', '.join(sorted(unknown))} (known: {known})")
        if "kind" not in spec:
            raise reader.fail(entry, "needs a 'kind' (flag, switch or sample)")
        kind = reader.kind(f"{entry}.kind", spec["kind"])
        position = spec.get("arg")
        if position is not None and (not isinstance(position, int) or isinstance(position, bool) or position < 0):
            raise reader.fail(f"{entry}.arg", "must be a non-negative integer (0 is the first argument)")
        keyword = spec.get("keyword")
        if keyword is not None:
            keyword = reader.string(f"{entry}.keyword", keyword)
        if position is None and keyword is None:
            position = 0
        attribute = spec.get("attribute")
        if attribute is not None:
            attribute = reader.string(f"{entry}.attribute", attribute)
        given = spec.get("role", "check")
        role = next((known for known in _WRAPPER_ROLES if known == given), None)
        if role is None:
            raise reader.fail(f"{entry}.role", f"must be one of {', '.join(_WRAPPER_ROLES)}, not {given!r}")
        wrappers.append((dotted, wrapper_api(dotted, kind, position, keyword, attribute, role)))
    return tuple(wrappers)


_WRAPPER_ROLES: Tuple[Role, ...] = ("check", "decorator", "override")
"""What a configured wrapper does: answers a check, guards a view, overrides the flag in tests."""


def _read_kind_table(reader: _Reader, key: str, value: object, root: str) -> Tuple[Tuple[str, Kind], ...]:
    return tuple((name, reader.kind(f'{key}."{name}"', kind)) for name, kind in reader.table(key, value).items())


def _read_labels(reader: _Reader, key: str, value: object, root: str) -> Tuple[Tuple[str, Kind], ...]:
    return tuple((label.lower(), kind) for label, kind in _read_kind_table(reader, key, value, root))


def _read_inventories(reader: _Reader, key: str, value: object, root: str) -> Tuple[InventorySpec, ...]:
    specs: List[InventorySpec] = []
    for environment, spec in reader.table(key, value).items():
        entry = f"{key}.{environment}"
        if isinstance(spec, str):
            specs.append(InventorySpec(environment, _path(root, spec)))
            continue
        spec = reader.table(entry, spec)
        unknown = set(spec) - {"path", "format"}
        if unknown:
            raise reader.fail(entry, f"has unknown key(s) {', '.join(sorted(unknown))} (known: path, format)")
        if "path" not in spec:
            raise reader.fail(entry, "needs a 'path'")
        fmt = spec.get("format")
        from flaglint.inventories import FORMATS  # the one registry of export formats

        if fmt is not None and reader.string(f"{entry}.format", fmt) not in FORMATS:
            raise reader.fail(f"{entry}.format", f"must be one of {', '.join(FORMATS)}, not {fmt!r}")
        specs.append(
            InventorySpec(
                environment,
                _path(root, reader.string(f"{entry}.path", spec["path"])),
                reader.string(f"{entry}.format", fmt) if fmt is not None else None,
            )
        )
    return tuple(specs)


def _read_paths(reader: _Reader, key: str, value: object, root: str) -> Tuple[str, ...]:
    """Paths to scan: each must exist (a typo would silently shrink the project the verdicts are about)."""
    given_paths = reader.strings(key, value)
    paths = tuple(_path(root, p) for p in given_paths)
    if not paths:
        raise reader.fail(key, "is empty: nothing would be scanned")
    for given, path in zip(given_paths, paths):
        if not os.path.exists(path):
            raise reader.fail(key, f"holds {given!r}, which does not exist under {root}")
    return paths


def _read_size(reader: _Reader, key: str, value: object, root: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise reader.fail(key, "must be a positive integer (bytes)")
    return value


def _read_choice(reader: _Reader, key: str, value: object, choices: Tuple[str, ...]) -> str:
    if value not in choices:
        raise reader.fail(key, f"must be one of {', '.join(choices)}, not {value!r}")
    return str(value)


def _read_codes(reader: _Reader, key: str, value: object, root: str) -> Tuple[str, ...]:
    codes = reader.strings(key, value)
    for code in codes:
        if not known_selector(code):
            raise reader.fail(key, f"holds {code!r}, which is no flaglint code or prefix (see `flaglint explain`)")
    return codes


def _read_modules(reader: _Reader, key: str, value: object, root: str) -> Tuple[str, ...]:
    modules = reader.strings(key, value)
    for module in modules:
        if not all(part.isidentifier() for part in module.split(".")):
            raise reader.fail(key, f"holds {module!r}, which is no dotted module name")
    return modules


_GENERATED_KEYS = ("file", "attribute", "name", "kind", "sections")


def _read_generated(
    reader: _Reader, key: str, value: object, root: str
) -> Tuple[Tuple[GeneratedModule, Tuple[GeneratedName, ...]], ...]:
    """``[tool.flaglint.generated."osf.features"]``: the data file, its keys and kinds; the file is read now."""
    declared: List[Tuple[GeneratedModule, Tuple[GeneratedName, ...]]] = []
    for module, spec in reader.table(key, value).items():
        entry = f'{key}."{module}"'
        if not all(part.isidentifier() for part in module.split(".")):
            raise reader.fail(entry, "must be named by a dotted module (or class) name")
        spec = reader.table(entry, spec)
        unknown = set(spec) - set(_GENERATED_KEYS)
        if unknown:
            known = ", ".join(_GENERATED_KEYS)
            raise reader.fail(entry, f"has unknown key(s) {', '.join(sorted(unknown))} (known: {known})")
        if "file" not in spec:
            raise reader.fail(entry, "needs a 'file' (the YAML, JSON or TOML file the names come from)")
        path = _path(root, reader.string(f"{entry}.file", spec["file"]))
        attribute = reader.string(f"{entry}.attribute", spec["attribute"]) if "attribute" in spec else None
        name = reader.string(f"{entry}.name", spec["name"]) if "name" in spec else None
        if (attribute is None) != (name is None):
            raise reader.fail(entry, "needs both 'attribute' and 'name' (the keys of each record), or neither")
        kind = reader.kind(f"{entry}.kind", spec["kind"]) if "kind" in spec else None
        sections = tuple(
            (section, reader.kind(f'{entry}.sections."{section}"', section_kind))
            for section, section_kind in reader.table(f"{entry}.sections", spec.get("sections", {})).items()
        )
        if (kind is None) == (not sections):
            raise reader.fail(entry, "needs either a 'kind' or 'sections' (which section holds which kind)")
        declaration = GeneratedModule(module, path, attribute, name, kind, sections)
        declared.append((declaration, read_generated(declaration)))
    return tuple(declared)


_KEYS = {
    "paths": "paths",
    "exclude": "exclude",
    "template-globs": "template_globs",
    "javascript-globs": "javascript_globs",
    "ops-files": "ops_globs",
    "test-patterns": "test_patterns",
    "migration-patterns": "migration_patterns",
    "wrappers": "wrappers",
    "models": "models",
    "model-labels": "model_labels",
    "inventories": "inventories",
    "retirement-plan": "retirement_plan",
    "retire-marker": "retire_marker",
    "select": "select",
    "ignore": "ignore",
    "max-file-size": "max_file_size",
    "fail-on": "fail_on",
    "settings-modules": "settings_modules",
    "generated": "generated",
}

_KEY_READERS: Dict[str, Callable[[_Reader, str, object, str], object]] = {
    "paths": lambda r, k, v, root: _read_paths(r, k, v, root),
    "exclude": lambda r, k, v, root: r.strings(k, v),
    "template-globs": lambda r, k, v, root: r.strings(k, v),
    "javascript-globs": lambda r, k, v, root: r.strings(k, v),
    "ops-files": lambda r, k, v, root: r.strings(k, v),
    "test-patterns": lambda r, k, v, root: r.strings(k, v),
    "migration-patterns": lambda r, k, v, root: r.strings(k, v),
    "wrappers": _read_wrappers,
    "models": _read_kind_table,
    "model-labels": _read_labels,
    "inventories": _read_inventories,
    "retirement-plan": lambda r, k, v, root: _path(root, r.string(k, v)),
    "retire-marker": lambda r, k, v, root: r.string(k, v),
    "select": _read_codes,
    "ignore": _read_codes,
    "max-file-size": _read_size,
    "fail-on": lambda r, k, v, root: _read_choice(r, k, v, ("error", "warning")),
    "settings-modules": _read_modules,
    "generated": _read_generated,
}
