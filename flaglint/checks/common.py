"""Helpers the checks share: building a diagnostic from the registry, listing places."""

from __future__ import annotations

from typing import Dict, Sequence

from flaglint.codes import code
from flaglint.model import Diagnostic, Inventory, Kind, Reference, Retirement

LISTED = 5
"""How many places a message lists before "and N more"."""


def reference_diagnostic(identifier: str, reference: Reference, **values: object) -> Diagnostic:
    """A diagnostic placed on a reference; `values` fill the registry message's placeholders."""
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


def entry_diagnostic(
    identifier: str,
    inventory: Inventory,
    line: int,
    kind: Kind,
    values: Dict[str, object],
    related: Sequence[Reference] = (),
) -> Diagnostic:
    """A diagnostic placed on an inventory entry's line in its export file."""
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


def why(retirement: Retirement) -> str:
    """Why a name is scheduled for deletion, as FL101 says it."""
    origin = f"listed in {retirement.origin}" if retirement.origin else "named with --retiring"
    parts = [retirement.reason or origin]
    if retirement.date:
        parts.append(f"on {retirement.date}")
    return ", ".join(part for part in parts if part)


def joined(items: Sequence[str]) -> str:
    """Items separated by commas."""
    return ", ".join(items)


def places(references: Sequence[Reference]) -> str:
    """``path:line`` of the first few references, and how many more."""
    places = [f"{r.path}:{r.line}" for r in references[:LISTED]]
    more = len(references) - LISTED
    return ", ".join(places) + (f" and {more} more" if more > 0 else "")
