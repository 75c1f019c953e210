"""What the checks know besides the references: the environments' inventories and what is scheduled for deletion."""

from __future__ import annotations

from typing import Iterable, List, Mapping, Optional, Sequence

from flaglint.config import Settings, parse_inventory_option
from flaglint.inventories import load_inventory, load_retirement_plan
from flaglint.model import Inventory, Kind, Knowledge, Retirement
from flaglint.paths import display


def load_knowledge(
    settings: Settings,
    inventory_options: Sequence[str] = (),
    retiring: Sequence[str] = (),
    retirement_plan: Optional[str] = None,
    read: Sequence[Inventory] = (),
) -> Knowledge:
    """Inventories (`read` ones, configured ones, then ``ENV=FILE`` options) and everything scheduled for deletion.

    `read` are inventories the caller already has (the Django app's live database).
    Raises `ConfigError` for a malformed option and `InventoryError` for a malformed file.
    """
    specs = {spec.environment: spec for spec in settings.inventories}
    for option in inventory_options:
        spec = parse_inventory_option(option)
        specs[spec.environment] = spec
    for inventory in read:  # the caller's reading of an environment replaces its configured export
        specs.pop(inventory.environment, None)
    labels = dict(settings.model_labels)
    inventories = list(read) + [
        _load(spec.environment, spec.path, spec.format, labels) for spec in specs.values()
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


def _load(environment: str, path: str, fmt: Optional[str], labels: Mapping[str, Kind]) -> Inventory:
    """An export file, or a database (``db:sqlite:///file``, ``db:postgres://...``) read directly."""
    if path.startswith("db:"):
        from flaglint.inventories.database import load_database_inventory

        return load_database_inventory(environment, path[len("db:") :], model_labels=labels)
    return load_inventory(environment, display(path), fmt=fmt, model_labels=labels)
