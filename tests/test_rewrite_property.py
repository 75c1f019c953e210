"""Property: a rewritten function returns what the original returns with the flag fixed, for every input.

Hypothesis generates ``if``/``elif``/``else`` chains, ``and``/``or``/``not`` and conditional expressions mixing the
flag's check with other conditions and with calls that have side effects; both versions run for all values of
the other conditions, and their results and the calls they make must agree.
"""

from __future__ import annotations

import itertools
import os
from typing import Any, Callable, Dict, List

from hypothesis import given, settings
from hypothesis import strategies as st

from flaglint.catalogue import Catalogue
from flaglint.collect.python import collect_python
from flaglint.resolve import Project
from flaglint.rewrite.python import rewrite_python
from flaglint.model import Failed, Rewritten

FLAG = 'flag_is_active(request, "retired")'
OTHERS = ["a", "b", "c", "load(1)", "load(0)"]


def expressions(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from([FLAG, FLAG, *OTHERS])
    if depth == 0:
        return leaves
    inner = expressions(depth - 1)
    return st.one_of(
        leaves,
        inner.map(lambda e: f"not ({e})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]} and {p[1]})"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]} or {p[1]})"),
        st.tuples(inner, inner, inner).map(lambda p: f"({p[0]} if {p[1]} else {p[2]})"),
    )


@st.composite
def functions(draw: Callable[..., Any]) -> str:
    """A module with one function `f` using the flag in tests and values."""
    shape = draw(st.sampled_from(["chain", "return", "stored", "assign_then_if"]))
    e = [draw(expressions(2)) for _ in range(3)]
    lines = ["from waffle import flag_is_active", "", "", "def f(request, a, b, c, load):"]
    if shape == "chain":
        branches = draw(st.integers(min_value=1, max_value=3))
        lines.append(f"    if {e[0]}:")
        lines.append("        return 'first'")
        for index in range(1, branches):
            lines.append(f"    elif {e[index]}:")
            lines.append(f"        return 'branch{index}'")
        if draw(st.booleans()):
            lines.append("    else:")
            lines.append("        return 'else'")
        lines.append("    return 'after'")
    elif shape == "return":
        lines.append(f"    return {e[0]}")
    elif shape == "stored":
        lines.append(f"    enabled = {FLAG}")
        lines.append(f"    if enabled and ({e[1]}):")
        lines.append("        return 'yes'")
        lines.append("    return enabled")
    else:
        lines.append(f"    value = {e[0]}")
        lines.append(f"    if {e[1]}:")
        lines.append("        load(2)")
        lines.append("    return value")
    return "\n".join(lines) + "\n"


def run(source: str, flag_value: bool, a: bool, b: bool, c: bool) -> Any:
    calls: List[int] = []

    def load(n: int) -> bool:
        calls.append(n)
        return bool(n)

    # waffle's import is replaced by a stub answering the fixed value (the rewritten code may no longer import it)
    body = source.replace("from waffle import flag_is_active\n", "\n")
    namespace: Dict[str, Any] = {"flag_is_active": lambda request, name: flag_value}
    exec(compile(body, "<generated>", "exec"), namespace)
    result = namespace["f"](None, a, b, c, load)
    return result, calls


def rewrite(source: str, keep_on: bool) -> str:
    catalogue = Catalogue()
    summary = collect_python("gen.py", source.encode(), module="gen", test=False, catalogue=catalogue)
    project = Project([summary], catalogue)
    references = [r for pending in summary.references for r in project.resolve(pending) if r.name == "retired"]
    outcome = rewrite_python("gen.py", source.encode(), references, keep_on)
    assert not isinstance(outcome, Failed), outcome
    return outcome.after.decode() if isinstance(outcome, Rewritten) else source


@settings(max_examples=int(os.environ.get("FLAGLINT_EXAMPLES", "300")), deadline=None)
@given(functions(), st.booleans())
def test_rewritten_code_behaves_like_the_original_with_the_flag_fixed(source: str, keep_on: bool) -> None:
    rewritten = rewrite(source, keep_on)
    if "flag_is_active" not in rewritten:
        assert "import" not in rewritten.split("def f")[0]  # the import went with the last use
    for a, b, c in itertools.product([False, True], repeat=3):
        expected = run(source, keep_on, a, b, c)
        actual = run(rewritten, keep_on, a, b, c)
        assert actual == expected, f"\n--- original\n{source}\n--- rewritten\n{rewritten}\n(a, b, c) = {(a, b, c)}"


# --- every output compiles: multi-line, parenthesised, nested and mixed conditions in every statement position ---

OPERANDS = [FLAG, 'not flag_is_active(request, "retired")', "a", "b.c", "load(1)", "check(\n        request\n    )"]


def conditions(depth: int) -> st.SearchStrategy[str]:
    """Conditions as people write them: split over lines inside parentheses, with comments and odd spacing."""
    leaves = st.sampled_from(OPERANDS)
    if depth == 0:
        return leaves
    inner = conditions(depth - 1)
    joiner = st.sampled_from([" and ", " or ", "\n    and ", "\n    or ", "  # why\n    or ", " and\n    "])
    operator = st.sampled_from(["and", "or"])
    flat = st.tuples(operator, st.lists(inner, min_size=2, max_size=4), st.booleans()).map(
        lambda p: ("(\n    " + f"\n    {p[0]} ".join(p[1]) + "\n)") if p[2] else "(" + f" {p[0]} ".join(p[1]) + ")"
    )
    return st.one_of(
        leaves,
        inner.map(lambda e: f"not ({e})"),
        inner.map(lambda e: f"not {e}"),
        flat,
        st.tuples(inner, joiner, inner).map(lambda p: f"({p[0]}{p[1]}{p[2]})"),
        st.tuples(inner, joiner, inner).map(lambda p: f"(\n    {p[0]}{p[1]}{p[2]}\n)"),
        st.tuples(inner, inner, inner).map(lambda p: f"({p[0]} if {p[1]} else {p[2]})"),
    )


POSITIONS = [
    "if {c}:\n    x = 1\n",
    "if a:\n    pass\nelif {c}:\n    x = 2\nelse:\n    x = 3\n",
    "while {c}:\n    break\n",
    "assert {c}\n",
    "return {c}\n",
    "value = {c}\n",
    "value = [i for i in items if {c}]\n",
    "value = 1 if {c} else 2\n",
    "with guard({c}):\n    pass\n",
    "if {c}:\n    return 1\nreturn 2\n",
    "for item in items:\n    if {c}:\n        continue\n    x = item\n",
]


@st.composite
def modules(draw: Callable[..., Any]) -> str:
    """A function whose body puts generated conditions in several statement positions."""
    lines = ["from waffle import flag_is_active", "", "", "def f(request, a, b, items, load, check, guard):"]
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        template = draw(st.sampled_from(POSITIONS))
        condition = draw(conditions(3))
        block = template.format(c=condition)
        lines.extend("    " + line if line else line for line in block.splitlines())
    lines.append("    return None")
    return "\n".join(lines) + "\n"


@settings(max_examples=int(os.environ.get("FLAGLINT_EXAMPLES", "300")), deadline=None)
@given(modules(), st.booleans())
def test_every_rewrite_compiles(source: str, keep_on: bool) -> None:
    compile(source, "<generated>", "exec")  # the generator writes valid code
    rewritten = rewrite(source, keep_on)
    compile(rewritten, "<rewritten>", "exec")
