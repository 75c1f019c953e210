"""Fail closed: every way flaglint used to say "safe" without having looked, run code from a repository, write
broken code or crash, reproduced through the real command line (a subprocess, as users and hooks run it)."""

from __future__ import annotations

import json
import os
import pickle
import resource
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from flaglint import __version__
from flaglint.scan.cache import FOLDER

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DEMO = FIXTURES / "demo"


def flaglint(
    cwd: Path, *arguments: str, env: Optional[Dict[str, str]] = None, **kwargs: Any
) -> "subprocess.CompletedProcess[str]":
    environment = {key: value for key, value in os.environ.items() if key != "FLAGLINT_CACHE_DIR"}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "flaglint.cli", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=environment,
        **kwargs,
    )


def says_safe(output: str) -> bool:
    """Whether a report gives the "safe to delete" verdict (a line of its own)."""
    return any(line.startswith("safe to delete") for line in output.splitlines())


def no_traceback(result: "subprocess.CompletedProcess[str]") -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DEMO, tmp_path / "demo", ignore=shutil.ignore_patterns(".flaglint_cache", "*.sqlite3")))


def write(root: Path, files: Dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return root


def git(directory: Path, *arguments: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", "-C", str(directory), *arguments],
        check=True,
        capture_output=True,
    )


# --- 1. the gate says "safe" only when it looked everywhere -------------------------------------------------------


def test_check_delete_from_a_subdirectory_scans_the_whole_project(demo: Path) -> None:
    result = flaglint(demo / "acme", "check-delete", "new_storefront", "--no-cache")
    no_traceback(result)
    assert result.returncode == 1, result.stdout
    assert not says_safe(result.stdout)
    assert "../store/views.py:17:36: flag_is_active NEW_STOREFRONT" in result.stdout
    assert "../store/templates/base.html:14:13" in result.stdout


def test_check_from_a_subdirectory_gives_the_projects_verdicts(demo: Path) -> None:
    def project_wide(cwd: Path) -> List[Any]:
        out = json.loads(flaglint(cwd, "check", "--format", "json", "--no-cache").stdout)
        return sorted(
            (d["code"], d["name"], os.path.normpath(cwd / d["path"]))
            for d in out["diagnostics"]
            if d["code"].startswith("FL2")
        )

    from_root = project_wide(demo)
    assert from_root and all(code != "FL201" or name != "new_storefront" for code, name, _ in from_root)
    assert project_wide(demo / "store") == from_root
    assert project_wide(demo / "acme") == from_root


def test_paths_narrow_where_per_reference_findings_are_reported(demo: Path) -> None:
    out = json.loads(flaglint(demo, "check", "store/templates", "--format", "json", "--no-cache").stdout)
    per_reference = {d["path"] for d in out["diagnostics"] if d["code"][:3] in ("FL0", "FL1")}
    assert per_reference and all(path.startswith("store/templates/") for path in per_reference)
    assert any(d["code"].startswith("FL2") for d in out["diagnostics"])  # still the whole project's verdicts


def test_check_delete_in_an_empty_directory_cannot_confirm(tmp_path: Path) -> None:
    result = flaglint(tmp_path, "check-delete", "anything")
    no_traceback(result)
    assert result.returncode == 2
    assert not says_safe(result.stdout + result.stderr)
    assert "nothing to check" in result.stderr or "cannot confirm" in result.stdout


def test_a_configured_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.flaglint]\npaths = ["src"]\n', "app.py": "x = 1\n"})
    for command in (["check-delete", "anything"], ["check"], ["refs"]):
        result = flaglint(tmp_path, *command)
        no_traceback(result)
        assert result.returncode == 2
        assert (
            "pyproject.toml" in result.stderr and "'tool.flaglint.paths'" in result.stderr and "'src'" in result.stderr
        )


def test_a_link_to_a_directory_outside_the_project_blocks_the_gate(tmp_path: Path) -> None:
    outside = write(tmp_path / "shared", {"lib.py": "import waffle\nwaffle.switch_is_active('kept')\n"})
    project = write(tmp_path / "project", {"pyproject.toml": "[tool.flaglint]\n", "app.py": "x = 1\n"})
    (project / "vendor").symlink_to(outside, target_is_directory=True)
    result = flaglint(project, "check-delete", "kept", "--no-cache")
    no_traceback(result)
    assert result.returncode == 2
    assert "vendor" in result.stdout and "FL004" in result.stdout and not says_safe(result.stdout)
    check = flaglint(project, "check", "--no-cache")
    assert "vendor:1:1: FL004 not scanned: a symbolic link to a directory outside the scanned paths" in check.stdout


def test_an_excluded_link_is_a_deliberate_choice(tmp_path: Path) -> None:
    outside = write(tmp_path / "shared", {"lib.py": "x = 1\n"})
    project = write(
        tmp_path / "project", {"pyproject.toml": '[tool.flaglint]\nexclude = ["vendor"]\n', "app.py": "x = 1\n"}
    )
    (project / "vendor").symlink_to(outside, target_is_directory=True)
    result = flaglint(project, "check-delete", "kept", "--no-cache")
    assert result.returncode == 0 and "safe to delete kept" in result.stdout


def test_submodules_are_scanned_and_one_not_checked_out_blocks_the_gate(tmp_path: Path) -> None:
    library = write(tmp_path / "library", {"flags.py": "import waffle\nwaffle.switch_is_active('from_submodule')\n"})
    git(library, "init", "-q")
    git(library, "add", "-A")
    git(library, "commit", "-qm", "library")
    project = write(tmp_path / "project", {"app.py": "x = 1\n"})
    git(project, "init", "-q")
    git(project, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "libs/library")
    git(project, "add", "-A")
    git(project, "commit", "-qm", "project")
    found = flaglint(project, "check-delete", "from_submodule", "--no-cache")
    assert found.returncode == 1 and "libs/library/flags.py:2" in found.stdout, found.stdout + found.stderr
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(project), str(clone)], check=True, capture_output=True)
    result = flaglint(clone, "check-delete", "from_submodule", "--no-cache")
    no_traceback(result)
    assert result.returncode == 2
    assert "libs/library:1:1: FL004 not scanned: a git submodule that is not checked out" in result.stdout


def test_an_unreadable_directory_blocks_the_gate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flaglint.api import ScanOptions, run_check_delete
    from flaglint.model import DeleteResult
    from flaglint.model import Knowledge
    from flaglint.config import load_settings

    write(tmp_path, {"pyproject.toml": "[tool.flaglint]\n", "app.py": "x = 1\n", "locked/inner.py": "x = 2\n"})
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(os, "scandir", scandir)
    result: DeleteResult = run_check_delete(load_settings("."), ["anything"], (), Knowledge(), ScanOptions(jobs=1))
    assert not result.safe and not result.blocked
    assert [(p.path, p.code) for p in result.scan.problems] == [("locked", "FL001")]


# --- 2. a config typo is an error, never a silent "off" -------------------------------------------------------


def test_a_toml_syntax_error_is_an_error_not_an_empty_config(demo: Path) -> None:
    pyproject = demo / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace('retirement-plan = "retirement-plan.toml"', "retirement-plan = ")
    )
    result = flaglint(demo, "check", "--fail-on", "error", "--no-cache")
    no_traceback(result)
    assert result.returncode == 2
    assert "pyproject.toml:" in result.stderr and "invalid TOML" in result.stderr


def test_a_duplicate_key_is_an_error(demo: Path) -> None:
    pyproject = demo / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace("[tool.flaglint]\n", '[tool.flaglint]\nfail-on = "error"\nfail-on = "warning"\n')
    )
    result = flaglint(demo, "check", "--no-cache")
    no_traceback(result)
    assert result.returncode == 2 and "invalid TOML" in result.stderr
    assert "pyproject.toml:10:" in result.stderr or "pyproject.toml:" in result.stderr


def test_the_demo_check_still_reports_its_errors(demo: Path) -> None:
    result = flaglint(demo, "check", "--fail-on", "error", "--no-cache")
    assert result.returncode == 1 and " 8 error(s)" in " " + result.stdout.splitlines()[-1], result.stdout


@pytest.mark.parametrize("argument", ["--select", "--ignore"])
def test_unknown_codes_are_usage_errors(demo: Path, argument: str) -> None:
    result = flaglint(demo, "check", argument, "FL999")
    no_traceback(result)
    assert result.returncode == 2
    assert "usage: flaglint check" in result.stderr and "'FL999' is not a flaglint code" in result.stderr


def test_unknown_codes_in_the_config_are_errors(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.flaglint]\nselect = ["FL999"]\n', "app.py": "x = 1\n"})
    result = flaglint(tmp_path, "check")
    assert result.returncode == 2 and "'tool.flaglint.select' holds 'FL999'" in result.stderr


def test_an_inventory_format_typo_is_an_error_naming_the_key(demo: Path) -> None:
    pyproject = demo / "pyproject.toml"
    text = pyproject.read_text().replace(
        'inventories = { dev = "exports/dev.json", prod = "exports/prod.json" }',
        'inventories = { dev = "exports/dev.json", prod = { path = "exports/prod.json", format = "dumdata" } }',
    )
    pyproject.write_text(text)
    result = flaglint(demo, "check")
    no_traceback(result)
    assert result.returncode == 2
    assert "'tool.flaglint.inventories.prod.format' must be one of dumpdata" in result.stderr


# --- 3. the cache is data, never code ------------------------------------------------------------------------


def test_a_committed_pickle_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / f"pwned-{uuid.uuid4().hex}"

    class Payload:
        def __reduce__(self) -> Any:
            return (os.system, (f"touch {marker}",))

    project = write(tmp_path / "repo", {"a.py": "x = 1\n"})
    for folder in ("v2", "v3", FOLDER):
        (project / ".flaglint_cache" / folder).mkdir(parents=True)
        (project / ".flaglint_cache" / folder / "last-run.pickle").write_bytes(pickle.dumps(Payload()))
    (project / ".flaglint_cache" / FOLDER / "cache.sqlite3").write_bytes(pickle.dumps(Payload()))
    git(project, "init", "-q")
    git(project, "add", "-A", "-f")
    git(project, "commit", "-qm", "a payload")
    for command in (["check"], ["refs"], ["check-delete", "x"], ["check", "--per-file", "a.py"]):
        result = flaglint(project, *command)
        no_traceback(result)
    assert not marker.exists(), "the cache ran code from the repository"


def test_a_copied_cache_is_not_trusted(tmp_path: Path) -> None:
    """A cache that lies (a record claiming a file has no reference) is discarded when it was written elsewhere."""
    project = write(
        tmp_path / "repo",
        {"pyproject.toml": "[tool.flaglint]\n", "app.py": "import waffle\nwaffle.switch_is_active('kept')\n"},
    )
    assert flaglint(project, "refs").returncode == 0
    database = project / ".flaglint_cache" / FOLDER / "cache.sqlite3"
    connection = sqlite3.connect(database)
    with connection:
        connection.execute("DELETE FROM results")  # no remembered answer
        rows = connection.execute("SELECT generation, path, head FROM files").fetchall()
        for generation, path, head in rows:
            data = json.loads(head)
            data["candidate"] = False  # "this file cannot hold a reference"
            connection.execute(
                "UPDATE files SET head = ?, payloads = '{}' WHERE generation = ? AND path = ?",
                (json.dumps(data), generation, path),
            )
    connection.close()
    copy = database.with_name("copy")
    shutil.copy(database, copy)
    os.replace(copy, database)  # as a clone, a CI restore or a planted file would: another inode
    result = flaglint(project, "check-delete", "kept")
    no_traceback(result)
    assert result.returncode == 1 and "app.py:2" in result.stdout
    assert "written elsewhere" in result.stderr


def test_a_cache_of_the_wrong_shape_is_ignored_with_a_note(tmp_path: Path) -> None:
    project = write(
        tmp_path / "repo",
        {"pyproject.toml": "[tool.flaglint]\n", "app.py": "import waffle\nwaffle.switch_is_active('kept')\n"},
    )
    first = flaglint(project, "refs", "--format", "json")
    database = project / ".flaglint_cache" / FOLDER / "cache.sqlite3"
    connection = sqlite3.connect(database)
    with connection:
        connection.execute("UPDATE results SET value = '[{\"ScanResult\": [1, 2]}, []]'")
        connection.execute('UPDATE files SET head = \'{"candidate": "yes"}\'')
    connection.close()
    again = flaglint(project, "refs", "--format", "json")
    no_traceback(again)
    assert again.returncode == 0 and again.stdout == first.stdout
    assert "wrong shape" in again.stderr


def test_a_linked_cache_directory_touches_nothing_outside(tmp_path: Path) -> None:
    victim = write(tmp_path / "victim", {f"keep{n}.pickle": "precious\n" for n in range(6)})
    before = sorted((p.name, p.read_text()) for p in victim.iterdir())
    project = write(
        tmp_path / "repo",
        {"pyproject.toml": "[tool.flaglint]\n", "app.py": "import waffle\nwaffle.switch_is_active('kept')\n"},
    )
    (project / ".flaglint_cache").mkdir()
    (project / ".flaglint_cache" / FOLDER).symlink_to(victim, target_is_directory=True)
    (project / ".flaglint_cache" / ".gitignore").symlink_to(tmp_path / "created-through-a-link")
    for _ in range(2):
        result = flaglint(project, "refs")
        no_traceback(result)
        assert result.returncode == 0 and "switch kept" in result.stdout
    assert sorted((p.name, p.read_text()) for p in victim.iterdir()) == before
    assert not (tmp_path / "created-through-a-link").exists()
    assert "symbolic link" in result.stderr
    whole = tmp_path / "repo2"
    write(whole, {"app.py": "x = 1\n", "pyproject.toml": "[tool.flaglint]\n"})
    (whole / ".flaglint_cache").symlink_to(victim, target_is_directory=True)
    assert flaglint(whole, "refs").returncode == 0
    assert sorted((p.name, p.read_text()) for p in victim.iterdir()) == before


def test_the_cache_can_live_outside_the_tree(tmp_path: Path) -> None:
    project = write(
        tmp_path / "repo",
        {"pyproject.toml": "[tool.flaglint]\n", "app.py": "import waffle\nwaffle.switch_is_active('kept')\n"},
    )
    elsewhere = tmp_path / "caches"
    by_option = flaglint(project, "refs", "--cache-dir", str(elsewhere))
    by_environment = flaglint(project, "refs", env={"FLAGLINT_CACHE_DIR": str(tmp_path / "env-caches")})
    assert by_option.stdout == by_environment.stdout and "switch kept" in by_option.stdout
    assert not (project / ".flaglint_cache").exists()
    assert list(elsewhere.glob(f"*/{FOLDER}/cache.sqlite3")) and list(
        (tmp_path / "env-caches").glob(f"*/{FOLDER}/cache.sqlite3")
    )
    assert flaglint(project, "refs", "--no-cache").stdout == by_option.stdout


# --- 4. remove never writes code that does not compile ---------------------------------------------------------

MULTI = """\
    from waffle import flag_is_active, switch_is_active


    def view(request):
        if (
            is_excluded(request)
            or is_api(request)
            or not flag_is_active(request, "multi")
        ):
            return 1
        return 2


    def other(request):
        if flag_is_active(request, "multi"):
            return "new"
        elif switch_is_active("only_here"):
            return "maintenance"
        return "old"
    """


@pytest.mark.parametrize("keep", ["on", "off"])
def test_remove_keeps_multi_line_conditions_valid(tmp_path: Path, keep: str) -> None:
    project = write(tmp_path, {"pyproject.toml": "[tool.flaglint]\n", "app/views.py": MULTI})
    result = flaglint(project, "remove", "multi", "--keep", keep, "--write", "--no-cache")
    no_traceback(result)
    source = (project / "app" / "views.py").read_text()
    compile(source, "views.py", "exec")
    assert "multi" not in source
    if keep == "on":  # the elif holding the only reference to another switch went with the kept branch
        assert "only_here" not in source
        assert "also referenced switch 'only_here'" in result.stdout
        assert result.returncode == 0
    else:
        assert "is_excluded(request)" in source and "only_here" in source


def test_remove_lists_mock_patch_targets_of_a_removed_import(tmp_path: Path) -> None:
    project = write(
        tmp_path,
        {
            "pyproject.toml": "[tool.flaglint]\n",
            "app/__init__.py": "",
            "app/tasks.py": """\
                import waffle


                def run():
                    if waffle.switch_is_active("sync"):
                        return "sync"
                    return "skip"
                """,
            "app/tests/test_tasks.py": """\
                from unittest import mock

                from app.tasks import run


                @mock.patch("app.tasks.waffle.switch_is_active", return_value=True)
                def test_run(patched):
                    assert run() == "sync"
                """,
        },
    )
    result = flaglint(project, "remove", "sync", "--keep", "on", "--no-cache")
    no_traceback(result)
    assert "app/tests/test_tasks.py:6: 'app.tasks.waffle' names an import the rewrite removed" in result.stdout


def test_a_rewrite_that_would_not_parse_is_not_written(monkeypatch: pytest.MonkeyPatch) -> None:
    from flaglint.rewrite import folding
    from flaglint.rewrite import python as rewrite
    from flaglint.catalogue import Catalogue
    from flaglint.collect.python import collect_python
    from flaglint.resolve import Project
    from flaglint.model import Failed

    source = textwrap.dedent(MULTI).encode()
    summary = collect_python("views.py", source, module="views", test=False, catalogue=Catalogue())
    project = Project([summary], Catalogue())
    references = [r for p in summary.references for r in project.resolve(p) if r.name == "multi"]
    monkeypatch.setattr(folding, "standalone", lambda node: node)  # the old bug: a multi-line part left bare
    outcome = rewrite.rewrite_python("views.py", source, references, keep_on=False)
    assert isinstance(outcome, Failed) and "would not parse" in outcome.reason
    deep = b"x = " + b"+".join([b"a"] * 5000) + b"\n"  # Python refuses it; libcst would crash on it
    assert isinstance(rewrite.rewrite_python("deep.py", deep, [], True), Failed)


def test_remove_of_deeply_nested_code_is_a_diagnostic(tmp_path: Path) -> None:
    nested = (
        "from waffle import switch_is_active\n\nvalue = " + "f(" * 190 + 'switch_is_active("deep")' + ")" * 190 + "\n"
    )
    project = write(tmp_path, {"pyproject.toml": "[tool.flaglint]\n", "deep.py": nested})
    result = flaglint(project, "remove", "deep", "--keep", "on", "--write", "--no-cache")
    no_traceback(result)
    assert result.returncode in (1, 2)
    assert (project / "deep.py").read_text() == nested


def test_writes_are_all_or_nothing_and_never_through_a_link(tmp_path: Path) -> None:
    outside = write(
        tmp_path / "outside", {"linked.py": 'import waffle\nif waffle.switch_is_active("gone"):\n    x = 1\n'}
    )
    project = write(
        tmp_path / "project",
        {
            "pyproject.toml": "[tool.flaglint]\n",
            "a.py": 'import waffle\nif waffle.switch_is_active("gone"):\n    a = 1\n',
            "b.py": 'import waffle\nif waffle.switch_is_active("gone"):\n    b = 1\n',
        },
    )
    (project / "c.py").symlink_to(outside / "linked.py")
    before = {p.name: p.read_bytes() for p in project.glob("*.py")}
    result = flaglint(project, "remove", "gone", "--keep", "on", "--write", "--no-cache")
    no_traceback(result)
    assert result.returncode == 2 and "c.py: is a symbolic link" in result.stderr
    assert {p.name: p.read_bytes() for p in project.glob("*.py")} == before
    assert (outside / "linked.py").read_text().count("gone") == 1


def test_a_write_cut_short_leaves_the_file_whole(tmp_path: Path) -> None:
    body = "".join(f"value_{n} = {n}  # padding padding padding padding\n" for n in range(4000))
    source = 'import waffle\n\nif waffle.switch_is_active("big"):\n    a = 1\n' + body
    project = write(tmp_path, {"pyproject.toml": "[tool.flaglint]\n", "big.py": source})
    limit = len(source) // 2

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    result = subprocess.run(
        [sys.executable, "-m", "flaglint.cli", "remove", "big", "--keep", "on", "--write", "--no-cache"],
        cwd=project,
        capture_output=True,
        text=True,
        preexec_fn=limited,
        timeout=300,
    )
    no_traceback(result)
    assert result.returncode == 2 and "nothing was written" in result.stderr
    assert (project / "big.py").read_text() == source
    assert not list(project.glob(".flaglint-*"))


def test_a_file_changed_since_it_was_read_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flaglint.writes import PlannedWrite, WriteError, write_files

    target = tmp_path / "a.py"
    target.write_text("old\n")
    with pytest.raises(WriteError, match="changed since flaglint read it"):
        write_files([PlannedWrite(str(target), b"new\n", expected=b"older\n")], root=str(tmp_path))
    assert target.read_text() == "old\n"
    with pytest.raises(WriteError, match="outside the project"):
        write_files([PlannedWrite(str(target), b"new\n")], root=str(tmp_path / "elsewhere"))
    target.chmod(0o640)
    write_files([PlannedWrite(str(target), b"new\n", expected=b"old\n")], root=str(tmp_path))
    assert target.read_text() == "new\n" and (target.stat().st_mode & 0o777) == 0o640


# --- 5. arguments in any order, the command's own usage -------------------------------------------------------


def test_every_command_takes_options_between_paths(demo: Path) -> None:
    pairs = [
        (
            ["check", "store", "--inventory", "prod=exports/prod.json", "acme", "--no-cache"],
            ["check", "--inventory", "prod=exports/prod.json", "--no-cache", "store", "acme"],
        ),
        (
            ["refs", "store", "--name", "new_storefront", "acme", "--no-cache"],
            ["refs", "--name", "new_storefront", "--no-cache", "store", "acme"],
        ),
        (
            ["check-delete", "new_storefront", "--no-cache", "summer_sale_banner"],
            ["check-delete", "--no-cache", "new_storefront", "summer_sale_banner"],
        ),
        (
            ["remove", "summer_sale_banner", "--keep", "off", "store", "--no-cache"],
            ["remove", "--keep", "off", "--no-cache", "summer_sale_banner", "store"],
        ),
        (["explain", "FL101", "--format", "text"], ["explain", "--format", "text", "FL101"]),
    ]
    for mixed, ordered in pairs:
        one, other = flaglint(demo, *mixed), flaglint(demo, *ordered)
        no_traceback(one)
        assert (one.returncode, one.stdout) == (other.returncode, other.stdout), mixed
        assert "usage:" not in one.stderr, one.stderr


def test_a_double_dash_ends_the_options(tmp_path: Path) -> None:
    write(
        tmp_path, {"pyproject.toml": "[tool.flaglint]\n", "-odd.py": "import waffle\nwaffle.switch_is_active('odd')\n"}
    )
    result = flaglint(tmp_path, "refs", "--no-cache", "--", "-odd.py")
    assert result.returncode == 0 and "switch odd" in result.stdout, result.stderr


@pytest.mark.parametrize(
    "arguments, usage",
    [
        (["remove", "x"], "usage: flaglint remove"),
        (["check", "--format", "yaml"], "usage: flaglint check"),
        (["check-delete"], "usage: flaglint check-delete"),
        (["refs", "--kind", "toggle"], "usage: flaglint refs"),
        (["explain", "FL777"], "usage: flaglint explain"),
        (["frobnicate"], "usage: flaglint"),
    ],
)
def test_usage_errors_show_the_commands_own_usage(tmp_path: Path, arguments: List[str], usage: str) -> None:
    result = flaglint(tmp_path, *arguments)
    no_traceback(result)
    assert result.returncode == 2 and result.stderr.startswith(usage), result.stderr


# --- 6. no traceback reaches a user -----------------------------------------------------------------------------


def test_an_unwritable_baseline_is_a_one_line_error(demo: Path) -> None:
    result = flaglint(demo, "check", "--write-baseline", "/nonexistent/b.json", "--no-cache")
    no_traceback(result)
    assert result.returncode == 2
    assert (
        result.stderr.strip().startswith("flaglint: error: cannot write")
        and len(result.stderr.strip().splitlines()) == 1
    )


def test_a_deeply_nested_inventory_is_a_diagnostic(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.flaglint]\n", "app.py": "x = 1\n"})
    (tmp_path / "deep.json").write_text('{"flags": {"x": ' + '{"a": ' * 50000 + "1" + "}" * 50000 + "}}")
    (tmp_path / "deeper.json").write_text("[" * 50000 + "]" * 50000)
    for name in ("deep.json", "deeper.json"):
        result = flaglint(tmp_path, "check", "--inventory", f"prod={name}")
        no_traceback(result)
        assert result.returncode == 2 and "nested too deeply" in result.stderr, result.stderr


def test_an_internal_error_is_a_short_message_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.flaglint]\n", "app.py": "x = 1\n"})
    crash = "import flaglint.api as a; a.run_check = lambda *x, **k: 1 / 0; import flaglint.cli as c; import sys; "
    for debug in ([], ["--debug"]):
        result = subprocess.run(
            [sys.executable, "-c", crash + f"sys.exit(c.main(['check', *{debug!r}]))"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 2
        assert f"internal error (ZeroDivisionError: division by zero); flaglint {__version__}" in result.stderr
        assert ("Traceback" in result.stderr) == bool(debug)


# --- 7. inventory positions from the parser ---------------------------------------------------------------------


def test_inventory_positions_are_each_entrys_own_line(tmp_path: Path) -> None:
    entries = [
        {
            "model": "waffle.switch",
            "pk": 1,
            "fields": {"name": "a", "active": True, "note": "replaces b", "created": None, "modified": None},
        },
        {
            "model": "waffle.flag",
            "pk": 1,
            "fields": {"name": "b", "everyone": None, "note": "", "created": None, "modified": None},
        },
        {
            "model": "waffle.switch",
            "pk": 2,
            "fields": {"name": "b", "active": False, "note": "", "created": None, "modified": None},
        },
    ]
    text = json.dumps(entries, indent=2)
    write(tmp_path, {"pyproject.toml": "[tool.flaglint]\n", "app.py": "x = 1\n", "prod.json": text})
    lines = text.splitlines()
    out = json.loads(flaglint(tmp_path, "check", "--inventory", "prod=prod.json", "--format", "json").stdout)
    placed = {(d["kind"], d["name"]): d["line"] for d in out["diagnostics"] if d["code"] == "FL201"}
    assert set(placed) == {("switch", "a"), ("flag", "b"), ("switch", "b")}
    for (kind, name), line in placed.items():
        assert lines[line - 1].strip() == f'"name": "{name}",'
    assert placed[("flag", "b")] != placed[("switch", "b")]
