"""Generate a whole dataset: spec check → partitions (in a process pool) → Parquet → manifest.

Partitions are independent by construction (each has its own random streams), so the
result is byte-identical for any number of workers and any batch size. Which tables a
partition holds, and how each is built, is ``tables.registry``'s business.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import multiprocessing
import platform
import resource
import sys
import time
from collections.abc import Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from pyarrow.fs import FileType

import synthgen
from synthgen.bands import Band
from synthgen.dataset import (
    BAND,
    ENTRIES,
    FEASIBILITY,
    FORMAT,
    GENERATION,
    INPUT_FILES,
    MANIFEST,
    SEED,
    SPEC,
    FileEntry,
    Manifest,
    sha256_text,
)
from synthgen.errors import EnvironmentProblem, InputError
from synthgen.generate import output, resume
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


def _task(seed: str, band: Band, spec_json: dict[str, Any], out: str, kind: PartitionKind,
          part: int, batch_rows: int) -> tuple[list[FileEntry], float]:
    """One partition in a worker process (or Dask worker); returns its files and CPU seconds."""
    t0 = time.process_time()
    spec = spec_from_dict(spec_json)
    inputs = PartitionInputs(cached_plan(seed, band, spec), part)
    files = [write_partition(out, b.table, part, b.build(inputs).batches(batch_rows))
             for b in builders(kind, spec)]
    resume.write_record(out, kind, part, files)  # after the files: the task is now done
    return files, time.process_time() - t0


def _prepare_dir(out: str, force: bool, keep: bool) -> None:
    """Refuse to overwrite a finished dataset (unless forced) or a folder that is not ours.

    ``keep`` (``--resume``) leaves the partitions and their records for resume to judge.
    """
    got = output.info(out)
    if got.type == FileType.File:
        raise InputError(f"--out {out} exists and is not a directory")
    entries = {fi.base_name for fi in output.listdir(out)}
    if not entries:
        output.make_root(out)
        return
    ours = ENTRIES  # the dataset's own files and what later stages wrote about it
    if MANIFEST in entries and not force and not keep:
        raise InputError(f"{out} already holds a complete dataset; use --force to replace it "
                         "(or --resume to verify and repair it)")
    foreign = {e for e in entries if e not in ours and not e.startswith(".")}
    if foreign:
        raise InputError(f"{out} is not empty and does not look like a synthgen dataset "
                         f"({', '.join(sorted(foreign)[:3])} ...); choose an empty directory")
    if keep:
        return  # resume drops the manifest itself, once it has recorded what it keeps
    output.delete(out, MANIFEST)  # first: a crash from here on is never "complete"
    for name in (entries & (ours - {MANIFEST})) | {resume.LEDGER, resume.IDENTITY}:
        output.delete(out, name)


def _peak_rss_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / KIB_PER_MIB


def _run_tasks(calls: list[tuple[Any, ...]], workers: int, cluster: str | None
               ) -> Iterator[tuple[list[FileEntry], float]]:
    """Each task's (files, CPU seconds) as it completes: in process, a pool, or on Dask."""
    if cluster is not None:
        from synthgen.cluster import map_tasks

        yield from map_tasks(cluster, _task, calls)
    elif workers == 1:
        for call in calls:
            yield _task(*call)
    else:
        ctx = multiprocessing.get_context("spawn")
        # workers ignore SIGINT: Ctrl-C reaches the whole process group, and a worker would
        # report its KeyboardInterrupt as a task result and take the next task
        pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=ctx,
                                      initializer=_ignore_sigint)
        try:
            futures = [pool.submit(_task, *call) for call in calls]
            for fut in cf.as_completed(futures):
                yield fut.result()
        except BaseException:  # Ctrl-C or a failed task: nothing more starts, workers stop now
            _stop_pool(pool)
            raise
        pool.shutdown()


def _ignore_sigint() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_pool(pool: cf.ProcessPoolExecutor, grace_s: float = 1.0) -> None:
    """Cancel pending tasks and end the workers (SIGTERM, then SIGKILL after ``grace_s``).

    A partition cut short leaves only a temporary file, which --resume clears.
    """
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        proc.terminate()
    deadline = time.monotonic() + grace_s
    for proc in procs:
        proc.join(max(0.0, deadline - time.monotonic()))
    for proc in procs:
        if proc.is_alive():
            proc.kill()
            proc.join(1.0)


def _reusable(out: str, ident: dict[str, Any], tables: dict[PartitionKind, set[str]]
              ) -> dict[resume.Task, list[FileEntry]]:
    """The finished tasks of an interrupted (or complete) run that --resume may keep."""
    prev = resume.previous_identity(out)
    if prev is None:
        return {}
    differ = resume.same_run(prev, ident)
    if differ:
        raise InputError(f"cannot --resume {out}: it was generated with a different "
                         f"{', '.join(differ)}; rerun with the same options, or drop --resume")
    kinds: dict[str, PartitionKind] = {t: k for k, ts in tables.items() for t in ts}
    return {task: files for task, files in resume.recorded(out, kinds).items()
            if resume.intact(out, files, tables[task[0]])}


def generate_dataset(out: Path | str, band: str | Band, seed: str, *,
                     spec_path: Path | str | None = None, workers: int = 1, force: bool = False,
                     progress: bool = False, batch_rows: int = DEFAULT_BATCH_ROWS,
                     resume_run: bool = False, cluster: str | None = None) -> dict[str, Any]:
    """Generate every table of a band into `out` (a path or URL); returns the generation report.

    ``resume_run`` keeps the partitions an interrupted run finished (checksums verified) and
    regenerates the rest; ``cluster`` runs the partitions on Dask instead of a process pool.
    """
    if workers < 1:
        raise InputError(f"--workers must be >= 1, got {workers}")
    if batch_rows < 1:
        raise InputError(f"--batch-rows must be >= 1, got {batch_rows}")
    t_start = time.perf_counter()
    check = spec_check(band, spec_path, seed=seed)
    b, spec, plan = check.band, check.spec, check.plan
    plan_s = time.perf_counter() - t_start
    root = str(out)
    spec_json = spec_to_dict(spec)
    ident = resume.identity(seed, b.to_json(), spec_hash(spec), synthgen.__version__)
    tables: dict[PartitionKind, set[str]] = {
        k: {x.table for x in builders(k, spec)} for k in ("users", "conversations")}
    tasks: list[tuple[PartitionKind, int]] = [("users", u) for u in range(plan.user_partitions)]
    tasks += [("conversations", p) for p in range(plan.partitions)]
    totals = {"users": b.users, "conversations": b.conversations, "messages": b.messages,
              "conversation_users": int(plan.member_offset[-1])}
    files: list[FileEntry] = []
    cpu = 0.0
    from synthgen.progress import TableProgress

    try:
        _prepare_dir(root, force, keep=resume_run)
        kept = _reusable(root, ident, tables) if resume_run else {}
        for (kind, part), got in kept.items():  # a complete dataset's tasks, as records
            resume.write_record(root, kind, part, got)
        output.delete(root, MANIFEST)  # a crash from here on is never "complete"
        if resume_run:
            resume.clear_temporaries(root, TABLE_NAMES)
        resume.start(root, ident)
        todo = [t for t in tasks if t not in kept]
        with TableProgress(totals, enabled=progress) as bar:
            for got in kept.values():
                files += got
                bar.advance(got)
            calls = [(seed, b, spec_json, root, kind, part, batch_rows) for kind, part in todo]
            finished = 0
            try:
                for got, sec in _run_tasks(calls, workers, cluster):
                    files += got
                    cpu += sec
                    finished += 1
                    bar.advance(got)
            except KeyboardInterrupt:
                raise KeyboardInterrupt(
                    f"generation stopped: {len(kept) + finished} of {len(tasks)} partitions "
                    f"are written and kept, {len(todo) - finished} were cancelled; "
                    f"{output.safe(root)} holds "
                    "no complete dataset yet. Resume: the same command with --resume (synthgen "
                    "run: --resume)") from None
            # A Dask worker killed mid-partition leaves its dot-named temporary file; the
            # partition itself was written again elsewhere. Swept before the manifest.
            resume.clear_temporaries(root, TABLE_NAMES)
    except BrokenProcessPool:
        raise EnvironmentProblem("a worker process died mid-partition (killed, or out of "
                                 "memory); rerun with --resume to finish "
                                 f"{output.safe(root)}") from None
    except OSError as e:  # full disk, no permission, store unreachable: resumable
        raise EnvironmentProblem(f"cannot write the dataset to {output.safe(root)}: "
                                 f"{e.strerror or str(e).splitlines()[0]}; fix it and rerun "
                                 "with --resume") from None
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
        "workers": workers, "batch_rows": batch_rows, "cluster": cluster,
        "resumed": {"kept": len(kept), "generated": len(todo)} if resume_run else None,
        "bytes": sum(f.bytes for f in files),
        "timings_s": {"plan": round(plan_s, 3), "wall": round(wall, 3), "cpu": round(cpu, 3)},
        "rows_per_s": round(sum(counts.values()) / wall) if wall else None,
        "peak_rss_mb": round(_peak_rss_mb(), 1),
        "adjustments": [asdict(a) for a in plan.adjustments],
    }
    _put(root, SEED, seed + "\n")
    for name, doc in ((SPEC, spec_json), (BAND, b.to_json()),
                      (FEASIBILITY, check.feasibility.to_json()), (GENERATION, report)):
        text = json.dumps(doc, indent=2) + "\n"
        if name in INPUT_FILES:  # the gate judges by these: the manifest pins them
            manifest.inputs[name] = sha256_text(text)
        _put(root, name, text)
    _put(root, MANIFEST, json.dumps(manifest.to_json(), indent=1) + "\n")  # last: complete
    resume.finish(root)
    return report


def _put(out: str, name: str, text: str) -> None:
    """Write one metadata file of the dataset (atomically, locally or to the store)."""
    output.write_bytes(out, name, text.encode("utf-8"))


def main_is_tty() -> bool:
    """Whether progress bars make sense."""
    return sys.stderr.isatty()
