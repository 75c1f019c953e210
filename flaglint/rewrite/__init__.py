"""`flaglint remove`: rewrite the code as if a flag were always on or always off.

`python` (libcst: comments and formatting survive; `folding` simplifies the conditions), `templates` (Django tags,
Jinja2 conditions), `checklist` (what a rewrite leaves for the user: other flags' references it removed, patch
targets of imports it removed). Each file's outcome is a closed union, `Rewritten | Unchanged | Failed`: a rewrite
that would not parse is never written.
"""

from __future__ import annotations

from typing import Sequence

from flaglint.catalogue import Catalogue
from flaglint.model import Failed, Note, Reference, RewriteResult, Rewritten, Unchanged


def rewrite_file(
    path: str, source: bytes, references: Sequence[Reference], keep_on: bool, catalogue: Catalogue
) -> RewriteResult:
    """Rewrite one file's references to one flag (Python with libcst, templates with the tag-aware rewriter)."""
    first = references[0]
    if first.source == "python":
        from flaglint.rewrite.python import rewrite_python  # libcst is imported only for removals

        return rewrite_python(path, source, references, keep_on, catalogue)
    from flaglint.rewrite.templates import rewrite_template

    bom = b"\xef\xbb\xbf" if source.startswith(b"\xef\xbb\xbf") else b""
    try:
        text = source[len(bom) :].decode("utf-8")
    except UnicodeDecodeError as error:
        return Failed(path, f"cannot decode as UTF-8: {error.reason}")
    name = first.name or ""
    try:
        rewritten = rewrite_template(text, name, first.kind, keep_on)
    except RecursionError:
        return Failed(path, "nested too deeply to rewrite safely")
    notes = tuple(Note(path, line, message) for line, message in rewritten.notes)
    after = bom + rewritten.text.encode("utf-8")
    if after == source:
        return Unchanged(path, notes)
    return Rewritten(path, source, after, notes)
