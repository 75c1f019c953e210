"""Reading Python source the way the interpreter would: its encoding, and any grammar a supported Python accepts.

A file is parsed with the running interpreter's `ast`; code written for a newer Python than the one running
flaglint is normalised first where that can be done without moving any position (Python 3.14's unparenthesized
``except A, B:``). What no supported grammar accepts (Python 2, a real syntax error) is a `FileProblem`.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import Optional, Tuple

from flaglint.model import FileProblem


def decode_source(path: str, source: bytes) -> Tuple[Optional[str], Optional[FileProblem]]:
    """Decode Python source the way the interpreter would (PEP 263 cookie, BOM), or say why not."""
    if b"\0" in source:
        return None, FileProblem(path, "cannot parse: the file contains null bytes (binary?)")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(source).readline)
        text = source.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError) as error:
        return None, FileProblem(path, f"cannot decode: {error}")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, None


_UNPARENTHESIZED_EXCEPT = re.compile(
    r"^(?P<head>[ \t]*except\*?[ \t]+)(?P<types>[^(\n#:][^\n#:]*,[^\n#:]*?)(?P<tail>[ \t]*:)", re.M
)


def parse(text: str, path: str) -> ast.Module:
    """`ast.parse`, also accepting Python 3.14's unparenthesized ``except A, B:`` on older interpreters.

    The clause is parenthesized in place (columns shift only on those ``except`` lines), so code written for a
    newer Python than the one running flaglint is still read instead of being skipped.
    """
    try:
        return ast.parse(text, filename=path)
    except SyntaxError as error:
        if "must be parenthesized" not in str(error.msg):
            raise
        patched = _UNPARENTHESIZED_EXCEPT.sub(_parenthesize_except, text)
        if patched == text:
            raise
        try:
            return ast.parse(patched, filename=path)
        except SyntaxError:
            raise error from None


def _parenthesize_except(match: "re.Match[str]") -> str:
    types = match.group("types")
    if " as " in types:
        return match.group(0)
    return f"{match.group('head')}({types.rstrip()}){match.group('tail')}"


def parse_problem(path: str, error: BaseException) -> FileProblem:
    """A `FileProblem` for a file `ast.parse` rejected, with the position when Python gives one."""
    if isinstance(error, SyntaxError):
        hint = " (Python 2 code?)" if _looks_like_python2(error) else ""
        return FileProblem(path, f"cannot parse: {error.msg}{hint}", error.lineno or 1, error.offset or 1)
    if isinstance(error, RecursionError):
        return FileProblem(path, "cannot parse: expression nested too deeply")
    return FileProblem(path, f"cannot parse: {error}")


def _looks_like_python2(error: SyntaxError) -> bool:
    text = f"{error.msg} {error.text or ''}"
    return "Missing parentheses in call to 'print'" in text or bool(
        re.search(r"\bprint\s+[\"']|\bexcept\s+\w+\s*,\s*\w+\s*:|\b0[0-7]+\b|ur[\"']", text)
    )
