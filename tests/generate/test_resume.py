"""``generate --resume``: an interrupted run (kill -9, a damaged partition) completes to the very
bytes of an uninterrupted run, regenerating only what is missing or does not match."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from synthgen.generate.resume import IDENTITY, LEDGER

pytestmark = pytest.mark.slow

SEED = "resume_v1"
TASKS = 8
"""Partition tasks of the ci band (3 user partitions + 5 conversation partitions)."""


def tree(root: Path) -> dict[str, str]:
    """sha256 of every file under root (dot files included), bar the timing report."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and p.name != "generation.json"}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from synthgen.generate import generate_dataset

    out = tmp_path_factory.mktemp("clean") / "d"
    generate_dataset(out, "ci", SEED, workers=1)
    return out


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "synthgen", "generate", "--band", "ci", "--seed", SEED, *args]


def test_resume_after_kill_is_byte_identical(clean: Path, tmp_path: Path) -> None:
    from synthgen.dataset import is_complete
    from synthgen.generate import generate_dataset

    out = tmp_path / "d"
    # small batches make the run slow enough to be killed between partitions (same bytes)
    proc = subprocess.Popen(_cli("--out", str(out), "--workers", "1", "--batch-rows", "2000",
                                 "--json"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if len(list((out / LEDGER).glob("*.json"))) >= 2:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    records = sorted((out / LEDGER).glob("*.json"))
    assert 2 <= len(records) < TASKS
    assert not is_complete(out)
    # and one finished partition damaged afterwards (same size, one byte flipped)
    victim = out / json.loads(records[0].read_text())["files"][0]["path"]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    report = generate_dataset(out, "ci", SEED, workers=2, resume_run=True)
    assert report["resumed"]["kept"] == len(records) - 1  # the damaged one is regenerated
    assert report["resumed"]["generated"] == TASKS - len(records) + 1
    assert tree(out) == tree(clean)  # manifest, metadata and every Parquet file; no leftovers


def test_resume_repairs_damaged_and_missing_partitions(clean: Path, tmp_path: Path) -> None:
    from synthgen.generate import generate_dataset

    out = tmp_path / "d"
    shutil.copytree(clean, out)
    manifest = json.loads((clean / "manifest.json").read_text())
    # a complete dataset with one partition damaged in place (same size, one byte flipped) ...
    victim = out / next(f["path"] for f in manifest["files"] if f["table"] == "message_reads")
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    # ... one missing, and a half-written temporary beside it
    gone = out / next(f["path"] for f in manifest["files"] if f["table"] == "users")
    gone.unlink()
    (gone.parent / ".data.parquet.999.tmp").write_bytes(b"PAR1 half")
    report = generate_dataset(out, "ci", SEED, workers=1, resume_run=True)
    assert report["resumed"] == {"kept": TASKS - 2, "generated": 2}
    assert tree(out) == tree(clean)


def test_resume_of_a_complete_dataset_verifies_it(clean: Path, tmp_path: Path) -> None:
    from synthgen.generate import generate_dataset

    out = tmp_path / "d"
    shutil.copytree(clean, out)
    report = generate_dataset(out, "ci", SEED, workers=1, resume_run=True)
    assert report["resumed"] == {"kept": TASKS, "generated": 0}
    assert tree(out) == tree(clean)
    assert not (out / IDENTITY).exists()


def test_resume_refuses_a_different_seed(clean: Path, tmp_path: Path) -> None:
    out = tmp_path / "d"
    shutil.copytree(clean, out)
    got = subprocess.run([sys.executable, "-m", "synthgen", "generate", "--band", "ci", "--seed",
                          "another", "--out", str(out), "--resume"], capture_output=True,
                         text=True, check=False)
    assert got.returncode == 2
    assert "different seed" in got.stderr
    assert len(got.stderr.strip().splitlines()) == 1
    assert tree(out) == tree(clean)  # nothing touched


def test_dead_pool_worker_is_one_line_then_resume(clean: Path, tmp_path: Path) -> None:
    import psutil

    from synthgen.generate import generate_dataset

    out = tmp_path / "d"
    proc = subprocess.Popen(_cli("--out", str(out), "--workers", "2", "--batch-rows", "2000"),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if list((out / LEDGER).glob("*.json")):
            break
        time.sleep(0.05)
    workers = [c for c in psutil.Process(proc.pid).children(recursive=True)
               if "spawn_main" in " ".join(c.cmdline())]
    assert workers, "no pool worker to kill"
    workers[0].kill()  # a worker dies mid-partition (OOM killer, kill -9)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 3, err
    assert "worker process died" in err
    assert len(err.strip().splitlines()) == 1
    assert not (out / "manifest.json").exists()
    report = generate_dataset(out, "ci", SEED, workers=2, resume_run=True)
    assert report["resumed"]["kept"] >= 1
    assert tree(out) == tree(clean)


def test_a_dead_writers_temporary_is_swept_before_the_manifest(
        clean: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Dask worker killed while writing leaves its dot-named temporary beside the partition
    that another worker then writes whole; the run sweeps them before the manifest (CI once
    kept one: ``users/part=00002/.data.parquet.14923.tmp``)."""
    from synthgen.generate import driver, generate_dataset

    out = tmp_path / "d"
    real = driver._task

    def task(*args):  # type: ignore[no-untyped-def]
        files, cpu = real(*args)
        for f in files:  # as if a killed writer had started this partition first
            (out / f.path).with_name(f".{Path(f.path).name}.99999.tmp").write_bytes(b"half")
        return files, cpu

    monkeypatch.setattr(driver, "_task", task)
    generate_dataset(out, "ci", SEED, workers=1)
    assert tree(out) == tree(clean)
