"""Find waffle flag, switch and sample references in Django and Jinja2 templates.

The caller cannot tell a Django ``.html`` file from a Jinja2 one, so `collect_template` recognises both syntaxes
in every file: Django's ``{% flag NAME %}`` / ``{% switch NAME %}`` / ``{% sample NAME %}`` block tags
(``waffle.templatetags.waffle_tags``) and Jinja2's ``waffle.flag(NAME)`` / ``waffle.switch(NAME)`` /
``waffle.sample(NAME)`` globals (``waffle.jinja.WaffleExtension``) inside ``{{ }}`` and ``{% %}``.

One compiled-regex pass splits the file into the parts a template engine never evaluates (``{# #}`` comments,
``{% comment %}``, ``{% verbatim %}`` and ``{% raw %}`` blocks), which are skipped, and tags / expressions, which
are looked into with anchored regexes. Files that mention neither ``waffle`` nor anything like a waffle tag are
dismissed first, with substring tests and one fast regex search.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from flaglint.textscan import KIND_WORDS, LineIndex, compose
from flaglint.types import WILDCARD, Kind, Reference, Source

__all__ = ["collect_template"]


# Single-line string literals; limiting them to one line keeps a stray quote from swallowing the rest of the file.
_SQ = r"'(?:[^'\\\n]|\\.)*'"
_DQ = r'"(?:[^"\\\n]|\\.)*"'

#: Everything the scan stops at: unevaluated regions (skipped) and tags / expressions (looked into).
#: A comment, tag or expression ends before the next ``{#`` / ``{%`` / ``{{`` opener (outside its string literals), so
#: an unclosed one (``{#`` of a JS private field in a Django template, a stray ``{{``) costs a scan to the next opener,
#: not to the end of the file; the scan stays linear. A ``{#`` inside a Jinja2 comment thus ends it early, which can
#: only add references, never hide one.
_LEXEME = re.compile(
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
        SQ=_SQ,
        DQ=_DQ,
        OPEN=r"\{(?![{%\#])",
    ),
    re.VERBOSE | re.DOTALL,
)

#: A Django token as ``Token.split_contents`` sees it (quoted parts may hold spaces), stopping before ``-%}``.
_TOKEN = rf"""(?:{_DQ}|{_SQ}|[^\s"'%-]|%(?!\}})|-(?!%\}}))+"""

#: A waffle block tag at the start of a ``{% %}`` tag; ``\s+`` keeps ``{% flagged %}`` out.
_TAG = re.compile(rf"\{{%[-+]?\s*(?P<kind>flag|switch|sample)\s+(?P<token>{_TOKEN})")

#: The cheap test for files without Jinja2 calls: is there anything that looks like a waffle tag at all?
_QUICK_TAG = re.compile(r"\{%[-+]?\s*(?:flag|switch|sample)\s")

_BARE_WORD = re.compile(r"\w+")
_QUOTED = re.compile(rf"{_DQ}|{_SQ}")

#: A Jinja2 ``waffle.flag(...)`` call; the argument is one expression, nested parentheses up to two levels deep.
#: String literals are matched too (and passed over) so that a call spelled inside a string is not one.
_CALL = re.compile(
    compose(
        r"""
        <<SQ>> | <<DQ>> |
        (?<![\w.])waffle\s*\.\s*(?P<kind>flag|switch|sample)\s*\(\s*
        (?:\w+\s*=(?!=)\s*)?
        (?P<arg>(?:[^()'",]|<<SQ>>|<<DQ>>|\((?:[^()'"]|<<SQ>>|<<DQ>>|\([^()]*\))*\))*)
        """,
        SQ=_SQ,
        DQ=_DQ,
    ),
    re.VERBOSE,
)

#: The pieces of a Jinja2 argument expression: strings, the concatenation operators, whitespace, anything else.
_PIECE = re.compile(rf"(?P<str>{_SQ}|{_DQ})|(?P<op>[~+])|(?P<ws>\s+)|(?P<word>\w+)|(?P<other>.)", re.DOTALL)

#: Words that make an argument a conditional or boolean expression, whose value concatenation analysis can't see.
_UNSAFE_WORDS = frozenset({"if", "else", "or", "and", "not"})

_ESCAPE = re.compile(r"\\(.)", re.DOTALL)
_STARS = re.compile(r"\*{2,}")


def collect_template(path: str, text: str, *, test: bool) -> List[Reference]:
    """Every waffle reference in one template file, Django tag or Jinja2 call, in file order."""
    if "flag" not in text and "switch" not in text and "sample" not in text:
        return []
    if "waffle" not in text and _QUICK_TAG.search(text) is None:
        return []
    lines = LineIndex(text)
    refs: List[Reference] = []
    for m in _LEXEME.finditer(text):
        if m.lastgroup == "skip":
            continue
        start, end = m.span()
        if text.find("waffle", start, end) >= 0:
            _jinja_calls(path, text, start, end, lines, test, refs)
        if m.lastgroup == "tag":
            tag = _TAG.match(text, start, end)
            if tag is not None:
                refs.append(_tag_reference(path, tag, lines, test))
    refs.sort(key=lambda r: (r.line, r.column))
    return refs


def _tag_reference(path: str, tag: re.Match[str], lines: LineIndex, test: bool) -> Reference:
    """The reference a ``{% flag NAME %}`` tag makes, following `WaffleNode.render`'s name resolution."""
    token = tag.group("token")
    name: Optional[str]
    if _QUOTED.fullmatch(token):
        name = _unescape(token[1:-1])
    elif _BARE_WORD.fullmatch(token):
        # A bare word that is no context variable resolves to "", and waffle then uses the token literally.
        name = token
    else:
        name = None  # a filter expression (``x|lower``), a dotted lookup (``obj.name``), ``_("x")`` ...
    start, end = tag.span("token")
    return _reference(
        path, lines, start, end, token, KIND_WORDS[tag.group("kind")], name, "django-template", "tag", test
    )


def _jinja_calls(
    path: str, text: str, start: int, end: int, lines: LineIndex, test: bool, refs: List[Reference]
) -> None:
    """Append the ``waffle.flag(...)``-style calls inside one tag or expression (``text[start:end]``)."""
    for call in _CALL.finditer(text, start, end):
        if call.group("kind") is None:
            continue  # a string literal
        arg = call.group("arg").rstrip()
        if not arg:
            continue  # ``waffle.flag()`` names nothing
        arg_start = call.start("arg")
        name, pattern = _evaluate(arg)
        kind = KIND_WORDS[call.group("kind")]
        arg_end = arg_start + len(arg)
        refs.append(_reference(path, lines, arg_start, arg_end, arg, kind, name, "jinja2", "jinja-call", test, pattern))


def _evaluate(arg: str) -> Tuple[Optional[str], Optional[str]]:
    """(name, None) when `arg` is a constant string, else (None, pattern) with wildcards for the unknown parts.

    Handles literals, implicit (``'a' 'b'``) and explicit (``~``, ``+``) concatenation; any other operand becomes
    a wildcard, and a conditional or boolean expression makes the whole name unknown.
    """
    parts: List[Optional[str]] = []  # one entry per operand: its constant text, or None when unknown
    current: Optional[str] = None  # the constant text of the operand being read; None until it has a piece
    known = True
    for piece in _PIECE.finditer(arg):
        group = piece.lastgroup
        if group == "ws":
            continue
        if group == "op":
            parts.append(current if known else None)
            current, known = None, True
        elif group == "str":
            current = (current or "") + _unescape(piece.group()[1:-1])
        elif group == "word" and piece.group() in _UNSAFE_WORDS:
            return None, WILDCARD
        else:
            known = False
    parts.append(current if known else None)
    if all(p is not None for p in parts):
        return "".join(p for p in parts if p is not None), None
    return None, _STARS.sub(WILDCARD, "".join(WILDCARD if p is None else p for p in parts))


def _unescape(body: str) -> str:
    """The value of a string literal's body: a backslash keeps the character after it."""
    return _ESCAPE.sub(r"\1", body) if "\\" in body else body


def _reference(
    path: str,
    lines: LineIndex,
    start: int,
    end: int,
    expression: str,
    kind: Kind,
    name: Optional[str],
    source: Source,
    api: str,
    test: bool,
    pattern: Optional[str] = None,
) -> Reference:
    """Build a `Reference` for the name expression at ``text[start:end]``."""
    line, column = lines.position(start)
    end_line, end_column = lines.position(end)
    return Reference(
        path=path,
        line=line,
        column=column,
        end_line=end_line,
        end_column=end_column,
        kind=kind,
        name=name,
        expression=expression,
        source=source,
        api=api,
        test=test,
        negated=False,
        pattern=(pattern or WILDCARD) if name is None else None,
    )
