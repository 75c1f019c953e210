"""Checks: pure functions from (references, inventories, retirements) to diagnostics.

Per-reference checks (FL1xx) look at one reference at a time, so the flake8 plugin can run them on one file.
Project-wide checks (FL2xx) need every reference of the project and are run by the CLI only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from flaglint.codes import code, selected
from flaglint.types import (
    Diagnostic,
    FileProblem,
    Inventory,
    InventoryEntry,
    Kind,
    Reference,
    Retirement,
)

_LISTED = 5


@dataclass(frozen=True)
class Knowledge:
    """What the checks know besides the references: inventories and what is scheduled for deletion."""

    inventories: Tuple[Inventory, ...] = ()
    retirements: Tuple[Retirement, ...] = ()

    def retirement(self, kind: Kind, name: str) -> Optional[Retirement]:
        """The retirement that applies to (kind, name), if any."""
        for retirement in self.retirements:
            if retirement.name == name and retirement.kind in (None, kind):
                return retirement
        return None


def retirements_from_notes(inventories: Iterable[Inventory], marker: str) -> List[Retirement]:
    """Entries whose export note carries the retirement marker (``flaglint: retire``) are scheduled for deletion."""
    found: List[Retirement] = []
    if not marker:
        return found
    for inventory in inventories:
        for entry in inventory.entries:
            if marker.lower() in entry.note.lower():
                found.append(
                    Retirement(
                        entry.name,
                        entry.kind,
                        reason=f"note in {inventory.environment}: {entry.note.strip()}",
                        origin=inventory.path,
                    )
                )
    return found


def check_references(references: Sequence[Reference], knowledge: Knowledge) -> List[Diagnostic]:
    """FL101-FL105 for each reference."""
    diagnostics: List[Diagnostic] = []
    for reference in references:
        diagnostics.extend(check_reference(reference, knowledge))
    return diagnostics


def check_reference(reference: Reference, knowledge: Knowledge) -> List[Diagnostic]:
    """The per-reference diagnostics of one reference."""
    if reference.name is None:
        return _check_dynamic(reference, knowledge)
    found: List[Diagnostic] = []
    retirement = knowledge.retirement(reference.kind, reference.name)
    if retirement is not None and not reference.migration:
        found.append(_diagnostic("FL101", reference, why=_why(retirement)))
    if reference.test or reference.migration or not knowledge.inventories:
        return found
    missing: List[Tuple[str, Tuple[Kind, ...]]] = []
    mismatched: List[Tuple[str, Tuple[Kind, ...]]] = []
    for inventory in knowledge.inventories:
        if inventory.has(reference.kind, reference.name):
            continue
        others = inventory.kinds_of(reference.name)
        (mismatched if others else missing).append((inventory.environment, others))
    if mismatched:
        environments = [environment for environment, _ in mismatched]
        other = mismatched[0][1][0]
        found.append(
            _diagnostic(
                "FL103",
                reference,
                environments=_join(environments),
                verb="knows" if len(environments) == 1 else "know",
                other=other,
                environment=",".join(environments),
            )
        )
    if missing:
        environments = [environment for environment, _ in missing]
        text = _join(environments)
        if len(environments) == len(knowledge.inventories) and len(environments) > 1:
            text = f"every environment ({text})"
        present = [i.environment for i in knowledge.inventories if i.has(reference.kind, reference.name)]
        note = f" ({_join(present)} {'has' if len(present) == 1 else 'have'} it)" if present else ""
        found.append(
            _diagnostic("FL102", reference, environments=text, present_note=note, environment=",".join(environments))
        )
    return found


def _check_dynamic(reference: Reference, knowledge: Knowledge) -> List[Diagnostic]:
    pattern = reference.pattern or "*"
    note = f" (known pattern: {pattern})" if pattern != "*" else ""
    found = [_diagnostic("FL104", reference, expression=reference.expression, pattern_note=note)]
    for retirement in knowledge.retirements:
        if retirement.kind in (None, reference.kind) and reference.could_be(retirement.name):
            found.append(_diagnostic("FL105", reference, expression=reference.expression, name=retirement.name))
    return found


def check_project(
    references: Sequence[Reference], knowledge: Knowledge, problems: Sequence[FileProblem] = ()
) -> List[Diagnostic]:
    """FL201-FL203: inventory entries nothing references, only tests reference, or only a pattern could."""
    by_name: Dict[Tuple[Kind, str], List[Reference]] = defaultdict(list)
    dynamic_by_kind: Dict[Kind, List[Reference]] = defaultdict(list)
    for reference in references:
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
        environments = _join(names)
        inventory, entry = holders[0]
        line = entry.line
        named = by_name.get((kind, name), [])
        base: Dict[str, object] = dict(kind=kind, name=name, environments=environments, environment=",".join(names))
        if any(not (reference.test or reference.migration) for reference in named):
            continue
        if named:
            tests = _list_places(named)
            diagnostics.append(_project_diagnostic("FL202", inventory, line, kind, {**base, "tests": tests}, named))
            continue
        matches = [reference for reference in dynamic_by_kind.get(kind, []) if reference.could_be(name)]
        if matches:
            listed = _list_places(matches)
            diagnostics.append(
                _project_diagnostic("FL203", inventory, line, kind, {**base, "references": listed}, matches)
            )
            continue
        diagnostics.append(_project_diagnostic("FL201", inventory, line, kind, {**base, "caveat": caveat}))
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
            kind=kind, name=name, present=_join(present), absent=_join(absent), environment=",".join(absent)
        )
        diagnostics.append(_project_diagnostic("FL204", inventory, entry.line, kind, values))
    return diagnostics


DELETION_GROUPS = ("code", "templates", "javascript", "tests", "dynamic")


@dataclass(frozen=True)
class DeletionVerdict:
    """What stands between one name and its deletion: blocking references by group, and migrations (not blocking)."""

    name: str
    kinds: Tuple[Kind, ...]
    blocking: Mapping[str, Tuple[Reference, ...]]
    migrations: Tuple[Reference, ...]
    environments: Tuple[str, ...]
    """The environments whose inventory holds the name (empty when no inventory was given)."""

    @property
    def safe(self) -> bool:
        """No code, template, JavaScript or test reference, and no dynamic reference that could produce it."""
        return not any(self.blocking.values())


def deletion_verdict(
    name: str, kinds: Sequence[Kind], references: Sequence[Reference], inventories: Sequence[Inventory] = ()
) -> DeletionVerdict:
    """Everything that references `name` as one of `kinds` (all kinds when empty), grouped for the deletion gate."""
    if not kinds:
        known = sorted({kind for inventory in inventories for kind in inventory.kinds_of(name)})
        kinds = tuple(known)
    groups: Dict[str, List[Reference]] = {group: [] for group in DELETION_GROUPS}
    migrations: List[Reference] = []
    for reference in references:
        if kinds and reference.kind not in kinds:
            continue
        if not reference.could_be(name):
            continue
        if reference.name is None:
            groups["dynamic"].append(reference)
        elif reference.migration:
            migrations.append(reference)
        elif reference.test:
            groups["tests"].append(reference)
        elif reference.source == "javascript":
            groups["javascript"].append(reference)
        elif reference.source in ("django-template", "jinja2"):
            groups["templates"].append(reference)
        else:
            groups["code"].append(reference)
    holders = tuple(inventory.environment for inventory in inventories if inventory.kinds_of(name))
    return DeletionVerdict(
        name,
        tuple(kinds),
        {group: tuple(found) for group, found in groups.items()},
        tuple(migrations),
        holders,
    )


def problem_diagnostics(problems: Sequence[FileProblem]) -> List[Diagnostic]:
    """FL001 for every file that could not be read or parsed, FL003 for every file skipped for its size."""
    found = []
    for problem in problems:
        entry = code(problem.code)
        message = entry.format(detail=problem.message)
        found.append(Diagnostic(problem.code, entry.severity, message, problem.path, problem.line, problem.column))
    return found


def filter_codes(
    diagnostics: Iterable[Diagnostic], select: Tuple[str, ...], ignore: Tuple[str, ...]
) -> List[Diagnostic]:
    """Keep the diagnostics whose codes are selected and not ignored."""
    return [d for d in diagnostics if selected(d.code, select, ignore)]


def _entries(inventories: Sequence[Inventory]) -> Dict[Tuple[Kind, str], List[Tuple[Inventory, InventoryEntry]]]:
    entries: Dict[Tuple[Kind, str], List[Tuple[Inventory, InventoryEntry]]] = {}
    for inventory in inventories:
        for entry in inventory.entries:
            entries.setdefault((entry.kind, entry.name), []).append((inventory, entry))
    return entries


def _diagnostic(identifier: str, reference: Reference, **values: object) -> Diagnostic:
    entry = code(identifier)
    fields: Dict[str, object] = dict(kind=reference.kind, name=reference.name, expression=reference.expression)
    fields.update(values)
    environment = values.get("environment")
    return Diagnostic(
        identifier,
        entry.severity,
        entry.format(**fields),
        reference.path,
        reference.line,
        reference.column,
        name=str(fields["name"]) if fields.get("name") is not None else None,
        kind=reference.kind,
        environment=str(environment) if environment else None,
        related=(reference,),
    )


def _project_diagnostic(
    identifier: str,
    inventory: Inventory,
    line: int,
    kind: Kind,
    values: Dict[str, object],
    related: Sequence[Reference] = (),
) -> Diagnostic:
    entry = code(identifier)
    return Diagnostic(
        identifier,
        entry.severity,
        entry.format(**values),
        inventory.path,
        line,
        1,
        name=str(values["name"]),
        kind=kind,
        environment=str(values["environment"]),
        related=tuple(related),
    )


def _why(retirement: Retirement) -> str:
    origin = f"listed in {retirement.origin}" if retirement.origin else "named with --retiring"
    parts = [retirement.reason or origin]
    if retirement.date:
        parts.append(f"on {retirement.date}")
    return ", ".join(part for part in parts if part)


def _join(items: Sequence[str]) -> str:
    return ", ".join(items)


def _list_places(references: Sequence[Reference]) -> str:
    places = [f"{r.path}:{r.line}" for r in references[:_LISTED]]
    more = len(references) - _LISTED
    return ", ".join(places) + (f" and {more} more" if more > 0 else "")


def summarise(diagnostics: Sequence[Diagnostic]) -> Mapping[str, int]:
    """Counts for the summary line and the JSON summary."""
    errors = sum(1 for d in diagnostics if d.severity == "error")
    return {"errors": errors, "warnings": len(diagnostics) - errors}
