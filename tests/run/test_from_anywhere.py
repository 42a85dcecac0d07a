"""`synthgen run` as an installed tool: from a directory outside the repository, defaults only."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from synthgen.pg import server as embedded
from tests.run.conftest import ROOT

pytestmark = [pytest.mark.db, pytest.mark.slow]  # generates the ci band through the CLI


@pytest.fixture
def elsewhere() -> Iterator[Path]:
    """A fresh directory outside the repository (and outside pytest's 0700 tmp, see db.py)."""
    path = Path(tempfile.mkdtemp(prefix="synthgen-elsewhere-")).resolve()
    assert ROOT not in path.parents
    try:
        yield path
    finally:
        embedded.destroy(path / "home" / "synthgen" / "pg")
        shutil.rmtree(path, ignore_errors=True)


def test_run_ci_band_from_outside_the_repository(elsewhere: Path) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in (embedded.ENV_DATA_DIR, "SYNTHGEN_DSN", "PYTHONPATH")}
    env["XDG_DATA_HOME"] = str(elsewhere / "home")  # the per-user server, in a home of our own
    work = elsewhere / "work"
    work.mkdir()
    # shorter EXPLAIN runs and workload steps; the workload phase itself stays on (the
    # wheel's pgbench, found beside the embedded server)
    proc = subprocess.run([sys.executable, "-m", "synthgen", "run", "--band", "ci", "--runs", "3",
                           "--workload-seconds", "2", "--workers", "1", "--seed", "anywhere"],
                          cwd=work, env=env, text=True, capture_output=True, timeout=1200,
                          check=False)
    output = proc.stdout + proc.stderr
    # a verdict, not an error: NO-GO, since the shipped candidate's DESC copies are redundant
    assert proc.returncode == 1, output
    assert "not found" not in output
    report = json.loads((work / "out" / "ci" / "report.json").read_text())
    assert report["decision"] == "NO-GO"
    assert [s["status"] for s in report["stages"]] == ["done"] * len(report["stages"])
    assert {"workload pre", "workload post"} <= {s["name"] for s in report["stages"]}
    assert report["counts"]["messages"] == 60_000
    # the shipped candidate was used, and the embedded server was announced where it lives
    assert "phase-2" in json.dumps(report["options"]["indexes"])
    assert f"data in {elsewhere / 'home' / 'synthgen' / 'pg'}" in output
    assert not (work / ".synthgen").exists()
    # the report path printed resolves from where the user stands
    assert str(work / "out" / "ci" / "report.html") in output
