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
from typing import List, Optional

from flaglint.collect.template_syntax import BARE_WORD, CALL, LEXEME, QUICK_TAG, QUOTED, TAG, evaluate, unescape
from flaglint.collect.text import KIND_WORDS, LineIndex
from flaglint.model import WILDCARD, ApiName, Kind, Reference, Source

__all__ = ["collect_template"]


def collect_template(path: str, text: str, *, test: bool) -> List[Reference]:
    """Every waffle reference in one template file, Django tag or Jinja2 call, in file order."""
    if "flag" not in text and "switch" not in text and "sample" not in text:
        return []
    if "waffle" not in text and QUICK_TAG.search(text) is None:
        return []
    lines = LineIndex(text)
    refs: List[Reference] = []
    for m in LEXEME.finditer(text):
        if m.lastgroup == "skip":
            continue
        start, end = m.span()
        if text.find("waffle", start, end) >= 0:
            _jinja_calls(path, text, start, end, lines, test, refs)
        if m.lastgroup == "tag":
            tag = TAG.match(text, start, end)
            if tag is not None:
                refs.append(_tag_reference(path, tag, lines, test))
    refs.sort(key=lambda r: (r.line, r.column))
    return refs


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
