"""Checks on the input itself (FL001, FL003, FL004): files and directories the scan could not read or skipped."""

from __future__ import annotations

from typing import List, Sequence

from flaglint.codes import code
from flaglint.model import Diagnostic, FileProblem


def problem_diagnostics(problems: Sequence[FileProblem]) -> List[Diagnostic]:
    """FL001 for every file that could not be read or parsed, FL003 for every file skipped for its size."""
    found = []
    for problem in problems:
        entry = code(problem.code)
        message = entry.format(detail=problem.message)
        found.append(Diagnostic(problem.code, entry.severity, message, problem.path, problem.line, problem.column))
    return found
