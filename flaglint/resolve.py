"""Resolve symbolic names across the project: constants, imported constants, enum members, toggle objects.

`Project` holds the per-file `ModuleSummary`s (loading more on demand, so a constants module that mentions no
waffle API is parsed only when a reference needs it) and turns each `PendingReference` into one `Reference` per
name it can denote. What only runtime knows stays a dynamic reference with the known parts as a pattern.
"""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, Union

from flaglint.catalogue import Catalogue
from flaglint.model import (
    WILDCARD,
    Alt,
    Attr,
    Cat,
    ClassInfo,
    Construct,
    Each,
    Item,
    Kind,
    Lit,
    ModuleSummary,
    PendingReference,
    Reference,
    Seq,
    Sym,
    ToggleName,
    Unknown,
    Value,
)

#: At most this many names come out of one reference before the rest collapse into a pattern.
MAX_OUTCOMES = 64
_MAX_DEPTH = 40
_ENUM_BASES = frozenset({"Enum", "StrEnum", "IntEnum", "TextChoices", "Choices", "IntegerChoices", "Flag"})


@dataclass(frozen=True)
class Outcome:
    """One name a reference may denote, or a pattern when part of it is unknown."""

    name: Optional[str]
    pattern: str


@dataclass(frozen=True)
class _Class:
    module: ModuleSummary
    dotted: str
    info: ClassInfo


@dataclass(frozen=True)
class _Member:
    """A class attribute (an enum member, a constant) seen through its class, which may give meaning to ``.x``."""

    owner: Optional[_Class]
    name: str
    value: Value
    module: ModuleSummary


@dataclass(frozen=True)
class _Built:
    """An object built by a call: a dataclass instance, an edx-toggles toggle or namespace."""

    callee: str
    args: Tuple[Value, ...]
    kwargs: Tuple[Tuple[str, Value], ...]
    module: ModuleSummary


@dataclass(frozen=True)
class _Items:
    items: Tuple[Value, ...]
    module: ModuleSummary


@dataclass(frozen=True)
class _Module:
    module: ModuleSummary


_Object = Union[str, _Class, _Member, _Built, _Items, _Module, None]
"""What a value denotes; None is unknown."""


class Project:
    """The modules of one scan, indexed by dotted name, for cross-file lookups."""

    def __init__(
        self,
        summaries: Iterable[ModuleSummary],
        catalogue: Catalogue,
        locate: Callable[[str], Sequence[str]] = lambda name: (),
        load: Optional[Callable[[str], Optional[ModuleSummary]]] = None,
        gate: Optional[Callable[[str], bool]] = None,
        tops: Optional[Callable[[str], bool]] = None,
    ):
        self.catalogue = catalogue
        self.by_module: Dict[str, ModuleSummary] = {}
        self.by_path: Dict[str, ModuleSummary] = {}
        self._class_names: Set[str] = set()
        for summary in summaries:
            self.add(summary)
        self.locate = locate
        self.gate = gate
        self.tops = tops
        """Whether a top-level name is one of the project's (the module index knows; default: ask `locate`)."""
        """Which files may be parsed just to follow re-exports and model subclasses (those that hold a word)."""
        self._deriving = False
        self.load = load
        self._indexes: Dict[str, Tuple[Dict[str, Value], Dict[str, str], Dict[str, ClassInfo]]] = {}
        self._tops: Dict[str, bool] = {}
        self._canonical: Dict[str, str] = {}

    def use(self, catalogue: Catalogue) -> None:
        """Resolve with an extended catalogue from now on (derivation found re-exports and models)."""
        self.catalogue = catalogue
        self._canonical = {}

    @contextlib.contextmanager
    def following_exports(self) -> Iterator[None]:
        """While deriving: modules are loaded only when the gate says they may re-export or subclass."""
        self._deriving = True
        try:
            yield
        finally:
            self._deriving = False
            self._canonical = {}

    def add(self, summary: ModuleSummary) -> None:
        """Add (or replace) one module's summary."""
        self.by_path[summary.path] = summary
        if summary.module:
            self.by_module.setdefault(summary.module, summary)
        self._class_names.update(dotted.rpartition(".")[2] for dotted, _ in summary.classes)
        self._indexes = {}
        self._canonical = {}

    # --- turning pending references into references ---

    def resolve(self, pending: PendingReference) -> List[Reference]:
        """Every reference a pending one stands for: one per name, or one dynamic with a pattern."""
        module = self.by_path.get(pending.path) or ModuleSummary(path=pending.path, module="")
        outcomes = self.outcomes(pending.value, module)
        if pending.inside_wrapper:
            outcomes = [outcome for outcome in outcomes if outcome.name is not None]
        references = []
        for outcome in outcomes:
            name, pattern, negated = outcome.name, outcome.pattern, False
            if pending.negatable:
                if name is not None and name.startswith("!"):
                    name, negated = name[1:], True
                elif name is None and pattern.startswith("!"):
                    pattern, negated = pattern[1:], True
            references.append(
                Reference(
                    path=pending.path,
                    line=pending.line,
                    column=pending.column,
                    end_line=pending.end_line,
                    end_column=pending.end_column,
                    kind=pending.kind,
                    name=name,
                    expression=pending.expression,
                    source="python",
                    api=pending.api,
                    wrapper=pending.wrapper,
                    test=pending.test,
                    negated=negated,
                    pattern=None if name is not None else (pattern or WILDCARD),
                )
            )
        return references

    def outcomes(self, value: Value, module: ModuleSummary) -> List[Outcome]:
        """The names a value may denote, deduplicated, in a stable order."""
        found = self._names(value, module, 0)
        unique: List[Outcome] = []
        for outcome in found:
            if outcome not in unique:
                unique.append(outcome)
        if len(unique) > MAX_OUTCOMES:
            return [Outcome(None, WILDCARD)]
        return unique

    def _names(self, value: Value, module: ModuleSummary, depth: int) -> List[Outcome]:
        if depth > _MAX_DEPTH:
            return [_UNKNOWN]
        if isinstance(value, Lit):
            return [Outcome(value.value, value.value)]
        if isinstance(value, Cat):
            return self._concatenate(value.parts, module, depth)
        if isinstance(value, Alt):
            return [o for option in value.options for o in self._names(option, module, depth + 1)]
        if isinstance(value, Seq):
            return [_UNKNOWN]  # a tuple is not a name; sequences of names arrive as Each (loops, name__in)
        if isinstance(value, ToggleName):
            return self._toggle_names(self._deref_all(value.of, module, depth + 1), depth)
        if isinstance(value, Unknown):
            return [_UNKNOWN]
        return self._object_names(self._deref_all(value, module, depth + 1), depth)

    def _object_names(self, objects: List[_Object], depth: int) -> List[Outcome]:
        outcomes: List[Outcome] = []
        for obj in objects:
            if isinstance(obj, str):
                outcomes.append(Outcome(obj, obj))
            elif isinstance(obj, _Member):
                outcomes.extend(self._names(obj.value, obj.module, depth + 1))
            else:
                outcomes.append(_UNKNOWN)
        return outcomes or [_UNKNOWN]

    def _concatenate(self, parts: Sequence[Value], module: ModuleSummary, depth: int) -> List[Outcome]:
        choices = [self._names(part, module, depth + 1) for part in parts]
        total = 1
        for choice in choices:
            total *= len(choice)
        if total > MAX_OUTCOMES:
            return [Outcome(None, _collapse("".join(c[0].pattern if len(c) == 1 else WILDCARD for c in choices)))]
        outcomes = []
        for combination in itertools.product(*choices):
            if all(part.name is not None for part in combination):
                name = "".join(part.name or "" for part in combination)
                outcomes.append(Outcome(name, name))
            else:
                outcomes.append(Outcome(None, _collapse("".join(part.pattern for part in combination))))
        return outcomes

    def _toggle_names(self, objects: List[_Object], depth: int) -> List[Outcome]:
        outcomes: List[Outcome] = []
        for obj in objects:
            if isinstance(obj, _Member):
                outcomes.extend(self._toggle_names(self._deref_all(obj.value, obj.module, depth + 1), depth + 1))
            elif isinstance(obj, _Built):
                name = self._toggle_name_value(obj)
                outcomes.extend(self._names(name, obj.module, depth + 1) if name is not None else [_UNKNOWN])
            elif isinstance(obj, str):
                outcomes.append(Outcome(obj, obj))
            else:
                outcomes.append(_UNKNOWN)
        return outcomes or [_UNKNOWN]

    def _toggle_name_value(self, built: _Built) -> Optional[Value]:
        api = self.catalogue.lookup(built.callee)
        if api is None:
            return None
        if api.form in ("toggle", "toggle-namespace"):
            return _argument(built, api.position, api.keyword)
        if api.form == "legacy-toggle":
            namespace = _argument(built, 0, "waffle_namespace")
            name = _argument(built, api.position, api.keyword)
            if namespace is None or name is None:
                return None
            return Cat((ToggleName(namespace), Lit("."), name))
        return None

    # --- what a value denotes ---

    def _deref_all(self, value: Value, module: ModuleSummary, depth: int) -> List[_Object]:
        if isinstance(value, Alt):
            return [o for option in value.options for o in self._deref_all(option, module, depth + 1)]
        if isinstance(value, Each):
            return self._elements(self._deref_all(value.of, module, depth + 1), depth)
        if isinstance(value, Attr):
            bases = self._deref_all(value.base, module, depth + 1)
            return [self._attribute(base, value.attr, depth + 1) for base in bases]
        if isinstance(value, Item):
            found: List[_Object] = []
            for base in self._deref_all(value.base, module, depth + 1):
                found.extend(self._subscript(base, value.index, depth + 1))
            return found
        return [self._deref(value, module, depth)]

    def _subscript(self, obj: _Object, index: int, depth: int) -> List[_Object]:
        """``obj[index]`` for a tuple or list (also one held by a constant or a class member)."""
        if isinstance(obj, _Member):
            inners = self._deref_all(obj.value, obj.module, depth + 1)
            return [found for inner in inners for found in self._subscript(inner, index, depth + 1)]
        if isinstance(obj, _Items) and -len(obj.items) <= index < len(obj.items):
            return self._deref_all(obj.items[index], obj.module, depth + 1)
        return [None]

    def _elements(self, objects: List[_Object], depth: int) -> List[_Object]:
        elements: List[_Object] = []
        for obj in objects:
            if isinstance(obj, _Items):
                for item in obj.items:
                    elements.extend(self._deref_all(item, obj.module, depth + 1))
            elif isinstance(obj, _Member):
                elements.extend(self._elements(self._deref_all(obj.value, obj.module, depth + 1), depth + 1))
            elif isinstance(obj, _Class) and self._is_enum(obj, depth):
                elements.extend(self._members(obj))
            else:
                elements.append(None)
        return elements

    def _deref(self, value: Value, module: ModuleSummary, depth: int) -> _Object:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(value, Lit):
            return value.value
        if isinstance(value, Sym):
            return self._lookup(value.qualname, depth + 1)
        if isinstance(value, Attr):
            return self._attribute(self._deref(value.base, module, depth + 1), value.attr, depth + 1)
        if isinstance(value, Seq):
            return _Items(value.items, module)
        if isinstance(value, Construct):
            callee = value.callee
            if isinstance(callee, Sym):
                return _Built(self.canonical(callee.qualname), value.args, value.kwargs, module)
            return None
        if isinstance(value, Item):
            found = self._deref_all(value, module, depth + 1)
            return found[0] if len(found) == 1 else None
        if isinstance(value, (Cat, Alt, Each, ToggleName)):
            outcomes = self._names(value, module, depth + 1)
            if len(outcomes) == 1 and outcomes[0].name is not None:
                return outcomes[0].name
            return None
        return None

    def _lookup(self, qualname: str, depth: int) -> _Object:
        """What a dotted name denotes, following imports across the project's modules."""
        if depth > _MAX_DEPTH:
            return None
        parts = qualname.split(".")
        for split in range(len(parts), 0, -1):
            summary = self._module(".".join(parts[:split]))
            if summary is not None:
                return self._walk(summary, parts[split:], depth + 1)
        return None

    def _walk(self, summary: ModuleSummary, rest: Sequence[str], depth: int) -> _Object:
        if not rest:
            return _Module(summary)
        symbols, imports, classes = self._index(summary)
        for split in range(len(rest), 0, -1):
            key = ".".join(rest[:split])
            obj: _Object
            if key in classes:
                obj = _Class(summary, key, classes[key])
            elif key in symbols:
                owner_key = key.rpartition(".")[0]
                value = symbols[key]
                if owner_key in classes:
                    obj = _Member(
                        _Class(summary, owner_key, classes[owner_key]), key.rpartition(".")[2], value, summary
                    )
                else:
                    obj = _Member(None, key, value, summary)
            else:
                continue
            for attribute in rest[split:]:
                obj = self._attribute(obj, attribute, depth + 1)
            return obj
        if rest[0] in imports:
            return self._lookup(".".join([imports[rest[0]], *rest[1:]]), depth + 1)
        return None

    def _attribute(self, obj: _Object, attribute: str, depth: int) -> _Object:
        if obj is None or depth > _MAX_DEPTH:
            return None
        if isinstance(obj, _Module):
            return self._walk(obj.module, [attribute], depth + 1)
        if isinstance(obj, _Class):
            return self._class_attribute(obj, attribute, depth + 1)
        if isinstance(obj, _Member):
            return self._member_attribute(obj, attribute, depth + 1)
        if isinstance(obj, _Built):
            return self._built_attribute(obj, attribute, depth + 1)
        return None

    def _class_attribute(self, cls: _Class, attribute: str, depth: int) -> _Object:
        symbols, _, classes = self._index(cls.module)
        key = f"{cls.dotted}.{attribute}"
        if key in classes:
            return _Class(cls.module, key, classes[key])
        if key in symbols:
            return _Member(cls, attribute, symbols[key], cls.module)
        for base in cls.info.bases:
            if not base or depth > _MAX_DEPTH:
                continue
            base_obj = self._lookup(base, depth + 1)
            if isinstance(base_obj, _Class):
                found = self._class_attribute(base_obj, attribute, depth + 1)
                if found is not None:
                    return found
        return None

    def _member_attribute(self, member: _Member, attribute: str, depth: int) -> _Object:
        if member.owner is not None and self._is_enum(member.owner, depth):
            if attribute == "value":
                return self._deref(member.value, member.module, depth + 1)
            if attribute == "name":
                return member.name
            fields = self._dataclass_fields(member.owner, depth + 1)
            if fields is not None and attribute in fields:
                inner = self._deref(member.value, member.module, depth + 1)
                index = fields.index(attribute)
                if isinstance(inner, _Items):
                    return (
                        self._deref(inner.items[index], inner.module, depth + 1) if index < len(inner.items) else None
                    )
                if isinstance(inner, str) and index == 0:
                    return inner
                return None
        return self._attribute(self._deref(member.value, member.module, depth + 1), attribute, depth + 1)

    def _built_attribute(self, built: _Built, attribute: str, depth: int) -> _Object:
        api = self.catalogue.lookup(built.callee)
        if api is not None:
            if attribute == "name":
                name = self._toggle_name_value(built)
                return self._deref(name, built.module, depth + 1) if name is not None else None
            return None
        cls = self._lookup(built.callee, depth + 1)
        if isinstance(cls, _Class):
            fields = self._dataclass_fields(cls, depth + 1)
            if fields is not None and attribute in fields:
                value = _argument(built, fields.index(attribute), attribute)
                return self._deref(value, built.module, depth + 1) if value is not None else None
        return None

    def _dataclass_fields(self, cls: _Class, depth: int) -> Optional[Tuple[str, ...]]:
        """Field order of a dataclass / named tuple, or of the first such base (enum members built from tuples)."""
        if cls.info.fields is not None:
            return cls.info.fields
        for base in cls.info.bases:
            if base and depth <= _MAX_DEPTH:
                base_obj = self._lookup(base, depth + 1)
                if isinstance(base_obj, _Class):
                    fields = self._dataclass_fields(base_obj, depth + 1)
                    if fields is not None:
                        return fields
        return None

    def _is_enum(self, cls: _Class, depth: int) -> bool:
        for base in cls.info.bases:
            if base.rpartition(".")[2] in _ENUM_BASES:
                return True
            if base and depth <= _MAX_DEPTH:
                base_obj = self._lookup(base, depth + 1)
                if isinstance(base_obj, _Class) and self._is_enum(base_obj, depth + 1):
                    return True
        return False

    def _members(self, cls: _Class) -> List[_Object]:
        symbols, _, _ = self._index(cls.module)
        prefix = cls.dotted + "."
        members: List[_Object] = []
        for key, value in symbols.items():
            if key.startswith(prefix) and "." not in key[len(prefix) :] and not key[len(prefix) :].startswith("_"):
                members.append(_Member(cls, key[len(prefix) :], value, cls.module))
        return members

    # --- modules ---

    def canonical(self, qualname: str) -> str:
        """Follow re-exports: ``myapp.flags.flag_is_active`` -> ``waffle.flag_is_active`` when it imports it.

        A name defined in a project module comes back spelled with that module's own dotted name, so a class
        imported as ``apps.core.models.Flag`` and defined in ``src/apps/core/models.py`` is one name.
        """
        cached = self._canonical.get(qualname)
        if cached is not None:
            return cached
        original = qualname
        seen: Set[str] = set()
        while qualname not in seen:
            seen.add(qualname)
            parts = qualname.split(".")
            for split in range(len(parts) - 1, 0, -1):
                summary = self._module(".".join(parts[:split]))
                if summary is None:
                    continue
                symbols, imports, _ = self._index(summary)
                head = parts[split]
                if head in imports:
                    qualname = ".".join([imports[head], *parts[split + 1 :]])
                elif head in symbols and isinstance(symbols[head], Sym):
                    target = symbols[head]
                    assert isinstance(target, Sym)
                    qualname = ".".join([target.qualname, *parts[split + 1 :]])
                elif summary.module:
                    qualname = ".".join([summary.module, *parts[split:]])
                break
        self._canonical[original] = qualname
        return qualname

    def in_project(self, qualname: str) -> bool:
        """Whether a dotted name's top-level module is one of the project's (not django, waffle, the stdlib)."""
        top = qualname.partition(".")[0]
        found = self._tops.get(top)
        if found is None:
            found = top in self.by_module or (self.tops(top) if self.tops is not None else bool(self.locate(top)))
            self._tops[top] = found
        return found

    def model_kind(self, qualname: str, depth: int = 0) -> Optional[Kind]:
        """The kind of a waffle model class or of a project class that subclasses one (at any depth)."""
        canonical = self.canonical(qualname)
        kind = self.catalogue.model_kind(canonical)
        if kind is not None or depth > _MAX_DEPTH:
            return kind
        if canonical.rpartition(".")[2] not in self._class_names:
            return None  # no module read so far defines a class of that name: it cannot subclass a model here
        obj = self._lookup(canonical, depth + 1)
        if not isinstance(obj, _Class):
            return None
        for base in obj.info.bases:
            if base:
                kind = self.model_kind(base, depth + 1)
                if kind is not None:
                    return kind
        return None

    def _module(self, name: str) -> Optional[ModuleSummary]:
        summary = self.by_module.get(name)
        if summary is not None:
            return summary
        if self.load is None:
            return None
        for path in self.locate(name):
            if path in self.by_path:
                return self.by_path[path]
            if self._deriving and self.gate is not None and not self.gate(path):
                continue  # cannot re-export waffle's API nor subclass its models: not worth parsing for that
            loaded = self.load(path)
            if loaded is not None:
                self.by_path[path] = loaded
                self.by_module.setdefault(name, loaded)
                self._class_names.update(dotted.rpartition(".")[2] for dotted, _ in loaded.classes)
                self._indexes.pop(loaded.path, None)
                return loaded
        return None

    def _index(self, summary: ModuleSummary) -> Tuple[Dict[str, Value], Dict[str, str], Dict[str, ClassInfo]]:
        index = self._indexes.get(summary.path)
        if index is None:
            index = (dict(summary.symbols), dict(summary.imports), dict(summary.classes))
            self._indexes[summary.path] = index
        return index


_UNKNOWN = Outcome(None, WILDCARD)


def _collapse(pattern: str) -> str:
    while WILDCARD + WILDCARD in pattern:
        pattern = pattern.replace(WILDCARD + WILDCARD, WILDCARD)
    return pattern


def _argument(built: _Built, position: Optional[int], keyword: Optional[str]) -> Optional[Value]:
    if keyword is not None:
        for key, value in built.kwargs:
            if key == keyword:
                return value
    if position is not None and position < len(built.args):
        return built.args[position]
    return None
