"""``generate --cluster``: Dask workers write the partitions, the client the manifest; the bytes
are those of a single-machine run, even when a worker is killed mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.generate.test_resume import SEED, tree

pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from synthgen.generate import generate_dataset

    out = tmp_path_factory.mktemp("clean") / "d"
    generate_dataset(out, "ci", SEED, workers=1)
    return out


@pytest.mark.slow
def test_local_cluster_is_byte_identical(clean: Path, tmp_path: Path) -> None:
    out = tmp_path / "d"
    got = subprocess.run([sys.executable, "-m", "synthgen", "generate", "--band", "ci", "--seed",
                          SEED, "--out", str(out), "--cluster", "local:2", "--json"],
                         capture_output=True, text=True, check=False)
    assert got.returncode == 0, got.stderr
    assert tree(out) == tree(clean)


@pytest.mark.slow
def test_killed_worker_is_retried_and_bytes_hold(clean: Path, tmp_path: Path) -> None:
    import distributed

    from synthgen.generate import generate_dataset
    from synthgen.generate.resume import LEDGER

    out = tmp_path / "d"
    result: dict[str, Any] = {}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        pids = c.run(os.getpid)

        def run() -> None:
            try:  # small batches: slow enough to kill a worker between partitions
                result["report"] = generate_dataset(out, "ci", SEED, batch_rows=2000,
                                                    cluster=cluster.scheduler_address)
            except BaseException as e:  # re-raised in the test's thread below
                result["error"] = e

        t = threading.Thread(target=run)
        t.start()
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and not list((out / LEDGER).glob("*.json")):
            time.sleep(0.05)
        victim = next(iter(pids.values()))
        os.kill(victim, signal.SIGKILL)  # mid-run: its partition in flight is lost
        t.join(600)
    assert "error" not in result, result.get("error")
    assert len(list(out.glob(f"{LEDGER}/*"))) == 0
    assert result["report"]["total_rows"] > 0
    assert tree(out) == tree(clean)
    with pytest.raises(ProcessLookupError):
        os.kill(victim, 0)


@pytest.mark.slow
def test_unreachable_scheduler_is_one_line_exit_3(tmp_path: Path) -> None:
    got = subprocess.run([sys.executable, "-m", "synthgen", "generate", "--band", "ci", "--seed",
                          SEED, "--out", str(tmp_path / "d"), "--cluster", "tcp://127.0.0.1:9"],
                         capture_output=True, text=True, check=False)
    assert got.returncode == 3, got.stderr
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "d" / "manifest.json").exists()


def test_bad_cluster_address_is_input_error(tmp_path: Path) -> None:
    from synthgen.cluster import parse_address
    from synthgen.errors import InputError

    assert parse_address("local:3") == 3
    assert parse_address("tcp://h:8786") == "tcp://h:8786"
    for bad in ("local:0", "local:x", "scheduler:8786"):
        with pytest.raises(InputError, match="--cluster"):
            parse_address(bad)
