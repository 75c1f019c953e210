"""Every Django test again with a swapped flag model (WAFFLE_FLAG_MODEL = "registrar.WaffleFlag").

Django picks the flag model once per process, so the run happens in a fresh pytest process with the other
settings module; its output is shown when it fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SWAPPED = "guardsite.settings_custom"


def test_every_django_test_passes_with_a_swapped_flag_model(tmp_path: Path) -> None:
    from django.conf import settings

    if settings.SETTINGS_MODULE == SWAPPED:
        from waffle import get_waffle_flag_model

        assert get_waffle_flag_model()._meta.label == "registrar.WaffleFlag"  # this is the swapped run itself
        return
    environment = {**os.environ, "FLAGLINT_TEST_SETTINGS": SWAPPED, "FLAGLINT_TEST_DB_DIR": str(tmp_path)}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    files = [str(HERE / name) for name in ("test_orm.py", "test_admin.py", "test_monitor.py", Path(__file__).name)]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *files],
        cwd=HERE.parent.parent,
        env=environment,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if result.returncode != 0:
        pytest.fail(f"the swapped-model run failed:\n{result.stdout[-6000:]}\n{result.stderr[-3000:]}")
    assert " passed" in result.stdout and "skipped" not in result.stdout.splitlines()[-1], result.stdout[-500:]
