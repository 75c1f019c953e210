"""Per-reference checks (FL101-FL105): one reference at a time, so they run on any part of the project."""

from __future__ import annotations

from typing import List, Sequence, Tuple

from flaglint.checks.common import joined, reference_diagnostic, why
from flaglint.model import Diagnostic, Kind, Knowledge, Reference


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
    if reference.deletes:
        return found  # deleting a retired name is the retirement; deleting a missing one changes nothing
    retirement = knowledge.retirement(reference.kind, reference.name)
    if retirement is not None and not reference.migration:
        found.append(reference_diagnostic("FL101", reference, why=why(retirement)))
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
            reference_diagnostic(
                "FL103",
                reference,
                environments=joined(environments),
                verb="knows" if len(environments) == 1 else "know",
                other=other,
                environment=",".join(environments),
            )
        )
    if missing and reference.command != "create":  # a command that creates the object needs none to exist
        environments = [environment for environment, _ in missing]
        text = joined(environments)
        if len(environments) == len(knowledge.inventories) and len(environments) > 1:
            text = f"every environment ({text})"
        present = [i.environment for i in knowledge.inventories if i.has(reference.kind, reference.name)]
        note = f" ({joined(present)} {'has' if len(present) == 1 else 'have'} it)" if present else ""
        found.append(
            reference_diagnostic(
                "FL102", reference, environments=text, present_note=note, environment=",".join(environments)
            )
        )
    return found


def _check_dynamic(reference: Reference, knowledge: Knowledge) -> List[Diagnostic]:
    pattern = reference.pattern or "*"
    note = f" (known pattern: {pattern})" if pattern != "*" else ""
    if reference.reason:
        note += f": {reference.reason}"
    found = [reference_diagnostic("FL104", reference, expression=reference.expression, pattern_note=note)]
    if reference.deletes:
        return found
    for retirement in knowledge.retirements:
        if retirement.kind in (None, reference.kind) and reference.could_be(retirement.name):
            found.append(
                reference_diagnostic("FL105", reference, expression=reference.expression, name=retirement.name)
            )
    return found
