"""Generate a whole dataset: plan → partitions (in a process pool) → Parquet → manifest.

Partitions are independent by construction (each has its own random streams), so the
result is byte-identical for any number of workers and any batch size.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
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
from synthgen.bands import Band, load_band
from synthgen.dataset import FORMAT, MANIFEST, FileEntry, Manifest, write_manifest
from synthgen.errors import InputError
from synthgen.generate.plan import cached_plan
from synthgen.generate.tables.activity import build_activity
from synthgen.generate.tables.chat import build_conversations, build_memberships, build_reads, build_receipts
from synthgen.generate.tables.messages import build_messages
from synthgen.generate.tables.users import build_users
from synthgen.generate.write import write_partition
from synthgen.schema import TABLE_NAMES
from synthgen.spec import load_spec, spec_from_dict, spec_hash, spec_to_dict
from synthgen.spec_model import Spec

DEFAULT_BATCH_ROWS = 65_536
_META_FILES = ("generation.json", "seed.txt", "spec.json", "band.json", "feasibility.json",
               "fidelity.json")


def resolve(band: str | Band, spec_path: Path | str | None) -> tuple[Band, Spec]:
    """The band and the spec with the band's overrides applied."""
    b = load_band(band) if isinstance(band, str) else band
    return b, load_spec(spec_path, overrides=b.spec_overrides)


def _task(seed: str, band: Band, spec_json: dict[str, Any], root: str, kind: str, part: int,
          batch_rows: int) -> tuple[list[FileEntry], float]:
    """One partition in a worker process; returns its files and CPU seconds."""
    t0 = time.process_time()
    spec = spec_from_dict(spec_json)
    plan = cached_plan(seed, band, spec)
    out = Path(root)
    files: list[FileEntry] = []
    if kind == "users":
        files.append(write_partition(out, "users", part, build_users(plan, part).batches(batch_rows)))
        return files, time.process_time() - t0
    act = build_activity(plan, part)
    msgs, attachments = build_messages(plan, part, act)
    frames = {"conversations": build_conversations(plan, part, act),
              "conversation_users": build_memberships(plan, part, act),
              "messages": msgs.frame}
    if spec.tables.message_reads:
        frames["message_reads"] = build_reads(plan, act)
    if spec.tables.message_receipts:
        frames["message_receipts"] = build_receipts(plan, act)
    if spec.tables.attachments:
        frames["attachments"] = attachments
    for table, frame in frames.items():
        files.append(write_partition(out, table, part, frame.batches(batch_rows)))
    return files, time.process_time() - t0


def _prepare_dir(out: Path, force: bool) -> None:
    """Refuse to overwrite a finished dataset (unless forced) or a folder that is not ours."""
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} exists and is not a directory")
    if not out.exists():
        out.mkdir(parents=True)
        return
    entries = {p.name for p in out.iterdir()}
    ours = set(TABLE_NAMES) | set(_META_FILES) | {MANIFEST}
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
    return max(own, kids) / 1024.0


def generate_dataset(out: Path | str, band: str | Band, seed: str, *,
                     spec_path: Path | str | None = None, workers: int = 1, force: bool = False,
                     progress: bool = False, batch_rows: int = DEFAULT_BATCH_ROWS) -> dict[str, Any]:
    """Generate every table of a band into `out`; returns the generation report."""
    if workers < 1:
        raise InputError(f"--workers must be >= 1, got {workers}")
    if batch_rows < 1:
        raise InputError(f"--batch-rows must be >= 1, got {batch_rows}")
    t_start = time.perf_counter()
    b, spec = resolve(band, spec_path)
    from synthgen.generate.feasibility import check_plan

    t0 = time.perf_counter()
    try:
        plan = cached_plan(seed, b, spec)
    except ValueError as e:
        raise InputError(f"band {b.name} cannot be generated with this spec: {e}") from None
    plan_s = time.perf_counter() - t0
    root = Path(out)
    _prepare_dir(root, force)
    spec_json = spec_to_dict(spec)
    tasks = [("users", u) for u in range(plan.user_partitions)]
    tasks += [("chat", p) for p in range(plan.partitions)]
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
    band_json = {**asdict(b), "window_end": b.window_end.isoformat(),
                 "window_start": b.window_start.isoformat()}
    (root / "seed.txt").write_text(seed + "\n")
    (root / "spec.json").write_text(json.dumps(spec_json, indent=2) + "\n")
    (root / "band.json").write_text(json.dumps(band_json, indent=2) + "\n")
    (root / "feasibility.json").write_text(json.dumps(check_plan(plan), indent=2) + "\n")
    (root / "generation.json").write_text(json.dumps(report, indent=2) + "\n")
    write_manifest(root, manifest)  # last: only now is the dataset complete
    return report


def main_is_tty() -> bool:
    """Whether progress bars make sense."""
    return sys.stderr.isatty()
