"""Checks: pure functions from (references, inventories, retirements) to diagnostics.

`files` (FL0xx: input the scan could not read), `references` (FL1xx, one reference at a time, so the flake8 plugin
and ``--per-file`` can run them on part of the project), `project` (FL2xx, over every reference and every
inventory entry), `deletion` (the gate's verdict). Messages come from the one registry in `flaglint.codes`.
"""

from __future__ import annotations

from typing import Iterable, List, Mapping, Sequence, Tuple

from flaglint.checks.deletion import deletion_verdict
from flaglint.checks.files import problem_diagnostics
from flaglint.checks.project import check_deletions, check_drift, check_project
from flaglint.checks.references import check_reference, check_references
from flaglint.codes import selected
from flaglint.model import Diagnostic

__all__ = [
    "check_deletions",
    "check_drift",
    "check_project",
    "check_reference",
    "check_references",
    "deletion_verdict",
    "filter_codes",
    "problem_diagnostics",
    "summarise",
]


def filter_codes(
    diagnostics: Iterable[Diagnostic], select: Tuple[str, ...], ignore: Tuple[str, ...]
) -> List[Diagnostic]:
    """Keep the diagnostics whose codes are selected and not ignored."""
    return [d for d in diagnostics if selected(d.code, select, ignore)]


def summarise(diagnostics: Sequence[Diagnostic]) -> Mapping[str, int]:
    """Counts for the summary line and the JSON summary."""
    errors = sum(1 for d in diagnostics if d.severity == "error")
    return {"errors": errors, "warnings": len(diagnostics) - errors}
