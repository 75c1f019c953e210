"""Jinja2 globals under the project's own names, and Python-style waffle calls in templates (not JavaScript).

``fixtures/collect/jinja_globals/`` is a small project that registers waffle's functions in every way the collector
knows (the ``environment`` callable, django-jinja's ``"globals"`` option and library, ``JINJA2_GLOBALS``);
``expected-references.txt`` lists every reference its scan must find, with line, column, source and API, so that a
missed reference, a false positive and a name read from the wrong argument all fail.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import List, Optional

import pytest

from flaglint.catalogue import Catalogue
from flaglint.collect.javascript import collect_javascript
from flaglint.collect.python import collect_python
from flaglint.collect.templates import collect_template
from flaglint.config import load_settings
from flaglint.model import Lit, Reference, ScanResult, Sym, TemplateFunction, TemplateGlobal
from flaglint.scan import scan

PROJECT = Path(__file__).resolve().parent.parent / "fixtures" / "collect" / "jinja_globals"


def run_scan(root: Path, cache: Optional[Path] = None) -> ScanResult:
    here = os.getcwd()
    os.chdir(root)
    try:
        settings = load_settings(".")
        if cache is None:
            return scan(settings, jobs=1)
        return scan(settings, jobs=1, use_cache=True, cache_dir=str(cache))
    finally:
        os.chdir(here)


def listed(references: "tuple[Reference, ...]") -> List[str]:
    """References as expected-references.txt states them."""
    lines = []
    for r in references:
        name = r.name if r.name is not None else f"? {r.pattern}"
        lines.append(f"{r.path}:{r.line}:{r.column} {r.kind} {name} {r.source} {r.label}")
    return lines


def expected() -> List[str]:
    text = (PROJECT / "expected-references.txt").read_text(encoding="utf-8")
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


# --- the fixture project ------------------------------------------------------------------------------------------


def test_the_project_has_exactly_the_expected_references() -> None:
    result = run_scan(PROJECT)
    assert sorted(listed(result.references)) == sorted(expected())
    assert result.problems == ()


def test_the_expected_references_cover_every_registration_form() -> None:
    """The fixture states references through each way of registering, and from both template backends."""
    wanted = expected()
    for name in ("new_checkout", "maintenance_banner", "homepage_ab", "search_v2", "pricing_ab", "pricing_page"):
        assert any(f" {name} jinja2 " in line for line in wanted), name  # django-jinja: options, setting, library
    for name in ("legacy_layout", "legacy_feature", "legacy_beta", "legacy_context_flag", "module_global"):
        assert any(f" {name} jinja2 " in line for line in wanted), name  # the `environment` callable
    for name in ("jingo_flag", "nested_switch", "nested_flag", "helper_switch_name"):
        assert any(f" {name} jinja2 " in line for line in wanted), name  # jingo, a mapping, another module's helper
    assert not [line for line in wanted if " ? * python " in line]  # the registered helpers' bodies are plumbing
    assert any(" ? " in line for line in wanted)


def test_a_cached_scan_gives_the_same_answer(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    first = run_scan(root, tmp_path / "cache")
    second = run_scan(root, tmp_path / "cache")
    assert listed(first.references) == listed(second.references)
    assert sorted(listed(first.references)) == sorted(expected())


def test_a_changed_registration_changes_the_templates_and_the_wrappers_under_the_cache(tmp_path: Path) -> None:
    """The registrations feed both the template payloads' key and derivation's key: a stale cache never answers."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    before = listed(run_scan(root, tmp_path / "cache").references)
    assert any(" legacy_beta " in line for line in before)
    assert any(" python_caller_beta " in line for line in before)
    module = root / "config" / "jinja2.py"
    module.write_text(module.read_text().replace('"beta": beta, ', ""))
    after = listed(run_scan(root, tmp_path / "cache").references)
    assert not any(" legacy_beta " in line for line in after)  # no longer a global: the template names nothing
    assert not any(" python_caller_beta " in line for line in after)  # no longer a registered wrapper
    dynamic = [line for line in after if line.startswith("config/jinja2.py:15:")]
    assert dynamic == ["config/jinja2.py:15:36 switch ? * python switch_is_active"]  # its body forwards a parameter
    assert sorted(after) == sorted(listed(run_scan(root).references))  # the same as without the cache


# --- the registration pass ----------------------------------------------------------------------------------------


def registrations(source: str, module: str = "app.env") -> "tuple[TemplateGlobal, ...]":
    summary = collect_python("app/env.py", source.encode(), module=module, test=False, catalogue=Catalogue())
    return summary.template_globals


def test_globals_update_with_a_dict_keywords_and_a_bound_name() -> None:
    found = registrations(
        "import waffle\n"
        "EXTRA = {'on': waffle.switch_is_active}\n"
        "def environment(**options):\n"
        "    env = make(**options)\n"
        "    env.globals.update({'waffle_flag': waffle.flag_is_active, **EXTRA}, sample=waffle.sample_is_active)\n"
        "    return env\n"
    )
    assert {(g.name, g.value) for g in found} == {
        ("waffle_flag", Sym("waffle.flag_is_active", "")),
        ("on", Sym("waffle.switch_is_active", "")),
        ("sample", Sym("waffle.sample_is_active", "")),
    }


def test_subscript_and_setdefault_on_an_environment_built_inline() -> None:
    found = registrations(
        "from jinja2 import Environment\nfrom waffle import flag_is_active\n"
        "Environment().globals['is_on'] = flag_is_active\n"
        "env = Environment()\nenv.globals.setdefault('also', flag_is_active)\n"
    )
    assert [(g.name, g.value) for g in found] == [
        ("is_on", Sym("waffle.flag_is_active", "")),
        ("also", Sym("waffle.flag_is_active", "")),
    ]


def test_django_jinja_options_and_settings_hold_dotted_paths() -> None:
    found = registrations(
        "TEMPLATES = [{'OPTIONS': {'globals': dict(flag='waffle.flag_is_active', n='not a path')}}]\n"
        "JINJA_GLOBALS = {'s': 'waffle.switch_is_active'}\n",
        module="config.settings",
    )
    assert [(g.name, g.value) for g in found] == [
        ("flag", Lit("waffle.flag_is_active")),
        ("s", Lit("waffle.switch_is_active")),
    ]


def test_no_registration_without_a_globals_mapping() -> None:
    assert registrations("import waffle\nglobals().update({'x': waffle.flag_is_active})\nd = {'y': 1}\n") == ()
    assert registrations("import waffle\nenv.globals[key] = waffle.flag_is_active\n") == ()  # the name is unknown
    no_names = "import waffle\nenv.globals.update({'': waffle.flag_is_active, 'a-b': waffle.switch_is_active})\n"
    assert registrations(no_names) == ()  # a template cannot call these


def test_a_function_with_no_callable_name_matches_nothing() -> None:
    odd = (TemplateFunction("", "flag", 0, None, "flag_is_active"), TemplateFunction("a b", "flag", 0, None, "wrapper"))
    assert collect_template("t.jinja", "{{ ('x') }}{{ a b('y') }}{{ f('z') }}", test=False, functions=odd) == []


def test_a_mapping_registered_as_one_global_offers_dotted_names() -> None:
    found = registrations(
        "from django.conf import settings\nfrom waffle import switch_is_active\n"
        "HELPERS = {'on': switch_is_active}\n"
        "settings.JINJA2_GLOBALS['features'] = {'switch': switch_is_active, 'more': HELPERS}\n"
    )
    assert [g.name for g in found] == ["features.switch", "features.more.on"]


def test_jingo_and_django_jinja_decorators_register_under_the_functions_name() -> None:
    found = registrations(
        "from jingo import register\nfrom django_jinja import library\nimport waffle\n"
        "@register.function\ndef a(name):\n    return waffle.switch_is_active(name)\n"
        "@library.global_function(name='b_on')\ndef b(name):\n    return waffle.switch_is_active(name)\n"
        "@library.global_function\ndef c(name):\n    return compute(name)\n"
    )
    registered = [(g.name, g.function) for g in found]
    assert registered == [("a", "app.env.a"), ("b_on", "app.env.b"), ("c", "")]  # c forwards to nothing known


def test_a_decorated_method_is_not_taken_for_the_module_function_of_its_name() -> None:
    found = registrations(
        "from django_jinja import library\nimport waffle\n"
        "def on(name):\n    return waffle.switch_is_active(name)\n"
        "class Helpers:\n    @library.global_function\n    def on(self, name):\n        return name\n"
    )
    assert found == ()


def test_a_lambda_is_recorded_with_the_parameter_each_argument_is() -> None:
    (found,) = registrations("import waffle\nenv.globals['f'] = lambda r, n: waffle.flag_is_active(r, n, x=n)\n")
    assert found.parameters == ("r", "n")
    assert found.arguments == (0, 1)
    assert found.keywords == (("x", 1),)


def test_a_context_function_skips_the_context_parameter() -> None:
    (found,) = registrations(
        "import jinja2, waffle\n@jinja2.pass_context\ndef f(context, name):\n"
        "    return waffle.flag_is_active(context['request'], name)\n"
        "env.globals['f'] = f\n"
    )
    assert found.parameters == ("name",)
    assert found.arguments == (-1, 0)
    assert (found.function, found.skipped) == ("app.env.f", 1)


def test_the_lambdas_forwarded_parameter_is_no_dynamic_reference_but_its_other_names_are() -> None:
    summary = collect_python(
        "app/env.py",
        b"import waffle\n"
        b"env.globals['f'] = lambda r, n: waffle.flag_is_active(r, n)\n"
        b"env.globals['g'] = lambda r: waffle.flag_is_active(r, r.GET['flag'])\n",
        module="app.env",
        test=False,
        catalogue=Catalogue(),
    )
    by_line = {pending.line: pending.inside_wrapper for pending in summary.references}
    assert by_line == {2: True, 3: False}  # line 3 is still a dynamic reference: no template names its flag


# --- the template collector ---------------------------------------------------------------------------------------

FUNCTIONS = (
    TemplateFunction("waffle_flag", "flag", 1, "flag_name", "flag_is_active"),
    TemplateFunction("on", "switch", 0, "switch_name", "switch_is_active"),
)


def template(text: str) -> List[Reference]:
    return collect_template("t.jinja", text, test=False, functions=FUNCTIONS)


def test_the_name_argument_is_read_where_the_function_has_it() -> None:
    refs = template(
        "{{ waffle_flag(request, 'a') }}{{ on('b') }}{{ waffle_flag(flag_name='c', request=request) }}"
        "{{ waffle_flag(lookup(x, 'not, this'), 'd') }}{{ on(switch_name=\"e\") }}"
    )
    assert [(r.kind, r.name, r.api) for r in refs] == [
        ("flag", "a", "flag_is_active"),
        ("switch", "b", "switch_is_active"),
        ("flag", "c", "flag_is_active"),
        ("flag", "d", "flag_is_active"),
        ("switch", "e", "switch_is_active"),
    ]
    assert all(r.source == "jinja2" for r in refs)


def test_positions_frame_the_name_expression() -> None:
    text = "<p>\n  {% if on( 'x' ~ y ) %}{% endif %}\n</p>"
    (ref,) = template(text)
    assert (ref.line, ref.column, ref.end_line, ref.end_column) == (2, 13, 2, 20)
    assert ref.expression == "'x' ~ y" and ref.pattern == "x*"


@pytest.mark.parametrize(
    "text",
    [
        "{{ obj.on('x') }}",
        "{{ 'on(\"x\")' }}",
        "{{ waffle_flag(request) }}",
        "{{ onwards('x') }}",
        "{# on('x') #}",
        "<p>on('x')</p>",
        "{{ on }}",
        "{% macro on(name) %}{{ name }}{% endmacro %}",
    ],
)
def test_what_is_no_call_of_a_registered_function(text: str) -> None:
    assert template(text) == []


def test_a_project_registering_waffles_own_helper_names_gets_each_reference_once() -> None:
    own = (TemplateFunction("waffle.flag", "flag", 0, "flag_name", "flag_is_active"),)
    refs = collect_template("t.jinja", "{{ waffle.flag('x') }}", test=False, functions=own)
    assert [(r.name, r.api) for r in refs] == [("x", "jinja-call")]


def test_registered_names_are_found_in_a_file_without_the_word_waffle() -> None:
    assert [r.name for r in template("{{ on('plain') }}")] == ["plain"]
    assert collect_template("t.jinja", "{{ on('plain') }}", test=False) == []  # not registered: nothing


def test_python_style_calls_in_template_code_are_template_references_not_javascript() -> None:
    text = (
        "{% if waffle.flag_is_active(request, 'tpl') %}{% endif %}\n"
        "<script>\n"
        "  if (waffle.flag_is_active('js')) {}\n"
        "  var s = {{ waffle.switch_is_active('tpl_switch') }};\n"
        "</script>\n"
    )
    templates = collect_template("t.html", text, test=False)
    javascript = collect_javascript("t.html", text, test=False, template=True)
    assert [(r.line, r.name, r.source, r.api) for r in templates] == [
        (1, "tpl", "jinja2", "flag_is_active"),
        (4, "tpl_switch", "jinja2", "switch_is_active"),
    ]
    assert [(r.line, r.name, r.source) for r in javascript] == [(3, "js", "javascript")]


def test_outside_templates_the_javascript_call_keeps_its_first_argument() -> None:
    text = "const s = `{{ x }}`; waffle.flag_is_active('js_flag');"
    assert [r.name for r in collect_javascript("a.js", text, test=False)] == ["js_flag"]


# --- removal ------------------------------------------------------------------------------------------------------


def test_removal_leaves_a_call_of_a_registered_global_to_the_user_and_is_not_safe() -> None:
    from flaglint.api import ScanOptions, run_remove

    here = os.getcwd()
    os.chdir(PROJECT)
    try:
        result = run_remove(load_settings("."), "legacy_layout", keep_on=True, scanning=ScanOptions(jobs=1))
    finally:
        os.chdir(here)
    assert result.changes == ()
    assert [str(note) for note in result.checklist] == [
        "legacy/templates/page.jinja:2: a Jinja2 call of flag_is_active is not rewritten: 'legacy_layout'"
    ]
    assert not result.safe


def test_an_edited_template_is_read_with_the_remembered_globals(tmp_path: Path) -> None:
    """Derivation's remembered answer stands (no Python changed); the edited template is collected with it."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    run_scan(root, tmp_path / "cache")
    page = root / "legacy" / "templates" / "page.jinja"
    page.write_text(page.read_text() + "{{ toggled('appended_switch') }}\n")
    after = listed(run_scan(root, tmp_path / "cache").references)
    assert "legacy/templates/page.jinja:18:12 switch appended_switch jinja2 switch_is_active" in after
    assert sorted(after) == sorted(listed(run_scan(root).references))


def test_forwarders_are_the_one_line_functions_that_forward_to_a_check() -> None:
    summary = collect_python(
        "app/helpers.py",
        b"import waffle\nfrom jinja2 import pass_context\n"
        b"def on(name):\n    return waffle.switch_is_active(name)\n"
        b"@pass_context\ndef here(context, name):\n    return waffle.flag_is_active(context['request'], name)\n"
        b"def other(name):\n    return compute(name)\n"
        b"def longer(name):\n    x = name\n    return waffle.switch_is_active(x)\n",
        module="app.helpers",
        test=False,
        catalogue=Catalogue(),
    )
    assert [(f.function, f.parameters, f.skipped) for f in summary.forwarders] == [
        ("app.helpers.on", ("name",), 0),
        ("app.helpers.here", ("name",), 1),
    ]


def test_a_changed_helper_in_another_module_is_seen_under_the_cache(tmp_path: Path) -> None:
    root = tmp_path / "project"
    shutil.copytree(PROJECT, root)
    run_scan(root, tmp_path / "cache")
    helpers = root / "shop" / "toggles.py"
    helpers.write_text(helpers.read_text().replace("return is_on(name)", 'return is_on("fixed")'))
    after = listed(run_scan(root, tmp_path / "cache").references)
    assert not any(" helper_switch_name " in line or " python_caller_helper " in line for line in after)
    assert "shop/toggles.py:10:18 switch fixed python switch_is_active" in after
    assert sorted(after) == sorted(listed(run_scan(root).references))
