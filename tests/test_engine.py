"""The engine's speed machinery never changes results: discovery, the cache, worker processes, the progress bar."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any, List, Tuple

import pytest

from flaglint.scan import workers
from flaglint.scan.cache import CACHE_DIRECTORY, FOLDER
from flaglint.config import load_settings
from flaglint.scan.discovery import discover
from flaglint.scan import scan
from flaglint.report.progress import ProgressBar
from flaglint.model import ScanResult

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PROJECTS = [FIXTURES / "demo", FIXTURES / "collect" / "python", FIXTURES / "collect" / "srclayout", FIXTURES / "flake8"]


def copy_project(source: Path, destination: Path) -> Path:
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns(CACHE_DIRECTORY, "__pycache__", "*.sqlite3"))
    return destination


def outcome(result: ScanResult) -> Tuple[Any, ...]:
    return (result.references, result.problems, result.suppressions, result.files_scanned)


@pytest.mark.parametrize("project", PROJECTS, ids=lambda p: p.name)
def test_identical_results_with_and_without_cache_and_at_any_jobs(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = copy_project(project, tmp_path / project.name)
    monkeypatch.chdir(copy)
    monkeypatch.setattr(workers, "PARALLEL_THRESHOLD", 1)  # use the worker pool even on small fixtures
    monkeypatch.setattr(workers, "CHUNK", 3)
    settings = load_settings(".")
    serial = scan(settings, jobs=1)
    assert serial.references, "the fixture has references"
    assert outcome(scan(settings, jobs=2)) == outcome(serial)
    assert outcome(scan(settings, jobs=1, use_cache=True)) == outcome(serial)  # cold cache
    assert (copy / CACHE_DIRECTORY / ".gitignore").read_text().strip().endswith("*")
    assert outcome(scan(settings, jobs=2, use_cache=True)) == outcome(serial)  # warm cache


def test_the_warm_cache_does_not_reread_unchanged_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = copy_project(FIXTURES / "collect" / "python", tmp_path / "python")
    monkeypatch.chdir(copy)
    settings = load_settings(".")
    cold = scan(settings, jobs=1, use_cache=True)
    calls: List[str] = []
    real = workers.process_file

    def counting(task: Any, context: Any) -> Any:
        calls.append(task.shown)
        return real(task, context)

    monkeypatch.setattr(workers, "process_file", counting)
    assert outcome(scan(settings, jobs=1, use_cache=True)) == outcome(cold)
    assert calls == []
    # touching a file without changing it: re-read, not re-collected; changing it: collected again
    views = copy / "shop" / "functions.py"
    os.utime(views, (time.time() + 5, time.time() + 5))
    assert outcome(scan(settings, jobs=1, use_cache=True)) == outcome(cold)
    assert calls == ["shop/functions.py"]
    views.write_text(views.read_text().replace('"plain_flag"', '"renamed_flag"'))
    calls.clear()
    changed = scan(settings, jobs=1, use_cache=True)
    assert calls == ["shop/functions.py"]
    assert {r.name for r in changed.references} - {r.name for r in cold.references} == {"renamed_flag"}


def test_a_changed_setting_is_a_different_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = copy_project(FIXTURES / "collect" / "python", tmp_path / "python")
    monkeypatch.chdir(copy)
    before = scan(load_settings("."), jobs=1, use_cache=True)
    pyproject = copy / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"shop.utils.feature_enabled"', '"shop.utils.renamed"'))
    after = scan(load_settings("."), jobs=1, use_cache=True)
    assert "wrapped_flag" in {r.name for r in before.references}
    assert "wrapped_flag" not in {r.name for r in after.references}
    database = sqlite3.connect(copy / CACHE_DIRECTORY / FOLDER / "cache.sqlite3")
    generations = [row[0] for row in database.execute("SELECT generation FROM generations")]
    assert len(generations) == 2


def test_a_corrupt_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = copy_project(FIXTURES / "collect" / "python", tmp_path / "python")
    monkeypatch.chdir(copy)
    settings = load_settings(".")
    cold = scan(settings, jobs=1, use_cache=True)
    database = copy / CACHE_DIRECTORY / FOLDER / "cache.sqlite3"
    assert database.is_file()
    database.write_bytes(b"not a database")
    assert outcome(scan(settings, jobs=1, use_cache=True)) == outcome(cold)


def git(directory: Path, *arguments: str) -> None:
    subprocess.run(["git", "-C", str(directory), *arguments], check=True, capture_output=True)


@pytest.mark.parametrize("use_git", [True, False], ids=["git", "walk"])
def test_discovery_honours_gitignore_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_git: bool) -> None:
    files = {
        "app/views.py": "",
        "app/build/generated.py": "",
        "app/local_settings.py": "",
        "app/keep.gen.js": "",
        "app/debug.gen.js": "",
        "docs/notes.py": "",
        "node_modules/lib/index.js": "",
        "vendor/big.min.js": "",
    }
    for relative, text in files.items():
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text)
    (tmp_path / ".gitignore").write_text("*.gen.js\n/docs/\n")
    (tmp_path / "app" / ".gitignore").write_text("build/\nlocal_settings.py\n!keep.gen.js\n")
    if use_git:
        git(tmp_path, "init", "-q")
    monkeypatch.chdir(tmp_path)
    found = {file.relative for file in discover(["."], load_settings(".")).files}
    assert found == {"app/views.py", "app/keep.gen.js"}


def test_discovery_takes_explicit_files_and_skips_linked_directories(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text("")
    (tmp_path / "ignored.py").write_text("")
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    (tmp_path / "app" / "loop").symlink_to(tmp_path / "app")
    monkeypatch.chdir(tmp_path)
    discovered = discover(["."], load_settings("."))
    assert {file.relative for file in discovered.files} == {"app/views.py"}
    assert discovered.skipped == ()  # the link points inside the scanned paths: its files are scanned there
    explicit = discover(["ignored.py"], load_settings("."))
    assert [file.relative for file in explicit.files] == ["ignored.py"]


def test_progress_bar_draws_only_after_a_moment_and_clears() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    bar = ProgressBar(stream)
    bar(1, 10)
    assert stream.getvalue() == ""  # quick runs stay silent
    bar.started -= 1.0
    bar(5, 10)
    assert "[###############               ] 5/10 files" in stream.getvalue()
    bar(10, 10)
    assert stream.getvalue().endswith("\r")


def test_no_progress_bar_unless_stderr_is_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from flaglint.cli import main

    copy = copy_project(FIXTURES / "collect" / "python", tmp_path / "python")
    monkeypatch.chdir(copy)
    out, err = io.StringIO(), io.StringIO()
    assert main(["refs", "--jobs", "2"], stdout=out, stderr=err) == 0
    assert err.getvalue() == ""
    assert main(["refs", "--no-cache", "--quiet"], stdout=io.StringIO(), stderr=err) == 0
    assert main(["refs", "--jobs", "0"], stdout=io.StringIO(), stderr=io.StringIO()) == 2


def test_git_listed_links_to_directories_and_deleted_files_are_passed_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "views.py").write_text('import waffle\nwaffle.switch_is_active("x")\n')
    (tmp_path / "app" / "gone.py").write_text('import waffle\nwaffle.switch_is_active("y")\n')
    (tmp_path / "linked").symlink_to(tmp_path / "app")
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    (tmp_path / "app" / "gone.py").unlink()
    monkeypatch.chdir(tmp_path)
    result = scan(load_settings("."), jobs=1)
    assert [(r.path, r.name) for r in result.references] == [("app/views.py", "x")]
    assert result.problems == ()
    assert result.skipped == ()  # the link points inside the project: what is behind it is scanned there


def test_the_remembered_answer_follows_modules_read_from_outside_the_scanned_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = copy_project(FIXTURES / "collect" / "python", tmp_path / "python")
    monkeypatch.chdir(copy)
    settings = load_settings(".")
    first = scan(settings, ["shop/resolution.py"], jobs=1, use_cache=True)
    assert "new_checkout" in {r.name for r in first.references}
    assert outcome(scan(settings, ["shop/resolution.py"], jobs=1, use_cache=True)) == outcome(first)
    constants = copy / "shop" / "constants.py"
    constants.write_text(constants.read_text().replace('CHECKOUT = "new_checkout"', 'CHECKOUT = "newer_checkout"'))
    after = scan(settings, ["shop/resolution.py"], jobs=1, use_cache=True)
    names = {r.name for r in after.references}
    assert "newer_checkout" in names and "new_checkout" not in names
    assert outcome(after) == outcome(scan(settings, ["shop/resolution.py"], jobs=1))
