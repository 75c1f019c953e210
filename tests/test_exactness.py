"""Fixture projects for the patterns real codebases use (settings, constructors, generated names, wrappers ...).

Each directory under ``fixtures/collect/exact/`` is a small project with its own ``[tool.flaglint]``; every file
states the references it holds in ``expect:`` markers (see `expectations`), and the scan must find exactly those:
a missed reference and a false positive both fail. A project may list the problems it expects (FL001 ...) in
``expected-problems.txt``, one ``path:line`` per line; any other problem fails.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest

from expectations import Expectation, read_expectations
from flaglint.config import load_settings
from flaglint.model import Reference, ScanResult
from flaglint.scan import scan

EXACT = Path(__file__).resolve().parent.parent / "fixtures" / "collect" / "exact"
PROJECTS = sorted(p.name for p in EXACT.iterdir() if (p / "pyproject.toml").is_file())
_SCANS: Dict[str, ScanResult] = {}


def scanned(project: str) -> ScanResult:
    """The project's scan, once per test session."""
    if project not in _SCANS:
        here = os.getcwd()
        os.chdir(EXACT / project)
        try:
            _SCANS[project] = scan(load_settings("."), jobs=1)
        finally:
            os.chdir(here)
    return _SCANS[project]


def fixture_files() -> List[Tuple[str, str]]:
    files = []
    for project in PROJECTS:
        for path in sorted((EXACT / project).rglob("*")):
            if path.is_file() and ".flaglint_cache" not in path.parts and "__pycache__" not in path.parts:
                files.append((project, path.relative_to(EXACT / project).as_posix()))
    return files


def found(references: Tuple[Reference, ...], path: str) -> Set[Expectation]:
    return {(r.line, r.kind, r.name, None if r.name is not None else r.pattern) for r in references if r.path == path}


@pytest.mark.parametrize("project,path", fixture_files())
def test_every_expected_reference_and_nothing_else(project: str, path: str) -> None:
    text = (EXACT / project / path).read_text(encoding="utf-8", errors="replace")
    assert found(scanned(project).references, path) == read_expectations(text)


@pytest.mark.parametrize("project", PROJECTS)
def test_only_the_expected_problems(project: str) -> None:
    listed = EXACT / project / "expected-problems.txt"
    expected = set(listed.read_text().split()) if listed.is_file() else set()
    result = scanned(project)
    assert {f"{p.path}:{p.line}" for p in result.problems} == expected
    assert result.skipped == ()


def reason_of(project: str, path: str, line: int) -> str:
    matches = [r for r in scanned(project).references if r.path == path and r.line == line and r.dynamic]
    assert len(matches) == 1, matches
    return matches[0].reason or ""


def test_a_setting_no_settings_module_defines_says_where_flaglint_looked() -> None:
    reason = reason_of("settings", "shop/views.py", 38)
    assert reason.startswith("`settings.NOT_A_SETTING` is not defined in any settings module (")
    assert "`config.settings.local`" in reason


def test_a_module_that_writes_its_attributes_at_runtime_names_the_declaration_that_would_resolve_it() -> None:
    reason = reason_of("generated", "web/views.py", 22)
    assert reason == (
        "module `core.undeclared` sets its attributes at import time (line 4); "
        "declare it under [tool.flaglint.generated] to resolve `NEW_UI`"
    )


GENERATED = '[tool.flaglint.generated."app.features"]\n'


def _json_error_position(text: str) -> str:
    """Where this Python's json module puts a syntax error (3.13 moved the trailing-comma column)."""
    import json

    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return f"{error.lineno}:{error.colno}"
    raise AssertionError("valid JSON")


TRAILING_COMMA = '{"A": "a",}'
JSON_ERROR = f"f.json:{_json_error_position(TRAILING_COMMA)}: invalid JSON"


@pytest.mark.parametrize(
    "declaration,data_name,data,message",
    [
        ('file = "missing.yaml"\nkind = "flag"\n', None, None, "missing.yaml: cannot read: No such file"),
        (
            'file = "f.yaml"\nkind = "flag"\n',
            "f.yaml",
            "A: one\nB: [unclosed\n",
            "f.yaml:3:1: invalid YAML:",
        ),
        ('file = "f.json"\nkind = "flag"\n', "f.json", '{"A": 1}', "f.json: the file: 'A' must map to a name"),
        ('file = "f.json"\nkind = "flag"\n', "f.json", TRAILING_COMMA, JSON_ERROR),
        (
            'file = "f.toml"\nattribute = "const"\nname = "name"\nsections = { flags = "flag" }\n',
            "f.toml",
            '[[flags]]\nconst = "A"\n',
            "f.toml: section 'flags', entry 1: needs string values for 'const' and 'name'",
        ),
        ('file = "f.json"\n', "f.json", "{}", "needs either a 'kind' or 'sections'"),
        ('file = "f.json"\nkind = "flag"\nattribute = "a"\n', "f.json", "{}", "needs both 'attribute' and 'name'"),
        ('file = "f.json"\nkind = "toggle"\n', "f.json", "{}", "must be one of flag, switch, sample"),
        ('kind = "flag"\n', None, None, "needs a 'file'"),
    ],
)
def test_a_bad_generated_declaration_is_a_configuration_error_naming_the_file(
    tmp_path: Path, declaration: str, data_name: str, data: str, message: str
) -> None:
    from flaglint.config import load_settings
    from flaglint.model import FlaglintError

    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n" + GENERATED + declaration)
    if data_name is not None:
        (tmp_path / data_name).write_text(data)
    with pytest.raises(FlaglintError) as raised:
        load_settings(str(tmp_path))
    assert message in str(raised.value)


def test_reading_yaml_without_pyyaml_says_what_to_install(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n" + GENERATED + 'file = "f.yaml"\nkind = "flag"\n')
    (tmp_path / "f.yaml").write_text("A: a\n")
    program = "import sys; sys.modules['yaml'] = None; from flaglint.cli import main; sys.exit(main(['refs']))"
    done = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 2
    assert "reading YAML needs PyYAML: pip install 'flaglint[yaml]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_forwarded_parameter_says_which_wrapper_declaration_resolves_it_and_that_declaration_does(
    tmp_path: Path,
) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "toggles.py").write_text(
        "import waffle\n\n\ndef is_on(request, flag_name):\n    return waffle.flag_is_active(request, flag_name)\n"
    )
    (tmp_path / "app" / "views.py").write_text(
        "from app.toggles import is_on\n\n\ndef view(request):\n    return is_on(request, 'new_checkout')\n"
    )
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        before = scan(load_settings("."), jobs=1).references
        (tmp_path / "pyproject.toml").write_text(
            '[tool.flaglint]\n[tool.flaglint.wrappers]\n"app.toggles.is_on" = { kind = "flag", arg = 1 }\n'
        )
        after = scan(load_settings("."), jobs=1).references
    finally:
        os.chdir(here)
    assert [(r.path, r.line, r.name, r.reason) for r in before] == [
        (
            "app/toggles.py",
            5,
            None,
            "`flag_name` is a parameter of `is_on`; if `app.toggles.is_on` forwards it to waffle, declare it under "
            "[tool.flaglint.wrappers] (arg = 1) and its call sites name the flag",
        )
    ]
    assert [(r.path, r.line, r.name) for r in after] == [("app/views.py", 5, "new_checkout")]
