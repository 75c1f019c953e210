"""``flaglint manifest``: the versioned reference manifest the Django app reads (schema, round trip, errors)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any, List, Tuple

import jsonschema
import pytest

from flaglint import cli
from flaglint.manifest import ManifestError, load_manifest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "fixtures" / "demo"
SCHEMA = json.loads((ROOT / "flaglint" / "schemas" / "manifest-v1.json").read_text())


def run(*argv: str) -> Tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = cli.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def demo_manifest(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("manifest") / "manifest.json"
    code, _, err = run("manifest", str(DEMO), "-o", str(target), "--commit", "abc123", "--no-cache", "-q")
    assert code == 0, err
    return target


def test_manifest_matches_its_schema_and_records_the_commit(demo_manifest: Path) -> None:
    document = json.loads(demo_manifest.read_text())
    jsonschema.validate(document, SCHEMA)
    assert document["commit"] == "abc123"
    assert document["complete"] is True
    assert document["format"] == "flaglint-manifest" and document["version"] == 1


def test_manifest_lists_every_name_by_kind_and_every_dynamic_pattern(demo_manifest: Path) -> None:
    document = json.loads(demo_manifest.read_text())
    names = {kind: sorted(found) for kind, found in document["names"].items()}
    assert names == {
        "flag": [
            "acme.one_click_checkout",
            "gift_cards",
            "loyalty_points",
            "new_storefront",
            "product_quick_view",
            "promo_spring",
            "wishlist",
        ],
        "sample": [],
        "switch": ["checkout_paused", "live_chat", "maintenance_banner"],
    }
    assert [(d["kind"], d["pattern"], d["path"]) for d in document["dynamic"]] == [
        ("flag", "promo_*", "store/views.py")
    ]
    storefront = {(loc["path"], loc["test"]) for loc in document["names"]["flag"]["new_storefront"]}
    assert ("store/views.py", False) in storefront and ("store/tests.py", True) in storefront


def _refs_names() -> Any:
    """The names `flaglint refs` finds in the demo, by kind (the manifest must hold exactly these)."""
    code, out, _ = run("refs", str(DEMO), "--format", "json", "--no-cache", "-q")
    found: dict = {"flag": set(), "switch": set(), "sample": set()}
    for reference in json.loads(out)["references"]:
        if reference["name"] is not None:
            found[reference["kind"]].add(reference["name"])
    return {kind: sorted(names) for kind, names in found.items()}


def test_manifest_names_are_exactly_what_refs_finds(demo_manifest: Path) -> None:
    document = json.loads(demo_manifest.read_text())
    assert {kind: sorted(found) for kind, found in document["names"].items()} == _refs_names()


def test_loaded_manifest_round_trips_and_blocks_like_check_delete(demo_manifest: Path) -> None:
    manifest = load_manifest(str(demo_manifest))
    assert manifest.commit == "abc123" and manifest.complete
    blocking = manifest.blocking("flag", "new_storefront")
    assert blocking and all(not r.test and not r.migration for r in blocking)
    assert {r.path for r in blocking} == {"store/views.py", "store/templates/base.html"}
    # only a test decorator names loyalty_points: it does not block
    assert manifest.blocking("flag", "loyalty_points") == ()
    # the dynamic "promo_" + slug blocks any promo_ flag, with its pattern
    [dynamic] = manifest.blocking("flag", "promo_black_friday")
    assert dynamic.pattern == "promo_*" and dynamic.name is None
    assert manifest.blocking("flag", "unheard_of") == ()
    assert manifest.blocking("switch", "new_storefront") == ()


@pytest.mark.parametrize(
    "content, message",
    [
        (None, "cannot read the manifest"),
        ("{", "invalid JSON"),
        ("[]", "not a flaglint manifest"),
        ('{"format": "flaglint-manifest", "version": 99}', "manifest version 99 is not supported"),
        ('{"format": "flaglint-manifest", "version": 1, "names": {"flag": {"x": [{"path": "a.py"}]}}}', "line"),
        (b"\xff\xfe", "not UTF-8"),
        ('{"format": "flaglint-manifest", "version": 1, "files_scanned": "many"}', "malformed manifest"),
        ('{"format": "flaglint-manifest", "version": 1, "dynamic": [1]}', "dynamic[0].kind"),
        ('{"format": "flaglint-manifest", "version": 1, "names": {"flag": []}}', "names.flag must be an object"),
    ],
)
def test_bad_manifests_are_clear_errors(tmp_path: Path, content: Any, message: str) -> None:
    path = tmp_path / "manifest.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(ManifestError) as raised:
        load_manifest(str(path))
    assert message in str(raised.value) and str(path) in str(raised.value)


def test_unreadable_file_makes_an_incomplete_manifest_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "views.py").write_text('from waffle import flag_is_active\nflag_is_active(r, "ok")\n')
    (tmp_path / "broken.py").write_bytes(b'from waffle import flag_is_active\nflag_is_active(r, "x"\n')
    target = tmp_path / "out.json"
    code, _, err = run("manifest", str(tmp_path), "-o", str(target), "--no-cache", "-q")
    document = json.loads(target.read_text())
    jsonschema.validate(document, SCHEMA)
    assert code == 1 and "broken.py" in err
    assert document["complete"] is False
    assert [p["path"] for p in document["unreadable"]] == ["broken.py"]
    assert list(document["names"]["flag"]) == ["ok"]


def test_manifest_to_stdout(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.flaglint]\n")
    (tmp_path / "views.py").write_text('from waffle import switch_is_active\nswitch_is_active("s")\n')
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        code, out, _ = run("manifest", "--no-cache", "-q", "--commit", "c")
    finally:
        os.chdir(cwd)
    assert code == 0
    locations: List[Any] = json.loads(out)["names"]["switch"]["s"]
    assert [(loc["path"], loc["line"]) for loc in locations] == [("views.py", 2)]
