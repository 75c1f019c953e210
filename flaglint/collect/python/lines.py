"""Which lines of a module can hold a reference, so the reference pass skips every statement that cannot.

A reference needs a name on its lines: one of the catalogue's words (waffle's functions, decorators, mixin
attributes, configured wrappers, derived re-exports), a model (waffle's, the project's, this module's own), the
``get_model``/``get_waffle_*_model`` helpers, or a name this module binds to any of those (``fia =
waffle.flag_is_active``, ``Flag = apps.get_model("waffle", "Flag")``, ``model = TeamFlag``), found to a fixed point.
Matching is by substring for the words (a superset is cheap and safe) and by whole word for the bound names.
"""

from __future__ import annotations

import ast
import functools
import re
from bisect import bisect_left, bisect_right
from typing import FrozenSet, Iterable, Iterator, List, Sequence, Set, Tuple

_BINDINGS = (ast.Assign, ast.AnnAssign, ast.Import, ast.ImportFrom, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith)
_WALRUS = re.compile(r"(\w+)\s*:=")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class Lines:
    """The sorted line numbers that can hold a reference; `touches` asks about a node's line range."""

    def __init__(self, numbers: Sequence[int]) -> None:
        self.numbers = list(numbers)

    def touches(self, node: ast.AST) -> bool:
        """Whether any line of `node` (its decorators included) can hold a reference."""
        start = getattr(node, "lineno", None)
        if start is None:
            return True
        for decorator in getattr(node, "decorator_list", ()):
            start = min(start, decorator.lineno)
        return self.within(start, getattr(node, "end_lineno", None) or start)

    def within(self, start: int, end: int) -> bool:
        """Whether any line from `start` to `end` can hold a reference."""
        index = bisect_left(self.numbers, start)
        return index < len(self.numbers) and self.numbers[index] <= end


def interesting_lines(tree: ast.Module, text: str, words: FrozenSet[str]) -> Lines:
    """The lines of `text` that hold a word or a name the module binds to one (to a fixed point)."""
    starts = [0] + [match.end() for match in _LINE_BREAK.finditer(text)]  # lines as `ast` counts them
    statements = [(node, _span(node)) for node in _statements(tree.body) if isinstance(node, _BINDINGS)]
    present = tuple(sorted((word for word in words if word in text), key=len, reverse=True))  # few, in a file
    found = _line_numbers(_alternatives(present), text, starts)
    walrus = ":=" in text
    names: Set[str] = set()
    added: Set[int] = set()
    while True:
        lines = Lines(sorted(found))
        new: Set[str] = set()
        for index, (node, (start, end)) in enumerate(statements):
            if index not in added and lines.within(start, end):
                added.add(index)
                new.update(_bound(node, present, names))
        if walrus:
            for number in lines.numbers:
                new.update(_WALRUS.findall(_line(text, starts, number)))
        new = {name for name in new - names if name.isidentifier()}
        if not new:
            return lines
        names |= new
        for name in new:
            found |= _word_lines(name, text, starts)


def _line_numbers(pattern: "re.Pattern[str]", text: str, starts: List[int]) -> Set[int]:
    """The lines holding a match (one search per line that has one, not one per match)."""
    found: Set[int] = set()
    search = pattern.search
    position = 0
    while True:
        match = search(text, position)
        if match is None:
            return found
        line = bisect_right(starts, match.start())
        found.add(line)
        position = starts[line] if line < len(starts) else len(text)


@functools.lru_cache(maxsize=64)
def _alternatives(words: Tuple[str, ...]) -> "re.Pattern[str]":
    return re.compile("|".join(re.escape(word) for word in words) or "(?!)")


def _word_lines(name: str, text: str, starts: List[int]) -> Set[int]:
    """The lines where `name` stands as a whole word."""
    found: Set[int] = set()
    size = len(name)
    position = text.find(name)
    while position >= 0:
        before = text[position - 1] if position else " "
        after = text[position + size] if position + size < len(text) else " "
        if not (before.isalnum() or before == "_" or after.isalnum() or after == "_"):
            found.add(bisect_right(starts, position))
        position = text.find(name, position + size)
    return found


def _line(text: str, starts: List[int], number: int) -> str:
    end = starts[number] if number < len(starts) else len(text)
    return text[starts[number - 1] : end]


def _mentions(dotted: str, words: Sequence[str], names: Set[str]) -> bool:
    return any(word in dotted for word in words) or any(part in names for part in dotted.split("."))


def _span(node: ast.stmt) -> Tuple[int, int]:
    return node.lineno, node.end_lineno or node.lineno


def _statements(body: Iterable[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement, nested ones included (bodies of compound statements, functions and classes)."""
    stack = list(body)
    while stack:
        node = stack.pop()
        yield node
        for block in ("body", "orelse", "finalbody"):
            stack.extend(getattr(node, block, ()) or ())
        for handler in getattr(node, "handlers", ()) or ():
            stack.extend(handler.body)
        for case in getattr(node, "cases", ()) or ():
            stack.extend(case.body)


def _bound(node: ast.stmt, words: Sequence[str], names: Set[str]) -> Iterator[str]:
    """The names a binding statement binds to something that can lead to a reference.

    An import binds a name that way when the name, or the module it comes from, holds a word or a name already
    found (``from waffle.models import Flag``, ``from app.compat import is_on``); the other names an import of
    ``get_object_or_404`` binds (``render``) do not. An assignment binds all its targets.
    """
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        source = node.module or "" if isinstance(node, ast.ImportFrom) else ""
        whole = _mentions(source, words, names)
        for alias in node.names:
            if alias.name != "*" and (whole or _mentions(alias.name, words, names)):
                yield alias.asname or alias.name.partition(".")[0]
        return
    targets: List[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        targets = [node.target]
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        targets = [item.optional_vars for item in node.items if item.optional_vars is not None]
    while targets:
        target = targets.pop()
        if isinstance(target, ast.Name):
            yield target.id
        elif isinstance(target, ast.Attribute):
            yield target.attr  # self.model = Flag: ``self.model.objects`` names the model
        elif isinstance(target, (ast.Tuple, ast.List)):
            targets.extend(target.elts)
        elif isinstance(target, ast.Starred):
            targets.append(target.value)
