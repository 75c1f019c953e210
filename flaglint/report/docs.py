"""Documentation generated from the code registry: the README's table and ``flaglint explain``."""

from __future__ import annotations

from flaglint.codes import CODES, Code


def codes_markdown() -> str:
    """The README's table of codes, generated from the registry."""
    rows = ["| code | name | severity | scope | what it reports |", "|---|---|---|---|---|"]
    for entry in CODES:
        summary = entry.summary if entry.default else f"{entry.summary} Off by default: `--select {entry.code}`."
        rows.append(f"| {entry.code} | {entry.name} | {entry.severity} | {entry.scope} | {summary} |")
    return "\n".join(rows)


def explanation(entry: Code) -> str:
    """``flaglint explain CODE``: what it reports, why it matters, an example and what to do instead."""
    return (
        f"{entry.code} {entry.name} ({entry.severity}, {entry.scope} scope)\n\n"
        f"What it does\n  {entry.summary}\n\nWhy it matters\n  {entry.why}\n\n"
        f"Example\n  {entry.bad}\n\nUse instead\n  {entry.good}"
    )


def code_list() -> str:
    """``flaglint explain``: one line per code."""
    return "\n".join(f"{entry.code}  {entry.name:<40} {entry.severity:<8} {entry.summary}" for entry in CODES)
