"""Django and Jinja2 template syntax as flaglint reads it: shared by the collector and the rewriter.

One compiled-regex pass (`LEXEME`) splits a file into the parts a template engine never evaluates (``{# #}``
comments, ``{% comment %}``, ``{% verbatim %}`` and ``{% raw %}`` blocks) and tags / expressions; `TAG` reads a waffle
block tag (``{% flag NAME %}``), `CALL` a Jinja2 ``waffle.flag(NAME)`` call, `evaluate` what a Jinja2 argument
names.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from flaglint.collect.text import DQ, SQ, Piece, compose, concatenation

#: Everything the scan stops at: unevaluated regions (skipped) and tags / expressions (looked into).
#: A comment, tag or expression ends before the next ``{#`` / ``{%`` / ``{{`` opener (outside its string literals), so
#: an unclosed one (``{#`` of a JS private field in a Django template, a stray ``{{``) costs a scan to the next opener,
#: not to the end of the file; the scan stays linear. A ``{#`` inside a Jinja2 comment thus ends it early, which can
#: only add references, never hide one.
LEXEME = re.compile(
    compose(
        r"""
        (?P<skip>
            \{\#(?:[^\#{]|\#(?!\})|\{(?!\#))*\#\}
          | \{%[-+]?\s*comment\b(?:[^%]|%(?!\}))*%\} .*? \{%[-+]?\s*endcomment\s*[-+]?%\}
          | \{%[-+]?\s*verbatim(?:\s+(?P<vname>\w[^\s%]*))?\s*[-+]?%\}
            .*? \{%[-+]?\s*endverbatim(?(vname)\s+(?P=vname))\s*[-+]?%\}
          | \{%[-+]?\s*raw\s*[-+]?%\} .*? \{%[-+]?\s*endraw\s*[-+]?%\}
        )
      | (?P<tag>\{%(?:[^%{'"]|%(?!\})|<<OPEN>>|<<SQ>>|<<DQ>>)*%\})
      | (?P<expr>\{\{(?:[^}{'"]|\}(?!\})|<<OPEN>>|<<SQ>>|<<DQ>>)*\}\})
        """,
        SQ=SQ,
        DQ=DQ,
        OPEN=r"\{(?![{%\#])",
    ),
    re.VERBOSE | re.DOTALL,
)


def template_code_spans(text: str, until: int) -> List[Tuple[int, int]]:
    """The (start, end) offsets of the tags and expressions (template code) that start before offset `until`."""
    spans: List[Tuple[int, int]] = []
    if "{{" not in text and "{%" not in text:
        return spans
    for m in LEXEME.finditer(text):
        if m.start() > until:
            break
        if m.lastgroup != "skip":
            spans.append(m.span())
    return spans


#: A Django token as ``Token.split_contents`` sees it (quoted parts may hold spaces), stopping before ``-%}``.
TOKEN = rf"""(?:{DQ}|{SQ}|[^\s"'%-]|%(?!\}})|-(?!%\}}))+"""

#: A waffle block tag at the start of a ``{% %}`` tag; ``\s+`` keeps ``{% flagged %}`` out.
TAG = re.compile(rf"\{{%[-+]?\s*(?P<kind>flag|switch|sample)\s+(?P<token>{TOKEN})")

#: The cheap test for files without Jinja2 calls: is there anything that looks like a waffle tag at all?
QUICK_TAG = re.compile(r"\{%[-+]?\s*(?:flag|switch|sample)\s")

BARE_WORD = re.compile(r"\w+")

QUOTED = re.compile(rf"{DQ}|{SQ}")

#: A Jinja2 ``waffle.flag(...)`` call; the argument is one expression, nested parentheses up to two levels deep.
#: String literals are matched too (and passed over) so that a call spelled inside a string is not one.
CALL = re.compile(
    compose(
        r"""
        <<SQ>> | <<DQ>> |
        (?<![\w.])waffle\s*\.\s*(?P<kind>flag|switch|sample)\s*\(\s*
        (?:\w+\s*=(?!=)\s*)?
        (?P<arg>(?:[^()'",]|<<SQ>>|<<DQ>>|\((?:[^()'"]|<<SQ>>|<<DQ>>|\([^()]*\))*\))*)
        """,
        SQ=SQ,
        DQ=DQ,
    ),
    re.VERBOSE,
)

#: One lexeme of a call's argument list: a string, a bracket, a comma, or a run of anything else.
_ARGUMENT_LEXEME = re.compile(rf"{SQ}|{DQ}|[()\[\]{{}}]|,|[^'\"()\[\]{{}},]+|['\"]")

#: ``name=`` before a keyword argument (not ``==``).
_KEYWORD = re.compile(r"(\w+)\s*=(?!=)\s*")

Argument = Tuple[Optional[str], int, int]
"""One argument of a call: its keyword (None for a positional one) and the span of its value."""


def arguments(text: str, start: int, end: int) -> List[Argument]:
    """The arguments of a call whose ``(`` ends at `start`, up to its ``)`` (or `end`), with their spans.

    Commas inside strings and nested brackets do not split; each value's span is stripped of whitespace.
    """
    found: List[Argument] = []
    depth = 0
    begin = start

    def close(stop: int) -> None:
        chunk = text[begin:stop]
        stripped = chunk.strip()
        if not stripped:
            return
        offset = begin + (len(chunk) - len(chunk.lstrip()))
        keyword = _KEYWORD.match(text, offset, stop)
        name = None
        if keyword is not None:
            name, offset = keyword.group(1), keyword.end()
        value_end = offset + len(text[offset:stop].rstrip())
        if value_end > offset:
            found.append((name, offset, value_end))

    for lexeme in _ARGUMENT_LEXEME.finditer(text, start, end):
        token = lexeme.group()
        if token in "([{":
            depth += 1
        elif token in ")]}":
            if depth == 0:
                close(lexeme.start())
                return found
            depth -= 1
        elif token == "," and depth == 0:
            close(lexeme.start())
            begin = lexeme.end()
    close(end)
    return found


#: The pieces of a Jinja2 argument expression: strings, the concatenation operators, whitespace, anything else.
_PIECE = re.compile(rf"(?P<str>{SQ}|{DQ})|(?P<operator>[~+])|(?P<skip>\s+)|(?P<word>\w+)|(?P<other>.)", re.DOTALL)

#: Words that make an argument a conditional or boolean expression, whose value concatenation analysis can't see.
_UNSAFE_WORDS = frozenset({"if", "else", "or", "and", "not"})

_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def evaluate(arg: str) -> Tuple[Optional[str], Optional[str]]:
    """(name, None) when `arg` is a constant string, else (None, pattern) with wildcards for the unknown parts.

    Handles literals, implicit (``'a' 'b'``) and explicit (``~``, ``+``) concatenation; any other operand becomes
    a wildcard, and a conditional or boolean expression makes the whole name unknown.
    """
    return concatenation(_PIECE.finditer(arg), _read_piece)


def _read_piece(piece: "re.Match[str]") -> Piece:
    if piece.lastgroup == "str":
        return unescape(piece.group()[1:-1]), False
    return "unsafe" if piece.lastgroup == "word" and piece.group() in _UNSAFE_WORDS else "unknown"


def unescape(body: str) -> str:
    """The value of a string literal's body: a backslash keeps the character after it."""
    return _ESCAPE.sub(r"\1", body) if "\\" in body else body
