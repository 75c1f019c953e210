"""The reference pass: the calls, decorators, mixin attributes and model accesses that name a flag.

`collect_python` is a pure function of (path, source, module name, test flag, catalogue): it parses once, never
prints, and returns a picklable `ModuleSummary` whose references carry symbolic name values. A file that cannot be
read or parsed becomes a `FileProblem`, not an exception.
"""

from __future__ import annotations

import ast
import contextlib
import re
import time
from typing import Callable, FrozenSet, Iterator, List, Optional, Sequence, Tuple, Union

from flaglint.catalogue import (
    CALL_COMMAND,
    COMMAND_RUNNERS,
    COMMANDS,
    DELETE_COMMAND,
    DELETE_KEYWORDS,
    FACTORY_METHODS,
    MANAGER_METHODS,
    MODEL_SHORTCUTS,
    NAME_KEYWORDS,
    NAME_SEQUENCE_KEYWORDS,
    TOGGLE_METHODS,
    Api,
    Catalogue,
    CommandTarget,
    command_targets,
    is_factory,
    runs_management,
)
from flaglint.collect.ops import CommandName, command_names, command_names_of_parts
from flaglint.collect.python.lines import interesting_lines
from flaglint.collect.python.parse import decode_source, parse, parse_problem
from flaglint.collect.python.registrations import Registrations
from flaglint.collect.python.scopes import _Scope
from flaglint.collect.python.values import _compact, _join, _useful
from flaglint.model import (
    Alt,
    ApiName,
    Attr,
    CommandAction,
    Cat,
    Construct,
    Each,
    FileProblem,
    Kind,
    Lit,
    ModuleSummary,
    PendingReference,
    Sym,
    ToggleName,
    Unknown,
    Value,
)

_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
_QUERYSET_METHODS = frozenset({"all", "filter", "exclude", "select_related", "prefetch_related", "using", "order_by"})


def collect_python(
    path: str,
    source: bytes,
    *,
    module: str,
    test: bool,
    catalogue: Catalogue,
    timing: Optional[Callable[[str, float], None]] = None,
) -> ModuleSummary:
    """Collect the references, module-level symbols, imports and classes of one Python file.

    `timing`, when given, is told how long parsing and collecting took (``timing("parse", seconds)``).
    """
    start = time.perf_counter()
    text, problem = decode_source(path, source)
    if text is None:
        assert problem is not None
        return ModuleSummary(path=path, module=module, problems=(problem,))
    try:
        tree = parse(text, path)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as error:
        return ModuleSummary(path=path, module=module, problems=(parse_problem(path, error),))
    parsed = time.perf_counter()
    summary = collect_tree(path, text, tree, module=module, test=test, catalogue=catalogue)
    if timing is not None:
        timing("parse", parsed - start)
        timing("collect", time.perf_counter() - parsed)
    return summary


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


class _Collector(Registrations):
    """Walks one module: binds names per scope, turns waffle calls into pending references."""

    # --- driving ---

    def run(self, tree: ast.Module) -> None:
        module_scope = _Scope("module", None)
        self._bind_block(tree.body, module_scope)
        self._find_local_models()
        self._find_registrations(tree, module_scope)
        self.forwarded: List[FrozenSet[str]] = []
        self.interesting = interesting_lines(tree, self.text, self._words())
        self._visit_block(tree.body, module_scope)

    def _words(self) -> FrozenSet[str]:
        """Words one of which the lines of every reference hold (`lines`).

        waffle's own model names are no words here: code reaches them through a binding whose line names waffle
        (``from waffle.models import Flag``) or ``get_model``, and `interesting_lines` follows bindings.
        """
        local = {dotted.rpartition(".")[2] for dotted in self.local_models}
        return frozenset({*self.catalogue.tokens, *local, *MODEL_SHORTCUTS, "get_model", "get_waffle_"})

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
            star_imports=tuple(self.star_imports),
            runtime_attributes=self.runtime_attributes,
            template_globals=tuple(dict.fromkeys(self.template_globals)),
            forwarders=tuple(self.forwarders),
        )

    def _find_local_models(self) -> None:
        """Classes of this module that subclass a waffle model (directly or through each other), and factory_boy
        factories of such models (``class Meta: model = Flag``)."""
        changed = True
        while changed:
            changed = False
            for dotted, info in self.classes.items():
                if dotted in self.local_models:
                    continue
                kinds = [self._model_kind_of_qualname(base) for base in info.bases]
                if is_factory(info.bases) and f"{dotted}.Meta.model" in self.symbols:
                    thunks = self.symbols[f"{dotted}.Meta.model"]
                    kinds.append(self._model_kind_of_value(thunks[-1]()) if len(thunks) == 1 else None)
                kind = next((kind for kind in kinds if kind is not None), None)
                if kind is not None:
                    self.local_models[dotted] = kind
                    changed = True

    def _model_kind_of_qualname(self, qualname: str) -> Optional[Kind]:
        kind = self.catalogue.model_kind(qualname)
        if kind is None and qualname.startswith(self.module + "."):
            kind = self.local_models.get(qualname[len(self.module) + 1 :])
        return kind

    # --- visiting pass: find the references ---

    def _visit_block(self, body: Sequence[ast.stmt], scope: _Scope) -> None:
        touches = self.interesting.touches
        for statement in body:
            if touches(statement):
                self._visit(statement, scope)

    def _visit(self, node: ast.AST, scope: _Scope) -> None:
        """Visit a subtree: scoped constructs get their own handler, calls are checked, the rest is walked."""
        special = _SPECIAL.get(type(node))
        if special is not None:
            getattr(self, special)(node, scope)
            return
        stack = [node]
        pop, extend = stack.pop, stack.extend
        touches = self.interesting.touches
        while stack:
            current = pop()
            kind = type(current)
            special = _SPECIAL.get(kind)
            if special is not None:
                getattr(self, special)(current, scope)
                continue
            if kind is ast.Call:
                self._check_call(current, scope)  # type: ignore[arg-type]
            elif isinstance(current, ast.stmt) and current is not node and not touches(current):
                continue  # a nested statement (in an if, a loop, a try) that cannot hold a reference
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
        owner = "a lambda" if isinstance(node, ast.Lambda) else f"`{node.name}`"
        positional_names = [parameter.arg for parameter in arguments.posonlyargs + arguments.args]
        for parameter in parameters:
            why = f"`{parameter.arg}` is a parameter of {owner}"
            if scope.kind == "module" and not isinstance(node, ast.Lambda) and parameter.arg in positional_names:
                dotted = f"{self.module}.{node.name}" if self.module else node.name
                why += (
                    f"; if `{dotted}` forwards it to waffle, declare it under [tool.flaglint.wrappers] "
                    f"(arg = {positional_names.index(parameter.arg)}) and its call sites name the flag"
                )
            self._bind_unknown(parameter.arg, function_scope, parameter.arg, why)
        if scope.kind == "class" and scope.export and not isinstance(node, ast.Lambda):
            positional = arguments.posonlyargs + arguments.args
            if positional and not self._is_staticmethod(node):
                function_scope.self_names.add(positional[0].arg)
                function_scope.self_class = scope.dotted
        elif scope.kind == "function":
            function_scope.self_names = set(scope.self_names)
            function_scope.self_class = scope.self_class
        if isinstance(node, ast.Lambda):
            forwarding = (node.lineno, node.col_offset) in self.forwarding_lambdas
            if forwarding:  # a Jinja2 global: its call sites are in templates, its parameters are plumbing
                self.forwarded.append(frozenset(parameter.arg for parameter in parameters))
            try:
                self._visit(node.body, function_scope)
            finally:
                if forwarding:
                    self.forwarded.pop()
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
            api.api == "wrapper" and (key == qualname or qualname.endswith("." + key))
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
        if not self.interesting.touches(node):
            return
        if node.args and COMMAND_RUNNERS.search(_callee_name(node.func) or "") and _may_hold_command(node):
            for argument in node.args:
                self._check_shell_command(argument, scope)
                if isinstance(argument, (ast.List, ast.Tuple)):  # ("lms", "./manage.py lms waffle_flag ...")
                    for element in argument.elts:
                        if isinstance(element, (ast.Constant, ast.JoinedStr)):
                            self._check_shell_command(element, scope)
        qualname = self._callee_qualname(node.func, scope)
        if qualname is not None:
            api = self.catalogue.lookup(qualname)
            if api is not None:
                self._check_api_call(node, api, scope)
                return
            if qualname == CALL_COMMAND and node.args:
                self._check_call_command(node, scope)
                return
            if qualname.rpartition(".")[2] in MODEL_SHORTCUTS and node.args:
                kind = self._model_kind(node.args[0], scope)
                if kind is not None:
                    self._check_name_keywords(node, kind, scope)
                    return
        if node.keywords:
            kind = self._model_kind(node.func, scope)  # Switch(name=..., active=True), FlagFactory(name=...)
            if kind is not None:
                self._check_name_keywords(node, kind, scope)
                return
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr in TOGGLE_METHODS:
                self._check_toggle_use(node, func, scope)
            else:
                self._check_model_method(node, func, scope)

    def _check_api_call(self, node: ast.Call, api: Api, scope: _Scope) -> None:
        if api.form in ("call", "toggle"):
            argument = self._argument(node, api.position, api.keyword)
            if argument is not None and api.attribute is not None:
                value = self._value(argument, scope)
                attribute = api.attribute
                named = Sym(f"{value.qualname}.{attribute}", value.text) if isinstance(value, Sym) else None
                self._emit(
                    argument, scope, api.kind, api.api, value=named or Attr(value, attribute), wrapper=api.wrapper
                )
            elif argument is not None:
                self._emit(argument, scope, api.kind, api.api, negatable=api.negatable, wrapper=api.wrapper)
            elif self._has_unpacking(node):
                self._emit_unknown(node, api.kind, api.api, api.wrapper)
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

    def _check_call_command(self, node: ast.Call, scope: _Scope) -> None:
        """``call_command("waffle_switch", NAME, "on", "--create")`` and ``call_command("waffle_delete", ...)``.

        Arguments are parsed the way waffle's commands parse them (`command_targets`): literals are words, any
        other value is a positional argument (a name, resolved like any other); keywords use the options' dest
        (``create=True``, ``name=``, ``positionals=[...]``, ``flag_names=[...]``).
        """
        command = self._value(node.args[0], scope)
        if not isinstance(command, Lit) or (command.value not in COMMANDS and command.value != DELETE_COMMAND):
            return
        if any(isinstance(argument, ast.Starred) for argument in node.args[1:]) or any(
            keyword.arg is None for keyword in node.keywords
        ):
            self._emit_command_unknown(node, command.value)
            return
        arguments = list(node.args[1:])
        keywords = {keyword.arg: keyword.value for keyword in node.keywords if keyword.arg is not None}
        given = keywords.get("create")
        create = isinstance(given, ast.Constant) and given.value is True
        if command.value == DELETE_COMMAND:  # keywords, and options given as words too
            for dest, kind in DELETE_KEYWORDS.items():
                if dest in keywords:
                    self._emit(keywords[dest], scope, kind, "waffle-command", sequence=True, command="delete")
        elif "name" in keywords or "positionals" in keywords:
            named = keywords.get("name")
            if named is None:
                listed = keywords["positionals"]
                named = listed.elts[0] if isinstance(listed, (ast.List, ast.Tuple)) and listed.elts else None
            if named is not None:
                always = command_targets(command.value, [None], create)
                for target in always:
                    self._emit(named, scope, target.kind, "waffle-command", command=target.action)
            return
        words: List[Optional[str]] = []
        for argument in arguments:
            value = self._value(argument, scope)
            words.append(value.value if isinstance(value, Lit) else None)
        for target in command_targets(command.value, words, create):
            self._emit_target(arguments[target.index], words[target.index], target, scope)

    def _emit_target(self, argument: ast.expr, text: Optional[str], target: CommandTarget, scope: _Scope) -> None:
        """A command's argument that names an object; for ``"--flags=NAME"`` the name after the ``=``."""
        if text is None or not target.prefix:
            self._emit(argument, scope, target.kind, "waffle-command", command=target.action)
            return
        value = Lit(text[target.prefix :])
        position = self._string_position(argument) if isinstance(argument, ast.Constant) else None
        if position is None:
            self._emit(argument, scope, target.kind, "waffle-command", value=value, command=target.action)
            return
        start, end = position(target.prefix), position(len(text))
        self._append(start, end, value.value, target.kind, value, "waffle-command", command=target.action)

    def _check_shell_command(self, command: ast.expr, scope: _Scope) -> None:
        """A shell command a script runs: ``c.run("./manage.py waffle_switch x on")``, ``subprocess.run([...])``."""
        if isinstance(command, ast.Constant) and isinstance(command.value, str) and "waffle_" in command.value:
            position = self._string_position(command)
            for found in command_names(command.value):
                value = self._command_value(found, lambda text, why: Unknown(text, f"`{text}` is {why}"))
                if position is None:
                    self._add(command, found.kind, value, "waffle-command", False, command=found.action)
                    continue
                start, end = position(found.start), position(found.end)
                expression = command.value[found.start : found.end]
                self._append(start, end, expression, found.kind, value, "waffle-command", command=found.action)
        elif isinstance(command, ast.JoinedStr):
            self._check_formatted_command(command, scope)
        elif isinstance(command, (ast.List, ast.Tuple)):
            words: List[Optional[str]] = []
            for element in command.elts:
                if isinstance(element, ast.Starred):
                    return
                value = self._value(element, scope)
                words.append(value.value if isinstance(value, Lit) else None)
            for index, word in enumerate(words):
                if (word in COMMANDS or word == DELETE_COMMAND) and runs_management(words[:index]):
                    assert word is not None
                    arguments = command.elts[index + 1 :]
                    for target in command_targets(word, words[index + 1 :]):
                        self._emit_target(arguments[target.index], words[index + 1 + target.index], target, scope)
                    return

    def _check_formatted_command(self, command: ast.JoinedStr, scope: _Scope) -> None:
        """``c.run(f"./manage.py waffle_switch {NAME} on")``: the replacement fields are values like any other
        (a constant resolves); references point at the f-string."""
        pieces: List[Union[str, Tuple[str, str]]] = []
        fields: List[ast.expr] = []
        for piece in command.values:
            if isinstance(piece, ast.Constant) and isinstance(piece.value, str):
                pieces.append(piece.value)
            elif isinstance(piece, ast.FormattedValue):
                pieces.append((str(len(fields)), ""))
                fields.append(piece.value)
        for found in command_names_of_parts(pieces):
            value = self._command_value(found, lambda key, _: self._value(fields[int(key)], scope))
            self._add(command, found.kind, value, "waffle-command", False, command=found.action)

    @staticmethod
    def _command_value(found: CommandName, unknown: Callable[[str, str], Value]) -> Value:
        """The value a command's name argument stands for: its literal pieces and the values of the others."""
        parts = tuple(Lit(part) if isinstance(part, str) else unknown(*part) for part in found.parts)
        return parts[0] if len(parts) == 1 else Cat(parts) if parts else Lit("")

    def _string_position(self, node: ast.Constant) -> Optional[Callable[[int], Tuple[int, int]]]:
        """Where character `i` of a string literal's value stands in the file (1-based line and column), when the
        literal is written without escapes; None otherwise (then references point at the literal)."""
        segment = self._segment(node)
        opening = _STRING_OPENING.match(segment)
        if opening is None or not isinstance(node.value, str):
            return None
        quote = opening.group(2)
        if segment[opening.end() : len(segment) - len(quote)] != node.value or not segment.endswith(quote):
            return None
        line, column, base = node.lineno, self._column(node.lineno, node.col_offset), opening.end()

        def position(index: int) -> Tuple[int, int]:
            before = segment[: base + index]
            breaks = before.count("\n")
            if not breaks:
                return line, column + len(before) + 1
            return line + breaks, len(before) - before.rfind("\n")

        return position

    def _segment(self, node: ast.expr) -> str:
        """A node's exact source text (`_text` normalises whitespace and shortens long expressions)."""
        end_line = node.end_lineno or node.lineno
        chunks = [self.lines[i].encode("utf-8") for i in range(node.lineno - 1, min(end_line, len(self.lines)))]
        if not chunks:
            return ""
        chunks[-1] = chunks[-1][: node.end_col_offset]
        chunks[0] = chunks[0][node.col_offset :]
        return "\n".join(chunk.decode("utf-8", errors="replace") for chunk in chunks)

    def _emit_command_unknown(self, node: ast.Call, command: str) -> None:
        """A command whose arguments come from ``*args``/``**kwargs``: a dynamic reference of every kind it takes."""
        kinds: Tuple[Kind, ...] = ("flag", "switch", "sample") if command == DELETE_COMMAND else (COMMANDS[command],)
        action: CommandAction = "delete" if command == DELETE_COMMAND else "change"
        for kind in kinds:
            value = Unknown(self._text(node), "the command's arguments are passed by `*args` or `**kwargs` unpacking")
            self._add(node, kind, value, "waffle-command", False, command=action)

    def _check_toggle_use(self, node: ast.Call, func: ast.Attribute, scope: _Scope) -> None:
        """``SWITCH.is_enabled()``: a reference when the object turns out to be an edx-toggles toggle."""
        target = func.value
        value = ToggleName(self._value(target, scope))
        self._add(target, "flag", value, "edx-toggles-check", False, toggle_use=True)

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
        elif method in FACTORY_METHODS and node.keywords:
            kind = self._model_kind(func.value, scope)  # FlagFactory.create(name=...)
            if kind is not None:
                self._check_name_keywords(node, kind, scope)

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
        api: ApiName,
        *,
        negatable: bool = False,
        value: Optional[Value] = None,
        sequence: bool = False,
        wrapper: Optional[str] = None,
        command: Optional[CommandAction] = None,
    ) -> None:
        if sequence and isinstance(node, (ast.List, ast.Tuple, ast.Set)) and value is None:
            for element in node.elts:
                self._emit(element, scope, kind, api, negatable=negatable, wrapper=wrapper, command=command)
            return
        if value is None:
            value = self._value(node, scope)
            if sequence:
                value = Each(value)
        self._add(node, kind, value, api, negatable, wrapper, command=command)

    def _emit_unknown(self, node: ast.Call, kind: Kind, api: ApiName, wrapper: Optional[str] = None) -> None:
        value = Unknown(self._text(node), "the name is passed by `*args` or `**kwargs` unpacking")
        self._add(node, kind, value, api, False, wrapper)

    def _add(
        self,
        node: ast.expr,
        kind: Kind,
        value: Value,
        api: ApiName,
        negatable: bool,
        wrapper: Optional[str] = None,
        toggle_use: bool = False,
        command: Optional[CommandAction] = None,
    ) -> None:
        line, column = node.lineno, self._column(node.lineno, node.col_offset)
        end_line = node.end_lineno or line
        end_column = self._column(end_line, node.end_col_offset or node.col_offset)
        start, end = (line, column + 1), (end_line, end_column + 1)
        forwarded = self._forwarded_parameter(node)
        self._append(start, end, self._text(node), kind, value, api, negatable, wrapper, toggle_use, command, forwarded)

    def _append(
        self,
        start: Tuple[int, int],
        end: Tuple[int, int],
        expression: str,
        kind: Kind,
        value: Value,
        api: ApiName,
        negatable: bool = False,
        wrapper: Optional[str] = None,
        toggle_use: bool = False,
        command: Optional[CommandAction] = None,
        forwarded: bool = False,
    ) -> None:
        """A pending reference at 1-based (line, column) positions (`forwarded`: a registered global's parameter)."""
        self.references.append(
            PendingReference(
                path=self.path,
                line=start[0],
                column=start[1],
                end_line=end[0],
                end_column=end[1],
                kind=kind,
                value=value,
                expression=expression,
                api=api,
                test=self.test,
                negatable=negatable,
                inside_wrapper=self.inside_wrapper > 0 or forwarded,
                wrapper=wrapper,
                toggle_use=toggle_use,
                command=command,
            )
        )

    def _forwarded_parameter(self, node: ast.expr) -> bool:
        """Whether `node` is a parameter of the Jinja2-global lambda being visited (its templates name the flag)."""
        return bool(self.forwarded) and isinstance(node, ast.Name) and node.id in self.forwarded[-1]


_STRING_OPENING = re.compile("([rRuU]?)(\'\'\'|\"\"\"|\'|\")")


def _may_hold_command(node: ast.Call) -> bool:
    """Whether a call's arguments hold a string that can name a waffle command (cheap, before looking closer)."""
    return any(
        isinstance(child, ast.Constant) and isinstance(child.value, str) and "waffle_" in child.value
        for argument in node.args
        for child in ast.walk(argument)
    )


def _callee_name(func: ast.expr) -> Optional[str]:
    """The last name of a callee (``run`` for ``c.run`` and ``run``)."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


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
