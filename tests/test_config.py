"""`[tool.flaglint]`: every key is read, relative paths are anchored, mistakes name the key."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from flaglint.catalogue import Catalogue
from flaglint.config import ConfigError, InventorySpec, find_pyproject, load_settings
from flaglint.paths import is_test_path, matches_any, module_name
from flaglint.collect.python import collect_python

FULL = """
[tool.flaglint]
paths = ["src"]
exclude = ["legacy", "vendor/**"]
template-globs = ["**/*.tmpl"]
javascript-globs = ["**/*.es6"]
test-patterns = ["spec/"]
migration-patterns = ["data_migrations/"]
retirement-plan = "plan.toml"
retire-marker = "RETIRE"
select = ["FL1"]
ignore = ["FL104"]
max-file-size = 1000

[tool.flaglint.wrappers]
"app.utils.is_on" = { kind = "flag", arg = 1 }
"app.utils.switch" = { kind = "switch", keyword = "name" }

[tool.flaglint.models]
"app.models.TeamFlag" = "flag"

[tool.flaglint.model-labels]
"Registrar.WaffleFlag" = "flag"

[tool.flaglint.inventories]
prod = "exports/prod.json"
dev = { path = "exports/dev.txt", format = "waffle-list" }
"""


def test_every_key_is_read(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(FULL)
    (tmp_path / "sub").mkdir()
    (tmp_path / "src").mkdir()
    settings = load_settings(str(tmp_path / "sub"))
    root = str(tmp_path)
    assert settings.root == root and settings.config_path == str(tmp_path / "pyproject.toml")
    assert settings.paths == (f"{root}/src",)
    assert settings.exclude == ("legacy", "vendor/**")
    assert settings.template_globs == ("**/*.tmpl",) and settings.javascript_globs == ("**/*.es6",)
    assert settings.test_patterns == ("spec/",) and settings.migration_patterns == ("data_migrations/",)
    assert settings.retirement_plan == f"{root}/plan.toml" and settings.retire_marker == "RETIRE"
    assert settings.select == ("FL1",) and settings.ignore == ("FL104",) and settings.max_file_size == 1000
    assert settings.inventories == (
        InventorySpec("prod", f"{root}/exports/prod.json"),
        InventorySpec("dev", f"{root}/exports/dev.txt", "waffle-list"),
    )
    catalogue = settings.catalogue()
    wrapper = catalogue.lookup("app.utils.is_on")
    assert wrapper is not None and (wrapper.kind, wrapper.position, wrapper.api, wrapper.wrapper) == (
        "flag",
        1,
        "wrapper",
        "app.utils.is_on",
    )
    keyword = catalogue.lookup("app.utils.switch")
    assert keyword is not None and (keyword.kind, keyword.keyword) == ("switch", "name")
    assert catalogue.model_kind("app.models.TeamFlag") == "flag"
    assert catalogue.model_labels["registrar.waffleflag"] == "flag"


def test_no_config_means_defaults_rooted_at_the_start(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n")
    settings = load_settings(str(tmp_path))
    assert settings.config_path is None and settings.root == str(tmp_path)
    assert find_pyproject(str(tmp_path)) is None


@pytest.mark.parametrize(
    "table, key",
    [
        ('paths = "src"', "tool.flaglint.paths"),
        ("retire-marker = 3", "tool.flaglint.retire-marker"),
        ('select = ["E1"]', "tool.flaglint.select"),
        ('[tool.flaglint.wrappers]\n"a.b" = { kind = "flag", arg = -1 }', 'tool.flaglint.wrappers."a.b".arg'),
        ('[tool.flaglint.wrappers]\n"a.b" = { kind = "flag", position = 1 }', 'tool.flaglint.wrappers."a.b"'),
        ('[tool.flaglint.wrappers]\n"a.b" = { arg = 1 }', 'tool.flaglint.wrappers."a.b"'),
        ('[tool.flaglint.models]\n"a.B" = "toggle"', 'tool.flaglint.models."a.B"'),
        ('[tool.flaglint.inventories]\nprod = { file = "x" }', "tool.flaglint.inventories.prod"),
        ("[tool.flaglint.inventories]\nprod = 3", "tool.flaglint.inventories.prod"),
    ],
)
def test_wrong_types_name_the_key(tmp_path: Path, table: str, key: str) -> None:
    text = table if table.startswith("[") else f"[tool.flaglint]\n{table}"
    (tmp_path / "pyproject.toml").write_text(text)
    with pytest.raises(ConfigError) as error:
        load_settings(str(tmp_path))
    assert f"'{key}'" in str(error.value) and "pyproject.toml" in str(error.value)


def test_globs_and_test_patterns() -> None:
    templates = ("**/templates/**/*.html",)
    assert matches_any("app/templates/x.html", templates)
    assert matches_any("templates/a/b/x.html", templates)
    assert not matches_any("app/static/x.html", templates)
    patterns = ("tests/", "test_*.py", "conftest.py", "*_tests/")
    assert is_test_path("app/tests/helpers.py", patterns)
    assert is_test_path("app/test_views.py", patterns)
    assert is_test_path("integration_tests/x.py", patterns)
    assert is_test_path("conftest.py", patterns)
    assert not is_test_path("app/test.py", patterns) and not is_test_path("app/contest.py", patterns)
    assert module_name("app/sub/__init__.py") == "app.sub" and module_name("app/views.py") == "app.views"


def test_collected_summaries_are_picklable() -> None:
    source = b"from waffle import flag_is_active\nNAME = 'x'\ndef v(r):\n    return flag_is_active(r, NAME)\n"
    summary = collect_python("a.py", source, module="a", test=False, catalogue=Catalogue())
    assert pickle.loads(pickle.dumps(summary)) == summary
    assert len(summary.references) == 1
