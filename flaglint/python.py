"""Collect waffle references from one Python file with the standard library's `ast`.

`collect_python` is a pure function of (path, source, module name, test flag, catalogue): it parses once, never
prints, and returns a picklable `ModuleSummary` whose references carry symbolic name values. Names defined in
other files are left as `Sym`s for `flaglint.resolve` to look up across the project, so each file can be
collected (and cached) on its own. A file that cannot be read or parsed becomes a `FileProblem`, not an
exception.
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
import tokenize
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Set, Tuple

from flaglint.catalogue import (
    MANAGER_METHODS,
    MODEL_SHORTCUTS,
    NAME_KEYWORDS,
    NAME_SEQUENCE_KEYWORDS,
    Api,
    Catalogue,
)
from flaglint.types import (
    Alt,
    Attr,
    Cat,
    ClassInfo,
    Construct,
    Each,
    FileProblem,
    Item,
    Kind,
    Lit,
    ModuleSummary,
    PendingReference,
    Seq,
    Sym,
    ToggleName,
    Unknown,
    Value,
)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_MAX_EXPRESSION = 200
_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
_QUERYSET_METHODS = frozenset({"all", "filter", "exclude", "select_related", "prefetch_related", "using", "order_by"})
_DATACLASS_DECORATORS = frozenset({"dataclass", "dataclasses.dataclass", "attr.s", "attrs.define", "attr.define"})


def decode_source(path: str, source: bytes) -> Tuple[Optional[str], Optional[FileProblem]]:
    """Decode Python source the way the interpreter would (PEP 263 cookie, BOM), or say why not."""
    if b"\0" in source:
        return None, FileProblem(path, "cannot parse: the file contains null bytes (binary?)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as error:
        return None, FileProblem(path, f"cannot decode: {error}")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, None


_UNPARENTHESIZED_EXCEPT = re.compile(
    r"^(?P<head>[ \t]*except\*?[ \t]+)(?P<types>[^(\n#:][^\n#:]*,[^\n#:]*?)(?P<tail>[ \t]*:)", re.M
)


def parse(text: str, path: str) -> ast.Module:
    """`ast.parse`, also accepting Python 3.14's unparenthesized ``except A, B:`` on older interpreters.

    The clause is parenthesized in place (columns shift only on those ``except`` lines), so code written for a
    newer Python than the one running flaglint is still read instead of being skipped.
    """
    try:
        return ast.parse(text, filename=path)
    except SyntaxError as error:
        if "must be parenthesized" not in str(error.msg):
            raise
        patched = _UNPARENTHESIZED_EXCEPT.sub(_parenthesize_except, text)
        if patched == text:
            raise
        try:
            return ast.parse(patched, filename=path)
        except SyntaxError:
            raise error from None


def _parenthesize_except(match: "re.Match[str]") -> str:
    types = match.group("types")
    if " as " in types:
        return match.group(0)
    return f"{match.group('head')}({types.rstrip()}){match.group('tail')}"


def parse_problem(path: str, error: BaseException) -> FileProblem:
    """A `FileProblem` for a file `ast.parse` rejected, with the position when Python gives one."""
    if isinstance(error, SyntaxError):
        hint = " (Python 2 code?)" if _looks_like_python2(error) else ""
        return FileProblem(path, f"cannot parse: {error.msg}{hint}", error.lineno or 1, error.offset or 1)
    if isinstance(error, RecursionError):
        return FileProblem(path, "cannot parse: expression nested too deeply")
    return FileProblem(path, f"cannot parse: {error}")


def _looks_like_python2(error: SyntaxError) -> bool:
    text = f"{error.msg} {error.text or ''}"
    return "Missing parentheses in call to 'print'" in text or bool(
        re.search(r"\bprint\s+[\"']|\bexcept\s+\w+\s*,\s*\w+\s*:|\b0[0-7]+\b|ur[\"']", text)
    )


def collect_python(path: str, source: bytes, *, module: str, test: bool, catalogue: Catalogue) -> ModuleSummary:
    """Collect the references, module-level symbols, imports and classes of one Python file."""
    text, problem = decode_source(path, source)
    if text is None:
        assert problem is not None
        return ModuleSummary(path=path, module=module, problems=(problem,))
    try:
        tree = parse(text, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return ModuleSummary(path=path, module=module, problems=(parse_problem(path, error),))
    return collect_tree(path, text, tree, module=module, test=test, catalogue=catalogue)


def collect_tree(
    path: str, text: str, tree: ast.Module, *, module: str, test: bool, catalogue: Catalogue
) -> ModuleSummary:
    """Collect from an already parsed tree (the flake8 plugin passes the one flake8 built)."""
    collector = _Collector(path, text, module, test, catalogue)
    try:
        collector.run(tree)
    except RecursionError:
        problem = FileProblem(path, "cannot analyse: expression nested too deeply")
        return ModuleSummary(path=path, module=module, problems=(problem,))
    return collector.summary()


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


class _Collector:
    """Walks one module: binds names per scope, turns waffle calls into pending references."""

    def __init__(self, path: str, text: str, module: str, test: bool, catalogue: Catalogue):
        self.path = path
        self.module = module
        self.package = package_of(module, path)
        self.test = test
        self.catalogue = catalogue
        self.lines = _LINE_BREAK.split(text)
        self.has_walrus = ":=" in text
        self.references: List[PendingReference] = []
        self.symbols: Dict[str, List[Callable[[], Value]]] = {}
        self.imports: Dict[str, str] = {}
        self.classes: Dict[str, ClassInfo] = {}
        self.local_models: Dict[str, Kind] = {}
        self.evaluating: Set[int] = set()
        self.inside_wrapper = 0

    # --- driving ---

    def run(self, tree: ast.Module) -> None:
        module_scope = _Scope("module", None)
        self._bind_block(tree.body, module_scope)
        self._find_local_models()
        self._visit_block(tree.body, module_scope)

    def summary(self) -> ModuleSummary:
        symbols = []
        for name, thunks in self.symbols.items():
            value = _join([thunk() for thunk in thunks])
            if _useful(value):  # an unknown value resolves like no value: keep the summary small
                symbols.append((name, _compact(value)))
        return ModuleSummary(
            path=self.path,
            module=self.module,
            references=tuple(self.references),
            symbols=tuple(symbols),
            imports=tuple(self.imports.items()),
            classes=tuple(self.classes.items()),
        )

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
            self._bind_unknown(node.target.id, scope, self._text(node))
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
                    self._bind_unknown(handler.name, scope, handler.name)
                self._bind_block(handler.body, scope)
        elif type(node).__name__ == "Match":
            for case in getattr(node, "cases"):
                self._bind_block(case.body, scope)
        if self.has_walrus:
            for walrus in _walruses(node):
                self._bind_target(walrus.target, walrus.value, scope)

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
            self._bind_unknown(name, scope, name)
        else:
            qualname = self._qualify(scope, name)
            value = Sym(qualname, name)
            scope.bind(name, lambda: value)

    def _bind_unknown(self, name: str, scope: _Scope, text: str) -> None:
        value = Unknown(text)
        scope.bind(name, lambda: value)
        self._export(scope, name, lambda: value)

    def _bind_target(self, target: ast.expr, value: Optional[ast.expr], scope: _Scope) -> None:
        if isinstance(target, ast.Name):
            if value is None:
                self._bind_unknown(target.id, scope, target.id)
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

    def _find_local_models(self) -> None:
        """Classes of this module that subclass a waffle model (directly or through each other)."""
        changed = True
        while changed:
            changed = False
            for dotted, info in self.classes.items():
                if dotted in self.local_models:
                    continue
                for base in info.bases:
                    kind = self._model_kind_of_qualname(base)
                    if kind is not None:
                        self.local_models[dotted] = kind
                        changed = True
                        break

    def _model_kind_of_qualname(self, qualname: str) -> Optional[Kind]:
        kind = self.catalogue.model_kind(qualname)
        if kind is None and qualname.startswith(self.module + "."):
            kind = self.local_models.get(qualname[len(self.module) + 1 :])
        return kind

    def _qualify(self, scope: _Scope, name: str) -> str:
        prefix = f"{scope.dotted}." if scope.kind == "class" else ""
        return f"{self.module}.{prefix}{name}" if self.module else f"{prefix}{name}"

    # --- values: what an expression denotes, symbolically ---

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
        return Unknown(name)

    def _evaluate_thunks(self, thunks: List[Callable[[], Value]], name: str) -> Value:
        key = id(thunks)
        if key in self.evaluating:
            return Unknown(name)
        self.evaluating.add(key)
        try:
            return _join([thunk() for thunk in thunks])
        finally:
            self.evaluating.discard(key)

    def _value(self, node: ast.expr, scope: _Scope) -> Value:
        if isinstance(node, ast.Constant):
            return Lit(node.value) if isinstance(node.value, str) else Unknown(self._text(node))
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
                return Unknown(self._text(node))
            return Seq(tuple(self._value(element, scope) for element in node.elts))
        if isinstance(node, ast.Call):
            return self._call_value(node, scope)
        if isinstance(node, ast.NamedExpr):
            return self._value(node.value, scope)
        if isinstance(node, ast.Subscript):
            index = node.slice
            if isinstance(index, ast.Constant) and isinstance(index.value, int) and not isinstance(index.value, bool):
                return Item(self._value(node.value, scope), index.value)
        return Unknown(self._text(node))

    def _formatted_part(self, part: ast.expr, scope: _Scope) -> Value:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            return Lit(part.value)
        if isinstance(part, ast.FormattedValue):
            if part.conversion in (-1, ord("s")) and part.format_spec is None:
                return self._value(part.value, scope)
            return Unknown(self._text(part.value))
        return Unknown(self._text(part))

    def _percent_format(self, template: str, argument: ast.expr, scope: _Scope) -> Value:
        values = list(argument.elts) if isinstance(argument, ast.Tuple) else [argument]
        pieces = re.split(r"(%[sd%])", template)
        parts: List[Value] = []
        for piece in pieces:
            if piece == "%%":
                parts.append(Lit("%"))
            elif piece in ("%s", "%d"):
                if not values:
                    return Unknown(self._text(argument))
                parts.append(self._value(values.pop(0), scope))
            elif "%" in piece:
                return Unknown(f"{template!r} % {self._text(argument)}")
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
        args = tuple(Unknown(self._text(a)) if isinstance(a, ast.Starred) else self._value(a, scope) for a in node.args)
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
            return Unknown(self._text(node))
        for literal, field, spec, conversion in parsed:
            if literal:
                parts.append(Lit(literal))
            if field is None:
                continue
            if spec or conversion not in (None, "s"):
                parts.append(Unknown(field))
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
            parts.append(self._value(argument, scope) if argument is not None else Unknown(field))
        return Cat(tuple(parts))

    # --- visiting pass: find the references ---

    def _visit_block(self, body: Sequence[ast.stmt], scope: _Scope) -> None:
        for statement in body:
            self._visit(statement, scope)

    def _visit(self, node: ast.AST, scope: _Scope) -> None:
        """Visit a subtree: scoped constructs get their own handler, calls are checked, the rest is walked."""
        special = _SPECIAL.get(type(node))
        if special is not None:
            getattr(self, special)(node, scope)
            return
        stack = [node]
        pop, extend = stack.pop, stack.extend
        while stack:
            current = pop()
            kind = type(current)
            special = _SPECIAL.get(kind)
            if special is not None:
                getattr(self, special)(current, scope)
                continue
            if kind is ast.Call:
                self._check_call(current, scope)  # type: ignore[arg-type]
            extend(ast.iter_child_nodes(current))  # order does not matter: references are sorted later

    def _overlay(self, scope: _Scope) -> _Scope:
        """A scope layer for a loop or comprehension variable while its body is visited (flow-sensitive)."""
        layer = _Scope("function", scope)
        layer.self_names, layer.self_class = scope.self_names, scope.self_class
        return layer

    def _visit_loop(self, node: ast.AST, scope: _Scope) -> None:
        assert isinstance(node, (ast.For, ast.AsyncFor))
        self._visit(node.iter, scope)
        iterable = node.iter
        layer = self._overlay(scope)
        self._bind_loop_target(node.target, lambda: Each(self._value(iterable, scope)), layer)
        self._visit_block(node.body, layer)
        self._visit_block(node.orelse, scope)

    def _each_thunk(self, iterable: ast.expr, scope: _Scope) -> Callable[[], Value]:
        return lambda: Each(self._value(iterable, scope))

    def _visit_comprehension(self, node: ast.AST, scope: _Scope) -> None:
        assert isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp))
        layer = scope
        for generator in node.generators:
            self._visit(generator.iter, layer)
            outer, iterable = layer, generator.iter
            layer = self._overlay(outer)
            self._bind_loop_target(generator.target, self._each_thunk(iterable, outer), layer)
            for condition in generator.ifs:
                self._visit(condition, layer)
        elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for element in elements:
            self._visit(element, layer)

    def _visit_function(self, node: ast.AST, scope: _Scope) -> None:
        assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        if not isinstance(node, ast.Lambda):
            for decorator in node.decorator_list:
                self._visit(decorator, scope)
        arguments = node.args
        for default in list(arguments.defaults) + [d for d in arguments.kw_defaults if d is not None]:
            self._visit(default, scope)
        function_scope = _Scope("function", scope)
        parameters = arguments.posonlyargs + arguments.args + arguments.kwonlyargs
        for extra in (arguments.vararg, arguments.kwarg):
            if extra is not None:
                parameters.append(extra)
        for parameter in parameters:
            self._bind_unknown(parameter.arg, function_scope, parameter.arg)
        if scope.kind == "class" and scope.export and not isinstance(node, ast.Lambda):
            positional = arguments.posonlyargs + arguments.args
            if positional and not self._is_staticmethod(node):
                function_scope.self_names.add(positional[0].arg)
                function_scope.self_class = scope.dotted
        elif scope.kind == "function":
            function_scope.self_names = set(scope.self_names)
            function_scope.self_class = scope.self_class
        if isinstance(node, ast.Lambda):
            self._visit(node.body, function_scope)
            return
        self._bind_block(node.body, function_scope)
        with self._definition(node.name, scope):
            self._visit_block(node.body, function_scope)

    def _is_staticmethod(self, node: ast.AST) -> bool:
        decorators = getattr(node, "decorator_list", [])
        return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in decorators)

    @contextlib.contextmanager
    def _definition(self, name: str, scope: _Scope) -> Iterator[None]:
        """Track whether the visit is inside a declared wrapper, whose own name argument is not a reference."""
        dotted = f"{scope.dotted}.{name}" if scope.kind == "class" and scope.export else name
        qualname = f"{self.module}.{dotted}" if scope.export else ""
        wrapper = bool(qualname) and any(
            api.api.startswith("wrapper:") and (key == qualname or qualname.endswith("." + key))
            for key, api in self.catalogue.exact.items()
        )
        self.inside_wrapper += wrapper
        try:
            yield
        finally:
            self.inside_wrapper -= wrapper

    def _visit_class(self, node: ast.ClassDef, scope: _Scope) -> None:
        for expression in list(node.decorator_list) + list(node.bases) + [k.value for k in node.keywords]:
            self._visit(expression, scope)
        dotted = f"{scope.dotted}.{node.name}" if scope.kind == "class" else node.name
        class_scope = _Scope("class", scope, dotted=dotted, export=False)
        class_scope.export = False
        self._bind_block(node.body, class_scope)
        class_scope.export = scope.export  # lookups of class names stay symbolic for module-level classes
        with self._definition(node.name, scope):
            for statement in node.body:
                self._check_mixin_attribute(statement, class_scope)
            self._visit_block(node.body, class_scope)

    def _check_mixin_attribute(self, statement: ast.stmt, scope: _Scope) -> None:
        targets: List[ast.expr] = []
        value: Optional[ast.expr] = None
        if isinstance(statement, ast.Assign):
            targets, value = list(statement.targets), statement.value
        elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
            targets, value = [statement.target], statement.value
        if value is None or (isinstance(value, ast.Constant) and value.value is None):
            return
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            for mixin in self.catalogue.mixins:
                if target.id == mixin.attribute:
                    self._emit(value, scope, mixin.kind, "mixin-attr", negatable=True)

    # --- calls ---

    def _check_call(self, node: ast.Call, scope: _Scope) -> None:
        qualname = self._callee_qualname(node.func, scope)
        if qualname is not None:
            api = self.catalogue.lookup(qualname)
            if api is not None:
                self._check_api_call(node, api, scope)
                return
            if qualname.rpartition(".")[2] in MODEL_SHORTCUTS and node.args:
                kind = self._model_kind(node.args[0], scope)
                if kind is not None:
                    self._check_name_keywords(node, kind, scope)
                    return
        func = node.func
        if isinstance(func, ast.Attribute):
            self._check_model_method(node, func, scope)

    def _check_api_call(self, node: ast.Call, api: Api, scope: _Scope) -> None:
        if api.form in ("call", "toggle"):
            argument = self._argument(node, api.position, api.keyword)
            if argument is not None and api.attribute is not None:
                value = self._value(argument, scope)
                attribute = api.attribute
                named = Sym(f"{value.qualname}.{attribute}", value.text) if isinstance(value, Sym) else None
                self._emit(argument, scope, api.kind, api.api, value=named or Attr(value, attribute))
            elif argument is not None:
                self._emit(argument, scope, api.kind, api.api, negatable=api.negatable)
            elif self._has_unpacking(node):
                self._emit_unknown(node, api.kind, api.api)
        elif api.form == "legacy-toggle":
            namespace = self._argument(node, 0, "waffle_namespace")
            argument = self._argument(node, api.position, api.keyword)
            if namespace is not None and argument is not None:
                joined = Cat((ToggleName(self._value(namespace, scope)), Lit("."), self._value(argument, scope)))
                self._emit(argument, scope, api.kind, api.api, value=joined)
        elif api.form == "toggle-override":
            argument = self._argument(node, 0, None)
            if argument is not None:
                value = ToggleName(self._value(argument, scope))
                self._emit(argument, scope, api.kind, api.api, value=value)

    def _check_model_method(self, node: ast.Call, func: ast.Attribute, scope: _Scope) -> None:
        method = func.attr
        if method in MANAGER_METHODS:
            kind = self._queryset_kind(func.value, scope)
            if kind is not None:
                if method == "get_by_natural_key":
                    argument = self._argument(node, 0, None)
                    if argument is not None:
                        self._emit(argument, scope, kind, "model-get")
                else:
                    self._check_name_keywords(node, kind, scope)
                return
        if method == "get":
            kind = self._model_kind(func.value, scope)
            if kind is not None:
                argument = self._argument(node, 0, "name")
                if argument is not None:
                    self._emit(argument, scope, kind, "model-get")

    def _check_name_keywords(self, node: ast.Call, kind: Kind, scope: _Scope) -> None:
        for keyword in node.keywords:
            if keyword.arg in NAME_KEYWORDS:
                self._emit(keyword.value, scope, kind, "model-get")
            elif keyword.arg in NAME_SEQUENCE_KEYWORDS:
                self._emit(keyword.value, scope, kind, "model-get", sequence=True)

    def _queryset_kind(self, node: ast.expr, scope: _Scope) -> Optional[Kind]:
        """The model kind of ``Model.objects`` or of a queryset chain built on it."""
        if isinstance(node, ast.Attribute) and node.attr in _MANAGERS:
            return self._model_kind(node.value, scope)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _QUERYSET_METHODS:
            return self._queryset_kind(node.func.value, scope)
        return None

    def _model_kind(self, node: ast.expr, scope: _Scope) -> Optional[Kind]:
        return self._model_kind_of_value(self._value(node, scope))

    def _model_kind_of_value(self, value: Value) -> Optional[Kind]:
        if isinstance(value, Sym):
            return self._model_kind_of_qualname(self._follow(value.qualname))
        if isinstance(value, Alt):
            for option in value.options:
                kind = self._model_kind_of_value(option)
                if kind is not None:
                    return kind
            return None
        if isinstance(value, Construct):
            callee = value.callee
            if isinstance(callee, Sym):
                api = self.catalogue.lookup(self._follow(callee.qualname))
                if api is not None and api.form == "model-getter":
                    return api.kind
            if (isinstance(callee, Sym) and callee.qualname.endswith(".get_model")) or (
                isinstance(callee, Attr) and callee.attr == "get_model"
            ):
                return self._model_label_kind(value.args)
        return None

    def _model_label_kind(self, args: Tuple[Value, ...]) -> Optional[Kind]:
        literals = [a.value for a in args if isinstance(a, Lit)]
        if len(literals) != len(args) or not literals or len(literals) > 2:
            return None
        label = ".".join(literals).lower()
        return self.catalogue.model_labels.get(label)

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

    def _callee_qualname(self, func: ast.expr, scope: _Scope) -> Optional[str]:
        if not isinstance(func, (ast.Name, ast.Attribute)):
            return None
        value = self._value(func, scope)
        if isinstance(value, Sym):
            return self._follow(value.qualname)
        return None

    # --- arguments and emission ---

    @staticmethod
    def _argument(node: ast.Call, position: Optional[int], keyword: Optional[str]) -> Optional[ast.expr]:
        if keyword is not None:
            for item in node.keywords:
                if item.arg == keyword:
                    return item.value
        if position is None:
            return None
        positional: List[ast.expr] = []
        for argument in node.args:
            if isinstance(argument, ast.Starred):
                return None
            positional.append(argument)
        return positional[position] if position < len(positional) else None

    @staticmethod
    def _has_unpacking(node: ast.Call) -> bool:
        return any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords)

    def _emit(
        self,
        node: ast.expr,
        scope: _Scope,
        kind: Kind,
        api: str,
        *,
        negatable: bool = False,
        value: Optional[Value] = None,
        sequence: bool = False,
    ) -> None:
        if sequence and isinstance(node, (ast.List, ast.Tuple, ast.Set)) and value is None:
            for element in node.elts:
                self._emit(element, scope, kind, api, negatable=negatable)
            return
        if value is None:
            value = self._value(node, scope)
            if sequence:
                value = Each(value)
        self._add(node, kind, value, api, negatable)

    def _emit_unknown(self, node: ast.Call, kind: Kind, api: str) -> None:
        self._add(node, kind, Unknown(self._text(node)), api, False)

    def _add(self, node: ast.expr, kind: Kind, value: Value, api: str, negatable: bool) -> None:
        line, column = node.lineno, self._column(node.lineno, node.col_offset)
        end_line = node.end_lineno or line
        end_column = self._column(end_line, node.end_col_offset or node.col_offset)
        self.references.append(
            PendingReference(
                path=self.path,
                line=line,
                column=column + 1,
                end_line=end_line,
                end_column=end_column + 1,
                kind=kind,
                value=value,
                expression=self._text(node),
                api=api,
                test=self.test,
                negatable=negatable,
                inside_wrapper=self.inside_wrapper > 0,
            )
        )

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


_SPECIAL = {
    ast.FunctionDef: "_visit_function",
    ast.AsyncFunctionDef: "_visit_function",
    ast.Lambda: "_visit_function",
    ast.ClassDef: "_visit_class",
    ast.For: "_visit_loop",
    ast.AsyncFor: "_visit_loop",
    ast.ListComp: "_visit_comprehension",
    ast.SetComp: "_visit_comprehension",
    ast.GeneratorExp: "_visit_comprehension",
    ast.DictComp: "_visit_comprehension",
}
"""Nodes that open a scope or bind a loop variable: visited by their own handler."""


_UNKNOWN = Unknown("")


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
        return _UNKNOWN
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
    return value


def _join(values: List[Value]) -> Value:
    """One value for a name bound several times."""
    unique: List[Value] = []
    for value in values:
        if value not in unique:
            unique.append(value)
    return unique[0] if len(unique) == 1 else Alt(tuple(unique))


def _walruses(node: ast.stmt) -> Iterator[ast.NamedExpr]:
    """Assignment expressions directly in a statement (not in nested functions or classes)."""
    for child in _walk_shallow(node):
        if isinstance(child, ast.NamedExpr):
            yield child


def _walk_scope(node: ast.AST) -> Iterator[ast.AST]:
    """Every node under `node` in the same function scope, nested blocks included, nested definitions not."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                stack.append(child)


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
