"""The binding pass: which names each scope binds, to which expressions (evaluated lazily, flow-insensitively).

`Scopes` also holds what one module's collection learns (its state), and the helpers that turn `ast` positions
into source text and columns; the value and reference passes build on it.
"""

from __future__ import annotations

import ast
import re
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from flaglint.catalogue import Catalogue
from flaglint.model import ClassInfo, Each, Item, Kind, PendingReference, Sym, Unknown, Value

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MAX_EXPRESSION = 200

_DATACLASS_DECORATORS = frozenset({"dataclass", "dataclasses.dataclass", "attr.s", "attrs.define", "attr.define"})


def package_of(module: str, path: str) -> str:
    """The package a module's relative imports start from."""
    if path.endswith("__init__.py") or path.endswith("__init__.pyi"):
        return module
    return module.rpartition(".")[0]


class _Scope:
    """Names bound in one scope, each to the expressions that bind it (evaluated lazily, flow-insensitively)."""

    def __init__(
        self, kind: str, parent: Optional["_Scope"], dotted: str = "", self_class: str = "", export: bool = True
    ):
        self.kind = kind
        self.export = export and kind != "function"
        """Module scopes and module-level class scopes export their names as symbols other files can import."""
        self.parent = parent
        self.dotted = dotted  # module-level dotted prefix of a class scope ("Outer.Inner")
        self.self_class = self_class  # for methods: the dotted class that self/cls refer to
        self.self_names: Set[str] = set()
        self.bindings: Dict[str, List[Callable[[], Value]]] = {}

    def bind(self, name: str, thunk: Callable[[], Value]) -> None:
        self.bindings.setdefault(name, []).append(thunk)


class Scopes:
    """One module's collection state, and the binding pass over its scopes."""

    def __init__(self, path: str, text: str, module: str, test: bool, catalogue: Catalogue):
        self.path = path
        self.module = module
        self.package = package_of(module, path)
        self.test = test
        self.catalogue = catalogue
        self.text = text
        self.lines = _LINE_BREAK.split(text)
        self.has_walrus = ":=" in text
        self.references: List[PendingReference] = []
        self.symbols: Dict[str, List[Callable[[], Value]]] = {}
        self.imports: Dict[str, str] = {}
        self.classes: Dict[str, ClassInfo] = {}
        self.local_models: Dict[str, Kind] = {}
        self.evaluating: Set[int] = set()
        self.inside_wrapper = 0
        self.star_imports: List[str] = []
        self.runtime_attributes = 0
        """The first line where module-level code writes module attributes at runtime (0: none)."""

    def _value(self, node: ast.expr, scope: _Scope) -> Value:
        """What an expression denotes (the value pass)."""
        raise NotImplementedError

    # --- binding pass: what each name in a scope may hold ---

    def _bind_block(self, body: Sequence[ast.stmt], scope: _Scope) -> None:
        for statement in body:
            self._bind_statement(statement, scope)

    def _bind_statement(self, node: ast.stmt, scope: _Scope) -> None:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self._bind_import(node, scope)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                self._bind_target(target, node.value, scope)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self._bind_target(node.target, node.value, scope)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            self._bind_unknown(node.target.id, scope, self._text(node), f"`{node.target.id}` is changed in place")
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            iterable = node.iter
            self._bind_loop_target(node.target, lambda: Each(self._value(iterable, scope)), scope)
            self._bind_block(node.body, scope)
            self._bind_block(node.orelse, scope)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._bind_definition(node.name, scope)
        elif isinstance(node, ast.ClassDef):
            self._bind_definition(node.name, scope)
            self._bind_class(node, scope)
        elif isinstance(node, (ast.If, ast.While)):
            self._bind_block(node.body, scope)
            self._bind_block(node.orelse, scope)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    self._bind_target(item.optional_vars, None, scope)
            self._bind_block(node.body, scope)
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            for block in ("body", "orelse", "finalbody"):
                self._bind_block(getattr(node, block), scope)
            for handler in getattr(node, "handlers"):
                if handler.name:
                    self._bind_unknown(handler.name, scope, handler.name, f"`{handler.name}` is an exception")
                self._bind_block(handler.body, scope)
        elif type(node).__name__ == "Match":
            for case in getattr(node, "cases"):
                self._bind_block(case.body, scope)
        if self.has_walrus:
            for walrus in _walruses(node):
                self._bind_target(walrus.target, walrus.value, scope)
        if scope.kind == "module":
            if not self.runtime_attributes and _writes_attributes(node):
                self.runtime_attributes = node.lineno
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
                self._split_settings_include(node.value)

    def _split_settings_include(self, call: ast.Call) -> None:
        """django-split-settings' ``include("components/base.py", optional("local.py"))``: like ``*`` imports."""
        callee = self._dotted_text(call.func)
        if not (callee == "split_settings.tools.include" or callee.endswith(".split_settings.tools.include")):
            return
        for argument in call.args:
            if isinstance(argument, ast.Call) and len(argument.args) == 1:
                argument = argument.args[0]  # optional("local.py")
            if not (isinstance(argument, ast.Constant) and isinstance(argument.value, str)):
                continue
            relative = argument.value
            if any(character in relative for character in "*?[") or not relative.endswith(".py"):
                continue  # a glob: the files it matches are not known here
            parts = [*self.package.split("."), *relative[:-3].split("/")] if self.package else relative[:-3].split("/")
            resolved: List[str] = []
            for part in parts:
                if part == "..":
                    if resolved:
                        resolved.pop()
                elif part not in ("", "."):
                    resolved.append(part)
            if resolved and all(part.isidentifier() for part in resolved):
                self.star_imports.append(".".join(resolved))

    def _bind_import(self, node: ast.stmt, scope: _Scope) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    self._bind_qualname(alias.asname, alias.name, scope)
                else:
                    head = alias.name.partition(".")[0]
                    self._bind_qualname(head, head, scope)
        elif isinstance(node, ast.ImportFrom):
            base = self._import_base(node)
            for alias in node.names:
                if alias.name == "*":
                    if scope.kind == "module" and base:
                        self.star_imports.append(base)
                    continue
                target = f"{base}.{alias.name}" if base else alias.name
                self._bind_qualname(alias.asname or alias.name, target, scope)

    def _import_base(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        parts = self.package.split(".") if self.package else []
        if node.level > 1:
            parts = parts[: len(parts) - (node.level - 1)] if node.level - 1 <= len(parts) else []
        if node.module:
            parts.append(node.module)
        return ".".join(parts)

    def _bind_qualname(self, name: str, qualname: str, scope: _Scope) -> None:
        value = Sym(qualname, name)
        scope.bind(name, lambda: value)
        if scope.kind == "module":
            self.imports[name] = qualname

    def _bind_definition(self, name: str, scope: _Scope) -> None:
        if scope.kind == "function":
            self._bind_unknown(name, scope, name, f"`{name}` is defined inside a function")
        else:
            qualname = self._qualify(scope, name)
            value = Sym(qualname, name)
            scope.bind(name, lambda: value)

    def _bind_unknown(self, name: str, scope: _Scope, text: str, why: str = "") -> None:
        value = Unknown(text, why)
        scope.bind(name, lambda: value)
        self._export(scope, name, lambda: value)

    def _bind_target(self, target: ast.expr, value: Optional[ast.expr], scope: _Scope) -> None:
        if isinstance(target, ast.Name):
            if value is None:
                self._bind_unknown(target.id, scope, target.id, f"`{target.id}` is bound by unpacking or `with`")
                return
            expression = value
            thunk: Callable[[], Value] = lambda: self._value(expression, scope)  # noqa: E731
            scope.bind(target.id, thunk)
            self._export(scope, target.id, thunk)
        elif isinstance(target, (ast.Tuple, ast.List)):
            items = value.elts if isinstance(value, (ast.Tuple, ast.List)) else None
            for index, element in enumerate(target.elts):
                if isinstance(element, ast.Starred):
                    self._bind_target(element.value, None, scope)
                elif items is not None and len(items) == len(target.elts):
                    self._bind_target(element, items[index], scope)
                else:
                    self._bind_target(element, None, scope)

    def _bind_loop_target(self, target: ast.expr, thunk: Callable[[], Value], scope: _Scope) -> None:
        if isinstance(target, ast.Name):
            scope.bind(target.id, thunk)
            self._export(scope, target.id, thunk)
        elif isinstance(target, (ast.Tuple, ast.List)):
            starred = any(isinstance(element, ast.Starred) for element in target.elts)
            for index, element in enumerate(target.elts):
                if starred or not isinstance(element, (ast.Name, ast.Tuple, ast.List)):
                    self._bind_target(element.value if isinstance(element, ast.Starred) else element, None, scope)
                else:
                    self._bind_loop_target(element, self._item_thunk(thunk, index), scope)

    @staticmethod
    def _item_thunk(thunk: Callable[[], Value], index: int) -> Callable[[], Value]:
        return lambda: Item(thunk(), index)

    def _export(self, scope: _Scope, name: str, thunk: Callable[[], Value]) -> None:
        if not scope.export:
            return
        if scope.kind == "module":
            self.symbols.setdefault(name, []).append(thunk)
        elif scope.kind == "class":
            self.symbols.setdefault(f"{scope.dotted}.{name}", []).append(thunk)

    def _bind_class(self, node: ast.ClassDef, scope: _Scope) -> None:
        if not scope.export:
            return
        dotted = f"{scope.dotted}.{node.name}" if scope.kind == "class" else node.name
        class_scope = _Scope("class", scope, dotted=dotted)
        self._bind_block(node.body, class_scope)
        bases = []
        for base in node.bases:
            value = self._value(base, scope)
            bases.append(value.qualname if isinstance(value, Sym) else "")
        self.classes[dotted] = ClassInfo(tuple(bases), self._fields(node, bases))

    def _fields(self, node: ast.ClassDef, bases: Sequence[str]) -> Optional[Tuple[str, ...]]:
        decorators = {self._dotted_text(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list}
        named_tuple = any(base.rpartition(".")[2] == "NamedTuple" for base in bases)
        if not (decorators & _DATACLASS_DECORATORS or named_tuple):
            return None
        fields = []
        for statement in node.body:
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                if "ClassVar" not in self._text(statement.annotation):
                    fields.append(statement.target.id)
        return tuple(fields)

    def _qualify(self, scope: _Scope, name: str) -> str:
        prefix = f"{scope.dotted}." if scope.kind == "class" else ""
        return f"{self.module}.{prefix}{name}" if self.module else f"{prefix}{name}"

    # --- source text ---

    def _column(self, line: int, byte_offset: int) -> int:
        """Convert ast's UTF-8 byte offset into a character offset."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return byte_offset
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="replace"))

    def _text(self, node: ast.AST) -> str:
        line = getattr(node, "lineno", None)
        end_line = getattr(node, "end_lineno", None)
        if line is None or end_line is None:
            return ""
        start = getattr(node, "col_offset", 0)
        end = getattr(node, "end_col_offset", 0)
        chunks = [self.lines[i].encode("utf-8") for i in range(line - 1, min(end_line, len(self.lines)))]
        if not chunks:
            return ""
        if len(chunks) == 1:
            chunks[0] = chunks[0][start:end]
        else:
            chunks[0] = chunks[0][start:]
            chunks[-1] = chunks[-1][:end]
        text = " ".join(chunk.decode("utf-8", errors="replace").strip() for chunk in chunks)
        return text if len(text) <= _MAX_EXPRESSION else text[: _MAX_EXPRESSION - 3] + "..."

    def _dotted_text(self, node: ast.expr) -> str:
        if isinstance(node, ast.Name):
            return self.imports.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            return f"{self._dotted_text(node.value)}.{node.attr}"
        return ""


_NAMESPACE_CALLS = frozenset({"globals", "locals", "vars"})


def _writes_attributes(node: ast.stmt) -> bool:
    """Whether a module-level statement writes the module's attributes at runtime.

    ``globals()[k] = v``, ``locals()[k] = v``, ``vars()[k] = v``, ``globals().update(...)`` and ``setattr(...)``
    on ``sys.modules[__name__]`` (or on anything else at module level: a class filled in at import time).
    """
    if isinstance(node, ast.Assign):
        return any(
            isinstance(target, ast.Subscript) and _namespace_call(target.value) for target in node.targets
        )
    if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        func = node.value.func
        if isinstance(func, ast.Attribute) and func.attr in ("update", "setdefault"):
            return _namespace_call(func.value)
        return isinstance(func, ast.Name) and func.id == "setattr"
    return False


def _namespace_call(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in _NAMESPACE_CALLS
        and not node.args
    ) or (isinstance(node, ast.Attribute) and node.attr == "__dict__")


def _walruses(node: ast.stmt) -> Iterator[ast.NamedExpr]:
    """Assignment expressions directly in a statement (not in nested functions or classes)."""
    for child in _walk_shallow(node):
        if isinstance(child, ast.NamedExpr):
            yield child


def _walk_shallow(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under `node` that belongs to the same scope: stops at nested functions, classes, lambdas."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, ast.stmt)):
                continue
            stack.append(child)
