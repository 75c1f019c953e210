"""The Django tests: a real project (tests/django_project/guardsite) with django-waffle, the admin and this app,
on sqlite and on a real PostgreSQL server (a throwaway cluster started here when PostgreSQL is installed).

Django is set up once per process, here, when this directory is collected (before any test runs; the template
tests reuse this configuration, which has waffle). FLAGLINT_TEST_SETTINGS picks the settings module: the
swapped-model run (test_swapped_model.py, a subprocess) uses ``guardsite.settings_custom``.
"""

from __future__ import annotations

import atexit
import io
import os
import sys
import tempfile
from typing import Any, Iterator

import pytest

import pgcluster

PROJECT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "django_project")
sys.path.insert(0, PROJECT)

CLUSTER = None
CLUSTER_ERROR = ""
_bin = pgcluster.binaries()
if _bin is not None:
    CLUSTER = pgcluster.Cluster(_bin)
    try:
        os.environ["FLAGLINT_TEST_PG_HOST"] = CLUSTER.start()
    except Exception as error:  # reported by test_postgres_runs (a failure in CI)
        CLUSTER_ERROR = str(error)
        CLUSTER.stop()
        CLUSTER = None
    else:
        atexit.register(CLUSTER.stop)

os.environ.setdefault("FLAGLINT_TEST_DB_DIR", tempfile.mkdtemp(prefix="flaglint-guardsite-"))
os.environ["DJANGO_SETTINGS_MODULE"] = os.environ.get("FLAGLINT_TEST_SETTINGS", "guardsite.settings")

import django  # noqa: E402

django.setup()
# Settings are loaded: nothing of this process's Django leaks into the subprocesses other tests start.
for _variable in ("DJANGO_SETTINGS_MODULE", "FLAGLINT_TEST_PG_HOST", "FLAGLINT_TEST_DB_DIR", "FLAGLINT_TEST_SETTINGS"):
    os.environ.pop(_variable, None)

ALIASES = ["default", "postgres"]
_MIGRATED = set()


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    from django.db import connections

    connections.close_all()
    if CLUSTER is not None:
        CLUSTER.stop()


@pytest.fixture(params=ALIASES)
def alias(request: Any) -> Iterator[str]:
    """Each test runs on sqlite and on PostgreSQL: migrated once, emptied before each test, chosen by the router."""
    from django.core.management import call_command
    from django.db import connections
    from guardsite.routing import CHOSEN

    name = request.param
    if name not in connections.settings:
        message = f"PostgreSQL is not available ({CLUSTER_ERROR or 'not installed'})"
        if pgcluster.required():
            pytest.fail(message + "; CI requires the PostgreSQL tests")
        pytest.skip(message)
    token = CHOSEN.set(name)
    try:
        if name not in _MIGRATED:
            call_command("migrate", database=name, verbosity=0, interactive=False, stdout=io.StringIO())
            _MIGRATED.add(name)
        empty(name)
        yield name
    finally:
        CHOSEN.reset(token)


def empty(alias: str) -> None:
    """Remove every flag, switch, sample and user, bypassing the guard (raw deletes send no signals)."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.models import Session
    from waffle import get_waffle_flag_model, get_waffle_sample_model, get_waffle_switch_model

    flag, user = get_waffle_flag_model(), get_user_model()
    models = [LogEntry, Session, flag.groups.through, flag.users.through, flag]
    models += [get_waffle_switch_model(), get_waffle_sample_model()]
    models += [user.groups.through, user.user_permissions.through, user]
    for model in models:
        model._base_manager.using(alias).all()._raw_delete(alias)


@pytest.fixture(autouse=True)
def fresh_manifest() -> Iterator[None]:
    from flaglint.django.manifest import forget

    forget()
    yield
    forget()
