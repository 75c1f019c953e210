"""The manifest the running process guards with: ``FLAGLINT_MANIFEST``, else one scan of ``FLAGLINT_SOURCE``.

Loaded on first use (not at start-up, so ``manage.py`` commands stay fast) and kept for the process; the scan uses
flaglint's cache. A failure is kept too, as a `ManifestError`, and raised to every caller: ``manage.py check``
reports it (flaglint.E001), the guard refuses deletions, the status endpoint answers 503.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Dict, Optional, Tuple, Union

from flaglint.django.conf import AppSettings, app_settings
from flaglint.manifest import ManifestError
from flaglint.model import FlaglintError, Manifest

_LOCK = threading.Lock()
_LOADED: Dict[Tuple[Optional[str], Tuple[str, ...]], Union[Manifest, ManifestError]] = {}
#: Seconds the last load took (for the README's measurements and ``manage.py flaglint check`` -v 2).
LAST_LOAD_SECONDS: Dict[str, float] = {}


def current_manifest(settings: Optional[AppSettings] = None) -> Manifest:
    """The manifest for the current settings; raises `ManifestError` when it cannot be had."""
    settings = settings or app_settings()
    key = (settings.manifest, settings.source)
    with _LOCK:
        found = _LOADED.get(key)
        if found is None:
            started = time.perf_counter()
            found = _load(settings)
            LAST_LOAD_SECONDS["manifest" if settings.manifest else "scan"] = time.perf_counter() - started
            _LOADED[key] = found
    if isinstance(found, ManifestError):
        raise found
    return found


def forget() -> None:
    """Drop what was loaded (tests; a deploy that replaced the manifest file in place)."""
    with _LOCK:
        _LOADED.clear()


def _load(settings: AppSettings) -> Union[Manifest, ManifestError]:
    from flaglint.manifest import load_manifest

    if settings.manifest:
        try:
            return load_manifest(settings.manifest)
        except ManifestError as error:
            return ManifestError(f"FLAGLINT_MANIFEST: {error}")
    return _scan(settings)


def _scan(settings: AppSettings) -> Union[Manifest, ManifestError]:
    from flaglint.api import ScanOptions
    from flaglint.config import load_settings
    from flaglint.manifest import build_manifest

    missing = [path for path in settings.source if not os.path.exists(path)]
    if missing:
        unset = "FLAGLINT_MANIFEST is unset"
        return ManifestError(f"FLAGLINT_SOURCE: no such directory: {', '.join(missing)} ({unset})")
    try:
        project = load_settings(settings.source[0])
        project = project.with_paths(tuple(os.path.abspath(path) for path in settings.source))
        result = ScanOptions(jobs=1, use_cache=True, cache_dir=settings.cache_dir).scan(project)
    except FlaglintError as error:
        return ManifestError(f"scanning FLAGLINT_SOURCE: {error}")
    except Exception as error:  # a bug must not take a request (or a delete) down with a traceback
        return ManifestError(f"scanning FLAGLINT_SOURCE failed: {type(error).__name__}: {error}")
    if result.files_scanned == 0:
        return ManifestError(f"FLAGLINT_SOURCE: no Python, template or JavaScript file under {settings.source}")
    return build_manifest(project, result, commit=None)
