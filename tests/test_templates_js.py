"""Tests of the template and JavaScript collectors: fixture files state their references, unit tests the details."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, List, Optional, Set, Tuple

import pytest

from expectations import read_expectations
from flaglint.collect.javascript import collect_javascript
from flaglint.collect.templates import collect_template
from flaglint.model import Reference

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "collect"
TEMPLATE_FIXTURES = sorted((FIXTURES / "templates").glob("*.html"))
JS_SUFFIXES = (".js", ".jsx", ".ts", ".tsx", ".mjs", ".cjs", ".vue", ".svelte")
JS_FIXTURES = sorted(p for p in (FIXTURES / "javascript").iterdir() if p.suffix in JS_SUFFIXES)

Collector = Callable[..., List[Reference]]


def observed(refs: List[Reference]) -> Set[Tuple[int, str, Optional[str], Optional[str]]]:
    """The references in the form `read_expectations` states them."""
    return {(r.line, r.kind, r.name, r.pattern if r.name is None else None) for r in refs}


def only(refs: List[Reference]) -> Reference:
    """The single reference of a list that must hold exactly one."""
    assert len(refs) == 1, refs
    return refs[0]


def tpl(text: str) -> List[Reference]:
    return collect_template("t.html", text, test=False)


def js(text: str, path: str = "t.js") -> List[Reference]:
    return collect_javascript(path, text, test=False)


# --- fixtures -----------------------------------------------------------------------------------------------------


def test_fixtures_exist() -> None:
    assert len(TEMPLATE_FIXTURES) >= 4
    assert len(JS_FIXTURES) >= 3
    assert any(p.suffix == ".ts" for p in JS_FIXTURES)


@pytest.mark.parametrize(
    "path, collect",
    [(p, collect_template) for p in TEMPLATE_FIXTURES] + [(p, collect_javascript) for p in JS_FIXTURES],
    ids=lambda v: v.name if isinstance(v, Path) else "",
)
def test_fixture(path: Path, collect: Collector) -> None:
    text = path.read_text(encoding="utf-8")
    refs = collect(str(path), text, test=False)
    got, want = observed(refs), read_expectations(text)
    assert sorted(got - want, key=str) == [], "unexpected references"
    assert sorted(want - got, key=str) == [], "missed references"
    assert len(refs) == len(got), "a reference was reported twice"
    lines = text.split("\n")
    for ref in refs:
        assert ref.path == str(path)
        start = sum(len(line) + 1 for line in lines[: ref.line - 1]) + ref.column - 1
        end = sum(len(line) + 1 for line in lines[: ref.end_line - 1]) + ref.end_column - 1
        assert text[start:end] == ref.expression, "the position does not frame the expression"


def test_fixtures_state_dynamic_and_static_references() -> None:
    """The fixture set exercises both kinds of expectation, in both collectors."""
    for paths in (TEMPLATE_FIXTURES, JS_FIXTURES):
        wanted = set().union(*(read_expectations(p.read_text(encoding="utf-8")) for p in paths))
        assert any(name is None for _, _, name, _ in wanted)
        assert {kind for _, kind, _, _ in wanted} == {"flag", "switch", "sample"}


# --- expectations -------------------------------------------------------------------------------------------------


def test_read_expectations_forms() -> None:
    text = (
        "{% flag 'a' %}{% switch b %}  {# expect: flag a; switch b #}\n"
        "x  {#- expect: sample ? ns.* -#}\n"
        "waffle.flag_is_active(x)  // expect: flag ? *\n"
        "f('Dark Mode')  /* expect: flag Dark Mode */ /* expect: switch c */\n"
        "flag_is_active(request, 'd')  # expect: flag d\n"
        "no marker here\n"
    )
    assert read_expectations(text) == {
        (1, "flag", "a", None),
        (1, "switch", "b", None),
        (2, "sample", None, "ns.*"),
        (3, "flag", None, "*"),
        (4, "flag", "Dark Mode", None),
        (4, "switch", "c", None),
        (5, "flag", "d", None),
    }


@pytest.mark.parametrize("marker", ["# expect: flagg x", "# expect: flag", "# expect: flag ?", "# expect: ; flag x"])
def test_read_expectations_rejects_typos(marker: str) -> None:
    with pytest.raises(ValueError):
        read_expectations(marker)


def test_markers_produce_no_references() -> None:
    text = "{# expect: flag a; switch b; sample ? ns.* #}\n"
    assert tpl(text) == []
    assert js("// expect: flag a\n/* expect: switch ? * */\n") == []


# --- templates ----------------------------------------------------------------------------------------------------


def test_template_quoted_name_position_and_fields() -> None:
    text = '{% load waffle_tags %}\n  {% flag "new_checkout" %}on{% endflag %}\n'
    ref = only(collect_template("app/t.html", text, test=True))
    assert (ref.line, ref.column, ref.end_line, ref.end_column) == (2, 11, 2, 25)
    assert ref.expression == '"new_checkout"'
    assert (ref.kind, ref.name, ref.pattern) == ("flag", "new_checkout", None)
    assert (ref.source, ref.api, ref.path) == ("django-template", "tag", "app/t.html")
    assert (ref.test, ref.negated) == (True, False)


def test_template_bare_word_is_the_literal_name() -> None:
    ref = only(tpl("{% switch show_x %}{% endswitch %}"))
    assert (ref.kind, ref.name, ref.expression, ref.column, ref.end_column) == ("switch", "show_x", "show_x", 11, 17)


@pytest.mark.parametrize("token", ["x|lower", "obj.name", '"x"|add:y', '_("x")', 'a|default:"b c"'])
def test_template_expression_names_are_dynamic(token: str) -> None:
    ref = only(tpl("{% sample " + token + " %}{% endsample %}"))
    assert (ref.name, ref.pattern, ref.expression, ref.dynamic) == (None, "*", token, True)
    assert ref.end_column - ref.column == len(token)


def test_template_unescapes_quoted_names() -> None:
    assert only(tpl(r"{% flag 'it\'s' %}")).name == "it's"
    assert only(tpl('{% flag "a b" %}')).name == "a b"


def test_template_tag_over_several_lines_and_whitespace_control() -> None:
    ref = only(tpl('{%-\n  flag\n\t"x"\n-%}'))
    assert (ref.line, ref.column, ref.end_line, ref.end_column, ref.name) == (3, 2, 3, 5, "x")
    assert only(tpl("{% flag x-%}")).name == "x"


@pytest.mark.parametrize(
    "text",
    [
        "{% endflag %}{% else %}{% load waffle_tags %}{% endswitch %}{% endsample %}",
        "{% flagged 'x' %}{% switcher 'x' %}{% sample_set 'x' %}{% flag %}{% flag -%}",
        "{# {% flag 'x' %} #}{#- {{ waffle.flag('x') }} -#}",
        "{% comment %}{% flag 'x' %}{% endcomment %}{% comment 'why' %}{% switch y %}{% endcomment %}",
        "{% verbatim %}{% flag 'x' %}{% endverbatim %}{% raw %}{{ waffle.flag('x') }}{% endraw %}",
        "{% verbatim v %}{% endverbatim %}{% flag 'x' %}{% endverbatim v %}",
        "waffle.flag('outside_any_tag') and flag 'x' in prose",
        "{{ \"waffle.flag('in_string')\" }}{{ waffle.flag() }}{{ notwaffle.flag('x') }}",
    ],
)
def test_template_non_references(text: str) -> None:
    assert tpl(text) == []


def test_template_blocks_end_where_they_end() -> None:
    text = "{% comment %}a{% endcomment %}{% flag 'x' %}{% verbatim %}{% endverbatim %}{% switch 'y' %}"
    assert [(r.kind, r.name) for r in tpl(text)] == [("flag", "x"), ("switch", "y")]


def test_template_jinja_call_fields() -> None:
    text = "<p>\n{% if waffle.switch('tips') %}{% endif %}\n"
    ref = only(tpl(text))
    assert (ref.line, ref.column, ref.end_line, ref.end_column) == (2, 21, 2, 27)
    assert (ref.kind, ref.name, ref.expression) == ("switch", "tips", "'tips'")
    assert (ref.source, ref.api, ref.negated, ref.test) == ("jinja2", "jinja-call", False, False)


@pytest.mark.parametrize(
    "arg, name, pattern",
    [
        ("'ns.' ~ x", None, "ns.*"),
        ("'ns.' + x", None, "ns.*"),
        ("x ~ '.on'", None, "*.on"),
        ("'a' ~ x ~ y ~ 'b'", None, "a*b"),
        ("'a' ~ 'b'", "ab", None),
        ("'a' 'b'", "ab", None),
        ("''", "", None),
        ("name", None, "*"),
        ("x|lower", None, "*"),
        ("'a' if c else 'b'", None, "*"),
        ("x or 'y'", None, "*"),
    ],
)
def test_template_jinja_argument_forms(arg: str, name: Optional[str], pattern: Optional[str]) -> None:
    ref = only(tpl("{{ waffle.flag(" + arg + ") }}"))
    assert (ref.name, ref.pattern, ref.expression) == (name, pattern, arg)
    assert ref.end_column - ref.column == len(arg)


def test_template_jinja_call_over_lines() -> None:
    ref = only(tpl("{% if waffle.sample(\n  'ns.'\n  ~ x) %}"))
    assert (ref.line, ref.column, ref.end_line, ref.end_column) == (2, 3, 3, 6)
    assert (ref.pattern, ref.expression) == ("ns.*", "'ns.'\n  ~ x")


def test_template_crlf() -> None:
    text = '{% load waffle_tags %}\r\n{% flag "a" %}\r\n{% endflag %}\r\n  {% switch b %}\r\n'
    text += '{{ waffle.sample("c") }}\r\n'
    got = [(r.line, r.column, r.end_column, r.name, r.expression) for r in tpl(text)]
    assert got == [(2, 9, 12, "a", '"a"'), (4, 13, 14, "b", "b"), (5, 18, 21, "c", '"c"')]


def test_template_results_are_in_file_order() -> None:
    refs = tpl("{% flag 'a' %}{{ waffle.switch('b') }}\n{% sample c %}")
    assert [r.name for r in refs] == ["a", "b", "c"]


def test_template_without_keywords_is_quick() -> None:
    text = "<div class='{{ item.css }}'>{% trans 'hello' %}</div>\n" * 200_000  # ~11 MB
    started = time.perf_counter()
    assert tpl(text) == []
    assert time.perf_counter() - started < 0.5


def test_template_big_file_is_fast() -> None:
    text = ("<li>{% if x %}{{ y|title }}{% endif %}</li>{# c #}\n" * 20_000) + "{% flag 'last' %}\n"
    started = time.perf_counter()
    assert [r.name for r in tpl(text)] == ["last"]
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize(
    "line",
    [
        "<script>class C {#priv = 1; get() { return this.#priv; } }</script> {% flag 'a' %}\n",  # {# never closed
        "{{ x } {% flag 'a' %}\n",
        "{% if x == 'a %} {% flag 'a' %}\n",
    ],
)
def test_template_unclosed_openers_stay_linear(line: str) -> None:
    """An opener that never closes must not make every later opener rescan the rest of the file."""
    started = time.perf_counter()
    assert len(tpl(line * 10_000)) == 10_000
    assert time.perf_counter() - started < 2.0


def test_template_unclosed_delimiters_do_not_hide_later_tags() -> None:
    text = '{% if x == \'a %}\n{{ unclosed\n{% flag "x" %}\n'
    assert [(r.line, r.name) for r in tpl(text)] == [(3, "x")]


# --- javascript ---------------------------------------------------------------------------------------------------


def test_js_position_and_fields() -> None:
    text = "const a = 1;\nif (waffle.flag_is_active('new_checkout')) {}\n"
    ref = only(collect_javascript("static/app.js", text, test=True))
    assert (ref.line, ref.column, ref.end_line, ref.end_column) == (2, 27, 2, 41)
    assert (ref.kind, ref.name, ref.pattern, ref.expression) == ("flag", "new_checkout", None, "'new_checkout'")
    assert (ref.source, ref.api, ref.path) == ("javascript", "js-call", "static/app.js")
    assert (ref.test, ref.negated) == (True, False)


@pytest.mark.parametrize(
    "call, kind",
    [
        ("waffle.flag_is_active('x')", "flag"),
        ('window.waffle.switch_is_active("x")', "switch"),
        ("waffle.sample_is_active(`x`)", "sample"),
        ("waffle?.flag_is_active('x')", "flag"),
        ("window?.waffle?.flag_is_active('x')", "flag"),
        ("waffle.flag_is_active?.('x')", "flag"),
        ("waffle\n  .switch_is_active(\n  'x'\n)", "switch"),
        ("waffle.flag_is_active(/* c */ 'x', extra)", "flag"),
        ("waffle.flag_is_active(// c\n'x')", "flag"),
    ],
)
def test_js_call_forms(call: str, kind: str) -> None:
    ref = only(js(call + ";"))
    assert (ref.kind, ref.name, ref.expression[1:-1]) == (kind, "x", "x")


@pytest.mark.parametrize(
    "arg, name, pattern",
    [
        ("id", None, "*"),
        ("`ns.${x}`", None, "ns.*"),
        ("`ns.${x}.${y}`", None, "ns.*.*"),
        ("`${a}${b}`", None, "*"),
        ("`plain`", "plain", None),
        ("'ns.' + x", None, "ns.*"),
        ("x + '.on'", None, "*.on"),
        ("'a' + 'b'", "ab", None),
        ("c ? 'a' : 'b'", None, "*"),
        ("x ?? 'y'", None, "*"),
        ("flags[0]", None, "*"),
        ("getName(a, b)", None, "*"),
        ("'it\\'s'", "it's", None),
    ],
)
def test_js_argument_forms(arg: str, name: Optional[str], pattern: Optional[str]) -> None:
    ref = only(js("waffle.flag_is_active(" + arg + ");"))
    assert (ref.name, ref.pattern, ref.expression) == (name, pattern, arg)
    assert ref.end_column - ref.column == len(arg)


def test_js_arrow_function_argument() -> None:
    ref = only(js("ids.filter(id => waffle.flag_is_active(id));"))
    assert (ref.name, ref.pattern, ref.expression, ref.column) == (None, "*", "id", 40)


@pytest.mark.parametrize(
    "text",
    [
        "// waffle.flag_is_active('x')",
        "/* waffle.flag_is_active('x') */",
        "/*\n * waffle.flag_is_active('x')\n */",
        "a(); /* unclosed waffle.flag_is_active('x')",
        "window.waffle = { flag_is_active: function(name) { return F[name]; } };",
        'window.waffle = { "flag_is_active": function waffle_flag(flag_name) {} };',
        "class W { switch_is_active(name) { return S[name]; } }",
        "waffle.flag_is_active = function (name) {};",
        "const f = waffle.flag_is_active;",
        "mywaffle.flag_is_active('x'); waffle_x.flag_is_active('x'); $waffle.flag_is_active('x')",
        "waffle.flag_is_active();",
        "waffle['flag_is_active']('x');",
    ],
)
def test_js_non_references(text: str) -> None:
    assert js(text) == []


@pytest.mark.parametrize(
    "prefix",
    [
        "const u = 'http://x';",
        'const u = "http://x/*";',
        "const u = `//${a}/*`;",
        "s.replace(/\\/*$/, '');",
        "s.split(/'/);",
        "s.split(/[/*]/);",
        "const r = a / b / c;",
        "x = `a ${ `b` } c`;",
        "x = `a ${ {a: `b`}.a } c`;",
    ],
)
def test_js_strings_and_regexes_are_not_comments(prefix: str) -> None:
    refs = js(prefix + " waffle.flag_is_active('x'); // waffle.flag_is_active('no')\n")
    assert [r.name for r in refs] == ["x"]


def test_js_calls_inside_strings_count() -> None:
    text = "el.innerHTML = '<b onclick=\"waffle.flag_is_active(\\'x\\')\">';\n"
    text += "const t = `${waffle.switch_is_active('y')}`;"
    refs = js(text)
    assert [(r.kind, r.name, r.expression) for r in refs] == [("flag", "x", "\\'x\\'"), ("switch", "y", "'y'")]


def test_js_vue_component() -> None:
    text = (
        "<template>\n"
        "  <!-- <div v-if=\"waffle.flag_is_active('commented_out')\"/> -->\n"
        "  <p>Globs like src/*.js and URLs like http://x are text here.</p>\n"
        "  <div v-if=\"waffle.flag_is_active('in_attribute')\">new</div>\n"
        "</template>\n"
        '<script lang="ts">\n'
        "// waffle.switch_is_active('in_script_comment')\n"
        'export default { computed: { on() { return window.waffle.switch_is_active("in_script"); } } };\n'
        "</script>\n"
    )
    refs = js(text, "src/Widget.vue")
    assert [(r.line, r.kind, r.name) for r in refs] == [(4, "flag", "in_attribute"), (8, "switch", "in_script")]


def test_js_crlf() -> None:
    text = "// c\r\nif (waffle.flag_is_active('a')) {}\r\n  waffle.switch_is_active(\r\n    `b`);\r\n"
    got = [(r.line, r.column, r.end_line, r.end_column, r.name) for r in js(text)]
    assert got == [(2, 27, 2, 30, "a"), (4, 5, 4, 8, "b")]


def test_js_without_keywords_is_quick() -> None:
    text = "export function f(a) { return a.flag && isActive(a); } // http://x\n" * 200_000  # ~13 MB
    started = time.perf_counter()
    assert js(text) == []
    assert time.perf_counter() - started < 0.5


def test_js_big_file_is_fast() -> None:
    body = "const u = 'http://x/*'; const r = s.replace(/\\/*$/, ''); /* c */ f(`a${b}`); // x\n" * 20_000
    text = body + "waffle.flag_is_active('last');\n"
    started = time.perf_counter()
    assert [(r.line, r.name) for r in js(text)] == [(20_001, "last")]
    assert time.perf_counter() - started < 2.0
