"""Project-wide checks (FL201-FL205): every inventory entry against every reference of the project, and every
``waffle_delete`` against the references it would break."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Dict, List, Sequence, Tuple

from flaglint.checks.common import entry_diagnostic, joined, places, reference_diagnostic
from flaglint.model import Diagnostic, FileProblem, Inventory, InventoryEntry, Kind, Knowledge, Reference


def check_project(
    references: Sequence[Reference], knowledge: Knowledge, problems: Sequence[FileProblem] = ()
) -> List[Diagnostic]:
    """FL201-FL203: inventory entries nothing references, only tests reference, or only a pattern could.

    A ``waffle_delete`` is no reference here: a name only a script deletes is as stale as one nothing names.
    """
    by_name: Dict[Tuple[Kind, str], List[Reference]] = defaultdict(list)
    dynamic_by_kind: Dict[Kind, List[Reference]] = defaultdict(list)
    for reference in references:
        if reference.deletes:
            continue
        if reference.name is None:
            dynamic_by_kind[reference.kind].append(reference)
        else:
            by_name[(reference.kind, reference.name)].append(reference)
    caveat = ""
    if problems:
        caveat = f" (but {len(problems)} file(s) could not be read, see FL001)"
    diagnostics: List[Diagnostic] = []
    for (kind, name), holders in _entries(knowledge.inventories).items():
        names = [inventory.environment for inventory, _ in holders]
        environments = joined(names)
        inventory, entry = holders[0]
        line = entry.line
        named = by_name.get((kind, name), [])
        base: Dict[str, object] = dict(kind=kind, name=name, environments=environments, environment=",".join(names))
        if any(not (reference.test or reference.migration) for reference in named):
            continue
        if named:
            tests = places(named)
            diagnostics.append(entry_diagnostic("FL202", inventory, line, kind, {**base, "tests": tests}, named))
            continue
        matches = [reference for reference in dynamic_by_kind.get(kind, []) if reference.could_be(name)]
        if matches:
            listed = places(matches)
            diagnostics.append(
                entry_diagnostic("FL203", inventory, line, kind, {**base, "references": listed}, matches)
            )
            continue
        diagnostics.append(entry_diagnostic("FL201", inventory, line, kind, {**base, "caveat": caveat}))
    return diagnostics


def check_deletions(references: Sequence[Reference]) -> List[Diagnostic]:
    """FL205: a ``waffle_delete`` (outside tests and data migrations) of a name non-test code still references.

    Only uses count: references in tests, data migrations and other management commands (a script that creates
    the object) do not read it at runtime. Needs no inventory.
    """
    readers: Dict[Tuple[Kind, str], List[Reference]] = defaultdict(list)
    for reference in references:
        if reference.name is not None and not (reference.test or reference.migration or reference.command):
            readers[(reference.kind, reference.name)].append(reference)
    diagnostics: List[Diagnostic] = []
    for reference in references:
        if not reference.deletes or reference.name is None or reference.test or reference.migration:
            continue
        found = readers.get((reference.kind, reference.name), [])
        if found:
            command = "waffle_delete"
            diagnostic = reference_diagnostic("FL205", reference, command=command, references=places(found))
            diagnostics.append(replace(diagnostic, related=(reference, *found)))
    return diagnostics


def check_drift(knowledge: Knowledge) -> List[Diagnostic]:
    """FL204: names that some environments hold and others lack (only with two or more inventories)."""
    if len(knowledge.inventories) < 2:
        return []
    diagnostics: List[Diagnostic] = []
    for (kind, name), holders in _entries(knowledge.inventories).items():
        present = [inventory.environment for inventory, _ in holders]
        absent = [i.environment for i in knowledge.inventories if i.environment not in present]
        if not absent:
            continue
        inventory, entry = holders[0]
        values: Dict[str, object] = dict(
            kind=kind, name=name, present=joined(present), absent=joined(absent), environment=",".join(absent)
        )
        diagnostics.append(entry_diagnostic("FL204", inventory, entry.line, kind, values))
    return diagnostics


def _entries(inventories: Sequence[Inventory]) -> Dict[Tuple[Kind, str], List[Tuple[Inventory, InventoryEntry]]]:
    entries: Dict[Tuple[Kind, str], List[Tuple[Inventory, InventoryEntry]]] = {}
    for inventory in inventories:
        for entry in inventory.entries:
            entries.setdefault((entry.kind, entry.name), []).append((inventory, entry))
    return entries
