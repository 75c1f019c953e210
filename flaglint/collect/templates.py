"""Find waffle flag, switch and sample references in Django and Jinja2 templates.

The caller cannot tell a Django ``.html`` file from a Jinja2 one, so `collect_template` recognises both syntaxes
in every file: Django's ``{% flag NAME %}`` / ``{% switch NAME %}`` / ``{% sample NAME %}`` block tags
(``waffle.templatetags.waffle_tags``) and Jinja2's ``waffle.flag(NAME)`` / ``waffle.switch(NAME)`` /
``waffle.sample(NAME)`` globals (``waffle.jinja.WaffleExtension``) inside ``{{ }}`` and ``{% %}``. Also inside
them: Python-style calls of waffle's functions (``waffle.flag_is_active(request, NAME)``, when the environment
offers the module) and the functions a project registers as Jinja2 globals under its own names
(`TemplateFunction`: ``waffle_flag(request, NAME)``), each with its name argument where that function has it.

One compiled-regex pass splits the file into the parts a template engine never evaluates (``{# #}`` comments,
``{% comment %}``, ``{% verbatim %}`` and ``{% raw %}`` blocks), which are skipped, and tags / expressions, which
are looked into with anchored regexes. Files that mention neither ``waffle`` nor anything like a waffle tag are
dismissed first, with substring tests and one fast regex search.
"""

from __future__ import annotations

import functools
import re
from typing import Dict, FrozenSet, List, Optional, Sequence, Tuple

from flaglint.catalogue import APIS
from flaglint.collect.template_syntax import (
    BARE_WORD,
    CALL,
    LEXEME,
    QUICK_TAG,
    QUOTED,
    TAG,
    arguments,
    evaluate,
    unescape,
)
from flaglint.collect.text import DQ, KIND_WORDS, SQ, LineIndex, compose
from flaglint.model import WILDCARD, ApiName, Kind, Reference, Source, TemplateFunction

__all__ = ["PYTHON_STYLE", "collect_template"]

#: waffle's own check functions called Python-style (``waffle.flag_is_active(request, 'x')``): a template can do
#: that when its environment offers the ``waffle`` module; the name is where Python has it, not where JS has it.
PYTHON_STYLE: Tuple[TemplateFunction, ...] = tuple(
    TemplateFunction(f"waffle.{api.function}", api.kind, api.position, api.keyword, api.api)
    for api in APIS
    if api.modules == ("waffle",) and api.function.endswith("_is_active")
)


def collect_template(
    path: str, text: str, *, test: bool, functions: Sequence[TemplateFunction] = ()
) -> List[Reference]:
    """Every waffle reference in one template file, Django tag or Jinja2 call, in file order.

    `functions` are the Jinja2 globals the project registers (derivation finds them); waffle's own Python-style
    functions are always recognised.
    """
    table = _table(tuple(functions))
    words = table.words
    if "flag" not in text and "switch" not in text and "sample" not in text:
        if not any(word in text for word in words):
            return []
    if "waffle" not in text and QUICK_TAG.search(text) is None and not any(word in text for word in words):
        return []
    lines = LineIndex(text)
    refs: List[Reference] = []
    for m in LEXEME.finditer(text):
        if m.lastgroup == "skip":
            continue
        start, end = m.span()
        waffle = text.find("waffle", start, end) >= 0
        if waffle:
            _jinja_calls(path, text, start, end, lines, test, refs)
        if waffle or any(text.find(word, start, end) >= 0 for word in words):
            _function_calls(table, path, text, start, end, lines, test, refs)
        if m.lastgroup == "tag":
            tag = TAG.match(text, start, end)
            if tag is not None:
                refs.append(_tag_reference(path, tag, lines, test))
    refs.sort(key=lambda r: (r.line, r.column))
    return _once(refs)


def _once(refs: List[Reference]) -> List[Reference]:
    """The references without repeats of one place and kind (a project registering waffle's own ``waffle.flag``)."""
    seen = set()
    kept = []
    for ref in refs:
        place = (ref.line, ref.column, ref.end_line, ref.end_column, ref.kind)
        if place not in seen:
            seen.add(place)
            kept.append(ref)
    return kept


def _tag_reference(path: str, tag: re.Match[str], lines: LineIndex, test: bool) -> Reference:
    """The reference a ``{% flag NAME %}`` tag makes, following `WaffleNode.render`'s name resolution."""
    token = tag.group("token")
    name: Optional[str]
    if QUOTED.fullmatch(token):
        name = unescape(token[1:-1])
    elif BARE_WORD.fullmatch(token):
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
    for call in CALL.finditer(text, start, end):
        if call.group("kind") is None:
            continue  # a string literal
        arg = call.group("arg").rstrip()
        if not arg:
            continue  # ``waffle.flag()`` names nothing
        arg_start = call.start("arg")
        name, pattern = evaluate(arg)
        kind = KIND_WORDS[call.group("kind")]
        arg_end = arg_start + len(arg)
        refs.append(_reference(path, lines, arg_start, arg_end, arg, kind, name, "jinja2", "jinja-call", test, pattern))


#: The words before a macro's name in its definition.
_MACRO = re.compile(r"\bmacro\s+\Z")

#: A name a template can call: a global (an identifier) or an attribute path from one.
_CALLABLE_NAME = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")


class _Table:
    """The functions a template may call, and the regex that finds their calls."""

    def __init__(self, functions: Tuple[TemplateFunction, ...]) -> None:
        self.by_name: Dict[str, List[TemplateFunction]] = {}
        for function in (*PYTHON_STYLE, *functions):
            if _CALLABLE_NAME.fullmatch(function.name) and function not in self.by_name.get(function.name, []):
                self.by_name.setdefault(function.name, []).append(function)
        #: The words a tag must hold to call one of the project's functions (waffle's own hold ``waffle``).
        self.words: FrozenSet[str] = frozenset(
            name.split(".")[-1] for name in self.by_name if not name.startswith("waffle.")
        )
        callees = "|".join(
            r"\s*\.\s*".join(re.escape(part) for part in name.split("."))
            for name in sorted(self.by_name, key=len, reverse=True)
        )
        self.pattern = re.compile(
            compose(r"<<SQ>>|<<DQ>>|(?<![\w.])(?P<callee><<CALLEES>>)\s*\(", SQ=SQ, DQ=DQ, CALLEES=callees)
        )


@functools.lru_cache(maxsize=8)
def _table(functions: Tuple[TemplateFunction, ...]) -> _Table:
    return _Table(functions)


def _function_calls(
    table: _Table, path: str, text: str, start: int, end: int, lines: LineIndex, test: bool, refs: List[Reference]
) -> None:
    """Append the calls of waffle's functions and the project's globals inside one tag or expression."""
    for call in table.pattern.finditer(text, start, end):
        callee = call.group("callee")
        if callee is None:
            continue  # a string literal
        if _MACRO.search(text, max(start, call.start() - 40), call.start()) is not None:
            continue  # ``{% macro beta(name) %}`` defines a macro (which hides the global), it calls nothing
        listed = arguments(text, call.end(), end)
        positional = [(s, e) for keyword, s, e in listed if keyword is None]
        for function in table.by_name["".join(callee.split())]:  # ``waffle . flag_is_active`` too
            span = next(((s, e) for keyword, s, e in listed if keyword and keyword == function.keyword), None)
            if span is None and function.position is not None and function.position < len(positional):
                span = positional[function.position]
            if span is None:
                continue  # the name is not passed here
            arg = text[span[0] : span[1]]
            name, pattern = evaluate(arg)
            refs.append(
                _reference(
                    path,
                    lines,
                    span[0],
                    span[1],
                    arg,
                    function.kind,
                    name,
                    "jinja2",
                    function.api,
                    test,
                    pattern,
                    function.wrapper,
                )
            )


def _reference(
    path: str,
    lines: LineIndex,
    start: int,
    end: int,
    expression: str,
    kind: Kind,
    name: Optional[str],
    source: Source,
    api: ApiName,
    test: bool,
    pattern: Optional[str] = None,
    wrapper: Optional[str] = None,
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
        wrapper=wrapper,
    )
