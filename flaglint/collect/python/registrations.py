"""The registration pass: the callables a module offers Jinja2 templates as globals, under the names it chooses.

Found wherever a project sets them up: ``env.globals.update({...})`` / ``env.globals.update(name=...)``,
``env.globals[name] = ...`` (in the ``environment`` callable Django's Jinja2 backend is told about, or anywhere
else), django-jinja's ``"globals": {...}`` option in ``TEMPLATES`` (dotted strings), ``JINJA2_GLOBALS``-style
settings, django-jinja's ``library.global_function`` and jingo's ``register.function`` (called, or as decorators);
a mapping may be a dict literal, ``dict(...)``, ``{**a, **b}`` or a name bound to one of those, and a mapping
registered as one global offers its entries under dotted names (``globals["waffle"] = {"flag": ...}``). Every
registration is recorded (`TemplateGlobal`), whatever it registers: only derivation knows whether a name is one of
waffle's functions or a project's wrapper of one. A lambda, or a one-line function of this module, that forwards
its parameters to a call is recorded with the parameters (``lambda request, name: waffle.flag_is_active(request,
name)``), so that derivation can say which one carries the name.
"""

from __future__ import annotations

import ast
import re
from dataclasses import replace
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple, Union

from flaglint.collect.python.scopes import _Scope
from flaglint.collect.python.values import Values
from flaglint.model import Lit, Sym, TemplateGlobal

#: Settings that hold a Jinja2 globals mapping (django-jinja before 2.0, jingo, coffin).
_SETTINGS_NAME = re.compile(r"\A\w*JINJA\w*_GLOBALS\Z")

#: What a module that registers Jinja2 globals holds (a cheap test before the pass).
_MAY_REGISTER = re.compile(r"""\.\s*globals\b|["']globals["']|GLOBALS|global_function|register\s*\.\s*function""")

#: Decorators that make Jinja2 pass the template context first (the template does not pass it).
_CONTEXT_DECORATORS = frozenset({"pass_context", "contextfunction", "pass_eval_context", "evalcontextfunction"})

_Function = Union[ast.FunctionDef, ast.Lambda]
_MAX_DEPTH = 8


class Registrations(Values):
    """Finds Jinja2 globals registrations; runs before the reference pass (which it tells about lambdas)."""

    template_globals: List[TemplateGlobal]
    forwarding_lambdas: Set[Tuple[int, int]]
    """(line, column) of each lambda registered as a global: its call sites are in templates."""

    forwarders: List[TemplateGlobal]
    """This module's one-line functions that forward a parameter to a check of the catalogue (another module may
    register them as globals)."""

    def _find_forwarders(self, tree: ast.Module, module_scope: _Scope) -> None:
        """Every module-level one-line function that forwards its parameters to one call (`_forwarders`)."""
        self._forwarders: Dict[str, TemplateGlobal] = {}
        for statement in tree.body:
            if isinstance(statement, ast.FunctionDef) and _forwarded_call(statement) is not None:
                context = any(self._decorator_word(d) in _CONTEXT_DECORATORS for d in statement.decorator_list)
                found = self._forwarding(statement.name, statement, statement.lineno, module_scope, context)
                if found is not None:
                    qualname = f"{self.module}.{statement.name}" if self.module else statement.name
                    self._forwarders[statement.name] = replace(found, function=qualname, skipped=int(context))
        self.forwarders = [found for found in self._forwarders.values() if self._is_check(found)]

    def _is_check(self, forwarder: TemplateGlobal) -> bool:
        value = forwarder.value
        api = self.catalogue.lookup(self._follow(value.qualname)) if isinstance(value, Sym) else None
        return api is not None and api.form == "call" and api.role == "check"

    def _find_registrations(self, tree: ast.Module, module_scope: _Scope) -> None:
        self.template_globals = []
        self.forwarding_lambdas = set()
        self._find_forwarders(tree, module_scope)
        text = self.text
        if not ("global" in text or "GLOBALS" in text or "register" in text) or _MAY_REGISTER.search(text) is None:
            return  # no ``.globals``, ``"globals"``, ``JINJA2_GLOBALS``, ``global_function``, ``register.function``
        self._mappings: Dict[str, List[ast.expr]] = {}
        self._functions: Dict[str, ast.FunctionDef] = {}
        for statement in tree.body:
            if isinstance(statement, ast.FunctionDef):
                self._functions[statement.name] = statement
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and _mapping_shaped(node.value):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self._mappings.setdefault(target.id, []).append(node.value)
        for found, scope in self._statements(tree.body, module_scope):
            self._registrations_in(found, scope)

    def _statements(self, body: Sequence[ast.stmt], scope: _Scope) -> Iterator[Tuple[ast.stmt, _Scope]]:
        """Every statement at any depth, with the scope its expressions are evaluated in."""
        for statement in body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if isinstance(statement, ast.FunctionDef) and self._functions.get(statement.name) is statement:
                    for decorator in statement.decorator_list:
                        name = _global_function_name(decorator, statement.name)
                        if name is not None and not self._register_function(name, statement, statement.lineno, scope):
                            qualname = self._qualify(scope, statement.name)
                            self.template_globals.append(TemplateGlobal(name, Sym(qualname, ""), statement.lineno))
                inner = _Scope("function", scope)
                arguments = statement.args
                for parameter in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
                    self._bind_unknown(parameter.arg, inner, parameter.arg, f"`{parameter.arg}` is a parameter")
                for extra in (arguments.vararg, arguments.kwarg):
                    if extra is not None:
                        self._bind_unknown(extra.arg, inner, extra.arg, f"`{extra.arg}` is a parameter")
                self._bind_block(statement.body, inner)
                yield from self._statements(statement.body, inner)
                continue
            if isinstance(statement, ast.ClassDef):
                yield from self._statements(statement.body, scope)
                continue
            yield statement, scope
            for block in ("body", "orelse", "finalbody", "handlers"):
                nested = getattr(statement, block, None)
                if isinstance(nested, list):
                    for item in nested:
                        inner_body = item.body if isinstance(item, ast.ExceptHandler) else None
                        if inner_body is not None:
                            yield from self._statements(inner_body, scope)
                    statements = [item for item in nested if isinstance(item, ast.stmt)]
                    yield from self._statements(statements, scope)

    def _registrations_in(self, statement: ast.stmt, scope: _Scope) -> None:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                if isinstance(target, ast.Subscript) and _is_globals(target.value):
                    key = target.slice
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        self._register(key.value, statement.value, scope)
                elif isinstance(target, ast.Name) and _SETTINGS_NAME.match(target.id):
                    self._register_mapping(statement.value, scope, 0)
        for node in _expressions(statement):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and _is_globals(node.func.value):
                if node.func.attr == "update":
                    for argument in node.args:
                        self._register_mapping(argument, scope, 0)
                    for keyword in node.keywords:
                        if keyword.arg is None:
                            self._register_mapping(keyword.value, scope, 0)
                        else:
                            self._register(keyword.arg, keyword.value, scope)
                elif node.func.attr == "setdefault" and len(node.args) == 2:
                    key = node.args[0]
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        self._register(key.value, node.args[1], scope)
            elif isinstance(node, ast.Call):
                self._global_function_call(node, scope)
            elif isinstance(node, ast.Dict):  # django-jinja: TEMPLATES = [{..., "OPTIONS": {"globals": {...}}}]
                for entry, value in zip(node.keys, node.values):
                    if isinstance(entry, ast.Constant) and entry.value == "globals":
                        self._register_mapping(value, scope, 0)

    def _global_function_call(self, node: ast.Call, scope: _Scope) -> None:
        """django-jinja: ``library.global_function(f)``, ``(..., "name", f)``, ``(..., name="name")(f)``."""
        func = node.func
        if _is_global_function(func) and node.args:
            if len(node.args) == 2 and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                self._register(node.args[0].value, node.args[1], scope)
            elif len(node.args) == 1 and not isinstance(node.args[0], ast.Constant):
                name = _own_name(node.args[0])
                if name is not None:
                    self._register(name, node.args[0], scope)
        elif isinstance(func, ast.Call) and _is_global_function(func.func) and len(node.args) == 1:
            name = _global_function_name(func, _own_name(node.args[0]) or "")
            if name:
                self._register(name, node.args[0], scope)

    def _register_mapping(self, node: ast.expr, scope: _Scope, depth: int, prefix: str = "") -> None:
        """Register every entry of a mapping expression (a dict literal, ``dict(...)``, a name bound to one)."""
        if depth > _MAX_DEPTH:
            return
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if key is None:
                    self._register_mapping(value, scope, depth + 1, prefix)
                elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                    self._register(prefix + key.value, value, scope, depth)
        elif _is_dict_call(node):
            assert isinstance(node, ast.Call)
            for argument in node.args:
                self._register_mapping(argument, scope, depth + 1, prefix)
            for keyword in node.keywords:
                if keyword.arg is None:
                    self._register_mapping(keyword.value, scope, depth + 1, prefix)
                else:
                    self._register(prefix + keyword.arg, keyword.value, scope, depth)
        elif isinstance(node, ast.Name):
            for bound in self._mappings.get(node.id, []):
                self._register_mapping(bound, scope, depth + 1, prefix)

    def _register(self, name: str, node: ast.expr, scope: _Scope, depth: int = 0) -> None:
        """Record one global: its value, or for a forwarding lambda / one-line function, its call and parameters;
        a mapping registers each entry under a dotted name (``globals["waffle"] = {"flag": ...}``: ``waffle.flag``)."""
        if not _callable(name):
            return  # a template cannot call it by name
        if _mapping_shaped(node) or (isinstance(node, ast.Name) and node.id in self._mappings):
            self._register_mapping(node, scope, depth + 1, name + ".")
            return
        line = node.lineno
        if isinstance(node, ast.Lambda):
            found = self._forwarding(name, node, line, scope, skip_context=False)
            if found is not None:
                self.forwarding_lambdas.add((node.lineno, node.col_offset))
                self.template_globals.append(found)
            return
        if isinstance(node, ast.Name) and node.id in self._functions and self._lookup_is_module(node.id, scope):
            if self._register_function(name, self._functions[node.id], line, scope):
                return
        value = self._value(node, scope)
        if isinstance(value, Sym):
            self.template_globals.append(TemplateGlobal(name, Sym(value.qualname, ""), line))
        elif isinstance(value, Lit) and _dotted(value.value):
            self.template_globals.append(TemplateGlobal(name, value, line))

    def _register_function(self, name: str, function: ast.FunctionDef, line: int, scope: _Scope) -> bool:
        """Record a one-line function of this module that forwards its parameters; False for any other."""
        if not _callable(name):
            return True  # a template cannot call it by name: nothing to record
        found = self._forwarders.get(function.name)
        if found is not None:
            self.template_globals.append(replace(found, name=name, line=line))
        return found is not None

    def _lookup_is_module(self, name: str, scope: _Scope) -> bool:
        """Whether `name` in `scope` is the module-level definition (no local binding hides it)."""
        current: Optional[_Scope] = scope
        while current is not None and current.kind != "module":
            if name in current.bindings:
                return False
            current = current.parent
        return True

    @staticmethod
    def _decorator_word(node: ast.expr) -> str:
        target = node.func if isinstance(node, ast.Call) else node
        if isinstance(target, ast.Attribute):
            return target.attr
        return target.id if isinstance(target, ast.Name) else ""

    def _forwarding(
        self, name: str, function: _Function, line: int, scope: _Scope, skip_context: bool
    ) -> Optional[TemplateGlobal]:
        """A global whose value forwards its parameters to one call (``lambda n: switch_is_active(n)``)."""
        call = _forwarded_call(function)
        if call is None:
            return None
        arguments = function.args
        if arguments.vararg is not None or arguments.kwarg is not None:
            return None
        parameters = [parameter.arg for parameter in [*arguments.posonlyargs, *arguments.args]]
        if skip_context:
            parameters = parameters[1:]
        callee = self._value(call.func, scope)
        if not isinstance(callee, Sym) or any(isinstance(a, ast.Starred) for a in call.args):
            return None
        if any(keyword.arg is None for keyword in call.keywords):
            return None

        def index(node: ast.expr) -> int:
            if isinstance(node, ast.Name) and node.id in parameters:
                return parameters.index(node.id)
            return -1

        return TemplateGlobal(
            name,
            Sym(callee.qualname, ""),
            line,
            parameters=tuple(parameters),
            arguments=tuple(index(argument) for argument in call.args),
            keywords=tuple((str(keyword.arg), index(keyword.value)) for keyword in call.keywords),
        )


def _forwarded_call(function: _Function) -> Optional[ast.Call]:
    """The call a lambda's body, or a function's single ``return`` (after a docstring), is."""
    if isinstance(function, ast.Lambda):
        return function.body if isinstance(function.body, ast.Call) else None
    body = list(function.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if len(body) == 1 and isinstance(body[0], ast.Return) and isinstance(body[0].value, ast.Call):
        return body[0].value
    return None


def _is_global_function(node: ast.expr) -> bool:
    """``library.global_function`` (django-jinja), however the library is imported, or jingo's
    ``register.function``."""
    if isinstance(node, ast.Attribute):
        jingo = node.attr == "function" and isinstance(node.value, ast.Name) and node.value.id == "register"
        return node.attr == "global_function" or jingo
    return isinstance(node, ast.Name) and node.id == "global_function"


def _global_function_name(decorator: ast.expr, default: str) -> Optional[str]:
    """The name a ``global_function`` decorator registers a function under; None for another decorator."""
    if _is_global_function(decorator):
        return default
    if isinstance(decorator, ast.Call) and _is_global_function(decorator.func):
        for keyword in decorator.keywords:
            if keyword.arg == "name" and _is_string(keyword.value):
                return str(getattr(keyword.value, "value"))
        if decorator.args and _is_string(decorator.args[0]):
            return str(getattr(decorator.args[0], "value"))
        return default if not decorator.args else None
    return None


def _callable(name: str) -> bool:
    """Whether a template can call a global of this name (dotted: an entry of a registered mapping)."""
    return all(part.isidentifier() for part in name.split("."))


def _is_string(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _own_name(node: ast.expr) -> Optional[str]:
    """The ``__name__`` a function passed by name has (``helpers.is_on`` -> ``is_on``)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _is_globals(node: ast.expr) -> bool:
    """``<anything>.globals`` (a Jinja2 environment's or template's globals), or a ``JINJA2_GLOBALS``-style setting
    (``settings.JINJA2_GLOBALS["waffle"] = ...``)."""
    if isinstance(node, ast.Attribute):
        return node.attr == "globals" or _SETTINGS_NAME.match(node.attr) is not None
    return isinstance(node, ast.Name) and _SETTINGS_NAME.match(node.id) is not None


def _is_dict_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict"


def _mapping_shaped(node: ast.expr) -> bool:
    return isinstance(node, ast.Dict) or _is_dict_call(node)


_DOTTED = re.compile(r"\A[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+\Z")


def _dotted(text: str) -> bool:
    return _DOTTED.match(text) is not None


def _expressions(statement: ast.stmt) -> Iterator[ast.AST]:
    """The expression nodes of one statement (not those of statements nested in it, nor inside lambdas)."""
    stack: List[ast.AST] = [statement]
    while stack:
        current = stack.pop()
        yield current
        for child in ast.iter_child_nodes(current):
            if isinstance(child, (ast.stmt, ast.Lambda, ast.ExceptHandler)):
                continue
            stack.append(child)
