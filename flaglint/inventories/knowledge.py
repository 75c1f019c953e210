"""What the checks know besides the references: the environments' inventories and what is scheduled for deletion."""

from __future__ import annotations

from typing import Iterable, List, Optional, Sequence

from flaglint.config import Settings, parse_inventory_option
from flaglint.inventories import load_inventory, load_retirement_plan
from flaglint.model import Inventory, Knowledge, Retirement
from flaglint.paths import display


def load_knowledge(
    settings: Settings,
    inventory_options: Sequence[str] = (),
    retiring: Sequence[str] = (),
    retirement_plan: Optional[str] = None,
) -> Knowledge:
    """Inventories (configured, then ``ENV=FILE`` options) and everything scheduled for deletion.

    Raises `ConfigError` for a malformed option and `InventoryError` for a malformed file.
    """
    specs = {spec.environment: spec for spec in settings.inventories}
    for option in inventory_options:
        spec = parse_inventory_option(option)
        specs[spec.environment] = spec
    labels = dict(settings.model_labels)
    inventories = [
        load_inventory(spec.environment, display(spec.path), fmt=spec.format, model_labels=labels)
        for spec in specs.values()
    ]
    retirements: List[Retirement] = []
    plan = retirement_plan or settings.retirement_plan
    if plan:
        retirements.extend(load_retirement_plan(display(plan)))
    retirements.extend(retirements_from_notes(inventories, settings.retire_marker))
    retirements.extend(Retirement(name) for name in list(settings.retiring) + list(retiring))
    return Knowledge(tuple(inventories), tuple(retirements))


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
