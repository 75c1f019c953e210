"""A progress bar on stderr for long runs: only on a terminal, only after a moment, at most 10 redraws a second."""

from __future__ import annotations

import time
from typing import TextIO

_DELAY = 0.5
_INTERVAL = 0.1
_WIDTH = 30


class ProgressBar:
    """Called as ``bar(done, total)`` by the engine; clears itself when the work is done."""

    def __init__(self, stream: TextIO):
        self.stream = stream
        self.started = time.monotonic()
        self.drawn_at = 0.0
        self.visible = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done >= total:
            self.clear()
            return
        if now - self.started < _DELAY or now - self.drawn_at < _INTERVAL:
            return
        filled = int(_WIDTH * done / max(total, 1))
        self.stream.write(f"\r[{'#' * filled}{' ' * (_WIDTH - filled)}] {done}/{total} files")
        self.stream.flush()
        self.drawn_at = now
        self.visible = True

    def clear(self) -> None:
        """Erase the bar, if it was drawn."""
        if self.visible:
            self.stream.write("\r" + " " * (_WIDTH + 40) + "\r")
            self.stream.flush()
            self.visible = False
