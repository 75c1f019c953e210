"""The pre-commit hooks (.pre-commit-hooks.yaml), exercised through real pre-commit in temporary git repositories.

``pre-commit try-repo`` installs this repository (its HEAD plus any uncommitted changes to tracked files, as
try-repo does) into a fresh virtualenv with pip, which needs PyPI, and runs a hook on the staged files, as a
commit would. try-repo builds its hook environment in a throw-away store on every call, so a pip cache shared by
the module keeps the later builds short. The real ``git commit`` test installs the hooks with ``pre-commit
install`` from a ``.pre-commit-config.yaml`` pointing at this repository; its environment lives in a
``PRE_COMMIT_HOME`` shared by the module, so it is built once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Dict, Optional, Tuple

import pytest

from test_cli import dumpdata

REPO = Path(__file__).resolve().parent.parent


BASE_VIEWS = textwrap.dedent("""\
    from waffle import flag_is_active


    def checkout(request):
        if flag_is_active(request, "new_checkout"):
            return "new"
        return "old"
    """)
#: A commit that brings a retired flag back: the incident flaglint exists for.
RETIRED_CHANGE = BASE_VIEWS + textwrap.dedent("""\


    def express(request):
        return flag_is_active(request, "old_checkout")
    """)
#: A commit that adds a reference to a flag prod has and nobody retires.
CLEAN_CHANGE = BASE_VIEWS + textwrap.dedent("""\


    def express(request):
        return flag_is_active(request, "new_checkout")
    """)
#: Code that references the retired flag, for files the per-file hook must not look at.
RETIRED_ELSEWHERE = textwrap.dedent("""\
    import waffle


    def report(request):
        return waffle.flag_is_active(request, "old_checkout")
    """)


def retired_place(source: str) -> Tuple[int, int]:
    """(line, column) where flaglint places the reference to old_checkout in ``source``."""
    for number, line in enumerate(source.splitlines(), start=1):
        if '"old_checkout"' in line:
            return number, line.index('"old_checkout"') + 1
    raise AssertionError("no reference to old_checkout")


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    """The environment of every git and pre-commit command here: caches under tmp, no user or system git config."""
    home = tmp_path_factory.mktemp("precommit-home")
    gitconfig = home / "gitconfig"
    gitconfig.write_text("[safe]\n\tdirectory = *\n[init]\n\tdefaultBranch = main\n")
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "PRE_COMMIT")) and key != "SKIP"
    }
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=str(gitconfig),
        PRE_COMMIT_HOME=str(home / "pre-commit"),
        PRE_COMMIT_COLOR="never",
        PIP_CACHE_DIR=str(home / "pip"),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        VIRTUALENV_OVERRIDE_APP_DATA=str(home / "virtualenv"),
    )
    return env


def run(
    argv: Tuple[str, ...], cwd: Path, env: Dict[str, str], check: bool = False
) -> "subprocess.CompletedProcess[str]":
    result = subprocess.run(
        list(argv), cwd=cwd, env=env, capture_output=True, text=True, timeout=900, stdin=subprocess.DEVNULL
    )
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(argv)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def git(cwd: Path, env: Dict[str, str], *arguments: str) -> str:
    return run(("git", *arguments), cwd, env, check=True).stdout.strip()


def pre_commit(cwd: Path, env: Dict[str, str], *arguments: str) -> "subprocess.CompletedProcess[str]":
    return run((sys.executable, "-m", "pre_commit", *arguments), cwd, env)


def try_repo(cwd: Path, env: Dict[str, str], hook: str) -> "subprocess.CompletedProcess[str]":
    """``pre-commit try-repo <this repository> HOOK`` on the staged files of ``cwd``."""
    return pre_commit(cwd, env, "try-repo", str(REPO), hook, "--color", "never", "--verbose")


@pytest.fixture(scope="module")
def repo_head(environment: Dict[str, str]) -> str:
    """This repository's HEAD: the hooks are installed from a git repository."""
    result = run(("git", "rev-parse", "HEAD"), REPO, environment)
    assert result.returncode == 0, f"{REPO} is not a git repository: pre-commit installs hooks from one"
    return result.stdout.strip()


def make_project(root: Path, env: Dict[str, str], extra: Optional[Dict[str, str]] = None) -> Path:
    """A small Django project in a new git repository, with one clean commit.

    prod holds new_checkout only: old_checkout was retired (retirement plan) and deleted from prod, so code that
    checks it again is the incident.
    """
    files = {
        "pyproject.toml": textwrap.dedent("""\
            [tool.flaglint]
            inventories = { prod = "exports/prod.json" }
            retirement-plan = "retirement-plan.toml"
            """),
        "retirement-plan.toml": textwrap.dedent("""\
            [[retire]]
            name = "old_checkout"
            kind = "flag"
            reason = "launched in March"
            """),
        "exports/prod.json": dumpdata(("flag", "new_checkout")) + "\n",
        "shop/__init__.py": "",
        "shop/views.py": BASE_VIEWS,
        **(extra or {}),
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(root, env, "init", "-q")
    git(root, env, "config", "user.name", "flaglint tests")
    git(root, env, "config", "user.email", "flaglint-tests@example.invalid")
    git(root, env, "config", "commit.gpgsign", "false")
    git(root, env, "add", "-A")
    git(root, env, "commit", "-q", "-m", "a clean start")
    return root


def stage(project: Path, env: Dict[str, str], path: str, text: str) -> None:
    (project / path).write_text(text)
    git(project, env, "add", path)


def output(result: "subprocess.CompletedProcess[str]") -> str:
    return result.stdout + result.stderr


def test_whole_project_hook_rejects_a_retired_flag_and_passes_a_clean_change(
    tmp_path: Path, environment: Dict[str, str], repo_head: str
) -> None:
    project = make_project(tmp_path, environment)

    stage(project, environment, "shop/views.py", RETIRED_CHANGE)
    result = try_repo(project, environment, "flaglint")
    text = output(result)
    assert result.returncode == 1, text
    assert "flaglint (whole project)" in text and "Failed" in text
    line, column = retired_place(RETIRED_CHANGE)
    reported = f"shop/views.py:{line}:{column}: FL101 flag 'old_checkout' is scheduled for deletion (launched in March)"
    assert reported in text, text

    git(project, environment, "reset", "-q", "--hard")
    stage(project, environment, "shop/views.py", CLEAN_CHANGE)
    result = try_repo(project, environment, "flaglint")
    text = output(result)
    assert result.returncode == 0, text
    assert "flaglint (whole project)" in text and "Passed" in text
    assert "FL1" not in text


def test_changed_files_hook_reports_only_on_the_staged_files(
    tmp_path: Path, environment: Dict[str, str], repo_head: str
) -> None:
    # Committed before old_checkout was retired, and untouched since: not this commit's business.
    project = make_project(
        tmp_path,
        environment,
        {"shop/legacy.py": RETIRED_ELSEWHERE, "shop/reports.py": "def report(request):\n    return None\n"},
    )
    # An unstaged change to a tracked file and an untracked file, both with the retired flag: not in the commit.
    (project / "shop" / "reports.py").write_text(RETIRED_ELSEWHERE)
    (project / "shop" / "scratch.py").write_text(RETIRED_ELSEWHERE)

    stage(project, environment, "shop/views.py", RETIRED_CHANGE)
    result = try_repo(project, environment, "flaglint-changed-files")
    text = output(result)
    assert result.returncode == 1, text
    assert "flaglint (changed files)" in text and "Failed" in text
    line, column = retired_place(RETIRED_CHANGE)
    assert f"shop/views.py:{line}:{column}: FL101 flag 'old_checkout' is scheduled for deletion" in text, text
    for elsewhere in ("legacy.py", "reports.py", "scratch.py"):
        assert elsewhere not in text, text
    assert "old_checkout" in (project / "shop" / "reports.py").read_text()  # pre-commit put the unstaged change back

    git(project, environment, "checkout", "HEAD", "--", "shop/views.py")
    stage(project, environment, "shop/views.py", CLEAN_CHANGE)
    result = try_repo(project, environment, "flaglint-changed-files")
    text = output(result)
    assert result.returncode == 0, text
    assert "flaglint (changed files)" in text and "Passed" in text
    assert "FL1" not in text


@pytest.fixture(scope="module")
def hook_source(
    tmp_path_factory: pytest.TempPathFactory, environment: Dict[str, str], repo_head: str
) -> Tuple[str, str]:
    """(repo, rev) for a ``.pre-commit-config.yaml``: this repository at HEAD, or, when its tracked files have
    uncommitted changes (a developer's work in progress), a clone with those changes committed, as try-repo does."""
    if not git(REPO, environment, "status", "--porcelain", "--untracked-files=no"):
        return str(REPO), repo_head
    shadow = tmp_path_factory.mktemp("hook-source") / "flaglint"
    git(REPO.parent, environment, "clone", "-q", "--no-hardlinks", str(REPO), str(shadow))
    git(shadow, environment, "checkout", "-q", repo_head)
    patch = run(("git", "diff", "HEAD", "--binary"), REPO, environment, check=True).stdout
    subprocess.run(["git", "apply", "--index", "-"], cwd=shadow, env=environment, input=patch, text=True, check=True)
    git(shadow, environment, "-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "-q", "-m", "wip")
    return str(shadow), git(shadow, environment, "rev-parse", "HEAD")


def test_a_real_commit_is_rejected_then_a_clean_one_lands(
    tmp_path: Path, environment: Dict[str, str], hook_source: Tuple[str, str]
) -> None:
    source, rev = hook_source
    config = textwrap.dedent(f"""\
        repos:
        -   repo: {source}
            rev: {rev}
            hooks:
            -   id: flaglint
            -   id: flaglint-changed-files
        """)
    project = make_project(tmp_path, environment, {".pre-commit-config.yaml": config})
    installed = pre_commit(project, environment, "install")
    assert installed.returncode == 0, output(installed)
    start = git(project, environment, "rev-parse", "HEAD")

    stage(project, environment, "shop/views.py", RETIRED_CHANGE)
    result = run(("git", "commit", "-m", "express checkout"), project, environment)
    text = output(result)
    assert result.returncode != 0, text
    assert git(project, environment, "rev-parse", "HEAD") == start
    line, column = retired_place(RETIRED_CHANGE)
    reported = f"shop/views.py:{line}:{column}: FL101 flag 'old_checkout' is scheduled for deletion"
    assert text.count(reported) == 2, text  # once per hook
    assert "flaglint (whole project)" in text and "flaglint (changed files)" in text

    stage(project, environment, "shop/views.py", CLEAN_CHANGE)
    result = run(("git", "commit", "-m", "express checkout"), project, environment)
    text = output(result)
    assert result.returncode == 0, text
    assert text.count("Passed") == 2, text
    assert git(project, environment, "log", "-1", "--format=%s") == "express checkout"
    assert git(project, environment, "rev-parse", "HEAD^") == start
