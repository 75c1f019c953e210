"""The deletion guard: deleting or renaming a flag, switch or sample the manifest references is refused.

Three hooks, one decision (`refusals`):

- ``instance.delete()`` and ``QuerySet.delete()`` / ``.update(name=...)`` on the models' managers are checked
  *before* Django opens its transaction, so `FlagInUse` leaves even an enclosing ``transaction.atomic()`` usable;
- a ``pre_delete`` receiver catches every other path (related managers, a `Collector` of one's own); it raises
  inside Django's deletion transaction, which rolls back: nothing is deleted either way;
- a ``pre_save`` receiver refuses renaming (the old name disappears just as if deleted).

``FLAGLINT_GUARD``: ``block`` (default), ``warn`` (allowed, logged), ``off``. `allow_delete` lifts the guard for
named flags within a block, logged. Every refusal and override is logged on the ``flaglint`` logger.
"""

from __future__ import annotations

import contextlib
import logging
from contextvars import ContextVar
from typing import Any, Callable, Dict, FrozenSet, Iterator, List, Optional, Sequence

from flaglint.django.conf import app_settings
from flaglint.django.errors import FlagInUse, Refusal
from flaglint.manifest import ManifestError
from flaglint.model import Kind

logger = logging.getLogger("flaglint")

_ALLOWED: ContextVar[FrozenSet[str]] = ContextVar("flaglint_allowed", default=frozenset())
_CHECKED: ContextVar[FrozenSet[Any]] = ContextVar("flaglint_checked", default=frozenset())
"""Models whose current delete was checked before Django's transaction (the pre_delete receiver skips them)."""

_TEST_OVERRIDE: ContextVar[bool] = ContextVar("flaglint_test_override", default=False)
"""Set while waffle's ``override_flag`` (and co.) removes the row it created for a test: not a deletion to guard."""

#: The guarded concrete models and the kind each holds; filled by `install` (the app's ``ready()``).
GUARDED: Dict[Any, Kind] = {}


@contextlib.contextmanager
def allow_delete(*names: str, reason: str = "") -> Iterator[None]:
    """Let these names be deleted or renamed inside the block (each use is logged on the ``flaglint`` logger)."""
    logger.warning(
        "flaglint: deletion guard lifted for %s%s", ", ".join(map(repr, names)), f" ({reason})" if reason else ""
    )
    token = _ALLOWED.set(_ALLOWED.get() | frozenset(names))
    try:
        yield
    finally:
        _ALLOWED.reset(token)


def kind_of(model: Any) -> Optional[Kind]:
    """The kind a model (or a proxy of one) holds, None for any other model."""
    meta = getattr(model, "_meta", None)
    return GUARDED.get(getattr(meta, "concrete_model", None)) if meta is not None else None


def refusals(kind: Kind, names: Sequence[str]) -> List[Refusal]:
    """Why each of `names` may not go: code references, or an unavailable manifest (the guard cannot confirm)."""
    from flaglint.django.manifest import current_manifest

    try:
        manifest = current_manifest()
    except ManifestError as error:
        return [Refusal(kind, name, problem=f"flaglint cannot confirm it is unused: {error}") for name in names]
    found = []
    for name in dict.fromkeys(names):
        references = manifest.blocking(kind, name)
        if references:
            found.append(Refusal(kind, name, references))
    return found


def enforce(kind: Kind, names: Sequence[str], objects: Any, action: str = "delete") -> None:
    """Raise `FlagInUse` (block), log (warn) or do nothing (off, or nothing in use); overrides are logged."""
    mode = app_settings().guard
    if mode == "off" or not names or _TEST_OVERRIDE.get():
        return
    found = refusals(kind, names)
    allowed = _ALLOWED.get()
    for refusal in [r for r in found if r.name in allowed]:
        logger.warning("flaglint: allowed by allow_delete: %s", refusal.sentence(action))
    found = [r for r in found if r.name not in allowed]
    if not found:
        return
    if mode == "warn":
        for refusal in found:
            logger.warning("flaglint: FLAGLINT_GUARD=warn, allowed: %s", refusal.sentence(action))
        return
    for refusal in found:
        logger.error("flaglint: refused: %s", refusal.sentence(action))
    raise FlagInUse(found, objects, action)


@contextlib.contextmanager
def _checked(model: Any) -> Iterator[None]:
    token = _CHECKED.set(_CHECKED.get() | {model._meta.concrete_model})
    try:
        yield
    finally:
        _CHECKED.reset(token)


def _pre_delete(sender: Any, instance: Any, origin: Any = None, **kwargs: Any) -> None:
    """The safety net: every deletion Django's `Collector` performs passes here."""
    kind = kind_of(sender)
    if kind is None or sender._meta.concrete_model in _CHECKED.get():
        return
    from django.db.models import QuerySet

    if isinstance(origin, QuerySet) and kind_of(origin.model) == kind:
        if getattr(origin, "_flaglint_checked", False):
            return
        origin._flaglint_checked = True  # one verdict for the whole queryset, naming every blocked name
        enforce(kind, list(origin.values_list("name", flat=True)), origin)
        return
    enforce(kind, [instance.name], [instance])


def _pre_save(sender: Any, instance: Any, raw: bool = False, using: Any = None, **kwargs: Any) -> None:
    """Renaming an existing object removes its old name: refused like a deletion."""
    kind = kind_of(sender)
    update_fields = kwargs.get("update_fields")
    if kind is None or raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and "name" not in update_fields:
        return
    manager = sender._base_manager.using(using)
    old = manager.filter(pk=instance.pk).values_list("name", flat=True).first()
    if old is not None and old != instance.name:
        enforce(kind, [old], [instance], action=f"rename to {instance.name!r}")


def _guarded_model_delete(original: Callable[..., Any], kind: Kind) -> Callable[..., Any]:
    def delete(self: Any, *args: Any, **kwargs: Any) -> Any:
        enforce(kind, [self.name], [self])
        with _checked(type(self)):
            return original(self, *args, **kwargs)

    delete.__doc__ = original.__doc__
    delete.flaglint_guarded = True  # type: ignore[attr-defined]
    return delete


def _guarded_queryset(base: Any, kind: Kind) -> Any:
    """A subclass of a manager's queryset class whose ``delete`` and ``update(name=)`` are checked first."""

    def delete(self: Any) -> Any:
        if self.query.is_sliced or self._fields is not None:
            return base.delete(self)  # Django's own error for a sliced or values() delete
        enforce(kind, list(self.values_list("name", flat=True)), self)
        with _checked(self.model):
            return base.delete(self)

    def update(self: Any, **kwargs: Any) -> Any:
        if "name" in kwargs:
            new = kwargs["name"]
            old = [name for name in self.values_list("name", flat=True) if name != new]
            enforce(kind, old, self, action=f"rename to {new!r}")
        return base.update(self, **kwargs)

    return type(f"Guarded{base.__name__}", (base,), {"delete": delete, "update": update, "flaglint_guarded": True})


def _guard_test_overrides() -> None:
    """waffle's ``override_flag`` / ``override_switch`` / ``override_sample`` create a missing row for the test and
    delete it afterwards: that deletion is the test's own fixture, so the guard lets it through."""
    from waffle import testutils

    original = testutils._overrider.disable
    if getattr(original, "flaglint_guarded", False):
        return

    def disable(self: Any) -> Any:
        token = _TEST_OVERRIDE.set(True)
        try:
            return original(self)
        finally:
            _TEST_OVERRIDE.reset(token)

    disable.flaglint_guarded = True  # type: ignore[attr-defined]
    setattr(testutils._overrider, "disable", disable)  # waffle is typed: its method, wrapped


def install() -> None:
    """Find the waffle models (swapped ones too) and hook them; idempotent."""
    from django.db.models.signals import pre_delete, pre_save
    from waffle import get_waffle_flag_model, get_waffle_sample_model, get_waffle_switch_model

    from django.apps import apps

    models: Dict[Any, Kind] = {
        get_waffle_flag_model(): "flag",
        get_waffle_switch_model(): "switch",
        get_waffle_sample_model(): "sample",
    }
    for model, kind in models.items():
        concrete = model._meta.concrete_model
        GUARDED[concrete] = kind
    _guard_test_overrides()
    for model in apps.get_models():
        found = kind_of(model)
        if found is None:
            continue
        kind = found
        uid = f"flaglint-guard-{model._meta.label_lower}"
        pre_delete.connect(_pre_delete, sender=model, dispatch_uid=uid, weak=False)
        pre_save.connect(_pre_save, sender=model, dispatch_uid=uid, weak=False)
        if model is model._meta.concrete_model and not getattr(model.delete, "flaglint_guarded", False):
            model.delete = _guarded_model_delete(model.delete, kind)
        for manager in model._meta.managers:
            queryset_class = manager._queryset_class
            if not getattr(queryset_class, "flaglint_guarded", False):
                manager._queryset_class = _guarded_queryset(queryset_class, kind)
