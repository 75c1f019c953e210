"""Newer Python grammar read on every supported Python, with exact lines and columns (issue 8, item 2).

The fixture project ``fixtures/collect/grammar/`` holds files in 3.10-3.14 syntax; each states every reference it
holds as ``expect: KIND NAME @COLUMN`` (or ``KIND ? PATTERN @COLUMN``) on the reference's line. The same files must
give the same references on every Python: CI runs this module on 3.9, 3.11 and 3.13, and the fallback parser is
also compared, node for node and position for position, with the tree a newer `ast` builds (golden outlines).
"""

from __future__ import annotations

import ast
import os
import re
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import pytest

from flaglint.collect.python import grammar
from flaglint.collect.python.parse import parse
from flaglint.config import load_settings
from flaglint.model import ScanResult
from flaglint.scan import scan

PROJECT = Path(__file__).resolve().parent.parent / "fixtures" / "collect" / "grammar"
FILES = sorted(p.relative_to(PROJECT).as_posix() for p in (PROJECT / "app").glob("*.py"))
_MARKER = re.compile(r"#\s*expect:(?P<body>.*)$")
_SCAN: Dict[str, ScanResult] = {}

Positioned = Tuple[int, int, str, str]  # line, column, kind, name or "? pattern"


def scanned() -> ScanResult:
    if "result" not in _SCAN:
        here = os.getcwd()
        os.chdir(PROJECT)
        try:
            _SCAN["result"] = scan(load_settings("."), jobs=1)
        finally:
            os.chdir(here)
    return _SCAN["result"]


def expected(path: str) -> Set[Positioned]:
    """The ``expect: KIND NAME @COLUMN`` items of a fixture file."""
    found: Set[Positioned] = set()
    for number, line in enumerate((PROJECT / path).read_text(encoding="utf-8").split("\n"), start=1):
        marker = _MARKER.search(line)
        if marker is None:
            continue
        for item in marker.group("body").split(";"):
            match = re.fullmatch(r"\s*(flag|switch|sample)\s+(.+?)\s+@(\d+)\s*", item)
            if match is None:
                raise ValueError(f"{path}:{number}: malformed expectation {item!r}")
            found.add((number, int(match.group(3)), match.group(1), match.group(2)))
    return found


@pytest.mark.parametrize("path", [p for p in FILES if p not in ("app/__init__.py", "app/python2.py", "app/broken.py")])
def test_every_reference_at_its_line_and_column(path: str) -> None:
    references = {
        (r.line, r.column, r.kind, r.name if r.name is not None else f"? {r.pattern}")
        for r in scanned().references
        if r.path == path
    }
    assert expected(path), "each grammar fixture states references"
    assert references == expected(path)


def test_what_no_supported_grammar_accepts_is_still_fl001_with_its_position() -> None:
    problems = {p.path: p for p in scanned().problems}
    assert set(problems) == {"app/python2.py", "app/broken.py"}
    python2, broken = problems["app/python2.py"], problems["app/broken.py"]
    assert (python2.code, python2.line) == ("FL001", 6) and python2.column >= 5
    assert "Python 2" in python2.message
    # at the unclosed "(" (3.10+) or where 3.9's parser gives up on it: not at the 3.12 ``type`` line before it
    assert broken.code == "FL001" and (broken.line, broken.column) in ((7, 9), (8, 5))
    assert not [r for r in scanned().references if r.path in problems]


def outline(node: Any) -> Any:
    """A tree as nested tuples with every position, the same on every Python (`alias` has positions since 3.10)."""
    if isinstance(node, list):
        return [outline(item) for item in node]
    if not isinstance(node, ast.AST):
        return node
    fields = tuple(
        (name, outline(getattr(node, name, None)))
        for name in node._fields
        if name not in ("ctx", "type_comment", "kind", "type_ignores", "type_params")
        and getattr(node, name, None) not in (None, [])
    )
    positions: Tuple[Optional[int], ...] = ()
    if not isinstance(node, ast.alias):
        names = ("lineno", "col_offset", "end_lineno", "end_col_offset")
        positions = tuple(getattr(node, name, None) for name in names)
    return (type(node).__name__, fields, positions)


def golden(path: str) -> List[str]:
    """The outline the newest Python's own `ast` gives, one statement a line (written with `write_golden`)."""
    return (PROJECT / "golden" / (Path(path).stem + ".outline")).read_text(encoding="utf-8").splitlines()


def write_golden(path: str) -> None:  # pragma: no cover - run by hand on the newest Python to refresh
    tree = ast.parse((PROJECT / path).read_text(encoding="utf-8"))
    lines = [repr(outline(statement)) for statement in tree.body]
    (PROJECT / "golden" / (Path(path).stem + ".outline")).write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("path", ["app/fstrings.py", "app/typing_syntax.py"])
@pytest.mark.parametrize("version", [(3, 9), (3, 11)])
def test_the_rewrite_builds_the_tree_a_newer_ast_builds(path: str, version: Tuple[int, int]) -> None:
    tree = grammar.parse_newer((PROJECT / path).read_text(encoding="utf-8"), path, version=version)
    assert isinstance(tree, ast.Module)
    assert [repr(outline(statement)) for statement in tree.body] == golden(path)


def test_a_file_the_running_ast_accepts_never_reaches_the_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> ast.AST:
        raise AssertionError("the fallback ran")

    monkeypatch.setattr(sys.modules["flaglint.collect.python.parse"], "parse_newer", refuse)
    assert isinstance(parse("x = f'{a}'\n", "ok.py"), ast.Module)


def positions_of(source: str, kind: type, version: Tuple[int, int] = (3, 9)) -> List[Tuple[int, int, int, int]]:
    tree = grammar.parse_newer(source, version=version)
    return [
        (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        for node in ast.walk(tree)
        if isinstance(node, kind)
    ]


def test_columns_are_utf8_bytes_after_a_rewritten_f_string_holding_non_ascii() -> None:
    source = "x = f'{'é'}'; y = 1\n"
    start, end = len("x = f'{'é'}'; ".encode()), len("x = f'{'é'}'; y".encode())
    assert positions_of(source, ast.Name)[1] == (1, start, 1, end)


def test_crlf_line_endings_and_line_breaks_in_fields() -> None:
    source = "a = f'''{\r\n  b['k'] # note\r\n}'''\r\nc = d\r\n"
    assert (2, 2, 2, 8) in positions_of(source, ast.Subscript)
    assert {(4, 0, 4, 1), (4, 4, 4, 5), (2, 2, 2, 3)} <= set(positions_of(source, ast.Name))
    tree = grammar.parse_newer(source, version=(3, 9))
    assert [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)] == ["k"]


def test_literal_parts_are_decoded_like_pythons_own() -> None:
    source = "v = f'a\\t{{b}}\\N{BULLET}{c!r:>{w}}é' rf'\\d{e}'\n"
    tree = grammar.parse_newer(source, version=(3, 9))
    joined = next(node for node in ast.walk(tree) if isinstance(node, ast.JoinedStr))
    parts = [part.value if isinstance(part, ast.Constant) else type(part).__name__ for part in joined.values]
    assert parts == ["a\t{b}\N{BULLET}", "FormattedValue", "é\\d", "FormattedValue"]
    assert compile(tree, "<test>", "exec")  # the rebuilt tree is a valid module for the running interpreter


@pytest.mark.parametrize(
    "source",
    [
        "x = f'{a\n",  # unterminated
        "x = f'{}'\n",  # empty field
        "x = f'{a!x}'\n",  # bad conversion
        "print 'hello'\n",  # Python 2: nothing to rewrite
    ],
)
def test_what_the_rewrite_cannot_read_raises_syntax_error(source: str) -> None:
    with pytest.raises(SyntaxError):
        grammar.parse_newer(source, version=(3, 9))
    with pytest.raises(SyntaxError):
        parse(source, "bad.py")


def test_a_syntax_error_inside_a_rewritten_field_is_reported_where_it_stands_in_the_file() -> None:
    source = "x = 1\ny = f'{table['k']} {a b}'\n"
    with pytest.raises(SyntaxError) as raised:
        grammar.parse_newer(source, version=(3, 9))
    at_a, at_b = len("y = f'{table['k']} {a"), len("y = f'{table['k']} {a b")
    assert (raised.value.lineno, raised.value.offset) in ((2, at_a), (2, at_b))  # 3.10+ say `a`, 3.9 says `b`
    with pytest.raises(SyntaxError) as raised:
        parse(source, "bad.py")
    assert raised.value.lineno == 2


def test_pep_758_except_keeps_the_inline_body_column_and_the_tuple_spans_the_types() -> None:
    source = "try:\n    pass\nexcept A, B: c\n"
    assert positions_of(source, ast.Tuple, version=(3, 13)) == [(3, 7, 3, 11)]
    assert positions_of(source, ast.Name, version=(3, 13))[-1] == (3, 13, 3, 14)


def test_match_on_39_keeps_subject_guard_and_body_and_leaves_match_as_a_name_alone() -> None:
    source = "match = m\nmatch(x)\nmatch a, b:\n    case [p, *q] if g(p):\n        h()\n    case _:\n        i()\n"
    tree = grammar.parse_newer(source, version=(3, 9))
    calls = sorted((node.lineno, node.col_offset) for node in ast.walk(tree) if isinstance(node, ast.Call))
    assert calls == [(2, 0), (4, 20), (5, 8), (7, 8)]
    assert [type(node).__name__ for node in tree.body] == ["Assign", "Expr", "If"]  # type: ignore[attr-defined]
