"""Resolve symbolic names across the project: constants, imported constants, enum members, toggle objects.

`Project` holds the per-file `ModuleSummary`s (loading more on demand, so a constants module that mentions no
waffle API is parsed only when a reference needs it) and turns each `PendingReference` into one `Reference` per
name it can denote. What only runtime knows stays a dynamic reference with the known parts as a pattern.
"""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Set, Tuple, Union

from flaglint.catalogue import Catalogue
from flaglint.model import (
    WILDCARD,
    Alt,
    Attr,
    Cat,
    ClassInfo,
    Construct,
    Each,
    Fallback,
    Item,
    Kind,
    Lit,
    ModuleSummary,
    PendingReference,
    Reference,
    Seq,
    Sym,
    TemplateGlobal,
    ToggleName,
    Unknown,
    Value,
)

#: At most this many names come out of one reference before the rest collapse into a pattern.
MAX_OUTCOMES = 64
_MAX_DEPTH = 40
_ENUM_BASES = frozenset({"Enum", "StrEnum", "IntEnum", "TextChoices", "Choices", "IntegerChoices", "Flag"})

#: Where ``from django.conf import settings`` points: ``settings.X`` is looked up in the project's settings modules.
SETTINGS = "django.conf.settings"
GENERATED_HINT = "[tool.flaglint.generated]"


@dataclass(frozen=True)
class Outcome:
    """One name a reference may denote, or a pattern when part of it is unknown (and why it is)."""

    name: Optional[str]
    pattern: str
    reason: str = field(default="", compare=False)


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


@dataclass(frozen=True)
class _Opaque:
    """Something only runtime knows, and why; `missing` when the name is simply not defined there."""

    reason: str
    missing: bool = False


@dataclass(frozen=True)
class _Choice:
    """One of several objects (a setting whose value differs between settings modules)."""

    options: Tuple["_Object", ...]


_Object = Union[str, _Class, _Member, _Built, _Items, _Module, _Opaque, _Choice, None]
"""What a value denotes; None (or an `_Opaque`, which says why) is unknown."""


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
        settings_modules: Sequence[str] = (),
        generated: Mapping[str, Mapping[str, str]] = {},
    ):
        self.catalogue = catalogue
        self.settings_modules = tuple(settings_modules)
        """The modules ``django.conf.settings`` may be (each environment's), in the order they were found."""
        self.generated = dict(generated)
        """Declared generated names: module (or class) dotted name -> {attribute: waffle name}."""
        self.by_module: Dict[str, ModuleSummary] = {}
        self.by_path: Dict[str, ModuleSummary] = {}
        self._class_names: Set[str] = set()
        for summary in summaries:
            self.add(summary)
        self.locate = locate
        self.gate = gate
        """Which files may be parsed just to follow re-exports and model subclasses (those that hold a word)."""
        self.tops = tops
        """Whether a top-level name is one of the project's (the module index knows; default: ask `locate`)."""
        self._deriving = False
        self.load = load
        self._indexes: Dict[str, Tuple[Dict[str, Value], Dict[str, str], Dict[str, ClassInfo]]] = {}
        self._tops: Dict[str, bool] = {}
        self._canonical: Dict[str, str] = {}
        self._walks: Dict[Tuple[str, Tuple[str, ...]], _Object] = {}  # star-import diamonds: each walk once
        self._walking: Set[Tuple[str, Tuple[str, ...]]] = set()

    def use(self, catalogue: Catalogue) -> None:
        """Resolve with an extended catalogue from now on (derivation found re-exports and models)."""
        self.catalogue = catalogue
        self._canonical = {}
        self._walks = {}

    @contextlib.contextmanager
    def following_exports(self) -> Iterator[None]:
        """While deriving: modules are loaded only when the gate says they may re-export or subclass."""
        self._deriving = True
        self._walks = {}
        try:
            yield
        finally:
            self._deriving = False
            self._canonical = {}
            self._walks = {}

    def add(self, summary: ModuleSummary) -> None:
        """Add (or replace) one module's summary."""
        self.by_path[summary.path] = summary
        if summary.module:
            self.by_module.setdefault(summary.module, summary)
        self._class_names.update(dotted.rpartition(".")[2] for dotted, _ in summary.classes)
        self._indexes = {}
        self._canonical = {}
        self._walks = {}

    # --- turning pending references into references ---

    def resolve(self, pending: PendingReference) -> List[Reference]:
        """Every reference a pending one stands for: one per name, or one dynamic with a pattern."""
        module = self.by_path.get(pending.path) or ModuleSummary(path=pending.path, module="")
        if pending.toggle_use:
            kinded = self._toggle_uses(pending.value, module)
        else:
            kinded = [(pending.kind, outcome) for outcome in self.outcomes(pending.value, module)]
        if pending.inside_wrapper:
            kinded = [(kind, outcome) for kind, outcome in kinded if outcome.name is not None]
        references = []
        for kind, outcome in kinded:
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
                    kind=kind,
                    name=name,
                    expression=pending.expression,
                    source="python",
                    api=pending.api,
                    wrapper=pending.wrapper,
                    test=pending.test,
                    negated=negated,
                    pattern=None if name is not None else (pattern or WILDCARD),
                    reason=None if name is not None else (outcome.reason or None),
                    command=pending.command,
                )
            )
        return references

    def _toggle_uses(self, value: Value, module: ModuleSummary) -> List[Tuple[Kind, Outcome]]:
        """``obj.is_enabled()``: the toggles `obj` can be (with their kinds); nothing when it is no toggle."""
        target = value.of if isinstance(value, ToggleName) else value
        found: List[Tuple[Kind, Outcome]] = []
        pending = self._deref_all(target, module, 1)
        seen = 0
        while pending and seen < MAX_OUTCOMES:
            obj = pending.pop(0)
            seen += 1
            if isinstance(obj, _Member):
                pending.extend(self._deref_all(obj.value, obj.module, 2))
            elif isinstance(obj, _Built):
                api = self.catalogue.lookup(obj.callee)
                name = self._toggle_name_value(obj) if api is not None and api.form != "toggle-namespace" else None
                if api is not None and name is not None:
                    found.extend((api.kind, outcome) for outcome in self._names(name, obj.module, 2))
        unique: List[Tuple[Kind, Outcome]] = []
        for item in found:
            if item not in unique:
                unique.append(item)
        return unique

    def outcomes(self, value: Value, module: ModuleSummary) -> List[Outcome]:
        """The names a value may denote, deduplicated, in a stable order."""
        found = self._names(value, module, 0)
        unique: List[Outcome] = []
        for outcome in found:
            if outcome not in unique:
                unique.append(outcome)
        if len(unique) > MAX_OUTCOMES:
            return [Outcome(None, WILDCARD, f"it can be any of more than {MAX_OUTCOMES} names")]
        return unique

    def _names(self, value: Value, module: ModuleSummary, depth: int) -> List[Outcome]:
        if depth > _MAX_DEPTH:
            return [Outcome(None, WILDCARD, "its definition is nested too deeply to follow")]
        if isinstance(value, Lit):
            return [Outcome(value.value, value.value)]
        if isinstance(value, Cat):
            return self._concatenate(value.parts, module, depth)
        if isinstance(value, Alt):
            return [o for option in value.options for o in self._names(option, module, depth + 1)]
        if isinstance(value, Seq):
            return [Outcome(None, WILDCARD, "a tuple or list where a name is expected")]
        if isinstance(value, ToggleName):
            return self._toggle_names(self._deref_all(value.of, module, depth + 1), depth)
        if isinstance(value, Unknown):
            return [Outcome(None, WILDCARD, _unknown_reason(value))]
        if isinstance(value, Fallback):
            return self._fallback_names(value, module, depth)
        return self._object_names(self._deref_all(value, module, depth + 1), depth)

    def _fallback_names(self, value: Fallback, module: ModuleSummary, depth: int) -> List[Outcome]:
        """``getattr(obj, "x", default)``: the attribute's names where it is defined, the default's where not."""
        objects = self._deref_all(value.value, module, depth + 1)
        present = [obj for obj in objects if not (isinstance(obj, _Opaque) and obj.missing)]
        outcomes = self._object_names(present, depth) if present else []
        if len(present) < len(objects):
            outcomes.extend(self._names(value.default, module, depth + 1))
        return outcomes

    def _object_names(self, objects: List[_Object], depth: int) -> List[Outcome]:
        outcomes: List[Outcome] = []
        defined = [obj for obj in objects if not (isinstance(obj, _Opaque) and obj.missing)]
        for obj in defined or objects:  # ``settings.X`` where one settings module lacks X names what the others say
            if isinstance(obj, str):
                outcomes.append(Outcome(obj, obj))
            elif isinstance(obj, _Member):
                outcomes.extend(self._names(obj.value, obj.module, depth + 1))
            else:
                outcomes.append(Outcome(None, WILDCARD, _object_reason(obj)))
        return outcomes  # none for the elements of an empty sequence: a loop over ``[]`` names nothing

    def _concatenate(self, parts: Sequence[Value], module: ModuleSummary, depth: int) -> List[Outcome]:
        choices = [self._names(part, module, depth + 1) for part in parts]
        total = 1
        for choice in choices:
            total *= len(choice)
        if total > MAX_OUTCOMES:
            pattern = _collapse("".join(c[0].pattern if len(c) == 1 else WILDCARD for c in choices))
            return [Outcome(None, pattern, f"its parts can be more than {MAX_OUTCOMES} combinations")]
        outcomes = []
        for combination in itertools.product(*choices):
            if all(part.name is not None for part in combination):
                name = "".join(part.name or "" for part in combination)
                outcomes.append(Outcome(name, name))
            else:
                reason = next(part.reason for part in combination if part.name is None)
                outcomes.append(Outcome(None, _collapse("".join(part.pattern for part in combination)), reason))
        return outcomes

    def _toggle_names(self, objects: List[_Object], depth: int) -> List[Outcome]:
        outcomes: List[Outcome] = []
        defined = [obj for obj in objects if not (isinstance(obj, _Opaque) and obj.missing)]
        for obj in defined or objects:
            if isinstance(obj, _Member):
                outcomes.extend(self._toggle_names(self._deref_all(obj.value, obj.module, depth + 1), depth + 1))
            elif isinstance(obj, _Built):
                name = self._toggle_name_value(obj)
                if name is not None:
                    outcomes.extend(self._names(name, obj.module, depth + 1))
                else:
                    reason = f"`{obj.callee}(...)` is not an edx-toggles object flaglint knows"
                    outcomes.append(Outcome(None, WILDCARD, reason))
            elif isinstance(obj, str):
                outcomes.append(Outcome(obj, obj))
            else:
                outcomes.append(Outcome(None, WILDCARD, _object_reason(obj)))
        return outcomes  # none for the elements of an empty sequence: a loop over ``[]`` names nothing

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
        return _flatten(self._deref_options(value, module, depth))

    def _deref_options(self, value: Value, module: ModuleSummary, depth: int) -> List[_Object]:
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
        if isinstance(obj, _Choice):
            return [found for option in obj.options for found in self._subscript(option, index, depth + 1)]
        if isinstance(obj, _Opaque):
            return [obj]
        if isinstance(obj, _Member):
            inners = self._deref_all(obj.value, obj.module, depth + 1)
            return [found for inner in inners for found in self._subscript(inner, index, depth + 1)]
        if isinstance(obj, _Items) and -len(obj.items) <= index < len(obj.items):
            return self._deref_all(obj.items[index], obj.module, depth + 1)
        return [_Opaque(f"item {index} of something that is no tuple or list flaglint knows")]

    def _elements(self, objects: List[_Object], depth: int) -> List[_Object]:
        """The elements of sequences; an empty sequence has none (a loop over ``[]`` names nothing)."""
        elements: List[_Object] = []
        for obj in objects:
            if isinstance(obj, _Items):
                for item in obj.items:
                    elements.extend(self._deref_all(item, obj.module, depth + 1))
            elif isinstance(obj, _Member):
                elements.extend(self._elements(self._deref_all(obj.value, obj.module, depth + 1), depth + 1))
            elif isinstance(obj, _Class) and self._is_enum(obj, depth):
                elements.extend(self._members(obj))
            elif isinstance(obj, _Opaque):
                elements.append(_Opaque(f"an element of a sequence only runtime knows: {obj.reason}"))
            else:
                elements.append(_Opaque(f"an element of {_object_reason(obj, bare=True)}"))
        return elements

    def _deref(self, value: Value, module: ModuleSummary, depth: int) -> _Object:
        if depth > _MAX_DEPTH:
            return None
        if isinstance(value, Unknown):
            return _Opaque(_unknown_reason(value))
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
            return _Opaque("the result of a call only runtime makes")
        if isinstance(value, (Item, Alt, Each)):
            found = self._deref_all(value, module, depth + 1)
            if len(found) == 1:
                return found[0]
            if isinstance(value, Item):
                return _Choice(tuple(found)) if found else None
        if isinstance(value, (Cat, Alt, Each, ToggleName, Fallback)):
            outcomes = self._names(value, module, depth + 1)
            if len(outcomes) == 1 and outcomes[0].name is not None:
                return outcomes[0].name
            return _Opaque(outcomes[0].reason) if len(outcomes) == 1 else None
        return None

    def _lookup(self, qualname: str, depth: int) -> _Object:
        """What a dotted name denotes, following imports across the project's modules."""
        if depth > _MAX_DEPTH:
            return None
        if qualname.startswith(SETTINGS + "."):
            return self._setting(qualname[len(SETTINGS) + 1 :].split("."), depth + 1)
        parts = qualname.split(".")
        for split in range(len(parts), 0, -1):
            summary = self._module(".".join(parts[:split]))
            if summary is not None:
                return self._walk(summary, parts[split:], depth + 1)
        if self.in_project(qualname):
            return _Opaque(f"no module of the project defines `{qualname}`", missing=True)
        return _Opaque(f"`{qualname}` comes from outside the project")

    def _setting(self, rest: Sequence[str], depth: int) -> _Object:
        """``settings.X``: X in each settings module (every value when they disagree)."""
        name = ".".join(rest)
        if not self.settings_modules:
            return _Opaque(f"`settings.{name}`: no settings module found; name it in `settings-modules`")
        found: List[_Object] = []
        lacking: List[str] = []
        for module in self.settings_modules:
            summary = self._module(module)
            obj = self._walk(summary, rest, depth + 1) if summary is not None else None
            if obj is None or (isinstance(obj, _Opaque) and obj.missing):
                lacking.append(module)
            else:
                found.append(obj)
        if lacking:
            listed = ", ".join(f"`{module}`" for module in lacking[:3]) + (", ..." if len(lacking) > 3 else "")
            where = f"in {listed}" if found else f"in any settings module ({listed})"
            found.append(_Opaque(f"`settings.{name}` is not defined {where}", missing=True))
        return found[0] if len(found) == 1 else _Choice(tuple(found))

    def _walk(self, summary: ModuleSummary, rest: Sequence[str], depth: int) -> _Object:
        """What ``module.rest`` denotes; remembered, since settings modules star-import each other in diamonds."""
        if not rest:
            return _Module(summary)
        key = (summary.path, tuple(rest))
        if key in self._walks:
            return self._walks[key]
        if key in self._walking:
            return None  # an import cycle adds nothing
        self._walking.add(key)
        try:
            found = self._walk_uncached(summary, rest, depth)
        finally:
            self._walking.discard(key)
        self._walks[key] = found
        return found

    def _walk_uncached(self, summary: ModuleSummary, rest: Sequence[str], depth: int) -> _Object:
        generated = self._generated(summary, rest)  # a declaration beats what the code seems to say
        if generated is not None:
            return generated
        found = self._walk_symbols(summary, rest, depth)
        if found is not None and not (isinstance(found, _Opaque) and found.missing):
            return found
        for star in summary.star_imports:
            if star != summary.module and depth <= _MAX_DEPTH:
                obj = self._lookup(".".join([star, *rest]), depth + 1)
                if obj is not None and not isinstance(obj, _Opaque):
                    return obj
        if found is not None:
            return found
        module = summary.module or summary.path
        if summary.runtime_attributes:
            return _Opaque(
                f"module `{module}` sets its attributes at import time (line {summary.runtime_attributes}); "
                f"declare it under {GENERATED_HINT} to resolve `{rest[0]}`"
            )
        return _Opaque(f"`{module}` defines no `{rest[0]}`", missing=True)

    def _generated(self, summary: ModuleSummary, rest: Sequence[str]) -> Optional[str]:
        """A name declared for a module whose attributes a data file generates (``features.NEW_UI``)."""
        if not self.generated or not summary.module:
            return None
        for split in range(len(rest)):
            owner = ".".join([summary.module, *rest[:split]])
            for declared, names in self.generated.items():
                if owner == declared or owner.endswith("." + declared):
                    name = names.get(rest[split])
                    if name is not None and all(attribute == "value" for attribute in rest[split + 1 :]):
                        return name
        return None

    def _walk_symbols(self, summary: ModuleSummary, rest: Sequence[str], depth: int) -> _Object:
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
        if isinstance(obj, _Opaque):
            return obj if not obj.missing else _Opaque(obj.reason, missing=True)
        if isinstance(obj, _Choice):
            return _Choice(tuple(self._attribute(option, attribute, depth + 1) for option in obj.options))
        if isinstance(obj, _Module):
            return self._walk(obj.module, [attribute], depth + 1)
        if isinstance(obj, _Class):
            return self._class_attribute(obj, attribute, depth + 1)
        if isinstance(obj, _Member):
            return self._member_attribute(obj, attribute, depth + 1)
        if isinstance(obj, _Built):
            return self._built_attribute(obj, attribute, depth + 1)
        if isinstance(obj, _Items):
            return _Opaque(f"`.{attribute}` of a tuple or list")
        return _Opaque(f"`.{attribute}` of a string")

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
                if found is not None and not (isinstance(found, _Opaque) and found.missing):
                    return found
        owner = f"{cls.module.module}.{cls.dotted}" if cls.module.module else cls.dotted
        return _Opaque(f"class `{owner}` has no attribute `{attribute}` flaglint can see", missing=True)

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
            return _Opaque(f"`.{attribute}` of a `{built.callee}` object")
        cls = self._lookup(built.callee, depth + 1)
        if isinstance(cls, _Class):
            fields = self._dataclass_fields(cls, depth + 1)
            if fields is not None and attribute in fields:
                value = _argument(built, fields.index(attribute), attribute)
                return self._deref(value, built.module, depth + 1) if value is not None else None
        return _Opaque(f"`.{attribute}` of the object `{built.callee}(...)` returns")

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

    def forwarder(self, qualname: str) -> Optional[TemplateGlobal]:
        """The one-line function a project module defines under `qualname` that forwards to waffle's check."""
        module, _, _ = qualname.rpartition(".")
        summary = self._module(module) if module else None
        if summary is None:
            return None
        return next((found for found in summary.forwarders if found.function == qualname), None)

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


_UNKNOWN = Outcome(None, WILDCARD, "")


def _flatten(objects: Iterable[_Object]) -> List[_Object]:
    """Objects with every `_Choice` spread into its options."""
    flat: List[_Object] = []
    for obj in objects:
        if isinstance(obj, _Choice):
            flat.extend(_flatten(obj.options))
        else:
            flat.append(obj)
    return flat


def _unknown_reason(value: Unknown) -> str:
    if value.why:
        return value.why
    return f"`{value.text}` only runtime knows" if value.text else "only runtime knows it"


def _object_reason(obj: _Object, bare: bool = False) -> str:
    """Why an object gives no name (`bare`: as a noun phrase, for "an element of ...")."""
    if isinstance(obj, _Opaque):
        return obj.reason
    if isinstance(obj, _Module):
        return f"the module `{obj.module.module}`" if bare else f"`{obj.module.module}` is a module, not a name"
    if isinstance(obj, _Class):
        return f"the class `{obj.dotted}`" if bare else f"`{obj.dotted}` is a class, not a name"
    if isinstance(obj, _Built):
        what = f"the object `{obj.callee}(...)` returns"
        return what if bare else f"{what} is not a name"
    if isinstance(obj, _Items):
        return "a tuple or list" if bare else "a tuple or list where a name is expected"
    if isinstance(obj, str):
        return "a string" if bare else "a string"
    return "a value only runtime knows"


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
