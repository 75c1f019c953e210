"""Find waffle flag, switch and sample references in JavaScript, TypeScript, Vue and Svelte files.

django-waffle's ``wafflejs`` view defines ``window.waffle`` with ``flag_is_active``, ``switch_is_active`` and
``sample_is_active``; front-end code calls them as ``waffle.flag_is_active('x')``, ``window.waffle.…`` or
``waffle?.flag_is_active(…)``. This module finds those calls without parsing JavaScript: one regex pass finds the
calls, and only when there are some, a second, tokenizer-light pass over strings, template literals, regex literals
and comments finds the comments, so that calls inside comments are dropped (``'http://x'`` is a string, not a
comment). Calls inside strings are kept on purpose: in Vue/Svelte attributes (``v-if="waffle.flag_is_active('x')"``)
and in HTML built in strings they are real code.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import List, Optional, Tuple

from flaglint.collect.template_syntax import template_code_spans
from flaglint.collect.text import DQ, KIND_WORDS, SQ, LineIndex, Piece, compose, concatenation
from flaglint.model import WILDCARD, Reference

__all__ = ["collect_javascript"]


#: Files whose top level is markup: only ``<script>`` bodies hold JavaScript comments; elsewhere ``<!-- -->`` does.
_MARKUP_SUFFIXES = (".vue", ".svelte", ".html", ".htm")

# String literals end at the line's end (as in JavaScript), so a stray quote can't swallow the rest of the file.
_SQ, _DQ = SQ, DQ
# A template literal; a ``${...}`` in it may hold braces and template literals one level deep. When a substitution
# is deeper than that, the literal ends at the next backtick (keeping backticks paired beats giving up).
_BT = r"(?:`(?:[^`\\$]|\\.|\$(?!\{)|\$\{(?:[^{}`]|`[^`]*`|\{[^{}]*\})*\})*`|`(?:[^`\\]|\\.)*`)"
# A string literal written inside another one (``'onclick="f(\\'x\\')"'``): its quotes are escaped.
_ESQ = r"\\'(?:[^'\\\n]|\\[^'])*\\'"
_EDQ = r'\\"(?:[^"\\\n]|\\[^"])*\\"'
_LITERALS = dict(SQ=_SQ, DQ=_DQ, BT=_BT, ESQ=_ESQ, EDQ=_EDQ)

#: Whitespace or a comment, one character of whitespace at a time (``(?:\s+)*`` would backtrack exponentially).
_GAP = r"(?:\s|//[^\n]*|/\*.*?\*/)"
#: One piece of an argument expression: a literal, a parenthesised group (two levels), or one other character.
_ATOM = compose(
    r"""(?:<<ESQ>>|<<EDQ>>|<<SQ>>|<<DQ>>|<<BT>>|\((?:[^()'"`]|<<SQ>>|<<DQ>>|<<BT>>|\([^()]*\))*\)"""
    r"""|[^()'"`,;{}\\\s/]|\\|/(?![/*]))""",
    **_LITERALS,
)

#: A call of one of waffle's JavaScript functions, up to its first argument (``flag_is_active: function`` is a
#: definition, not a call, and has no ``waffle.`` before it). The argument ends at its last piece, so comments and
#: whitespace around it are no part of it. The pattern starts with the literal ``waffle`` (the word-boundary check is
#: a lookbehind after it) so that the regex engine can search for it at C speed.
_CALL = re.compile(
    compose(
        r"waffle(?<![\w$]waffle)\s*\??\.\s*(?P<kind>flag|switch|sample)_is_active\s*(?:\?\.\s*)?\("
        r"<<GAP>>*(?P<arg><<ATOM>>(?:<<GAP>>*<<ATOM>>)*)?",
        GAP=_GAP,
        ATOM=_ATOM,
    ),
    re.DOTALL,
)

#: The lexemes that decide what is a comment. A ``/`` right after one of ``(,=:[!&|?{};`` or ``return`` / ``typeof``
#: (or at a line's start) opens a regular expression literal, so ``/\/*$/`` does not open a block comment. Each
#: alternative starts with a character (the literal's predecessor is part of the match, not a lookbehind), which lets
#: the regex engine skip ahead quickly.
_LEXEME = re.compile(
    compose(
        r"(?P<string><<SQ>>|<<DQ>>|<<BT>>)"
        r"|(?P<comment>//[^\n]*|/\*.*?(?:\*/|\Z))"
        r"|(?P<regex>(?:[(,=:\[!&|?{};\n]|n(?<=return)|f(?<=typeof))\s*"
        r"/(?![*/])(?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n\[])+/)",
        **_LITERALS,
    ),
    re.DOTALL,
)

#: In markup files: HTML comments, and ``<script>`` elements whose bodies are JavaScript.
_MARKUP = re.compile(r"<!--.*?(?:-->|\Z)|<script\b[^>]*>(?P<script>.*?)(?:</script\s*>|\Z)", re.DOTALL | re.IGNORECASE)

#: The pieces of an argument expression: strings, template literals, ``+``, whitespace and comments, anything else.
_PIECE = re.compile(
    compose(
        r"(?P<estr><<ESQ>>|<<EDQ>>)|(?P<str><<SQ>>|<<DQ>>)|(?P<tpl><<BT>>)"
        r"|(?P<operator>\+)|(?P<skip><<GAP>>+)|(?P<other>.)",
        GAP=_GAP,
        **_LITERALS,
    ),
    re.DOTALL,
)

#: Operator characters of conditional and boolean expressions (``a ? 'x' : 'y'``, ``x || 'y'``, ``x ?? 'y'``): an
#: argument holding one may evaluate to any of its operands, so concatenation analysis gives up on it.
_UNSAFE = frozenset("?:|&,")

#: A ``${...}`` substitution inside a template literal (as `_BT` sees it).
_SUBSTITUTION = re.compile(r"\$\{(?:[^{}`]|`[^`]*`|\{[^{}]*\})*\}")

_ESCAPE = re.compile(r"\\(\r\n|.)", re.DOTALL)


def collect_javascript(path: str, text: str, *, test: bool, template: bool = False) -> List[Reference]:
    """Every ``waffle.*_is_active(...)`` call outside comments in one JS/TS/Vue/Svelte file, in file order.

    In a `template`, a call inside a ``{{ }}`` expression or a ``{% %}`` tag is template code, not JavaScript
    (the template collector reads it, with the name where Python has it): only the rest of the file is searched.
    """
    if "waffle" not in text or "_is_active" not in text:
        return []
    calls = list(_CALL.finditer(text))
    if not calls:
        return []
    if template:
        calls = _outside(calls, template_code_spans(text, calls[-1].start()))
        if not calls:
            return []
    comments = _comment_spans(text, path.lower().endswith(_MARKUP_SUFFIXES), calls[-1].start())
    comment_starts = [start for start, _ in comments]
    lines = LineIndex(text)
    refs: List[Reference] = []
    for call in calls:
        index = bisect_right(comment_starts, call.start()) - 1
        if index >= 0 and call.start() < comments[index][1]:
            continue
        arg = call.group("arg")
        if not arg:
            continue  # ``waffle.flag_is_active()`` names nothing
        start = call.start("arg")
        name, pattern = _evaluate(arg)
        line, column = lines.position(start)
        end_line, end_column = lines.position(start + len(arg))
        refs.append(
            Reference(
                path=path,
                line=line,
                column=column,
                end_line=end_line,
                end_column=end_column,
                kind=KIND_WORDS[call.group("kind")],
                name=name,
                expression=arg,
                source="javascript",
                api="js-call",
                test=test,
                negated=False,
                pattern=pattern,
            )
        )
    return refs


def _outside(calls: List["re.Match[str]"], spans: List[Tuple[int, int]]) -> List["re.Match[str]"]:
    """The calls that start in none of `spans` (sorted, not overlapping)."""
    starts = [start for start, _ in spans]
    kept = []
    for call in calls:
        index = bisect_right(starts, call.start()) - 1
        if index < 0 or call.start() >= spans[index][1]:
            kept.append(call)
    return kept


def _comment_spans(text: str, markup: bool, until: int) -> List[Tuple[int, int]]:
    """The (start, end) offsets of every comment that starts before offset `until`, in order."""
    if not markup:
        return _script_comments(text, 0, len(text), until)
    spans: List[Tuple[int, int]] = []
    for m in _MARKUP.finditer(text, 0, len(text)):
        if m.start() > until:
            break
        if m.group("script") is None:
            spans.append(m.span())
        else:
            spans.extend(_script_comments(text, m.start("script"), m.end("script"), until))
    return spans


def _script_comments(text: str, start: int, end: int, until: int) -> List[Tuple[int, int]]:
    """The comments of the JavaScript in ``text[start:end]`` that start before `until`."""
    spans: List[Tuple[int, int]] = []
    for m in _LEXEME.finditer(text, start, end):
        if m.start() > until:
            break
        if m.lastgroup == "comment":
            spans.append(m.span())
    return spans


def _evaluate(arg: str) -> Tuple[Optional[str], Optional[str]]:
    """(name, None) when `arg` is a constant string, else (None, pattern) with wildcards for the unknown parts.

    Handles string and template literals (each ``${...}`` becomes a wildcard) joined with ``+``; any other operand
    becomes a wildcard, and a conditional or boolean expression makes the whole name unknown.
    """
    return concatenation(_PIECE.finditer(arg), _read_piece)


def _read_piece(piece: "re.Match[str]") -> Piece:
    group = piece.lastgroup
    if group == "str":
        return _unescape(piece.group()[1:-1]), False
    if group == "estr":
        return _unescape(piece.group()[2:-2]), False
    if group == "tpl":
        chunks = _SUBSTITUTION.split(piece.group()[1:-1])
        return WILDCARD.join(_unescape(chunk) for chunk in chunks), len(chunks) > 1
    return "unsafe" if piece.group() in _UNSAFE else "unknown"


def _unescape(body: str) -> str:
    """The value of a string literal's body: a backslash keeps the character after it (a line continuation goes)."""
    if "\\" not in body:
        return body
    return _ESCAPE.sub(lambda m: "" if m.group(1) in ("\n", "\r\n") else m.group(1), body)
