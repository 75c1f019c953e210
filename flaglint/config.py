"""Settings from ``[tool.flaglint]`` in the nearest ``pyproject.toml``, validated key by key.

Unknown keys and wrong types are errors that name the key, so a typo never silently disables a check.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Tuple

from flaglint.catalogue import Api, Catalogue, wrapper_api
from flaglint.types import KINDS, Kind

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


class ConfigError(Exception):
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

    def catalogue(self) -> Catalogue:
        """The API table for this project: waffle's, plus configured wrappers and models."""
        return Catalogue().with_additions(
            exact={**dict(self.wrappers), **dict(self.extra_apis)},
            models=dict(self.models),
            model_labels=dict(self.model_labels),
        )

    def with_overrides(self, **changes: Any) -> "Settings":
        """A copy with some fields replaced (command-line options over the file)."""
        return replace(self, **changes)


INVENTORY_FORMATS = ("dumpdata", "waffle-list", "waffle-status", "edx-toggles")


def parse_inventory_option(option: str) -> InventorySpec:
    """``ENV=FILE`` or ``ENV:FORMAT=FILE`` (the ``--inventory`` option of the CLI and the flake8 plugin)."""
    environment, equals, path = option.strip().partition("=")
    if not equals or not environment or not path:
        raise ConfigError(f"--inventory expects ENV=FILE (or ENV:FORMAT=FILE), not {option!r}")
    environment, _, fmt = environment.partition(":")
    if fmt and fmt not in INVENTORY_FORMATS:
        raise ConfigError(f"unknown inventory format {fmt!r} (known: {', '.join(INVENTORY_FORMATS)})")
    return InventorySpec(environment, path, fmt or None)


def find_pyproject(start: str) -> Optional[Path]:
    """The nearest ``pyproject.toml`` at or above `start` that has a ``[tool.flaglint]`` table."""
    current = Path(start).resolve()
    if current.is_file():
        current = current.parent
    for directory in (current, *current.parents):
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                with open(candidate, "rb") as handle:
                    data = tomllib.load(handle)
            except (OSError, tomllib.TOMLDecodeError):
                continue
            if isinstance(data.get("tool"), dict) and "flaglint" in data["tool"]:
                return candidate
    return None


def load_settings(start: str = ".", config_file: Optional[str] = None) -> Settings:
    """Settings from the nearest ``pyproject.toml`` (or `config_file`), or the defaults rooted at `start`."""
    path = Path(config_file) if config_file else find_pyproject(start)
    if path is None:
        start_path = Path(start).resolve()
        directory = start_path if start_path.is_dir() else start_path.parent
        here = Path.cwd().resolve()
        inside = here == directory or here in directory.parents
        return Settings(root=str(here if inside else directory))
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    table = data.get("tool", {}).get("flaglint", {})
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.flaglint] must be a table")
    return settings_from_table(table, root=str(path.resolve().parent), config_path=str(path))


def settings_from_table(table: Mapping[str, Any], *, root: str, config_path: str) -> Settings:
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

    def string(self, key: str, value: Any) -> str:
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {type(value).__name__}")
        return value

    def strings(self, key: str, value: Any) -> Tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(key, "must be a list of strings")
        return tuple(value)

    def kind(self, key: str, value: Any) -> Kind:
        if value not in KINDS:
            raise self.fail(key, f"must be one of {', '.join(KINDS)}, not {value!r}")
        kind: Kind = value
        return kind

    def table(self, key: str, value: Any) -> Dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(key, f"must be a table, not {type(value).__name__}")
        return value


def _path(root: str, value: str) -> str:
    return value if os.path.isabs(value) else os.path.normpath(os.path.join(root, value))


def _read_wrappers(reader: _Reader, key: str, value: Any, root: str) -> Tuple[Tuple[str, Api], ...]:
    wrappers: List[Tuple[str, Api]] = []
    for dotted, spec in reader.table(key, value).items():
        entry = f'{key}."{dotted}"'
        spec = reader.table(entry, spec)
        unknown = set(spec) - {"kind", "arg", "keyword", "attribute"}
        if unknown:
            known = "kind, arg, keyword, attribute"
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
        wrappers.append((dotted, wrapper_api(dotted, kind, position, keyword, attribute)))
    return tuple(wrappers)


def _read_kind_table(reader: _Reader, key: str, value: Any, root: str) -> Tuple[Tuple[str, Kind], ...]:
    return tuple((name, reader.kind(f'{key}."{name}"', kind)) for name, kind in reader.table(key, value).items())


def _read_labels(reader: _Reader, key: str, value: Any, root: str) -> Tuple[Tuple[str, Kind], ...]:
    return tuple((label.lower(), kind) for label, kind in _read_kind_table(reader, key, value, root))


def _read_inventories(reader: _Reader, key: str, value: Any, root: str) -> Tuple[InventorySpec, ...]:
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
        specs.append(
            InventorySpec(
                environment,
                _path(root, reader.string(f"{entry}.path", spec["path"])),
                reader.string(f"{entry}.format", fmt) if fmt is not None else None,
            )
        )
    return tuple(specs)


def _read_size(reader: _Reader, key: str, value: Any, root: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise reader.fail(key, "must be a positive integer (bytes)")
    return value


def _read_choice(reader: _Reader, key: str, value: Any, choices: Tuple[str, ...]) -> str:
    if value not in choices:
        raise reader.fail(key, f"must be one of {', '.join(choices)}, not {value!r}")
    return str(value)


def _read_codes(reader: _Reader, key: str, value: Any, root: str) -> Tuple[str, ...]:
    codes = reader.strings(key, value)
    for code in codes:
        if not code.startswith("FL"):
            raise reader.fail(key, f"holds {code!r}, which is not a flaglint code (FL...)")
    return codes


_KEYS = {
    "paths": "paths",
    "exclude": "exclude",
    "template-globs": "template_globs",
    "javascript-globs": "javascript_globs",
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
}

_KEY_READERS: Dict[str, Any] = {
    "paths": lambda r, k, v, root: tuple(_path(root, p) for p in r.strings(k, v)),
    "exclude": lambda r, k, v, root: r.strings(k, v),
    "template-globs": lambda r, k, v, root: r.strings(k, v),
    "javascript-globs": lambda r, k, v, root: r.strings(k, v),
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
}
