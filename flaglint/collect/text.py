"""Helpers shared by the regex collectors (templates, JavaScript): pattern composition and positions."""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import Dict, List, Optional, Tuple

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
