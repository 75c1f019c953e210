"""``--inventory ENV=db:URL``: read an environment's flags straight from its database (CI that can reach it).

``db:sqlite:///path/to/db.sqlite3`` needs nothing (the standard library's sqlite3); ``db:postgres://user:pass@host:
5432/name`` (or ``postgresql://``) needs psycopg (``pip install 'psycopg[binary]'``; psycopg2 works too). Tables
default to waffle's (``waffle_flag``, ``waffle_switch``, ``waffle_sample``); a swapped model's table is given as a
query parameter: ``?flag_table=registrar_waffleflag`` (also ``switch_table``, ``sample_table``). Rows are turned into
what ``dumpdata`` would export and parsed by the dumpdata reader, so both give the same inventory.
"""

from __future__ import annotations

import datetime
import importlib
import json
import re
import sqlite3
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Tuple
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from flaglint.inventories import dumpdata
from flaglint.inventories.reading import MISSING
from flaglint.model import Inventory, InventoryError, Kind

_TABLES: Dict[Kind, str] = {"flag": "waffle_flag", "switch": "waffle_switch", "sample": "waffle_sample"}
_LABELS: Dict[Kind, str] = {"flag": "waffle.flag", "switch": "waffle.switch", "sample": "waffle.sample"}
_BOOLEANS = frozenset({"everyone", "testing", "superusers", "staff", "authenticated", "rollout", "active"})
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def redacted(url: str) -> str:
    """The URL without its password (it names the inventory in reports)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def load_database_inventory(environment: str, url: str, model_labels: Mapping[str, Kind] = {}) -> Inventory:
    """The inventory held by the database at `url`; every failure is an `InventoryError` naming the URL."""
    shown = "db:" + redacted(url)
    parts = urlsplit(url)
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    tables = dict(_TABLES)
    for kind in _TABLES:
        table = query.get(f"{kind}_table")
        if table:
            if not _IDENTIFIER.match(table):
                raise InventoryError(shown, f"{kind}_table={table!r} is not a table name")
            tables[kind] = table
    if parts.scheme == "sqlite":
        connection = _sqlite(shown, parts.path if not parts.netloc else parts.netloc + parts.path)
    elif parts.scheme in ("postgres", "postgresql"):
        connection = _postgres(shown, url)
    else:
        raise InventoryError(shown, f"unsupported database URL scheme {parts.scheme!r} (use sqlite:/// or postgres://)")
    try:
        records = _records(shown, connection, tables)
    finally:
        connection.close()
    text = json.dumps(records, indent=2)
    entries = dumpdata.parse(shown, text, MISSING, {})
    return Inventory(environment=environment, path=shown, format="database", entries=tuple(entries))


def _sqlite(shown: str, path: str) -> Any:
    path = unquote(path)
    if path.startswith("//"):
        path = path[1:]
    try:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise InventoryError(shown, f"cannot open the sqlite database: {error}") from error


def _postgres(shown: str, url: str) -> Any:
    parts = urlsplit(url)
    kept = [(k, v) for k, values in parse_qs(parts.query).items() for v in values if not k.endswith("_table")]
    url = parts._replace(query=urlencode(kept)).geturl()  # libpq's own parameters (host=/socket/dir) stay
    for module in ("psycopg", "psycopg2"):
        try:
            driver: Any = importlib.import_module(module)
        except ImportError:
            continue
        try:
            return driver.connect(url)
        except Exception as error:  # each driver has its own OperationalError
            raise InventoryError(shown, f"cannot connect: {str(error).strip()}") from error
    raise InventoryError(shown, "reading PostgreSQL needs psycopg: pip install 'psycopg[binary]'")


def _rows(shown: str, connection: Any, sql: str) -> Tuple[List[str], List[Tuple[Any, ...]]]:
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        columns = [column[0] for column in cursor.description or ()]
        return columns, list(cursor.fetchall())
    except Exception as error:
        raise InventoryError(shown, f"cannot read ({sql}): {str(error).strip()}") from error
    finally:
        cursor.close()


def _counts(shown: str, connection: Any, table: str) -> Dict[Any, int]:
    """Rows per flag of a many-to-many table (``waffle_flag_groups``), {} when the table does not exist."""
    try:
        columns, _ = _rows(shown, connection, f"SELECT * FROM {table} WHERE 1 = 0")
    except InventoryError:
        connection.rollback()
        return {}
    owner = next((c for c in columns if c.endswith("_id") and c not in ("group_id", "user_id")), None)
    if owner is None:
        return {}
    _, rows = _rows(shown, connection, f"SELECT {owner}, COUNT(*) FROM {table} GROUP BY {owner}")
    return {row[0]: int(row[1]) for row in rows}


def _records(shown: str, connection: Any, tables: Mapping[Kind, str]) -> List[Dict[str, Any]]:
    records: List[Dict[str, Any]] = []
    for kind, table in tables.items():
        columns, rows = _rows(shown, connection, f"SELECT * FROM {table} ORDER BY id")
        groups = _counts(shown, connection, f"{table}_groups") if kind == "flag" else {}
        users = _counts(shown, connection, f"{table}_users") if kind == "flag" else {}
        for row in rows:
            fields = {column: _value(column, value) for column, value in zip(columns, row) if column != "id"}
            pk = row[columns.index("id")] if "id" in columns else None
            if kind == "flag":
                fields["groups"] = [None] * groups.get(pk, 0)
                fields["users"] = [None] * users.get(pk, 0)
            records.append({"model": _LABELS[kind], "pk": pk, "fields": fields})
    return records


def _value(column: str, value: Any) -> Any:
    """A column as dumpdata writes it: booleans, decimals as strings, timestamps as Django's JSON encoder does."""
    if value is None:
        return None
    if column in _BOOLEANS:
        return bool(value)
    if isinstance(value, Decimal):
        return str(value)
    if column in ("created", "modified"):
        return _timestamp(value)
    return value


def _timestamp(value: Any) -> Optional[str]:
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if not isinstance(moment, datetime.datetime):
        return str(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    text = moment.isoformat()
    if moment.microsecond:
        text = text[:23] + text[26:]
    return text[:-6] + "Z" if text.endswith("+00:00") else text
