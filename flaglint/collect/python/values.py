"""The value pass: what an expression denotes, symbolically (`Lit`, `Sym`, `Cat`, `Alt` ...).

Names defined in other files stay `Sym`s for `flaglint.resolve` to look up across the project, so each file can be
collected (and cached) on its own.
"""

from __future__ import annotations

import ast
import re
from typing import Callable, List, Optional, Set

from flaglint.collect.python.scopes import Scopes, _Scope
from flaglint.model import Alt, Attr, Cat, Construct, Each, Fallback, Item, Lit, Seq, Sym, ToggleName, Unknown, Value


class Values(Scopes):
    """Evaluates expressions against the scopes the binding pass built."""

    def _lookup(self, name: str, scope: _Scope) -> Value:
        current: Optional[_Scope] = scope
        first = True
        while current is not None:
            if current.kind == "class" and not first:
                current = current.parent
                continue
            thunks = current.bindings.get(name)
            if thunks:
                if current.export:
                    single = self._evaluate_thunks(thunks, name) if len(thunks) == 1 else None
                    if isinstance(single, Sym):
                        return single
                    return Sym(self._qualify(current, name), name)
                return self._evaluate_thunks(thunks, name)
            first = False
            current = current.parent
        return self._unbound(name)

    def _unbound(self, name: str) -> Value:
        """A name no scope of this module binds: from a ``*`` import, a builtin, or undefined."""
        for star in self.star_imports:
            qualname = f"{star}.{name}"
            if self.catalogue.lookup(qualname) is not None or self.catalogue.model_kind(qualname) is not None:
                return Sym(qualname, name)  # ``from waffle import *``
        if self.star_imports and self.module:
            return Sym(f"{self.module}.{name}", name)  # resolution follows the module's ``*`` imports
        return Unknown(name, f"`{name}` is not defined in this module")

    def _evaluate_thunks(self, thunks: List[Callable[[], Value]], name: str) -> Value:
        key = id(thunks)
        if key in self.evaluating:
            return Unknown(name, f"`{name}` is defined in terms of itself")
        self.evaluating.add(key)
        try:
            return _join([thunk() for thunk in thunks])
        finally:
            self.evaluating.discard(key)

    def _value(self, node: ast.expr, scope: _Scope) -> Value:
        if isinstance(node, ast.Constant):
            return Lit(node.value) if isinstance(node.value, str) else Unknown(self._text(node), "not a string")
        if isinstance(node, ast.Name):
            return self._lookup(node.id, scope)
        if isinstance(node, ast.Attribute):
            if isinstance(node.value, ast.Name) and node.value.id in scope.self_names and scope.self_class:
                return Sym(f"{self.module}.{scope.self_class}.{node.attr}", self._text(node))
            base = self._value(node.value, scope)
            if isinstance(base, Sym):
                return Sym(f"{base.qualname}.{node.attr}", self._text(node))
            return Attr(base, node.attr)
        if isinstance(node, ast.JoinedStr):
            return Cat(tuple(self._formatted_part(part, scope) for part in node.values))
        if isinstance(node, ast.BinOp):
            if isinstance(node.op, ast.Add):
                return Cat((self._value(node.left, scope), self._value(node.right, scope)))
            if (
                isinstance(node.op, ast.Mod)
                and isinstance(node.left, ast.Constant)
                and isinstance(node.left.value, str)
            ):
                return self._percent_format(node.left.value, node.right, scope)
        if isinstance(node, ast.IfExp):
            return Alt((self._value(node.body, scope), self._value(node.orelse, scope)))
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            if any(isinstance(e, ast.Starred) for e in node.elts):
                return Unknown(self._text(node), "a sequence built with `*` unpacking")
            return Seq(tuple(self._value(element, scope) for element in node.elts))
        if isinstance(node, ast.Call):
            return self._call_value(node, scope)
        if isinstance(node, ast.NamedExpr):
            return self._value(node.value, scope)
        if isinstance(node, ast.Subscript):
            index = node.slice
            if isinstance(index, ast.Constant) and isinstance(index.value, int) and not isinstance(index.value, bool):
                return Item(self._value(node.value, scope), index.value)
            return Unknown(self._text(node), "an item looked up by a key only runtime knows")
        return Unknown(self._text(node), f"{_describe(node)} only runtime evaluates")

    def _follow(self, qualname: str) -> str:
        """Follow aliases defined at this module's top level (``fia = waffle.flag_is_active``)."""
        seen: Set[str] = set()
        prefix = self.module + "."
        while qualname.startswith(prefix) and qualname not in seen:
            seen.add(qualname)
            thunks = self.symbols.get(qualname[len(prefix) :])
            if not thunks or len(thunks) != 1:
                break
            value = thunks[0]()
            if not isinstance(value, Sym):
                break
            qualname = value.qualname
        return qualname

    def _formatted_part(self, part: ast.expr, scope: _Scope) -> Value:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            return Lit(part.value)
        if isinstance(part, ast.FormattedValue):
            if part.conversion in (-1, ord("s")) and part.format_spec is None:
                return self._value(part.value, scope)
            return Unknown(self._text(part.value), "a field formatted with a conversion or a format spec")
        return Unknown(self._text(part), "an f-string part only runtime evaluates")

    def _percent_format(self, template: str, argument: ast.expr, scope: _Scope) -> Value:
        values = list(argument.elts) if isinstance(argument, ast.Tuple) else [argument]
        pieces = re.split(r"(%[sd%])", template)
        parts: List[Value] = []
        for piece in pieces:
            if piece == "%%":
                parts.append(Lit("%"))
            elif piece in ("%s", "%d"):
                if not values:
                    return Unknown(self._text(argument), "a %-format with fewer values than fields")
                parts.append(self._value(values.pop(0), scope))
            elif "%" in piece:
                return Unknown(f"{template!r} % {self._text(argument)}", "a %-format flaglint does not evaluate")
            elif piece:
                parts.append(Lit(piece))
        return Cat(tuple(parts))

    def _call_value(self, node: ast.Call, scope: _Scope) -> Value:
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr == "format"
            and isinstance(func.value, ast.Constant)
            and isinstance(func.value.value, str)
        ):
            return self._str_format(func.value.value, node, scope)
        if isinstance(func, ast.Name) and func.id == "str" and len(node.args) == 1 and not node.keywords:
            return self._value(node.args[0], scope)
        if isinstance(func, ast.Name) and func.id == "getattr" and 2 <= len(node.args) <= 3 and not node.keywords:
            attribute = node.args[1]
            if isinstance(attribute, ast.Constant) and isinstance(attribute.value, str):
                base = self._value(node.args[0], scope)
                name = attribute.value
                found = Sym(f"{base.qualname}.{name}", self._text(node)) if isinstance(base, Sym) else Attr(base, name)
                return Fallback(found, self._value(node.args[2], scope)) if len(node.args) == 3 else found
        args = tuple(
            Unknown(self._text(a), "a starred argument") if isinstance(a, ast.Starred) else self._value(a, scope)
            for a in node.args
        )
        kwargs = tuple((k.arg, self._value(k.value, scope)) for k in node.keywords if k.arg is not None)
        return Construct(self._value(func, scope), args, kwargs)

    def _str_format(self, template: str, node: ast.Call, scope: _Scope) -> Value:
        keywords = {k.arg: k.value for k in node.keywords if k.arg is not None}
        positional = list(node.args)
        parts: List[Value] = []
        auto = 0
        try:
            parsed = list(__import__("string").Formatter().parse(template))
        except ValueError:
            return Unknown(self._text(node), "a malformed format string")
        for literal, field, spec, conversion in parsed:
            if literal:
                parts.append(Lit(literal))
            if field is None:
                continue
            if spec or conversion not in (None, "s"):
                parts.append(Unknown(field, "a field formatted with a conversion or a format spec"))
                continue
            argument: Optional[ast.expr] = None
            if field == "":
                argument = positional[auto] if auto < len(positional) else None
                auto += 1
            elif field.isdigit():
                index = int(field)
                argument = positional[index] if index < len(positional) else None
            elif field.isidentifier():
                argument = keywords.get(field)
            parts.append(
                self._value(argument, scope)
                if argument is not None
                else Unknown(field, f"`.format()` gets no argument for `{{{field}}}`")
            )
        return Cat(tuple(parts))


_UNKNOWN = Unknown("")


_DESCRIPTIONS = {
    "ListComp": "a comprehension",
    "SetComp": "a comprehension",
    "DictComp": "a comprehension",
    "GeneratorExp": "a generator",
    "Lambda": "a lambda",
    "Compare": "a comparison",
    "BoolOp": "a boolean expression",
    "UnaryOp": "an operator",
    "BinOp": "an operator",
    "Dict": "a dictionary",
    "Await": "an `await`",
    "Yield": "a `yield`",
    "YieldFrom": "a `yield`",
    "Starred": "a starred expression",
    "Slice": "a slice",
}


def _describe(node: ast.expr) -> str:
    return _DESCRIPTIONS.get(type(node).__name__, "an expression")


def _useful(value: Value) -> bool:
    """Whether a module-level value can ever help name a flag (a call to an unknown callee cannot)."""
    if isinstance(value, Unknown):
        return False
    if isinstance(value, Construct):
        return isinstance(value.callee, Sym)
    return True


def _compact(value: Value) -> Value:
    """A symbol's value without the source text of its unknown parts (only references show their text)."""
    if isinstance(value, Unknown):
        return Unknown("", value.why) if value.why else _UNKNOWN
    if isinstance(value, (Lit, Sym)):
        return value
    if isinstance(value, Cat):
        return Cat(tuple(_compact(part) for part in value.parts))
    if isinstance(value, Alt):
        return Alt(tuple(_compact(option) for option in value.options))
    if isinstance(value, Seq):
        return Seq(tuple(_compact(item) for item in value.items))
    if isinstance(value, Construct):
        args = tuple(_compact(arg) for arg in value.args)
        return Construct(_compact(value.callee), args, tuple((k, _compact(v)) for k, v in value.kwargs))
    if isinstance(value, Attr):
        return Attr(_compact(value.base), value.attr)
    if isinstance(value, Item):
        return Item(_compact(value.base), value.index)
    if isinstance(value, Each):
        return Each(_compact(value.of))
    if isinstance(value, ToggleName):
        return ToggleName(_compact(value.of))
    if isinstance(value, Fallback):
        return Fallback(_compact(value.value), _compact(value.default))
    return value


def _join(values: List[Value]) -> Value:
    """One value for a name bound several times."""
    unique: List[Value] = []
    for value in values:
        if value not in unique:
            unique.append(value)
    return unique[0] if len(unique) == 1 else Alt(tuple(unique))
