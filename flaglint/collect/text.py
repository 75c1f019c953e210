"""Helpers shared by the regex collectors (templates, JavaScript): pattern composition and positions."""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Callable, Dict, Iterable, List, Literal, Optional, Tuple, Union

from flaglint.model import WILDCARD, Kind

#: The kind named by the word in a tag or call (``flag``, ``switch``, ``sample``).
KIND_WORDS: Dict[str, Kind] = {"flag": "flag", "switch": "switch", "sample": "sample"}

_NEWLINE = re.compile(r"\n")

#: Single-line string literals; limiting them to one line keeps a stray quote from swallowing the rest of the file.
SQ = r"'(?:[^'\\\n]|\\.)*'"
DQ = r'"(?:[^"\\\n]|\\.)*"'

_STARS = re.compile(r"\*{2,}")


def collapse_wildcards(pattern: str) -> str:
    """A pattern with runs of wildcards made one (``a**b`` -> ``a*b``)."""
    return _STARS.sub(WILDCARD, pattern)


def compose(pattern: str, **parts: str) -> str:
    """Put the named sub-patterns into `pattern`, where they stand as ``<<NAME>>``."""
    for name, part in parts.items():
        pattern = pattern.replace(f"<<{name}>>", part)
    return pattern


class LineIndex:
    """Offset -> (line, column) conversion, 1-based; the line table is built once, on first use."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._starts: Optional[List[int]] = None

    def position(self, offset: int) -> Tuple[int, int]:
        """The 1-based line and column of character `offset` (columns count characters; CRLF ends a line too)."""
        if self._starts is None:
            self._starts = [0] + [m.end() for m in _NEWLINE.finditer(self._text)]
        index = bisect_right(self._starts, offset) - 1
        return index + 1, offset - self._starts[index] + 1


#: How a lexer reads one piece of a concatenation: a literal (its text, whether it holds wildcards), a piece
#: only runtime knows, or one that makes the whole expression unknown (``a if b else c``).
Piece = Union[Literal["unknown", "unsafe"], Tuple[str, bool]]


def concatenation(
    pieces: Iterable["re.Match[str]"], read: Callable[["re.Match[str]"], Piece]
) -> Tuple[Optional[str], Optional[str]]:
    """(name, None) when the pieces concatenate constants, else (None, pattern) with wildcards for the unknown.

    The lexer's groups ``skip`` (whitespace, comments) and ``operator`` (``+``, ``~``) are read here; `read`
    says what every other piece is.
    """
    operands = Operands()
    for piece in pieces:
        if piece.lastgroup == "skip":
            continue
        if piece.lastgroup == "operator":
            operands.next_operand()
            continue
        what = read(piece)
        if what == "unknown":
            operands.unknown()
        elif what == "unsafe":
            return None, WILDCARD
        else:
            operands.literal(*what)
    return operands.result()


class Operands:
    """What a concatenation (``'a' + x + 'b'``) names, operand by operand: the known text, or unknown.

    Lexers feed it pieces (`literal`, `unknown`, `next_operand` at each ``+``/``~``); `result` gives the name when
    every operand is known, else the pattern with `WILDCARD` for the unknown parts.
    """

    def __init__(self) -> None:
        self.parts: List[Optional[str]] = []
        self.current: Optional[str] = None
        self.known = True
        self.wild = False

    def literal(self, text: str, wild: bool = False) -> None:
        """A literal piece of the current operand (`wild`: it holds wildcards, ``${...}`` in a JS template)."""
        self.current = (self.current or "") + text
        self.wild = self.wild or wild

    def unknown(self) -> None:
        """A piece only runtime knows: the current operand is unknown."""
        self.known = False

    def next_operand(self) -> None:
        """An operator between operands."""
        self.parts.append(self.current if self.known else None)
        self.current, self.known = None, True

    def result(self) -> Tuple[Optional[str], Optional[str]]:
        """(name, None) when everything is known, else (None, pattern)."""
        self.next_operand()
        text = "".join(WILDCARD if part is None else part for part in self.parts)
        if all(part is not None for part in self.parts) and not self.wild:
            return text, None
        return None, collapse_wildcards(text)
