"""The admin side of the guard: the delete page and the bulk "delete selected" action list the code references
the way Django lists protected related objects (so no confirmation button is offered, and a posted confirmation
deletes nothing), renaming a referenced flag is a form error, and every waffle admin page shows the environment.

`install` wraps the ModelAdmin registered for each guarded model (waffle's own, or a project's) in a subclass with
`GuardedAdminMixin`; the app's ``ready()`` calls it.
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
from typing import Any, List, Optional, Tuple

from flaglint.django.errors import Refusal, describe

logger = logging.getLogger("flaglint")


def protected_lines(refusal: Refusal) -> List[str]:
    """What the confirmation page lists for one refused name."""
    label = f"{refusal.kind.capitalize()} “{refusal.name}”"
    if refusal.problem:
        return [f"{label}: {refusal.problem}"]
    return [f"{label} is used by the deployed code: {describe(r)}" for r in refusal.references]


class GuardedAdminMixin:
    """Mixed in front of a waffle model's ModelAdmin."""

    change_list_template = "flaglint/admin/change_list.html"
    change_form_template = "flaglint/admin/change_form.html"
    delete_confirmation_template = "flaglint/admin/delete_confirmation.html"
    delete_selected_confirmation_template = "flaglint/admin/delete_selected_confirmation.html"
    object_history_template = "flaglint/admin/object_history.html"

    model: Any

    def get_deleted_objects(self, objs: Any, request: Any) -> Tuple[Any, Any, Any, Any]:
        """Django's answer, with the code references added to the protected objects."""
        from flaglint.django.conf import app_settings
        from flaglint.django.guard import kind_of, refusals

        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)  # type: ignore[misc]
        kind = kind_of(self.model)
        if kind is None or app_settings().guard != "block":
            return deleted, counts, perms_needed, protected
        found = refusals(kind, [obj.name for obj in objs])
        if found:
            protected = list(protected)
            for refusal in found:
                protected.extend(protected_lines(refusal))
            level = logging.ERROR if request.method == "POST" else logging.INFO
            user = getattr(getattr(request, "user", None), "get_username", lambda: "?")()
            for refusal in found:
                verb = "refused" if request.method == "POST" else "shown"
                logger.log(level, "flaglint: admin %s for %s: %s", verb, user, refusal.sentence())
        return deleted, counts, perms_needed, protected

    def get_actions(self, request: Any, action_location: Any = None) -> Any:
        """The actions, with every deleting one (waffle's ``delete_individually``, Django's ``delete_selected``)
        checked first: a selection with a referenced flag gets Django's refusal page, and nothing is deleted.

        `action_location` is Django 6.1's (None before): passed on when the parent admin takes it."""
        parent = super().get_actions  # type: ignore[misc]
        if action_location is None:
            actions = parent(request)
        elif "action_location" in inspect.signature(parent).parameters:
            actions = parent(request, action_location=action_location)
        elif getattr(action_location, "name", "") == "CHANGE_FORM":
            return {}  # what Django does for an admin whose get_actions predates action locations
        else:
            actions = parent(request)
        for name in DELETING_ACTIONS:
            if name in actions:
                actions[name] = _with_function(actions[name], _guarded_action)
        return actions

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        """The admin form, refusing a new name for a flag the code uses (before the ORM would)."""
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        if obj is None:
            return form
        return _renaming_guard(form, self.model, obj.name)


#: Bulk actions that delete: Django's own and waffle's (which deletes one by one, without a confirmation page).
DELETING_ACTIONS = ("delete_selected", "delete_individually")


def _with_function(action: Any, wrap: Any) -> Any:
    """The action with its function wrapped: Django 6.1's `Action` object, or the older (func, name, text) tuple."""
    if dataclasses.is_dataclass(action) and not isinstance(action, type) and hasattr(action, "func"):
        return dataclasses.replace(action, func=wrap(action.func))
    function, name, description = action
    return (wrap(function), name, description)


def _guarded_action(function: Any) -> Any:
    def guarded(modeladmin: Any, request: Any, queryset: Any) -> Any:
        from django.contrib.admin.actions import delete_selected

        from flaglint.django.conf import app_settings
        from flaglint.django.guard import kind_of, refusals

        kind = kind_of(modeladmin.model)
        if kind is not None and app_settings().guard == "block":
            if refusals(kind, list(queryset.values_list("name", flat=True))):
                return delete_selected(modeladmin, request, queryset.none() | queryset)  # lists them, deletes none
        return function(modeladmin, request, queryset)

    for attribute in ("short_description", "allowed_permissions"):
        if hasattr(function, attribute):
            setattr(guarded, attribute, getattr(function, attribute))
    return guarded


def _renaming_guard(form: Any, model: Any, old_name: str) -> Any:
    from flaglint.django.conf import app_settings
    from flaglint.django.guard import kind_of, refusals

    def clean(self: Any) -> Any:
        data = form.clean(self)
        new = (data or {}).get("name")
        kind = kind_of(model)
        if kind is None or new is None or new == old_name or app_settings().guard != "block":
            return data
        for refusal in refusals(kind, [old_name]):
            logger.error("flaglint: admin rename refused: %s", refusal.sentence(f"rename to {new!r}"))
            self.add_error("name", f"{refusal.sentence('rename')} — renaming is deleting the old name.")
        return data

    return type(form.__name__, (form,), {"clean": clean})


def install(site: Optional[Any] = None) -> List[Any]:
    """Put `GuardedAdminMixin` in front of the ModelAdmin of every guarded model registered on `site`."""
    from django.contrib import admin

    from flaglint.django.guard import kind_of

    site = site or admin.site
    wrapped = []
    for model, model_admin in list(site._registry.items()):
        if kind_of(model) is None or isinstance(model_admin, GuardedAdminMixin):
            continue
        cls = type(model_admin)
        guarded = type(f"Guarded{cls.__name__}", (GuardedAdminMixin, cls), {"__module__": cls.__module__})
        site.unregister(model)
        site.register(model, guarded)
        wrapped.append(model)
    return wrapped
