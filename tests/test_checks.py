"""Checks are pure functions: build references and inventories by hand, demand the exact diagnostics."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Set, Tuple

from flaglint.checks import check_project, check_references, filter_codes, problem_diagnostics
from flaglint.inventories.knowledge import retirements_from_notes
from flaglint.codes import CODES, selected
from flaglint.report.docs import codes_markdown
from flaglint.model import Diagnostic, FileProblem, Inventory, InventoryEntry, Kind, Knowledge, Reference, Retirement

README = Path(__file__).resolve().parent.parent / "README.md"


def ref(
    name: Optional[str],
    kind: Kind = "flag",
    *,
    test: bool = False,
    pattern: Optional[str] = None,
    path: str = "app/views.py",
    line: int = 1,
) -> Reference:
    return Reference(
        path,
        line,
        5,
        line,
        10,
        kind,
        name,
        repr(name) if name else "expr",
        "python",
        "flag_is_active",
        test=test,
        pattern=pattern if name is None else None,
    )


def inventory(environment: str, *entries: Tuple[Kind, str], note: str = "") -> Inventory:
    return Inventory(
        environment,
        f"exports/{environment}.json",
        "dumpdata",
        tuple(InventoryEntry(kind, name, note=note) for kind, name in entries),
    )


def codes(diagnostics: List[Diagnostic]) -> Set[Tuple[str, Optional[str], Optional[str]]]:
    return {(d.code, d.name, d.environment) for d in diagnostics}


def test_fl101_retired_name_still_referenced() -> None:
    knowledge = Knowledge(
        retirements=(Retirement("old", "flag", date="2026-12-01", reason="launched", origin="plan.toml"),)
    )
    found = check_references([ref("old"), ref("old", "switch"), ref("kept")], knowledge)
    assert codes(found) == {("FL101", "old", None)}
    assert (
        found[0].message
        == "flag 'old' is scheduled for deletion (launched, on 2026-12-01) but is still referenced here"
    )


def test_fl101_any_kind_when_the_retirement_names_none() -> None:
    knowledge = Knowledge(retirements=(Retirement("old"),))
    found = check_references([ref("old"), ref("old", "switch", test=True)], knowledge)
    assert [d.code for d in found] == ["FL101", "FL101"]
    assert "named with --retiring" in found[0].message


def test_retirement_from_an_export_note_marker() -> None:
    prod = inventory("prod", ("flag", "old"), note="Launched. flaglint: RETIRE after Q4")
    retirements = retirements_from_notes([prod], "flaglint: retire")
    assert [(r.name, r.kind) for r in retirements] == [("old", "flag")]
    assert retirements_from_notes([prod], "") == []
    found = check_references([ref("old")], Knowledge((prod,), tuple(retirements)))
    assert codes(found) == {("FL101", "old", None)}


def test_fl102_names_the_environments_missing_it() -> None:
    dev = inventory("dev", ("flag", "new"), ("flag", "both"))
    prod = inventory("prod", ("flag", "both"))
    found = check_references([ref("new"), ref("both"), ref("nowhere")], Knowledge((dev, prod)))
    assert codes(found) == {("FL102", "new", "prod"), ("FL102", "nowhere", "dev,prod")}
    nowhere = next(d for d in found if d.name == "nowhere")
    assert nowhere.message == "flag 'nowhere' is missing from every environment (dev, prod)"


def test_fl102_not_for_test_code_nor_without_inventories() -> None:
    prod = inventory("prod")
    assert check_references([ref("x", test=True)], Knowledge((prod,))) == []
    assert check_references([ref("x")], Knowledge()) == []


def test_fl103_kind_mismatch_instead_of_missing() -> None:
    prod = inventory("prod", ("flag", "beta"))
    found = check_references([ref("beta", "switch")], Knowledge((prod,)))
    assert codes(found) == {("FL103", "beta", "prod")}
    assert found[0].message == "'beta' is checked as a switch here, but prod knows it as a flag"


def test_fl104_and_fl105_for_dynamic_references() -> None:
    knowledge = Knowledge(retirements=(Retirement("promo_summer", "flag"), Retirement("other_x")))
    found = check_references([ref(None, pattern="promo_*")], knowledge)
    assert [(d.code, d.name) for d in found] == [("FL104", None), ("FL105", "promo_summer")]
    assert "(known pattern: promo_*)" in found[0].message
    fully_dynamic = check_references([ref(None, pattern="*")], Knowledge())
    assert [d.message for d in fully_dynamic] == ["the flag name expr cannot be resolved statically"]


def test_fl201_stale_entries_once_per_name_naming_every_environment() -> None:
    dev = inventory("dev", ("flag", "stale"), ("switch", "used"))
    prod = inventory("prod", ("flag", "stale"), ("flag", "used"))
    found = check_project([ref("used", "switch")], Knowledge((dev, prod)))
    assert [(d.code, d.kind, d.name, d.path, d.environment) for d in found] == [
        ("FL201", "flag", "stale", "exports/dev.json", "dev,prod"),
        ("FL201", "flag", "used", "exports/prod.json", "prod"),
    ]
    assert found[0].message == "flag 'stale' in dev, prod is not referenced anywhere: safe to remove"


def test_fl201_is_hedged_when_files_could_not_be_read() -> None:
    found = check_project([], Knowledge((inventory("prod", ("flag", "x")),)), [FileProblem("a.py", "cannot parse")])
    assert found[0].message.endswith("(but 1 file(s) could not be read, see FL001)")


def test_fl202_lists_the_test_references() -> None:
    prod = inventory("prod", ("flag", "tested"))
    tests = [
        ref("tested", test=True, path="app/tests/test_a.py", line=3),
        ref("tested", test=True, path="app/tests/test_b.py", line=9),
    ]
    found = check_project(tests, Knowledge((prod,)))
    assert codes(found) == {("FL202", "tested", "prod")}
    assert "app/tests/test_a.py:3, app/tests/test_b.py:9" in found[0].message
    assert found[0].related == tuple(tests)


def test_fl203_when_only_a_dynamic_pattern_could_name_it() -> None:
    prod = inventory("prod", ("flag", "promo_summer"), ("flag", "unrelated"), ("switch", "promo_switch"))
    dynamic = ref(None, pattern="promo_*", path="app/promo.py", line=7)
    found = check_project([dynamic], Knowledge((prod,)))
    assert codes(found) == {
        ("FL203", "promo_summer", "prod"),
        ("FL201", "unrelated", "prod"),
        ("FL201", "promo_switch", "prod"),
    }
    fl203 = next(d for d in found if d.code == "FL203")
    assert "app/promo.py:7 could produce it: not safe to remove" in fl203.message


def test_fl001_for_each_problem() -> None:
    found = problem_diagnostics([FileProblem("x.py", "cannot parse: invalid syntax", 3, 7)])
    assert [(d.code, d.path, d.line, d.column, d.message) for d in found] == [
        ("FL001", "x.py", 3, 7, "cannot parse: invalid syntax")
    ]


def test_selection_works_like_flake8() -> None:
    assert selected("FL101", (), ())
    assert not selected("FL101", ("FL2",), ())
    assert not selected("FL101", (), ("FL1",))
    assert selected("FL101", ("FL101",), ("FL1",))
    sample = [Diagnostic("FL101", "error", "m", "p", 1, 1), Diagnostic("FL201", "warning", "m", "p", 1, 1)]
    assert [d.code for d in filter_codes(sample, ("FL2",), ())] == ["FL201"]


def test_every_code_is_documented_once() -> None:
    identifiers = [entry.code for entry in CODES]
    assert len(identifiers) == len(set(identifiers))
    for entry in CODES:
        assert entry.summary and entry.why and entry.bad and entry.good and entry.name
        assert entry.scope in ("file", "reference", "project")
        assert entry.code.startswith({"file": "FL0", "reference": "FL1", "project": "FL2"}[entry.scope])


def test_readme_codes_table_is_generated_from_the_registry() -> None:
    assert codes_markdown() in README.read_text()


def test_data_migrations_neither_block_deletion_nor_keep_a_flag_alive() -> None:
    from dataclasses import replace

    prod = inventory("prod", ("flag", "seeded"))
    created = replace(ref("seeded", path="app/migrations/0002.py"), migration=True)
    knowledge = Knowledge((prod,), (Retirement("seeded"),))
    assert check_references([created], knowledge) == []
    assert check_references([replace(created, name="absent")], knowledge) == []
    found = check_project([created], knowledge)
    assert [(d.code, d.name) for d in found] == [("FL202", "seeded")]
    assert "app/migrations/0002.py:1" in found[0].message
