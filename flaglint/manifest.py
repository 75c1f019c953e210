"""The reference manifest: what a project's code references, built in CI and read by the Django app.

`build_manifest` turns a scan into a `Manifest` (paths relative to the project root); `flaglint.report.json`
writes it (the versioned contract, `flaglint/schemas/manifest-v1.json`); `load_manifest` reads it back, and every
problem with the file is a `ManifestError` naming the file and, where known, the position.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
from typing import Any, Dict, List, Mapping, Optional

from flaglint import __version__
from flaglint.config import Settings
from flaglint.model import KINDS, FileProblem, FlaglintError, Manifest, Reference, ScanResult

MANIFEST_VERSION = 1
#: What ``"format"`` holds, so that a manifest cannot be mistaken for another flaglint document.
MANIFEST_FORMAT = "flaglint-manifest"
_SOURCES = ("python", "django-template", "jinja2", "javascript")


class ManifestError(FlaglintError):
    """A manifest that is missing, unreadable, malformed or of an unknown version."""


def build_manifest(
    settings: Settings, result: ScanResult, commit: Optional[str] = None, created: Optional[str] = None
) -> Manifest:
    """The manifest of a scan: references with paths relative to the project root, the commit and the time."""
    root = os.path.abspath(settings.root)
    references = tuple(_relative(r, root) for r in result.references)
    problems = tuple(
        FileProblem(_relpath(p.path, root), p.message, p.line, p.column, p.code)
        for p in result.problems + result.skipped
    )
    return Manifest(
        references=references,
        flaglint_version=__version__,
        commit=commit if commit is not None else current_commit(root),
        created=created or _now(),
        complete=result.complete,
        files_scanned=result.files_scanned,
        unreadable=problems,
        origin=f"scan of {root}",
    )


def current_commit(root: str) -> Optional[str]:
    """The commit being built: ``FLAGLINT_COMMIT`` or a CI's variable, else ``git rev-parse HEAD``, else None."""
    for variable in ("FLAGLINT_COMMIT", "GITHUB_SHA", "CI_COMMIT_SHA", "BUILDKITE_COMMIT", "GIT_COMMIT"):
        value = os.environ.get(variable, "").strip()
        if value:
            return value
    try:
        found = subprocess.run(["git", "-C", root, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return found.stdout.strip() or None if found.returncode == 0 else None


def _now() -> str:
    """UTC now as ISO 8601, or ``SOURCE_DATE_EPOCH`` for reproducible builds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    moment = (
        datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc)
        if epoch.isdigit()
        else datetime.datetime.now(datetime.timezone.utc)
    )
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _relpath(path: str, root: str) -> str:
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute, root) if absolute.startswith(root + os.sep) else absolute
    return relative.replace(os.sep, "/")


def _relative(reference: Reference, root: str) -> Reference:
    from dataclasses import replace

    return replace(reference, path=_relpath(reference.path, root))


def load_manifest(path: str) -> Manifest:
    """Read a manifest file written by ``flaglint manifest``."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise ManifestError(f"{path}: cannot read the manifest: {error.strerror or error}") from error
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as error:
        raise ManifestError(f"{path}: not UTF-8 text (byte offset {error.start})") from error
    except json.JSONDecodeError as error:
        raise ManifestError(f"{path}:{error.lineno}:{error.colno}: invalid JSON: {error.msg}") from error
    except (RecursionError, ValueError) as error:
        raise ManifestError(f"{path}: invalid JSON: {error}") from error
    try:
        return parse_manifest(document, path)
    except (TypeError, ValueError, AttributeError) as error:  # a member of an unexpected type somewhere
        raise ManifestError(f"{path}: malformed manifest: {error}") from error


def parse_manifest(document: Any, path: str) -> Manifest:
    """A manifest from its parsed JSON document; `path` names it in errors."""
    reader = _Reader(path)
    if not isinstance(document, dict) or document.get("format") != MANIFEST_FORMAT:
        raise ManifestError(f'{path}: not a flaglint manifest (expected an object with "format": "{MANIFEST_FORMAT}")')
    version = document.get("version")
    if version != MANIFEST_VERSION:
        raise ManifestError(
            f"{path}: manifest version {version!r} is not supported by flaglint {__version__} "
            f"(reads version {MANIFEST_VERSION}); rebuild it with this flaglint"
        )
    references: List[Reference] = []
    names = reader.mapping(document, "names")
    for kind in KINDS:
        for name, locations in reader.mapping(names, kind, f"names.{kind}").items():
            where = f"names.{kind}.{name}"
            if not isinstance(locations, list):
                raise ManifestError(f"{path}: {where} must be a list of locations")
            for index, location in enumerate(locations):
                references.append(reader.reference(location, f"{where}[{index}]", kind, name, None))
    dynamic = document.get("dynamic", [])
    if not isinstance(dynamic, list):
        raise ManifestError(f"{path}: dynamic must be a list")
    for index, location in enumerate(dynamic):
        dynamic_kind = location.get("kind") if isinstance(location, dict) else None
        if dynamic_kind not in KINDS:
            raise ManifestError(f"{path}: dynamic[{index}].kind must be one of {', '.join(KINDS)}")
        pattern = reader.text(location, "pattern", f"dynamic[{index}]")
        references.append(reader.reference(location, f"dynamic[{index}]", dynamic_kind, None, pattern))
    unreadable = tuple(
        FileProblem(
            reader.text(p, "path", f"unreadable[{i}]"),
            reader.text(p, "message", f"unreadable[{i}]"),
            code=str(p.get("code", "FL001")),
        )
        for i, p in enumerate(document.get("unreadable", []) or [])
        if isinstance(p, dict)
    )
    commit = document.get("commit")
    return Manifest(
        references=tuple(sorted(references, key=lambda r: (r.path, r.line, r.column, r.kind, r.name or ""))),
        flaglint_version=str(document.get("flaglint_version", "")),
        commit=commit if isinstance(commit, str) else None,
        created=str(document.get("created", "")),
        complete=bool(document.get("complete", False)),
        files_scanned=int(document.get("files_scanned", 0) or 0),
        unreadable=unreadable,
        origin=path,
    )


class _Reader:
    """Typed access to the manifest's members; every mismatch is a `ManifestError` naming the member."""

    def __init__(self, path: str):
        self.path = path

    def mapping(self, parent: Mapping[str, Any], key: str, where: str = "") -> Dict[str, Any]:
        value = parent.get(key, {})
        if not isinstance(value, dict):
            raise ManifestError(f"{self.path}: {where or key} must be an object")
        return value

    def text(self, parent: Any, key: str, where: str) -> str:
        value = parent.get(key) if isinstance(parent, dict) else None
        if not isinstance(value, str):
            raise ManifestError(f"{self.path}: {where}.{key} must be a string")
        return value

    def reference(self, location: Any, where: str, kind: Any, name: Optional[str], pattern: Optional[str]) -> Reference:
        if not isinstance(location, dict):
            raise ManifestError(f"{self.path}: {where} must be an object")
        line = location.get("line")
        if not isinstance(line, int) or line < 1:
            raise ManifestError(f"{self.path}: {where}.line must be a positive integer")
        column = location.get("column", 1)
        column = column if isinstance(column, int) and column >= 1 else 1
        source = location.get("source", "python")
        if source not in _SOURCES:
            raise ManifestError(f"{self.path}: {where}.source must be one of {', '.join(_SOURCES)}")
        label = str(location.get("api", "flag_is_active"))
        wrapper = label[len("wrapper:") :] if label.startswith("wrapper:") else None
        return Reference(
            path=self.text(location, "path", where),
            line=line,
            column=column,
            end_line=line,
            end_column=column,
            kind=kind,
            name=name,
            expression=str(location.get("expression", "")),
            source=source,
            api="wrapper" if wrapper else label,  # type: ignore[arg-type]  # a label the contract spells
            test=bool(location.get("test", False)),
            negated=bool(location.get("negated", False)),
            pattern=pattern,
            migration=bool(location.get("migration", False)),
            wrapper=wrapper,
            reason=location.get("reason") if isinstance(location.get("reason"), str) else None,
        )
