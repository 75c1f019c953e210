"""`flaglint remove` end to end on the demo project: rewrite, follow the checklist, check, lint, run its tests."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest


DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo"


def flaglint(directory: Path, *arguments: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, "-m", "flaglint.cli", *arguments], cwd=directory, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    return Path(shutil.copytree(DEMO, tmp_path / "demo", ignore=shutil.ignore_patterns(".flaglint_cache", "*.sqlite3")))


def unused_imports(directory: Path) -> List[str]:
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "F401", "."],
        cwd=directory,
        capture_output=True,
        text=True,
    )
    return sorted(result.stdout.splitlines())


def delete_listed_tests(directory: Path, checklist: List[str]) -> List[str]:
    """Do what the checklist asks for tests: delete each test function it points into."""
    by_file: Dict[str, List[int]] = {}
    for item in checklist:
        match = re.match(r"\s*- (\S+?\.py):(\d+): ", item)
        if match and "test" in match.group(1):
            by_file.setdefault(match.group(1), []).append(int(match.group(2)))
    deleted = []
    for path, lines in by_file.items():
        source = (directory / path).read_text()
        tree = ast.parse(source)
        doomed = []
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                if any(start <= line <= (node.end_lineno or node.lineno) for line in lines):
                    doomed.append((start, node.end_lineno or node.lineno, node.name))
        kept = source.splitlines(keepends=True)
        for start, end, name in sorted(doomed, reverse=True):
            del kept[start - 1 : end]
            deleted.append(name)
        (directory / path).write_text("".join(kept))
    return sorted(deleted)


def test_remove_the_demos_retired_flag_end_to_end(demo: Path) -> None:
    unused_before = unused_imports(demo)
    result = flaglint(demo, "remove", "new_storefront", "--keep", "on", "--write")
    assert result.returncode == 1, result.stderr  # a test still names it: the checklist says to delete it
    out = result.stdout
    assert "rewrote store/templates/base.html" in out and "rewrote store/views.py" in out
    assert unused_imports(demo) == unused_before  # the rewrite left no import unused
    checklist = [line for line in out.splitlines() if line.startswith("  - ")]
    assert any("test_splash_page_while_the_flag_is_off tests the flag off" in item for item in checklist)
    assert delete_listed_tests(demo, checklist) == [
        "test_a_missing_flag_reads_as_off",
        "test_splash_page_while_the_flag_is_off",
    ]

    check = json.loads(flaglint(demo, "check", "--format", "json", "--no-cache").stdout)
    about = [d for d in check["diagnostics"] if d["name"] == "new_storefront"]
    assert [(d["code"], d["path"]) for d in about] == [("FL201", "exports/dev.json")]  # now stale: safe to delete
    assert flaglint(demo, "check-delete", "new_storefront", "--no-cache").returncode == 0
    tests = subprocess.run(
        [sys.executable, "manage.py", "test", "--noinput", "-v", "1"],
        cwd=demo,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tests.returncode == 0, tests.stdout + tests.stderr
    again = flaglint(demo, "remove", "new_storefront", "--keep", "on")
    assert "nothing to rewrite" in again.stdout and again.returncode == 0


def test_remove_prints_a_diff_by_default_and_writes_nothing(demo: Path) -> None:
    before = {p: p.read_bytes() for p in demo.rglob("*") if p.is_file() and ".flaglint_cache" not in p.parts}
    result = flaglint(demo, "remove", "new_storefront", "--keep", "off")
    assert result.returncode == 1
    assert "--- a/store/views.py\n+++ b/store/views.py" in result.stdout
    assert "check-delete once this diff is applied:" in result.stdout
    after = {p: p.read_bytes() for p in demo.rglob("*") if p.is_file() and ".flaglint_cache" not in p.parts}
    assert after == before


def test_keep_off_lists_the_always_404_views_and_leaves_valid_python(demo: Path) -> None:
    result = flaglint(demo, "remove", "gift_cards", "--keep", "off", "--write")
    assert "now always answers 404" in result.stdout
    for path in demo.rglob("*.py"):
        ast.parse(path.read_bytes())


def test_an_ambiguous_kind_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "views.py").write_text(
        'from waffle import flag_is_active, switch_is_active\n\nflag_is_active(r, "x")\nswitch_is_active("x")\n'
    )
    result = flaglint(tmp_path, "remove", "x", "--keep", "on")
    assert result.returncode == 2 and "choose one with --kind" in result.stderr
    result = flaglint(tmp_path, "remove", "x", "--keep", "on", "--kind", "switch", "--write")
    assert result.returncode == 0, result.stdout
    assert (tmp_path / "views.py").read_text() == 'from waffle import flag_is_active\n\nflag_is_active(r, "x")\nTrue\n'
