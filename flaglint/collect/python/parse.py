"""Reading Python source the way the interpreter would: its encoding, and any grammar a supported Python accepts.

A file is parsed with the running interpreter's `ast`; code written for a newer Python than the one running
flaglint is rewritten into the older grammar without moving any position (`grammar`). What no supported grammar
accepts (Python 2, a real syntax error) is a `FileProblem`.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from typing import Optional, Tuple

from flaglint.collect.python.grammar import NothingToRewrite, ScanError, parse_newer
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


def parse(text: str, path: str) -> ast.Module:
    """`ast.parse`, and when the running interpreter rejects the file, the newer grammar a supported Python accepts.

    The fast path is the running `ast`; on a `SyntaxError` the file is rewritten position for position
    (`grammar.parse_newer`: PEP 701 f-strings, PEP 695 type parameters and aliases, ``except*``, ``match``,
    PEP 758 ``except A, B:``) so code written for a newer Python than the one running flaglint is still read.
    What that does not make parseable raises the interpreter's own error (Python 2 code, a real syntax error).
    """
    try:
        return ast.parse(text, filename=path)
    except SyntaxError as error:
        try:
            tree = parse_newer(text, path)
        except (NothingToRewrite, ScanError):
            raise error from None
        except SyntaxError as rewritten:  # positions are the file's own: this is the error past the newer syntax
            rewritten.text = _line(text, rewritten.lineno) if rewritten.lineno else None
            raise rewritten from None
        except Exception:  # noqa: BLE001 - the fallback is best effort: the interpreter's own error stands
            raise error from None
        assert isinstance(tree, ast.Module)
        return tree


def _line(text: str, number: int) -> str:
    lines = re.split(r"\r\n|\r|\n", text)
    return lines[number - 1] if 0 < number <= len(lines) else ""


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
