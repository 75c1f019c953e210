"""Location fingerprints that survive unrelated edits: shared by the baseline and SARIF's partialFingerprints.

A finding is keyed by its code, its name and the text of its line (whitespace-normalised), not by its line
number: inserting lines above it does not change the key; editing the line itself does.
"""

from __future__ import annotations

import hashlib
import re
from typing import Dict, List, Optional

from flaglint.model import Diagnostic

_SPACE = re.compile(r"\s+")


class LineReader:
    """Reads the lines of the files diagnostics point at, once per file; unreadable files give no lines."""

    def __init__(self) -> None:
        self._lines: Dict[str, List[str]] = {}

    def line(self, path: str, number: int) -> str:
        """The text of line `number` (1-based) of `path`, or "" when there is no such line."""
        lines = self._lines.get(path)
        if lines is None:
            try:
                with open(path, encoding="utf-8", errors="replace", newline="") as handle:
                    lines = handle.read().splitlines()
            except OSError:
                lines = []
            self._lines[path] = lines
        return lines[number - 1] if 0 < number <= len(lines) else ""


def fingerprint(diagnostic: Diagnostic, line_text: Optional[str]) -> str:
    """A stable hex key for a finding: code, path, name and the normalised text of its line."""
    normalised = _SPACE.sub(" ", (line_text or "").strip())
    material = "\0".join((diagnostic.code, diagnostic.path, diagnostic.name or "", diagnostic.kind or "", normalised))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]
