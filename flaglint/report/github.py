"""Diagnostics as GitHub Actions workflow commands, which GitHub shows as annotations on the run and the diff.

Pure: returns the text to print. GitHub reads one command per line, so the escaping below is what keeps a
message with a newline, or a path with a comma or a colon, from breaking the command or losing its tail.
"""

from __future__ import annotations

from typing import Sequence

from flaglint.model import Diagnostic


def github_annotations(diagnostics: Sequence[Diagnostic]) -> str:
    """One ``::error``/``::warning`` command per diagnostic, joined with newlines ("" for none)."""
    return "\n".join(annotation(d) for d in diagnostics)


def annotation(diagnostic: Diagnostic) -> str:
    """``::error file=PATH,line=N,col=N,title=CODE::MESSAGE`` (``::warning`` for warnings)."""
    command = "error" if diagnostic.severity == "error" else "warning"
    properties = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in (
            ("file", diagnostic.path),
            ("line", diagnostic.line),
            ("col", diagnostic.column),
            ("title", diagnostic.code),
        )
    )
    return f"::{command} {properties}::{escape_data(diagnostic.message)}"


def escape_data(text: str) -> str:
    """Escape a command's message: ``%``, CR and LF (``%`` first, so the escapes are not escaped again)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value: as data, and also ``:`` and ``,``, which end the value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
