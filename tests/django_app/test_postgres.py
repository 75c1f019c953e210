"""The PostgreSQL half of the Django tests really runs: in CI (.ci/run sets FLAGLINT_REQUIRE_POSTGRES=1) a missing
or broken PostgreSQL is a failure here, never a quiet skip of every ``[postgres]`` test."""

from __future__ import annotations

import pgcluster
import pytest
from conftest import CLUSTER, CLUSTER_ERROR


def test_postgres_runs_when_required() -> None:
    if not pgcluster.required() and pgcluster.binaries() is None:
        pytest.skip("PostgreSQL is not installed here (CI installs it: .ci/run)")
    assert pgcluster.binaries() is not None, "PostgreSQL binaries not found (apt-get install postgresql)"
    assert CLUSTER is not None, f"the throwaway cluster did not start: {CLUSTER_ERROR}"
    from django.db import connections

    with connections["postgres"].cursor() as cursor:
        cursor.execute("SELECT version()")
        assert "PostgreSQL" in cursor.fetchone()[0]
    assert connections["postgres"].vendor == "postgresql"
