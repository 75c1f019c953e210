"""This environment's inventory straight from its database: what ``dumpdata`` would export, read in-process."""

from __future__ import annotations

import json
from typing import Any, Dict, List

from flaglint.inventories import dumpdata
from flaglint.inventories.reading import MISSING
from flaglint.model import Inventory, Kind


def live_inventory(alias: str, environment: str) -> Inventory:
    """The flags, switches and samples of database `alias`, parsed exactly as a dumpdata export of it would be."""
    from django.core import serializers
    from django.core.serializers.json import DjangoJSONEncoder

    from flaglint.django.guard import GUARDED

    records: List[Any] = []
    labels: Dict[str, Kind] = {}
    for model, kind in GUARDED.items():
        labels[model._meta.label_lower] = kind
        records.extend(serializers.serialize("python", model._default_manager.using(alias).order_by("pk")))
    text = json.dumps(records, cls=DjangoJSONEncoder, indent=2)
    path = f"db:{alias}"
    entries = dumpdata.parse(path, text, MISSING, labels)
    return Inventory(environment=environment, path=path, format="database", entries=tuple(entries))


def tables_exist(alias: str) -> bool:
    """Whether the guarded models' tables exist in `alias` (not before ``migrate``)."""
    from django.db import connections

    from flaglint.django.guard import GUARDED

    existing = set(connections[alias].introspection.table_names())
    return all(model._meta.db_table in existing for model in GUARDED)
