"""Read the expected references that a fixture file states in its own comments (flake8-bugbear style).

A marker stands on the line where the name stands, in the file's own comment syntax::

    {% flag "new_checkout" %}            {# expect: flag new_checkout #}
    waffle.switch_is_active("x");        // expect: switch x
    waffle.flag_is_active(a, `ns.${b}`)  /* expect: flag ? ns.* */
    flag_is_active(request, NAME)        # expect: flag a; switch b

A marker opens with ``{#`` (also ``{#-``), ``//``, ``/*`` or ``#``, then ``expect:``, then items separated by
``;``; it ends at ``#}`` (``-#}``), ``*/`` or the end of the line. Each item is ``KIND NAME`` (a reference whose
name is known) or ``KIND ? PATTERN`` (a dynamic reference: name None, that pattern, ``*`` for the unknown parts).
NAME is the rest of the item, stripped: it may hold spaces and quotes, but not ``;`` nor the marker's closer.
A line may hold several markers.
"""

from __future__ import annotations

import re
from typing import Optional, Set, Tuple

__all__ = ["Expectation", "read_expectations"]

#: (line, kind, name or None, pattern or None): exactly one of name and pattern is None.
Expectation = Tuple[int, str, Optional[str], Optional[str]]

_KINDS = frozenset({"flag", "switch", "sample"})

_MARKER = re.compile(r"(?:\{#-?|//|/\*|#)\s*expect:(?P<body>.*?)(?:-?#\}|\*/|$)")


def read_expectations(text: str) -> Set[Expectation]:
    """Every (line, kind, name, pattern) that the ``expect:`` markers in `text` state; raise on a malformed one."""
    expected: Set[Expectation] = set()
    for number, line in enumerate(text.split("\n"), start=1):  # lines as the collectors count them
        if "expect:" not in line:
            continue
        for marker in _MARKER.finditer(line):
            for item in marker.group("body").split(";"):
                expected.add(_parse_item(number, item))
    return expected


def _parse_item(line: int, item: str) -> Expectation:
    """One ``KIND NAME`` / ``KIND ? PATTERN`` item; a typo in a fixture must fail loudly, not expect nothing."""
    words = item.strip().split(None, 1)
    if len(words) == 2 and words[0] in _KINDS:
        kind, rest = words
        if rest == "?" or rest.startswith("? "):
            pattern = rest[1:].strip()
            if pattern:
                return (line, kind, None, pattern)
        else:
            return (line, kind, rest, None)
    raise ValueError(f"line {line}: malformed expectation {item.strip()!r}")
