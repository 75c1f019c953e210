"""The deletion gate's check: everything that still references a name, grouped (code, templates, scripts, tests
...); ``waffle_delete`` commands are listed apart: they are the deletion, not in its way."""

from __future__ import annotations

from typing import Dict, List, Sequence

from flaglint.model import DELETION_GROUPS, DeletionVerdict, Inventory, Kind, Reference


def deletion_verdict(
    name: str, kinds: Sequence[Kind], references: Sequence[Reference], inventories: Sequence[Inventory] = ()
) -> DeletionVerdict:
    """Everything that references `name` as one of `kinds` (all kinds when empty), grouped for the deletion gate."""
    if not kinds:
        known = sorted({kind for inventory in inventories for kind in inventory.kinds_of(name)})
        kinds = tuple(known)
    groups: Dict[str, List[Reference]] = {group: [] for group in DELETION_GROUPS}
    migrations: List[Reference] = []
    deletions: List[Reference] = []
    for reference in references:
        if kinds and reference.kind not in kinds:
            continue
        if not reference.could_be(name):
            continue
        if reference.deletes:
            if reference.name is not None:
                deletions.append(reference)  # the deletion itself; a dynamic one may delete anything
        elif reference.name is None:
            groups["dynamic"].append(reference)
        elif reference.migration:
            migrations.append(reference)
        elif reference.test:
            groups["tests"].append(reference)
        elif reference.command is not None:
            groups["scripts"].append(reference)
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
        tuple(deletions),
    )
