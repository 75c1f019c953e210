"""A throwaway PostgreSQL cluster for the tests: initdb in a temporary directory, a unix socket there, stopped after.

Uses Debian's binaries (``/usr/lib/postgresql/*/bin``) or ``initdb`` on PATH. PostgreSQL refuses to run as root, so
as root the server runs as the ``postgres`` user (``runuser -u postgres --``), which owns the directory.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from typing import List, Optional


def binaries() -> Optional[str]:
    """The directory holding initdb and pg_ctl, or None when PostgreSQL is not installed."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    found = shutil.which("initdb")
    if found:
        candidates.insert(0, os.path.dirname(os.path.realpath(found)))
    for directory in candidates:
        if os.path.exists(os.path.join(directory, "initdb")) and os.path.exists(os.path.join(directory, "pg_ctl")):
            return directory
    return None


def required() -> bool:
    """CI (``.ci/run`` sets these) must run the PostgreSQL tests: their absence is a failure there."""
    return os.environ.get("FLAGLINT_REQUIRE_POSTGRES") == "1" or os.environ.get("CI", "").lower() in ("1", "true")


class Cluster:
    """One cluster; `start` returns the socket directory (the HOST to connect to), `stop` removes everything."""

    def __init__(self, bin_dir: str):
        self.bin_dir = bin_dir
        self.directory = tempfile.mkdtemp(prefix="flaglint-pg-")
        self.data = os.path.join(self.directory, "data")
        self.log = os.path.join(self.directory, "server.log")
        self.started = False

    def _as_owner(self, command: List[str]) -> List[str]:
        return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command

    def start(self) -> str:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        os.chmod(self.directory, 0o755)
        initdb = [os.path.join(self.bin_dir, "initdb"), "-D", self.data, "-U", "postgres", "-A", "trust"]
        subprocess.run(self._as_owner(initdb), check=True, capture_output=True, timeout=120)
        options = f"-k {self.directory} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        start = [os.path.join(self.bin_dir, "pg_ctl"), "-D", self.data, "-l", self.log, "-w", "-o", options, "start"]
        result = subprocess.run(self._as_owner(start), capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            log = open(self.log).read() if os.path.exists(self.log) else ""
            raise RuntimeError(f"pg_ctl start failed: {result.stdout}{result.stderr}{log}")
        self.started = True
        return self.directory

    def stop(self) -> None:
        if self.started:
            stop = [os.path.join(self.bin_dir, "pg_ctl"), "-D", self.data, "-m", "immediate", "-w", "stop"]
            subprocess.run(self._as_owner(stop), capture_output=True, timeout=120)
            self.started = False
        shutil.rmtree(self.directory, ignore_errors=True)
