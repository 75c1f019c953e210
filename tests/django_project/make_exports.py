#!/usr/bin/env python
"""Produce real django-waffle inventory exports for flaglint's tests.

Usage: ``python make_exports.py OUTDIR [--edx-toggles]``

Migrates fresh sqlite databases (in a temporary directory, never in the repository), creates a realistic set of
flags, switches and samples, then writes what a user would export, using waffle's and Django's own management
commands and waffle's own ``waffle_status`` view:

- ``dumpdata.json``              ``manage.py dumpdata waffle.flag waffle.switch waffle.sample --indent 2``
- ``dumpdata-natural.json``      the same plus auth.group / auth.user, ``--natural-foreign --natural-primary``
- ``waffle-list.txt``            ``waffle_flag --list``, ``waffle_switch --list``, ``waffle_sample --list`` concatenated
- ``waffle-status.json``         the body of ``GET /waffle_status`` (Django test Client)
- ``custom-model-dumpdata.json`` ``dumpdata registrar.waffleflag waffle.switch waffle.sample --indent 2`` under
                                 ``WAFFLE_FLAG_MODEL = "registrar.WaffleFlag"``
- ``edx-toggles-report.json``    only with ``--edx-toggles`` (needs edx-toggles installed): edx-toggles'
                                 ``ToggleStateReport().as_dict()`` as JSON, the body of ``/api/toggles/v0/state/``

Each settings module runs in its own subprocess (Django can be set up only once per process).
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import subprocess
import sys
import tempfile
from typing import Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))

STOCK_SETTINGS = "exportproj.settings"
CUSTOM_SETTINGS = "exportproj.settings_custom"

UTC = datetime.timezone.utc


def _when(day: str) -> datetime.datetime:
    """A fixed, timezone-aware timestamp so that committed exports are stable apart from waffle_status draws."""
    return datetime.datetime.fromisoformat(day).replace(tzinfo=UTC)


def _run_command(*args: str) -> str:
    """Run a management command as the command line would (arguments parsed by its own parser); return stdout."""
    from django.core.management import call_command

    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def _write(outdir: str, name: str, text: str) -> None:
    """Write one export file as UTF-8."""
    with open(os.path.join(outdir, name), "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


def _stamp(model: type, name: str, created: str, modified: str) -> None:
    """Give one object fixed created/modified times (queryset update: bypasses save(), which sets modified=now)."""
    model.objects.filter(name=name).update(created=_when(created), modified=_when(modified))  # type: ignore[attr-defined]


def _create_people() -> Tuple[object, object]:
    """Create the groups and users the flags are given to."""
    from django.contrib.auth.models import Group, User

    beta = Group.objects.create(name="beta_testers")
    Group.objects.create(name="support")
    alice = User.objects.create(
        username="alice", email="alice@example.com", is_staff=True, date_joined=_when("2024-01-08T09:00:00")
    )
    alice.set_unusable_password()
    alice.save()
    bob = User.objects.create(username="bob", email="bob@example.com", date_joined=_when("2024-02-12T09:00:00"))
    bob.set_unusable_password()
    bob.save()
    return beta, alice


def _create_stock_objects() -> None:
    """The stock project's flags, switches and samples: every state waffle can store."""
    from waffle import get_waffle_flag_model, get_waffle_sample_model, get_waffle_switch_model

    Flag = get_waffle_flag_model()
    Switch = get_waffle_switch_model()
    Sample = get_waffle_sample_model()
    beta, alice = _create_people()

    # The real commands create some objects, as an operator would.
    _run_command("waffle_flag", "dark_mode", "--create", "--deactivate")
    _run_command("waffle_switch", "emails.send_digest", "on", "--create")
    _run_command("waffle_switch", "maintenance_mode", "off", "--create")
    _run_command("waffle_sample", "log_sampling", "50", "--create")

    flags: List[Tuple[str, Dict[str, object], str, str]] = [
        (
            "new_checkout",
            {"everyone": True, "note": "Checkout v2. Launched to everyone 2025-09-30."},
            "2025-06-02T09:15:00",
            "2025-09-30T16:40:12",
        ),
        (
            "search_v2",
            {"everyone": None, "percent": "12.5", "rollout": True, "note": "Gradual rollout, owner: search team"},
            "2025-08-11T11:00:00",
            "2025-10-20T08:05:31",
        ),
        (
            "beta_dashboard",
            {"everyone": None, "staff": True, "superusers": True, "note": ""},
            "2025-03-14T14:30:00",
            "2025-03-20T10:00:00",
        ),
        (
            "legacy_search",
            {"everyone": False, "note": "flaglint: retire 2026-12-01 replaced by search_v2"},
            "2023-01-09T08:00:00",
            "2025-10-21T12:00:00",
        ),
        (
            "payments.stripe_elements",
            {
                "everyone": None,
                "testing": True,
                "authenticated": True,
                "languages": "en,de",
                "note": "QA: ?dwft_payments.stripe_elements=1",
            },
            "2025-10-01T07:45:00",
            "2025-10-02T07:45:00",
        ),
    ]
    for name, fields, _created, _modified in flags:
        Flag.objects.update_or_create(name=name, defaults=fields)
    flag = Flag.objects.get(name="beta_dashboard")
    flag.groups.add(beta)
    flag.users.add(alice)
    _stamp(Flag, "dark_mode", "2024-11-05T10:00:00", "2025-01-15T09:30:00")
    for name, _fields, created, modified in flags:
        _stamp(Flag, name, created, modified)

    Switch.objects.create(name="maintenance:read_only", active=False, note="Flip on during database failover")
    Switch.objects.create(name="use_new_cdn", active=True, note="")
    Switch.objects.filter(name="emails.send_digest").update(note="Weekly digest emails")
    _stamp(Switch, "emails.send_digest", "2024-02-01T12:00:00", "2024-02-01T12:00:00")
    _stamp(Switch, "maintenance_mode", "2022-05-17T18:20:00", "2025-07-04T03:00:00")
    _stamp(Switch, "maintenance:read_only", "2025-04-01T00:00:00", "2025-04-01T00:00:00")
    _stamp(Switch, "use_new_cdn", "2025-09-09T09:09:09", "2025-09-10T10:10:10")

    Sample.objects.create(name="tracing.spans", percent="33.3", note="Fraction of requests traced")
    Sample.objects.create(name="ab_test_header", percent="0.5", note="")
    _stamp(Sample, "log_sampling", "2024-06-01T00:00:00", "2024-06-01T00:00:00")
    _stamp(Sample, "tracing.spans", "2025-02-02T02:02:02", "2025-05-05T05:05:05")
    _stamp(Sample, "ab_test_header", "2025-10-10T10:10:10", "2025-10-10T10:10:10")


def _create_custom_objects() -> None:
    """The custom-model project's flags (registrar.WaffleFlag, with its extra owning_team field) and a switch."""
    from waffle import get_waffle_flag_model, get_waffle_sample_model, get_waffle_switch_model

    Flag = get_waffle_flag_model()
    beta, alice = _create_people()
    Flag.objects.create(
        name="registrar.bulk_enroll", everyone=True, owning_team="enrollments", note="Bulk enrolment API"
    )
    Flag.objects.create(
        name="registrar.new_reports",
        everyone=None,
        percent="25.0",
        owning_team="reporting",
        note="flaglint: retire once reports v3 ships",
    )
    flag = Flag.objects.create(name="registrar.program_admin", everyone=None, owning_team="programs")
    flag.groups.add(beta)
    flag.users.add(alice)
    Flag.objects.create(name="registrar.legacy_csv", everyone=False, owning_team="")
    _stamp(Flag, "registrar.bulk_enroll", "2025-01-10T10:00:00", "2025-02-10T10:00:00")
    _stamp(Flag, "registrar.new_reports", "2025-05-01T08:30:00", "2025-09-01T08:30:00")
    _stamp(Flag, "registrar.program_admin", "2024-12-24T12:00:00", "2024-12-24T12:00:00")
    _stamp(Flag, "registrar.legacy_csv", "2021-03-03T03:03:03", "2023-03-03T03:03:03")
    get_waffle_switch_model().objects.create(name="registrar.readonly", active=False)
    _stamp(get_waffle_switch_model(), "registrar.readonly", "2025-03-01T00:00:00", "2025-03-01T00:00:00")
    get_waffle_sample_model().objects.create(name="registrar.audit_sample", percent="10.0")
    _stamp(get_waffle_sample_model(), "registrar.audit_sample", "2025-03-02T00:00:00", "2025-03-02T00:00:00")


def _edx_toggles_report() -> str:
    """edx-toggles' real state report over this database, with toggles declared in code as edx-platform does.

    Two declared toggles have no database row ("code only"): the report lists them anyway, with no state.
    """
    from edx_toggles.toggles import NonNamespacedWaffleFlag, WaffleFlag, WaffleSwitch
    from edx_toggles.toggles.state import ToggleStateReport

    declared = [
        NonNamespacedWaffleFlag("new_checkout", module_name="shop.checkout.toggles"),
        WaffleFlag("payments.stripe_elements", module_name="payments.toggles"),
        WaffleFlag("courseware.code_only_flag", module_name="courseware.toggles"),
        WaffleSwitch("emails.send_digest", module_name="notifications.toggles"),
        WaffleSwitch("courseware.code_only_switch", module_name="courseware.toggles"),
    ]
    report = ToggleStateReport().as_dict()
    del declared  # the instances are held in a WeakSet: keep them alive until the report is built
    return json.dumps(report, indent=2) + "\n"


def _stage(which: str, outdir: str, edx_toggles: bool) -> None:
    """Set up Django for one settings module, build its database and write its exports."""
    import django

    django.setup()
    from django.core.cache import cache
    from django.test import Client

    _run_command("migrate", "--no-input", "--verbosity", "0")
    if which == "stock":
        _create_stock_objects()
    else:
        _create_custom_objects()
    cache.clear()

    if which == "custom":
        _write(
            outdir,
            "custom-model-dumpdata.json",
            _run_command("dumpdata", "registrar.waffleflag", "waffle.switch", "waffle.sample", "--indent", "2"),
        )
        return

    _write(
        outdir,
        "dumpdata.json",
        _run_command("dumpdata", "waffle.flag", "waffle.switch", "waffle.sample", "--indent", "2"),
    )
    _write(
        outdir,
        "dumpdata-natural.json",
        _run_command(
            "dumpdata",
            "auth.group",
            "auth.user",
            "waffle.flag",
            "waffle.switch",
            "waffle.sample",
            "--natural-foreign",
            "--natural-primary",
            "--indent",
            "2",
        ),
    )
    _write(
        outdir,
        "waffle-list.txt",
        _run_command("waffle_flag", "--list")
        + _run_command("waffle_switch", "--list")
        + _run_command("waffle_sample", "--list"),
    )
    response = Client().get("/waffle_status")
    if response.status_code != 200:
        raise SystemExit(f"GET /waffle_status answered {response.status_code}")
    _write(outdir, "waffle-status.json", response.content.decode("utf-8"))
    if edx_toggles:
        _write(outdir, "edx-toggles-report.json", _edx_toggles_report())


def _spawn(settings: str, which: str, outdir: str, db_dir: str, edx_toggles: bool) -> None:
    """Run one stage in a fresh interpreter with its own settings module."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=settings, FLAGLINT_EXPORT_DB_DIR=db_dir)
    command = [sys.executable, os.path.abspath(__file__), "--stage", which, outdir]
    if edx_toggles:
        command.append("--edx-toggles")
    subprocess.run(command, env=env, cwd=HERE, check=True)


def main(argv: Optional[List[str]] = None) -> None:
    """Parse arguments; without --stage, run both stages into OUTDIR with a fresh temporary database directory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir")
    parser.add_argument("--edx-toggles", action="store_true", help="also write edx-toggles-report.json")
    parser.add_argument("--stage", choices=("stock", "custom"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    outdir = os.path.abspath(args.outdir)
    if args.stage:
        if HERE not in sys.path:
            sys.path.insert(0, HERE)
        _stage(args.stage, outdir, args.edx_toggles)
        return
    os.makedirs(outdir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="flaglint-exports-") as db_dir:
        _spawn(STOCK_SETTINGS, "stock", outdir, db_dir, args.edx_toggles)
        _spawn(CUSTOM_SETTINGS, "custom", outdir, db_dir, False)


if __name__ == "__main__":
    main()
