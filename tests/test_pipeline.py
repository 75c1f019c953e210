"""One scan pipeline: the flake8 plugin and ``check --per-file`` see the same references; derivation is seeded
from the modules that define a name, whatever words the files that use it hold; wrappers rewrite by their role."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List, Set, Tuple

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PROJECTS = [FIXTURES / "collect" / "python", FIXTURES / "collect" / "srclayout", FIXTURES / "flake8", FIXTURES / "demo"]

Finding = Tuple[str, int, int, str, str]


def copy(project: Path, destination: Path) -> Path:
    ignore = shutil.ignore_patterns(".flaglint_cache", "__pycache__", "*.sqlite3")
    return Path(shutil.copytree(project, destination, ignore=ignore))


def run(cwd: Path, *command: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)


def flaglint(cwd: Path, *arguments: str) -> "subprocess.CompletedProcess[str]":
    return run(cwd, sys.executable, "-m", "flaglint.cli", *arguments)


def python_files(root: Path) -> List[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.py") if ".flaglint_cache" not in p.parts)


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_flake8_plugin_and_per_file_checks_agree_on_every_file(project: Path, tmp_path: Path) -> None:
    root = copy(project, tmp_path / project.name)
    refs = json.loads(flaglint(root, "refs", "--format", "json", "--no-cache").stdout)["references"]
    names = sorted({r["name"] for r in refs if r["name"]})
    assert names, "the fixture references flags"
    files = python_files(root)
    retiring = [word for name in names for word in ("--retiring", name)]
    per_file = flaglint(root, "check", "--per-file", "--format", "json", "--no-cache", *retiring, *files)
    assert per_file.returncode in (0, 1), per_file.stderr
    expected: Set[Finding] = {
        (d["path"], d["line"], d["column"], d["code"], d["message"]) for d in json.loads(per_file.stdout)["diagnostics"]
    }
    plugin = run(
        root,
        sys.executable,
        "-m",
        "flake8",
        "--select",
        "FL",
        f"--flaglint-retiring={','.join(names)}",
        *files,
    )
    assert plugin.returncode in (0, 1), plugin.stderr
    found: Set[Finding] = set()
    for line in plugin.stdout.splitlines():
        match = re.match(r"(.+?):(\d+):(\d+): (FL\d{3}) (.*)$", line)
        assert match, line
        path, row, column, code, message = match.groups()
        found.add((path.removeprefix("./"), int(row), int(column), code, message))
    assert any(code == "FL101" for *_, code, _ in expected), "every referenced name is retiring: FL101 everywhere"
    assert found == expected


def test_a_chained_reexport_is_reported_by_the_plugin(tmp_path: Path) -> None:
    root = copy(FIXTURES / "collect" / "python", tmp_path / "python")
    plugin = run(
        root, sys.executable, "-m", "flake8", "--select", "FL", "--flaglint-retiring", "chained_reexport",
        "shop/uses_chain.py",
    )  # fmt: skip
    assert "shop/uses_chain.py:6:29: FL101 flag 'chained_reexport' is scheduled for deletion" in plugin.stdout


def test_reexports_are_learned_from_the_module_that_defines_them(tmp_path: Path) -> None:
    root = copy(FIXTURES / "collect" / "python", tmp_path / "python")
    uses = root / "shop" / "uses_compat.py"
    lines = uses.read_text().splitlines(keepends=True)
    lines[1] = "from shop.compat import is_on\n"  # no word of waffle's left in this file
    lines = [line for line in lines if "switch_is_active" not in line]
    uses.write_text("".join(lines))
    result = flaglint(root, "refs", "--no-cache", "--format", "json", "--name", "chained_reexport", "--name",
                      "reexported_flag")  # fmt: skip
    found = {(r["path"], r["name"]) for r in json.loads(result.stdout)["references"] if r["name"]}
    assert found == {("shop/uses_chain.py", "chained_reexport"), ("shop/uses_compat.py", "reexported_flag")}


def test_a_configured_wrapper_is_rewritten_like_waffles_own(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (root / "app").mkdir(parents=True)
    (root / "pyproject.toml").write_text(
        '[tool.flaglint.wrappers]\n"app.toggles.enabled" = { kind = "flag", arg = 1 }\n'
        '"app.toggles.guard" = { kind = "flag", role = "decorator" }\n'
    )
    (root / "app" / "__init__.py").write_text("")
    (root / "app" / "toggles.py").write_text(
        "import waffle\n\n\ndef enabled(request, name):\n    return waffle.flag_is_active(request, name)\n\n\n"
        "def guard(name):\n    return waffle.decorators.waffle_flag(name)\n"
    )
    (root / "app" / "views.py").write_text(
        "from app.toggles import enabled, guard\n\n\n"
        '@guard("launch")\n'
        "def page(request):\n"
        '    if enabled(request, "launch"):\n'
        '        return "new"\n'
        '    return "old"\n'
    )
    result = flaglint(root, "remove", "launch", "--keep", "on", "--write", "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (root / "app" / "views.py").read_text() == 'def page(request):\n    return "new"\n'


def test_a_reexport_whose_only_user_names_no_waffle_word_is_found(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "compat.py").write_text("from waffle import flag_is_active as is_on  # noqa: F401\n")
    (tmp_path / "app" / "views.py").write_text(
        'from app.compat import is_on\n\n\ndef view(request):\n    return is_on(request, "only_here")\n'
    )
    result = flaglint(tmp_path, "refs", "--no-cache")
    assert result.stdout.splitlines()[0] == "app/views.py:5:27: flag only_here (flag_is_active)"


def test_a_project_module_named_waffle_never_stands_for_the_library(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": "[tool.flaglint]\n",
        "api/__init__.py": "",
        "api/waffle/__init__.py": "from waffle import flag_is_active  # the project's own helpers\n",
        "utility/__init__.py": "",
        "utility/waffle.py": "def switch_is_active(name):\n    return False\n",
        "teams/__init__.py": "",
        "teams/models.py": (
            "from waffle.models import AbstractUserFlag\n\n\nclass TeamFlag(AbstractUserFlag):\n    pass\n"
        ),
        "teams/views.py": (
            'from teams.models import TeamFlag\n\n\ndef view():\n    return TeamFlag.objects.get(name="team_only")\n'
        ),
        "apps/billing/helpers.py": "from teams.models import TeamFlag as Model\n",
        "apps/billing/views.py": (
            'from apps.billing.helpers import Model\n\nModel.objects.filter(name="in_namespace")\n'
        ),
    }
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    result = flaglint(tmp_path, "refs", "--no-cache", "--format", "json")
    found = {(r["path"], r["name"]) for r in json.loads(result.stdout)["references"]}
    assert found == {("teams/views.py", "team_only"), ("apps/billing/views.py", "in_namespace")}, result.stderr
