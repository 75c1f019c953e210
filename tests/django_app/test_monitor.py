"""Watching an environment: system checks, the end of migrate, ``manage.py flaglint check`` against the CLI on a
dumpdata export of the same database, ``db:`` inventories, and the status endpoint (schema, 200/503, access)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any, Dict, List, Tuple

import jsonschema
import pytest
from django.conf import settings
from django.core import checks
from django.core.management import call_command
from django.test import Client, override_settings
from waffle import get_waffle_flag_model, get_waffle_sample_model, get_waffle_switch_model

from flaglint import cli
from flaglint.inventories import load_inventory
from flaglint.inventories.database import load_database_inventory

Flag = get_waffle_flag_model()
Switch = get_waffle_switch_model()
Sample = get_waffle_sample_model()
ROOT = Path(__file__).resolve().parents[2]
SOURCE = str(settings.FLAGLINT_SOURCE)
STATUS_SCHEMA = json.loads((ROOT / "flaglint" / "schemas" / "status-v1.json").read_text())
REFERENCED = ("new_checkout", "header_v2")
LABELS = (Flag._meta.label, Switch._meta.label, Sample._meta.label)  # a swapped flag model has its own label


def every_referenced_name(alias: str) -> None:
    for name in REFERENCED:
        Flag.objects.using(alias).get_or_create(name=name, defaults={"everyone": True})
    Switch.objects.using(alias).get_or_create(name="maintenance_mode")
    Sample.objects.using(alias).get_or_create(name="ab_banner", defaults={"percent": "12.5"})


def flaglint_messages(alias: str) -> List[Tuple[str, str]]:
    found = checks.run_checks(databases=[alias], tags=["flaglint"])
    return sorted((message.id, str(message.obj)) for message in found)


def test_system_check_reports_referenced_names_missing_from_the_database(alias: str) -> None:
    Flag.objects.using(alias).create(name="new_checkout", everyone=True)
    assert flaglint_messages(alias) == [
        ("flaglint.W001", "flag:header_v2"),
        ("flaglint.W001", "sample:ab_banner"),
        ("flaglint.W001", "switch:maintenance_mode"),
    ]
    [message] = [m for m in checks.run_checks(databases=[alias]) if m.obj == "flag:header_v2"]
    assert "environment 'prod'" in message.msg and "shop/templates/shop/home.html:2" in message.hint
    every_referenced_name(alias)
    assert flaglint_messages(alias) == []


def test_database_check_runs_only_with_a_database() -> None:
    assert checks.run_checks(tags=["flaglint"]) == []


def test_bad_configuration_is_a_check_error_not_a_crash(tmp_path: Path) -> None:
    with override_settings(FLAGLINT_MANIFEST=str(tmp_path / "nope.json"), FLAGLINT_GUARD="maybe"):
        found = {m.id: m for m in checks.run_checks(tags=["flaglint"])}
    assert set(found) == {"flaglint.E001", "flaglint.E002"}
    assert "nope.json" in found["flaglint.E001"].msg and "flaglint manifest" in found["flaglint.E001"].hint
    with override_settings(FLAGLINT_SOURCE=str(tmp_path / "gone")):
        [error] = checks.run_checks(tags=["flaglint"])
    assert error.id == "flaglint.E001" and "FLAGLINT_SOURCE" in error.msg


def test_end_of_migrate_reports_missing_names(alias: str) -> None:
    out = io.StringIO()
    call_command("migrate", database=alias, verbosity=0, stdout=out)
    assert "flaglint: 4 name(s) the code uses are missing" in out.getvalue()
    every_referenced_name(alias)
    out = io.StringIO()
    call_command("migrate", database=alias, verbosity=0, stdout=out)
    assert "flaglint" not in out.getvalue()


def populate(alias: str) -> None:
    """Some present, one missing (header_v2), one unreferenced, one only in tests, one retiring by its note."""
    Flag.objects.using(alias).create(name="new_checkout", everyone=True, note="flaglint: retire after Q3")
    Flag.objects.using(alias).create(name="stale_flag", percent="50")
    Flag.objects.using(alias).create(name="only_in_tests", everyone=False)
    Switch.objects.using(alias).create(name="maintenance_mode", active=True)
    Sample.objects.using(alias).create(name="ab_banner", percent="10.0")


def run_cli(*argv: str) -> Tuple[int, Dict[str, Any]]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    assert out.getvalue(), err.getvalue()
    return code, json.loads(out.getvalue())


def comparable(document: Dict[str, Any], inventory_path: str) -> List[Tuple[Any, ...]]:
    """The diagnostics, with the inventory's own location (an export file, or ``db:ALIAS``) left out."""
    rows = []
    for d in document["diagnostics"]:
        at_inventory = d["path"] == inventory_path
        message = d["message"].replace(inventory_path, "<inventory>")
        place = ("<inventory>",) if at_inventory else (d["path"], d["line"], d["column"])
        rows.append((d["code"], d["severity"], d["name"], d["kind"], d["environment"], message, place))
    return sorted(rows, key=repr)


def test_manage_py_flaglint_check_equals_the_cli_on_a_dumpdata_export(alias: str, tmp_path: Path) -> None:
    populate(alias)
    out = io.StringIO()
    with pytest.raises(SystemExit) as raised:
        call_command("flaglint", "check", "--format", "json", "--no-cache", "-q", "--database", alias, stdout=out)
    live = json.loads(out.getvalue())
    export = tmp_path / "prod.json"
    with export.open("w") as handle:
        call_command("dumpdata", *LABELS, database=alias, indent=2, stdout=handle)
    code, exported = run_cli("check", SOURCE, "--format", "json", "--no-cache", "-q", "--inventory", f"prod={export}")
    assert raised.value.code == code == 1
    codes = sorted({d["code"] for d in live["diagnostics"]})
    assert {"FL102", "FL201", "FL202"} <= set(codes), codes
    assert comparable(live, f"db:{alias}") == comparable(exported, cli.display(str(export)))
    assert live["summary"]["environments"] == ["prod"] == exported["summary"]["environments"]


def test_db_inventory_reads_what_dumpdata_exports(alias: str, tmp_path: Path) -> None:
    populate(alias)
    export = tmp_path / "dump.json"
    with export.open("w") as handle:
        call_command("dumpdata", *LABELS, database=alias, indent=2, stdout=handle)
    expected = load_inventory("prod", str(export)).entries
    database = settings.DATABASES[alias]
    if alias == "default":
        url = f"sqlite:///{database['NAME']}"
    else:
        url = f"postgresql://{database['USER']}:secret@/{database['NAME']}?host={database['HOST']}"
    if Flag._meta.db_table != "waffle_flag":
        url += ("&" if "?" in url else "?") + f"flag_table={Flag._meta.db_table}"
    inventory = load_database_inventory("prod", url)
    assert [(e.kind, e.name, e.state, e.created, e.modified, e.note) for e in inventory.entries] == [
        (e.kind, e.name, e.state, e.created, e.modified, e.note) for e in expected
    ]
    assert "secret" not in inventory.path
    code, document = run_cli("check", SOURCE, "--format", "json", "--no-cache", "-q", "--inventory", f"prod=db:{url}")
    _, exported = run_cli("check", SOURCE, "--format", "json", "--no-cache", "-q", "--inventory", f"prod={export}")
    assert comparable(document, inventory.path) == comparable(exported, cli.display(str(export)))


def test_db_inventory_errors_are_clear(tmp_path: Path) -> None:
    from flaglint.model import InventoryError

    with pytest.raises(InventoryError, match="cannot open the sqlite database"):
        load_database_inventory("prod", f"sqlite:///{tmp_path}/missing.sqlite3")
    empty = tmp_path / "empty.sqlite3"
    import sqlite3

    sqlite3.connect(empty).close()
    with pytest.raises(InventoryError, match="no such table: waffle_flag"):
        load_database_inventory("prod", f"sqlite:///{empty}")
    with pytest.raises(InventoryError, match="unsupported database URL scheme 'mysql'"):
        load_database_inventory("prod", "mysql://x/y")
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(["check", SOURCE, "-q", "--inventory", f"prod=db:sqlite:///{empty}"], stdout=out, stderr=err)
    assert code == 2 and "no such table" in err.getvalue() and "Traceback" not in err.getvalue()


def staff_client(alias: str) -> Client:
    from django.contrib.auth import get_user_model

    get_user_model().objects.db_manager(alias).create_user("ops", password="pw", is_staff=True)
    client = Client()
    assert client.login(username="ops", password="pw")
    return client


def test_status_endpoint_503_names_what_is_missing_then_200(alias: str) -> None:
    populate(alias)
    client = staff_client(alias)
    response = client.get("/flaglint/status")
    document = response.json()
    jsonschema.validate(document, STATUS_SCHEMA)
    assert response.status_code == 503 and document["ok"] is False
    assert document["environment"] == "prod"
    assert document["missing"] == [
        {"kind": "flag", "name": "header_v2", "references": [{"path": "shop/templates/shop/home.html", "line": 2}]}
    ]
    assert document["unreferenced"] == [{"kind": "flag", "name": "stale_flag"}]
    assert document["retiring_but_used"] == [
        {"kind": "flag", "name": "new_checkout", "references": [{"path": "shop/views.py", "line": 11}]}
    ]
    assert document["manifest"]["complete"] is True
    Flag.objects.using(alias).create(name="header_v2")
    response = client.get("/flaglint/status")
    jsonschema.validate(response.json(), STATUS_SCHEMA)
    assert response.status_code == 200 and response.json()["ok"] is True and response.json()["missing"] == []


def test_status_endpoint_access_control(alias: str) -> None:
    every_referenced_name(alias)
    anonymous = Client()
    assert anonymous.get("/flaglint/status").status_code == 403
    assert anonymous.get("/flaglint/status", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    response = anonymous.get("/flaglint/status", HTTP_AUTHORIZATION="Bearer monitor-token")
    assert response.status_code == 200 and response.json()["ok"] is True
    from django.contrib.auth import get_user_model

    get_user_model().objects.db_manager(alias).create_user("someone", password="pw")
    user = Client()
    assert user.login(username="someone", password="pw")
    assert user.get("/flaglint/status").status_code == 403
    with override_settings(FLAGLINT_STATUS_TOKEN=None):
        assert anonymous.get("/flaglint/status", HTTP_AUTHORIZATION="Bearer None").status_code == 403


def test_status_endpoint_without_a_manifest_is_503_with_the_reason(alias: str, tmp_path: Path) -> None:
    client = Client()
    with override_settings(FLAGLINT_MANIFEST=str(tmp_path / "missing.json")):
        response = client.get("/flaglint/status", HTTP_AUTHORIZATION="Bearer monitor-token")
    jsonschema.validate(response.json(), STATUS_SCHEMA)
    assert response.status_code == 503 and "missing.json" in response.json()["error"]


def test_manifest_file_setting_with_the_cli_built_manifest(alias: str, tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    code = cli.main(["manifest", SOURCE, "-o", str(manifest), "-q", "--no-cache", "--commit", "feed"])
    assert code == 0
    every_referenced_name(alias)
    with override_settings(FLAGLINT_MANIFEST=str(manifest)):
        response = Client().get("/flaglint/status", HTTP_AUTHORIZATION="Bearer monitor-token")
    assert response.status_code == 200 and response.json()["manifest"]["commit"] == "feed"
    assert os.path.exists(manifest)


def test_retirement_plan_setting_feeds_retiring_but_used(alias: str, tmp_path: Path) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text('[[retire]]\nname = "maintenance_mode"\nkind = "switch"\n\n[[retire]]\nname = "stale_flag"\n')
    every_referenced_name(alias)
    Flag.objects.using(alias).create(name="stale_flag")
    with override_settings(FLAGLINT_RETIREMENT_PLAN=str(plan)):
        response = Client().get("/flaglint/status", HTTP_AUTHORIZATION="Bearer monitor-token")
    document = response.json()
    assert response.status_code == 200
    assert document["retiring_but_used"] == [
        {"kind": "switch", "name": "maintenance_mode", "references": [{"path": "shop/views.py", "line": 9}]}
    ]  # stale_flag is retiring too, but nothing uses it
    assert document["unreferenced"] == [{"kind": "flag", "name": "stale_flag"}]
    with override_settings(FLAGLINT_RETIREMENT_PLAN=str(tmp_path / "none.toml")):
        response = Client().get("/flaglint/status", HTTP_AUTHORIZATION="Bearer monitor-token")
    assert response.status_code == 503 and "none.toml" in response.json()["error"]


def test_incomplete_manifest_is_a_check_warning(tmp_path: Path) -> None:
    document = {
        "format": "flaglint-manifest",
        "version": 1,
        "flaglint_version": "0.1.0",
        "commit": None,
        "created": "2026-01-01T00:00:00Z",
        "complete": False,
        "files_scanned": 3,
        "names": {"flag": {}, "switch": {}, "sample": {}},
        "dynamic": [],
        "unreadable": [{"path": "app/broken.py", "code": "FL001", "message": "invalid syntax"}],
    }
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(document))
    with override_settings(FLAGLINT_MANIFEST=str(manifest)):
        [warning] = checks.run_checks(tags=["flaglint"])
    assert warning.id == "flaglint.W002" and "app/broken.py" in warning.msg


def test_manage_py_flaglint_check_options_and_errors(alias: str, tmp_path: Path) -> None:
    every_referenced_name(alias)
    other = tmp_path / "dev.json"
    other.write_text('[{"model": "waffle.flag", "pk": 1, "fields": {"name": "new_checkout", "everyone": true}}]')
    out = io.StringIO()
    with pytest.raises(SystemExit) as raised:
        options = ["--format", "json", "-q", "--database", alias, "--inventory", f"dev={other}"]
        call_command("flaglint", "check", *options, stdout=out)
    document = json.loads(out.getvalue())
    assert raised.value.code == 1 and document["summary"]["environments"] == ["prod", "dev"]
    assert {(d["code"], d["name"], d["environment"]) for d in document["diagnostics"]} >= {
        ("FL102", "header_v2", "dev")
    }
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown database 'nope'"):
        call_command("flaglint", "check", "--database", "nope")
    err = io.StringIO()
    with pytest.raises(SystemExit) as raised:
        call_command("flaglint", "check", "--database", alias, "--select", "XX9", stderr=err, stdout=io.StringIO())
    assert raised.value.code == 2 and "not a flaglint code" in err.getvalue()
