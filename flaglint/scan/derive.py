"""Derivation: what the project adds to waffle's API, found from the modules that define it.

A module that imports waffle's function under another name (``from waffle import flag_is_active as is_on``), or
aliases it (``is_on = waffle.flag_is_active``), exports a new API (``shop.compat.is_on``); a class that subclasses
one of waffle's models is a new model; a one-line function registered as a Jinja2 global that forwards its
parameter to waffle's check (``def beta(name): return switch_is_active(name)``) is a wrapper. `derive` reads that
from the defining modules' summaries (and from what modules import), so a name is known however many files use
it and whatever words those files hold. Each round's new names are new words; the files that can bind them
(`may_bind`) are collected next, so a chain of re-exports through modules that never name waffle is followed, one
link per round.
"""

from __future__ import annotations

import re
from typing import Dict, Iterable, List, Optional, Tuple

from flaglint.catalogue import APIS, Api, Catalogue, is_factory, wrapper_api
from flaglint.model import Kind, Lit, ModuleSummary, Sym, TemplateFunction, TemplateGlobal, Value
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
            symbols = dict(summary.symbols) if any(is_factory(info.bases) for _, info in summary.classes) else {}
            for dotted, info in summary.classes:
                qualname = f"{module}.{dotted}" if module else dotted
                kind = project.model_kind(qualname)
                if kind is None and is_factory(info.bases):
                    kind = _factory_kind(catalogue, project, symbols.get(f"{dotted}.Meta.model"))
                if kind is not None and catalogue.model_kind(qualname) is None:
                    models[qualname] = kind
            exported = [(name, target) for name, target in summary.imports]
            exported += [(name, value.qualname) for name, value in summary.symbols if isinstance(value, Sym)]
            for name, target in exported:
                if not project.in_project(target):  # django, the standard library: no re-export, no subclass
                    api = catalogue.lookup(target)
                    if api is not None and module and catalogue.lookup(f"{module}.{name}") is None:
                        apis[f"{module}.{name}"] = api
                    kind = catalogue.model_kind(target)
                    if kind is not None and module and catalogue.model_kind(f"{module}.{name}") is None:
                        models[f"{module}.{name}"] = kind
                    continue
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
            for registered in summary.template_globals:
                registration = _through_forwarder(project, registered)
                if registration.function and catalogue.lookup(registration.function) is None:
                    forwarded = _forwarded(catalogue, project, registration)
                    if forwarded is not None:
                        api, index = forwarded
                        position = index + registration.skipped
                        assert registration.parameters is not None
                        keyword = registration.parameters[index]
                        apis[registration.function] = wrapper_api(registration.function, api.kind, position, keyword)
    return apis, models


def template_functions(
    catalogue: Catalogue, summaries: Iterable[ModuleSummary], project: Project
) -> Tuple[TemplateFunction, ...]:
    """The Jinja2 globals that check a flag: each registration (`TemplateGlobal`) whose callable is one of waffle's
    functions, a configured wrapper or a re-export (`catalogue` is the extended one), with the name argument where
    a template passes it; a registration of the ``waffle`` module itself offers its three check functions.
    """
    found: Dict[str, TemplateFunction] = {}
    for summary in summaries:
        for registered in summary.template_globals:
            registration = _through_forwarder(project, registered)
            for function in _template_functions(catalogue, project, registration):
                found.setdefault(repr(function), function)
    return tuple(found[key] for key in sorted(found))


def _template_functions(
    catalogue: Catalogue, project: Project, registration: TemplateGlobal
) -> List[TemplateFunction]:
    if registration.parameters is None and _qualname(project, registration) == "waffle":
        return [
            TemplateFunction(f"{registration.name}.{api.function}", api.kind, api.position, api.keyword, api.api)
            for api in APIS
            if api.modules == ("waffle",) and api.function.endswith("_is_active")
        ]
    forwarded = _forwarded(catalogue, project, registration)
    if forwarded is None:
        return []
    api, index = forwarded
    position, keyword = api.position, api.keyword
    if registration.parameters is not None:
        position, keyword = index, registration.parameters[index]
    return [TemplateFunction(registration.name, api.kind, position, keyword, api.api, api.wrapper)]


def _through_forwarder(project: Project, registration: TemplateGlobal) -> TemplateGlobal:
    """A registration of another module's forwarding function (``env.globals["on"] = helpers.on``) as if that
    function had been registered where it is defined; any other registration as it is."""
    if registration.parameters is not None or not isinstance(registration.value, Sym):
        return registration
    qualname = registration.value.qualname
    if not project.in_project(qualname):
        return registration
    forwarder = project.forwarder(project.canonical(qualname))
    if forwarder is None:
        return registration
    return TemplateGlobal(
        registration.name,
        forwarder.value,
        registration.line,
        forwarder.parameters,
        forwarder.arguments,
        forwarder.keywords,
        forwarder.function,
        forwarder.skipped,
    )


def _qualname(project: Project, registration: TemplateGlobal) -> str:
    """The dotted name a registration's callable (or the callee of its lambda) stands for, re-exports followed."""
    value = registration.value
    qualname = value.qualname if isinstance(value, Sym) else value.value if isinstance(value, Lit) else ""
    return project.canonical(qualname) if qualname and project.in_project(qualname) else qualname


def _forwarded(catalogue: Catalogue, project: Project, registration: TemplateGlobal) -> Optional[Tuple[Api, int]]:
    """The check a registration calls, and for a lambda / one-line function the parameter that carries the name
    to it (-1 for a plain registration); None when it is no check or passes no parameter as the name."""
    qualname = _qualname(project, registration)
    api = catalogue.lookup(qualname) if qualname else None
    if api is None or api.form != "call" or api.role != "check":
        return None  # not a check (``waffle_flag`` guards views: a template calling it gets a decorator back)
    if registration.parameters is None:
        return api, -1
    keywords = dict(registration.keywords)
    if api.keyword is not None and api.keyword in keywords:
        index = keywords[api.keyword]
    elif api.position is not None and api.position < len(registration.arguments):
        index = registration.arguments[api.position]
    else:
        index = -1
    return (api, index) if index >= 0 else None  # else it passes something else: its own reference, in Python


def _factory_kind(catalogue: Catalogue, project: Project, model: Optional[Value]) -> Optional[Kind]:
    """The kind of the model a factory_boy factory builds (``class Meta: model = Flag`` or ``"waffle.Flag"``)."""
    if isinstance(model, Sym):
        return project.model_kind(model.qualname)
    if isinstance(model, Lit):
        return catalogue.model_labels.get(model.value.lower())
    return None


def may_bind(data: bytes, qualname: str, imports: "Optional[Imports]" = None) -> bool:
    """Whether a file's bytes can bind `qualname`'s last name by an import of its module (a cheap superset).

    ``from shop.compat import is_on`` (also in parentheses, relative, or renamed), ``import shop.compat`` then
    ``compat.is_on``, ``import shop.compat as c`` then ``c.is_on``, and ``from . import is_on`` next to the
    defining package: a file that holds the name but binds it in none of these ways cannot use the derived API,
    and is not collected again for it. `imports` are the file's import statements, when the caller has them.
    """
    module, _, name = qualname.rpartition(".")
    word = name.encode()
    if word not in data:
        return False
    tail = module.rpartition(".")[2].encode() if module else b""
    if tail and _attribute_use(data, tail, word):
        return True
    for source, names in imports if imports is not None else import_statements(data):
        if source is None:  # ``import a.b.tail as alias``: ``alias.word`` uses it
            for target, alias in names:
                if target.rpartition(b".")[2] == tail and alias is not None:
                    usage = rb"\b" + re.escape(alias) + rb"\s*\.\s*" + re.escape(word) + rb"\b"
                    if re.search(usage, data):
                        return True
        elif source.rpartition(b".")[2] == tail or not source.strip(b"."):
            if any(target == word for target, _ in names):
                return True
    return False


def _attribute_use(data: bytes, owner: bytes, word: bytes) -> bool:
    """Whether ``owner.word`` (a module's attribute, spaces allowed around the dot) occurs as whole words."""
    position = data.find(word)
    while position >= 0:
        end = position + len(word)
        if not _identifier_byte(data[end : end + 1]):
            before = data[:position].rstrip()
            if before.endswith(b"."):
                before = before[:-1].rstrip()
                start = len(before) - len(owner)
                if before.endswith(owner) and (start == 0 or not _identifier_byte(data[start - 1 : start])):
                    return True
        position = data.find(word, end)
    return False


def _identifier_byte(byte: bytes) -> bool:
    return byte.isalnum() or byte == b"_"


Imports = List[Tuple[Optional[bytes], List[Tuple[bytes, Optional[bytes]]]]]
"""A file's import statements: (the ``from`` module, or None for ``import``; [(name, its ``as`` name)])."""

_IMPORT = re.compile(
    rb"(?:^|[;:])[ \t]*(?:from[ \t]+(?P<source>[\w.]+)[ \t]+import[ \t]*"
    rb"(?P<names>\([^)]*\)|(?:[^\n;\\]|\\\n|\\.)*)|import[ \t]+(?P<modules>[^\n;]*))",
    re.MULTILINE,
)


_COMMENT = re.compile(rb"#[^\n]*")


def import_statements(data: bytes) -> Imports:
    """Every import statement in a file's bytes (one regex pass; a superset, as `may_bind` needs)."""
    found: Imports = []
    if b"import" not in data:
        return found
    for match in _IMPORT.finditer(data):
        source = match.group("source")
        listed = match.group("names") if source is not None else match.group("modules")
        pairs: List[Tuple[bytes, Optional[bytes]]] = []
        listed = _COMMENT.sub(b"", listed).replace(b"\\\n", b" ")
        for part in listed.strip().strip(b"()").split(b","):
            words = part.split()
            if words:
                pairs.append((words[0], words[2] if len(words) == 3 and words[1] == b"as" else None))
        found.append((source, pairs))
    return found


def uses_label(data: bytes, label: str) -> bool:
    """Whether a file can name a swapped-in model by its label (``apps.get_model("teams", "Flag")``).

    Only the text right after each ``get_model`` is searched: the collector recognises literal arguments only.
    """
    app, _, model = label.partition(".")
    pattern = _LABELS.get(label)
    if pattern is None:
        quoted = rb"""["'](?:""" + re.escape(app.encode()) + rb"\.)?" + re.escape(model.encode()) + rb"""["']"""
        pattern = _LABELS[label] = re.compile(quoted, re.IGNORECASE)
    position = data.find(b"get_model")
    while position >= 0:  # the collector reads literal arguments only: look right after each call
        if pattern.search(data, position, position + 300) is not None:
            return True
        position = data.find(b"get_model", position + 9)
    return False


_LABELS: Dict[str, "re.Pattern[bytes]"] = {}
