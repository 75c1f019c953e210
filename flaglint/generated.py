"""Names a module generates at import time from a data file, as ``[tool.flaglint.generated]`` declares them.

Some projects keep their flags in a YAML, JSON or TOML file and fill a module's attributes from it
(``for f in yaml.safe_load(...)["flags"]: locals()[f["flag_name"]] = f["name"]``). No static reading of the module
can know those attributes; the declaration says where they come from, so ``features.NEW_UI`` and ``from features
import NEW_UI`` resolve to the names in the file. YAML needs PyYAML (``pip install 'flaglint[yaml]'``); JSON and
TOML are read by the standard library (``tomli`` before Python 3.11).
"""

from __future__ import annotations

import json
import os
import sys
from typing import List, Mapping, Tuple

from flaglint.model import FlaglintError, GeneratedModule, GeneratedName, Kind

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11
    import tomli as tomllib


class GeneratedError(FlaglintError):
    """A declared data file that cannot be read or does not have the declared shape."""


def read_generated(module: GeneratedModule) -> Tuple[GeneratedName, ...]:
    """The attributes a declared data file generates; `GeneratedError` naming the file and entry when it cannot."""
    data = _load(module.file)
    found: List[GeneratedName] = []
    if module.sections:
        for section, kind in module.sections:
            found.extend(_entries(module, _section(module.file, data, section), kind, f"section {section!r}"))
    else:
        assert module.kind is not None, "the configuration reader requires a kind or sections"
        found.extend(_entries(module, data, module.kind, "the file"))
    return tuple(found)


def generated_names(names: Tuple[GeneratedName, ...]) -> Mapping[str, str]:
    """Attribute -> waffle name, for resolution."""
    return {entry.attribute: entry.name for entry in names}


def _load(path: str) -> object:
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as error:
        raise GeneratedError(f"{path}: cannot read: {error.strerror or error}") from None
    extension = os.path.splitext(path)[1].lower()
    try:
        if extension in (".yaml", ".yml"):
            return _load_yaml(path, raw)
        if extension == ".toml":
            return tomllib.loads(raw.decode("utf-8"))
        return json.loads(raw.decode("utf-8"))
    except json.JSONDecodeError as error:
        raise GeneratedError(f"{path}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}") from None
    except tomllib.TOMLDecodeError as error:
        from flaglint.config import toml_error

        message, line, column = toml_error(error)
        where = f"{path}:{line}:{column}" if line is not None else path
        raise GeneratedError(f"{where}: invalid TOML: {message}") from None
    except (UnicodeDecodeError, RecursionError, ValueError) as error:
        raise GeneratedError(f"{path}: cannot read: {error}") from None


def _load_yaml(path: str, raw: bytes) -> object:
    try:
        import yaml
    except ImportError:
        raise GeneratedError(
            f"{path}: reading YAML needs PyYAML: pip install 'flaglint[yaml]' (or declare a JSON or TOML file)"
        ) from None
    try:
        return yaml.safe_load(raw)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else path
        raise GeneratedError(f"{where}: invalid YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise GeneratedError(f"{path}: invalid YAML: {error}") from None


def _section(path: str, data: object, section: str) -> object:
    current = data
    for part in section.split("."):
        if not isinstance(current, dict) or part not in current:
            raise GeneratedError(f"{path}: has no section {section!r}")
        current = current[part]
    return current


def _entries(module: GeneratedModule, data: object, kind: Kind, where: str) -> List[GeneratedName]:
    path = module.file
    if isinstance(data, dict) and module.attribute is None:
        found = []
        for attribute, name in data.items():
            if not isinstance(name, str) or not isinstance(attribute, str):
                raise GeneratedError(f"{path}: {where}: {attribute!r} must map to a name (a string)")
            found.append(GeneratedName(attribute, name, kind))
        return found
    if not isinstance(data, list):
        shape = "a list of records" if module.attribute else "a mapping of attributes to names"
        raise GeneratedError(f"{path}: {where} must be {shape}, not {type(data).__name__}")
    if module.attribute is None or module.name is None:
        raise GeneratedError(f"{path}: {where} is a list: declare which keys hold the attribute and the name")
    found = []
    for index, record in enumerate(data, start=1):
        attribute = record.get(module.attribute) if isinstance(record, dict) else None
        name = record.get(module.name) if isinstance(record, dict) else None
        if not isinstance(attribute, str) or not isinstance(name, str):
            raise GeneratedError(
                f"{path}: {where}, entry {index}: needs string values for {module.attribute!r} and {module.name!r}"
            )
        found.append(GeneratedName(attribute, name, kind))
    return found
