"""Suppression comments: ``# noqa: FL101`` and ``# flaglint: ignore[FL101]`` in Python, ``{# flaglint:
ignore[FL101] #}`` in templates, ``// flaglint: ignore[FL101]`` in JavaScript (any comment style works anywhere).

A suppression applies to findings reported on its own line. A bare ``flaglint: ignore`` (or a bare ``# noqa``
in Python) suppresses every flaglint code there.
"""

from __future__ import annotations

import re
from typing import Iterable, List, Optional, Sequence, Set, Tuple

from flaglint.codes import code as code_entry
from flaglint.adoption.fingerprint import LineReader
from flaglint.model import Diagnostic, Reference, Suppression

_FLAGLINT = re.compile(r"flaglint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)
#: Bytes that mean a file may hold a suppression naming flaglint (bare ``# noqa`` is flake8's business).
MARKER_BYTES = re.compile(rb"flaglint:\s*ignore|noqa:[^\n]*FL\d", re.IGNORECASE)


def parse_line(text: str, python: bool) -> Optional[Tuple[str, ...]]:
    """The codes a line suppresses: None for none, () for every flaglint code, else the FL codes listed."""
    codes: Set[str] = set()
    everything = False
    for match in _FLAGLINT.finditer(text):
        listed = match.group("codes")
        if listed is None:
            everything = True
        else:
            codes.update(c.strip().upper() for c in re.split(r"[,\s]+", listed) if c.strip())
    if python:
        for match in _NOQA.finditer(text):
            listed = match.group("codes")
            if listed is None:
                everything = True
            else:
                codes.update(c.upper() for c in re.split(r"[,\s]+", listed) if c.upper().startswith("FL"))
    if everything:
        return ()
    flaglint_codes = tuple(sorted(c for c in codes if c.startswith("FL")))
    return flaglint_codes or None


def _covers(codes: Tuple[str, ...], diagnostic_code: str) -> bool:
    return not codes or any(diagnostic_code.startswith(c) for c in codes)


def find_suppressions(path: str, text: str) -> List[Suppression]:
    """Every suppression naming flaglint (or a bare ``flaglint: ignore``) in a file's text."""
    python = path.endswith(".py")
    found: List[Suppression] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if "flaglint" not in line.lower() and "FL" not in line.upper():
            continue
        codes = parse_line(line, python)
        if codes is None:
            continue
        explicit_noqa = python and _NOQA.search(line) is not None and not _FLAGLINT.search(line)
        if explicit_noqa and not codes:
            continue  # a bare noqa belongs to flake8
        found.append(Suppression(path, number, codes, line.strip()))
    return found


def apply(diagnostics: Sequence[Diagnostic], lines: LineReader) -> Tuple[List[Diagnostic], Set[Tuple[str, int]]]:
    """Drop suppressed diagnostics; also return the (path, line) of every suppression that was used."""
    kept: List[Diagnostic] = []
    used: Set[Tuple[str, int]] = set()
    for diagnostic in diagnostics:
        codes = parse_line(lines.line(diagnostic.path, diagnostic.line), diagnostic.path.endswith(".py"))
        if codes is not None and _covers(codes, diagnostic.code):
            used.add((diagnostic.path, diagnostic.line))
        else:
            kept.append(diagnostic)
    return kept, used


def without_suppressed_patterns(
    references: Iterable[Reference], lines: LineReader, used: Set[Tuple[str, int]]
) -> List[Reference]:
    """References for the FL203 check: a dynamic reference whose line suppresses FL203 cannot name stale entries."""
    kept: List[Reference] = []
    for reference in references:
        if reference.name is None:
            codes = parse_line(lines.line(reference.path, reference.line), reference.path.endswith(".py"))
            if codes is not None and _covers(codes, "FL203"):
                used.add((reference.path, reference.line))
                continue
        kept.append(reference)
    return kept


def unused(suppressions: Iterable[Suppression], used: Set[Tuple[str, int]]) -> List[Diagnostic]:
    """FL002 for every suppression that suppressed nothing."""
    entry = code_entry("FL002")
    found: List[Diagnostic] = []
    for suppression in suppressions:
        if (suppression.path, suppression.line) in used:
            continue
        what = ", ".join(suppression.codes) if suppression.codes else "every flaglint code"
        message = entry.format(what=what)
        found.append(Diagnostic("FL002", entry.severity, message, suppression.path, suppression.line, 1))
    return found
