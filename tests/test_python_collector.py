"""The Python collector against fixtures that state every expected reference (a false positive fails too)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Set

import pytest

from expectations import Expectation, read_expectations
from flaglint.config import load_settings
from flaglint.scan import scan
from flaglint.model import Reference

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "collect" / "python"
SRC_LAYOUT = FIXTURE.parent / "srclayout"


@pytest.fixture(scope="module")
def scanned(request: pytest.FixtureRequest) -> "tuple[list[Reference], list[str]]":
    here = os.getcwd()
    os.chdir(FIXTURE)
    try:
        result = scan(load_settings("."))
    finally:
        os.chdir(here)
    return list(result.references), [f"{p.path}: {p.message}" for p in result.problems]


def _found(references: "list[Reference]", path: str) -> Set[Expectation]:
    return {(r.line, r.kind, r.name, None if r.name is not None else r.pattern) for r in references if r.path == path}


PY_FILES = sorted(p.relative_to(FIXTURE).as_posix() for p in FIXTURE.rglob("*.py") if "broken" not in p.parts)


@pytest.mark.parametrize("path", PY_FILES)
def test_every_expected_reference_and_nothing_else(scanned: "tuple[list[Reference], list[str]]", path: str) -> None:
    references, _ = scanned
    expected = read_expectations((FIXTURE / path).read_text())
    assert _found(references, path) == expected


def test_fixture_project_parses_cleanly_and_excludes_apply(scanned: "tuple[list[Reference], list[str]]") -> None:
    references, problems = scanned
    assert problems == []
    assert not any(r.path.startswith("broken/") for r in references)


def test_test_code_is_marked(scanned: "tuple[list[Reference], list[str]]") -> None:
    references, _ = scanned
    tests = {r.path for r in references if r.test}
    assert tests == {"shop/tests/test_overrides.py"}


def test_negation_is_stripped_and_recorded(scanned: "tuple[list[Reference], list[str]]") -> None:
    references, _ = scanned
    negated = {(r.kind, r.name) for r in references if r.negated}
    assert negated == {("flag", "negated_flag"), ("switch", "mixin_switch")}


def test_positions_point_at_the_name_expression(scanned: "tuple[list[Reference], list[str]]") -> None:
    references, _ = scanned
    plain = next(r for r in references if r.name == "plain_flag")
    line = (FIXTURE / plain.path).read_text().splitlines()[plain.line - 1]
    assert line[plain.column - 1 : plain.end_column - 1] == '"plain_flag"'
    assert plain.expression == '"plain_flag"'
    assert (plain.source, plain.api) == ("python", "flag_is_active")


def test_apis_are_labelled(scanned: "tuple[list[Reference], list[str]]") -> None:
    references, _ = scanned
    by_name = {r.name: r.label for r in references if r.name}
    assert by_name["decorated_flag"] == "waffle_flag"
    assert by_name["mixin_flag"] == "mixin-attr"
    assert by_name["class_override"] == "override_flag"
    assert by_name["manager_get"] == "model-get"
    assert by_name["legacy.old_flag"] == "edx-toggles"
    assert by_name["wrapped_flag"] == "wrapper:shop.utils.feature_enabled"
    dynamic = next(r for r in references if r.pattern == "ns.*")
    assert dynamic.expression == 'f"ns.{user_choice}"'


def test_data_migrations_are_marked(scanned: "tuple[list[Reference], list[str]]") -> None:
    references, _ = scanned
    assert {r.path for r in references if r.migration} == {"shop/migrations/0002_seed_flags.py"}


def test_src_layout_resolves_imports_named_from_below_the_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(SRC_LAYOUT)
    result = scan(load_settings("."))
    assert result.problems == ()
    for path in sorted(p.relative_to(SRC_LAYOUT).as_posix() for p in SRC_LAYOUT.rglob("*.py")):
        expected = read_expectations((SRC_LAYOUT / path).read_text())
        assert _found(list(result.references), path) == expected, path


@pytest.mark.parametrize("path", ["shop/resolution.py", "shop/uses_compat.py", "shop/team_views.py"])
def test_a_single_file_scan_still_resolves_the_rest_of_the_project(
    monkeypatch: pytest.MonkeyPatch, scanned: "tuple[list[Reference], list[str]]", path: str
) -> None:
    monkeypatch.chdir(FIXTURE)
    result = scan(load_settings(path), [path])
    assert _found(list(result.references), path) == read_expectations((FIXTURE / path).read_text())
    assert {r.path for r in result.references} == {path}
