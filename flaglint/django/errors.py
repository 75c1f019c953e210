"""`FlagInUse`: what the deletion guard raises, a `ProtectedError` so existing handlers of protected deletes work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Optional, Sequence, Tuple

from django.db.models import ProtectedError

from flaglint.model import Kind, Reference

#: How many references a message names per flag (the admin page lists them all).
SHOWN = 3


@dataclass(frozen=True)
class Refusal:
    """Why one name may not be deleted or renamed: the code that uses it, or the manifest that could not be read."""

    kind: Kind
    name: str
    references: Tuple[Reference, ...] = ()
    problem: Optional[str] = None
    """Set when the manifest is unavailable: then nothing can be confirmed and the guard refuses (block mode)."""

    def where(self, limit: Optional[int] = SHOWN) -> str:
        """``store/views.py:12 (flag_is_active), ...`` or the problem."""
        if self.problem:
            return self.problem
        shown = [describe(r) for r in (self.references[:limit] if limit else self.references)]
        more = len(self.references) - len(shown)
        return ", ".join(shown) + (f" and {more} more" if more > 0 else "")

    def sentence(self, action: str = "delete") -> str:
        """One refusal as a sentence."""
        verb, _, rest = action.partition(" ")  # "rename to 'x'" reads "cannot rename flag 'y' to 'x'"
        what = f"cannot {verb} {self.kind} {self.name!r}" + (f" {rest}" if rest else "")
        if self.problem:
            return f"{what}: {self.problem}"
        return f"{what}: the code still uses it at {self.where()}"


def describe(reference: Reference) -> str:
    """``path:line (api)``, with the pattern for a dynamic reference."""
    detail = reference.label
    if reference.name is None:
        detail += f", dynamic name matching {reference.pattern!r}"
    return f"{reference.path}:{reference.line} ({detail})"


class FlagInUse(ProtectedError):  # type: ignore[misc]  # Django ships no type information
    """A flag, switch or sample the code still references may not be deleted (or renamed); the database is unchanged.

    `refusals` names every blocking flag and its references; `protected_objects` are the model instances (or the
    queryset), as `ProtectedError` has them.
    """

    def __init__(self, refusals: Sequence[Refusal], protected_objects: Iterable[Any], action: str = "delete"):
        self.refusals = tuple(refusals)
        self.action = action
        names = ", ".join(repr(r.name) for r in self.refusals)
        message = "; ".join(r.sentence(action) for r in self.refusals)
        hint = (
            f" (flaglint guard; to {action} anyway: `with flaglint.django.allow_delete({names}):`)"
            if not any(r.problem for r in self.refusals)
            else ""
        )
        super().__init__(message + hint, protected_objects)

    @property
    def names(self) -> Tuple[str, ...]:
        """The names refused, in order."""
        return tuple(r.name for r in self.refusals)
