"""Where a scan's time goes, stage by stage, and how many files each stage saw (for `benchmarks/`).

Stages add up their wall time; per-file work is split further (read, prefilter, parse, collect) when it runs in
this process (``--jobs 1``); with workers, only the pool's wall time is known here.
"""

from __future__ import annotations

import contextlib
import time
from collections import defaultdict
from typing import DefaultDict, Dict, Iterator


class Stopwatch:
    """Seconds and counts by name; `stage` times a block."""

    def __init__(self) -> None:
        self.seconds: DefaultDict[str, float] = defaultdict(float)
        self.counts: DefaultDict[str, int] = defaultdict(int)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Add the block's wall time to `name`."""
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] += time.perf_counter() - start

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] += seconds

    def count(self, name: str, number: int = 1) -> None:
        self.counts[name] += number

    def report(self) -> Dict[str, Dict[str, float]]:
        """``{"seconds": {...}, "counts": {...}}``, for JSON."""
        return {"seconds": dict(self.seconds), "counts": {k: float(v) for k, v in self.counts.items()}}


#: The per-file work of this process (``--jobs 1``, or the serial path for small runs).
PER_FILE = Stopwatch()
