"""waffle's management commands as references: ``call_command(...)`` in Python and ``manage.py waffle_switch NAME
on`` in ops files (shell, Makefile, Dockerfile, Procfile, CI YAML, docker-compose, tox.ini), FL205 for a
``waffle_delete`` of a name code still reads, and the ``scripts`` group of the deletion gate.

The fixture project ``fixtures/collect/ops/project`` states every reference it holds in ``expected-references.txt``:
a missed reference and a false positive both fail.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path
from typing import Iterator, List, Optional, Set, Tuple

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flaglint.api import run_check_delete, run_remove
from flaglint.catalogue import CommandTarget, command_targets
from flaglint.cli import main
from flaglint.collect.ops import collect_ops
from flaglint.config import ConfigError, load_settings
from flaglint.model import Knowledge, Reference
from flaglint.scan import scan

PROJECT = Path(__file__).resolve().parent.parent / "fixtures" / "collect" / "ops" / "project"
SCHEMAS = Path(__file__).resolve().parent.parent / "flaglint" / "schemas"

Row = Tuple[str, int, int, str, str, str, bool, bool]
"""(path, line, column, kind, name or ``?pattern``, action or ``-``, test, migration)."""


def expected_rows() -> Set[Row]:
    rows: Set[Row] = set()
    for line in (PROJECT / "expected-references.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        place, kind, name, action, *flags = line.split()
        path, number, column = place.rsplit(":", 2)
        rows.add((path, int(number), int(column), kind, name, action, "test" in flags, "migration" in flags))
    return rows


def row(reference: Reference) -> Row:
    name = reference.name if reference.name is not None else f"?{reference.pattern}"
    return (
        reference.path,
        reference.line,
        reference.column,
        reference.kind,
        name,
        reference.command or "-",
        reference.test,
        reference.migration,
    )


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of the fixture project (outside the repository, so no ``.gitignore`` of ours applies)."""
    copy = tmp_path / "project"
    shutil.copytree(PROJECT, copy)
    monkeypatch.chdir(copy)
    yield copy


def run(argv: List[str]) -> Tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


# --- the fixture project: every reference, exactly ---


def test_the_project_yields_exactly_the_expected_references(project: Path) -> None:
    result = scan(load_settings("."), jobs=1)
    assert result.problems == ()
    assert {row(reference) for reference in result.references} == expected_rows()


def test_the_same_references_in_worker_processes(project: Path) -> None:
    one = scan(load_settings("."), jobs=1).references
    assert scan(load_settings("."), jobs=2).references == one


def test_the_cache_gives_back_the_same_references(project: Path, tmp_path: Path) -> None:
    settings = load_settings(".")
    cold = scan(settings, jobs=1, use_cache=True, cache_dir=str(tmp_path / "cache"))
    (project / "scripts" / "deploy.sh").write_text("python manage.py waffle_switch changed on\n")  # one file changed
    warm = scan(settings, jobs=1, use_cache=True, cache_dir=str(tmp_path / "cache"))
    assert warm.notes == ()
    changed = [r for r in cold.references if r.path != "scripts/deploy.sh"]
    assert [r for r in warm.references if r.path != "scripts/deploy.sh"] == changed
    assert [(r.name, r.command) for r in warm.references if r.path == "scripts/deploy.sh"] == [("changed", "create")]
    again = scan(settings, jobs=1, use_cache=True, cache_dir=str(tmp_path / "cache"))
    assert again.references == warm.references


def test_ops_references_are_scripts_with_the_command_label(project: Path) -> None:
    references = scan(load_settings("."), jobs=1).references
    ops = [r for r in references if not r.path.endswith(".py")]
    assert ops and all(r.source == "script" and r.api == "waffle-command" for r in ops)
    python = [r for r in references if r.path.endswith("setup_flags.py")]
    assert python and all(r.source == "python" and r.api == "waffle-command" for r in python)


def test_dynamic_command_arguments_say_why(project: Path) -> None:
    references = scan(load_settings("."), jobs=1).references
    reasons = {(r.path, r.line): r.reason for r in references if r.dynamic}
    assert reasons[(".github/workflows/deploy.yml", 14)] == (
        "`${{ inputs.flag }}` is a CI expression, evaluated when the pipeline runs"
    )
    assert reasons[("Makefile", 6)] == "`$$DEPLOY_ENV` is an environment or shell variable, set when the script runs"
    shell = "an environment or shell variable, set when the script runs"
    assert reasons[("scripts/deploy.sh", 8)] == f"`${{name}}` is {shell}"
    assert reasons[("shop/management/commands/setup_flags.py", 15)] == "an item looked up by a key only runtime knows"
    assert reasons[("tasks.py", 14)] == (
        "`env` is a parameter of `deploy`; if `tasks.deploy` forwards it to waffle, declare it under "
        "[tool.flaglint.wrappers] (arg = 1) and its call sites name the flag"
    )
    assert reasons[("Dockerfile", 5)] == f"`${{SEARCH_SWITCH}}` is {shell}"
    unpacked = "the command's arguments are passed by `*args` or `**kwargs` unpacking"
    assert reasons[("shop/management/commands/setup_flags.py", 21)] == unpacked


def test_refs_json_carries_the_command_and_follows_the_schema(project: Path) -> None:
    code, out, _ = run(["refs", "--format", "json"])
    assert code == 0
    document = json.loads(out)
    jsonschema.validate(document, json.loads((SCHEMAS / "refs-v1.json").read_text()))
    procfile = [r for r in document["references"] if r["path"] == "Procfile"]
    assert procfile == [
        {
            "path": "Procfile",
            "line": 1,
            "column": 69,
            "end_line": 1,
            "end_column": 80,
            "kind": "switch",
            "name": "maintenance",
            "dynamic": False,
            "pattern": None,
            "expression": "maintenance",
            "source": "script",
            "api": "waffle-command",
            "test": False,
            "negated": False,
            "migration": False,
            "reason": None,
            "command": "create",
        }
    ]


# --- FL205: a waffle_delete of a name code still reads ---


def test_check_reports_each_waffle_delete_of_a_name_code_reads(project: Path) -> None:
    code, out, _ = run(["check", "--select", "FL205"])
    assert code == 1
    lines = out.splitlines()
    assert lines[:-1] == [
        "scripts/cleanup.sh:3:43: FL205 this waffle_delete deletes switch 'new_search', which non-test code still "
        "references (shop/views.py:7): running it switches the feature off",
        "shop/management/commands/setup_flags.py:14:53: FL205 this waffle_delete deletes switch 'maintenance', "
        "which non-test code still references (shop/views.py:11): running it switches the feature off",
    ]


def test_fl205_can_be_suppressed_in_a_script(project: Path) -> None:
    cleanup = project / "scripts" / "cleanup.sh"
    lines = cleanup.read_text().splitlines()
    lines[2] += "  # flaglint: ignore[FL205]"
    cleanup.write_text("\n".join(lines) + "\n")
    code, out, _ = run(["check", "--select", "FL205"])
    assert [line.split(":")[0] for line in out.splitlines()[:-1]] == ["shop/management/commands/setup_flags.py"]
    assert out.splitlines()[-1].endswith("1 suppressed")


def test_fl205_is_left_out_of_per_file_runs(project: Path) -> None:
    files = ["scripts/cleanup.sh", "shop/management/commands/setup_flags.py"]
    code, out, _ = run(["check", "--select", "FL205", "--per-file", *files])
    assert code == 0 and "FL205" not in out


def test_a_name_only_a_script_deletes_is_stale(project: Path) -> None:
    (project / "prod.txt").write_text("Samples:\nold_sample: 10.0%\ncheckout_sample: 50.0%\ngitlab_sample: 25.0%\n")
    code, out, _ = run(["check", "--inventory", "prod=prod.txt", "--select", "FL2"])
    # old_sample is only deleted (Makefile:12); the commands that set the other two keep them alive
    assert out.splitlines()[:-1] == [
        "prod.txt:2:1: FL201 sample 'old_sample' in prod is not referenced anywhere: safe to remove",
        "scripts/cleanup.sh:3:43: FL205 this waffle_delete deletes switch 'new_search', which non-test code still "
        "references (shop/views.py:7): running it switches the feature off",
        "shop/management/commands/setup_flags.py:14:53: FL205 this waffle_delete deletes switch 'maintenance', "
        "which non-test code still references (shop/views.py:11): running it switches the feature off",
    ]


def test_a_dynamic_waffle_delete_keeps_nothing_alive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "cleanup.sh").write_text("python manage.py waffle_delete --switches $OLD\n")
    (tmp_path / "prod.txt").write_text("Switches:\nold: off\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["check", "--inventory", "prod=prod.txt"])
    assert out.splitlines()[:-1] == [
        "cleanup.sh:1:43: FL104 the switch name $OLD cannot be resolved statically: `$OLD` is an environment or shell "
        "variable, set when the script runs",
        "prod.txt:2:1: FL201 switch 'old' in prod is not referenced anywhere: safe to remove",
    ]


def test_fl102_skips_commands_that_create_the_object(project: Path) -> None:
    inventory = project / "prod.txt"
    inventory.write_text("Flags:\nNAME: one_click\nSUPERUSERS: True\nEVERYONE: None\n\nSwitches:\nnew_search: on\n")
    code, out, _ = run(["check", "--inventory", "prod=prod.txt", "--select", "FL102"])
    missing = {(line.split(":")[0], line.split("'")[1]) for line in out.splitlines() if " FL102 " in line}
    # commands that change an existing object fail where it is missing; those that create it, and deletions,
    # need none; maintenance is read by views.py and missing
    assert missing == {
        ("shop/views.py", "maintenance"),
        (".github/workflows/deploy.yml", "checkout_sample"),
        ("shop/management/commands/setup_flags.py", "staff_preview"),
    }


# --- the deletion gate ---


def test_check_delete_lists_the_scripts_that_create_or_change_it(project: Path) -> None:
    code, out, _ = run(["check-delete", "new_search", "--kind", "switch"])
    assert code == 1
    assert _group(out, "  code:") == ["shop/views.py:7:25: switch_is_active NEW_SEARCH"]
    assert _group(out, "  scripts and management commands that create or change it") == [
        ".github/workflows/deploy.yml:11:45: waffle-command new_search",
        "Makefile:5:26: waffle-command new_search",
        "scripts/deploy.sh:4:32: waffle-command new_search",
        "shop/management/commands/setup_flags.py:9:39: waffle-command NEW_SEARCH",
        "shop/management/commands/setup_flags.py:24:13: waffle-command NEW_SEARCH",
    ]
    assert _group(out, "  dynamic references") == ["Dockerfile:5:36: waffle-command ${SEARCH_SWITCH} (pattern *)"]
    assert "  tests" not in out  # the test deletes it: a deletion, listed below
    assert _group(out, "  waffle_delete commands (not blocking: they are the deletion)") == [
        "scripts/cleanup.sh:3:43: waffle-command new_search",
        'shop/tests/test_setup.py:5:49: waffle-command "new_search"',
    ]


def _group(text: str, title: str) -> List[str]:
    """The places listed under one group title of the deletion gate's report."""
    lines = text.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith(title))
    found = []
    for line in lines[start + 1 :]:
        if not line.startswith("    "):
            break
        found.append(line.strip())
    return found


def test_deletions_do_not_block_and_the_json_lists_them(project: Path) -> None:
    result = run_check_delete(load_settings("."), ["old_sample"], ["sample"], Knowledge())
    (verdict,) = result.verdicts
    assert verdict.safe and result.safe
    assert [(r.path, r.line) for r in verdict.deletions] == [("Makefile", 12)]
    code, out, _ = run(["check-delete", "old_sample", "--kind", "sample", "--format", "json"])
    document = json.loads(out)
    assert code == 0 and document["safe"] is True
    (name,) = document["names"]
    assert name["blocking"]["scripts"] == []
    assert [(r["path"], r["line"], r["command"]) for r in name["deletions"]] == [("Makefile", 12, "delete")]
    code, out, _ = run(["check-delete", "checkout_sample", "--kind", "sample"])
    assert code == 1
    assert _group(out, "  scripts and management commands") == [
        ".github/workflows/deploy.yml:15:37: waffle-command checkout_sample",
        'shop/management/commands/setup_flags.py:11:50: waffle-command "checkout_sample"',
    ]


def test_remove_leaves_commands_to_the_checklist(project: Path) -> None:
    result = run_remove(load_settings("."), "new_search", keep_on=True, kind="switch")
    notes = [str(note) for note in result.checklist]
    assert [change.path for change in result.changes] == ["shop/views.py"]
    by_hand = "remove that command by hand"
    not_rewritten = "is not rewritten: a waffle management command creates, changes or deletes the object"
    assert notes[:7] == [
        f".github/workflows/deploy.yml:11: a script runs a waffle command on it (new_search): {by_hand}",
        f"Makefile:5: a script runs a waffle command on it (new_search): {by_hand}",
        "scripts/cleanup.sh:3: waffle_delete deletes it (new_search): run it once the references are gone",
        f"scripts/deploy.sh:4: a script runs a waffle command on it (new_search): {by_hand}",
        f"shop/management/commands/setup_flags.py:9: waffle-command(NEW_SEARCH) {not_rewritten}: remove it by hand",
        f"shop/management/commands/setup_flags.py:22: waffle-command(NEW_SEARCH) {not_rewritten}: remove it by hand",
        f'shop/tests/test_setup.py:5: waffle-command("new_search") {not_rewritten}: remove it by hand',
    ]
    assert not result.safe  # the scripts still create it


# --- configuration ---


def test_ops_files_globs_are_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.flaglint]\nops-files = ["deploy/*.steps"]\n')
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "prod.steps").write_text("python manage.py waffle_switch from_steps on\n")
    (tmp_path / "Makefile").write_text("all:\n\tpython manage.py waffle_switch from_make on\n")
    monkeypatch.chdir(tmp_path)
    references = scan(load_settings("."), jobs=1).references
    assert [(r.path, r.name) for r in references] == [("deploy/prod.steps", "from_steps")]


def test_an_ops_script_under_tests_is_test_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "setup.sh").write_text("python manage.py waffle_switch in_tests on\n")
    monkeypatch.chdir(tmp_path)
    (reference,) = scan(load_settings("."), jobs=1).references
    assert reference.test and reference.name == "in_tests"


@pytest.mark.parametrize("value", ['"deploy/*.sh"', "[1]"])
def test_ops_files_must_be_a_list_of_strings(tmp_path: Path, value: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.flaglint]\nops-files = {value}\n")
    with pytest.raises(ConfigError, match=r"'tool.flaglint.ops-files' must be a list of strings"):
        load_settings(str(tmp_path))


# --- the argument parser shared by both collectors ---


@pytest.mark.parametrize(
    "command,arguments,expected",
    [
        ("waffle_switch", ["x", "on"], [CommandTarget(0, "switch", "create")]),
        ("waffle_switch", ["--create", "x", "off"], [CommandTarget(1, "switch", "create")]),
        ("waffle_switch", ["--list"], []),
        ("waffle_flag", ["x", "--everyone"], [CommandTarget(0, "flag", "change")]),
        ("waffle_flag", ["-p", "20", "x", "--create"], [CommandTarget(2, "flag", "create")]),
        ("waffle_flag", ["--percent=20", "--group", "staff", "x"], [CommandTarget(3, "flag", "change")]),
        ("waffle_flag", ["--settings", "s", "-v", "2", None], [CommandTarget(4, "flag", "change")]),
        ("waffle_flag", ["-l"], []),
        ("waffle_sample", ["s", "50", "--create"], [CommandTarget(0, "sample", "create")]),
        ("waffle_sample", ["--", "-odd", "5"], [CommandTarget(1, "sample", "change")]),
        (
            "waffle_delete",
            ["--flags", "a", None, "--switches=s", "--samples", "z", "--settings", "q"],
            [
                CommandTarget(1, "flag", "delete"),
                CommandTarget(2, "flag", "delete"),
                CommandTarget(3, "switch", "delete", prefix=11),
                CommandTarget(5, "sample", "delete"),
            ],
        ),
        ("waffle_delete", ["stray", "--flags"], []),
        ("migrate", ["x"], []),
    ],
)
def test_command_targets(command: str, arguments: List[Optional[str]], expected: List[CommandTarget]) -> None:
    assert command_targets(command, arguments) == expected


# --- the ops collector on its own: quoting, continuations, what is not a command ---


def found(text: str) -> List[Tuple[int, int, str, str, Optional[str]]]:
    return [
        (r.line, r.column, r.kind, r.name if r.name is not None else f"?{r.pattern}", r.command)
        for r in collect_ops("f", text, test=False)
    ]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("python manage.py waffle_switch x on --create", [(1, 32, "switch", "x", "create")]),
        ("./manage.py waffle_flag \"beta ui\" --everyone", [(1, 25, "flag", "beta ui", "change")]),
        ("./manage.py waffle_flag 'it''s' --everyone", [(1, 25, "flag", "its", "change")]),
        ("src/manage.py waffle_flag esc\\aped", [(1, 27, "flag", "escaped", "change")]),
        ("django-admin waffle_switch da on", [(1, 28, "switch", "da", "create")]),
        ("python3 -m django waffle_switch m on", [(1, 33, "switch", "m", "create")]),
        ("${MANAGE_PY} waffle_switch v on", [(1, 28, "switch", "v", "create")]),
        ("RUN a \\\n && ./manage.py waffle_switch \\\n    c on", [(3, 5, "switch", "c", "create")]),
        ("a && ./manage.py waffle_switch x on; ./manage.py waffle_switch y off",
         [(1, 32, "switch", "x", "create"), (1, 64, "switch", "y", "create")]),
        ("./manage.py waffle_switch \"p_${ENV}_q\" on", [(1, 27, "switch", "?p_*_q", "create")]),
        ("./manage.py waffle_switch $1 on", [(1, 27, "switch", "?*", "create")]),
        ("./manage.py waffle_switch `cat name` on", [(1, 27, "switch", "?*", "create")]),
        ("./manage.py waffle_delete --flags=$F", [(1, 35, "flag", "?*", "delete")]),
        (
            "./manage.py waffle_delete --switches a b > out.log",
            [(1, 38, "switch", "a", "delete"), (1, 40, "switch", "b", "delete")],
        ),
        ("bash -c './manage.py waffle_switch \"inner\" on'", [(1, 36, "switch", "inner", "create")]),
        ("CMD [\"python\", \"manage.py\", \"waffle_flag\", \"x\"]", [(1, 44, "flag", "x", "change")]),
        ("command: [python, manage.py, waffle_flag, bare]", [(1, 43, "flag", "bare", "change")]),
        (
            "(./manage.py lms waffle_flag --list | grep x) || ./manage.py lms waffle_flag --create --everyone x",
            [(1, 98, "flag", "x", "create")],
        ),
        ("./manage.py cms --settings tutor.production waffle_switch y on", [(1, 59, "switch", "y", "create")]),
        ("./manage.py lms --settings=tutor.production waffle_switch y on", [(1, 59, "switch", "y", "create")]),
        ("./manage.py help waffle_switch", []),
        ("./manage.py shell waffle_switch x", []),
        ("# ./manage.py waffle_switch commented on", []),
        ("echo done # ./manage.py waffle_switch trailing on", []),
        ("make waffle_switch", []),
        ("bash scripts/waffle_switch.sh x", []),
        ("echo 'manage.py is where waffle_switch lives'", []),
        ("./manage.py waffle_switch --list", []),
        ("./manage.py waffle_switchboard x on", []),
        ("./manage.py my_waffle_switch x on", []),
        ("", []),
    ],
)
def test_collect_ops(text: str, expected: List[Tuple[int, int, str, str, Optional[str]]]) -> None:
    assert found(text) == expected


def test_unbalanced_quotes_and_brackets_do_not_crash() -> None:
    for text in ['./manage.py waffle_switch "open', "CMD [\"manage.py\", \"waffle_switch\", \"x", "$(", "${{", "`"]:
        collect_ops("f", text + " waffle_flag", test=False)
        collect_ops("f", text, test=False)


def test_positions_point_at_the_name_in_the_file() -> None:
    text = "steps:\n  - run: |\n      ./manage.py waffle_flag \"${{ inputs.flag }}\"\n"
    (reference,) = collect_ops("f", text, test=False)
    assert (reference.line, reference.column, reference.end_line, reference.end_column) == (3, 31, 3, 51)
    assert reference.expression == '"${{ inputs.flag }}"'
    offset = text.index('"${{')
    assert text[offset : offset + len(reference.expression)] == reference.expression


def test_a_file_without_the_word_is_not_split() -> None:
    assert collect_ops("f", "python manage.py migrate\n" * 1000, test=False) == []


def test_the_fixture_files_are_ops_files_by_default() -> None:
    from flaglint.config import Settings
    from flaglint.paths import file_type

    settings = Settings()
    for relative in ("Makefile", "Dockerfile", "Procfile", ".github/workflows/deploy.yml", "docker-compose.yml",
                     "scripts/deploy.sh", "tox.ini", ".gitlab-ci.yml", "docker/Dockerfile.prod", "fly.toml"):
        assert file_type(relative, settings) == "ops", relative
    for relative in ("NOTES.md", "docs/deploy.yml", "shop/templates/x.html"):
        assert file_type(relative, settings) != "ops", relative
    assert os.path.isfile(PROJECT / "NOTES.md")


# --- any text: no exception, and every reference's expression is the text at its position ---

_PIECES = st.sampled_from(
    [
        "./manage.py ", "waffle_switch ", "waffle_flag ", "waffle_delete ", "--flags ", "--switches=", "--create ",
        "x ", '"', "'", "\\", "\n", "\\\n", "$", "${", "}", "$(", ")", "${{", "}}", "`", "[", "]", ", ", "#", " && ",
        "|", ">", "2", "lms ", "-m django ", "on ", "é",
    ]
)


@settings(max_examples=int(os.environ.get("FLAGLINT_EXAMPLES", "300")), deadline=None)
@given(st.lists(_PIECES, max_size=24))
def test_any_text_is_collected_without_error(pieces: List[str]) -> None:
    text = "".join(pieces)
    lines = text.split("\n")
    for reference in collect_ops("f", text, test=False):
        assert 1 <= reference.line <= len(lines)
        start = sum(len(line) + 1 for line in lines[: reference.line - 1]) + reference.column - 1
        assert text[start : start + len(reference.expression)] == reference.expression
