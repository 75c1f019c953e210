"""The admin, through Django's test client as a logged-in superuser: delete page, bulk action, rename, banner."""

from __future__ import annotations

from typing import Any, List

import pytest
from django.contrib import admin
from django.test import Client, override_settings
from django.urls import reverse
from waffle import get_waffle_flag_model

Flag = get_waffle_flag_model()
OPTS = Flag._meta


def names(alias: str) -> List[str]:
    return sorted(Flag.objects.using(alias).values_list("name", flat=True))


@pytest.fixture
def admin_client(alias: str) -> Client:
    from django.contrib.auth import get_user_model

    get_user_model().objects.db_manager(alias).create_superuser("root", "root@example.com", "pw")
    client = Client()
    assert client.login(username="root", password="pw")
    return client


def url(name: str, *args: Any) -> str:
    return reverse(f"admin:{OPTS.app_label}_{OPTS.model_name}_{name}", args=args)


def make(alias: str, *flag_names: str) -> List[Any]:
    return [Flag.objects.using(alias).create(name=name, everyone=True) for name in flag_names]


def test_delete_page_lists_the_references_and_offers_no_confirmation(alias: str, admin_client: Client) -> None:
    [flag] = make(alias, "new_checkout")
    page = admin_client.get(url("delete", flag.pk))
    assert page.status_code == 200
    text = page.content.decode()
    assert "shop/views.py:11 (flag_is_active)" in text
    assert "Cannot delete" in text
    assert 'name="post"' not in text and "Yes, I’m sure" not in text


def test_posting_the_confirmation_anyway_deletes_nothing(alias: str, admin_client: Client) -> None:
    [flag] = make(alias, "new_checkout")
    response = admin_client.post(url("delete", flag.pk), {"post": "yes"})
    assert response.status_code == 200 and "shop/views.py:11" in response.content.decode()
    assert names(alias) == ["new_checkout"]


@pytest.mark.parametrize("action", ["delete_individually", "delete_selected"])
def test_bulk_delete_action_is_refused(
    alias: str, admin_client: Client, action: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if action == "delete_selected":  # waffle's admins remove Django's action; a project's admin may keep it
        import waffle.admin

        monkeypatch.setattr(waffle.admin.BaseAdmin, "get_actions", admin.ModelAdmin.get_actions)
    flags = make(alias, "new_checkout", "unused_a")
    data = {"action": action, "_selected_action": [str(f.pk) for f in flags]}
    page = admin_client.post(url("changelist"), data)
    text = page.content.decode()
    assert page.status_code == 200 and "shop/views.py:11 (flag_is_active)" in text
    assert 'name="post"' not in text
    admin_client.post(url("changelist"), {**data, "post": "yes"})
    assert names(alias) == ["new_checkout", "unused_a"]


def test_unreferenced_flag_is_deleted_normally(alias: str, admin_client: Client) -> None:
    [flag] = make(alias, "unused_a")
    page = admin_client.get(url("delete", flag.pk))
    assert "Yes, I’m sure" in page.content.decode()
    response = admin_client.post(url("delete", flag.pk), {"post": "yes"})
    assert response.status_code == 302 and names(alias) == []
    make(alias, "unused_b", "only_in_tests")
    selected = [str(pk) for pk in Flag.objects.using(alias).values_list("pk", flat=True)]
    data = {"action": "delete_individually", "_selected_action": selected, "post": "yes"}
    assert admin_client.post(url("changelist"), data).status_code == 302
    assert names(alias) == []


def test_renaming_in_the_admin_is_refused(alias: str, admin_client: Client) -> None:
    flag, unused = make(alias, "new_checkout", "unused_a")
    now = {"_0": "2026-01-01", "_1": "10:00:00"}
    data = {"name": "renamed", "everyone": "true", "note": "", "languages": ""}
    data.update({f"{field}{part}": value for field in ("created", "modified") for part, value in now.items()})
    response = admin_client.post(url("change", flag.pk), data)
    assert response.status_code == 200
    assert "cannot rename flag &#x27;new_checkout&#x27;" in response.content.decode()
    assert names(alias) == ["new_checkout", "unused_a"]
    response = admin_client.post(url("change", unused.pk), data)  # the same form data is otherwise valid
    assert response.status_code == 302 and names(alias) == ["new_checkout", "renamed"]


def test_banner_names_the_environment_on_waffle_pages(alias: str, admin_client: Client) -> None:
    [flag] = make(alias, "unused_a")
    for page_url in (url("changelist"), url("change", flag.pk), url("delete", flag.pk), url("history", flag.pk)):
        text = admin_client.get(page_url).content.decode()
        assert 'data-environment="prod"' in text and "Environment: PROD" in text, page_url
        assert "background:#ba2121" in text and "affect production" in text
    with override_settings(FLAGLINT_ENVIRONMENT="staging"):
        text = admin_client.get(url("changelist")).content.decode()
        assert "Environment: STAGING" in text and "#417690" in text and "affect production" not in text
    with override_settings(FLAGLINT_ENVIRONMENT="prod-eu", FLAGLINT_ENVIRONMENT_COLOR="purple"):
        text = admin_client.get(url("changelist")).content.decode()
        assert "background:purple" in text and "affect production" in text
    with override_settings(FLAGLINT_ENVIRONMENT=None):
        assert "flaglint-environment" not in admin_client.get(url("changelist")).content.decode()
