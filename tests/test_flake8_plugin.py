"""The flake8 plugin, exercised through real flake8 in a subprocess on fixtures/flake8."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

PROJECT = Path(__file__).resolve().parent.parent / "fixtures" / "flake8"

#: Everything the plugin reports on the fixture project (nothing project-wide, nothing suppressed).
EXPECTED = [
    "app/tests/test_views.py:4:16: FL101 flag 'old_flow' is scheduled for deletion (launched) but is still "
    "referenced here",
    "app/views.py:7:29: FL101 flag 'old_flow' is scheduled for deletion (launched) but is still referenced here",
    "app/views.py:9:29: FL102 flag 'missing' is missing from prod",
    "app/views.py:10:22: FL103 'kept' is checked as a switch here, but prod knows it as a flag",
    "app/views.py:11:29: FL101 flag 'old_flow' is scheduled for deletion (launched) but is still referenced here",
    'app/views.py:15:36: FL104 the flag name "promo_" + name cannot be resolved statically (known pattern: promo_*): '
    "`name` is a parameter of `view`; if `app.views.view` forwards it to waffle, declare it under "
    "[tool.flaglint.wrappers] (arg = 1) and its call sites name the flag",
]


def flake8(*arguments: str) -> "subprocess.CompletedProcess[str]":
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", *arguments],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def lines(result: "subprocess.CompletedProcess[str]") -> List[str]:
    """Output lines in (path, line, column) order, whatever order flake8's workers finished in."""

    def place(line: str) -> Tuple[str, int, int]:
        path, number, column, _ = line.split(":", 3)
        return path, int(number), int(column)

    return sorted((line for line in result.stdout.splitlines() if line), key=place)


def test_the_plugin_is_registered() -> None:
    result = subprocess.run([sys.executable, "-m", "flake8", "--version"], capture_output=True, text=True)
    assert "flaglint" in result.stdout


def test_codes_positions_and_suppressions() -> None:
    result = flake8("--select", "FL", "app")
    assert result.returncode == 1, result.stderr
    assert lines(result) == EXPECTED
    assert result.stderr == ""


def test_project_wide_codes_never_appear() -> None:
    # prod holds 'stale_never_reported', which nothing references: `flaglint check` says FL201; flake8 never does.
    result = flake8("--select", "FL", "app")
    assert not any(" FL2" in line or " FL0" in line for line in lines(result))


def test_select_and_extend_ignore() -> None:
    assert [line.split(" ")[1] for line in lines(flake8("--select", "FL101", "app"))] == ["FL101"] * 3
    remaining = lines(flake8("--select", "FL", "--extend-ignore", "FL101,FL104", "app"))
    assert [line.split(" ")[1] for line in remaining] == ["FL102", "FL103"]


def test_per_file_ignores() -> None:
    result = flake8("--select", "FL", "--per-file-ignores", "app/tests/*:FL101", "app")
    assert lines(result) == EXPECTED[1:]


def test_inventory_and_retiring_options() -> None:
    result = flake8("--select", "FL", "--flaglint-config", "no-inventory.toml", "app/views.py")
    assert [line.split(" ")[1] for line in lines(result)] == ["FL101", "FL101", "FL104"]
    result = flake8(
        "--select",
        "FL",
        "--flaglint-config",
        "no-inventory.toml",
        "--flaglint-inventory",
        "prod=exports/prod.json",
        "--flaglint-retiring",
        "kept,other",
        "app/views.py",
    )
    codes = [line.split(" ")[1] for line in lines(result)]
    assert codes == ["FL101", "FL101", "FL102", "FL101", "FL103", "FL101", "FL104"]
    assert "app/views.py:8:29: FL101 flag 'kept'" in result.stdout


def test_a_bad_inventory_is_reported_once_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text("[{")
    bad = f"prod={tmp_path / 'broken.json'}"
    result = flake8("--select", "FL", "--jobs", "1", "--flaglint-inventory", bad, "app")
    assert result.returncode == 1
    reported = [line for line in lines(result) if "FL001" in line]
    assert len(reported) == 1 and "flaglint cannot start" in reported[0] and "broken.json" in reported[0]
    assert "Traceback" not in result.stderr


def test_parallel_jobs_give_the_same_answer() -> None:
    assert lines(flake8("--select", "FL", "--jobs", "2", "app")) == EXPECTED
