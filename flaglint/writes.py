"""Writing files safely: all or nothing, atomically, never through a link, never outside the project.

Every file flaglint writes for the user (``remove --write``, ``--write-baseline``, ``manifest -o``) goes through
`write_files`: each new content is first written to a temporary file in the target's own directory (so the
final rename is atomic and stays on one file system), with the target's permissions; only when every temporary
file is ready are they renamed into place. A reader never sees a half-written file, and a failure before the
renames leaves every target as it was.
"""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

from flaglint.model import FlaglintError


class WriteError(FlaglintError):
    """A file could not be written; nothing was changed."""


@dataclass(frozen=True)
class PlannedWrite:
    """One file to write: its new content, and the content it must still have (None: any, or no file)."""

    path: str
    data: bytes
    expected: Optional[bytes] = None


def write_files(writes: Sequence[PlannedWrite], *, root: Optional[str] = None) -> None:
    """Write every file or none; refuse links, files outside `root`, read-only files and files changed meanwhile."""
    prepared: List[Tuple[str, str]] = []  # (temporary, target)
    replaced = 0
    try:
        for write in writes:
            prepared.append((_prepare(write, root), os.path.abspath(write.path)))
        for temporary, target in prepared:
            os.replace(temporary, target)
            replaced += 1
    except OSError as error:
        done = "nothing was written" if not replaced else f"{replaced} of {len(writes)} file(s) were written"
        raise WriteError(f"cannot write {error.filename or 'a file'}: {error.strerror or error}; {done}") from None
    finally:
        for temporary, _ in prepared:
            if os.path.lexists(temporary):
                os.unlink(temporary)


def write_file(path: str, data: bytes) -> None:
    """Write one file atomically (a report or a baseline the user named)."""
    write_files([PlannedWrite(path, data)])


def _prepare(write: PlannedWrite, root: Optional[str]) -> str:
    """Checks, then the new content in a temporary file beside the target; returns the temporary file's path."""
    target = os.path.abspath(write.path)
    if os.path.islink(target):
        raise WriteError(f"{write.path}: is a symbolic link; flaglint does not write through links (nothing written)")
    if root is not None:
        top = os.path.realpath(root)
        real = os.path.realpath(target)
        if not (real == top or real.startswith(top.rstrip(os.sep) + os.sep)):
            raise WriteError(f"{write.path}: outside the project ({root}); nothing written")
    mode: Optional[int] = None
    try:
        status = os.stat(target)
    except FileNotFoundError:
        status = None
    if status is not None:
        if not stat.S_ISREG(status.st_mode):
            raise WriteError(f"{write.path}: not a regular file; nothing written")
        if not os.access(target, os.W_OK):
            raise WriteError(f"{write.path}: is read-only; nothing written")
        mode = stat.S_IMODE(status.st_mode)
    if write.expected is not None:
        try:
            with open(target, "rb") as handle:
                current = handle.read()
        except OSError as error:
            raise WriteError(f"{write.path}: cannot read it again: {error.strerror or error}; nothing written")
        if current != write.expected:
            raise WriteError(f"{write.path}: changed since flaglint read it; run again (nothing written)")
    directory = os.path.dirname(target) or "."
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=".flaglint-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(write.data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode if mode is not None else 0o666 & ~_umask())
    except BaseException:
        os.unlink(temporary)
        raise
    return temporary


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
