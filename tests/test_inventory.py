"""Tests for flaglint.inventories: every export format, read from real exports made by tests/django_project."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Set, Tuple, Union

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from flaglint.inventories import FORMATS, detect_format, load_inventory, load_retirement_plan
from flaglint.model import Inventory, InventoryError, Kind, Retirement

ROOT = Path(__file__).resolve().parent.parent
EXPORTS = ROOT / "fixtures" / "exports"
MAKE_EXPORTS = ROOT / "tests" / "django_project" / "make_exports.py"

STOCK_FLAGS = {"dark_mode", "new_checkout", "search_v2", "beta_dashboard", "legacy_search", "payments.stripe_elements"}
STOCK_SWITCHES = {"emails.send_digest", "maintenance_mode", "maintenance:read_only", "use_new_cdn"}
STOCK_SAMPLES = {"log_sampling", "tracing.spans", "ab_test_header"}
STOCK = (
    {("flag", n) for n in STOCK_FLAGS}
    | {("switch", n) for n in STOCK_SWITCHES}
    | {("sample", n) for n in STOCK_SAMPLES}
)
CUSTOM = {
    ("flag", "registrar.bulk_enroll"),
    ("flag", "registrar.new_reports"),
    ("flag", "registrar.program_admin"),
    ("flag", "registrar.legacy_csv"),
    ("switch", "registrar.readonly"),
    ("sample", "registrar.audit_sample"),
}
# The edx-toggles report has no samples, and skips the toggles declared in code with no database row.
EDX = {("flag", n) for n in STOCK_FLAGS} | {("switch", n) for n in STOCK_SWITCHES}

STOCK_STATES = {
    ("flag", "dark_mode"): "everyone=false",
    ("flag", "new_checkout"): "everyone=true",
    ("flag", "search_v2"): "everyone=null, percent=12.5, superusers, rollout",
    ("flag", "beta_dashboard"): "everyone=null, superusers, staff, groups=1, users=1",
    ("flag", "legacy_search"): "everyone=false",
    ("flag", "payments.stripe_elements"): "everyone=null, testing, superusers, authenticated",
    ("switch", "emails.send_digest"): "on",
    ("switch", "maintenance_mode"): "off",
    ("switch", "maintenance:read_only"): "off",
    ("switch", "use_new_cdn"): "on",
    ("sample", "log_sampling"): "50.0%",
    ("sample", "tracing.spans"): "33.3%",
    ("sample", "ab_test_header"): "0.5%",
}


def pairs(inventory: Inventory) -> Set[Tuple[str, str]]:
    """The (kind, name) set of an inventory."""
    return {(e.kind, e.name) for e in inventory.entries}


def states(inventory: Inventory) -> Dict[Tuple[str, str], Any]:
    """(kind, name) -> state."""
    return {(e.kind, e.name): e.state for e in inventory.entries}


def entry(inventory: Inventory, kind: str, name: str) -> Any:
    """The one entry of kind/name."""
    found = [e for e in inventory.entries if e.kind == kind and e.name == name]
    assert len(found) == 1, found
    return found[0]


def export(name: str) -> str:
    """Path of a committed export."""
    return str(EXPORTS / name)


def write(tmp_path: Path, name: str, content: Any) -> str:
    """Write str (UTF-8) or bytes to tmp_path/name; return the path."""
    target = tmp_path / name
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8")
    return str(target)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the n-th occurrence of needle."""
    offset = -1
    for _ in range(occurrence):
        offset = text.index(needle, offset + 1)
    return text.count("\n", 0, offset) + 1


def raises_at(path: str, line: Any, fragment: str, **kwargs: Any) -> InventoryError:
    """Load `path` expecting an InventoryError at `line` whose message contains `fragment`."""
    with pytest.raises(InventoryError) as info:
        load_inventory("prod", path, **kwargs)
    error = info.value
    assert error.path == path
    assert fragment in error.message, error.message
    assert error.line == line, (error.line, str(error))
    assert str(error).startswith(path + ("" if line is None else f":{line}"))
    return error


# ---------------------------------------------------------------------------------------------------------------
# Each format, from the committed real exports


def test_dumpdata_plain() -> None:
    inventory = load_inventory("prod", export("dumpdata.json"))
    assert inventory.format == "dumpdata"
    assert inventory.environment == "prod"
    assert inventory.path == export("dumpdata.json")
    assert pairs(inventory) == STOCK
    assert len(inventory.entries) == len(STOCK)
    assert states(inventory) == STOCK_STATES
    legacy = entry(inventory, "flag", "legacy_search")
    assert "flaglint: retire" in legacy.note
    assert legacy.created == "2023-01-09T08:00:00Z"
    assert legacy.modified == "2025-10-21T12:00:00Z"
    assert entry(inventory, "flag", "beta_dashboard").note == ""
    assert entry(inventory, "switch", "emails.send_digest").note == "Weekly digest emails"
    assert inventory.has("switch", "maintenance:read_only")
    assert not inventory.has("flag", "maintenance:read_only")


def test_dumpdata_natural_keys_match_plain_dump() -> None:
    natural = load_inventory("prod", export("dumpdata-natural.json"))
    plain = load_inventory("prod", export("dumpdata.json"))
    text = Path(export("dumpdata-natural.json")).read_text(encoding="utf-8")
    assert '"pk"' not in text and '"beta_testers"' in text and '"auth.user"' in text  # really natural, really mixed
    assert natural.format == "dumpdata"
    assert pairs(natural) == STOCK  # auth.group / auth.user objects ignored
    assert natural.entries == plain.entries  # nested [["beta_testers"]] counts like pk lists


def test_waffle_list_concatenated_outputs() -> None:
    inventory = load_inventory("prod", export("waffle-list.txt"))
    assert inventory.format == "waffle-list"
    assert pairs(inventory) == STOCK
    # Same state strings as the dump of the same database: the two formats carry the same criteria.
    assert states(inventory) == STOCK_STATES
    assert all(e.created is None and e.modified is None and e.note == "" for e in inventory.entries)


def test_waffle_list_sections_alone_and_in_any_order(tmp_path: Path) -> None:
    text = Path(export("waffle-list.txt")).read_text(encoding="utf-8")
    flags, rest = text.split("Switches:\n")
    switches, samples = ("Switches:\n" + rest).split("Samples:\n")
    samples = "Samples:\n" + samples
    for part, kind in ((flags, "flag"), (switches, "switch"), (samples, "sample")):
        inventory = load_inventory("dev", write(tmp_path, f"{kind}.txt", part))
        assert pairs(inventory) == {p for p in STOCK if p[0] == kind}
    reordered = load_inventory("dev", write(tmp_path, "all.txt", samples + flags + "\r\n" + switches))
    assert pairs(reordered) == STOCK


def test_waffle_list_django_waffle_0_10_layout(tmp_path: Path) -> None:
    # django-waffle 0.10.x: commands were named flag/switch/sample and used print(); each flag block started
    # with a blank line ('\nNAME: %s'), there were no GROUPS/USERS lines and nothing after the last flag; the
    # switch listing printed print('%s: %s', (name, state)) literally; samples printed '%s: %s%%' (Decimal).
    text = (
        "Flags:\n\nNAME: old_flag\nSUPERUSERS: True\nEVERYONE: None\nAUTHENTICATED: False\nPERCENT: 5.0\n"
        "TESTING: False\nROLLOUT: False\nSTAFF: False\n"
        "\nNAME: other\nSUPERUSERS: True\nEVERYONE: True\nAUTHENTICATED: False\nPERCENT: None\n"
        "TESTING: False\nROLLOUT: False\nSTAFF: False\n"
        "Switches:\n%s: %s ('old_switch', 'on')\n%s: %s (\"it's\", 'off')\n"
        "Samples:\nold_sample: 7.5%\n"
    )
    inventory = load_inventory("legacy", write(tmp_path, "old.txt", text))
    assert states(inventory) == {
        ("flag", "old_flag"): "everyone=null, percent=5.0, superusers",
        ("flag", "other"): "everyone=true",
        ("switch", "old_switch"): "on",
        ("switch", "it's"): "off",
        ("sample", "old_sample"): "7.5%",
    }
    assert [e.name for e in inventory.entries] == ["old_flag", "other", "old_switch", "it's", "old_sample"]


def test_waffle_list_names_containing_colon_space(tmp_path: Path) -> None:
    text = "Switches:\nops: freeze: on\nmaintenance:read_only: off\n\nSamples:\nab: header: 12.0%\n\n"
    inventory = load_inventory("prod", write(tmp_path, "colons.txt", text))
    assert states(inventory) == {
        ("switch", "ops: freeze"): "on",
        ("switch", "maintenance:read_only"): "off",
        ("sample", "ab: header"): "12.0%",
    }


def test_waffle_status_view() -> None:
    inventory = load_inventory("prod", export("waffle-status.json"))
    assert inventory.format == "waffle-status"
    assert pairs(inventory) == STOCK
    found = states(inventory)
    for name in STOCK_SWITCHES:  # switches are exact; flags/samples are what one request saw
        assert found[("switch", name)] == STOCK_STATES[("switch", name)]
    assert found[("flag", "new_checkout")] == "is_active=true"
    assert found[("flag", "dark_mode")] == "is_active=false"
    assert {found[("sample", n)] for n in STOCK_SAMPLES} <= {"is_active=true", "is_active=false"}
    assert entry(inventory, "flag", "legacy_search").modified == "2025-10-21T12:00:00Z"
    assert entry(inventory, "flag", "legacy_search").created is None


def test_edx_toggles_report() -> None:
    inventory = load_inventory("prod", export("edx-toggles-report.json"))
    assert inventory.format == "edx-toggles"
    assert pairs(inventory) == EDX
    raw = json.loads(Path(export("edx-toggles-report.json")).read_text(encoding="utf-8"))
    declared_only = {t["name"] for t in raw["waffle_flags"] + raw["waffle_switches"] if "created" not in t}
    assert declared_only == {"courseware.code_only_flag", "courseware.code_only_switch"}  # present, and skipped
    assert states(inventory) == {
        ("flag", "dark_mode"): "everyone=false",
        ("flag", "new_checkout"): "everyone=true",
        ("flag", "search_v2"): "everyone=null",
        ("flag", "beta_dashboard"): "everyone=null",
        ("flag", "legacy_search"): "everyone=false",
        ("flag", "payments.stripe_elements"): "everyone=null",
        ("switch", "emails.send_digest"): "on",
        ("switch", "maintenance_mode"): "off",
        ("switch", "maintenance:read_only"): "off",
        ("switch", "use_new_cdn"): "on",
    }
    legacy = entry(inventory, "flag", "legacy_search")
    assert legacy.created == "2023-01-09T08:00:00+00:00"  # str(datetime)'s space turned into ISO's T
    assert legacy.note.startswith("flaglint: retire")


def test_custom_flag_model_by_label_and_by_fields() -> None:
    by_label = load_inventory(
        "prod", export("custom-model-dumpdata.json"), model_labels={"Registrar.WaffleFlag": "flag"}
    )
    by_fields = load_inventory("prod", export("custom-model-dumpdata.json"))
    assert '"registrar.waffleflag"' in Path(export("custom-model-dumpdata.json")).read_text(encoding="utf-8")
    assert pairs(by_label) == CUSTOM
    assert by_fields.entries == by_label.entries
    assert states(by_label)[("flag", "registrar.new_reports")] == "everyone=null, percent=25.0, superusers"
    assert states(by_label)[("flag", "registrar.program_admin")] == "everyone=null, superusers, groups=1, users=1"
    assert "flaglint: retire" in entry(by_label, "flag", "registrar.new_reports").note


def test_model_labels_name_the_kind_of_unrecognisable_objects(tmp_path: Path) -> None:
    dump = [
        {"model": "teams.toggle", "pk": 1, "fields": {"name": "teams.x", "active": True}},
        {"model": "teams.other", "pk": 1, "fields": {"name": "teams.y", "active": True}},
    ]
    path = write(tmp_path, "dump.json", json.dumps(dump))
    assert load_inventory("p", path).entries == ()  # name+active alone is not enough to guess a switch
    inventory = load_inventory("p", path, model_labels={"TEAMS.TOGGLE": "switch"})
    assert states(inventory) == {("switch", "teams.x"): "on"}
    with pytest.raises(ValueError):
        load_inventory("p", path, model_labels={"teams.toggle": "toggle"})  # type: ignore[dict-item]


def test_mixed_dump_with_other_apps(tmp_path: Path) -> None:
    natural = json.loads(Path(export("dumpdata-natural.json")).read_text(encoding="utf-8"))
    custom = json.loads(Path(export("custom-model-dumpdata.json")).read_text(encoding="utf-8"))
    others = [
        {"model": "contenttypes.contenttype", "pk": 4, "fields": {"app_label": "waffle", "model": "flag"}},
        {"model": "shop.campaign", "pk": 1, "fields": {"name": "spring_sale", "active": True, "percent": "10.0"}},
        {"model": "shop.banner", "pk": 2, "fields": {"name": "top", "active": False, "starts": None}},
        {"model": "sites.site", "pk": 1, "fields": {"domain": "example.com", "name": "example.com"}},
    ]
    mixed = others[:2] + natural + others[2:] + custom
    inventory = load_inventory("prod", write(tmp_path, "everything.json", json.dumps(mixed, indent=2)))
    assert pairs(inventory) == STOCK | CUSTOM


def test_dumpdata_jsonl(tmp_path: Path) -> None:
    objects = json.loads(Path(export("dumpdata.json")).read_text(encoding="utf-8"))
    text = "".join(json.dumps(o) + "\n" for o in objects)  # what dumpdata --format jsonl writes
    path = write(tmp_path, "dump.jsonl", text)
    assert detect_format(path, text) == "dumpdata"
    assert load_inventory("prod", path).entries == load_inventory("prod", export("dumpdata.json")).entries
    objects[4]["fields"]["everyone"] = "sometimes"
    bad = write(tmp_path, "bad.jsonl", "".join(json.dumps(o) + "\n" for o in objects))
    raises_at(bad, 5, 'item [4] ("model": "waffle.flag"): "fields.everyone" must be true, false or null')


def test_empty_dump_is_an_empty_inventory(tmp_path: Path) -> None:
    assert load_inventory("prod", write(tmp_path, "empty.json", "[]\n")).entries == ()


# ---------------------------------------------------------------------------------------------------------------
# Format detection


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("dumpdata.json", "dumpdata"),
        ("dumpdata-natural.json", "dumpdata"),
        ("custom-model-dumpdata.json", "dumpdata"),
        ("waffle-list.txt", "waffle-list"),
        ("waffle-status.json", "waffle-status"),
        ("edx-toggles-report.json", "edx-toggles"),
    ],
)
def test_detect_format_of_real_exports(name: str, fmt: str) -> None:
    text = Path(export(name)).read_text(encoding="utf-8")
    assert detect_format(export(name), text) == fmt
    assert detect_format(export(name), "\ufeff\n  " + text) == fmt  # BOM and leading blank lines


def test_detection_ignores_the_extension(tmp_path: Path) -> None:
    text = Path(export("waffle-status.json")).read_text(encoding="utf-8")
    path = write(tmp_path, "prod.txt", text)
    assert load_inventory("prod", path).format == "waffle-status"
    bom = write(tmp_path, "bom.json", b"\xef\xbb\xbf" + Path(export("waffle-list.txt")).read_bytes())
    assert pairs(load_inventory("prod", bom)) == STOCK


def test_stated_format_skips_detection(tmp_path: Path) -> None:
    assert load_inventory("prod", export("dumpdata.json"), fmt="dumpdata").format == "dumpdata"
    raises_at(export("waffle-status.json"), 1, "expected a dumpdata JSON list", fmt="dumpdata")
    raises_at(export("dumpdata.json"), 1, 'expected "Flags:", "Switches:" or "Samples:"', fmt="waffle-list")
    with pytest.raises(InventoryError, match="yaml"):
        load_inventory("prod", export("dumpdata.json"), fmt="yaml")
    assert set(FORMATS) == {"dumpdata", "waffle-list", "waffle-status", "edx-toggles"}


def test_unknown_formats(tmp_path: Path) -> None:
    path = write(tmp_path, "flags.csv", "\nname,everyone\nnew_checkout,true\n")
    error = raises_at(path, 2, "unrecognised inventory format")
    assert "dumpdata" in error.message and "Flags:" in error.message and "waffle_flags" in error.message
    with pytest.raises(InventoryError, match="unrecognised"):
        detect_format(path, "name,everyone\n")
    obj = write(tmp_path, "obj.json", '{"features": {"x": true}}')
    assert '"features"' in raises_at(obj, 1, "unrecognised JSON object").message


# ---------------------------------------------------------------------------------------------------------------
# Malformed input: path and position in every error


def test_json_syntax_error_has_jsons_line_and_column(tmp_path: Path) -> None:
    text = Path(export("dumpdata.json")).read_text(encoding="utf-8")
    line = line_of(text, '"name": "search_v2",')
    broken = text.replace('"name": "search_v2",', '"name": "search_v2"', 1)  # drop a comma
    path = write(tmp_path, "broken.json", broken)
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(broken)
    error = raises_at(path, line + 1, "invalid JSON: Expecting ',' delimiter")
    assert (error.line, error.column) == (expected.value.lineno, expected.value.colno)
    assert str(error).startswith(f"{path}:{error.line}:{error.column}: ")
    status = write(tmp_path, "status.json", '{"flags": {"a": {"is_active": tru}}}')
    assert raises_at(status, 1, "invalid JSON: Expecting value").column == len('{"flags": {"a": {"is_active": ') + 1


def test_dumpdata_object_without_name(tmp_path: Path) -> None:
    objects = json.loads(Path(export("dumpdata.json")).read_text(encoding="utf-8"))
    del objects[3]["fields"]["name"]
    text = json.dumps(objects, indent=2)
    path = write(tmp_path, "noname.json", text)
    error = raises_at(
        path, line_of(text, '"fields": {', 4), 'item [3] ("model": "waffle.flag"): "fields.name" is missing'
    )
    assert error.column == 15


def test_dumpdata_wrong_types(tmp_path: Path) -> None:
    objects = json.loads(Path(export("dumpdata.json")).read_text(encoding="utf-8"))
    objects[1]["fields"]["everyone"] = "yes"
    text = json.dumps(objects, indent=2)
    raises_at(
        write(tmp_path, "a.json", text),
        line_of(text, '"everyone": "yes"'),
        'item [1] ("model": "waffle.flag"): "fields.everyone" must be true, false or null, not the string "yes"',
    )

    objects = json.loads(Path(export("dumpdata.json")).read_text(encoding="utf-8"))
    objects[7]["fields"]["active"] = 1
    text = json.dumps(objects, indent=2)
    raises_at(
        write(tmp_path, "b.json", text),
        line_of(text, '"active": 1'),
        'item [7] ("model": "waffle.switch"): "fields.active" must be true or false, not the number 1',
    )

    objects = json.loads(Path(export("dumpdata.json")).read_text(encoding="utf-8"))
    objects[11]["fields"]["percent"] = "lots"
    text = json.dumps(objects, indent=2)
    raises_at(write(tmp_path, "c.json", text), line_of(text, '"percent": "lots"'), '"fields.percent" must be a decimal')

    objects = json.loads(Path(export("dumpdata.json")).read_text(encoding="utf-8"))
    objects[2]["fields"]["name"] = 42
    objects[5] = ["waffle.flag", 6]
    text = json.dumps(objects, indent=2)
    raises_at(write(tmp_path, "d.json", text), line_of(text, '"name": 42'), '"fields.name" must be a string')

    text = json.dumps(
        [{"model": "waffle.flag", "pk": 1, "fields": {"name": "x", "everyone": None}}, ["waffle.flag", 2]], indent=2
    )
    raises_at(write(tmp_path, "e.json", text), line_of(text, "  [\n"), "item [1]: expected an object")

    text = '[\n  {"pk": 1, "fields": {}}\n]'
    raises_at(write(tmp_path, "f.json", text), 2, 'item [0]: "model" is missing')
    text = '[\n  {"model": "waffle.flag",\n   "fields": []}\n]'
    raises_at(write(tmp_path, "g.json", text), 3, 'item [0] ("model": "waffle.flag"): "fields" must be an object')


def test_waffle_status_malformed(tmp_path: Path) -> None:
    data = json.loads(Path(export("waffle-status.json")).read_text(encoding="utf-8"))
    data["switches"]["use_new_cdn"]["is_active"] = "yes"
    text = json.dumps(data, indent=2)
    raises_at(
        write(tmp_path, "a.json", text),
        line_of(text, '"is_active": "yes"'),
        '"switches" ["use_new_cdn"]: "is_active" must be true or false',
    )
    # With a duplicate key json keeps the last value; the error points there too.
    text = '{"switches": {\n"a": {"is_active": true},\n"a": {"is_active": 1}\n}}'
    assert raises_at(write(tmp_path, "dup.json", text), 3, '"switches" ["a"]: "is_active"').column == 20
    data["switches"] = ["use_new_cdn"]
    text = json.dumps(data, indent=2)
    raises_at(write(tmp_path, "b.json", text), line_of(text, '"switches": ['), '"switches" must be an object')


def test_edx_toggles_malformed(tmp_path: Path) -> None:
    data = json.loads(Path(export("edx-toggles-report.json")).read_text(encoding="utf-8"))
    del data["waffle_flags"][2]["name"]
    text = json.dumps(data, indent=2)
    raises_at(write(tmp_path, "a.json", text), line_of(text, "{", 4), '"waffle_flags" [2]: "name" is missing')
    data = json.loads(Path(export("edx-toggles-report.json")).read_text(encoding="utf-8"))
    data["waffle_switches"][1]["is_active"] = "maybe"
    text = json.dumps(data, indent=2)
    raises_at(
        write(tmp_path, "b.json", text),
        line_of(text, '"maybe"'),
        '"waffle_switches" [1] ("name": "emails.send_digest"): "is_active" must be "true" or "false"',
    )


def test_waffle_list_malformed(tmp_path: Path) -> None:
    text = Path(export("waffle-list.txt")).read_text(encoding="utf-8")
    bad = text.replace("EVERYONE: True", "EVERYONE: Maybe", 1)
    raises_at(write(tmp_path, "a.txt", bad), line_of(bad, "EVERYONE: Maybe"), "EVERYONE must be True, False or None")
    bad = text.replace("use_new_cdn: on", "use_new_cdn: enabled", 1)
    raises_at(write(tmp_path, "b.txt", bad), line_of(bad, "use_new_cdn: enabled"), 'expected "NAME: on" or "NAME: off"')
    bad = text.replace("tracing.spans: 33.3%", "tracing.spans: a third", 1)
    raises_at(write(tmp_path, "c.txt", bad), line_of(bad, "a third"), 'expected "NAME: PERCENT%"')
    bad = text.replace("GROUPS: ['beta_testers']", "GROUPS: beta_testers", 1)
    raises_at(write(tmp_path, "d.txt", bad), line_of(bad, "GROUPS: beta_testers"), "GROUPS must be a list")
    bad = text.replace("NAME: search_v2\n", "", 1)
    raises_at(write(tmp_path, "e.txt", bad), line_of(text, "NAME: search_v2"), '"SUPERUSERS:" line before any "NAME:"')
    bad = text.replace("EVERYONE: None\n", "", 1)
    raises_at(
        write(tmp_path, "f.txt", bad), line_of(bad, "NAME: search_v2"), 'flag "search_v2" has no "EVERYONE:" line'
    )
    bad = text.replace("PERCENT: 12.5", "PERCENT: half", 1)
    raises_at(write(tmp_path, "g.txt", bad), line_of(bad, "PERCENT: half"), "PERCENT must be a number or None")
    bad = text.replace("Switches:\n", "Switches:\nthis is not a switch\n", 1)
    raises_at(write(tmp_path, "h.txt", bad), line_of(bad, "this is not"), 'expected "NAME: on"')


def test_unreadable_files(tmp_path: Path) -> None:
    raises_at(write(tmp_path, "empty.json", ""), None, "empty file")
    raises_at(write(tmp_path, "blank.txt", "\ufeff \n\n\t\n"), None, "empty file")
    binary = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    raises_at(write(tmp_path, "flags.json", binary), 3, "binary file")  # the first NUL is on line 3
    latin1 = "Flags:\nNAME: caf\u00e9\n".encode("latin-1")
    error = raises_at(write(tmp_path, "latin1.txt", latin1), 2, "not UTF-8 text: byte 0xe9")
    assert error.column == 10
    raises_at(write(tmp_path, "utf16.txt", "Flags:\n".encode("utf-16")), 1, "UTF-16")
    missing = str(tmp_path / "nope.json")
    raises_at(missing, None, "cannot read file")


# ---------------------------------------------------------------------------------------------------------------
# Retirement plan

PLAN = """\
# flags scheduled for deletion
[[retire]]
name = "new_checkout"
kind = "flag"          # optional: flag | switch | sample
date = 2026-12-01      # optional: TOML date or string
reason = "launched 2026-10"   # optional

[[retire]]
name = "maintenance_mode"
kind = "switch"
date = "end of Q4"

[[retire]]
name = "search_v1"
"""


def test_retirement_plan(tmp_path: Path) -> None:
    path = write(tmp_path, "retire.toml", PLAN)
    assert load_retirement_plan(path) == (
        Retirement(name="new_checkout", kind="flag", date="2026-12-01", reason="launched 2026-10", origin=path),
        Retirement(name="maintenance_mode", kind="switch", date="end of Q4", reason="", origin=path),
        Retirement(name="search_v1", kind=None, date=None, reason="", origin=path),
    )
    assert load_retirement_plan(write(tmp_path, "empty.toml", "# nothing yet\n")) == ()


def plan_error(tmp_path: Path, text: Union[str, bytes]) -> InventoryError:
    """Load a retirement plan expecting an error."""
    path = write(tmp_path, "plan.toml", text)
    with pytest.raises(InventoryError) as info:
        load_retirement_plan(path)
    assert info.value.path == path
    assert str(info.value).startswith(path)
    return info.value


@pytest.mark.parametrize(
    "old, new, line, fragment",
    [
        (
            'reason = "launched 2026-10"',
            'reson = "launched"',
            6,
            'retire[0] (name = "new_checkout"): unknown key "reson"',
        ),
        ('kind = "switch"', 'kind = "toggle"', 10, 'retire[1] (name = "maintenance_mode"): "kind" must be one of flag'),
        ('name = "search_v1"', 'title = "search_v1"', 14, 'retire[2]: unknown key "title"'),
        ('name = "search_v1"', "", 13, 'retire[2]: "name" is missing'),
        ('name = "maintenance_mode"', "name = 7", 9, 'retire[1]: "name" must be a non-empty string'),
        ('date = "end of Q4"', "date = 2026-12-01T10:00:00", 11, '"date" must be a TOML date'),
        ('date = "end of Q4"', "date = [2026]", 11, '"date" must be a TOML date'),
        ('reason = "launched 2026-10"', "reason = false", 6, '"reason" must be a string'),
    ],
)
def test_retirement_plan_bad_entries(tmp_path: Path, old: str, new: str, line: int, fragment: str) -> None:
    assert old in PLAN
    error = plan_error(tmp_path, PLAN.replace(old, new, 1))
    assert fragment in error.message, error.message
    assert error.line == line


def test_retirement_plan_bad_structure(tmp_path: Path) -> None:
    error = plan_error(tmp_path, 'owner = "team"\n' + PLAN)
    assert 'unknown top-level key "owner"' in error.message and error.line == 1
    error = plan_error(tmp_path, 'retire = "everything"\n')
    assert '"retire" must be an array of tables' in error.message and error.line == 1
    bad_date = PLAN.replace("date = 2026-12-01", "date = 2026-13-01", 1)
    with pytest.raises(tomllib.TOMLDecodeError) as expected:
        tomllib.loads(bad_date)
    error = plan_error(tmp_path, bad_date)
    assert error.message.startswith("invalid TOML")
    assert f"(at line {error.line}, column {error.column})" in str(expected.value)
    assert error.line == 5
    error = plan_error(tmp_path, PLAN.replace('"new_checkout"', '"new_checkout', 1))
    assert error.message.startswith("invalid TOML") and error.line == 3
    assert "(at line" not in error.message  # the position moved into line/column
    error = plan_error(tmp_path, b'[[retire]]\nname = "caf\xe9"\n')
    assert "not UTF-8" in error.message and error.line == 2


# ---------------------------------------------------------------------------------------------------------------
# The committed exports are what the real Django + waffle project produces


EXPORT_FILES = [
    "dumpdata.json",
    "dumpdata-natural.json",
    "waffle-list.txt",
    "waffle-status.json",
    "custom-model-dumpdata.json",
]


def test_make_exports_with_real_django_and_waffle_matches_committed_exports(tmp_path: Path) -> None:
    command = [sys.executable, str(MAKE_EXPORTS), str(tmp_path)]
    files = list(EXPORT_FILES)
    if importlib.util.find_spec("edx_toggles") is not None:
        command.append("--edx-toggles")
        files.append("edx-toggles-report.json")
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    labels: Dict[str, Kind] = {"registrar.waffleflag": "flag"}
    produced: List[str] = sorted(p.name for p in tmp_path.iterdir())
    assert set(files) <= set(produced)
    for name in files:
        fresh = load_inventory("fresh", str(tmp_path / name), model_labels=labels)
        committed = load_inventory("committed", export(name), model_labels=labels)
        assert fresh.format == committed.format, name
        assert pairs(fresh) == pairs(committed), name
        assert pairs(fresh), name
        if name != "waffle-status.json":  # the view's flags and samples depend on random draws
            assert fresh.entries == committed.entries, name
    # The regenerated list output is byte-for-byte the committed one (no timestamps in it).
    assert (tmp_path / "waffle-list.txt").read_text(encoding="utf-8") == Path(export("waffle-list.txt")).read_text(
        encoding="utf-8"
    )
    assert re.search(r"^Flags:\nNAME: ", (tmp_path / "waffle-list.txt").read_text(encoding="utf-8"))
