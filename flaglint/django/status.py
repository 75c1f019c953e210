"""What an environment's monitor needs to know, computed from the manifest and the environment's inventory.

Pure: `environment_status` takes data and returns the status endpoint's JSON document
(contract: `flaglint/schemas/status-v1.json`). Only names and paths, never flag states, users or groups.
"""

from __future__ import annotations

from typing import Dict, List, Sequence

from flaglint.model import Inventory, Manifest, Reference, Retirement

STATUS_VERSION = 1


def _places(references: Sequence[Reference]) -> List[Dict[str, object]]:
    return [{"path": r.path, "line": r.line} for r in references]


def missing_names(manifest: Manifest, inventory: Inventory) -> List[Dict[str, object]]:
    """Names the running code reads that the environment does not hold, with the references."""
    return [
        {"kind": kind, "name": name, "references": _places(references)}
        for (kind, name), references in sorted(manifest.named().items())
        if not inventory.has(kind, name)
    ]


def environment_status(
    manifest: Manifest, inventory: Inventory, retirements: Sequence[Retirement] = ()
) -> Dict[str, object]:
    """The status document: 200 when `missing` is empty, 503 otherwise (the caller sets the code)."""
    missing = missing_names(manifest, inventory)
    considered = [r for r in manifest.references if not r.migration]
    unreferenced = [
        {"kind": entry.kind, "name": entry.name}
        for entry in sorted(inventory.entries, key=lambda e: (e.kind, e.name))
        if not any(r.kind == entry.kind and r.could_be(entry.name) for r in considered)
    ]
    retiring = []
    seen = set()
    for retirement in retirements:
        for entry in inventory.entries:
            if entry.name != retirement.name or retirement.kind not in (None, entry.kind):
                continue
            blocking = manifest.blocking(entry.kind, entry.name)
            if blocking and (entry.kind, entry.name) not in seen:
                seen.add((entry.kind, entry.name))
                retiring.append({"kind": entry.kind, "name": entry.name, "references": _places(blocking)})
    return {
        "version": STATUS_VERSION,
        "environment": inventory.environment,
        "ok": not missing,
        "manifest": {
            "version": 1,
            "flaglint_version": manifest.flaglint_version,
            "commit": manifest.commit,
            "created": manifest.created,
            "complete": manifest.complete,
        },
        "missing": missing,
        "unreferenced": unreferenced,
        "retiring_but_used": retiring,
    }
