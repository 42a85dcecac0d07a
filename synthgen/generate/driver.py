"""Generate a whole dataset: spec check → partitions (in a process pool) → Parquet → manifest.

Partitions are independent by construction (each has its own random streams), so the
result is byte-identical for any number of workers and any batch size. Which tables a
partition holds, and how each is built, is ``tables.registry``'s business.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import platform
import resource
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

import synthgen
from synthgen.bands import Band
from synthgen.dataset import (
    BAND,
    ENTRIES,
    FEASIBILITY,
    FORMAT,
    GENERATION,
    MANIFEST,
    SEED,
    SPEC,
    FileEntry,
    Manifest,
    write_json,
    write_manifest,
    write_text,
)
from synthgen.errors import InputError
from synthgen.generate.check import spec_check
from synthgen.generate.plan import cached_plan
from synthgen.generate.tables.registry import PartitionInputs, PartitionKind, builders
from synthgen.generate.write import write_partition
from synthgen.schema import TABLE_NAMES
from synthgen.spec import spec_from_dict, spec_hash, spec_to_dict

DEFAULT_BATCH_ROWS = 65_536
"""Rows per Arrow batch: bounds a worker's memory for string columns; never changes the data."""
KIB_PER_MIB = 1024.0
"""getrusage reports ru_maxrss in KiB (on Linux)."""


def _task(seed: str, band: Band, spec_json: dict[str, Any], root: str, kind: PartitionKind,
          part: int, batch_rows: int) -> tuple[list[FileEntry], float]:
    """One partition in a worker process; returns its files and CPU seconds."""
    t0 = time.process_time()
    spec = spec_from_dict(spec_json)
    inputs = PartitionInputs(cached_plan(seed, band, spec), part)
    files = [write_partition(Path(root), b.table, part, b.build(inputs).batches(batch_rows))
             for b in builders(kind, spec)]
    return files, time.process_time() - t0


def _prepare_dir(out: Path, force: bool) -> None:
    """Refuse to overwrite a finished dataset (unless forced) or a folder that is not ours."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a directory")
    if not out.exists():
        out.mkdir(parents=True)
        return
    entries = {p.name for p in out.iterdir()}
    ours = ENTRIES  # the dataset's own files and what later stages wrote about it
    if MANIFEST in entries and not force:
        raise InputError(f"{out} already holds a complete dataset; use --force to replace it")
    foreign = {e for e in entries if e not in ours and not e.startswith(".")}
    if foreign:
        raise InputError(f"{out} is not empty and does not look like a synthgen dataset "
                         f"({', '.join(sorted(foreign)[:3])} ...); choose an empty directory")
    (out / MANIFEST).unlink(missing_ok=True)  # first: a crash from here on is never "complete"
    for name in entries & (ours - {MANIFEST}):
        path = out / name
        shutil.rmtree(path) if path.is_dir() else path.unlink()


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / KIB_PER_MIB


def generate_dataset(out: Path | str, band: str | Band, seed: str, *,
                     spec_path: Path | str | None = None, workers: int = 1, force: bool = False,
                     progress: bool = False, batch_rows: int = DEFAULT_BATCH_ROWS) -> dict[str, Any]:
    """Generate every table of a band into `out`; returns the generation report."""
    if workers < 1:
        raise InputError(f"--workers must be >= 1, got {workers}")
    if batch_rows < 1:
        raise InputError(f"--batch-rows must be >= 1, got {batch_rows}")
    t_start = time.perf_counter()
    check = spec_check(band, spec_path, seed=seed)
    b, spec, plan = check.band, check.spec, check.plan
    plan_s = time.perf_counter() - t_start
    root = Path(out)
    _prepare_dir(root, force)
    spec_json = spec_to_dict(spec)
    tasks: list[tuple[PartitionKind, int]] = [("users", u) for u in range(plan.user_partitions)]
    tasks += [("conversations", p) for p in range(plan.partitions)]
    totals = {"users": b.users, "conversations": b.conversations, "messages": b.messages,
              "conversation_users": int(plan.member_offset[-1])}
    files: list[FileEntry] = []
    cpu = 0.0
    from synthgen.progress import TableProgress

    with TableProgress(totals, enabled=progress) as bar:
        if workers == 1:
            for kind, part in tasks:
                got, sec = _task(seed, b, spec_json, str(root), kind, part, batch_rows)
                files += got
                cpu += sec
                bar.advance(got)
        else:
            ctx = multiprocessing.get_context("spawn")
            with cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
                futures = [pool.submit(_task, seed, b, spec_json, str(root), kind, part,
                                       batch_rows) for kind, part in tasks]
                for fut in cf.as_completed(futures):
                    got, sec = fut.result()
                    files += got
                    cpu += sec
                    bar.advance(got)
    files.sort(key=lambda f: (TABLE_NAMES.index(f.table), f.partition))
    wall = time.perf_counter() - t_start
    manifest = Manifest(format=FORMAT, seed=seed, band=b.name, spec_hash=spec_hash(spec),
                        synthgen_version=synthgen.__version__, files=tuple(files))
    counts = {t: manifest.table_rows(t) for t in manifest.tables}
    report: dict[str, Any] = {
        "seed": seed, "band": b.name, "spec_hash": manifest.spec_hash,
        "versions": {"synthgen": synthgen.__version__, "numpy": np.__version__,
                     "pyarrow": pa.__version__, "python": platform.python_version()},
        "machine": {"platform": platform.platform(), "cpus": multiprocessing.cpu_count()},
        "rows": counts, "total_rows": sum(counts.values()),
        "partitions": {"conversation": plan.partitions, "users": plan.user_partitions},
        "workers": workers, "batch_rows": batch_rows,
        "bytes": sum(f.bytes for f in files),
        "timings_s": {"plan": round(plan_s, 3), "wall": round(wall, 3), "cpu": round(cpu, 3)},
        "rows_per_s": round(sum(counts.values()) / wall) if wall else None,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "adjustments": [asdict(a) for a in plan.adjustments],
    }
    write_text(root / SEED, seed + "\n")
    write_json(root / SPEC, spec_json, indent=2)
    write_json(root / BAND, b.to_json(), indent=2)
    write_json(root / FEASIBILITY, check.feasibility.to_json(), indent=2)
    write_json(root / GENERATION, report, indent=2)
    write_manifest(root, manifest)  # last: only now is the dataset complete
    return report


def main_is_tty() -> bool:
    """Whether progress bars make sense."""
    return sys.stderr.isatty()
