"""The one table of waffle's API surface (and edx-toggles'), shared by the reference collector and the rewriter.

Each `Api` says which callables it matches (by module and name), which kind of object it names, where the name
argument is, whether a leading ``!`` negates it, and whether it is a test helper. Projects add their own
wrappers from configuration; `Catalogue.with_wrappers` returns the extended table.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Dict, FrozenSet, Iterable, List, Literal, Mapping, Optional, Sequence, Tuple

from flaglint.model import ApiName, CommandAction, Kind, TemplateFunction

Form = Literal[
    "call",  # a function call whose argument is the name (flag_is_active, waffle_flag, override_flag ...)
    "toggle",  # an edx-toggles object constructor; the object carries the name afterwards
    "legacy-toggle",  # LegacyWaffleFlag(namespace, name, module): the name is f"{namespace}.{name}"
    "toggle-namespace",  # (Legacy)WaffleFlagNamespace(name): a namespace object for legacy toggles
    "toggle-override",  # override_waffle_flag(toggle_object, active): the name comes from the object
    "model-getter",  # get_waffle_flag_model(): returns a model class
]

Role = Literal[
    "check",  # answers whether the flag is active (flag_is_active, switch_is_active, a wrapper around them)
    "decorator",  # guards a view (waffle_flag, waffle_switch): 404 (or a redirect) when inactive
    "override",  # a test helper that sets the flag for a block (override_flag ...)
    "set",  # stores a value (set_flag)
    "model",  # reaches the database rows (get_waffle_flag_model)
    "toggle",  # an edx-toggles object or namespace, or its test override
    "command",  # one of waffle's management commands (call_command): creates, changes or deletes the object
]


@dataclass(frozen=True)
class Api:
    """One callable of the surface: where its name argument is and what it names."""

    modules: Tuple[str, ...]
    """Module prefixes it lives under: ``waffle`` matches ``waffle`` and ``waffle.decorators``."""
    function: str
    kind: Kind
    api: ApiName
    form: Form = "call"
    position: Optional[int] = 0
    keyword: Optional[str] = None
    negatable: bool = False
    test_helper: bool = False
    attribute: Optional[str] = None
    """For wrappers that take an object: the name is this attribute of the argument (``flag_info.slug``)."""
    role: Role = "check"
    """What a call does with the flag: how `flaglint remove` rewrites it."""
    wrapper: Optional[str] = None
    """For a project's own wrapper: its dotted name as configured."""

    def matches(self, qualname: str) -> bool:
        """Whether a dotted callee name (``waffle.decorators.waffle_flag``) is this API."""
        module, _, function = qualname.rpartition(".")
        if function != self.function:
            return False
        return any(module == prefix or module.startswith(prefix + ".") for prefix in self.modules)


@dataclass(frozen=True)
class Mixin:
    """A class-based-view mixin that reads the name from a class attribute."""

    modules: Tuple[str, ...]
    cls: str
    attribute: str
    kind: Kind


WAFFLE = ("waffle",)
EDX = ("edx_toggles", "openedx", "lms", "cms", "common", "xmodule")

#: Manager methods that look an object up (or create / delete it) by ``name=``.
MANAGER_METHODS: FrozenSet[str] = frozenset(
    {"get", "filter", "exclude", "create", "get_or_create", "update_or_create", "get_by_natural_key"}
)
#: Lookups on the ``name`` field that name objects: single names, then sequences of names.
NAME_KEYWORDS: FrozenSet[str] = frozenset({"name", "name__exact", "name__iexact", "pk_name"})
NAME_SEQUENCE_KEYWORDS: FrozenSet[str] = frozenset({"name__in"})
#: Methods of edx-toggles objects that check them (``SWITCH.is_enabled()``): each call is a reference.
TOGGLE_METHODS: FrozenSet[str] = frozenset({"is_enabled", "is_enabled_without_course_context"})
#: factory_boy's class methods that build objects with field values as keywords (``FlagFactory.create(name=...)``).
FACTORY_METHODS: FrozenSet[str] = frozenset({"create", "build", "create_batch", "build_batch", "stub"})


def is_factory(bases: Iterable[str]) -> bool:
    """Whether a class with these (dotted) bases is a factory_boy factory (``DjangoModelFactory`` and the like)."""
    return any(base.rpartition(".")[2].endswith("Factory") for base in bases)


#: Shortcuts that take a model class first and lookups as keywords.
MODEL_SHORTCUTS: FrozenSet[str] = frozenset({"get_object_or_404", "get_list_or_404"})


def _toggle(function: str, kind: Kind, api: ApiName, **options: object) -> Api:
    """An edx-toggles API (under edx-toggles' and edx-platform's modules)."""
    return Api(EDX, function, kind, api, role="toggle", **options)  # type: ignore[arg-type]


APIS: Tuple[Api, ...] = (
    Api(WAFFLE, "flag_is_active", "flag", "flag_is_active", position=1, keyword="flag_name"),
    Api(WAFFLE, "switch_is_active", "switch", "switch_is_active", keyword="switch_name"),
    Api(WAFFLE, "sample_is_active", "sample", "sample_is_active", keyword="sample_name"),
    Api(WAFFLE, "waffle_flag", "flag", "waffle_flag", keyword="flag_name", negatable=True, role="decorator"),
    Api(WAFFLE, "waffle_switch", "switch", "waffle_switch", keyword="switch_name", negatable=True, role="decorator"),
    Api(WAFFLE, "override_flag", "flag", "override_flag", keyword="name", test_helper=True, role="override"),
    Api(WAFFLE, "override_switch", "switch", "override_switch", keyword="name", test_helper=True, role="override"),
    Api(WAFFLE, "override_sample", "sample", "override_sample", keyword="name", test_helper=True, role="override"),
    Api(WAFFLE, "set_flag", "flag", "set_flag", position=1, keyword="flag_name", role="set"),
    Api(WAFFLE, "get_waffle_flag_model", "flag", "model-get", form="model-getter", position=None, role="model"),
    Api(WAFFLE, "get_waffle_switch_model", "switch", "model-get", form="model-getter", position=None, role="model"),
    Api(WAFFLE, "get_waffle_sample_model", "sample", "model-get", form="model-getter", position=None, role="model"),
    # edx-toggles and edx-platform's subclasses: the constructor names the toggle.
    _toggle("WaffleFlag", "flag", "edx-toggles", form="toggle", keyword="name"),
    _toggle("WaffleSwitch", "switch", "edx-toggles", form="toggle", keyword="name"),
    _toggle("NonNamespacedWaffleFlag", "flag", "edx-toggles", form="toggle", keyword="name"),
    _toggle("NonNamespacedWaffleSwitch", "switch", "edx-toggles", form="toggle", keyword="name"),
    _toggle("CourseWaffleFlag", "flag", "edx-toggles", form="toggle", keyword="name"),
    _toggle("ExperimentWaffleFlag", "flag", "edx-toggles", form="toggle", keyword="name"),
    _toggle("LegacyWaffleFlag", "flag", "edx-toggles", form="legacy-toggle", position=1, keyword="flag_name"),
    _toggle("LegacyWaffleSwitch", "switch", "edx-toggles", form="legacy-toggle", position=1, keyword="switch_name"),
    _toggle("LegacyCourseWaffleFlag", "flag", "edx-toggles", form="legacy-toggle", position=1, keyword="flag_name"),
    _toggle("WaffleFlagNamespace", "flag", "edx-toggles", form="toggle-namespace", keyword="name"),
    _toggle("WaffleSwitchNamespace", "switch", "edx-toggles", form="toggle-namespace", keyword="name"),
    _toggle("LegacyWaffleFlagNamespace", "flag", "edx-toggles", form="toggle-namespace", keyword="name"),
    _toggle("LegacyWaffleSwitchNamespace", "switch", "edx-toggles", form="toggle-namespace", keyword="name"),
    _toggle("override_waffle_flag", "flag", "override_waffle_flag", form="toggle-override", test_helper=True),
    _toggle("override_waffle_switch", "switch", "override_waffle_switch", form="toggle-override", test_helper=True),
)

MIXINS: Tuple[Mixin, ...] = (
    Mixin(WAFFLE, "WaffleFlagMixin", "waffle_flag", "flag"),
    Mixin(WAFFLE, "WaffleSwitchMixin", "waffle_switch", "switch"),
    Mixin(WAFFLE, "WaffleSampleMixin", "waffle_sample", "sample"),
)

#: waffle's model classes (concrete and abstract); a project subclass of any of them is a model of that kind.
MODELS: Mapping[str, Kind] = {
    "waffle.models.Flag": "flag",
    "waffle.models.AbstractUserFlag": "flag",
    "waffle.models.AbstractBaseFlag": "flag",
    "waffle.models.Switch": "switch",
    "waffle.models.AbstractBaseSwitch": "switch",
    "waffle.models.Sample": "sample",
    "waffle.models.AbstractBaseSample": "sample",
}

#: waffle's management commands that name one object (its name is their first positional argument) and their kind.
COMMANDS: Mapping[str, Kind] = {"waffle_flag": "flag", "waffle_switch": "switch", "waffle_sample": "sample"}
#: ``waffle_delete``: each option starts a list of names of one kind; the keyword form uses the options' ``dest``.
DELETE_COMMAND = "waffle_delete"
DELETE_OPTIONS: Mapping[str, Kind] = {"--flags": "flag", "--switches": "switch", "--samples": "sample"}
DELETE_KEYWORDS: Mapping[str, Kind] = {"flag_names": "flag", "switch_names": "switch", "sample_names": "sample"}
#: Options of the commands (and Django's own) that take the next argument as their value.
COMMAND_VALUE_OPTIONS: FrozenSet[str] = frozenset(
    {"--settings", "--pythonpath", "-v", "--verbosity", "--percent", "-p", "--group", "-g", "--user", "-u"}
)
#: Options after which a command names no object (``waffle_flag --list``).
COMMAND_LIST_OPTIONS: FrozenSet[str] = frozenset({"-l", "--list"})
#: Commands that create a missing object even without ``--create`` (``waffle_switch`` uses update_or_create).
ALWAYS_CREATES: FrozenSet[str] = frozenset({"waffle_switch"})
#: Where Django's ``call_command`` lives (``management.call_command`` too).
CALL_COMMAND = "django.core.management.call_command"
#: Programs that run Django's management commands (the word before the command's name): a path ending in one.
MANAGEMENT_PROGRAMS: Tuple[str, ...] = ("manage.py", "django-admin", "django-admin.py")
#: Names of Python callables that run shell commands given as arguments (``c.run(...)``, ``subprocess.run``,
#: ``os.system``, fabric's ``local``/``sudo``, tutor's ``run_task`` and ``CLI_DO_INIT_TASKS.add_item``): a waffle
#: command in such a string or argv list is a reference. Output functions (``print``, logging) are not runners.
COMMAND_RUNNERS = re.compile(
    r"run|exec|system|call|popen|spawn|task|command|local|sudo|shell|output|add_item|^sh$", re.IGNORECASE
)


#: What edx-platform's ``manage.py`` takes before the command: the service (``./manage.py lms waffle_flag ...``).
MANAGE_SERVICES: FrozenSet[str] = frozenset({"lms", "cms"})


def runs_management(before: Sequence[Optional[str]], program: Optional[Callable[[int], bool]] = None) -> bool:
    """Whether the words before a command's name run Django's management commands (``./manage.py``,
    ``django-admin``, ``python -m django``, edx-platform's ``./manage.py lms --settings=x``).

    None stands for a word only runtime knows; `program` says whether such a word (by index) is a program that
    runs them (a ``$(MANAGE)`` variable).
    """
    index = len(before) - 1
    while index >= 0:  # options of the program itself: --settings=x, --settings x
        word = before[index]
        if word is not None and word.startswith("-"):
            index -= 1
        elif index >= 1 and before[index - 1] in COMMAND_VALUE_OPTIONS:
            index -= 2
        else:
            break
    if index >= 0 and before[index] in MANAGE_SERVICES:
        index -= 1
    if index < 0:
        return False
    word = before[index]
    if word is None:
        return program is not None and program(index)
    if word.rsplit("/", 1)[-1] in MANAGEMENT_PROGRAMS:
        return True
    return word == "django" and index >= 1 and before[index - 1] == "-m"


@dataclass(frozen=True)
class CommandTarget:
    """An argument of a waffle management command that names an object, and what the command does to it."""

    index: int
    """Which argument (0 is the first after the command's name)."""
    kind: Kind
    action: CommandAction
    prefix: int = 0
    """Characters of the argument before the name (``--flags=name``: 8)."""


def command_targets(command: str, arguments: Sequence[Optional[str]], create: bool = False) -> List[CommandTarget]:
    """The arguments of ``command`` that name objects, parsed the way waffle's commands parse them.

    `arguments` are the words after the command's name: their text, or None for one only runtime knows (taken as
    a positional argument: a name). `create` says ``--create`` was given another way (``create=True``).
    """
    if command == DELETE_COMMAND:
        return _delete_targets(arguments)
    kind = COMMANDS.get(command)
    if kind is None:
        return []
    positionals: List[int] = []
    listing = False
    options_done = False
    skip = False
    for index, argument in enumerate(arguments):
        if skip:
            skip = False
            continue
        if argument is None or options_done or not argument.startswith("-") or argument == "-":
            positionals.append(index)
        elif argument == "--":
            options_done = True
        elif argument in COMMAND_LIST_OPTIONS:
            listing = True
        elif argument == "--create":
            create = True
        elif argument in COMMAND_VALUE_OPTIONS:
            skip = True
    if listing or not positionals:
        return []
    action: CommandAction = "create" if create or command in ALWAYS_CREATES else "change"
    return [CommandTarget(positionals[0], kind, action)]


def _delete_targets(arguments: Sequence[Optional[str]]) -> List[CommandTarget]:
    """``waffle_delete --flags a b --switches c``: every name after a list option, with that option's kind."""
    targets: List[CommandTarget] = []
    current: Optional[Kind] = None
    skip = False
    for index, argument in enumerate(arguments):
        if skip:
            skip = False
            continue
        if argument is not None and argument.startswith("-") and argument != "-":
            option, equals, value = argument.partition("=")
            current = DELETE_OPTIONS.get(option)
            if current is not None and equals:
                targets.append(CommandTarget(index, current, "delete", len(option) + 1))
                current = None  # ``--flags=a`` takes exactly one value
            skip = option in COMMAND_VALUE_OPTIONS and not equals
        elif current is not None:
            targets.append(CommandTarget(index, current, "delete"))
    return targets


#: Model labels as ``apps.get_model`` and dumpdata spell them (lower-case ``app_label.model``).
MODEL_LABELS: Mapping[str, Kind] = {"waffle.flag": "flag", "waffle.switch": "switch", "waffle.sample": "sample"}


@dataclass(frozen=True)
class Catalogue:
    """The API table in force for one run: waffle's surface plus the project's wrappers and models."""

    apis: Tuple[Api, ...] = APIS
    mixins: Tuple[Mixin, ...] = MIXINS
    models: Mapping[str, Kind] = field(default_factory=lambda: dict(MODELS))
    model_labels: Mapping[str, Kind] = field(default_factory=lambda: dict(MODEL_LABELS))
    exact: Mapping[str, Api] = field(default_factory=dict)
    """APIs known by their exact dotted name: configured wrappers and re-exports found in the project."""
    template_functions: Tuple[TemplateFunction, ...] = ()
    """Jinja2 globals the project registers that check a flag (derivation finds them), for the template collector."""

    def lookup(self, qualname: str) -> Optional[Api]:
        """The API a dotted callee name refers to, if any.

        Exact names also match as a suffix (``src.myapp.utils.is_on`` for ``myapp.utils.is_on``): a project's
        modules may be named from a directory above the one its imports start from.
        """
        found = self.exact.get(qualname)
        if found is not None:
            return found
        function = qualname.rpartition(".")[2]
        if function in self._exact_leaves:
            for key, api in self.exact.items():
                if qualname.endswith("." + key):
                    return api
        if function not in _FUNCTION_NAMES:
            return None
        for api in self.apis:
            if api.matches(qualname):
                return api
        return None

    @cached_property
    def _exact_leaves(self) -> FrozenSet[str]:
        return frozenset(key.rpartition(".")[2] for key in self.exact)

    def role_of(self, api: ApiName, wrapper: Optional[str] = None) -> Optional[Role]:
        """The role of the API a reference names (a wrapper's, by its dotted name); None for no call (a tag)."""
        if api == "model-get":
            return "model"
        if api == "edx-toggles-check":
            return "toggle"
        if api == "waffle-command":
            return "command"
        return self._roles.get(wrapper if api == "wrapper" and wrapper else api)

    @cached_property
    def _roles(self) -> Dict[str, Role]:
        roles: Dict[str, Role] = {}
        for api in (*self.apis, *self.exact.values()):
            roles.setdefault(api.wrapper or api.api, api.role)
        return roles

    def model_kind(self, qualname: str) -> Optional[Kind]:
        """The kind of a waffle model class named by a dotted name."""
        return self.models.get(qualname)

    def mixin(self, qualname: str) -> Optional[Mixin]:
        """The waffle mixin a dotted base-class name refers to, if any."""
        module, _, cls = qualname.rpartition(".")
        for mixin in self.mixins:
            if cls == mixin.cls and any(module == m or module.startswith(m + ".") for m in mixin.modules):
                return mixin
        return None

    def with_additions(
        self,
        exact: Mapping[str, Api] = {},
        models: Mapping[str, Kind] = {},
        model_labels: Mapping[str, Kind] = {},
        template_functions: Iterable[TemplateFunction] = (),
    ) -> "Catalogue":
        """A catalogue extended with exact APIs (wrappers, re-exports), custom models, model labels and template
        functions (Jinja2 globals)."""
        functions = tuple(sorted({*self.template_functions, *template_functions}, key=repr))
        return Catalogue(
            apis=self.apis,
            mixins=self.mixins,
            models={**self.models, **models},
            model_labels={**self.model_labels, **{k.lower(): v for k, v in model_labels.items()}},
            exact={**self.exact, **exact},
            template_functions=functions,
        )

    @cached_property
    def tokens(self) -> FrozenSet[str]:
        """Words whose presence in a file's bytes means it may hold a reference (the prefilter's list).

        waffle's own model names (``Flag``, ``Switch``...) and ``get_model`` are left out: using waffle's models
        means importing from waffle (the word ``waffle``), and project models found during a scan (subclasses,
        swapped models) add their names as new words then. Configured models and wrappers are words.
        """
        words = set(_FUNCTION_NAMES) | {m.attribute for m in self.mixins} | {"waffle"} | set(TOGGLE_METHODS)
        words |= {name.rpartition(".")[2] for name in self.exact}
        words |= {name.rpartition(".")[2] for name in self.models if name not in MODELS}
        return frozenset(words)

    @cached_property
    def prefilter(self) -> "Prefilter":
        """The bytes test for "may this file hold a reference?" with this catalogue's words."""
        return Prefilter.of(self.tokens)

    @cached_property
    def key(self) -> str:
        """A key for everything in this catalogue that changes what Python collection produces (for the cache);
        template collection has `template_key`."""
        material = repr(
            (
                sorted((name, repr(api)) for name, api in self.exact.items()),
                sorted(self.models.items()),
                sorted(self.model_labels.items()),
            )
        )
        return hashlib.blake2b(material.encode(), digest_size=12).hexdigest()

    @cached_property
    def template_key(self) -> str:
        """A key for what changes template collection: the template functions ("base" when there are none)."""
        if not self.template_functions:
            return "base"
        material = repr(self.template_functions).encode()
        return hashlib.blake2b(material, digest_size=12).hexdigest()


@dataclass(frozen=True)
class Prefilter:
    """Whether a file's bytes hold one of some words: cheap substrings first, then one regex (no word boundaries:
    a cheap superset is enough, the collector decides)."""

    quick: Tuple[bytes, ...]
    pattern: "re.Pattern[bytes]"

    @classmethod
    def of(cls, words: Iterable[str]) -> "Prefilter":
        """The prefilter for `words`; the quick substrings cover them (``waffle`` covers ``WaffleFlag``...)."""
        covers = ("waffle", "Waffle", "_is_active", "override_", "set_flag", "is_enabled")
        unique = sorted(set(words), key=len, reverse=True)
        quick = {next((cover for cover in covers if cover in word), word) for word in unique}
        pattern = re.compile(b"|".join(re.escape(word.encode()) for word in unique) or b"(?!)")
        return cls(tuple(sorted(word.encode() for word in quick)), pattern)

    def candidate(self, data: bytes) -> bool:
        """Whether `data` holds one of the words."""
        return any(word in data for word in self.quick) and self.pattern.search(data) is not None


_FUNCTION_NAMES: FrozenSet[str] = frozenset(api.function for api in APIS)


def wrapper_api(
    qualname: str,
    kind: Kind,
    position: Optional[int],
    keyword: Optional[str],
    attribute: Optional[str] = None,
    role: Role = "check",
) -> Api:
    """An `Api` for a project's own helper that forwards a name to waffle (from ``[tool.flaglint.wrappers]``)."""
    module, _, function = qualname.rpartition(".")
    return Api(
        (module,),
        function,
        kind,
        "wrapper",
        position=position,
        keyword=keyword,
        attribute=attribute,
        role=role,
        wrapper=qualname,
    )


def apis_by_function(apis: Iterable[Api]) -> Dict[str, Tuple[Api, ...]]:
    """Group APIs by their function name, for documentation and the rewriter."""
    grouped: Dict[str, Tuple[Api, ...]] = {}
    for api in apis:
        grouped[api.function] = grouped.get(api.function, ()) + (api,)
    return grouped
