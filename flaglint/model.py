"""Every data type flaglint passes between its parts, in one place.

Collectors produce `Reference`s, loaders produce `Inventory`s, checks produce `Diagnostic`s, and anything that
goes wrong with one input file is a `FileProblem` (data, never an exception that ends the run). All types are
frozen and picklable so that collection can run in worker processes and be cached.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property
from typing import Dict, List, Literal, Mapping, Optional, Tuple, Union

Kind = Literal["flag", "switch", "sample"]
KINDS: Tuple[Kind, ...] = ("flag", "switch", "sample")

Source = Literal["python", "django-template", "jinja2", "javascript", "script"]
"""Where a reference was found; ``script`` is an ops file (shell, Makefile, Dockerfile, Procfile, CI YAML ...)."""
ApiName = Literal[
    "flag_is_active",
    "switch_is_active",
    "sample_is_active",
    "set_flag",
    "waffle_flag",
    "waffle_switch",
    "mixin-attr",
    "override_flag",
    "override_switch",
    "override_sample",
    "model-get",
    "edx-toggles",
    "edx-toggles-check",
    "override_waffle_flag",
    "override_waffle_switch",
    "tag",
    "jinja-call",
    "js-call",
    "wrapper",
    "waffle-command",
]
"""What refers to a name: waffle's function or helper, a template form, a project's wrapper (`wrapper`), or one of
waffle's management commands (`waffle-command`: ``manage.py waffle_switch NAME on``, ``call_command(...)``)."""
CommandAction = Literal["create", "change", "delete"]
"""What a waffle management command does to the object it names: creates it when missing (``--create``;
``waffle_switch`` always does), changes an existing one (it fails when the object is missing), or deletes it
(``waffle_delete``)."""
Severity = Literal["error", "warning"]


class ExitCode(IntEnum):
    """What a run's exit status means; built in one place (`flaglint.cli`)."""

    CLEAN = 0
    """Nothing to report (or the deletion gate confirmed the names are safe to delete)."""
    FINDINGS = 1
    """Findings (or the gate found references)."""
    ERROR = 2
    """A usage, configuration or input error, or the gate could not confirm (a file it could not read)."""


JsonValue = Union[None, bool, int, float, str, List["JsonValue"], Dict[str, "JsonValue"]]
"""A value as `json` reads and writes it."""

#: The wildcard used in `Reference.pattern` for a part of a name only runtime knows.
WILDCARD = "*"


@dataclass(frozen=True)
class Reference:
    """One place where code names a waffle flag, switch or sample.

    `name` is the runtime name (without a leading "!") or None when it cannot be determined statically; then
    `pattern` holds what is known of it, with `WILDCARD` for the unknown parts (``"ns.*"``, or ``"*"``).
    Lines and columns are 1-based and point at the name expression (the literal, the constant, the tag).
    """

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    kind: Kind
    name: Optional[str]
    expression: str
    source: Source
    api: ApiName
    test: bool = False
    negated: bool = False
    pattern: Optional[str] = None
    migration: bool = False
    """In a data migration: it creates or deletes the object by name, it does not read it at runtime."""
    wrapper: Optional[str] = None
    """For `api` ``wrapper``: the wrapper's dotted name (configured, or found: a function that forwards a name)."""
    reason: Optional[str] = None
    """For a dynamic reference: why the name could not be resolved, and what would resolve it."""
    command: Optional[CommandAction] = None
    """For api ``waffle-command``: what the command does to the object (a deletion keeps no flag alive)."""

    @property
    def deletes(self) -> bool:
        """A ``waffle_delete`` of the name: it deletes the object, it does not use it."""
        return self.command == "delete"

    @property
    def label(self) -> str:
        """The API as reports and the JSON contract spell it (``flag_is_active``, ``wrapper:app.utils.is_on``)."""
        return f"wrapper:{self.wrapper}" if self.api == "wrapper" else self.api

    @property
    def dynamic(self) -> bool:
        """True when only runtime knows the name."""
        return self.name is None

    def could_be(self, name: str) -> bool:
        """Whether this reference could name `name` at runtime."""
        if self.name is not None:
            return self.name == name
        return pattern_matches(self.pattern or WILDCARD, name)


def pattern_matches(pattern: str, name: str) -> bool:
    """Match `name` against a pattern whose only special character is `WILDCARD`."""
    regex = ".*".join(re.escape(part) for part in pattern.split(WILDCARD))
    return re.fullmatch(regex, name, flags=re.DOTALL) is not None


@dataclass(frozen=True)
class FileProblem:
    """An input file flaglint could not read or parse; reported, never fatal."""

    path: str
    message: str
    line: int = 1
    column: int = 1
    code: str = "FL001"
    """FL001: could not be read or parsed; FL003: over the size limit; FL004: a directory not scanned."""


@dataclass(frozen=True)
class InventoryEntry:
    """One flag, switch or sample as an environment's export lists it."""

    kind: Kind
    name: str
    state: Optional[str] = None
    created: Optional[str] = None
    modified: Optional[str] = None
    note: str = ""
    line: int = field(default=1, compare=False)
    """The line of the entry's name in its export file (from the parse), so findings can point at it."""


@dataclass(frozen=True)
class Inventory:
    """What one environment (``prod``, ``dev`` ...) holds, read from one export file."""

    environment: str
    path: str
    format: str
    entries: Tuple[InventoryEntry, ...]

    @cached_property
    def _kinds(self) -> Dict[str, Tuple[Kind, ...]]:
        kinds: Dict[str, Tuple[Kind, ...]] = {}
        for entry in self.entries:
            if entry.kind not in kinds.get(entry.name, ()):
                kinds[entry.name] = kinds.get(entry.name, ()) + (entry.kind,)
        return kinds

    def has(self, kind: Kind, name: str) -> bool:
        """Whether this environment holds `name` as `kind`."""
        return kind in self._kinds.get(name, ())

    def kinds_of(self, name: str) -> Tuple[Kind, ...]:
        """The kinds under which this environment holds `name`."""
        return self._kinds.get(name, ())


@dataclass(frozen=True)
class Retirement:
    """A flag scheduled for deletion: from the retirement plan, an export note marker, or ``--retiring``."""

    name: str
    kind: Optional[Kind] = None
    date: Optional[str] = None
    reason: str = ""
    origin: str = ""


class FlaglintError(Exception):
    """A problem with the input (usage, configuration, an inventory, a baseline): the CLI prints it, exit 2."""


class InventoryError(FlaglintError):
    """A malformed or unrecognised inventory file; carries the path and position of the problem."""

    def __init__(self, path: str, message: str, line: Optional[int] = None, column: Optional[int] = None):
        self.path = path
        self.message = message
        self.line = line
        self.column = column
        where = path if line is None else f"{path}:{line}" + ("" if column is None else f":{column}")
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Knowledge:
    """What the checks know besides the references: inventories and what is scheduled for deletion."""

    inventories: Tuple[Inventory, ...] = ()
    retirements: Tuple[Retirement, ...] = ()

    def retirement(self, kind: Kind, name: str) -> Optional[Retirement]:
        """The retirement that applies to (kind, name), if any."""
        for retirement in self.retirements:
            if retirement.name == name and retirement.kind in (None, kind):
                return retirement
        return None


DELETION_GROUPS = ("code", "templates", "javascript", "scripts", "tests", "dynamic")
"""Where blocking references come from; ``scripts`` are management commands that create or change the object
(ops files and ``call_command``): run after the deletion, they recreate it (or fail)."""


@dataclass(frozen=True)
class DeletionVerdict:
    """What stands between one name and its deletion: blocking references by group, and migrations (not blocking)."""

    name: str
    kinds: Tuple[Kind, ...]
    blocking: Mapping[str, Tuple[Reference, ...]]
    migrations: Tuple[Reference, ...]
    environments: Tuple[str, ...]
    """The environments whose inventory holds the name (empty when no inventory was given)."""
    deletions: Tuple[Reference, ...] = ()
    """``waffle_delete`` commands that delete the name (not blocking: they are the deletion)."""

    @property
    def safe(self) -> bool:
        """No code, template, JavaScript, script or test reference, and no dynamic reference that could produce it."""
        return not any(self.blocking.values())


@dataclass(frozen=True)
class Diagnostic:
    """One finding of a check, ready for any reporter."""

    code: str
    severity: Severity
    message: str
    path: str
    line: int
    column: int
    name: Optional[str] = None
    kind: Optional[Kind] = None
    environment: Optional[str] = None
    related: Tuple[Reference, ...] = field(default=())

    def sort_key(self) -> Tuple[str, int, int, str, str]:
        """Order diagnostics by place, then code, then name."""
        return (self.path, self.line, self.column, self.code, self.name or "")


# --- Symbolic values: what the Python collector knows about a name expression before cross-file resolution ---


@dataclass(frozen=True)
class Lit:
    """A string known at collection time."""

    value: str


@dataclass(frozen=True)
class Sym:
    """A dotted name to look up in the project (``apps.teams.flags.Flags.MCP.slug``), resolved across files."""

    qualname: str
    text: str


@dataclass(frozen=True)
class Attr:
    """An attribute of a value that is not a plain dotted name (``make()[0].slug`` is Unknown; ``obj.slug`` is this)."""

    base: "Value"
    attr: str


@dataclass(frozen=True)
class Item:
    """A constant index into a sequence value (``row[0]``, and each target of ``for name, active in ROWS``)."""

    base: "Value"
    index: int


@dataclass(frozen=True)
class Each:
    """Any one element of a sequence (the target of ``for name in NAMES``)."""

    of: "Value"


@dataclass(frozen=True)
class ToggleName:
    """The name an edx-toggles object (or namespace object, or plain string) stands for."""

    of: "Value"


@dataclass(frozen=True)
class Cat:
    """Concatenation (``+``, f-strings, ``%``, ``.format``) of parts."""

    parts: Tuple["Value", ...]


@dataclass(frozen=True)
class Alt:
    """One of several values (a loop over a sequence, a conditional expression, a reassigned name)."""

    options: Tuple["Value", ...]


@dataclass(frozen=True)
class Seq:
    """A tuple or list of values (``name__in=[...]``, ``for name in NAMES``)."""

    items: Tuple["Value", ...]


@dataclass(frozen=True)
class Construct:
    """A call that builds an object whose attributes may later name a flag (a dataclass, an edx-toggles object)."""

    callee: "Value"
    args: Tuple["Value", ...]
    kwargs: Tuple[Tuple[str, "Value"], ...]


@dataclass(frozen=True)
class Fallback:
    """``getattr(obj, "name", default)``: the attribute where it exists, else the default."""

    value: "Value"
    default: "Value"


@dataclass(frozen=True)
class Unknown:
    """A value only runtime knows; `text` is its source expression, `why` says what it is (a parameter ...)."""

    text: str
    why: str = ""


@dataclass(frozen=True)
class ClassInfo:
    """What resolution needs of a class: its bases and, for dataclasses and named tuples, its field order."""

    bases: Tuple[str, ...]
    fields: Optional[Tuple[str, ...]] = None


Value = Union[Lit, Sym, Attr, Item, Cat, Alt, Seq, Each, Construct, ToggleName, Fallback, Unknown]


@dataclass(frozen=True)
class PendingReference:
    """A Python reference whose name is still a symbolic `Value`; `resolve` turns it into `Reference`s."""

    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    kind: Kind
    value: "Value"
    expression: str
    api: ApiName
    test: bool
    negatable: bool
    inside_wrapper: bool = False
    """In the body of a declared wrapper: its call sites are the references, a dynamic name here is plumbing."""
    wrapper: Optional[str] = None
    toggle_use: bool = False
    """``obj.is_enabled()``: a reference only if `value` turns out to be an edx-toggles object (whose kind it takes)."""
    command: Optional[CommandAction] = None
    """For api ``waffle-command`` (``call_command("waffle_switch", ...)``): what the command does to the object."""


@dataclass(frozen=True)
class TemplateGlobal:
    """A callable a Jinja2 environment offers its templates under a name (``env.globals["on"] = is_on``).

    Found by the Python collector wherever a project registers globals (``.globals.update(...)``,
    ``.globals[name] = ...``, django-jinja's ``"globals"`` option, ``JINJA2_GLOBALS``); derivation decides whether
    `value` is one of waffle's functions (or a project's wrapper of one) and where the name argument is then.
    """

    name: str
    value: "Value"
    """The callable: a `Sym`, or a `Lit` holding the dotted path django-jinja imports."""
    line: int
    parameters: Optional[Tuple[str, ...]] = None
    """For a lambda (or a one-line function) forwarding to `value`: the parameters a template passes."""
    arguments: Tuple[int, ...] = ()
    """For a lambda: which parameter each positional argument of its call is (-1: something else)."""
    keywords: Tuple[Tuple[str, int], ...] = ()
    """For a lambda: which parameter each keyword argument of its call is (-1: something else)."""
    function: str = ""
    """For a one-line function of the module: its dotted name (derivation makes it a wrapper when it forwards)."""
    skipped: int = 0
    """Leading parameters a template does not pass (the context of a ``@pass_context`` function)."""


@dataclass(frozen=True)
class TemplateFunction:
    """A name a Jinja2 template can call to check a flag (``waffle_flag(request, 'x')``), and where its name is."""

    name: str
    """As the template spells it: a global (``waffle_flag``) or a dotted name (``waffle.flag_is_active``)."""
    kind: Kind
    position: Optional[int]
    keyword: Optional[str]
    api: ApiName
    wrapper: Optional[str] = None


@dataclass(frozen=True)
class ModuleSummary:
    """What the Python collector learns from one file: its references and what other files may import from it."""

    path: str
    module: str
    references: Tuple[PendingReference, ...] = ()
    symbols: Tuple[Tuple[str, "Value"], ...] = ()
    """Module-level names (``FOO``, ``Flags.MCP``) and their values."""
    imports: Tuple[Tuple[str, str], ...] = ()
    """Names bound by import statements and the dotted names they stand for."""
    classes: Tuple[Tuple[str, ClassInfo], ...] = ()
    problems: Tuple[FileProblem, ...] = ()
    star_imports: Tuple[str, ...] = ()
    """Modules whose names ``from M import *`` (or django-split-settings' ``include()``) bring in, in order."""
    runtime_attributes: int = 0
    """The line where module-level code writes the module's attributes (``globals()[k] = v``); 0 when none does."""
    template_globals: Tuple[TemplateGlobal, ...] = ()
    """Callables this module registers as Jinja2 globals, whatever they are (derivation picks waffle's)."""
    forwarders: Tuple[TemplateGlobal, ...] = ()
    """One-line functions of this module that forward a parameter to waffle's check (named by their own name and
    `TemplateGlobal.function`): a registration in another module (``env.globals["on"] = helpers.on``) uses them."""


@dataclass(frozen=True)
class ScanResult:
    """Everything a scan found: references in a stable order, the files it could not read, and counts."""

    references: Tuple[Reference, ...]
    problems: Tuple[FileProblem, ...]
    files_scanned: int
    files_parsed: int
    suppressions: Tuple["Suppression", ...] = ()
    """Every suppression comment naming flaglint codes in the files read (for ``--report-unused-ignores``)."""
    skipped: Tuple[FileProblem, ...] = ()
    """Directories not scanned (FL004: links out of the scanned paths, submodules not checked out)."""
    notes: Tuple[str, ...] = ()
    """Things the user should know about the run that are no findings (the cache was not used, and why)."""

    @property
    def complete(self) -> bool:
        """Whether every file that could hold a reference was read: only then may a name be called unreferenced."""
        return self.files_scanned > 0 and not self.problems and not self.skipped


@dataclass(frozen=True)
class Suppression:
    """A ``# noqa: FL101`` / ``flaglint: ignore[FL101]`` comment; no codes means every flaglint code."""

    path: str
    line: int
    codes: Tuple[str, ...] = ()
    text: str = ""


@dataclass(frozen=True)
class Note:
    """Something the user should look at that is no finding (a rewrite's checklist item): ``path:line: message``."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Manifest:
    """What a project's code references (``flaglint manifest``), shipped with a deploy for the Django app.

    Paths are relative to the project root and use ``/``. `complete` is False when some file could not be read
    (listed in `unreadable`): then a name missing from the manifest may still be used.
    """

    references: Tuple[Reference, ...]
    flaglint_version: str
    commit: Optional[str]
    created: str
    complete: bool
    files_scanned: int
    unreadable: Tuple[FileProblem, ...] = ()
    origin: str = ""
    """Where it came from: the manifest file's path, or ``scan of DIR`` (not part of the JSON document)."""

    def blocking(self, kind: Kind, name: str) -> Tuple[Reference, ...]:
        """References that stand in the way of deleting or renaming (kind, name): not tests, not migrations.

        Named references come from an index (a guarded delete of many flags stays cheap on a large manifest);
        dynamic ones are matched by pattern. In manifest order.
        """
        named, dynamic = self._blocking_index
        found = list(named.get((kind, name), ())) + [r for r in dynamic.get(kind, ()) if r.could_be(name)]
        order = self._order
        return tuple(sorted(found, key=lambda r: order[id(r)])) if dynamic.get(kind) else tuple(found)

    @cached_property
    def _blocking_index(
        self,
    ) -> Tuple[Dict[Tuple[Kind, str], List[Reference]], Dict[Kind, List[Reference]]]:
        named: Dict[Tuple[Kind, str], List[Reference]] = {}
        dynamic: Dict[Kind, List[Reference]] = {}
        for reference in self.references:
            if reference.test or reference.migration:
                continue
            if reference.name is None:
                dynamic.setdefault(reference.kind, []).append(reference)
            else:
                named.setdefault((reference.kind, reference.name), []).append(reference)
        return named, dynamic

    @cached_property
    def _order(self) -> Dict[int, int]:
        return {id(reference): index for index, reference in enumerate(self.references)}

    def named(self) -> Dict[Tuple[Kind, str], Tuple[Reference, ...]]:
        """Every (kind, name) the running code reads, with its references (tests and migrations left out)."""
        found: Dict[Tuple[Kind, str], List[Reference]] = {}
        for reference in self.references:
            if reference.name is not None and not reference.test and not reference.migration:
                found.setdefault((reference.kind, reference.name), []).append(reference)
        return {key: tuple(value) for key, value in found.items()}


# --- Results of the library calls (`flaglint.api`) ---


@dataclass(frozen=True)
class CheckResult:
    """`run_check`'s answer: diagnostics in report order, the scan, and what the summary counts."""

    diagnostics: Tuple[Diagnostic, ...]
    scan: ScanResult
    suppressed: int = 0
    baselined: int = 0


@dataclass(frozen=True)
class DeleteResult:
    """The deletion gate's answer for every name asked about."""

    verdicts: Tuple[DeletionVerdict, ...]
    scan: ScanResult
    unknown_names: Tuple[str, ...] = ()
    """Names no inventory holds (only when inventories were given): a typo?"""
    environments: Tuple[str, ...] = ()
    """The environments whose inventories were given."""

    @property
    def blocked(self) -> bool:
        """Some reference (or dynamic reference) stands in the way of some name."""
        return not all(verdict.safe for verdict in self.verdicts)

    @property
    def safe(self) -> bool:
        """No name is referenced, and the scan looked everywhere (something scanned, nothing unread or skipped)."""
        return not self.blocked and self.scan.complete


@dataclass(frozen=True)
class FileChange:
    """One file the removal rewrites: its content before and after."""

    path: str
    absolute: str
    before: bytes
    after: bytes


# --- Rewrites (``flaglint remove``): a closed union, so a file that could not be rewritten is data ---


@dataclass(frozen=True)
class Rewritten:
    """A file whose new content parses (with ``ast`` and libcst) and is ready to be written."""

    path: str
    before: bytes
    after: bytes
    notes: Tuple[Note, ...] = ()
    """Checklist items: what was not (or could not be) changed, and where."""
    removed_imports: Tuple[str, ...] = ()
    """Names whose imports the rewrite removed (a ``mock.patch("module.name...")`` elsewhere may need them)."""


@dataclass(frozen=True)
class Unchanged:
    """A file the rewrite leaves as it is (what it could not change is in `notes`)."""

    path: str
    notes: Tuple[Note, ...] = ()


@dataclass(frozen=True)
class Failed:
    """A file that could not be rewritten safely; it is left untouched and the removal is not safe."""

    path: str
    reason: str
    notes: Tuple[Note, ...] = ()


RewriteResult = Union[Rewritten, Unchanged, Failed]


@dataclass(frozen=True)
class RemoveResult:
    """What `run_remove` would change, what it left to the user, and the deletion gate's verdict afterwards."""

    name: str
    kind: Optional[Kind]
    changes: Tuple[FileChange, ...]
    checklist: Tuple[Note, ...]
    verdict: DeletionVerdict
    after: ScanResult
    failed: Tuple[Failed, ...] = ()
    """Files that could not be rewritten safely (left untouched): while there are any, the removal is not safe."""

    @property
    def safe(self) -> bool:
        """Nothing references the name any more, every file was rewritten safely and the scan looked everywhere."""
        return self.verdict.safe and not self.failed and self.after.complete


@dataclass(frozen=True)
class GeneratedModule:
    """One declaration: the module (or class) whose attributes a data file generates, and how to read it."""

    module: str
    file: str
    """The data file, absolute."""
    attribute: Optional[str] = None
    """The key of each record that holds the attribute's name (none: the file maps attributes to names)."""
    name: Optional[str] = None
    """The key of each record that holds the waffle name."""
    kind: Optional[Kind] = None
    """The kind of every entry (when the file is one list or one mapping)."""
    sections: Tuple[Tuple[str, Kind], ...] = ()
    """(section, kind): top-level keys (dotted for nested ones) whose lists or mappings hold entries of a kind."""


@dataclass(frozen=True)
class GeneratedName:
    """One generated attribute: ``features.ENABLE_GV`` is the flag ``gravy_waffle``."""

    attribute: str
    name: str
    kind: Kind
