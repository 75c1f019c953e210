"""Newer Python grammar on an older interpreter: rewrite what the running `ast` lacks, keeping every position.

Used only when the running interpreter's `ast.parse` rejects a file (the fast path stays `ast.parse`). The source
is scanned without `tokenize` (3.9-3.11 cannot tokenize PEP 701 f-strings), then the constructs the running
Python lacks are rewritten into older syntax of the same length in UTF-8 bytes on every line, so every line and
column `ast` reports is the one of the original file:

- PEP 701 f-strings (3.12: nested quotes, backslashes, comments, line breaks in replacement fields) and PEP 750
  t-strings (3.14): the whole implicitly concatenated string group becomes a placeholder ``(0   )``; each
  replacement field is parsed on its own and the `JoinedStr` (`TemplateStr`) is rebuilt at the original offsets,
  as 3.13's `ast` builds it;
- PEP 695/696 (3.12/3.13): ``type X[T] = V`` becomes ``0 or X    , V`` and is rebuilt as a `TypeAlias`; type
  parameter lists of ``def``/``class`` are blanked (a line break inside one becomes a backslash continuation);
- PEP 758 (3.14): ``except A, B:`` is parenthesized, using the blanks around the types (a column moves only when
  there is none); ``except*`` (3.11) becomes ``except`` on 3.9/3.10;
- ``match`` (3.10) on 3.9: ``match S:`` becomes ``if  (S):`` and each ``case P if G:`` an ``if`` on the guard
  (``if 1`` without one), so subjects, guards and bodies keep their references; patterns (which cannot hold a
  call, hence no reference) are blanked.

What still does not parse raises `SyntaxError`; the caller reports the interpreter's own error (FL001).
"""

from __future__ import annotations

import ast
import keyword
import re
import sys
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Set, Tuple, Union

__all__ = ["NothingToRewrite", "ScanError", "parse_newer"]

_PREFIXES = frozenset({"", "r", "u", "f", "b", "br", "rb", "fr", "rf", "t", "tr", "rt"})
_QUOTES = ("'''", '"""', "'", '"')
_NEWLINES = "\r\n"
_STRING_MASK = '"'


class _Missing:
    """The nodes of newer Pythons, for interpreters that lack them (same names: the collector goes by the name)."""

    class TemplateStr(ast.expr):
        """Python 3.14's ``ast.TemplateStr``: a t-string's parts."""

        _fields = ("values",)

    class Interpolation(ast.expr):
        """Python 3.14's ``ast.Interpolation``: one t-string replacement field."""

        _fields = ("value", "str", "conversion", "format_spec")

    class TypeAlias(ast.stmt):
        """Python 3.12's ``ast.TypeAlias``: ``type X = V``."""

        _fields = ("name", "type_params", "value")

    class TryStar(ast.stmt):
        """Python 3.11's ``ast.TryStar``: ``try`` with ``except*``."""

        _fields = ("body", "handlers", "orelse", "finalbody")


TemplateStr: Any = getattr(ast, "TemplateStr", _Missing.TemplateStr)
Interpolation: Any = getattr(ast, "Interpolation", _Missing.Interpolation)
TypeAlias: Any = getattr(ast, "TypeAlias", _Missing.TypeAlias)
TryStar: Any = getattr(ast, "TryStar", _Missing.TryStar)


class NothingToRewrite(SyntaxError):
    """The source holds none of the newer constructs: the running interpreter's error stands."""


class ScanError(SyntaxError):
    """The scan itself failed (an unterminated string ...): the running interpreter's error stands."""


def _error(message: str) -> SyntaxError:
    return ScanError(message)


# --- scanning: strings (f-strings with their fields), comments, brackets ---


@dataclass
class _Literal:
    start: int
    end: int


@dataclass
class _Field:
    start: int  # the "{"
    end: int  # after the "}"
    expr_start: int
    expr_end: int
    debug_end: Optional[int] = None  # after "=" and its blanks, for ``{x = }``
    conversion: Optional[str] = None
    spec_start: Optional[int] = None  # the ":"
    spec: List[Union[_Literal, "_Field"]] = field(default_factory=list)


@dataclass
class _Piece:
    start: int
    end: int
    prefix: str  # lower case
    quote: str
    parts: List[Union[_Literal, _Field]] = field(default_factory=list)

    @property
    def formatted(self) -> bool:
        return "f" in self.prefix or "t" in self.prefix

    @property
    def raw(self) -> bool:
        return "r" in self.prefix


@dataclass
class _Group:
    """Implicitly concatenated string literals."""

    pieces: List[_Piece]

    @property
    def start(self) -> int:
        return self.pieces[0].start

    @property
    def end(self) -> int:
        return self.pieces[-1].end


_INTERESTING = re.compile(r"[#'\"\\\r\n()\[\]{}]|[^\W\d]\w*")  # what the scan stops at (operators, digits: not)
_GAP = re.compile(r"(?:[ \t\f\r\n]|\\(?:\r\n|\r|\n)|#[^\r\n]*)*")  # between implicitly concatenated strings
_WORD = re.compile(r"\w*")


def _identifier_end(text: str, index: int) -> int:
    found = _WORD.match(text, index)
    return found.end() if found else index


def _starts_identifier(character: str) -> bool:
    return character == "_" or character.isidentifier()


class _Scanner:
    """One pass over the source: string groups (f-strings parsed into literals and fields) and a masked copy."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.masked = list(text)
        self.groups: List[_Group] = []

    def scan(self) -> None:
        text = self.text
        index, depth = 0, 0
        group: Optional[List[_Piece]] = None
        search = _INTERESTING.search
        while True:
            found = search(text, index)
            if found is None:
                break
            index = found.start()
            character = text[index]
            if character == "\\":  # a continuation line (or a stray backslash: ``ast`` says what is wrong)
                index += 3 if text.startswith("\r\n", index + 1) else 2
                continue
            if character in _NEWLINES:
                if depth == 0:
                    self._closed(group)
                    group = None
                index += 1
                continue
            if character == "#":
                end = _line_end(text, index)
                self.masked[index:end] = " " * (end - index)
                index = end
                continue
            piece = self.string_at(index)
            if piece is not None:
                if group is not None and not _GAP.fullmatch(text, group[-1].end, piece.start):
                    self._closed(group)
                    group = None
                self.masked[piece.start : piece.end] = _STRING_MASK * (piece.end - piece.start)
                if group is None:
                    group = []
                group.append(piece)
                index = piece.end
                continue
            self._closed(group)
            group = None
            if character in "([{":
                depth += 1
            elif character in ")]}":
                depth = max(0, depth - 1)
            index = found.end()
        self._closed(group)

    def _closed(self, group: Optional[List[_Piece]]) -> None:
        """Record the group if it holds an f-string (or t-string); the caller starts none."""
        if group and any(piece.formatted for piece in group):
            self.groups.append(_Group(group))

    def string_at(self, index: int) -> Optional[_Piece]:
        """The string literal starting at `index` (prefix included), or None when none starts there."""
        text = self.text
        start = index
        if _starts_identifier(text[index]):
            end = _identifier_end(text, index)
            if end >= len(text) or text[end] not in "'\"" or text[index:end].lower() not in _PREFIXES:
                return None
            index = end
        elif text[index] not in "'\"":
            return None
        prefix = text[start:index].lower()
        quote = next(q for q in _QUOTES if text.startswith(q, index))
        piece = _Piece(start, start, prefix, quote)
        body = index + len(quote)
        if piece.formatted:
            piece.parts, close = self._formatted(body, quote, piece.raw, spec=False)
        else:
            close = self._plain(body, quote)
        piece.end = close + len(quote)
        return piece

    def _plain(self, index: int, quote: str) -> int:
        text, n = self.text, len(self.text)
        while index < n:
            if text[index] == "\\":
                index += 3 if text.startswith("\r\n", index + 1) else 2
                continue
            if text.startswith(quote, index):
                return index
            if len(quote) == 1 and text[index] in _NEWLINES:
                break
            index += 1
        raise _error("unterminated string literal")

    def _formatted(
        self, index: int, quote: str, raw: bool, spec: bool
    ) -> Tuple[List[Union[_Literal, _Field]], int]:
        """Literal text and replacement fields up to the closing quote (or, in a format spec, the ``}``)."""
        text, n = self.text, len(self.text)
        parts: List[Union[_Literal, _Field]] = []
        literal = index
        while index < n:
            character = text[index]
            if text.startswith(quote, index):
                if spec:
                    raise _error("f-string: expecting '}'")
                break
            if spec and character == "}":
                break
            if character == "\\":
                if not raw and text.startswith("N{", index + 1):
                    close = text.find("}", index)
                    if close < 0:
                        raise _error("malformed \\N character escape")
                    index = close + 1
                elif index + 1 < n and text[index + 1] in "{}":
                    index += 1
                else:
                    index += 3 if text.startswith("\r\n", index + 1) else 2
                continue
            if character == "{":
                if text.startswith("{{", index) and not spec:
                    index += 2
                    continue
                if literal < index:
                    parts.append(_Literal(literal, index))
                replacement = self._field(index, quote, raw)
                parts.append(replacement)
                index = literal = replacement.end
                continue
            if character == "}":
                if text.startswith("}}", index) and not spec:
                    index += 2
                    continue
                raise _error("f-string: single '}' is not allowed")
            if len(quote) == 1 and character in _NEWLINES:
                raise _error("unterminated f-string literal")
            index += 1
        else:
            raise _error("unterminated f-string literal")
        if literal < index:
            parts.append(_Literal(literal, index))
        return parts, index

    def _field(self, start: int, quote: str, raw: bool) -> _Field:
        """A replacement field from its ``{``: the expression, ``=``, ``!conversion``, ``:spec``, ``}``."""
        text, n = self.text, len(self.text)
        index = start + 1
        depth = 0
        while index < n:
            character = text[index]
            if character in " \t\f\r\n":
                index += 1
                continue
            if character == "\\":
                index += 3 if text.startswith("\r\n", index + 1) else 2
                continue
            if character == "#":
                index = _line_end(text, index)
                continue
            piece = self.string_at(index)
            if piece is not None:
                index = piece.end
                continue
            if _starts_identifier(character):
                index = _identifier_end(text, index)
                continue
            if character in "([{":
                depth += 1
            elif character in ")]":
                depth -= 1
            elif character == "}":
                if depth == 0:
                    return self._field_end(start, index, index, quote, raw)
                depth -= 1
            elif depth == 0 and character == "!" and not text.startswith("!=", index):
                return self._field_end(start, index, index, quote, raw)
            elif depth == 0 and character == ":":
                return self._field_end(start, index, index, quote, raw)
            elif (
                depth == 0
                and character == "="
                and not text.startswith("==", index)
                and text[index - 1] not in "=!<>"
            ):
                after = index + 1
                while after < n and text[after] in " \t\f\r\n":
                    after += 1
                return self._field_end(start, index, after, quote, raw, debug_end=after)
            index += 1
        raise _error("f-string: expecting '}'")

    def _field_end(
        self, start: int, expr_end: int, index: int, quote: str, raw: bool, debug_end: Optional[int] = None
    ) -> _Field:
        text = self.text
        if not text[start + 1 : expr_end].strip():
            raise _error("f-string: valid expression required before '}'")
        replacement = _Field(start, start, start + 1, expr_end, debug_end)
        if text.startswith("!", index):
            replacement.conversion = text[index + 1 : index + 2]
            if replacement.conversion not in ("s", "r", "a"):
                raise _error("f-string: invalid conversion character")
            index += 2
            while index < len(text) and text[index] in " \t\f\r\n":
                index += 1
        if text.startswith(":", index):
            replacement.spec_start = index
            replacement.spec, index = self._formatted(index + 1, quote, raw, spec=True)
        if not text.startswith("}", index):
            raise _error("f-string: expecting '}'")
        replacement.end = index + 1
        return replacement


def _line_end(text: str, index: int) -> int:
    while index < len(text) and text[index] not in _NEWLINES:
        index += 1
    return index


# --- positions ---


class _Positions:
    """Offsets in the text as `ast` positions: (1-based line, UTF-8 byte column)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [match.end() for match in re.finditer(r"\r\n|\r|\n", text)]

    def at(self, offset: int) -> Tuple[int, int]:
        low, high = 0, len(self.starts) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if self.starts[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return low + 1, len(self.text[self.starts[low] : offset].encode("utf-8"))


def _locate(node: ast.AST, positions: _Positions, start: int, end: int) -> Any:
    node.lineno, node.col_offset = positions.at(start)  # type: ignore[attr-defined]
    node.end_lineno, node.end_col_offset = positions.at(end)  # type: ignore[attr-defined]
    return node


def _blank(text: str, start: int, end: int, continuation: bool = True) -> str:
    """Blanks of the same UTF-8 length as ``text[start:end]``, line breaks kept (and continued with a backslash)."""
    out: List[str] = []
    for index in range(start, end):
        character = text[index]
        if character in _NEWLINES:
            out.append(character)
            continue
        width = len(character.encode("utf-8"))
        follows = text[index + 1] if index + 1 < len(text) else ""
        if continuation and follows and follows in _NEWLINES and index + 1 < end:
            out.append(" " * (width - 1) + "\\")
        else:
            out.append(" " * width)
    return "".join(out)


# --- the rewrite ---


@dataclass
class _Rewrite:
    text: str
    positions: _Positions
    edits: List[Tuple[int, int, str]] = field(default_factory=list)
    placeholders: Dict[Tuple[int, int], _Group] = field(default_factory=dict)
    aliases: Dict[Tuple[int, int], int] = field(default_factory=dict)  # statement position -> name offset
    parenthesized: Set[Tuple[int, int]] = field(default_factory=set)  # the "(" put around ``except A, B``
    starred: Set[Tuple[int, int]] = field(default_factory=set)  # ``except*`` handlers made plain ``except``
    version: Tuple[int, int] = (3, 9)  # the grammar of the interpreter that parses the rewrite


def parse_newer(
    text: str, path: str = "<unknown>", mode: str = "exec", version: Optional[Tuple[int, int]] = None
) -> ast.AST:
    """Parse `text` written for any supported Python on the running one; `SyntaxError` when it still does not parse.

    `version` is the grammar to rewrite for (the running interpreter's by default; tests pass an older one to
    compare the rebuilt tree with the one a newer interpreter's `ast` builds).
    """
    scanner = _Scanner(text)
    scanner.scan()
    rewrite = _Rewrite(text, _Positions(text), version=version or (sys.version_info[0], sys.version_info[1]))
    blanked = _statements(rewrite, "".join(scanner.masked))
    if rewrite.version < (3, 12) or any("t" in piece.prefix for group in scanner.groups for piece in group.pieces):
        for group in scanner.groups:
            if any(start <= group.start < end for start, end in blanked):
                continue
            if rewrite.version >= (3, 12) and not any("t" in piece.prefix for piece in group.pieces):
                continue
            rewrite.edits.append((group.start, group.end, _placeholder(text, group)))
            line, column = rewrite.positions.at(group.start)
            rewrite.placeholders[(line, column + 1)] = group
    if not rewrite.edits:
        raise NothingToRewrite("nothing to rewrite")
    source = _apply(text, rewrite.edits)
    tree = ast.parse(source, filename=path, mode=mode)
    rebuilt: ast.AST = _Rebuild(rewrite).visit(tree)
    return rebuilt


def _placeholder(text: str, group: _Group) -> str:
    """``(0`` blanks ``)``: one expression of the same UTF-8 length and line breaks as the string group."""
    second = len(text[group.start + 1].encode("utf-8"))
    return "(0" + " " * (second - 1) + _blank(text, group.start + 2, group.end - 1, continuation=False) + ")"


def _apply(text: str, edits: Sequence[Tuple[int, int, str]]) -> str:
    out: List[str] = []
    position = 0
    for start, end, replacement in sorted(edits):
        if start < position:
            continue  # overlapping: the first one wins
        out.append(text[position:start])
        out.append(replacement)
        position = end
    out.append(text[position:])
    return "".join(out)


_TYPE_ALIAS = re.compile(r"type[ \t]+(?P<name>[^\W\d]\w*)[ \t]*(?P<next>[\[=])")
_TYPE_PARAMS = re.compile(r"(?:(?:async[ \t]+)?def|class)[ \t]+[^\W\d]\w*[ \t]*(?P<open>\[)")
_EXCEPT = re.compile(r"except(?P<star>[ \t]*\*)?")
_MATCH = re.compile(r"match(?![\w])")
_CASE = re.compile(r"case(?![\w])")
_AS = re.compile(r"(?<![\w])as(?![\w])")
_IF = re.compile(r"(?<![\w])if(?![\w])")


def _statements(rewrite: _Rewrite, masked: str) -> List[Tuple[int, int]]:
    """Rewrite the statement-level constructs (type aliases and parameters, except, match); the blanked spans."""
    blanked: List[Tuple[int, int]] = []
    matches: List[Tuple[int, Optional[int]]] = []  # (indent of the match, indent of its cases)
    statements = _split_statements(masked)
    for number, (start, end, indent) in enumerate(statements):
        if indent is not None:
            while matches and indent <= matches[-1][0]:
                matches.pop()
        line = masked[start:end]
        if rewrite.version < (3, 13):
            _type_statement(rewrite, masked, start, end, blanked)
        if rewrite.version < (3, 14):
            _except(rewrite, masked, start, end)
        if rewrite.version < (3, 10) and indent is not None:
            if matches and _CASE.match(line) and matches[-1][1] in (None, indent):
                matches[-1] = (matches[-1][0], indent)
                _case(rewrite, masked, start, end, blanked)
            elif _MATCH.match(line) and number + 1 < len(statements):
                following = statements[number + 1]
                if (
                    following[2] is not None
                    and following[2] > indent
                    and _CASE.match(masked, following[0])
                    and _match(rewrite, masked, start, end)
                ):
                    matches.append((indent, None))
    return blanked


_STATEMENT_START = re.compile(r"[^ \t\f\r\n\\]")
_STATEMENT_BREAK = re.compile(r"[()\[\]{};\r\n]")


def _split_statements(masked: str) -> List[Tuple[int, int, Optional[int]]]:
    """(start, end, indent) of each statement; indent is None for one that follows ``;`` on its line."""
    statements: List[Tuple[int, int, Optional[int]]] = []
    depth = 0
    n = len(masked)
    line_start: Optional[int] = 0
    found = _STATEMENT_START.search(masked, 0)
    while found is not None:
        start = found.start()
        indent = None if line_start is None else start - masked.rfind("\n", 0, start) - 1
        index = start
        while True:
            stop = _STATEMENT_BREAK.search(masked, index)
            if stop is None:
                statements.append((start, n, indent))
                return statements
            index = stop.end()
            character = stop.group()
            if character in "([{":
                depth += 1
            elif character in ")]}":
                depth = max(0, depth - 1)
            elif depth:
                continue
            elif character == ";":
                statements.append((start, stop.start(), indent))
                line_start = None
                break
            elif character in _NEWLINES:
                at = stop.start()
                if character == "\n" and at > 0 and masked[at - 1] == "\r":
                    continue  # the second half of a CRLF, decided at its CR
                if at > 0 and masked[at - 1] == "\\":
                    continue  # a continuation line
                statements.append((start, stop.start(), indent))
                line_start = stop.end()
                break
        found = _STATEMENT_START.search(masked, index)
    return statements


def _closing(masked: str, index: int) -> int:
    """The offset of the bracket closing the one at `index`."""
    depth = 0
    for position in range(index, len(masked)):
        if masked[position] in "([{":
            depth += 1
        elif masked[position] in ")]}":
            depth -= 1
            if depth == 0:
                return position
    raise _error("unclosed bracket")


def _top_level(masked: str, start: int, end: int, wanted: str) -> List[int]:
    """Offsets of the characters in `wanted` outside any bracket between `start` and `end`."""
    found: List[int] = []
    depth = 0
    for position in range(start, end):
        character = masked[position]
        if character in "([{":
            depth += 1
        elif character in ")]}":
            depth -= 1
        elif depth == 0 and character in wanted:
            found.append(position)
    return found


def _type_statement(rewrite: _Rewrite, masked: str, start: int, end: int, blanked: List[Tuple[int, int]]) -> None:
    text = rewrite.text
    alias = _TYPE_ALIAS.match(masked, start, end)
    if alias is not None and not keyword.iskeyword(alias.group("name")):
        equals = alias.start("next")
        if alias.group("next") == "[":
            close = _closing(masked, equals)
            rewrite.edits.append((equals, close + 1, _blank(text, equals, close + 1)))
            blanked.append((equals, close + 1))
            equals = close + 1
            while equals < end and masked[equals] in " \t\f\\\r\n":
                equals += 1
        if masked.startswith("=", equals) and not masked.startswith("==", equals):
            rewrite.edits.append((start, start + 5, "0 or "))
            rewrite.edits.append((equals, equals + 1, ","))
            rewrite.aliases[rewrite.positions.at(start)] = alias.start("name")
        return
    params = _TYPE_PARAMS.match(masked, start, end)
    if params is not None:
        opening = params.start("open")
        close = _closing(masked, opening)
        rewrite.edits.append((opening, close + 1, _blank(text, opening, close + 1)))
        blanked.append((opening, close + 1))


def _except(rewrite: _Rewrite, masked: str, start: int, end: int) -> None:
    clause = _EXCEPT.match(masked, start, end)
    if clause is None or (masked[clause.end() : clause.end() + 1].isalnum() and not clause.group("star")):
        return
    after = clause.end()
    if clause.group("star") and rewrite.version < (3, 11):
        star = masked.index("*", clause.start("star"))
        rewrite.edits.append((star, star + 1, " "))
        rewrite.starred.add(rewrite.positions.at(start))
    colons = _top_level(masked, after, end, ":")
    if not colons:
        return
    colon = colons[0]
    types = masked[after:colon]
    if rewrite.version >= (3, 14) or not _top_level(masked, after, colon, ",") or _AS.search(types):
        return
    first = after
    while first < colon and masked[first] in " \t":
        first += 1
    last = colon
    while last > first and masked[last - 1] in " \t":
        last -= 1
    opening = first - 1 if first > after else first
    rewrite.edits.append((opening, first, "("))
    rewrite.parenthesized.add(rewrite.positions.at(opening))
    if last < colon:
        rewrite.edits.append((last, last + 1, ")"))
    elif masked[colon + 1 : colon + 2] in (" ", "\t"):
        rewrite.edits.append((colon, colon + 2, "):"))
    else:
        rewrite.edits.append((colon, colon, ")"))


def _match(rewrite: _Rewrite, masked: str, start: int, end: int) -> bool:
    """``match S:`` as ``if  (S):``; False when the line is not a match statement."""
    colons = _top_level(masked, start + 5, end, ":")
    if not colons or masked[colons[-1] + 1 : end].strip() or not masked[start + 5 : colons[-1]].strip():
        return False
    colon = colons[-1]
    if masked[start + 5 : colon].lstrip()[:1] in ("=", ".", ",", ")"):
        return False
    rewrite.edits.append((start, start + 5, "if  ("))
    if masked[colon - 1] in " \t" and colon - 1 > start + 5:
        rewrite.edits.append((colon - 1, colon, ")"))
    else:
        rewrite.edits.append((colon, colon, ")"))
    return True


def _case(rewrite: _Rewrite, masked: str, start: int, end: int, blanked: List[Tuple[int, int]]) -> None:
    """``case P if G:`` as ``if`` blanks ``G:``; ``case P:`` as ``if 1`` blanks ``:``."""
    text = rewrite.text
    colons = _top_level(masked, start + 4, end, ":")
    if not colons:
        return
    colon = colons[-1]
    guard: Optional[int] = None
    depth = 0
    for position in range(start + 4, colon):
        character = masked[position]
        if character in "([{":
            depth += 1
        elif character in ")]}":
            depth -= 1
        elif depth == 0 and _IF.match(masked, position) and (position == 0 or not masked[position - 1].isalnum()):
            guard = position
            break
    if guard is None:
        rewrite.edits.append((start, start + 4, "if 1"))
        rewrite.edits.append((start + 4, colon, _blank(text, start + 4, colon)))
        blanked.append((start + 4, colon))
    else:
        rewrite.edits.append((start, start + 2, "if"))
        rewrite.edits.append((start + 2, guard + 2, _blank(text, start + 2, guard + 2)))
        blanked.append((start + 2, guard + 2))


# --- rebuilding what the placeholders stand for ---


class _Rebuild:
    """Put back what the rewrite replaced: string groups (`JoinedStr`/`TemplateStr`), type aliases, ``except*``.

    One walk with an explicit stack (an `ast.NodeTransformer` costs more than the parse on a large module).
    """

    def __init__(self, rewrite: _Rewrite) -> None:
        self.rewrite = rewrite
        self.builder = _Builder(rewrite.text, rewrite.positions, rewrite.version)

    def visit(self, tree: ast.AST) -> ast.AST:
        stack = [tree]
        replace = self._replace
        while stack:
            node = stack.pop()
            for name in node._fields:
                value = getattr(node, name, None)
                if isinstance(value, list):
                    for index, item in enumerate(value):
                        if isinstance(item, ast.AST):
                            new = replace(item)
                            if new is not item:
                                value[index] = new
                            stack.append(new)
                elif isinstance(value, ast.AST):
                    new = replace(value)
                    if new is not value:
                        setattr(node, name, new)
                    stack.append(new)
        return tree

    def _replace(self, node: ast.AST) -> ast.AST:
        if isinstance(node, ast.Constant):
            group = self.rewrite.placeholders.get((node.lineno, node.col_offset))
            if group is None or node.value != 0:
                return node
            return self.builder.group(group)
        if isinstance(node, ast.Try) and self.rewrite.starred:
            return self._try_star(node)
        if isinstance(node, ast.ExceptHandler) and self.rewrite.parenthesized:
            return self._except(node)
        if isinstance(node, ast.Expr) and self.rewrite.aliases:
            return self._alias(node)
        return node

    def _try_star(self, node: ast.Try) -> ast.AST:
        """A ``try`` whose handlers were ``except*`` is a `TryStar`, as on 3.11."""
        if not any((handler.lineno, handler.col_offset) in self.rewrite.starred for handler in node.handlers):
            return node
        star = TryStar(body=node.body, handlers=node.handlers, orelse=node.orelse, finalbody=node.finalbody)
        return ast.copy_location(star, node)  # type: ignore[no-any-return]

    def _except(self, node: ast.ExceptHandler) -> ast.AST:
        """``except A, B:`` was parenthesized: the tuple spans its types, as on 3.14."""
        types = node.type
        if isinstance(types, ast.Tuple) and (types.lineno, types.col_offset) in self.rewrite.parenthesized:
            ast.copy_location(types, types.elts[0])
            types.end_lineno, types.end_col_offset = types.elts[-1].end_lineno, types.elts[-1].end_col_offset
        return node

    def _alias(self, node: ast.Expr) -> ast.AST:
        """``0 or X , V`` back to ``type X = V``."""
        name_offset = self.rewrite.aliases.get((node.lineno, node.col_offset))
        value = node.value
        if name_offset is None or not (isinstance(value, ast.Tuple) and len(value.elts) == 2):
            return node
        head, aliased = value.elts
        if not (isinstance(head, ast.BoolOp) and isinstance(head.values[1], ast.Name)):
            return node
        name = head.values[1]
        alias = TypeAlias(name=ast.Name(id=name.id, ctx=ast.Store()), type_params=[], value=aliased)
        ast.copy_location(alias.name, name)
        ast.copy_location(alias, node)
        alias.end_lineno, alias.end_col_offset = aliased.end_lineno, aliased.end_col_offset
        return alias  # type: ignore[no-any-return]


class _Builder:
    """A string group's node as 3.13's `ast` builds it (merged literals, fields parsed where they stand)."""

    def __init__(self, text: str, positions: _Positions, version: Tuple[int, int]) -> None:
        self.text = text
        self.positions = positions
        self.version = version

    def group(self, group: _Group) -> ast.expr:
        template = any("t" in piece.prefix for piece in group.pieces)
        values: List[ast.expr] = []
        pending: List[Any] = []  # [value, start, end]
        for piece in group.pieces:
            if not piece.formatted:
                value = ast.literal_eval(_normal_newlines(self.text[piece.start : piece.end]))
                if not isinstance(value, str):
                    raise _error("cannot mix bytes and nonbytes literals")
                self._literal(values, pending, value, piece.start, piece.end)
                continue
            self._parts(values, pending, piece.parts, piece.raw, template)
        self._flush(values, pending)
        node = (TemplateStr if template else ast.JoinedStr)(values=values)
        return _locate(node, self.positions, group.start, group.end)  # type: ignore[no-any-return]

    def _parts(
        self,
        values: List[ast.expr],
        pending: List[Any],
        parts: Sequence[Union[_Literal, _Field]],
        raw: bool,
        template: bool,
    ) -> None:
        for part in parts:
            if isinstance(part, _Literal):
                self._literal(values, pending, _decode(self.text[part.start : part.end], raw), part.start, part.end)
                continue
            if part.debug_end is not None:
                self._literal(values, pending, self.text[part.expr_start : part.debug_end], part.expr_start,
                              part.debug_end)
            self._flush(values, pending)
            values.append(self._field(part, raw, template))

    def _field(self, part: _Field, raw: bool, template: bool) -> ast.expr:
        expression = self._expression(part.expr_start, part.expr_end)
        conversion = ord(part.conversion) if part.conversion else -1
        if part.debug_end is not None and part.conversion is None and part.spec_start is None:
            conversion = ord("r")
        spec: Optional[ast.expr] = None
        if part.spec_start is not None:
            spec_values: List[ast.expr] = []
            spec_pending: List[Any] = []
            self._parts(spec_values, spec_pending, part.spec, raw, template)
            self._flush(spec_values, spec_pending)
            spec = _locate(ast.JoinedStr(values=spec_values), self.positions, part.spec_start, part.end - 1)
        if template:
            source = self.text[part.expr_start : part.expr_end].strip()
            node = Interpolation(value=expression, str=source, conversion=conversion, format_spec=spec)
        else:
            node = ast.FormattedValue(value=expression, conversion=conversion, format_spec=spec)
        return _locate(node, self.positions, part.start, part.end)  # type: ignore[no-any-return]

    def _expression(self, start: int, end: int) -> ast.expr:
        """The field's expression, parsed on its own (newer grammar too) and moved to where it stands."""
        fragment = "(" + self.text[start:end] + ")"
        line, column = self.positions.at(start)
        try:  # nested f-strings are rebuilt too, for the same positions as 3.12+ (not the running one's)
            try:
                tree = parse_newer(fragment, mode="eval", version=self.version)
            except NothingToRewrite:
                tree = ast.parse(fragment, mode="eval")
        except SyntaxError as error:  # where it stands in the file, not in the fragment
            if error.lineno:
                before = start - self.positions.starts[line - 1]  # characters before the field on its line
                error.offset = (error.offset or 1) + (before - 1 if error.lineno == 1 else 0)
                error.lineno += line - 1
                for name in ("end_lineno", "end_offset"):  # 3.10+; the fragment's would mislead
                    setattr(error, name, None)
            raise
        assert isinstance(tree, ast.Expression)
        for node in ast.walk(tree):
            if "lineno" not in node._attributes:
                continue
            if node.lineno == 1:  # type: ignore[attr-defined]
                node.col_offset += column - 1  # type: ignore[attr-defined]
            if node.end_lineno == 1:  # type: ignore[attr-defined]
                node.end_col_offset += column - 1  # type: ignore[attr-defined]
            node.lineno += line - 1  # type: ignore[attr-defined]
            node.end_lineno += line - 1  # type: ignore[attr-defined]
        body = tree.body
        first = self.text[start:end].lstrip()
        if isinstance(body, ast.Tuple) and body.elts and not first.startswith("("):
            ast.copy_location(body, body.elts[0])
            body.end_lineno, body.end_col_offset = body.elts[-1].end_lineno, body.elts[-1].end_col_offset
        return body

    def _literal(self, values: List[ast.expr], pending: List[Any], value: str, start: int, end: int) -> None:
        if pending:
            pending[0] += value
            pending[2] = end
        else:
            pending[:] = [value, start, end]

    def _flush(self, values: List[ast.expr], pending: List[Any]) -> None:
        if pending and pending[0]:
            values.append(_locate(ast.Constant(value=pending[0]), self.positions, pending[1], pending[2]))
        pending.clear()


def _normal_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _decode(text: str, raw: bool) -> str:
    """An f-string's literal text as a value: doubled braces halved, escapes decoded unless raw."""
    text = _normal_newlines(text)
    chunks = re.split(r"(\{\{|\}\})", text)
    out: List[str] = []
    for chunk in chunks:
        if chunk in ("{{", "}}"):
            out.append(chunk[0])
        elif raw or "\\" not in chunk:
            out.append(chunk)
        else:
            out.append(chunk.encode("latin-1", "backslashreplace").decode("unicode_escape"))
    return "".join(out)
