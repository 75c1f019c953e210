"""The demo (fixtures/demo) is a runnable Django project with flaglint.django: the README's walkthrough, run.

Each step runs ``manage.py`` in a subprocess on a fresh sqlite database loaded with prod's export, as a newcomer
would: deleting the incident's flag is refused (waffle_delete and the admin), the check names what prod lacks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo"

ADMIN_SCRIPT = """
from django.contrib.auth import get_user_model
from django.test import Client
from waffle.models import Flag
get_user_model().objects.create_superuser("newcomer", "n@example.com", "pw")
client = Client()
assert client.login(username="newcomer", password="pw")
flag = Flag.objects.get(name="new_storefront")
page = client.get(f"/admin/waffle/flag/{flag.pk}/delete/").content.decode()
print("REFERENCES" if "store/views.py:17 (flag_is_active)" in page else "NO REFERENCES")
print("CONFIRM" if 'name="post"' in page else "NO CONFIRM")
print("BANNER" if "Environment: PROD" in page else "NO BANNER")
client.post(f"/admin/waffle/flag/{flag.pk}/delete/", {"post": "yes"})
print("STILL THERE" if Flag.objects.filter(name="new_storefront").exists() else "DELETED")
"""


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    directory = tmp_path_factory.mktemp("acme")
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(ACME_DATABASE=str(directory / "acme.sqlite3"), FLAGLINT_CACHE_DIR=str(directory / "cache"))
    for step in (["migrate", "-v0"], ["loaddata", "exports/prod.json", "-v0"]):
        manage(env, *step, check=True)
    return env


def manage(env: Dict[str, str], *arguments: str, check: bool = False) -> "subprocess.CompletedProcess[str]":
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments], cwd=DEMO, env=env, capture_output=True, text=True, timeout=300
    )
    if check:
        assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_waffle_delete_of_the_incident_flag_is_refused(environment: Dict[str, str]) -> None:
    result = manage(environment, "waffle_delete", "--flags", "new_storefront")
    assert result.returncode != 0 and "FlagInUse" in result.stderr
    assert "cannot delete flag 'new_storefront'" in result.stderr and "store/views.py:17" in result.stderr


def test_the_admin_refuses_it_and_names_the_environment(environment: Dict[str, str]) -> None:
    result = manage(environment, "shell", "-v0", "-c", ADMIN_SCRIPT, check=True)
    assert result.stdout.split() == ["REFERENCES", "NO", "CONFIRM", "BANNER", "STILL", "THERE"]


def test_check_names_what_prod_lacks(environment: Dict[str, str]) -> None:
    result = manage(environment, "check", "--database", "default")
    assert "flaglint.W001" in result.stderr + result.stdout
    assert "flag 'acme.one_click_checkout' is used by the code but missing" in result.stderr + result.stdout


def test_manage_py_flaglint_check_uses_the_database_as_prod(environment: Dict[str, str]) -> None:
    result = manage(environment, "flaglint", "check", "-q", "--select", "FL101")
    assert result.returncode == 1
    assert "store/views.py:17:36: FL101 flag 'new_storefront' is scheduled for deletion" in result.stdout
    assert "inventories: prod, dev" in result.stdout
