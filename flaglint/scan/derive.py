"""Derivation: what the project adds to waffle's API, found from the modules that define it.

A module that imports waffle's function under another name (``from waffle import flag_is_active as is_on``), or
aliases it (``is_on = waffle.flag_is_active``), exports a new API (``shop.compat.is_on``); a class that subclasses
one of waffle's models is a new model. `derive` reads that from the defining modules' summaries (and from what
modules import), so a name is known however many files use it and whatever words those files hold. Each round's
new names are new words; the files that can bind them (`may_bind`) are collected next, so a chain of re-exports
through modules that never name waffle is followed, one link per round.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, Tuple

from flaglint.catalogue import Api, Catalogue
from flaglint.model import Kind, ModuleSummary, Sym
from flaglint.resolve import Project

Derived = Tuple[Dict[str, Api], Dict[str, Kind]]


def derive(catalogue: Catalogue, summaries: Iterable[ModuleSummary], project: Project) -> Derived:
    """Re-exported APIs and project model classes, by every dotted name that reaches them.

    Seeded from the defining modules: each summary's own module-level names (imports and aliases) that lead to an
    API, and its classes that subclass a waffle model; also each import target that does (the importing side).
    Modules on the way are loaded through `project` (only those that may hold such a name).
    """
    apis: Dict[str, Api] = {}
    models: Dict[str, Kind] = {}
    with project.following_exports():
        for summary in summaries:
            module = summary.module
            for dotted, _ in summary.classes:
                qualname = f"{module}.{dotted}" if module else dotted
                kind = project.model_kind(qualname)
                if kind is not None and catalogue.model_kind(qualname) is None:
                    models[qualname] = kind
            exported = [(name, target) for name, target in summary.imports]
            exported += [(name, value.qualname) for name, value in summary.symbols if isinstance(value, Sym)]
            for name, target in exported:
                canonical = project.canonical(target)
                api = catalogue.lookup(canonical)
                if api is not None:
                    for dotted in (f"{module}.{name}" if module else name, target):
                        if catalogue.lookup(dotted) is None:
                            apis[dotted] = api
                    continue
                kind = project.model_kind(canonical)
                if kind is not None:
                    for dotted in (f"{module}.{name}" if module else name, target):
                        if catalogue.model_kind(dotted) is None:
                            models[dotted] = kind
    return apis, models


def may_bind(data: bytes, qualname: str) -> bool:
    """Whether a file's bytes can bind `qualname`'s last name by an import of its module (a cheap superset).

    ``from shop.compat import is_on`` (also in parentheses, relative, or renamed), ``import shop.compat`` then
    ``compat.is_on``, and ``from . import is_on`` next to the defining package: a file that holds the name but binds
    it in none of these ways cannot use the derived API, and is not collected again for it.
    """
    module, _, name = qualname.rpartition(".")
    word = name.encode()
    if word not in data:
        return False
    tail = module.rpartition(".")[2].encode() if module else b""
    for pattern in _binding_patterns(tail, word):
        if pattern.search(data):
            return True
    return False


_PATTERNS: Dict[Tuple[bytes, bytes], Tuple["re.Pattern[bytes]", ...]] = {}


def _binding_patterns(tail: bytes, word: bytes) -> Tuple["re.Pattern[bytes]", ...]:
    key = (tail, word)
    found = _PATTERNS.get(key)
    if found is None:
        t, w = re.escape(tail), re.escape(word)
        names = rb"(?:\((?:[^)]|\n)*?|[^\n(]*?(?:\\\n[^\n]*?)*?)\b" + w + rb"\b"
        found = (
            re.compile(rb"\bfrom\s+[\w.]*\b" + t + rb"\s+import\s+" + names),
            re.compile(rb"\bfrom\s+\.+\s+import\s+" + names),
            re.compile(rb"\b" + t + rb"\s*\.\s*" + w + rb"\b") if tail else re.compile(rb"(?!)"),
            re.compile(rb"\bimport\s+[\w.]*\b" + t + rb"\b[^\n]*\bas\s+\w+"),
        )
        _PATTERNS[key] = found
    return found


def uses_label(data: bytes, label: str) -> bool:
    """Whether a file can name a swapped-in model by its label (``apps.get_model("teams", "Flag")``)."""
    app, _, model = label.partition(".")
    pattern = _LABELS.get(label)
    if pattern is None:
        quoted = rb"""["'](?:""" + re.escape(app.encode()) + rb"\.)?" + re.escape(model.encode()) + rb"""["']"""
        pattern = _LABELS[label] = re.compile(quoted, re.IGNORECASE)
    return b"get_model" in data and pattern.search(data) is not None


_LABELS: Dict[str, "re.Pattern[bytes]"] = {}
