"""flaglint's data types as JSON, and back, validated: the cache stores data, never code.

Nothing read from disk is unpickled: a cache file is text that `decode` turns back into the frozen dataclasses of
`flaglint.model` (and the catalogue's `Api`), checking every value against the field's declared type on the way.
A dataclass is written as ``{"TypeName": [field, ...]}`` (only the types registered here can come back), a tuple
as a list; anything of the wrong shape raises `CodecError`, and the caller ignores what it read.
"""

from __future__ import annotations

import builtins
import dataclasses
import json
import re
import sys
import typing
from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Tuple, Union, cast

from flaglint import catalogue, model
from flaglint.model import JsonValue

_NoneType = type(None)


class CodecError(ValueError):
    """Stored data of the wrong shape (another version, a damaged or foreign file)."""


def _registered() -> Dict[str, type]:
    classes: Dict[str, type] = {}
    for module in (model, catalogue):
        for name in dir(module):
            value = getattr(module, name)
            if isinstance(value, type) and dataclasses.is_dataclass(value) and value.__module__ == module.__name__:
                classes[name] = value
    return classes


_CLASSES = _registered()
_BY_TYPE = {cls: name for name, cls in _CLASSES.items()}


def encode(value: object) -> JsonValue:
    """A JSON-ready form of a value built from registered dataclasses, tuples, strings, numbers and None."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (tuple, list)):
        return [encode(item) for item in value]
    name = _BY_TYPE.get(type(value))
    if name is not None:
        return {name: [encode(getattr(value, f.name)) for f in _fields(type(value))]}
    raise TypeError(f"cannot encode {type(value).__name__}")


def dumps(value: object) -> str:
    """`encode` as compact JSON text."""
    return json.dumps(encode(value), separators=(",", ":"), ensure_ascii=False, check_circular=False)


def loads(text: Union[str, bytes], expected: object) -> object:
    """Decode JSON text written by `dumps` into `expected` (a type hint), or raise `CodecError`."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise CodecError(f"not JSON: {error}") from None
    return decode(data, expected)


def decode(data: object, expected: object) -> object:
    """Turn `encode`'s output back into a value of type `expected`, checking it all the way down."""
    known = _BY_ID.get(id(expected))
    if known is None or known[0] is not expected:
        known = _BY_ID[id(expected)] = (expected, _decoder(expected))  # typing objects hash slowly: by identity
    try:
        return known[1](data)
    except RecursionError:
        raise CodecError("nested too deeply") from None


Decoder = Callable[[object], object]
_DECODERS: Dict[object, Decoder] = {}
_BY_ID: Dict[int, Tuple[object, Decoder]] = {}


def _decoder(hint: object) -> Decoder:
    found = _DECODERS.get(hint)
    if found is None:
        _DECODERS[hint] = lambda data: _DECODERS[hint](data)  # recursive types (Value holds Value) resolve lazily
        found = _build(hint)
        _DECODERS[hint] = found
    return found


def _build(hint: object) -> Decoder:
    if hint is Any:
        raise TypeError("Any cannot be decoded safely")
    if hint in (str, int, float, bool):
        return _primitive(cast(type, hint))
    if hint is _NoneType or hint is None:
        return _primitive(_NoneType)
    origin = typing.get_origin(hint)
    arguments = typing.get_args(hint)
    if origin is typing.Literal:
        allowed = frozenset(arguments)

        def literal(data: object) -> object:
            if not isinstance(data, str) or data not in allowed:
                raise CodecError(f"{data!r} is not one of {sorted(allowed)}")
            return data

        return literal
    if origin is Union:
        return _union(arguments)
    if origin in (tuple, Tuple):
        if len(arguments) == 2 and arguments[1] is Ellipsis:
            return _homogeneous(_decoder(arguments[0]))
        return _fixed([_decoder(argument) for argument in arguments])
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _dataclass(hint)
    raise TypeError(f"no decoder for {hint!r}")


def _primitive(kind: type) -> Decoder:
    def primitive(data: object) -> object:
        if type(data) is not kind and not (kind is float and type(data) is int):
            raise CodecError(f"expected {kind.__name__}, got {type(data).__name__}")
        return data

    return primitive


def _union(options: Tuple[object, ...]) -> Decoder:
    classes = {o: _BY_TYPE[o] for o in options if isinstance(o, type) and o in _BY_TYPE}
    others = [_decoder(o) for o in options if o not in classes]
    by_name = {name: _decoder(cls) for cls, name in classes.items()}

    def union(data: object) -> object:
        if isinstance(data, dict) and len(data) == 1:
            name = next(iter(data))
            decode_one = by_name.get(name)
            if decode_one is not None:
                return decode_one(data)
        for other in others:
            try:
                return other(data)
            except CodecError:
                continue
        raise CodecError(f"{type(data).__name__} fits none of the expected types")

    return union


def _homogeneous(item: Decoder) -> Decoder:
    def sequence(data: object) -> object:
        if not isinstance(data, list):
            raise CodecError(f"expected a list, got {type(data).__name__}")
        return tuple([item(element) for element in data])

    return sequence


def _fixed(items: List[Decoder]) -> Decoder:
    def fixed(data: object) -> object:
        if not isinstance(data, list) or len(data) != len(items):
            raise CodecError(f"expected a list of {len(items)}")
        return tuple([decode_one(element) for decode_one, element in zip(items, data)])

    return fixed


def _dataclass(cls: type) -> Decoder:
    name = _BY_TYPE.get(cls)
    if name is None:
        raise TypeError(f"{cls.__name__} is not registered")
    namespace = vars(sys.modules[cls.__module__])
    hints = {f.name: _annotation(f.type, namespace) if isinstance(f.type, str) else f.type for f in _fields(cls)}
    fields = _fields(cls)
    names = [f.name for f in fields]
    if any(f.name not in hints for f in dataclasses.fields(cls)) or hasattr(cls, "__slots__"):
        raise TypeError(f"{cls.__name__}: every field must be stored")
    checks: List[Tuple[Optional[Tuple[type, ...]], Optional[FrozenSet[object]], Optional[Decoder]]] = []

    def decode_instance(data: object) -> object:
        if not checks:
            checks.extend(_check(hints[f.name]) for f in fields)
        if type(data) is not dict or len(data) != 1 or name not in data:
            raise CodecError(f"expected {name}")
        values = data[name]
        if type(values) is not list or len(values) != len(checks):
            raise CodecError(f"{name}: expected {len(checks)} fields")
        state = {}
        for field_name, (types, allowed, decode_one), value in zip(names, checks, values):
            if types is not None:  # a plain value: checked here, without a call per field
                if type(value) not in types or (allowed is not None and value not in allowed):
                    raise CodecError(f"{name}: {value!r} does not fit")
                state[field_name] = value
            else:
                assert decode_one is not None
                state[field_name] = decode_one(value)
        instance: Any = object.__new__(cls)  # as pickle does: the fields were just checked, and frozen
        instance.__dict__.update(state)  # dataclasses' __init__ costs a setattr per field
        return instance

    return decode_instance


def _check(hint: object) -> Tuple[Optional[Tuple[type, ...]], Optional[FrozenSet[object]], Optional[Decoder]]:
    """How a field is checked: (the plain types it may have, the literal values it may take) or a decoder."""
    if hint in (str, int, bool, float):
        plain = cast(type, hint)
        return ((plain, int) if plain is float else (plain,)), None, None
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Literal:
        return (str,), frozenset(arguments), None
    if origin is Union and all(argument in (str, int, bool, _NoneType) for argument in arguments):
        return tuple(argument for argument in arguments if isinstance(argument, type)), None, None
    return None, None, _decoder(hint)


_TOKEN = re.compile(r"\s*(?:(?P<name>[A-Za-z_][\w.]*)|(?P<quoted>\"[^\"]*\"|'[^']*')|(?P<mark>\.\.\.|[\[\],]))")


def _annotation(text: str, namespace: Mapping[str, object]) -> object:
    """A field's annotation from its text (``Tuple[str, ...]``, ``Optional["Value"]``) without compiling code.

    `typing.get_type_hints` compiles every string annotation; this reads the small grammar dataclass fields use
    here, so a warm run does not pay for it.
    """
    tokens: List[Tuple[Optional[str], str]] = [
        (m.lastgroup, m.group(m.lastgroup)) for m in _TOKEN.finditer(text) if m.lastgroup
    ]
    value, rest = _read(tokens, namespace)
    if rest:
        raise TypeError(f"cannot read the annotation {text!r}")
    return value


def _read(
    tokens: List[Tuple[Optional[str], str]], namespace: Mapping[str, object]
) -> Tuple[object, List[Tuple[Optional[str], str]]]:
    kind, word = tokens[0]
    rest = tokens[1:]
    if kind == "quoted":
        return _annotation(word[1:-1], namespace), rest
    if kind == "mark" and word == "...":
        return Ellipsis, rest
    if kind != "name":
        raise TypeError(f"unexpected {word!r} in an annotation")
    value = _name(word, namespace)
    if not rest or rest[0] != ("mark", "["):
        return value, rest
    rest = rest[1:]
    arguments: List[object] = []
    while rest and rest[0] != ("mark", "]"):
        argument, rest = _read(rest, namespace)
        arguments.append(argument)
        if rest and rest[0] == ("mark", ","):
            rest = rest[1:]
    return cast(Any, value)[tuple(arguments) if len(arguments) != 1 else arguments[0]], rest[1:]


def _name(dotted: str, namespace: Mapping[str, object]) -> object:
    head, _, attribute = dotted.partition(".")
    found = namespace.get(head, getattr(typing, head, None) if head != "None" else None)
    if head == "None":
        return None
    if found is None:
        found = getattr(builtins, head, None)
    if found is None:
        raise TypeError(f"unknown name {dotted!r} in an annotation")
    for part in attribute.split(".") if attribute else ():
        found = getattr(found, part)
    return found


def _fields(cls: type) -> Tuple["dataclasses.Field[object]", ...]:
    return tuple(f for f in dataclasses.fields(cls) if f.init)
