"""Folding a retired flag's checks out of conditions: markers for the checked calls, then ``not``/``and``/``or``.

A checked call becomes a constant marker; `fold_test` folds markers through a condition, keeping every call that
ran in the original (hoisted to run first) and never dropping one that ran only sometimes. The helpers keep the
result valid where it lands: parentheses an operator needs, and those a multi-line part needs to stand alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Optional

import libcst as cst

_ON = "__flaglint_on__"


_OFF = "__flaglint_off__"


def marker(value: bool) -> cst.Name:
    return cst.Name(_ON if value else _OFF)


def marker_value(node: cst.BaseExpression) -> Optional[bool]:
    """True/False for a marker (parentheses allowed), None for anything else."""
    if isinstance(node, cst.Name) and node.value in (_ON, _OFF):
        return node.value == _ON
    return None


def has_call(node: cst.CSTNode) -> bool:
    """Whether evaluating `node` may run code (a call, an await, a yield, a walrus): then it must not be dropped."""
    finder = _CallFinder()
    node.visit(finder)
    return finder.found


class _CallFinder(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def _runs_code(self, node: cst.CSTNode) -> bool:
        self.found = True
        return False

    visit_Call = visit_Await = visit_Yield = visit_NamedExpr = _runs_code


def paren(node: cst.BaseExpression) -> cst.BaseExpression:
    """`node` in parentheses when it is an operator expression that could bind differently where it lands."""
    loose = (cst.BooleanOperation, cst.IfExp, cst.Lambda, cst.NamedExpr, cst.UnaryOperation, cst.Comparison)
    if isinstance(node, loose) and not node.lpar:
        return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return node


def strip_parens(node: cst.BaseExpression) -> cst.BaseExpression:
    if getattr(node, "lpar", None):
        return node.with_changes(lpar=[], rpar=[])
    return node


def literal_truth(node: cst.BaseExpression) -> Optional[bool]:
    """The truth of a literal ``True``/``False``/``None``/number, or None when it is not a literal."""
    node = strip_parens(node)
    if isinstance(node, cst.Name) and node.value in ("True", "False", "None"):
        return node.value == "True"
    if isinstance(node, (cst.Integer, cst.Float)):
        return float(node.value.replace("_", "")) != 0.0
    return None


@dataclass
class Folded:
    """A test expression after folding: a constant, or an expression; plus calls that must still run first."""

    constant: Optional[bool]
    expression: Optional[cst.BaseExpression]
    hoisted: List[cst.BaseExpression] = field(default_factory=list)


def fold_test(node: cst.BaseExpression) -> Folded:
    """Fold markers in a condition (only its truth matters).

    Code that ran in the original and would be dropped by folding is returned as `hoisted`: expressions that run
    first, unconditionally, in order. Code that ran only sometimes is never hoisted: such a condition is kept.
    """
    value = marker_value(node)
    if value is not None:
        return Folded(value, None)
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Not):
        inner = fold_test(node.expression)
        if inner.constant is not None:
            return Folded(not inner.constant, None, inner.hoisted)
        assert inner.expression is not None
        if inner.expression is node.expression:
            return Folded(None, node, inner.hoisted)
        return Folded(None, node.with_changes(expression=paren(inner.expression)), inner.hoisted)
    if isinstance(node, cst.BooleanOperation):
        absorbing = not isinstance(node.operator, cst.And)  # False absorbs "and", True absorbs "or"
        left, right = fold_test(node.left), fold_test(node.right)
        if left.constant is not None:
            if left.constant == absorbing:
                return Folded(absorbing, None, left.hoisted)  # the right side never ran
            return Folded(right.constant, right.expression, left.hoisted + right.hoisted)
        assert left.expression is not None
        if right.hoisted:
            return Folded(None, node)  # the right side runs code only when the left one lets it: keep it all
        if right.constant is not None:
            if right.constant == absorbing:
                # the left side ran and its value no longer matters: keep it only if it can run code
                ran = [left.expression] if has_call(left.expression) else []
                return Folded(absorbing, None, left.hoisted + ran)
            return Folded(None, keep_parens(node, left.expression), left.hoisted)
        assert right.expression is not None
        if left.expression is node.left and right.expression is node.right:
            return Folded(None, node, left.hoisted)
        changed = node.with_changes(left=paren_operand(left.expression), right=paren_operand(right.expression))
        return Folded(None, changed, left.hoisted)
    return Folded(None, node)


def paren_operand(node: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(node, (cst.BooleanOperation, cst.IfExp, cst.Lambda, cst.NamedExpr)) and not node.lpar:
        return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return node


_LOOSE = (
    cst.BooleanOperation,
    cst.IfExp,
    cst.Lambda,
    cst.NamedExpr,
    cst.UnaryOperation,
    cst.Comparison,
    cst.BinaryOperation,
)


def keep_parens(original: cst.BaseExpression, replacement: cst.BaseExpression) -> cst.BaseExpression:
    """Carry the parentheses around `original` over to the expression replacing it, when it still needs them."""
    if getattr(original, "lpar", None) and not getattr(replacement, "lpar", None) and isinstance(replacement, _LOOSE):
        return replacement.with_changes(lpar=original.lpar, rpar=original.rpar)
    return replacement


def as_test(original: cst.BaseExpression, folded: cst.BaseExpression) -> cst.BaseExpression:
    """A folded condition for an ``if``/``while``/``assert``: no parentheses the original condition did not have."""
    if folded is not original and not getattr(original, "lpar", None):
        return standalone(strip_parens(folded))
    return standalone(folded)


def standalone(node: cst.BaseExpression) -> cst.BaseExpression:
    """`node` fit to stand alone in a statement: an expression that spans lines needs its own parentheses.

    Folding a parenthesised multi-line condition can leave a part of it (``a\n or b``) outside the parentheses
    that let it span lines; written as it is, that part would not parse.
    """
    if getattr(node, "lpar", None) or "\n" not in _EMPTY.code_for_node(node):
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def run_first(expression: cst.BaseExpression) -> cst.SimpleStatementLine:
    """A statement that evaluates a hoisted expression (a call that ran before the flag's check)."""
    return cst.SimpleStatementLine(body=[cst.Expr(value=standalone(expression))])


_EMPTY = cst.Module(body=[])
