"""Tests of the template rewrite of ``flaglint remove``: fixture pairs, then Django and Jinja2 rendering, then details.

Every ``fixtures/remove/templates/<case>.html`` has the expected results ``<case>.on.html`` and ``<case>.off.html``.
The rendering tests render each original with the real engine (waffle's tags, or the Jinja2 ``waffle`` global) with
the flag forced to the kept value and compare with the rendered rewrite, for several values of the other inputs.
"""

from __future__ import annotations

import itertools
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flaglint.rewrite.templates import TemplateRewrite, rewrite_template
from flaglint.model import Kind

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "remove" / "templates"
KEEPS = ("on", "off")

VALUE = "is used as a value, not as an {% if %} condition; not changed"

#: case -> (name, kind, notes); the notes are the same for --keep on and --keep off.
CASES: Dict[str, Tuple[str, Kind, Tuple[str, ...]]] = {
    "django_flag_else": ("new_nav", "flag", ()),
    "django_flag_no_else": ("new_nav", "flag", ()),
    "django_switch": ("maintenance_banner", "switch", ()),
    "django_sample": ("survey_popup", "sample", ()),
    "django_bare_name": ("new_nav", "switch", ()),
    "django_spacing": ("new_nav", "flag", ()),
    "django_nested_outer": ("new_nav", "flag", ()),
    "django_nested_inner": ("new_nav", "flag", ()),
    "django_nested_same": ("new_nav", "flag", ()),
    "django_if_inside": ("new_nav", "flag", ()),
    "django_for_empty": ("new_nav", "flag", ()),
    "django_unevaluated": ("new_nav", "flag", ()),
    "django_other_kind": ("new_nav", "flag", ()),
    "django_load_single": ("new_nav", "flag", ()),
    "django_load_multi": ("new_nav", "flag", ()),
    "django_load_from": ("new_nav", "flag", ()),
    "django_load_kept": ("new_nav", "flag", ()),
    "django_crlf": ("new_nav", "flag", ()),
    "jinja_if_else": ("new_nav", "flag", ()),
    "jinja_elif_first": ("new_nav", "flag", ()),
    "jinja_elif_middle": ("new_nav", "flag", ()),
    "jinja_bool_ops": ("new_nav", "flag", ()),
    "jinja_switch": ("maintenance_banner", "switch", ()),
    "jinja_sample": ("survey_popup", "sample", ()),
    "jinja_unevaluated": ("new_nav", "flag", ()),
    "jinja_dashes": ("new_nav", "flag", ()),
    "jinja_value": (
        "new_nav",
        "flag",
        (
            f'line 1: waffle.flag("new_nav") {VALUE}',
            f"line 2: waffle.flag('new_nav') {VALUE}",
            f'line 2: waffle.flag("new_nav") {VALUE}',
            'line 3: could not simplify the condition around waffle.flag("new_nav"); not changed',
            'line 4: waffle.flag("new_" ~ suffix) names its flag at runtime and may name "new_nav"; not changed',
        ),
    ),
}

PAIRS = [(case, keep) for case in CASES for keep in KEEPS]
DJANGO_PAIRS = [(case, keep) for case, keep in PAIRS if case.startswith("django_")]
JINJA_PAIRS = [(case, keep) for case, keep in PAIRS if case.startswith("jinja_")]


def notes_of(result: Any) -> Tuple[str, ...]:
    """The notes as the checklist shows them (``line N: why``)."""
    return tuple(f"line {line}: {message}" for line, message in result.notes)


def read(path: Path) -> str:
    """A fixture's text, line endings as they are on disk."""
    return path.read_bytes().decode("utf-8")


def fixture(case: str, keep: Optional[str] = None) -> str:
    return read(FIXTURES / (f"{case}.html" if keep is None else f"{case}.{keep}.html"))


def rewrite(case: str, keep: str, text: Optional[str] = None) -> TemplateRewrite:
    name, kind, _ = CASES[case]
    return rewrite_template(fixture(case) if text is None else text, name, kind, keep == "on")


def assert_idempotent(result: TemplateRewrite, name: str, kind: Kind, keep_on: bool) -> None:
    again = rewrite_template(result.text, name, kind, keep_on)
    assert again.text == result.text
    assert not again.changed


def normalised(text: str) -> List[str]:
    """Rendered output without the whitespace a rewrite may change: blank lines (and line ends)."""
    return [line.rstrip() for line in text.splitlines() if line.strip()]


# --- fixtures -----------------------------------------------------------------------------------------------------


def test_every_fixture_has_a_case_and_both_results() -> None:
    originals = {p.name[: -len(".html")] for p in FIXTURES.glob("*.html") if p.name.count(".") == 1}
    assert originals == set(CASES)
    for case in CASES:
        for keep in KEEPS:
            assert (FIXTURES / f"{case}.{keep}.html").is_file(), (case, keep)
    assert {p.name.split(".")[0] for p in FIXTURES.glob("*.html")} == set(CASES)


@pytest.mark.parametrize("case, keep", PAIRS)
def test_fixture(case: str, keep: str) -> None:
    name, kind, notes = CASES[case]
    result = rewrite(case, keep)
    assert result.text == fixture(case, keep)
    assert result.changed
    assert notes_of(result) == notes
    assert_idempotent(result, name, kind, keep == "on")


@pytest.mark.parametrize("case, keep", [(case, keep) for case, keep in PAIRS if case != "django_crlf"])
def test_fixture_with_crlf_line_endings(case: str, keep: str) -> None:
    """Every LF fixture, converted to CRLF, gives the expected result converted to CRLF."""
    crlf = fixture(case).replace("\n", "\r\n")
    result = rewrite(case, keep, crlf)
    assert result.text == fixture(case, keep).replace("\n", "\r\n")
    name, kind, _ = CASES[case]
    assert_idempotent(result, name, kind, keep == "on")


def test_crlf_fixture_is_crlf() -> None:
    for keep in (None, *KEEPS):
        text = fixture("django_crlf", keep)
        assert text.count("\r\n") == text.count("\n") > 0


# --- rendering with the real engines ------------------------------------------------------------------------------

States = Callable[[str, str], bool]


def states(kind: Kind, name: str, keep_on: bool, other: bool) -> States:
    """Whether (kind, name) is active: the flag being removed is `keep_on`, every other one `other`."""
    return lambda k, n: keep_on if (k, n) == (kind, name) else other


def contexts() -> Iterator[Dict[str, Any]]:
    for y, z, staff in itertools.product((False, True), repeat=3):
        for items in ([], ["a", "b", "c"]):
            yield {"y": y, "z": z, "items": items, "user": {"is_staff": staff}, "suffix": "nav"}


@pytest.fixture(scope="module")
def django_engine() -> Any:
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(
            INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "waffle"],
            TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}],
            DATABASES={},
            USE_I18N=True,
        )
        django.setup()
    assert "waffle" in settings.INSTALLED_APPS, "another test configured Django without waffle"
    from django.template import engines

    return engines["django"]


@contextmanager
def waffle_answers(active: States) -> Iterator[None]:
    """Make waffle's template tags ask `active` instead of the database.

    ``{% flag %}`` takes ``flag_is_active`` from the module when the template is compiled; ``{% switch %}`` and
    ``{% sample %}`` look ``switch_is_active`` / ``sample_is_active`` up when they render. Compile inside.
    """
    from waffle.templatetags import waffle_tags

    with mock.patch.multiple(
        waffle_tags,
        flag_is_active=lambda request, name: active("flag", name),
        switch_is_active=lambda name: active("switch", name),
        sample_is_active=lambda name: active("sample", name),
    ):
        yield


def test_waffle_tags_are_patched(django_engine: Any) -> None:
    template = (
        '{% load waffle_tags %}{% flag "f" %}F{% else %}f{% endflag %}{% switch "s" %}S{% else %}s{% endswitch %}'
        '{% sample "p" %}P{% else %}p{% endsample %}'
    )
    for value, expected in ((True, "FSP"), (False, "fsp")):
        with waffle_answers(lambda kind, name: value):
            assert django_engine.from_string(template).render({}) == expected


def assert_django_renders_alike(
    engine: Any, original: str, rewritten: str, name: str, kind: Kind, keep_on: bool
) -> None:
    """The rewrite renders like the original with the flag fixed, whatever the other flags and inputs."""
    for other in (False, True):
        with waffle_answers(states(kind, name, keep_on, other)):
            before, after = engine.from_string(original), engine.from_string(rewritten)
            for context in contexts():
                assert normalised(after.render(context)) == normalised(before.render(context)), (other, context)


@pytest.mark.parametrize("case, keep", DJANGO_PAIRS)
def test_django_rendering_is_unchanged(case: str, keep: str, django_engine: Any) -> None:
    name, kind, _ = CASES[case]
    assert_django_renders_alike(django_engine, fixture(case), fixture(case, keep), name, kind, keep == "on")


def jinja_environment(active: States) -> Any:
    """A Jinja2 environment with waffle's ``waffle`` global, and ``{% flag %}``-style tags for ``jinja_dashes``."""
    import jinja2
    from jinja2 import nodes
    from jinja2.ext import Extension

    class WaffleTags(Extension):
        """``{% flag NAME %}...{% else %}...{% endflag %}`` (and switch, sample) for Jinja2, as in Django."""

        tags = {"flag", "switch", "sample"}

        def parse(self, parser: Any) -> Any:
            token = next(parser.stream)
            kind = token.value
            name = parser.parse_expression()
            body = parser.parse_statements(("name:else", f"name:end{kind}"))
            if next(parser.stream).value == "else":
                otherwise = parser.parse_statements((f"name:end{kind}",), drop_needle=True)
            else:
                otherwise = []
            test = self.call_method("_active", [nodes.Const(kind), name])
            return nodes.If(test, body, [], otherwise, lineno=token.lineno)

        def _active(self, kind: str, name: str) -> bool:
            return active(kind, name)

    environment = jinja2.Environment(extensions=[WaffleTags])
    environment.globals["waffle"] = {
        "flag": lambda name: active("flag", name),
        "switch": lambda name: active("switch", name),
        "sample": lambda name: active("sample", name),
    }
    return environment


def assert_jinja_renders_alike(
    original: str, rewritten: str, name: str, kind: Kind, keep_on: bool, same: Callable[[str], object] = normalised
) -> None:
    """The rewrite renders like the original with the flag fixed, whatever the other flags and inputs."""
    for other in (False, True):
        environment = jinja_environment(states(kind, name, keep_on, other))
        before, after = environment.from_string(original), environment.from_string(rewritten)
        for context in contexts():
            assert same(after.render(context)) == same(before.render(context)), (other, context)


@pytest.mark.parametrize("case, keep", JINJA_PAIRS)
def test_jinja_rendering_is_unchanged(case: str, keep: str) -> None:
    name, kind, _ = CASES[case]
    assert_jinja_renders_alike(fixture(case), fixture(case, keep), name, kind, keep == "on")


# --- properties ---------------------------------------------------------------------------------------------------

SPACES = st.sampled_from(["", " ", "\n", "\n  ", "  \n", "\n\n"])
TEXTS = st.sampled_from(["a", "<b>b</b>", "{{ y }}", "", "\n", "  c\n", "\n\n"])
NAME_TOKENS = st.sampled_from(['"x"', "'x'", "x", '"other"', "other"])


def waffle_block(word: str, token: str, on: str, off: Optional[str], space: str) -> str:
    otherwise = "" if off is None else f"{{% else %}}{space}{off}"
    return f"{{% {word} {token} %}}{space}{on}{otherwise}{space}{{% end{word} %}}{space}"


def django_blocks(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    body = st.lists(children, max_size=3).map("".join)
    waffle = st.builds(
        waffle_block, st.sampled_from(["flag", "flag", "switch"]), NAME_TOKENS, body, st.none() | body, SPACES
    )
    branch = st.builds(
        lambda v, a, b, s: f"{{% if {v} %}}{s}{a}{{% else %}}{s}{b}{{% endif %}}{s}",
        st.sampled_from(["y", "z"]),
        body,
        body,
        SPACES,
    )
    loop = st.builds(lambda a, b: f"{{% for i in items %}}{a}{{% empty %}}{b}{{% endfor %}}", body, body)
    return waffle | branch | loop


@settings(max_examples=150, deadline=None)
@given(body=st.recursive(TEXTS, django_blocks, max_leaves=12), keep_on=st.booleans())
def test_property_django_rewrites_render_alike(django_engine: Any, body: str, keep_on: bool) -> None:
    original = "{% load waffle_tags %}\n" + body
    result = run(original, keep_on)
    assert not notes_of(result)
    assert_django_renders_alike(django_engine, original, result.text, "x", "flag", keep_on)


FLAG = 'waffle.flag("x")'


def conditions(depth: int) -> st.SearchStrategy[str]:
    leaves = st.sampled_from([FLAG, FLAG, "y", "z", "w", 'waffle.flag("other")', "items|length > 1"])
    if depth == 0:
        return leaves
    inner = conditions(depth - 1)
    return st.one_of(
        leaves,
        inner.map(lambda c: f"not {c}"),
        inner.map(lambda c: f"({c})"),
        st.tuples(inner, inner).map(lambda p: f"{p[0]} and {p[1]}"),
        st.tuples(inner, inner).map(lambda p: f"{p[0]} or {p[1]}"),
        st.tuples(inner, inner).map(lambda p: f"({p[0]} or {p[1]})"),
    )


@settings(max_examples=200, deadline=None)
@given(
    tests=st.lists(conditions(3), min_size=1, max_size=4),
    otherwise=st.booleans(),
    space=SPACES,
    keep_on=st.booleans(),
)
def test_property_jinja_chains_render_alike(tests: List[str], otherwise: bool, space: str, keep_on: bool) -> None:
    branches = [f"{{% {'el' if i else ''}if {test} %}}{space}<p>{i}</p>{space}" for i, test in enumerate(tests)]
    original = "".join(branches) + ("{% else %}<p>else</p>" if otherwise else "") + "{% endif %}\n"
    result = run(original, keep_on)
    assert not notes_of(result)
    assert FLAG not in result.text
    assert_jinja_renders_alike(original, result.text, "x", "flag", keep_on)


DASHES = st.tuples(st.booleans(), st.booleans())


def jinja_tag(content: str, dashes: Tuple[bool, bool]) -> str:
    """``{% content %}`` with whitespace control on the sides `dashes` says."""
    return "{%" + "-" * dashes[0] + f" {content} " + "-" * dashes[1] + "%}"


def jinja_flag(name: str, on: str, off: Optional[str], space: str, dashes: List[Tuple[bool, bool]]) -> str:
    otherwise = "" if off is None else jinja_tag("else", dashes[1]) + space + off
    return (
        jinja_tag(f"flag {name}", dashes[0]) + space + on + otherwise + space + jinja_tag("endflag", dashes[2]) + space
    )


def jinja_chain(
    branches: List[Tuple[str, str, Tuple[bool, bool]]],
    otherwise: Optional[Tuple[str, Tuple[bool, bool]]],
    end: Tuple[bool, bool],
    space: str,
) -> str:
    text = "".join(
        jinja_tag(f"{'el' if i else ''}if {test}", dashes) + space + body
        for i, (test, body, dashes) in enumerate(branches)
    )
    if otherwise is not None:
        text += jinja_tag("else", otherwise[1]) + space + otherwise[0]
    return text + space + jinja_tag("endif", end) + space


def jinja_blocks(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    body = st.lists(children, max_size=3).map("".join)
    flag = st.builds(
        jinja_flag,
        st.sampled_from(['"x"', "'x'", '"other"']),
        body,
        st.none() | body,
        SPACES,
        st.lists(DASHES, min_size=3, max_size=3),
    )
    chain = st.builds(
        jinja_chain,
        st.lists(st.tuples(conditions(2), body, DASHES), min_size=1, max_size=3),
        st.none() | st.tuples(body, DASHES),
        DASHES,
        SPACES,
    )
    return flag | chain


@settings(max_examples=200, deadline=None)
@given(body=st.recursive(TEXTS, jinja_blocks, max_leaves=10), keep_on=st.booleans())
def test_property_jinja_with_whitespace_control_renders_alike(body: str, keep_on: bool) -> None:
    """Nested ``{% flag %}`` blocks and ``{% if %}`` chains with ``{%-`` / ``-%}``: the same output, bar whitespace.

    A removed tag's own ``{%-`` / ``-%}`` is carried out on the text, but whitespace that a removed tag kept apart
    from a kept neighbour's ``-%}`` / ``{%-`` is trimmed by the neighbour afterwards.
    """
    result = run(body, keep_on)
    assert not notes_of(result)
    assert FLAG not in result.text
    assert_jinja_renders_alike(body, result.text, "x", "flag", keep_on, lambda text: "".join(text.split()))


# --- details ------------------------------------------------------------------------------------------------------


def run(text: str, keep_on: bool = True, name: str = "x", kind: Kind = "flag") -> TemplateRewrite:
    result = rewrite_template(text, name, kind, keep_on)
    assert_idempotent(result, name, kind, keep_on)
    return result


def test_nothing_to_do_returns_the_text() -> None:
    for text in ("", "<p>no waffle here</p>", '{% load waffle_tags %}{% flag "other" %}a{% endflag %}'):
        result = run(text)
        assert result == TemplateRewrite(text, False, ())


def test_escaped_and_single_quoted_names() -> None:
    assert run("{% flag 'x' %}a{% endflag %}").text == "a"
    assert run(r'{% flag "a\"b" %}on{% else %}off{% endflag %}', False, 'a"b').text == "off"
    assert run(r"{% if waffle.flag('a\'b') %}on{% endif %}", True, "a'b").text == "on"


def test_other_names_and_kinds_are_never_touched() -> None:
    text = (
        '{% flag "xx" %}1{% endflag %}{% flag "x_y" %}2{% endflag %}{% switch "x" %}3{% endswitch %}'
        '{% if waffle.switch("x") %}4{% endif %}{% if waffle.flag("X") %}5{% endif %}{% flagged "x" %}'
        "{{ \"{% flag 'x' %}\" }}"
    )
    assert run(text) == TemplateRewrite(text, False, ())


def test_dynamic_names_are_notes() -> None:
    text = (
        "{% flag obj.name %}a{% endflag %}\n{% flag 'x'|lower %}b{% endflag %}\n"
        "{% if waffle.flag('x' ~ y) %}{% endif %}"
    )
    result = run(text)
    assert not result.changed
    assert notes_of(result) == (
        'line 1: {% flag obj.name %} names its flag at runtime and may name "x"; not changed',
        "line 2: {% flag 'x'|lower %} names its flag at runtime and may name \"x\"; not changed",
        "line 3: waffle.flag('x' ~ y) names its flag at runtime and may name \"x\"; not changed",
    )
    assert notes_of(run("{% if waffle.flag('y' ~ z) %}{% endif %}")) == ()  # cannot be "x"


def test_extra_arguments_are_a_note() -> None:
    result = run('{% flag "x" as on %}a{% endflag %}')
    assert not result.changed
    assert notes_of(result) == ('line 1: {% flag "x" as on %} has more arguments than the name; not changed',)


@pytest.mark.parametrize(
    "text",
    [
        '{% flag "x" %}a',  # never closed
        '{% flag "x" %}{% if y %}a{% endflag %}',  # the if is never closed
        '{% flag "x" %}a{% endfor %}{% endflag %}',  # an end tag without its opener
        '{% flag "x" %}a{% else %}b{% else %}c{% endflag %}',  # two else branches
        '{% flag "x" %}a{% elif y %}b{% endflag %}',  # an elif of no if
        '{% flag "x" %}a{% empty %}b{% endflag %}',
    ],
)
def test_unpaired_blocks_are_notes(text: str) -> None:
    result = run(text)
    assert result.text == text
    assert notes_of(result) == ('line 1: could not pair {% flag "x" %} with its {% endflag %}; not changed',)


def test_a_broken_block_elsewhere_changes_nothing() -> None:
    text = '{% flag "x" %}a{% endflag %}\n{% if y %}{% endfor %}\n{% if waffle.flag("x") %}b{% endif %}'
    result = run(text)
    assert result.text == text
    assert notes_of(result) == (
        'line 1: could not pair {% flag "x" %} with its {% endflag %}; not changed',
        'line 3: could not pair the {% if %} around waffle.flag("x") with its {% endif %}; not changed',
    )


def test_block_tags_are_known_by_their_end_tags() -> None:
    text = (
        '{% flag "x" %}{% blocktrans count n=1 %}one{% plural %}many{% endblocktrans %}'
        "{% ifchanged %}a{% else %}b{% endifchanged %}{% cache 60 k %}{% endcache %}"
        "{% set s = 1 %}{% set t %}{% if y %}{% else %}{% endif %}{% endset %}{% else %}old{% endflag %}"
    )
    on = run(text).text
    assert on == text[len('{% flag "x" %}') : text.index("{% else %}old")]
    assert run(text, False).text == "old"


def test_jinja_for_else_inside_a_flag_block() -> None:
    text = '{% flag "x" %}{% for i in l %}{{ i }}{% else %}none{% endfor %}{% else %}old{% endflag %}'
    assert run(text).text == "{% for i in l %}{{ i }}{% else %}none{% endfor %}"
    assert run(text, False).text == "old"


def test_notes_inside_removed_branches_are_dropped() -> None:
    text = '{% flag "x" %}new{% else %}\n{{ waffle.flag("x") }}{% endflag %}'
    assert notes_of(run(text)) == ()
    assert notes_of(run(text, False)) == (f'line 2: waffle.flag("x") {VALUE}',)


@pytest.mark.parametrize(
    "condition, on, off",
    [
        ('waffle.flag("x")', True, False),
        ('not waffle.flag("x")', False, True),
        ('waffle.flag("x") and y', "y", False),
        ('waffle.flag("x") or y', True, "y"),
        ('y and not waffle.flag("x")', False, "y"),
        ('(y or waffle.flag("x")) and (z or not waffle.flag("x"))', "z", "y"),
        ('not (y and waffle.flag("x"))', "not y", True),
        ('not (y and not waffle.flag("x") and z)', True, "not (y and z)"),
        ('a.b(1, "c") or (waffle.flag("x") and d[0] is not none)', 'a.b(1, "c") or d[0] is not none', 'a.b(1, "c")'),
        ('waffle . flag ( "x" ) and y', "y", False),
        ('waffle.flag(flag_name="x") and y', "y", False),
        ('waffle.flag("x")\n    and y', "y", False),
        ('y not in z and waffle.flag("x")', "y not in z", False),
    ],
)
def test_jinja_conditions(condition: str, on: object, off: object) -> None:
    text = f"{{% if {condition} %}}A{{% else %}}B{{% endif %}}"
    for keep_on, expected in ((True, on), (False, off)):
        got = run(text, keep_on).text
        if expected is True:
            assert got == "A"
        elif expected is False:
            assert got == "B"
        else:
            assert got == f"{{% if {expected} %}}A{{% else %}}B{{% endif %}}"


@pytest.mark.parametrize(
    "condition",
    [
        'waffle.flag("x") == true',
        'waffle.flag("x")|string',
        'waffle.flag("x") is sameas true',
        'foo(waffle.flag("x"))',
        'y if waffle.flag("x") else z',
        '[waffle.flag("x")]',
        '(waffle.flag("x"), y)',
        'waffle.flag("x", y)',
    ],
)
def test_jinja_conditions_not_understood_are_notes(condition: str) -> None:
    text = f"{{% if {condition} %}}A{{% endif %}}"
    result = run(text)
    assert result.text == text
    assert len(notes_of(result)) == 1 and notes_of(result)[0].startswith("line 1: ")


def test_jinja_chain_pruning() -> None:
    chain = '{% if waffle.flag("x") %}A{% elif waffle.flag("x") %}B{% elif y %}C{% endif %}'
    assert run(chain).text == "A"
    assert run(chain, False).text == "{% if y %}C{% endif %}"
    chain = '{% if y %}A{% elif not waffle.flag("x") %}B{% else %}C{% endif %}'
    assert run(chain).text == "{% if y %}A{% else %}C{% endif %}"
    assert run(chain, False).text == "{% if y %}A{% else %}B{% endif %}"
    chain = '{% if not waffle.flag("x") %}A{% elif waffle.flag("x") %}B{% else %}C{% endif %}'
    assert run(chain).text == "B"
    assert run(chain, False).text == "A"
    assert run('{%- if y -%}A{%- elif waffle.flag("x") and z -%}B{%- endif -%}').text == (
        "{%- if y -%}A{%- elif z -%}B{%- endif -%}"
    )


def test_jinja_if_without_endif_is_a_note() -> None:
    text = '{% if waffle.flag("x") %}A'
    result = run(text)
    assert result.text == text
    assert notes_of(result) == (
        'line 1: could not pair the {% if %} around waffle.flag("x") with its {% endif %}; not changed',
    )


def test_jinja_call_over_lines_in_a_note_is_shown_on_one_line() -> None:
    result = run('<p>\n{{ waffle.flag(\n    "x") }}</p>')
    assert notes_of(result) == (f'line 2: waffle.flag( "x") {VALUE}',)


def test_load_stays_for_wafflejs_and_when_only_jinja_changed() -> None:
    text = '{% load waffle_tags %}\n{% flag "x" %}a{% endflag %}\n{% wafflejs %}\n'
    assert run(text).text == "{% load waffle_tags %}\na\n{% wafflejs %}\n"
    text = '{% load waffle_tags %}\n{% if waffle.flag("x") %}a{% endif %}\n'
    assert run(text).text == "{% load waffle_tags %}\na\n"


def test_load_forms() -> None:
    tail = '{% flag "x" %}a{% endflag %}'
    assert run("{% load waffle_tags i18n %}" + tail).text == "{% load i18n %}a"
    assert run("{% load i18n waffle_tags %}" + tail).text == "{% load i18n %}a"
    assert run("{% load flag switch from waffle_tags %}" + tail).text == "a"
    assert run("{% load flag from other_tags %}" + tail).text == "{% load flag from other_tags %}a"
    assert run("{# {% load waffle_tags %} #}" + tail).text == "{# {% load waffle_tags %} #}a"


def test_blank_lines_are_not_doubled() -> None:
    text = "<p>a</p>\n\n{% flag 'x' %}\n<p>new</p>\n{% endflag %}\n\n<p>b</p>\n"
    assert run(text, False).text == "<p>a</p>\n\n<p>b</p>\n"
    assert run(text).text == "<p>a</p>\n\n<p>new</p>\n\n<p>b</p>\n"
    text = "<p>a</p>\n{% flag 'x' %}\n<p>new</p>\n{% endflag %}"
    assert run(text, False).text == "<p>a</p>\n"
    assert run(text).text == "<p>a</p>\n<p>new</p>\n"


def test_inline_tags_keep_the_line() -> None:
    text = "<p>a {% flag 'x' %}new{% else %}old{% endflag %} b</p>\n"
    assert run(text).text == "<p>a new b</p>\n"
    assert run(text, False).text == "<p>a old b</p>\n"
    assert run("  <p>{% flag 'x' %}new{% endflag %}</p>\n", False).text == "  <p></p>\n"


def test_big_file_is_fast() -> None:
    import time

    block = (
        '{% flag "x" %}\n<p>new</p>\n{% else %}\n<p>old</p>\n{% endflag %}\n'
        '{% if waffle.flag("x") and y %}a{% endif %}\n'
    )
    text = "{% load waffle_tags %}\n" + block * 2000
    started = time.perf_counter()
    result = rewrite_template(text, "x", "flag", True)
    assert time.perf_counter() - started < 5
    assert result.text == "<p>new</p>\n{% if y %}a{% endif %}\n" * 2000
