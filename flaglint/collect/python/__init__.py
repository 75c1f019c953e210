"""The Python collector, on the standard library's `ast` (flake8 hands plugins that tree; libcst with positions is
20-40x slower), by pass: `parse` (encodings and grammars), `scopes` (what names bind), `values` (what expressions
denote), `references` (what names a flag).
"""

from flaglint.collect.python.parse import decode_source, parse, parse_problem
from flaglint.collect.python.references import collect_python, collect_tree
from flaglint.collect.python.scopes import package_of

__all__ = ["collect_python", "collect_tree", "decode_source", "package_of", "parse", "parse_problem"]
