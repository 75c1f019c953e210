"""The demo project (fixtures/demo, the "acme" store): flaglint's findings on it, its references, its own tests.

The demo reproduces the incident flaglint exists for (see fixtures/demo/README.md). Every finding is stated here
literally, so a false positive fails as surely as a miss; every reference is stated by an ``expect:`` marker on
its own line in the demo's files.
"""

from __future__ import annotations

import json
import os
import re
import runpy
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

import pytest

from expectations import Expectation, read_expectations
from flaglint.inventories import load_inventory

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo"
MARKED_SUFFIXES = (".py", ".html", ".js")

Finding = Tuple[str, str, Optional[str], Optional[str]]  # (code, path, name, environment)

#: What `flaglint check` must report on the demo, one tuple per diagnostic (a multiset: FL101 occurs twice in
#: store/tests.py). Project-wide findings (FL2xx) point at the first export that holds the entry and name every
#: environment that holds it.
EXPECTED: List[Finding] = [
    # 1. The incident: new_storefront is in the retirement plan, yet the splash-page check, the base template
    #    and the tests that exercise them still read it.
    ("FL101", "store/views.py", "new_storefront", None),
    ("FL101", "store/templates/base.html", "new_storefront", None),
    ("FL101", "store/tests.py", "new_storefront", None),
    ("FL101", "store/tests.py", "new_storefront", None),
    ("FL101", "store/tests.py", "new_storefront", None),
    # 2. One-click checkout exists in dev only: the StoreToggle wrapper and the Jinja2 template both read it.
    ("FL102", "store/toggles.py", "acme.one_click_checkout", "prod"),
    ("FL102", "store/jinja2/store/checkout.html", "acme.one_click_checkout", "prod"),
    # 6. storefront.js asks for a switch live_chat; prod created live_chat as a flag.
    ("FL103", "store/static/store/js/storefront.js", "live_chat", "prod"),
    # 5. The campaign page's flag name is "promo_" + campaign.slug ...
    ("FL104", "store/views.py", None, None),
    # ... so prod's promo_black_friday, which nothing names, is not safe to remove.
    ("FL203", "exports/prod.json", "promo_black_friday", "prod"),
    # 3. Stale entries: nothing references them.
    ("FL201", "exports/dev.json", "summer_sale_banner", "dev,prod"),  # in dev and prod; also in the retirement plan
    ("FL201", "exports/dev.json", "search_reranking", "dev,prod"),  # a sample, in dev and prod
    ("FL201", "exports/prod.json", "legacy_search_backend", "prod"),  # a switch, prod only
    ("FL201", "exports/prod.json", "live_chat", "prod"),  # the mistaken flag (the code reads a switch)
    # 4. loyalty_points survives only in a test decorator.
    ("FL202", "exports/dev.json", "loyalty_points", "dev,prod"),
]

SUMMARY_LINE = re.compile(
    r"^(?P<errors>\d+) error\(s\), (?P<warnings>\d+) warning\(s\); (?P<references>\d+) reference\(s\) in "
    r"\d+ file\(s\) scanned; inventories: dev, prod$"
)


def flaglint(*arguments: str) -> "subprocess.CompletedProcess[str]":
    """Run the flaglint command in the demo directory, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "flaglint.cli", *arguments],
        cwd=DEMO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def demo_path(path: str) -> str:
    """A reported path: relative to the current directory (the demo), with / separators."""
    assert not os.path.isabs(path), path
    return path


def findings(document: Dict[str, Any]) -> List[Finding]:
    return sorted(
        ((d["code"], demo_path(d["path"]), d["name"], d["environment"]) for d in document["diagnostics"]),
        key=str,
    )


@pytest.fixture(scope="module")
def check_json() -> Dict[str, Any]:
    result = flaglint("check", "--format", "json")
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    document: Dict[str, Any] = json.loads(result.stdout)
    return document


def multiset_diff(got: List[Finding], want: List[Finding]) -> Tuple[List[Finding], List[Finding]]:
    """(unexpected, missed)."""
    extra = Counter(got) - Counter(want)
    missed = Counter(want) - Counter(got)
    return sorted(extra.elements(), key=str), sorted(missed.elements(), key=str)


# --- flaglint check -----------------------------------------------------------------------------------------------


def test_check_reports_exactly_the_scenario(check_json: Dict[str, Any]) -> None:
    unexpected, missed = multiset_diff(findings(check_json), EXPECTED)
    assert unexpected == [], "false positives"
    assert missed == [], "missed findings"


def test_check_covers_every_part_of_the_story(check_json: Dict[str, Any]) -> None:
    """The scenario the README tells: each code it promises occurs, and no file failed to parse."""
    codes = Counter(code for code, _, _, _ in findings(check_json))
    for code in ("FL101", "FL102", "FL103", "FL104", "FL201", "FL202", "FL203"):
        assert codes[code] >= 1, code
    assert codes["FL001"] == 0
    assert codes["FL201"] >= 2
    incident = {path for code, path, name, _ in findings(check_json) if code == "FL101"}
    assert {"store/views.py", "store/templates/base.html"} <= incident
    summary = check_json["summary"]
    assert summary["files_unreadable"] == 0
    assert summary["environments"] == ["dev", "prod"]


def test_check_text_format_ends_with_the_summary_line(check_json: Dict[str, Any]) -> None:
    result = flaglint("check")
    assert result.returncode == 1, result.stderr
    lines = result.stdout.splitlines()
    match = SUMMARY_LINE.match(lines[-1])
    assert match, lines[-1]
    summary = check_json["summary"]
    assert int(match["errors"]) == summary["errors"] == 8
    assert int(match["warnings"]) == summary["warnings"]
    assert int(match["references"]) == summary["references"]
    assert len(lines) == len(check_json["diagnostics"]) + 1
    assert any(" FL101 flag 'new_storefront' is scheduled for deletion" in line for line in lines)


# --- flaglint refs ------------------------------------------------------------------------------------------------


def marked_files() -> List[Path]:
    return sorted(
        path
        for path in DEMO.rglob("*")
        if path.suffix in MARKED_SUFFIXES and path.is_file() and "__pycache__" not in path.parts
    )


def test_refs_are_exactly_the_marked_ones() -> None:
    result = flaglint("refs", "--format", "json")
    assert result.returncode == 0, result.stderr
    references = json.loads(result.stdout)["references"]
    got: Dict[str, List[Expectation]] = {}
    for ref in references:
        path = demo_path(ref["path"])
        got.setdefault(path, []).append(
            (ref["line"], ref["kind"], ref["name"], ref["pattern"] if ref["name"] is None else None)
        )
    want: Dict[str, Set[Expectation]] = {}
    for file in marked_files():
        expected = read_expectations(file.read_text(encoding="utf-8"))
        if expected:
            want[file.relative_to(DEMO).as_posix()] = expected
    assert sorted(got) == sorted(want), "files with references"
    for path, expected in want.items():
        observed = set(got[path])
        assert sorted(observed - expected, key=str) == [], f"unexpected references in {path}"
        assert sorted(expected - observed, key=str) == [], f"missed references in {path}"
        assert len(got[path]) == len(observed), f"a reference was reported twice in {path}"
    sources = {ref["source"] for ref in references}
    assert sources == {"python", "django-template", "jinja2", "javascript"}
    assert any(ref["test"] for ref in references) and not all(ref["test"] for ref in references)


# --- the demo's exports and its own tests -------------------------------------------------------------------------


def test_exports_are_dumpdata_of_what_seed_exports_creates() -> None:
    """exports/*.json are the output of seed_exports.py: same names, same kinds (timestamps differ per run)."""
    environments = runpy.run_path(str(DEMO / "seed_exports.py"))["ENVIRONMENTS"]
    kinds = {"waffle_flag": "flag", "waffle_switch": "switch", "waffle_sample": "sample"}
    assert sorted(environments) == ["dev", "prod"]
    for environment, commands in environments.items():
        inventory = load_inventory(environment, str(DEMO / "exports" / f"{environment}.json"))
        assert inventory.format == "dumpdata"
        assert sorted((e.kind, e.name) for e in inventory.entries) == sorted(
            (kinds[command[0]], command[1]) for command in commands
        )


def test_demo_django_tests_pass() -> None:
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    environment.pop("ACME_DATABASE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "test", "--verbosity", "1", "--noinput"],
        cwd=DEMO,
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(r"Ran [1-9]\d* tests? in", output), output
    assert "\nOK" in output, output


def test_readme_deletion_gate_examples_are_what_the_demo_prints() -> None:
    readme = (DEMO.parent.parent / "README.md").read_text()
    blocked = flaglint("check-delete", "new_storefront")
    assert blocked.returncode == 1
    assert blocked.stdout.strip() in readme
    safe = flaglint("check-delete", "search_reranking", "--inventory", "prod=exports/prod.json")
    assert safe.returncode == 0
    assert safe.stdout.strip() in readme


def test_demo_sarif_validates_against_the_sarif_schema() -> None:
    import jsonschema

    schema_path = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
    schema = json.loads(schema_path.read_text())
    result = flaglint("check", "--format", "sarif")
    assert result.returncode == 1
    log = json.loads(result.stdout)
    jsonschema.validators.validator_for(schema)(schema).validate(log)
    assert {r["ruleId"] for r in log["runs"][0]["results"]} == {
        "FL101",
        "FL102",
        "FL103",
        "FL104",
        "FL201",
        "FL202",
        "FL203",
    }
