"""`flaglint remove` on Python: every rule's before/after pair, both ways, exactly; parse and idempotence checks."""

from __future__ import annotations

import ast
import os
import shutil
from pathlib import Path
from typing import List, Tuple

import pytest


from flaglint.config import load_settings
from flaglint.scan import scan
from flaglint.rewrite.python import rewrite_python
from flaglint.model import Failed, Rewritten

CASES = Path(__file__).resolve().parent.parent / "fixtures" / "remove" / "python"
INPUTS = sorted(p.name for p in CASES.glob("r*.py") if p.suffixes == [".py"])
#: Set FLAGLINT_REGENERATE=1 to write the outputs (then read every one of them before committing).
REGENERATE = os.environ.get("FLAGLINT_REGENERATE") == "1"


def remove_in(directory: Path, filename: str, keep_on: bool) -> Tuple[bytes, List[str]]:
    """Run the collector and the rewriter on one file the way `flaglint remove` does."""
    source = (directory / filename).read_bytes()
    kind, name = source.split(b"\n", 1)[0].decode().split("remove:", 1)[1].split()
    here = os.getcwd()
    os.chdir(directory)
    try:
        references = [r for r in scan(load_settings(".")).references if r.name == name and r.kind == kind]
        outcome = rewrite_python(filename, source, references, keep_on)
    finally:
        os.chdir(here)
    assert not isinstance(outcome, Failed), outcome
    return (outcome.after if isinstance(outcome, Rewritten) else source), [str(note) for note in outcome.notes]


@pytest.mark.parametrize("keep", ["on", "off"])
@pytest.mark.parametrize("case", INPUTS)
def test_before_after(case: str, keep: str, tmp_path: Path) -> None:
    shutil.copy(CASES / case, tmp_path / case)
    result, notes = remove_in(tmp_path, case, keep == "on")
    expected_path = CASES / case.replace(".py", f".{keep}.py")
    if REGENERATE:
        expected_path.write_bytes(result)
        (CASES / case.replace(".py", f".{keep}.notes")).write_text("".join(f"{note}\n" for note in notes))
    assert result == expected_path.read_bytes()
    notes_path = CASES / case.replace(".py", f".{keep}.notes")
    assert notes == notes_path.read_text().splitlines()
    ast.parse(result)  # every output is valid Python
    (tmp_path / case).write_bytes(result)
    again, _ = remove_in(tmp_path, case, keep == "on")
    assert again == result, "a second run changes nothing"
