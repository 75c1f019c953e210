"""Adoption features: suppressions, baselines, the deletion gate, environment drift, per-file runs."""

from __future__ import annotations

import io
import json
import textwrap
from pathlib import Path
from typing import List, Tuple

import pytest

from flaglint.cli import main
from test_cli import dumpdata

VIEWS = textwrap.dedent("""\
    from waffle import flag_is_active, switch_is_active


    def view(request, name):
        if flag_is_active(request, "retired_a"):
            return 1
        if flag_is_active(request, "retired_b"):  # noqa: FL101
            return 2
        if flag_is_active(request, "retired_c"):  # flaglint: ignore[FL101]
            return 3
        if switch_is_active("kept"):  # noqa: E501, FL101
            return 4
        if flag_is_active(request, "retired_d"):  # flaglint: ignore
            return 5
        return flag_is_active(request, "promo_" + name)
    """)
TEMPLATE = textwrap.dedent("""\
    {% load waffle_tags %}
    {% flag "retired_a" %}new{% endflag %}
    {% flag "retired_b" %}new{% endflag %}{# flaglint: ignore[FL101] #}
    """)
SCRIPT = textwrap.dedent("""\
    if (waffle.flag_is_active("retired_a")) { show(); }
    if (waffle.flag_is_active("retired_b")) { show(); }  // flaglint: ignore[FL101]
    """)


def run(argv: List[str]) -> Tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def findings(out: str) -> List[Tuple[str, int, str]]:
    """(path, line, code) of each text finding."""
    rows = []
    for line in out.strip().splitlines()[:-1]:
        path, number, _, rest = line.split(":", 3)
        rows.append((path, int(number), rest.split()[0]))
    return rows


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "app" / "templates").mkdir(parents=True)
    (tmp_path / "app" / "static").mkdir()
    (tmp_path / "app" / "views.py").write_text(VIEWS)
    (tmp_path / "app" / "templates" / "page.html").write_text(TEMPLATE)
    (tmp_path / "app" / "static" / "page.js").write_text(SCRIPT)
    (tmp_path / "exports").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


RETIRING = ["--retiring", "retired_a", "--retiring", "retired_b", "--retiring", "retired_c", "--retiring", "retired_d"]


def test_suppressions_in_python_templates_and_javascript(project: Path) -> None:
    code, out, _ = run(["check", *RETIRING, "--ignore", "FL104"])
    assert code == 1
    assert findings(out) == [
        ("app/static/page.js", 1, "FL101"),
        ("app/templates/page.html", 2, "FL101"),
        ("app/views.py", 5, "FL101"),
    ]
    assert "; 5 suppressed" in out.splitlines()[-1]


def test_unused_suppressions_are_reported_when_asked(project: Path) -> None:
    code, out, _ = run(["check", *RETIRING, "--ignore", "FL104", "--report-unused-ignores"])
    unused = [row for row in findings(out) if row[2] == "FL002"]
    assert unused == [("app/views.py", 11, "FL002")]  # "kept" is not retired: its noqa suppresses nothing
    assert "this suppression of FL101 suppresses nothing" in out
    code, out, _ = run(["check", *RETIRING, "--ignore", "FL104"])
    assert "FL002" not in out


def test_a_suppressed_dynamic_reference_no_longer_keeps_entries_alive(project: Path) -> None:
    (project / "exports" / "prod.json").write_text(dumpdata(("flag", "promo_x")))
    code, out, _ = run(["check", "--inventory", "prod=exports/prod.json", "--select", "FL2"])
    assert [row[2] for row in findings(out)] == ["FL203"]
    views = project / "app" / "views.py"
    views.write_text(VIEWS.replace('"promo_" + name)', '"promo_" + name)  # flaglint: ignore[FL203]'))
    code, out, _ = run(["check", "--inventory", "prod=exports/prod.json", "--select", "FL2"])
    assert [row[2] for row in findings(out)] == ["FL201"]
    code, out, _ = run(["check", "--inventory", "prod=exports/prod.json", "--report-unused-ignores", "--select", "FL"])
    assert ("app/views.py", 15, "FL002") not in findings(out)  # it is used: it took the reference out of FL203


def test_baseline_keeps_moved_findings_quiet_and_reports_new_ones(project: Path) -> None:
    code, out, _ = run(["check", *RETIRING, "--write-baseline", "baseline.json"])
    assert code == 0 and out.startswith("wrote 4 finding(s) to baseline.json")
    recorded = json.loads((project / "baseline.json").read_text())
    assert recorded["version"] == 1 and len(recorded["findings"]) == 4
    assert run(["check", *RETIRING, "--baseline", "baseline.json"])[0] == 0
    # lines added above every finding: still the same findings
    views = project / "app" / "views.py"
    views.write_text("# a new comment\n\n\n" + VIEWS)
    (project / "app" / "static" / "page.js").write_text("// header\n" + SCRIPT)
    code, out, _ = run(["check", *RETIRING, "--baseline", "baseline.json"])
    assert code == 0, out
    assert "4 in the baseline" in out
    # a new reference to a retired flag is new
    views.write_text(views.read_text() + '\n\ndef other(request):\n    return flag_is_active(request, "retired_a")\n')
    code, out, _ = run(["check", *RETIRING, "--baseline", "baseline.json"])
    assert code == 1 and findings(out) == [("app/views.py", 22, "FL101")]


def test_a_broken_baseline_is_an_input_error(project: Path) -> None:
    (project / "baseline.json").write_text('{"version": 1, "findings": [{"code": 1}]}')
    code, _, err = run(["check", "--baseline", "baseline.json"])
    assert code == 2 and "baseline.json: findings[0]" in err
    (project / "baseline.json").write_text("{")
    code, _, err = run(["check", "--baseline", "baseline.json"])
    assert code == 2 and "baseline.json:1:2: invalid JSON" in err


def test_check_delete_safe(project: Path) -> None:
    code, out, _ = run(["check-delete", "never_used", "other_unused", "--kind", "switch"])
    assert code == 0
    assert out.splitlines() == [
        "safe to delete never_used, other_unused: no code, template, JavaScript or test references them and no "
        "dynamic reference could produce them (3 files scanned)"
    ]


def test_check_delete_blocked_by_code_template_and_javascript(project: Path) -> None:
    code, out, _ = run(["check-delete", "retired_a"])
    assert code == 1
    assert out.splitlines() == [
        "retired_a (any kind): blocked by 3",
        "  code:",
        '    app/views.py:5:32: flag_is_active "retired_a"',
        "  templates:",
        '    app/templates/page.html:2:9: tag "retired_a"',
        "  JavaScript:",
        '    app/static/page.js:1:27: js-call "retired_a"',
        "1 of 1 name(s) blocked; not safe to delete",
    ]


def test_check_delete_blocked_by_a_template_only(project: Path) -> None:
    (project / "app" / "views.py").write_text("")
    (project / "app" / "static" / "page.js").write_text("")
    code, out, _ = run(["check-delete", "retired_b"])
    assert code == 1
    assert out.splitlines()[:3] == [
        "retired_b (any kind): blocked by 1",
        "  templates:",
        '    app/templates/page.html:3:9: tag "retired_b"',
    ]


def test_check_delete_blocked_by_a_dynamic_pattern_and_tests_listed_apart(project: Path) -> None:
    (project / "app" / "tests").mkdir()
    (project / "app" / "tests" / "test_promo.py").write_text(
        "from waffle.testutils import override_flag\n\n\n"
        '@override_flag("promo_summer", active=True)\ndef test_x():\n    pass\n'
    )
    (project / "exports" / "prod.json").write_text(dumpdata(("flag", "promo_summer")))
    code, out, _ = run(["check-delete", "promo_summer", "--inventory", "prod=exports/prod.json", "--format", "json"])
    assert code == 1
    document = json.loads(out)
    assert document["safe"] is False and document["version"] == 1
    (verdict,) = document["names"]
    assert verdict["kinds"] == ["flag"] and verdict["environments"] == ["prod"]
    assert [r["path"] for r in verdict["blocking"]["tests"]] == ["app/tests/test_promo.py"]
    assert [(r["path"], r["pattern"]) for r in verdict["blocking"]["dynamic"]] == [("app/views.py", "promo_*")]
    assert verdict["blocking"]["code"] == [] and verdict["blocking"]["templates"] == []


def test_check_delete_with_a_kind_ignores_other_kinds_and_migrations_do_not_block(project: Path) -> None:
    (project / "app" / "migrations").mkdir()
    (project / "app" / "migrations" / "0002_kept.py").write_text(
        "def forwards(apps, schema_editor):\n"
        '    Switch = apps.get_model("waffle", "Switch")\n'
        '    Switch.objects.create(name="kept", active=True)\n'
    )
    code, out, _ = run(["check-delete", "kept", "--kind", "flag"])
    assert code == 0
    (project / "app" / "views.py").write_text("")
    code, out, _ = run(["check-delete", "kept", "--kind", "switch"])
    assert code == 0
    code, out, _ = run(["check-delete", "kept", "--kind", "switch", "--format", "json"])
    assert [r["path"] for r in json.loads(out)["names"][0]["migrations"]] == ["app/migrations/0002_kept.py"]


def test_check_delete_cannot_confirm_when_a_file_is_unreadable(project: Path) -> None:
    (project / "app" / "broken.py").write_bytes(b"import waffle\nprint 'x'\n")
    code, out, _ = run(["check-delete", "never_used"])
    assert code == 2
    assert "cannot confirm: 1 file(s) or directories could not be scanned:" in out and "app/broken.py:2" in out
    assert "safe to delete never_used" not in out


def test_drift_and_the_incident(project: Path) -> None:
    (project / "exports" / "dev.json").write_text(dumpdata(("flag", "retired_a"), ("switch", "kept"), ("flag", "x")))
    (project / "exports" / "prod.json").write_text(dumpdata(("switch", "kept"), ("flag", "y")))
    argv = ["check", "--inventory", "dev=exports/dev.json", "--inventory", "prod=exports/prod.json"]
    code, out, _ = run(argv + ["--select", "FL102"])
    assert "app/views.py:5:32: FL102 flag 'retired_a' is missing from prod (dev has it)" in out
    code, out, _ = run(argv)
    assert "FL204" not in out  # off by default
    code, out, _ = run(argv + ["--select", "FL204", "--format", "json"])
    drift = {(d["name"], d["environment"], d["message"]) for d in json.loads(out)["diagnostics"]}
    assert drift == {
        ("retired_a", "prod", "flag 'retired_a' is in dev but not in prod"),
        ("x", "prod", "flag 'x' is in dev but not in prod"),
        ("y", "dev", "flag 'y' is in prod but not in dev"),
    }


def test_per_file_runs_only_reference_checks_on_the_given_files(project: Path) -> None:
    (project / "exports" / "prod.json").write_text(dumpdata(("flag", "stale")))
    (project / "pyproject.toml").write_text('[tool.flaglint]\ninventories = { prod = "exports/prod.json" }\n')
    code, out, _ = run(["check", "--per-file", "app/static/page.js", "--retiring", "retired_a"])
    assert code == 1
    assert findings(out) == [
        ("app/static/page.js", 1, "FL101"),
        ("app/static/page.js", 1, "FL102"),
        ("app/static/page.js", 2, "FL102"),
    ]
    code, _, err = run(["check", "--per-file"])
    assert code == 2 and "--per-file needs the files" in err


def test_fail_on_error_lets_warnings_through(project: Path) -> None:
    (project / "exports" / "prod.json").write_text(dumpdata(("flag", "retired_a"), ("flag", "stale")))
    argv = ["check", "--inventory", "prod=exports/prod.json", "--select", "FL104,FL201"]
    code, out, _ = run(argv)
    assert code == 1 and "FL201" in out and "FL104" in out
    code, out, _ = run(argv + ["--fail-on", "error"])
    assert code == 0 and "FL201" in out  # printed, not failing
    code, _, _ = run(
        ["check", "--inventory", "prod=exports/prod.json", "--fail-on", "error", "--retiring", "retired_a"]
    )
    assert code == 1
    (project / "pyproject.toml").write_text('[tool.flaglint]\nfail-on = "error"\n')
    assert run(argv)[0] == 0
