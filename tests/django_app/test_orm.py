"""The deletion guard on the ORM paths: instance, queryset, waffle_delete, renames, transactions, modes, overrides."""

from __future__ import annotations

import io
import json
import logging
from typing import Any, List

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import ProtectedError
from django.test import override_settings
from waffle import get_waffle_flag_model, get_waffle_sample_model, get_waffle_switch_model

from flaglint.django import FlagInUse, allow_delete

Flag = get_waffle_flag_model()
Switch = get_waffle_switch_model()
Sample = get_waffle_sample_model()


def names(model: Any, alias: str) -> List[str]:
    return sorted(model.objects.using(alias).values_list("name", flat=True))


def make_flags(alias: str, *flag_names: str) -> None:
    for name in flag_names:
        Flag.objects.using(alias).create(name=name, everyone=True)


def test_instance_delete_of_a_referenced_flag_is_refused(alias: str, caplog: pytest.LogCaptureFixture) -> None:
    make_flags(alias, "new_checkout")
    flag = Flag.objects.using(alias).get(name="new_checkout")
    with caplog.at_level(logging.ERROR, logger="flaglint"):
        with pytest.raises(FlagInUse) as raised:
            flag.delete()
    assert isinstance(raised.value, ProtectedError)
    assert raised.value.names == ("new_checkout",)
    assert "shop/views.py:11 (flag_is_active)" in str(raised.value)
    assert names(Flag, alias) == ["new_checkout"]
    assert any("refused" in r.getMessage() and "new_checkout" in r.getMessage() for r in caplog.records)
    assert all(r.name == "flaglint" for r in caplog.records)


def test_each_kind_is_guarded(alias: str) -> None:
    Switch.objects.using(alias).create(name="maintenance_mode", active=False)
    Sample.objects.using(alias).create(name="ab_banner", percent=10)
    with pytest.raises(FlagInUse, match="switch 'maintenance_mode'"):
        Switch.objects.using(alias).get(name="maintenance_mode").delete()
    with pytest.raises(FlagInUse, match="sample 'ab_banner'"):
        Sample.objects.using(alias).filter(name="ab_banner").delete()
    assert names(Switch, alias) == ["maintenance_mode"] and names(Sample, alias) == ["ab_banner"]


def test_template_reference_blocks(alias: str) -> None:
    make_flags(alias, "header_v2")
    with pytest.raises(FlagInUse, match=r"shop/templates/shop/home.html:2 \(tag\)"):
        Flag.objects.using(alias).get(name="header_v2").delete()


def test_unreferenced_test_only_and_migration_only_flags_delete_normally(alias: str) -> None:
    make_flags(alias, "unused_thing", "only_in_tests", "seeded_only")
    for name in ("unused_thing", "only_in_tests", "seeded_only"):
        Flag.objects.using(alias).get(name=name).delete()
    assert names(Flag, alias) == []


def test_dynamic_pattern_blocks_with_its_reason(alias: str) -> None:
    make_flags(alias, "promo_spring")
    with pytest.raises(FlagInUse) as raised:
        Flag.objects.using(alias).get(name="promo_spring").delete()
    assert "dynamic name matching 'promo_*'" in str(raised.value)
    assert names(Flag, alias) == ["promo_spring"]


def test_mixed_queryset_deletes_nothing_and_names_every_blocked_flag(alias: str) -> None:
    make_flags(alias, "new_checkout", "unused_a", "header_v2", "unused_b")
    with pytest.raises(FlagInUse) as raised:
        Flag.objects.using(alias).all().delete()
    assert set(raised.value.names) == {"new_checkout", "header_v2"}
    assert names(Flag, alias) == ["header_v2", "new_checkout", "unused_a", "unused_b"]


def test_waffle_delete_command_is_refused(alias: str) -> None:
    make_flags(alias, "new_checkout", "unused_a")
    with pytest.raises(FlagInUse):
        call_command("waffle_delete", "--flags", "new_checkout", "unused_a", stdout=io.StringIO())
    assert names(Flag, alias) == ["new_checkout", "unused_a"]
    call_command("waffle_delete", "--flags", "unused_a", stdout=io.StringIO())
    assert names(Flag, alias) == ["new_checkout"]


def test_refusal_inside_atomic_leaves_the_transaction_usable(alias: str) -> None:
    make_flags(alias, "new_checkout", "unused_a")
    with transaction.atomic(using=alias):
        with pytest.raises(ProtectedError):
            Flag.objects.using(alias).get(name="new_checkout").delete()
        with pytest.raises(ProtectedError):
            Flag.objects.using(alias).filter(name__in=["new_checkout", "unused_a"]).delete()
        Flag.objects.using(alias).get(name="unused_a").delete()  # the same transaction goes on
    assert names(Flag, alias) == ["new_checkout"]


def test_related_manager_path_is_caught_by_the_signal_and_rolled_back(alias: str) -> None:
    from django.contrib.auth.models import Group

    group = Group.objects.using(alias).create(name="staff")
    make_flags(alias, "new_checkout", "unused_a")
    for flag in Flag.objects.using(alias).all():
        flag.groups.add(group)
    with pytest.raises(FlagInUse) as raised:
        getattr(group, Flag._meta.get_field("groups").remote_field.get_accessor_name()).all().delete()
    assert raised.value.names == ("new_checkout",)
    assert names(Flag, alias) == ["new_checkout", "unused_a"]
    group.delete()  # deleting the group only removes the flags' group links
    assert names(Flag, alias) == ["new_checkout", "unused_a"]


def test_renaming_a_referenced_flag_is_refused(alias: str) -> None:
    make_flags(alias, "new_checkout", "unused_a")
    flag = Flag.objects.using(alias).get(name="new_checkout")
    flag.name = "new_checkout_v2"
    with pytest.raises(FlagInUse, match="rename"):
        flag.save()
    with pytest.raises(FlagInUse):
        Flag.objects.using(alias).filter(name="new_checkout").update(name="other")
    assert names(Flag, alias) == ["new_checkout", "unused_a"]
    flag = Flag.objects.using(alias).get(name="new_checkout")
    flag.everyone = False
    flag.save()  # other changes are fine
    unused = Flag.objects.using(alias).get(name="unused_a")
    unused.name = "unused_renamed"
    unused.save()
    assert names(Flag, alias) == ["new_checkout", "unused_renamed"]


def test_allow_delete_lets_one_name_through_and_is_logged(alias: str, caplog: pytest.LogCaptureFixture) -> None:
    make_flags(alias, "new_checkout", "header_v2")
    with caplog.at_level(logging.WARNING, logger="flaglint"):
        with allow_delete("new_checkout", reason="ticket OPS-1"):
            Flag.objects.using(alias).get(name="new_checkout").delete()
            with pytest.raises(FlagInUse):
                Flag.objects.using(alias).get(name="header_v2").delete()
    assert names(Flag, alias) == ["header_v2"]
    messages = [r.getMessage() for r in caplog.records]
    assert any("lifted" in m and "OPS-1" in m for m in messages)
    assert any("allowed by allow_delete" in m and "new_checkout" in m for m in messages)


def test_warn_mode_deletes_and_logs(alias: str, caplog: pytest.LogCaptureFixture) -> None:
    make_flags(alias, "new_checkout")
    with override_settings(FLAGLINT_GUARD="warn"), caplog.at_level(logging.WARNING, logger="flaglint"):
        Flag.objects.using(alias).filter(name="new_checkout").delete()
    assert names(Flag, alias) == []
    assert any("FLAGLINT_GUARD=warn" in r.getMessage() for r in caplog.records)


def test_off_mode_deletes_silently(alias: str, caplog: pytest.LogCaptureFixture) -> None:
    make_flags(alias, "new_checkout")
    with override_settings(FLAGLINT_GUARD="off"), caplog.at_level(logging.DEBUG, logger="flaglint"):
        Flag.objects.using(alias).get(name="new_checkout").delete()
    assert names(Flag, alias) == [] and not caplog.records


def test_a_shipped_manifest_is_used_instead_of_scanning(alias: str, tmp_path: Any) -> None:
    document = {
        "format": "flaglint-manifest",
        "version": 1,
        "flaglint_version": "0.1.0",
        "commit": "c0ffee",
        "created": "2026-01-01T00:00:00Z",
        "complete": True,
        "files_scanned": 1,
        "names": {"flag": {"unused_a": [{"path": "app.py", "line": 3, "column": 1}]}, "switch": {}, "sample": {}},
        "dynamic": [],
        "unreadable": [],
    }
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps(document))
    make_flags(alias, "new_checkout", "unused_a")
    with override_settings(FLAGLINT_MANIFEST=str(manifest)):
        with pytest.raises(FlagInUse, match="app.py:3"):
            Flag.objects.using(alias).get(name="unused_a").delete()
        Flag.objects.using(alias).get(name="new_checkout").delete()  # not in that manifest
    assert names(Flag, alias) == ["unused_a"]


def test_an_unreadable_manifest_refuses_every_deletion(alias: str, tmp_path: Any) -> None:
    make_flags(alias, "unused_a")
    with override_settings(FLAGLINT_MANIFEST=str(tmp_path / "missing.json")):
        with pytest.raises(FlagInUse, match="cannot confirm it is unused.*missing.json"):
            Flag.objects.using(alias).get(name="unused_a").delete()
    assert names(Flag, alias) == ["unused_a"]


def test_the_guarded_models_are_the_configured_ones() -> None:
    from django.conf import settings

    from flaglint.django.guard import GUARDED

    expected = getattr(settings, "WAFFLE_FLAG_MODEL", "waffle.Flag")
    assert Flag._meta.label == expected
    assert GUARDED == {Flag: "flag", Switch: "switch", Sample: "sample"}


def test_waffles_test_overrides_remove_the_rows_they_created(alias: str) -> None:
    from waffle.testutils import override_flag, override_switch

    with override_flag("new_checkout", active=True), override_switch("maintenance_mode", active=False):
        assert names(Flag, alias) == ["new_checkout"]
    assert names(Flag, alias) == [] and names(Switch, alias) == []
    make_flags(alias, "new_checkout")
    with pytest.raises(FlagInUse):  # outside an override, the same deletion is refused
        Flag.objects.using(alias).get(name="new_checkout").delete()
