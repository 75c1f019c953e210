"""Retire a flag in Python source with libcst: keep the branch the flag chose, keep comments and formatting.

Which calls to rewrite is decided by the reference collector (`flaglint.collect.python` on `ast`, the same catalogue and
name resolution as ``flaglint check``): the rewriter receives the positions of the name expressions that name the
retired flag and only touches the calls around them. A checked call becomes a constant marker; markers are folded
through ``not``, ``and``, ``or``, conditional expressions, ``if``/``elif``/``else``, ``assert``, comprehension
filters and locals that only store the result; what cannot be folded without changing behaviour is written as the
plain constant and listed for the user. Imports left unused by the rewrite (and only those) are removed.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Set, Tuple, Union

import libcst as cst
from libcst.metadata import (
    ComprehensionScope,
    ParentNodeProvider,
    PositionProvider,
    Scope,
    ScopeProvider,
)

from flaglint.collect.python import decode_source, parse
from flaglint.catalogue import Catalogue, Role
from flaglint.rewrite.folding import (
    as_test,
    fold_test,
    keep_parens,
    literal_truth,
    marker,
    marker_value,
    paren,
    run_first,
    strip_parens,
)
from flaglint.model import Failed, Note, Reference, RewriteResult, Rewritten, Unchanged


def rewrite_python(
    path: str, source: bytes, references: Sequence[Reference], keep_on: bool, catalogue: Optional[Catalogue] = None
) -> RewriteResult:
    """Rewrite one file so that the flag the `references` name behaves as always on (`keep_on`) or always off.

    The result is `Rewritten` only when the new source parses with both ``ast`` and libcst; a rewrite that would
    not (or that cannot be done at all) is `Failed` and the file is left as it was.
    """
    try:
        return _rewrite(path, source, references, keep_on, catalogue or Catalogue())
    except RecursionError:
        return Failed(path, "nested too deeply to rewrite safely")


def _rewrite(
    path: str, source: bytes, references: Sequence[Reference], keep_on: bool, catalogue: Catalogue
) -> RewriteResult:
    problem = _does_not_parse(path, source, libcst=False)  # Python's parser refuses what would crash libcst's
    if problem is not None:
        return Failed(path, f"cannot parse: {problem}")
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        return Failed(path, f"line {error.raw_line}: cannot parse with libcst: {error.message}")
    wrapper = cst.MetadataWrapper(module)
    targets = {(r.line, r.column - 1): r for r in references if r.source == "python" and r.name is not None}
    before = _import_uses(wrapper)
    transformer = _Retire(path, targets, keep_on, catalogue)
    rewritten = wrapper.visit(transformer)
    rewritten = cst.MetadataWrapper(rewritten).visit(_Materialise(path, transformer.notes))
    unused = {name for name, count in _import_uses(cst.MetadataWrapper(rewritten)).items() if count == 0}
    removable = {name for name in unused if before.get(name, 0) > 0}
    if removable:
        rewritten = rewritten.visit(_DropImports(removable))
    new_source = rewritten.bytes
    notes = tuple(transformer.notes)
    if new_source == source:
        return Unchanged(path, notes)
    problem = _does_not_parse(path, new_source)
    if problem is not None:
        return Failed(path, f"the rewrite would not parse ({problem}); the file is left unchanged", notes)
    return Rewritten(path, source, new_source, notes, tuple(sorted(removable)))


def _does_not_parse(path: str, source: bytes, libcst: bool = True) -> Optional[str]:
    """Why `source` does not parse with ``ast`` (the grammar flaglint reads) or libcst, or None when it does."""
    text, problem = decode_source(path, source)
    if text is None:
        return problem.message if problem is not None else "cannot decode"
    try:
        parse(text, path)
    except (SyntaxError, ValueError) as error:
        line = getattr(error, "lineno", None)
        return f"line {line}: {getattr(error, 'msg', error)}" if line else str(error)
    except (RecursionError, MemoryError):
        return "nested too deeply"
    if not libcst:
        return None
    try:
        cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        return f"line {error.raw_line}: {error.message}"
    return None


# --- helpers on nodes -----------------------------------------------------------------------------------------


def _argument(call: cst.Call, position: int, keyword: str) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == keyword:
            return arg
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    return positional[position] if position < len(positional) else None


# --- folding of boolean expressions ---------------------------------------------------------------------------


# --- the transformer ------------------------------------------------------------------------------------------


Statement = Union[cst.BaseStatement, cst.BaseSmallStatement]


class _Retire(cst.CSTTransformer):
    """Replaces the retired flag's checks by markers and folds them into the code around them."""

    METADATA_DEPENDENCIES = (PositionProvider, ScopeProvider, ParentNodeProvider)

    def __init__(self, path: str, targets: Dict[Tuple[int, int], Reference], keep_on: bool, catalogue: Catalogue):
        super().__init__()
        self.path = path
        self.targets = targets
        self.keep_on = keep_on
        self.catalogue = catalogue
        self.mixins = {mixin.attribute: mixin.cls for mixin in catalogue.mixins}
        self.notes: List[Note] = []
        self.elifs: Set[int] = set()
        self.inlined: Dict[int, bool] = {}
        """Name loads of locals that only stored the flag's value, by their original node."""
        self.removed_assignments: Set[int] = set()
        self.flattened: Set[int] = set()
        self.functions: List[cst.FunctionDef] = []
        self.classes: List[cst.ClassDef] = []
        self.drop_mixins: Dict[int, Set[str]] = {}
        self.reported: Set[int] = set()

    # --- where things are ---

    def _line(self, node: cst.CSTNode) -> int:
        return int(self.get_metadata(PositionProvider, node).start.line)

    def _note(self, node: cst.CSTNode, message: str) -> None:
        self.notes.append(Note(self.path, self._line(node), message))

    def _role(self, reference: Reference) -> Optional[Role]:
        """What the call that holds `reference` does with the flag (the catalogue's role of its API)."""
        return self.catalogue.role_of(reference.api, reference.wrapper)

    def _reference_in(self, call: cst.Call) -> Optional[Reference]:
        """The retired flag's reference among a call's arguments, if any."""
        for arg in call.args:
            start = self.get_metadata(PositionProvider, arg.value).start
            found = self.targets.get((start.line, start.column))
            if found is not None:
                return found
        return None

    def _reference_at(self, node: cst.CSTNode) -> Optional[Reference]:
        start = self.get_metadata(PositionProvider, node).start
        return self.targets.get((start.line, start.column))

    # --- calls ---

    def visit_If(self, node: cst.If) -> None:
        if isinstance(node.orelse, cst.If):
            self.elifs.add(id(node.orelse))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(node)
        self._find_stored_values(node)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        self.functions.pop()
        return updated

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        wrapped = self._wrapped_view(original, updated)
        if wrapped is not None:
            return wrapped
        reference = self._reference_in(original)
        if reference is None:
            return updated
        if self._role(reference) == "check":
            return keep_parens(updated, marker(self.keep_on))
        if self._role(reference) == "decorator" and self._is_decorator(original):
            return updated  # handled by leave_Decorator
        if self._role(reference) == "decorator":
            return updated  # waffle_switch("x")(view): handled by the outer call
        if self._role(reference) == "override":
            parent = self.get_metadata(ParentNodeProvider, original, None)
            if not self._is_decorator(original) and not isinstance(parent, cst.WithItem):
                self._note(
                    original, f"{reference.label}({reference.expression}) is used by hand (enable/disable): rewrite it"
                )
            return updated  # handled by leave_Decorator / leave_With
        self._note(
            original, f"{reference.label}({reference.expression}) is not rewritten: {_manual(self._role(reference))}"
        )
        return updated

    def _is_decorator(self, node: cst.CSTNode) -> bool:
        parent = self.get_metadata(ParentNodeProvider, node, None)
        while parent is not None and not isinstance(parent, cst.Decorator):
            if isinstance(parent, (cst.Arg, cst.Call)):
                parent = self.get_metadata(ParentNodeProvider, parent, None)
                continue
            return False
        return parent is not None

    def _wrapped_view(self, original: cst.Call, updated: cst.Call) -> Optional[cst.BaseExpression]:
        """``waffle_switch("x")(view)`` in a URLconf: ON keeps ``view``; OFF is reported (the URL always 404s)."""
        if not isinstance(original.func, cst.Call):
            return None
        reference = self._reference_in(original.func)
        if reference is None or self._role(reference) != "decorator" or len(updated.args) != 1:
            return None
        if self.keep_on != reference.negated:
            return keep_parens(updated, updated.args[0].value)
        self._note(original, f"{reference.label}({reference.expression}) wraps a view that now always answers 404")
        return updated

    # --- locals that only store the flag's value ---

    def _find_stored_values(self, function: cst.FunctionDef) -> None:
        """Inline a local that stores the flag's value when it is never reassigned, not global, not captured."""
        if not isinstance(function.body, cst.IndentedBlock) or not function.body.body:
            return
        scope = self.get_metadata(ScopeProvider, function.body.body[0], None)
        if scope is None:
            return
        for statement in _shallow_statements(function.body):
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if not isinstance(small, cst.Assign) or len(small.targets) != 1:
                    continue
                target = small.targets[0].target
                if not isinstance(target, cst.Name) or not isinstance(small.value, cst.Call):
                    continue
                reference = self._reference_in(small.value)
                if reference is None or self._role(reference) != "check":
                    continue
                if self._inline_uses(scope, target.value, function):
                    self.removed_assignments.add(id(small))
                else:
                    self._note(small, f"the flag's value is stored in {target.value!r}: simplify its uses by hand")
        for node in _walruses(function.body):
            if isinstance(node.value, cst.Call) and isinstance(node.target, cst.Name):
                reference = self._reference_in(node.value)
                if reference is not None and self._role(reference) == "check":
                    if not self._inline_uses(scope, node.target.value, function):
                        self._note(node, f"the flag's value is stored in {node.target.value!r}: simplify by hand")

    def _inline_uses(self, scope: Scope, name: str, function: cst.FunctionDef) -> bool:
        assignments = list(scope.assignments[name])
        if len(assignments) != 1 or name in _declared(function):
            return False
        uses = list(assignments[0].references)
        for use in uses:
            if not isinstance(use.node, cst.Name):
                return False
            if use.scope is not scope and not isinstance(use.scope, ComprehensionScope):
                return False  # captured by a nested function, lambda or class
        for use in uses:
            self.inlined[id(use.node)] = self.keep_on
        return True

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        value = self.inlined.get(id(original))
        if value is None:
            return updated
        return keep_parens(updated, marker(value))

    def leave_NamedExpr(self, original: cst.NamedExpr, updated: cst.NamedExpr) -> cst.BaseExpression:
        if marker_value(updated.value) is not None and isinstance(original.target, cst.Name):
            if self._walrus_inlined(original):
                return keep_parens(updated, updated.value)
        return updated

    def _walrus_inlined(self, node: cst.NamedExpr) -> bool:
        assert isinstance(node.target, cst.Name)
        scope = self.get_metadata(ScopeProvider, node, None)
        if scope is None:
            return False
        assignments = list(scope.assignments[node.target.value])
        return len(assignments) == 1 and all(id(use.node) in self.inlined for use in assignments[0].references)

    # --- expressions whose value is exact to fold anywhere ---

    def leave_UnaryOperation(self, original: cst.UnaryOperation, updated: cst.UnaryOperation) -> cst.BaseExpression:
        value = marker_value(updated.expression)
        if isinstance(updated.operator, cst.Not) and value is not None:
            return keep_parens(updated, marker(not value))
        return updated

    def leave_BooleanOperation(
        self, original: cst.BooleanOperation, updated: cst.BooleanOperation
    ) -> cst.BaseExpression:
        left = marker_value(updated.left)
        if left is None:
            return updated
        is_and = isinstance(updated.operator, cst.And)
        if left == is_and:  # True and X -> X; False or X -> X
            return keep_parens(updated, strip_parens(updated.right) if updated.lpar else updated.right)
        return keep_parens(updated, marker(left))  # False and X -> False; True or X -> True (X never ran)

    def leave_IfExp(self, original: cst.IfExp, updated: cst.IfExp) -> cst.BaseExpression:
        folded = fold_test(updated.test)
        if folded.constant is None or folded.hoisted:
            if folded.expression is not None and folded.expression is not updated.test and not folded.hoisted:
                return updated.with_changes(test=folded.expression)
            return updated
        chosen = updated.body if folded.constant else updated.orelse
        return keep_parens(updated, paren(chosen) if not updated.lpar else chosen)

    def leave_CompFor(self, original: cst.CompFor, updated: cst.CompFor) -> cst.CompFor:
        kept: List[cst.CompIf] = []
        for condition in updated.ifs:
            folded = fold_test(condition.test)
            if folded.constant is True and not folded.hoisted:
                continue
            if folded.constant is False:
                self._note(original, "a comprehension filter is now always false: the comprehension is empty")
            elif folded.expression is not None and not folded.hoisted:
                condition = condition.with_changes(test=folded.expression)
            kept.append(condition)
        return updated.with_changes(ifs=kept) if len(kept) != len(updated.ifs) else updated

    # --- statements ---

    def leave_If(
        self, original: cst.If, updated: cst.If
    ) -> Union[cst.BaseStatement, cst.FlattenSentinel[cst.BaseStatement], cst.RemovalSentinel]:
        if id(original) in self.elifs:
            return updated  # the chain is folded from its first `if`
        chain: List[cst.If] = []
        node: cst.If = updated
        while True:
            chain.append(node)
            if isinstance(node.orelse, cst.If):
                node = node.orelse
                continue
            break
        final: Optional[cst.Else] = node.orelse if isinstance(node.orelse, cst.Else) else None
        kept: List[cst.If] = []
        prefix: List[cst.BaseStatement] = []
        taken: Optional[cst.If] = None
        for branch in chain:
            folded = fold_test(branch.test)
            if folded.constant is None:
                if folded.hoisted:
                    if kept:
                        self._note(original, "a condition runs code before the flag's check: left as a constant")
                        return updated
                    prefix.extend(run_first(h) for h in folded.hoisted)
                if folded.expression is not None and folded.expression is not branch.test:
                    branch = branch.with_changes(test=as_test(branch.test, folded.expression))
                kept.append(branch)
                continue
            if folded.hoisted and kept:
                self._note(original, "a condition runs code before the flag's check: left as a constant")
                return updated
            prefix.extend(run_first(h) for h in folded.hoisted)
            if folded.constant:
                if kept:
                    final = cst.Else(body=branch.body)
                else:
                    taken = branch
                break
        if taken is not None:
            return self._flatten(updated, prefix + list(_statements(taken.body)), taken.body)
        if not kept:
            body = list(_statements(final.body)) if final is not None else []
            return self._flatten(updated, prefix + body, final.body if final is not None else None)
        rebuilt: Union[cst.If, cst.Else, None] = final
        for branch in reversed(kept):
            rebuilt = branch.with_changes(orelse=rebuilt)
        assert isinstance(rebuilt, cst.If)
        rebuilt = rebuilt.with_changes(leading_lines=updated.leading_lines)
        if prefix:
            return self._flatten(updated, prefix + [rebuilt], None)
        return rebuilt

    def _flatten(
        self, original: cst.BaseCompoundStatement, statements: List[cst.BaseStatement], block: Optional[cst.BaseSuite]
    ) -> Union[cst.FlattenSentinel[cst.BaseStatement], cst.RemovalSentinel]:
        """Put a kept block's statements where the compound statement was; its comments come along."""
        if not statements:
            return cst.RemovalSentinel.REMOVE
        lines = list(original.leading_lines)
        header = block.header if isinstance(block, cst.IndentedBlock) else None
        if header is not None and header.comment is not None:
            indent = cst.EmptyLine(indent=True, comment=header.comment)
            lines.append(indent)
        first = statements[0]
        if lines:
            statements[0] = first.with_changes(leading_lines=[*lines, *getattr(first, "leading_lines", ())])
        for statement in statements:
            self.flattened.add(id(statement))
        return cst.FlattenSentinel(statements)

    def leave_While(
        self, original: cst.While, updated: cst.While
    ) -> Union[cst.BaseStatement, cst.FlattenSentinel[cst.BaseStatement], cst.RemovalSentinel]:
        folded = fold_test(updated.test)
        if folded.constant is False and not folded.hoisted:
            orelse = updated.orelse
            return self._flatten(
                updated, list(_statements(orelse.body)) if orelse else [], orelse.body if orelse else None
            )
        if folded.constant is True:
            self._note(original, "a while loop on the flag now loops on a constant: check it by hand")
        return updated

    def leave_Assert(
        self, original: cst.Assert, updated: cst.Assert
    ) -> Union[cst.BaseSmallStatement, cst.RemovalSentinel]:
        folded = fold_test(updated.test)
        if folded.constant is True and not folded.hoisted:
            return cst.RemovalSentinel.REMOVE
        if folded.constant is False:
            self._note(original, "an assert on the flag now always fails: remove the code around it")
        return updated

    def leave_SimpleStatementLine(
        self, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
    ) -> Union[cst.BaseStatement, cst.RemovalSentinel]:
        kept = [
            small
            for small, before in zip(updated.body, original.body)
            if id(before) not in self.removed_assignments and not self._is_passing_mixin(before)
        ]
        if len(kept) == len(updated.body):
            return updated
        if not kept:
            return cst.RemovalSentinel.REMOVE
        kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(body=kept)

    def leave_IndentedBlock(self, original: cst.IndentedBlock, updated: cst.IndentedBlock) -> cst.IndentedBlock:
        body = list(updated.body)
        for index, statement in enumerate(body):
            if id(statement) in self.flattened and _exits(statement) and index + 1 < len(body):
                dead = body[index + 1 :]
                if not any(_has_yield(d) for d in dead):
                    body = body[: index + 1]
                break
        if not body:
            body = [cst.SimpleStatementLine(body=[cst.Pass()])]
        if original.body and body[0] is not original.body[0]:
            body[0] = _trim_leading_blank_lines(body[0], getattr(original.body[0], "leading_lines", ()))
        return updated.with_changes(body=body) if body != list(updated.body) else updated

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        return _tidy_module_start(original, updated)

    # --- decorators, mixins, test overrides ---

    def leave_Decorator(
        self, original: cst.Decorator, updated: cst.Decorator
    ) -> Union[cst.Decorator, cst.RemovalSentinel]:
        call = original.decorator
        if not isinstance(call, cst.Call):
            return updated
        inner = call
        if (
            isinstance(call.func, (cst.Name, cst.Attribute))
            and _last_name(call.func) == "method_decorator"
            and call.args
        ):
            first = call.args[0].value
            if isinstance(first, cst.Call):
                inner = first
        reference = self._reference_in(inner)
        if reference is None:
            return updated
        owner = self._decorated_name(original)
        if self._role(reference) == "decorator":
            if self.keep_on != reference.negated:
                return cst.RemovalSentinel.REMOVE
            self._note(
                original,
                f"{owner} now always answers 404 (@{reference.label}({reference.expression})): delete it and its URL",
            )
            return updated
        if self._role(reference) == "override":
            active = _argument(inner, 1, "active")
            truth = literal_truth(active.value) if active is not None else None
            if truth is None:
                self._note(original, f"{owner}: @{reference.label} with a non-literal value: check it by hand")
            elif truth == self.keep_on:
                return cst.RemovalSentinel.REMOVE
            else:
                self._note(
                    original,
                    f"{owner} tests the flag {'off' if self.keep_on else 'on'}, the removed behaviour: delete it",
                )
        return updated

    def _decorated_name(self, decorator: cst.Decorator) -> str:
        parent = self.get_metadata(ParentNodeProvider, decorator, None)
        if isinstance(parent, (cst.FunctionDef, cst.ClassDef)):
            return parent.name.value
        return "the decorated code"

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node)

    def _is_passing_mixin(self, small: cst.BaseSmallStatement) -> bool:
        """A ``waffle_flag = "x"`` mixin attribute that now always lets the view through (removed with its mixin)."""
        if not isinstance(small, (cst.Assign, cst.AnnAssign)) or small.value is None:
            return False
        reference = self._reference_at(small.value)
        if reference is None or reference.api != "mixin-attr" or not self.classes:
            return False
        target = small.targets[0].target if isinstance(small, cst.Assign) else small.target
        if not isinstance(target, cst.Name) or target.value not in self.mixins:
            return False
        owner = self.classes[-1]
        if self.keep_on == reference.negated:
            if id(small) not in self.reported:
                self.reported.add(id(small))
                setting = f"{target.value} = {reference.expression}"
                self._note(small, f"{owner.name.value} now always answers 404 ({setting}): delete it and its URL")
            return False
        self.drop_mixins.setdefault(id(owner), set()).add(self.mixins[target.value])
        return True

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self.classes.pop()
        mixins = self.drop_mixins.get(id(original))
        if not mixins:
            return updated
        bases = [base for base in updated.bases if _last_name(base.value) not in mixins]
        if bases and len(bases) != len(updated.bases):
            bases[-1] = bases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        if not bases:
            return updated.with_changes(bases=[], lpar=cst.MaybeSentinel.DEFAULT, rpar=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(bases=bases)

    def leave_With(
        self, original: cst.With, updated: cst.With
    ) -> Union[cst.BaseStatement, cst.FlattenSentinel[cst.BaseStatement], cst.RemovalSentinel]:
        items = []
        for item, before in zip(updated.items, original.items):
            call = before.item
            reference = self._reference_in(call) if isinstance(call, cst.Call) else None
            if reference is None or self._role(reference) != "override" or not isinstance(call, cst.Call):
                items.append(item)
                continue
            active = _argument(call, 1, "active")
            truth = literal_truth(active.value) if active is not None else None
            if truth == self.keep_on and before.asname is None:
                continue
            if truth is None:
                self._note(original, f"with {reference.label}(...) with a non-literal value: check it by hand")
            else:
                owner = self.functions[-1].name.value if self.functions else "this code"
                self._note(
                    original,
                    f"{owner} tests the flag {'off' if self.keep_on else 'on'}, the removed behaviour: delete it",
                )
            items.append(item)
        if len(items) == len(updated.items):
            return updated
        if not items:
            return self._flatten(updated, list(_statements(updated.body)), updated.body)
        items[-1] = items[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(items=items)


def _tidy_module_start(original: cst.Module, updated: cst.Module) -> cst.Module:
    """A module whose first statements went does not start with blank lines (after a header comment, it may)."""
    if _header_has_comments(updated):
        return updated  # blank lines after a module's opening comments are deliberate
    if original.body and updated.body and updated.body[0] is not original.body[0]:
        first = _trim_leading_blank_lines(updated.body[0], getattr(original.body[0], "leading_lines", ()))
        return updated.with_changes(body=[first, *updated.body[1:]])
    return updated


def _header_has_comments(module: cst.Module) -> bool:
    return any(line.comment is not None for line in module.header)


def _trim_leading_blank_lines(statement: cst.BaseStatement, allowed: Sequence[cst.EmptyLine]) -> cst.BaseStatement:
    """A block's new first statement starts with no more blank lines than the old first one had."""
    lines = list(getattr(statement, "leading_lines", ()))
    allowance = sum(1 for line in allowed if line.comment is None)
    while lines and lines[0].comment is None and sum(1 for line in lines if line.comment is None) > allowance:
        lines.pop(0)
    if len(lines) == len(getattr(statement, "leading_lines", ())):
        return statement
    return statement.with_changes(leading_lines=lines)


def _statements(block: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    if isinstance(block, cst.IndentedBlock):
        return block.body
    if isinstance(block, cst.SimpleStatementSuite):
        return [cst.SimpleStatementLine(body=list(block.body))]
    return []


def _exits(statement: cst.BaseStatement) -> bool:
    """An unconditional return / raise / continue / break."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    return any(isinstance(small, (cst.Return, cst.Raise, cst.Continue, cst.Break)) for small in statement.body)


def _has_yield(node: cst.CSTNode) -> bool:
    class Finder(cst.CSTVisitor):
        found = False

        def visit_Yield(self, node: cst.Yield) -> None:
            Finder.found = True

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_Lambda(self, node: cst.Lambda) -> bool:
            return False

    Finder.found = False
    node.visit(Finder())
    return Finder.found


def _last_name(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return ""


def _declared(function: cst.FunctionDef) -> Set[str]:
    """Names a function declares global or nonlocal."""
    names: Set[str] = set()

    class Declarations(cst.CSTVisitor):
        def visit_Global(self, node: cst.Global) -> None:
            names.update(item.name.value for item in node.names)

        def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
            names.update(item.name.value for item in node.names)

    function.visit(Declarations())
    return names


def _shallow_statements(block: cst.BaseSuite) -> List[cst.BaseStatement]:
    """The statements of a block and of the blocks nested in it, not those of nested functions or classes."""
    found: List[cst.BaseStatement] = []
    for statement in _statements(block):
        found.append(statement)
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            continue
        stack: List[cst.CSTNode] = list(statement.children)
        while stack:
            child = stack.pop(0)
            if isinstance(child, cst.BaseSuite):
                found.extend(_shallow_statements(child))
            elif isinstance(child, (cst.If, cst.Else, cst.Finally, cst.ExceptHandler)):
                stack.extend(child.children)
    return found


def _walruses(block: cst.BaseSuite) -> List[cst.NamedExpr]:
    found: List[cst.NamedExpr] = []

    class Finder(cst.CSTVisitor):
        def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
            found.append(node)

        def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
            return False

        def visit_ClassDef(self, node: cst.ClassDef) -> bool:
            return False

    block.visit(Finder())
    return found


class _Materialise(cst.CSTTransformer):
    """Write the markers that could not be folded as ``True`` / ``False``, noting the ones users should look at."""

    METADATA_DEPENDENCIES = (ParentNodeProvider, PositionProvider)

    def __init__(self, path: str, notes: List[Note]):
        super().__init__()
        self.path = path
        self.notes = notes

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        value = marker_value(original)
        if value is None:
            return updated
        parent = self.get_metadata(ParentNodeProvider, original, None)
        plain = (cst.Return, cst.Assign, cst.AnnAssign, cst.Arg, cst.Element, cst.DictElement)
        line = self.get_metadata(PositionProvider, original).start.line
        noted = any(note.line == line for note in self.notes)
        if not isinstance(parent, plain) and not noted:
            self.notes.append(Note(self.path, line, f"the flag's check became the constant {value}: simplify by hand"))
        return updated.with_changes(value="True" if value else "False")


def _import_uses(wrapper: cst.MetadataWrapper) -> Dict[str, int]:
    """How often each name bound by an import is used, over every scope of a module."""
    scopes = set(wrapper.resolve(ScopeProvider).values())
    uses: Dict[str, int] = {}
    for scope in scopes:
        if scope is None:
            continue
        for assignment in scope.assignments:
            node = getattr(assignment, "node", None)
            if isinstance(node, (cst.Import, cst.ImportFrom)):
                uses[assignment.name] = uses.get(assignment.name, 0) + len(assignment.references)
    return uses


class _DropImports(cst.CSTTransformer):
    """Remove the import names the rewrite left unused (and only those), and imports left empty."""

    def __init__(self, names: Set[str]):
        super().__init__()
        self.names = names

    def _bound(self, alias: cst.ImportAlias) -> str:
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            return alias.asname.name.value
        name = alias.name
        while isinstance(name, cst.Attribute):
            name = name.value  # type: ignore[assignment]
        return name.value if isinstance(name, cst.Name) else ""

    def leave_Import(self, original: cst.Import, updated: cst.Import) -> Union[cst.Import, cst.RemovalSentinel]:
        kept = [alias for alias in updated.names if self._bound(alias) not in self.names]
        if not kept:
            return cst.RemovalSentinel.REMOVE
        if len(kept) != len(updated.names):
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return updated.with_changes(names=kept)
        return updated

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        return _tidy_module_start(original, updated)

    def leave_ImportFrom(
        self, original: cst.ImportFrom, updated: cst.ImportFrom
    ) -> Union[cst.ImportFrom, cst.RemovalSentinel]:
        if isinstance(updated.names, cst.ImportStar):
            return updated
        kept = [alias for alias in updated.names if self._bound(alias) not in self.names]
        if not kept:
            return cst.RemovalSentinel.REMOVE
        if len(kept) != len(updated.names):
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            if updated.lpar is not None and len(kept) == 1:
                return updated.with_changes(names=kept, lpar=None, rpar=None)
            return updated.with_changes(names=kept)
        return updated


def _manual(role: Optional[Role]) -> str:
    """Why a call of this role is left to the user."""
    if role == "model":
        return "it creates, reads or deletes the object in the database (a data migration or a script)"
    if role == "set":
        return "it stores a value for the current user"
    if role == "toggle":
        return "an edx-toggles object: remove the toggle definition and its uses by hand"
    if role == "command":
        return "a waffle management command creates, changes or deletes the object: remove it by hand"
    return "rewrite by hand"
