"""Django and Jinja2 template syntax as flaglint reads it: shared by the collector and the rewriter.

One compiled-regex pass (`LEXEME`) splits a file into the parts a template engine never evaluates (``{# #}``
comments, ``{% comment %}``, ``{% verbatim %}`` and ``{% raw %}`` blocks) and tags / expressions; `TAG` reads a waffle
block tag (``{% flag NAME %}``), `CALL` a Jinja2 ``waffle.flag(NAME)`` call, `evaluate` what a Jinja2 argument
names.
"""

from __future__ import annotations

import re
from typing import Optional, Tuple

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
