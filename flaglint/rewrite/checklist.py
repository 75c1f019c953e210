"""What a removal leaves for the user, beyond each file's own notes: found by comparing before and after.

A rewrite that keeps one branch can drop another flag's only reference with the other branch; a removed import can
be the target of a ``mock.patch("app.tasks.waffle.switch_is_active")`` elsewhere. Neither is an error, and
neither may happen silently.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from typing import Dict, Iterable, List, Mapping, Optional, Set, Tuple

from flaglint.model import Kind, Note, Reference, ScanResult
from flaglint.paths import display, module_name


def lost_references(
    before: ScanResult, after: ScanResult, rewritten: Set[str], name: str, kind: Optional[Kind]
) -> List[Note]:
    """Other flags' references (in the rewritten files) that the rewrite removed with a branch."""

    def others(result: ScanResult) -> "Counter[Tuple[str, str, str, str]]":
        return Counter(
            _key(r) for r in result.references if r.path in rewritten and not (r.name == name and r.kind == kind)
        )

    lost = others(before) - others(after)
    notes: List[Note] = []
    for reference in before.references:
        key = _key(reference)
        if lost.get(key, 0) > 0:
            lost[key] -= 1
            what = f"{reference.kind} '{reference.name}'" if reference.name else f"a dynamic {reference.kind} reference"
            message = (
                f"the rewrite removed a branch that also referenced {what} ({reference.expression}): "
                "check that this is what you want"
            )
            notes.append(Note(reference.path, reference.line, message))
    return notes


def _key(reference: Reference) -> Tuple[str, str, str, str]:
    return (reference.path, reference.kind, reference.name or "", reference.pattern or "")


def patched_imports(root: str, removed: Mapping[str, Tuple[str, ...]], python_files: Iterable[str]) -> List[Note]:
    """Strings such as ``mock.patch("app.tasks.waffle.switch_is_active")`` that name an import the rewrite removed.

    `removed` maps each rewritten file to the names whose imports went; `python_files` are the project's files.
    """
    if not removed:
        return []
    targets: Dict[str, str] = {}
    for path, names in removed.items():
        relative = os.path.relpath(os.path.abspath(path), root).replace(os.sep, "/")
        parts = module_name(relative).split(".")
        for start in range(len(parts)):
            module = ".".join(parts[start:])
            for imported in names:
                targets[f"{module}.{imported}"] = path
    alternatives = "|".join(re.escape(target) for target in sorted(targets, key=len, reverse=True))
    pattern = re.compile(r"""["'](""" + alternatives + r""")[."']""")
    words = {target.rpartition(".")[2] for target in targets}
    notes: List[Note] = []
    for absolute in python_files:
        try:
            with open(absolute, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError:
            continue
        if not any(word in text for word in words):
            continue
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            target = match.group(1)
            message = (
                f"{target!r} names an import the rewrite removed from {targets[target]}: "
                "update this patch target (or the test)"
            )
            notes.append(Note(display(absolute), line, message))
    return notes
