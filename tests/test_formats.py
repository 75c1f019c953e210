"""The SARIF and GitHub Actions output formats: schema-valid SARIF, stable fingerprints, exact annotation lines."""

from __future__ import annotations

import argparse
import copy
import io
import json
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from urllib.parse import urlsplit

import jsonschema
import pytest

from flaglint import cli
from flaglint.codes import CODES, code
from flaglint.adoption.fingerprint import LineReader, fingerprint
from flaglint.report.github import github_annotations
from flaglint.report.sarif import SRCROOT, pascal_case, sarif_log
from flaglint.model import Diagnostic, Kind, Reference

SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
"""The official SARIF 2.1.0 JSON Schema (OASIS), shipped with the tests so they run in any clone."""
DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo"

VIEWS = [
    "from waffle import flag_is_active, switch_is_active",
    "",
    "",
    "def view(request, campaign):",
    '    if flag_is_active(request, "new_checkout"):',
    '        return "splash"',
    '    if switch_is_active("beta_ui"):',
    '        return "beta"',
    '    if flag_is_active(request, "café_menu"):  # ☕',
    '        return "menu"',
    '    if flag_is_active(request, "promo_" + campaign.slug):',
    '        return "promo"',
    '    if flag_is_active(request, "new_checkout"):',
    '        return "splash"',
]

EXPORT = [
    "[",
    '  {"model": "waffle.flag", "fields": {"name": "old_banner"}},',
    '  {"model": "waffle.flag", "fields": {"name": "loyalty_points"}},',
    '  {"model": "waffle.flag", "fields": {"name": "promo_black_friday"}},',
    '  {"model": "waffle.switch", "fields": {"name": "new_search"}},',
    "]",
]

TESTS = [
    "from waffle.testutils import override_flag",
    "",
    '@override_flag("loyalty_points", active=True)',
    "def test_points():",
    "    pass",
]

COMMA_PATH = "app/my views,v2.py"

KEPT = ["if flag_is_active(request, 'kept'):  # flaglint: ignore[FL101]", "    pass"]

CLEANUP = ["#!/bin/sh", "python manage.py waffle_delete --switches beta_ui"]


# --- helpers ------------------------------------------------------------------------------------------------------


def sarif_schema() -> Dict[str, Any]:
    """The SARIF 2.1.0 schema shipped with the tests."""
    schema: Dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert "2.1.0" in schema["id"]
    return schema


@pytest.fixture(scope="module")
def validator() -> Any:
    """A validator for the schema's own draft (draft-04 for SARIF 2.1.0), checked to be a usable schema."""
    schema = sarif_schema()
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    cls.check_schema(schema)
    return cls(schema)


def schema_errors(validator: Any, log: Dict[str, Any]) -> List[str]:
    """Every schema violation of `log` (after a JSON round trip, as a consumer reads it), as readable lines."""
    document = json.loads(json.dumps(log))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def ref(
    path: str,
    line: int,
    column: int,
    expression: str,
    *,
    name: Optional[str],
    kind: Kind = "flag",
    test: bool = False,
    pattern: Optional[str] = None,
) -> Reference:
    """A reference on one line whose extent is its expression."""
    return Reference(
        path=path,
        line=line,
        column=column,
        end_line=line,
        end_column=column + len(expression),
        kind=kind,
        name=name,
        expression=expression,
        source="python",
        api="override_flag" if test else "flag_is_active",
        test=test,
        pattern=pattern,
    )


def at(path: str, lines: List[str], line: int, text: str) -> Tuple[str, int, int]:
    """(path, line, column) of `text` on line `line` (1-based) of a file."""
    return path, line, lines[line - 1].index(text) + 1


class Lenient(Dict[str, object]):
    """Format values where a placeholder the registry added since these tests were written reads as ""."""

    def __missing__(self, key: str) -> object:
        return ""


def message(identifier: str, **values: object) -> str:
    """A registry code's message, filled as the checks fill it."""
    return code(identifier).message.format_map(Lenient(values))


def reference_diagnostic(identifier: str, reference: Reference, **values: object) -> Diagnostic:
    """A per-reference diagnostic as the checks build it: at the reference, which is also its related entry."""
    entry = code(identifier)
    fields: Dict[str, object] = dict(kind=reference.kind, name=reference.name, expression=reference.expression)
    fields.update(values)
    environment = values.get("environment")
    return Diagnostic(
        identifier,
        entry.severity,
        message(identifier, **fields),
        reference.path,
        reference.line,
        reference.column,
        name=str(fields["name"]) if fields.get("name") is not None else None,
        kind=reference.kind,
        environment=str(environment) if environment else None,
        related=(reference,),
    )


def write(root: Path, path: str, lines: List[str]) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A small project in tmp_path, made the current directory so that reported paths are relative, as the CLI's."""
    write(tmp_path, "app/views.py", VIEWS)
    write(tmp_path, "app/broken.py", ["def broken(:", "    pass"])
    write(tmp_path, COMMA_PATH, ['switch_is_active("half_on")'])
    write(tmp_path, "exports/prod.json", EXPORT)
    write(tmp_path, "tests/test_views.py", TESTS)
    write(tmp_path, "app/kept.py", KEPT)
    write(tmp_path, "scripts/cleanup.sh", CLEANUP)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def hand_built() -> List[Diagnostic]:
    """At least one realistic diagnostic of every registry code, errors and warnings, in the CLI's order."""
    checkout = ref(*at("app/views.py", VIEWS, 5, '"new_checkout"'), '"new_checkout"', name="new_checkout")
    beta = ref(*at("app/views.py", VIEWS, 7, '"beta_ui"'), '"beta_ui"', name="beta_ui", kind="switch")
    cafe = ref(*at("app/views.py", VIEWS, 9, '"café_menu"'), '"café_menu"', name="café_menu")
    promo_expression = '"promo_" + campaign.slug'
    promo = ref(*at("app/views.py", VIEWS, 11, '"promo_"'), promo_expression, name=None, pattern="promo_*")
    half = ref(COMMA_PATH, 1, 18, '"half_on"', name="half_on", kind="switch")
    points = ref(*at("tests/test_views.py", TESTS, 3, '"loyalty'), '"loyalty_points"', name="loyalty_points", test=True)
    deleted = ref(*at("scripts/cleanup.sh", CLEANUP, 2, "beta_ui"), "beta_ui", name="beta_ui", kind="switch")
    diagnostics = [
        Diagnostic("FL001", "error", message("FL001", detail="invalid syntax: 'def broken(:'"), "app/broken.py", 1, 12),
        Diagnostic("FL002", "warning", message("FL002", what="FL101"), "app/kept.py", 1, 1),
        Diagnostic("FL003", "warning", message("FL003", detail="skipped: 9000000 bytes"), "app/kept.py", 2, 1),
        Diagnostic("FL004", "warning", message("FL004", detail="not scanned: a link"), "app/kept.py", 1, 1),
        reference_diagnostic("FL101", checkout, why="listed in retirement-plan.toml, on 2026-01-01"),
        reference_diagnostic("FL103", beta, environments="prod", verb="holds", other="flag", environment="prod"),
        reference_diagnostic("FL102", cafe, environments="prod", environment="prod"),
        reference_diagnostic("FL104", promo, pattern_note=" (pattern promo_*)"),
        reference_diagnostic("FL105", promo, name="promo_summer"),
        reference_diagnostic("FL102", half, environments="100% of prod: a, b\nand dev", environment="prod"),
        Diagnostic(
            "FL201",
            "warning",
            message("FL201", kind="flag", name="old_banner", environments="prod", caveat=""),
            "exports/prod.json",
            2,
            1,
            name="old_banner",
            kind="flag",
            environment="prod",
        ),
        Diagnostic(
            "FL202",
            "warning",
            message("FL202", kind="flag", name="loyalty_points", environments="prod", tests="tests/test_views.py:3"),
            "exports/prod.json",
            3,
            1,
            name="loyalty_points",
            kind="flag",
            environment="prod",
            related=(points,),
        ),
        Diagnostic(
            "FL203",
            "warning",
            message("FL203", kind="flag", name="promo_black_friday", environments="prod", references="app/views.py:11"),
            "exports/prod.json",
            4,
            1,
            name="promo_black_friday",
            kind="flag",
            environment="prod",
            related=(promo,),
        ),
        reference_diagnostic("FL205", deleted, command="waffle_delete", references="app/views.py:7"),
        Diagnostic(
            "FL204",
            "warning",
            message("FL204", kind="switch", name="new_search", present="prod", absent="dev"),
            "exports/prod.json",
            5,
            1,
            name="new_search",
            kind="switch",
            environment="dev",
        ),
    ]
    return sorted(diagnostics, key=lambda d: d.sort_key())


def every_code() -> List[Diagnostic]:
    """The hand-built diagnostics, plus a plain one for any code added to the registry since they were written."""
    diagnostics = hand_built()
    missing = [entry for entry in CODES if entry.code not in {d.code for d in diagnostics}]
    diagnostics += [Diagnostic(e.code, e.severity, e.summary, "app/views.py", 1, 1) for e in missing]
    return sorted(diagnostics, key=lambda d: d.sort_key())


def log_of(diagnostics: List[Diagnostic], uri_base: Optional[str] = None) -> Dict[str, Any]:
    """The SARIF log, read with a fresh LineReader (it caches lines, so edited files need a new one)."""
    return sarif_log(diagnostics, version="9.8.7", lines=LineReader(), uri_base=uri_base)


def results(log: Dict[str, Any]) -> List[Dict[str, Any]]:
    found: List[Dict[str, Any]] = log["runs"][0]["results"]
    return found


def partial_fingerprint(result: Dict[str, Any]) -> str:
    value: str = result["partialFingerprints"]["flaglint/v1"]
    return value


# --- SARIF: the schema --------------------------------------------------------------------------------------------


def test_hand_built_diagnostics_cover_every_code() -> None:
    """A new registry code needs a realistic diagnostic in `hand_built` (its message, its sort of place)."""
    diagnostics = hand_built()
    assert {d.code for d in diagnostics} == {entry.code for entry in CODES}
    assert {d.severity for d in diagnostics} == {"error", "warning"}


def test_log_of_every_code_is_valid_sarif(project: Path, validator: Any) -> None:
    diagnostics = every_code()
    for uri_base in (None, str(project)):
        log = log_of(diagnostics, uri_base=uri_base)
        assert schema_errors(validator, log) == []
        assert len(results(log)) == len(diagnostics)


def test_log_without_findings_is_valid_sarif(validator: Any) -> None:
    log = sarif_log([], version="1.0", lines=LineReader())
    assert schema_errors(validator, log) == []
    assert results(log) == []
    assert [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]] == [entry.code for entry in CODES]


BREAKAGES: List[Tuple[str, Callable[[Dict[str, Any]], None]]] = [
    ("wrong version", lambda log: log.update(version="2.0.0")),
    ("result without a message", lambda log: log["runs"][0]["results"][0].pop("message")),
    ("unknown level", lambda log: log["runs"][0]["results"][0].update(level="fatal")),
    (
        "line 0",
        lambda log: log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"].update(startLine=0),
    ),
    ("misspelt property", lambda log: log["runs"][0]["results"][0].update(rule_id="FL001")),
    ("rule without an id", lambda log: log["runs"][0]["tool"]["driver"]["rules"][0].pop("id")),
    ("fingerprint not a string", lambda log: log["runs"][0]["results"][0].update(partialFingerprints={"x": 1})),
]


@pytest.mark.parametrize("breakage", [b for _, b in BREAKAGES], ids=[label for label, _ in BREAKAGES])
def test_validation_really_runs(project: Path, validator: Any, breakage: Callable[[Dict[str, Any]], None]) -> None:
    """A broken log fails validation, so the validity tests above cannot pass vacuously."""
    log = log_of(every_code(), uri_base=str(project))
    assert schema_errors(validator, log) == []
    broken = copy.deepcopy(log)
    breakage(broken)
    assert schema_errors(validator, broken) != []


def test_validator_follows_the_schema_draft(validator: Any) -> None:
    assert isinstance(validator, jsonschema.Draft4Validator)


# --- SARIF: rules -------------------------------------------------------------------------------------------------


def test_rules_are_the_whole_registry_in_order(project: Path) -> None:
    driver = log_of(every_code())["runs"][0]["tool"]["driver"]
    assert driver["name"] == "flaglint"
    assert driver["version"] == "9.8.7"
    assert driver["informationUri"] == "https://github.com/flaglint/flaglint"
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == [entry.code for entry in CODES]
    for rule, entry in zip(rules, CODES):
        assert rule["name"] == pascal_case(entry.name)
        assert rule["name"][0].isupper() and "-" not in rule["name"]
        assert rule["shortDescription"] == {"text": entry.summary}
        assert rule["fullDescription"] == {"text": entry.why}
        assert rule["defaultConfiguration"] == {"level": entry.severity}
        assert rule["properties"] == {"tags": ["waffle", "feature-flags", entry.scope]}
        for part in (entry.summary, entry.why, entry.bad, entry.good):
            assert part in rule["help"]["text"]
        for part in (entry.bad, entry.good):
            assert f"```\n{part}\n```" in rule["help"]["markdown"]


def test_rule_levels() -> None:
    rules = {
        rule["id"]: rule
        for rule in sarif_log([], version="1", lines=LineReader())["runs"][0]["tool"]["driver"]["rules"]
    }
    assert rules["FL001"]["defaultConfiguration"]["level"] == "error"
    assert rules["FL101"]["defaultConfiguration"]["level"] == "error"
    assert rules["FL104"]["defaultConfiguration"]["level"] == "warning"
    assert rules["FL201"]["defaultConfiguration"]["level"] == "warning"


def test_rule_names_are_pascal_case() -> None:
    assert pascal_case("retired-flag-referenced") == "RetiredFlagReferenced"
    assert pascal_case("referenced-only-from-tests-or-migrations") == "ReferencedOnlyFromTestsOrMigrations"
    assert pascal_case("kind-mismatch") == "KindMismatch"


def test_help_markdown_escapes_prose() -> None:
    """FL101's why mentions WAFFLE_*_DEFAULT, which unescaped markdown would render as emphasis."""
    rules = sarif_log([], version="1", lines=LineReader())["runs"][0]["tool"]["driver"]["rules"]
    fl101 = next(rule for rule in rules if rule["id"] == "FL101")
    assert "WAFFLE\\_\\*\\_DEFAULT" in fl101["help"]["markdown"]
    assert "WAFFLE_*_DEFAULT" in fl101["help"]["text"]


def test_help_markdown_keeps_code_spans() -> None:
    rules = sarif_log([], version="1", lines=LineReader())["runs"][0]["tool"]["driver"]["rules"]
    for rule, entry in zip(rules, CODES):
        if entry.summary.count("`") >= 2 and entry.summary.count("`") % 2 == 0:
            spans = entry.summary.split("`")[1::2]
            for span in spans:
                assert f"`{span}`" in rule["help"]["markdown"]


# --- SARIF: results -----------------------------------------------------------------------------------------------


def test_results_match_diagnostics(project: Path) -> None:
    diagnostics = every_code()
    log = log_of(diagnostics)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert log["$schema"] == "https://json.schemastore.org/sarif-2.1.0.json"
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    assert log["runs"][0]["columnKind"] == "unicodeCodePoints"
    lines = LineReader()
    for diagnostic, result in zip(diagnostics, results(log)):
        assert result["ruleId"] == diagnostic.code
        assert rules[result["ruleIndex"]]["id"] == diagnostic.code
        assert result["level"] == diagnostic.severity
        assert result["message"] == {"text": diagnostic.message}
        [location] = result["locations"]
        region = location["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (diagnostic.line, diagnostic.column)
        assert region["snippet"] == {"text": lines.line(diagnostic.path, diagnostic.line)}
        expected = {"name": diagnostic.name, "kind": diagnostic.kind, "environment": diagnostic.environment}
        assert result.get("properties", {}) == {k: v for k, v in expected.items() if v is not None}


def test_result_details(project: Path) -> None:
    by_code = {result["ruleId"]: result for result in results(log_of(every_code()))}
    assert "properties" not in by_code["FL001"]
    assert "properties" not in by_code["FL002"]
    assert by_code["FL104"]["properties"] == {"kind": "flag"}
    assert by_code["FL102"]["message"]["text"] == "flag 'café_menu' is missing from prod"
    cafe = by_code["FL102"]["locations"][0]["physicalLocation"]["region"]
    assert cafe["snippet"]["text"] == '    if flag_is_active(request, "café_menu"):  # ☕'
    # The extent comes from the diagnostic's own reference: the column after the closing quote.
    assert (cafe["startColumn"], cafe["endLine"], cafe["endColumn"]) == (32, 9, 43)
    assert "endColumn" not in by_code["FL201"]["locations"][0]["physicalLocation"]["region"]


def test_json_round_trip_keeps_unicode(project: Path) -> None:
    log = log_of(every_code())
    assert json.loads(json.dumps(log, ensure_ascii=False)) == log
    assert "café_menu" in json.dumps(log, ensure_ascii=False)


def test_unknown_code_has_no_rule_index(project: Path, validator: Any) -> None:
    diagnostic = Diagnostic("FL999", "warning", "from a newer registry", "app/views.py", 1, 1)
    [result] = results(log_of([diagnostic]))
    assert result["ruleId"] == "FL999"
    assert "ruleIndex" not in result
    assert schema_errors(validator, log_of([diagnostic])) == []


# --- SARIF: locations ---------------------------------------------------------------------------------------------


def artifact(result: Dict[str, Any]) -> Dict[str, Any]:
    location: Dict[str, Any] = result["locations"][0]["physicalLocation"]["artifactLocation"]
    return location


def test_relative_paths_stay_relative_to_srcroot(project: Path) -> None:
    log = log_of(every_code())
    assert "originalUriBaseIds" not in log["runs"][0]
    uris = {artifact(result)["uri"] for result in results(log)}
    expected = {"app/broken.py", "app/kept.py", "app/views.py", "app/my%20views,v2.py", "exports/prod.json"}
    assert uris == expected | {"scripts/cleanup.sh"}
    for result in results(log):
        assert artifact(result)["uriBaseId"] == SRCROOT == "%SRCROOT%"
        parts = urlsplit(artifact(result)["uri"])
        assert (parts.scheme, parts.netloc) == ("", "")
        assert " " not in artifact(result)["uri"]


def test_uri_base_becomes_original_uri_base_ids(project: Path) -> None:
    log = log_of(every_code(), uri_base=str(project))
    base = log["runs"][0]["originalUriBaseIds"][SRCROOT]["uri"]
    assert base == project.resolve().as_uri() + "/"
    assert base.startswith("file:///") and base.endswith("/")
    relative = log_of(every_code(), uri_base=".")["runs"][0]["originalUriBaseIds"][SRCROOT]["uri"]
    assert relative == Path.cwd().as_uri() + "/"


def test_absolute_path_is_a_file_uri(project: Path, validator: Any) -> None:
    absolute = str(project / "app" / "views.py")
    diagnostic = Diagnostic("FL104", "warning", "dynamic", absolute, 11, 32, kind="flag")
    log = log_of([diagnostic])
    [result] = results(log)
    assert artifact(result) == {"uri": Path(absolute).as_uri()}
    assert result["locations"][0]["physicalLocation"]["region"]["snippet"]["text"] == VIEWS[10]
    assert schema_errors(validator, log) == []


def test_related_locations(project: Path) -> None:
    by_code = {result["ruleId"]: result for result in results(log_of(every_code()))}
    # A reference diagnostic's only related reference is its own place: no related locations.
    for identifier in ("FL101", "FL103", "FL104", "FL105"):
        assert "relatedLocations" not in by_code[identifier]
    assert by_code["FL202"]["relatedLocations"] == [
        {
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {"uri": "tests/test_views.py", "uriBaseId": SRCROOT},
                "region": {"startLine": 3, "startColumn": 16, "endLine": 3, "endColumn": 32},
            },
            "message": {"text": "reference"},
        }
    ]
    [promo] = by_code["FL203"]["relatedLocations"]
    assert promo["physicalLocation"]["artifactLocation"]["uri"] == "app/views.py"
    assert promo["physicalLocation"]["region"]["startLine"] == 11


def test_own_place_is_skipped_but_other_related_references_are_numbered(project: Path) -> None:
    own = ref(*at("app/views.py", VIEWS, 5, '"new_checkout"'), '"new_checkout"', name="new_checkout")
    again = ref(*at("app/views.py", VIEWS, 13, '"new_checkout"'), '"new_checkout"', name="new_checkout")
    test = ref(*at("tests/test_views.py", TESTS, 3, '"loyalty'), '"loyalty_points"', name="loyalty_points")
    diagnostic = Diagnostic("FL101", "error", "m", own.path, own.line, own.column, related=(own, again, test))
    [result] = results(log_of([diagnostic]))
    related = result["relatedLocations"]
    assert [r["id"] for r in related] == [1, 2]
    assert [r["physicalLocation"]["region"]["startLine"] for r in related] == [13, 3]


# --- SARIF: fingerprints ------------------------------------------------------------------------------------------


def checkout_at(line: int) -> Diagnostic:
    """FL101 at the new_checkout check that is on `line` of app/views.py."""
    reference = ref("app/views.py", line, 32, '"new_checkout"', name="new_checkout")
    return reference_diagnostic("FL101", reference, why="listed in retirement-plan.toml")


def test_fingerprint_is_the_shared_key_plus_an_occurrence(project: Path) -> None:
    diagnostic = checkout_at(5)
    [result] = results(log_of([diagnostic]))
    assert partial_fingerprint(result) == fingerprint(diagnostic, VIEWS[4]) + ":1"


def test_fingerprints_survive_lines_inserted_above(project: Path) -> None:
    before = [partial_fingerprint(r) for r in results(log_of(every_code()))]
    moved = [partial_fingerprint(r) for r in results(log_of([checkout_at(5)]))]
    write(project, "app/views.py", [f"# padding {n}" for n in range(5)] + VIEWS)
    shifted = [
        (
            Diagnostic(
                d.code, d.severity, d.message, d.path, d.line + 5, d.column, d.name, d.kind, d.environment, d.related
            )
            if d.path == "app/views.py"
            else d
        )
        for d in every_code()
    ]
    assert [partial_fingerprint(r) for r in results(log_of(shifted))] == before
    assert [partial_fingerprint(r) for r in results(log_of([checkout_at(10)]))] == moved


def test_fingerprint_survives_reindentation(project: Path) -> None:
    before = partial_fingerprint(results(log_of([checkout_at(5)]))[0])
    write(project, "app/views.py", VIEWS[:4] + ["\t" + VIEWS[4].strip() + "   "] + VIEWS[5:])
    assert partial_fingerprint(results(log_of([checkout_at(5)]))[0]) == before


def test_fingerprint_changes_with_the_line_text(project: Path) -> None:
    before = partial_fingerprint(results(log_of([checkout_at(5)]))[0])
    edited = VIEWS[:4] + ['    if flag_is_active(request, "new_checkout") and request.user.is_staff:'] + VIEWS[5:]
    write(project, "app/views.py", edited)
    assert partial_fingerprint(results(log_of([checkout_at(5)]))[0]) != before


def test_identical_lines_get_distinct_fingerprints(project: Path) -> None:
    assert VIEWS[4] == VIEWS[12]
    first, second = results(log_of([checkout_at(5), checkout_at(13)]))
    key = fingerprint(checkout_at(5), VIEWS[4])
    assert partial_fingerprint(first) == key + ":1"
    assert partial_fingerprint(second) == key + ":2"


def test_fingerprint_does_not_depend_on_unrelated_findings(project: Path) -> None:
    alone = partial_fingerprint(results(log_of([checkout_at(5)]))[0])
    together = {r["ruleId"]: partial_fingerprint(r) for r in results(log_of(every_code()))}
    assert together["FL101"] == alone


def test_missing_file_still_gives_a_fingerprint_and_no_snippet(project: Path, validator: Any) -> None:
    diagnostic = Diagnostic("FL001", "error", "gone", "app/deleted.py", 3, 1)
    log = log_of([diagnostic])
    [result] = results(log)
    assert partial_fingerprint(result) == fingerprint(diagnostic, "") + ":1"
    assert "snippet" not in result["locations"][0]["physicalLocation"]["region"]
    assert schema_errors(validator, log) == []


# --- GitHub Actions annotations -----------------------------------------------------------------------------------


def test_github_one_command_per_diagnostic() -> None:
    diagnostics = [
        Diagnostic(
            "FL101",
            "error",
            "flag 'new_checkout' is scheduled for deletion (listed in plan.toml) but is still referenced here",
            "store/views.py",
            12,
            8,
        ),
        Diagnostic(
            "FL201", "warning", "switch 'old' in prod is not referenced anywhere: safe to remove", "p.json", 3, 1
        ),
    ]
    assert github_annotations(diagnostics).split("\n") == [
        "::error file=store/views.py,line=12,col=8,title=FL101::"
        "flag 'new_checkout' is scheduled for deletion (listed in plan.toml) but is still referenced here",
        "::warning file=p.json,line=3,col=1,title=FL201::"
        "switch 'old' in prod is not referenced anywhere: safe to remove",
    ]


def test_github_escapes_data_and_properties() -> None:
    diagnostics = [
        Diagnostic("FL102", "error", "100% of prod: a, b\r\nnext line\nlast", "app/my views,v2.py", 1, 18),
        Diagnostic("FL104", "warning", "already %0A escaped? %25", "C:/odd:name%.py", 2, 3),
        Diagnostic("FL102", "error", "flag 'café_menu' is missing from prod ☕", "app/café.py", 9, 32),
        Diagnostic("FL001", "error", "line\rbreak", "a\nb,c:d\re%f.py", 1, 1),
    ]
    assert github_annotations(diagnostics).split("\n") == [
        "::error file=app/my views%2Cv2.py,line=1,col=18,title=FL102::100%25 of prod: a, b%0D%0Anext line%0Alast",
        "::warning file=C%3A/odd%3Aname%25.py,line=2,col=3,title=FL104::already %250A escaped? %2525",
        "::error file=app/café.py,line=9,col=32,title=FL102::flag 'café_menu' is missing from prod ☕",
        "::error file=a%0Ab%2Cc%3Ad%0De%25f.py,line=1,col=1,title=FL001::line%0Dbreak",
    ]


def test_github_output_is_only_annotations(project: Path) -> None:
    diagnostics = every_code()
    output = github_annotations(diagnostics)
    lines = output.split("\n")
    assert len(lines) == len(diagnostics)
    assert not output.endswith("\n")
    for line, diagnostic in zip(lines, diagnostics):
        assert line.startswith(f"::{diagnostic.severity} file=")
        assert f",title={diagnostic.code}::" in line
    assert github_annotations([]) == ""


# --- through the command line, once it offers --format sarif ------------------------------------------------------


def format_choices(command: str) -> Tuple[str, ...]:
    """The --format choices of a subcommand of flaglint's parser."""
    parser = cli.build_parser()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for option in action.choices[command]._actions:
                if "--format" in option.option_strings:
                    return tuple(option.choices or ())
    return ()


def test_check_offers_every_output_format() -> None:
    assert {"text", "json", "sarif", "github"} <= set(format_choices("check"))


def run_demo(monkeypatch: pytest.MonkeyPatch, fmt: str) -> Tuple[int, str]:
    monkeypatch.chdir(DEMO)
    stdout, stderr = io.StringIO(), io.StringIO()
    status = cli.main(["check", "--format", fmt], stdout=stdout, stderr=stderr)
    assert stderr.getvalue() == ""
    return status, stdout.getvalue()


def test_demo_through_the_cli_is_valid_sarif(monkeypatch: pytest.MonkeyPatch, validator: Any) -> None:
    status, output = run_demo(monkeypatch, "sarif")
    log = json.loads(output)
    assert schema_errors(validator, log) == []
    _, plain = run_demo(monkeypatch, "json")
    expected = json.loads(plain)["diagnostics"]
    assert status == 1
    assert [(r["ruleId"], r["message"]["text"]) for r in results(log)] == [(d["code"], d["message"]) for d in expected]
    fingerprints = [partial_fingerprint(r) for r in results(log)]
    assert len(set(fingerprints)) == len(fingerprints)


def test_demo_through_the_cli_as_github_annotations(monkeypatch: pytest.MonkeyPatch) -> None:
    status, output = run_demo(monkeypatch, "github")
    _, plain = run_demo(monkeypatch, "json")
    expected = json.loads(plain)["diagnostics"]
    assert status == 1
    lines = [line for line in output.split("\n") if line.startswith("::")]
    assert len(lines) == len(expected)
