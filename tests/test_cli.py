"""The command line: exit codes, both output formats, the JSON contract, bad input of every sort."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Dict, List, Tuple

import jsonschema
import pytest

from flaglint.cli import main

SCHEMAS = Path(__file__).resolve().parent.parent / "flaglint" / "schemas"

VIEWS = textwrap.dedent("""\
    from waffle import flag_is_active, switch_is_active


    def view(request, name):
        if flag_is_active(request, "checkout"):
            return 1
        if switch_is_active("maintenance"):
            return 2
        return flag_is_active(request, "promo_" + name)
    """)


def dumpdata(*entries: Tuple[str, str]) -> str:
    """A minimal dumpdata export holding (kind, name) entries."""
    objects: List[Dict[str, Any]] = []
    for number, (kind, name) in enumerate(entries, start=1):
        fields: Dict[str, Any] = {
            "name": name,
            "note": "",
            "created": "2026-01-01T00:00:00Z",
            "modified": "2026-01-01T00:00:00Z",
        }
        if kind == "flag":
            fields.update(
                everyone=None,
                percent=None,
                testing=False,
                superusers=True,
                staff=False,
                authenticated=False,
                languages="",
                rollout=False,
                groups=[],
                users=[],
            )
        elif kind == "switch":
            fields.update(active=True)
        else:
            fields.update(percent="50.0")
        objects.append({"model": f"waffle.{kind}", "pk": number, "fields": fields})
    return json.dumps(objects, indent=2)


def run(argv: List[str]) -> Tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text(VIEWS)
    (tmp_path / "exports").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_exit_0_when_every_reference_exists_and_nothing_is_stale(project: Path) -> None:
    (project / "exports" / "prod.json").write_text(dumpdata(("flag", "checkout"), ("switch", "maintenance")))
    code, out, _ = run(["check", "--inventory", "prod=exports/prod.json", "--ignore", "FL104"])
    assert code == 0, out
    assert out.strip().splitlines()[-1].startswith("0 error(s), 0 warning(s)")


def test_exit_1_with_findings_and_text_lines_sorted(project: Path) -> None:
    (project / "exports" / "prod.json").write_text(dumpdata(("flag", "checkout"), ("flag", "old_one")))
    (project / "exports" / "dev.json").write_text(dumpdata(("flag", "checkout"), ("switch", "maintenance")))
    code, out, _ = run(
        [
            "check",
            "--inventory",
            "prod=exports/prod.json",
            "--inventory",
            "dev=exports/dev.json",
            "--retiring",
            "checkout",
        ]
    )
    assert code == 1
    lines = out.strip().splitlines()
    findings, summary = lines[:-1], lines[-1]
    assert all(re.match(r"^[\w./-]+:\d+:\d+: FL\d{3} ", line) for line in findings), findings
    places = [(path, int(line), int(column)) for path, line, column, _ in (f.split(":", 3) for f in findings)]
    assert places == sorted(places)
    codes = [line.split(" ")[1] for line in findings]
    assert sorted(codes) == ["FL101", "FL102", "FL104", "FL201"]
    assert "app/views.py:5:32: FL101 flag 'checkout' is scheduled for deletion" in out
    assert "app/views.py:7:25: FL102 switch 'maintenance' is missing from prod" in out
    assert "FL201 flag 'old_one' in prod is not referenced anywhere: safe to remove" in out
    assert summary.startswith("2 error(s), 2 warning(s)")


def test_select_and_ignore(project: Path) -> None:
    (project / "exports" / "prod.json").write_text(dumpdata(("flag", "old_one")))
    code, out, _ = run(["check", "--inventory", "prod=exports/prod.json", "--select", "FL2"])
    assert code == 1 and [line.split(" ")[1] for line in out.splitlines()[:-1]] == ["FL201"]
    code, out, _ = run(["check", "--inventory", "prod=exports/prod.json", "--ignore", "FL1,FL201"])
    assert code == 0


def test_check_json_follows_the_versioned_schema(project: Path) -> None:
    (project / "exports" / "prod.json").write_text(dumpdata(("flag", "checkout"), ("flag", "promo_x")))
    code, out, _ = run(["check", "--inventory", "prod=exports/prod.json", "--format", "json"])
    assert code == 1
    document = json.loads(out)
    jsonschema.validate(document, json.loads((SCHEMAS / "check-v1.json").read_text()))
    assert document["version"] == 1
    by_code = {(d["code"], d["name"], d["environment"]) for d in document["diagnostics"]}
    assert by_code == {
        ("FL102", "maintenance", "prod"),
        ("FL104", None, None),
        ("FL203", "promo_x", "prod"),
    }
    fl203 = next(d for d in document["diagnostics"] if d["code"] == "FL203")
    assert fl203["related"] == [{"path": "app/views.py", "line": 9, "column": 36, "expression": '"promo_" + name'}]
    assert document["summary"]["by_code"] == {"FL102": 1, "FL104": 1, "FL203": 1}


def test_refs_json_follows_the_versioned_schema(project: Path) -> None:
    code, out, _ = run(["refs", "--format", "json"])
    assert code == 0
    document = json.loads(out)
    jsonschema.validate(document, json.loads((SCHEMAS / "refs-v1.json").read_text()))
    first = document["references"][0]
    assert first == {
        "path": "app/views.py",
        "line": 5,
        "column": 32,
        "end_line": 5,
        "end_column": 42,
        "kind": "flag",
        "name": "checkout",
        "dynamic": False,
        "pattern": None,
        "expression": '"checkout"',
        "source": "python",
        "api": "flag_is_active",
        "test": False,
        "negated": False,
        "migration": False,
        "reason": None,
        "command": None,
    }
    dynamic = document["references"][2]
    assert dynamic["pattern"] == "promo_*" and dynamic["dynamic"] is True
    assert dynamic["reason"] == (
        "`name` is a parameter of `view`; if `app.views.view` forwards it to waffle, declare it under "
        "[tool.flaglint.wrappers] (arg = 1) and its call sites name the flag"
    )


def test_refs_text_and_name_filter(project: Path) -> None:
    code, out, _ = run(["refs", "--name", "promo_summer"])
    assert code == 0
    assert out.splitlines() == [
        'app/views.py:9:36: flag <dynamic promo_*: "promo_" + name> (flag_is_active)',
        "1 reference(s) in 1 file(s)",
    ]
    code, out, _ = run(["refs", "app", "--kind", "switch"])
    assert out.splitlines()[0] == "app/views.py:7:25: switch maintenance (switch_is_active)"


def test_paths_are_relative_to_the_current_directory(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project / "app")
    code, out, _ = run(["refs", "..", "--format", "json"])
    assert {r["path"] for r in json.loads(out)["references"]} == {"views.py"}


def test_explain(project: Path) -> None:
    code, out, _ = run(["explain", "FL101"])
    assert code == 0 and "retired-flag-referenced" in out and "Use instead" in out
    code, out, _ = run(["explain"])
    assert code == 0 and len(out.splitlines()) >= 9
    code, _, err = run(["explain", "FL999"])
    assert code == 2 and "unknown code" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["check", "--inventory", "prod"], "--inventory expects ENV=FILE"),
        (["check", "--inventory", "prod:xml=exports/x"], "unknown inventory format 'xml'"),
        (["check", "--select", "E501"], "not a flaglint code"),
        (["check", "no/such/dir"], "no such file or directory: no/such/dir"),
        (["check", "--inventory", "prod=exports/missing.json"], "exports/missing.json"),
    ],
)
def test_usage_errors_exit_2(project: Path, argv: List[str], message: str) -> None:
    code, _, err = run(argv)
    assert code == 2
    assert message in err and "Traceback" not in err


def test_unknown_option_exits_2(project: Path) -> None:
    assert run(["check", "--no-such-option"])[0] == 2
    assert run([])[0] == 2


def test_malformed_inventory_exits_2_with_position(project: Path) -> None:
    (project / "exports" / "prod.json").write_text('[\n  {"model": "waffle.flag",\n   "pk": 1,, }\n]')
    code, out, err = run(["check", "--inventory", "prod=exports/prod.json"])
    assert code == 2 and out == ""
    assert re.search(r"exports/prod\.json:3:\d+", err), err


def test_unknown_inventory_format_exits_2(project: Path) -> None:
    (project / "exports" / "prod.json").write_text('{"something": "else"}')
    code, _, err = run(["check", "--inventory", "prod=exports/prod.json"])
    assert code == 2 and "exports/prod.json" in err


@pytest.mark.parametrize(
    "config, message",
    [
        ("[tool.flaglint]\nexclud = ['x']\n", "unknown key 'tool.flaglint.exclud'"),
        ("[tool.flaglint]\nexclude = 'x'\n", "'tool.flaglint.exclude' must be a list of strings"),
        ("[tool.flaglint.wrappers]\n'a.b' = { kind = 'flags' }\n", 'tool.flaglint.wrappers."a.b".kind'),
        ("[tool.flaglint]\nmax-file-size = -1\n", "'tool.flaglint.max-file-size' must be a positive integer"),
        ("[tool.flaglint\n", "invalid TOML"),
    ],
)
def test_config_errors_name_the_key(project: Path, config: str, message: str) -> None:
    (project / "pyproject.toml").write_text(config)
    code, _, err = run(["check", "--config", "pyproject.toml"])
    assert code == 2
    assert message in err and "pyproject.toml" in err


BAD_FILES = {
    "app/syntax.py": (b"import waffle\ndef broken(:\n    pass\n", r"app/syntax\.py:2:\d+: FL001 cannot parse"),
    "app/py2.py": (b"import waffle\nprint 'hello'\n", r"app/py2\.py:2:\d+: FL001 cannot parse: .*Python 2 code"),
    "app/nulls.py": (b"import waffle\x00\x00\n", r"app/nulls\.py:1:1: FL001 cannot parse: .*null bytes"),
    "app/latin1.py": (b"import waffle\nx = '\xe9t\xe9'\n", r"app/latin1\.py:1:1: FL001 cannot decode"),
    "app/image.py": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDRwaffle", r"app/image\.py:1:1: FL001 .*null bytes"),
    "app/templates/bad.html": (
        b"{% flag 'x' %}\xff\xfe{% endflag %}",
        r"app/templates/bad\.html:1:1: FL001 cannot decode",
    ),
    "app/static/blob.js": (b"waffle\x00\x01\x02", r"app/static/blob\.js:1:1: FL001 skipped: binary file"),
}


def test_bad_input_is_reported_per_file_and_the_run_goes_on(project: Path) -> None:
    for relative, (data, _) in BAD_FILES.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_bytes(data)
    (project / "app" / "huge.py").write_text("import waffle\n" + "x = 1\n" * 400)
    (project / "pyproject.toml").write_text("[tool.flaglint]\nmax-file-size = 2000\n")
    code, out, err = run(["check"])
    assert code == 1 and "Traceback" not in err
    for _, (_, pattern) in BAD_FILES.items():
        assert re.search(pattern, out), pattern
    assert re.search(r"app/huge\.py:1:1: FL003 skipped: \d+ bytes is over the size limit of 2000", out)
    # the good file was still read
    assert "app/views.py:9:36: FL104" in out
    code, out, err = run(["refs"])
    assert code == 1 and "checkout" in out and "FL001" in err


def test_a_symlink_loop_does_not_hang(project: Path) -> None:
    (project / "app" / "loop").symlink_to(project / "app")
    code, out, _ = run(["refs"])
    assert code == 0 and "3 reference(s) in 1 file(s)" in out


def test_console_script_runs_without_traceback(project: Path) -> None:
    (project / "app" / "bad.py").write_bytes(b"import waffle\nprint 'x'\n")
    result = subprocess.run(
        [sys.executable, "-m", "flaglint.cli", "check"], capture_output=True, text=True, cwd=project
    )
    assert result.returncode == 1, result.stderr
    assert "FL001" in result.stdout and "Traceback" not in result.stderr
