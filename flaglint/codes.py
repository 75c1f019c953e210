"""The one registry of diagnostic codes. A code never changes meaning; retired codes are never reused.

FL0xx: input flaglint could not read. FL1xx: per reference (also reported by the flake8 plugin).
FL2xx: project-wide, over every reference and every inventory (CLI only: they need the whole project).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Literal, Tuple

from flaglint.model import Severity

Scope = Literal["file", "reference", "project"]


@dataclass(frozen=True)
class Code:
    """A diagnostic code with its documentation (what, why, a bad and a good example)."""

    code: str
    name: str
    severity: Severity
    scope: Scope
    message: str
    summary: str
    why: str
    bad: str
    good: str
    default: bool = True
    """Reported unless deselected; a code with False is reported only when --select names it (or a prefix)."""

    def format(self, **values: object) -> str:
        """The message with its placeholders filled."""
        return self.message.format(**values)


CODES: Tuple[Code, ...] = (
    Code(
        "FL001",
        "unreadable-file",
        "error",
        "file",
        "{detail}",
        "A file could not be read or parsed, so references in it may be missed.",
        "flaglint cannot see references in a file it cannot parse; while such a file exists, "
        "'safe to remove' verdicts are not certain.",
        "print 'hello'   # Python 2 code in a Python 3 project",
        "print('hello')",
    ),
    Code(
        "FL002",
        "unused-suppression",
        "warning",
        "file",
        "this suppression of {what} suppresses nothing",
        "A `# noqa: FL...` or `flaglint: ignore[...]` comment that no longer suppresses any finding "
        "(reported with --report-unused-ignores).",
        "A stale suppression hides the next real finding on that line.",
        "if flag_is_active(request, 'kept'):  # flaglint: ignore[FL101]  (kept is no longer retired)",
        "if flag_is_active(request, 'kept'):",
    ),
    Code(
        "FL003",
        "skipped-file",
        "warning",
        "file",
        "{detail}",
        "A file skipped because it is larger than `max-file-size` (a bundle, generated code).",
        "Its references, if any, are not seen. Exclude the file, or raise the limit if it is source.",
        "static/vendor/bundle.js  # 12 MB, minified",
        'exclude = ["static/vendor"]  # in [tool.flaglint]',
    ),
    Code(
        "FL004",
        "unscanned-directory",
        "warning",
        "file",
        "{detail}",
        "A directory flaglint did not scan: a symbolic link to a directory outside the scanned paths, or a git "
        "submodule that is not checked out.",
        "References behind it are not seen, so no flag can be called safe to delete while it is there "
        "(`check-delete` refuses).",
        "vendor/shared -> ../../shared-lib  # a link out of the project",
        'paths = [".", "../shared-lib"]  # scan the target too (or `exclude` the link on purpose)',
    ),
    Code(
        "FL101",
        "retired-flag-referenced",
        "error",
        "reference",
        "{kind} '{name}' is scheduled for deletion ({why}) but is still referenced here",
        "A flag, switch or sample scheduled for deletion is still referenced.",
        "Deleting it from the database does not raise anywhere: waffle quietly answers 'off' (or the "
        "WAFFLE_*_DEFAULT) and the feature silently changes for every user. Remove the reference first.",
        "if flag_is_active(request, 'new_checkout'):  # new_checkout is in the retirement plan",
        "# the check is removed and the kept branch inlined before the flag is deleted",
    ),
    Code(
        "FL102",
        "missing-from-environment",
        "error",
        "reference",
        "{kind} '{name}' is missing from {environments}{present_note}",
        "A referenced flag, switch or sample does not exist in an environment's inventory.",
        "A missing object reads as 'off' without any error: in that environment the code behind it never "
        "runs. Create it there, or remove the reference. (Test code is not checked: tests create their own.)",
        "switch_is_active('new_search')  # prod's export has no switch 'new_search'",
        "switch_is_active('new_search')  # after `manage.py waffle_switch new_search on --create` in prod",
    ),
    Code(
        "FL103",
        "kind-mismatch",
        "error",
        "reference",
        "'{name}' is checked as a {kind} here, but {environments} {verb} it as a {other}",
        "A switch API is used on a name an environment knows as a flag (or any such mix-up).",
        "waffle looks switches, flags and samples up in different tables: the wrong API never finds the "
        "object and answers 'off'.",
        "switch_is_active('beta_ui')  # beta_ui is a flag",
        "flag_is_active(request, 'beta_ui')",
    ),
    Code(
        "FL104",
        "dynamic-reference",
        "warning",
        "reference",
        "the {kind} name {expression} cannot be resolved statically{pattern_note}",
        "A reference whose name only runtime knows.",
        "flaglint cannot tell which flags this reference keeps alive, so no inventory entry its pattern could "
        "match is ever called safe to remove. Prefer literal names or module constants.",
        "flag_is_active(request, f'{prefix}_checkout')",
        "flag_is_active(request, NEW_CHECKOUT_FLAG)  # NEW_CHECKOUT_FLAG = 'shop_checkout'",
    ),
    Code(
        "FL105",
        "dynamic-reference-may-name-retired",
        "warning",
        "reference",
        "this dynamic {kind} reference ({expression}) could name '{name}', which is scheduled for deletion",
        "A dynamic reference whose pattern matches a name scheduled for deletion.",
        "If it produces that name at runtime, deleting the object changes behaviour silently.",
        "waffle.switch_is_active('payments_' + provider)  # 'payments_paypal' is being retired",
        "PROVIDERS = ('stripe', 'adyen')  # make sure no value can still produce 'payments_paypal'",
    ),
    Code(
        "FL201",
        "stale-inventory-entry",
        "warning",
        "project",
        "{kind} '{name}' in {environments} is not referenced anywhere: safe to remove{caveat}",
        "An inventory entry that no code, template, JavaScript or test references.",
        "Stale flags clutter the admin and invite mistakes; this one can be deleted.",
        "# prod holds switch 'old_banner'; nothing references it",
        "# delete it: manage.py waffle_delete --switches old_banner",
    ),
    Code(
        "FL202",
        "referenced-only-from-tests-or-migrations",
        "warning",
        "project",
        "{kind} '{name}' in {environments} is referenced only from tests or data migrations ({tests}): "
        "no production code reads it",
        "An inventory entry referenced only by test code or data migrations.",
        "No production code reads it any more: it can be deleted, and the tests that override it go with it "
        "(data migrations that created it stay in history).",
        "@override_flag('old_flow', active=True)  # the only reference left",
        "# delete the test, then the flag",
    ),
    Code(
        "FL203",
        "stale-entry-matched-by-dynamic-reference",
        "warning",
        "project",
        "{kind} '{name}' in {environments} has no reference by name, but {references} could produce it: "
        "not safe to remove",
        "An inventory entry that only a dynamic reference could name.",
        "Without a named reference it looks stale, yet a dynamic reference may produce its name at runtime.",
        "flag_is_active(request, 'ns.' + name)  # and the inventory holds 'ns.beta'",
        "flag_is_active(request, NS_BETA)  # name it, or check by hand before deleting",
    ),
    Code(
        "FL204",
        "environment-drift",
        "warning",
        "project",
        "{kind} '{name}' is in {present} but not in {absent}",
        "A name that some environments' inventories hold and others lack.",
        "Environments that disagree are how a flag gets deleted from production while dev still has it; code "
        "that reads it then behaves differently per environment (FL102 reports such references).",
        "# dev holds switch 'new_search', prod does not",
        "# create it in prod (or delete it from dev) so the environments agree",
        default=False,
    ),
    Code(
        "FL205",
        "deleted-while-referenced",
        "error",
        "project",
        "this {command} deletes {kind} '{name}', which non-test code still references ({references}): "
        "running it switches the feature off",
        "A `waffle_delete` (in a script, a Makefile, CI, a Dockerfile, or `call_command`) of a name that "
        "non-test code still references.",
        "Deleting a flag raises nowhere: waffle quietly answers 'off' (or the WAFFLE_*_DEFAULT) wherever the "
        "code still checks it, so the script that runs this command causes the outage. Remove the references "
        "first (`flaglint remove`), then delete.",
        "manage.py waffle_delete --switches new_search  # views.py still calls switch_is_active('new_search')",
        "# flaglint remove new_search --keep-on --write, then: manage.py waffle_delete --switches new_search",
    ),
)

BY_CODE: Dict[str, Code] = {code.code: code for code in CODES}


def code(identifier: str) -> Code:
    """The registry entry of a code (KeyError for an unknown one)."""
    return BY_CODE[identifier]


def known_selector(selector: str) -> bool:
    """Whether a ``--select``/``--ignore`` entry names a code or a prefix of one (``FL1``, ``FL``, ``FL101``)."""
    return bool(selector) and any(entry.code.startswith(selector) for entry in CODES)


def selected(identifier: str, select: Tuple[str, ...], ignore: Tuple[str, ...]) -> bool:
    """flake8-style selection: prefixes, the longest matching prefix wins between select and ignore.

    Codes that are off by default (FL204) are reported only when `select` names them.
    """
    entry = BY_CODE.get(identifier)
    on_by_default = entry is None or entry.default
    chosen = max((len(s) for s in select if identifier.startswith(s)), default=-1 if select or not on_by_default else 0)
    dropped = max((len(i) for i in ignore if identifier.startswith(i)), default=-1)
    return chosen >= 0 and chosen >= dropped
