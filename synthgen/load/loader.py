"""``load_dataset``: guards, schema, data over N connections, keys and indexes, ANALYZE.

Every file is verified against the manifest's sha256 as it is read (``ingest.read_verified``),
so a changed or damaged file is refused, by name, before any of its rows commit.

The data phase is a list of *streams*, each a sequence of units that one connection loads
in order: every partition file is a stream of one unit; with ``order="time"`` the whole
messages table is one stream of time slices read in global ``("createdAt", "id")`` order, so
the heap is laid out as production inserts it. ``jobs`` connections take streams biggest
first. Keys, foreign keys and indexes come after all the data (so the data phase may run
in any order), except with ``existing=True`` where the app's constraints are already there
and tables load in dependency order. With ``cluster`` the partition units run as Dask tasks
(``load.cluster``) and the time stream stays here; post-load always runs here.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthgen.dataset import (
    FileEntry,
    Manifest,
    file_at,
    is_remote,
    parquet_listing,
    read_manifest,
    recorded,
    shown,
)
from synthgen.errors import DatasetError, InputError, SynthgenError
from synthgen.generate.feasibility import room_for_load
from synthgen.load import ingest
from synthgen.load.ledger import (
    Done,
    SchemaRecord,
    Unit,
    audit_finish,
    audit_start,
    get_schema_record,
    read_done,
    record_unit,
)
from synthgen.load.post_load import post_load, vacuum_analyze
from synthgen.load.prefetch import Prefetch
from synthgen.load.progress import Progress
from synthgen.load.schema_ops import prepare
from synthgen.pg.connect import connect, driver_errors, execute
from synthgen.pg.guards import check_target, refuse_production
from synthgen.pg.sql import check_schema_name, qualified, redact_dsn, scrub
from synthgen.pg.target import inspect_target, is_embedded
from synthgen.schema import TABLE_NAMES

if TYPE_CHECKING:
    import pyarrow as pa
    from adbc_driver_postgresql.dbapi import Connection

ORDERS = ("time", "conversation")
SLICE_ROWS = 250_000
"""Messages per time slice (one transaction, one ledger row) with order="time"."""


@dataclass(slots=True)
class Stream:
    """Units one connection loads in sequence."""

    table: str
    rows: int
    files: list[FileEntry] = field(default_factory=list)
    time_ordered: bool = False


@dataclass(slots=True)
class Tally:
    """Per-table counters of this run (thread-safe through the loader's lock)."""

    rows: int = 0
    arrow_bytes: int = 0
    busy_seconds: float = 0.0
    units: int = 0
    first: float = 0.0
    last: float = 0.0


def load_dataset(dataset_dir: Path | str, dsn: str, schema: str = "perf_synthetic", *,
                 resume: bool = False, order: str = "time", jobs: int = 1, force: bool = False,
                 existing: bool = False, progress: bool = False,
                 slice_rows: int = SLICE_ROWS, cluster: str | None = None) -> dict[str, Any]:
    """Load a dataset into ``schema`` of the (resolved, ``pg.target.resolve``) DSN; a JSON report.

    Raises TargetRefused / EnvironmentProblem (exit 3), InputError / DatasetError (exit 2);
    database errors outside a unit's ingest become EnvironmentProblem, credentials scrubbed.
    """
    with driver_errors(dsn, f"loading into schema {schema!r}"):
        return _load(dataset_dir, dsn, schema, resume=resume, order=order, jobs=jobs,
                     force=force, existing=existing, progress=progress, slice_rows=slice_rows,
                     cluster=cluster)


def _load(dataset_dir: Path | str, target_dsn: str, schema: str, *, resume: bool, order: str,
          jobs: int, force: bool, existing: bool, progress: bool,
          slice_rows: int, cluster: str | None) -> dict[str, Any]:
    started = time.perf_counter()
    refuse_production()
    check_schema_name(schema)
    if order not in ORDERS:
        raise InputError(f"--order must be one of {', '.join(ORDERS)}, got {order!r}")
    if jobs < 1 or slice_rows < 1:
        raise InputError("--jobs and the slice size must be at least 1")
    root: Path | str = dataset_dir if is_remote(dataset_dir) else Path(dataset_dir)
    manifest = read_manifest(root)
    _check_files(root, manifest)
    room_for_load(root, target_dsn, resume=resume, announce=progress)  # refuses a disk too small
    if cluster is not None:  # no Dask, a bad address, no scheduler: said before any write
        from synthgen.cluster import preflight

        preflight(cluster)

    conn = connect(target_dsn)
    try:
        target = inspect_target(conn, target_dsn, forwarded_ok=force)
        if progress:  # say where we write before writing anything
            import sys

            where = (f"{target.server_addr}:{target.server_port}" if target.server_addr
                     else "a unix socket")
            print(f"target: database {target.database!r} at {where} as {target.user!r} "
                  f"(PostgreSQL {target.server_version.split()[0]}), schema {schema!r}",
                  file=sys.stderr, flush=True)
        check_target(conn, target, force=force)
        record = SchemaRecord(schema, True, manifest.seed, manifest.band, manifest.spec_hash, order)
        continuing = prepare(conn, schema, record, recorded(root), resume=resume,
                             force=force, existing=existing)
        if continuing:
            previous = get_schema_record(conn, schema)
            conn.rollback()
            order = previous.order if previous is not None else order
        done = read_done(conn, schema)
        options = {"order": order, "jobs": jobs, "resume": resume, "force": force,
                   "existing": existing, "continuing": continuing, "cluster": cluster}
        audit_id = audit_start(conn, schema, manifest, recorded(root), target.to_json(),
                               options)
    finally:
        conn.close()

    report: dict[str, Any] = {"dsn": redact_dsn(target_dsn), "embedded": is_embedded(target_dsn),
                              "target": target.to_json(), "schema": schema,
                              "dataset": shown(root), "seed": manifest.seed, "band": manifest.band,
                              "spec_hash": manifest.spec_hash, "order": order, "jobs": jobs,
                              "existing": existing, "resumed": continuing, "audit_id": audit_id,
                              "cluster": cluster}
    try:
        _run(target_dsn, schema, root, manifest, done, report, order=order, jobs=jobs,
             existing=existing, progress=progress, slice_rows=slice_rows,
             cluster=None if cluster is None else (cluster, audit_id, force))
    except BaseException as e:
        status = "interrupted" if isinstance(e, KeyboardInterrupt) else "failed"
        try:
            audit_finish(target_dsn, audit_id, status, None, None,
                         scrub(str(e) or type(e).__name__, target_dsn))
        except SynthgenError:
            pass  # the server is gone: the original error matters more
        raise
    report["total_seconds"] = round(time.perf_counter() - started, 3)
    report["status"] = "done"
    counts = {t: v["rows_total"] for t, v in report["tables"].items()}
    timings = {k: report[k] for k in ("data_seconds", "post_load_seconds", "analyze_seconds",
                                      "total_seconds")}
    audit_finish(target_dsn, audit_id, "done", counts, timings, None)
    return report


def _check_files(root: Path | str, manifest: Manifest) -> None:
    """Every listed file there, at its size (its sha256 is checked as it is read)."""
    if isinstance(root, str):  # a URL: one listing per table, not a request per file
        sizes = parquet_listing(root)
        for f in manifest.files:
            if f.path not in sizes:
                raise DatasetError(f"{file_at(root, f.path)} is listed in the manifest but "
                                   "missing", table=f.table, partition=f.partition)
            if sizes[f.path] != f.bytes:
                raise DatasetError(f"{file_at(root, f.path)} has {sizes[f.path]} bytes, the "
                                   f"manifest says {f.bytes}: the dataset changed after "
                                   "generation", table=f.table, partition=f.partition)
        return
    for f in manifest.files:
        path = root / f.path
        if not path.is_file():
            raise DatasetError(f"{path} is listed in the manifest but missing", table=f.table,
                               partition=f.partition)
        if path.stat().st_size != f.bytes:
            raise DatasetError(f"{path} has {path.stat().st_size} bytes, the manifest says "
                               f"{f.bytes}: the dataset changed after generation",
                               table=f.table, partition=f.partition)


def plan_streams(manifest: Manifest, done: Done, order: str) -> list[Stream]:
    """What is left to load, biggest streams first."""
    streams: list[Stream] = []
    for table in manifest.tables:
        files = manifest.table_files(table)
        if table == "messages" and order == "time":
            left = manifest.table_rows(table) - done.rows.get(table, 0)
            if left > 0:
                streams.append(Stream(table, left, files, time_ordered=True))
            continue
        for f in files:
            if Unit(table, partition=f.partition).key not in done.units:
                streams.append(Stream(table, f.rows, [f]))
    return sorted(streams, key=lambda s: (not s.time_ordered, -s.rows))


def _run(dsn: str, schema: str, root: Path | str, manifest: Manifest, done: Done,
         report: dict[str, Any], *, order: str, jobs: int, existing: bool, progress: bool,
         slice_rows: int, cluster: tuple[str, int, bool] | None) -> None:
    streams = plan_streams(manifest, done, order)
    # The global sort of messages starts now, on its own thread, and overlaps the other
    # tables' COPY: with one connection the time stream goes last so the sort is done by then.
    time_stream = next((s for s in streams if s.time_ordered), None)
    sorted_messages = None
    if time_stream is not None:
        sorted_messages = Prefetch(ingest.time_ordered_batches(
            [(file_at(root, f.path), f.sha256) for f in time_stream.files], time_stream.table,
            done.last_key), depth=4)
        if jobs == 1 and cluster is None:
            streams = [s for s in streams if s is not time_stream] + [time_stream]
    try:
        _run_phases(dsn, schema, root, manifest, done, report, streams, sorted_messages, jobs=jobs,
                    existing=existing, progress=progress, slice_rows=slice_rows, cluster=cluster)
    finally:
        if sorted_messages is not None:
            sorted_messages.close()


def _run_phases(dsn: str, schema: str, root: Path | str, manifest: Manifest, done: Done,
                report: dict[str, Any], streams: list[Stream],
                sorted_messages: Prefetch[pa.RecordBatch] | None, *, jobs: int, existing: bool,
                progress: bool, slice_rows: int,
                cluster: tuple[str, int, bool] | None) -> None:
    """The data phase (here or on ``cluster`` = (address, audit id, force)), then post-load."""
    import sys

    tallies = {t: Tally() for t in manifest.tables}
    lock = threading.Lock()
    totals = {t: manifest.table_rows(t) for t in manifest.tables}

    with Progress(totals, enabled=progress, rich_ui=sys.stderr.isatty()) as bar:
        for t in manifest.tables:
            bar.skip(t, done.rows.get(t, 0))

        def finished(r: ingest.UnitResult, t0: float) -> None:
            with lock:
                tally = tallies[r.unit.table]
                tally.rows += r.rows
                tally.arrow_bytes += r.arrow_bytes
                tally.busy_seconds += r.seconds
                tally.units += 1
                tally.first = t0 if not tally.first else min(tally.first, t0)
                tally.last = max(tally.last, t0 + r.seconds)
            bar.unit_done(r.unit.table)

        def load_stream(conn: Connection, s: Stream, cancel: threading.Event) -> None:
            if s.time_ordered and sorted_messages is not None:
                _load_time_stream(conn, schema, s, sorted_messages, done, slice_rows, cancel,
                                  bar.add, finished)
                return
            t0 = time.perf_counter()
            finished(load_file_unit(conn, schema, root, s.files[0], bar.add), t0)

        def on_worker(r: ingest.UnitResult) -> None:  # a unit a Dask worker committed
            bar.add(r.unit.table, r.rows, r.arrow_bytes)
            finished(r, time.perf_counter() - r.seconds)

        t_data = time.perf_counter()
        if cluster is not None:
            from synthgen.load.cluster import load_on_cluster

            address, audit_id, force = cluster
            load_on_cluster(address, dsn, schema, root, streams, audit_id=audit_id, force=force,
                            existing=existing, on_unit=on_worker,
                            here=lambda s, cancel: _run_streams(dsn, [s], 1, load_stream, cancel))
        elif existing:  # the app's foreign keys are live: parents before children
            for table in TABLE_NAMES:
                _run_streams(dsn, [s for s in streams if s.table == table], jobs, load_stream)
        else:
            _run_streams(dsn, streams, jobs, load_stream)
        report["data_seconds"] = round(time.perf_counter() - t_data, 3)

        conn = connect(dsn)
        try:
            now = read_done(conn, schema)
            for t in manifest.tables:
                if now.rows.get(t, 0) != manifest.table_rows(t):
                    raise DatasetError(f"{t}: the ledger holds {now.rows.get(t, 0)} rows after "
                                       f"the load, the manifest {manifest.table_rows(t)}", table=t)
            t_post = time.perf_counter()
            post: dict[str, dict[str, float]] = {}
            if not existing and "step:post_load" not in now.steps:
                bar.note("adding keys, foreign keys and indexes ...")
                post = post_load(dsn, schema, jobs, totals, note=bar.note)
                record_unit(conn, schema, "step:post_load", 0)
                conn.commit()
            report["post_load_seconds"] = round(time.perf_counter() - t_post, 3)
            bar.note("VACUUM (ANALYZE) ...")
            report["analyze_seconds"] = round(vacuum_analyze(dsn, schema, manifest.tables, jobs), 3)
            counts = {t: int(execute(conn, f"SELECT count(*) FROM {qualified(schema, t)}")[0][0])
                      for t in manifest.tables}
            conn.rollback()
        finally:
            conn.close()

    if not existing:
        for t, n in counts.items():
            if n != manifest.table_rows(t):
                raise DatasetError(f"{schema}.{t} holds {n} rows, the manifest says "
                                   f"{manifest.table_rows(t)}", table=t)
    report["tables"] = {t: _table_report(t, manifest, tallies[t], done, counts[t], post)
                        for t in manifest.tables}


def _load_time_stream(conn: Connection, schema: str, s: Stream, batches: Iterator[pa.RecordBatch],
                      done: Done, slice_rows: int, cancel: threading.Event,
                      on_rows: ingest.OnRows,
                      finished: Callable[[ingest.UnitResult, float], None]) -> None:
    number, left = done.last_slice + 1, s.rows
    for part in ingest.slices(batches, slice_rows):
        if cancel.is_set():
            return
        t0 = time.perf_counter()
        r = ingest.ingest_unit(conn, schema, Unit(s.table, slice=number), part,
                               min(slice_rows, left), on_rows, keep_last_key=True)
        finished(r, t0)
        number, left = number + 1, left - r.rows


def load_file_unit(conn: Connection, schema: str, root: Path | str, f: FileEntry,
                   on_rows: ingest.OnRows | None = None,
                   tap: Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]] | None = None
                   ) -> ingest.UnitResult:
    """Load one partition file as one ledger unit (here, or on a Dask worker).

    messages partitions go in (conversationId, createdAt) order; ``tap`` wraps the batch
    stream on its way to COPY (the cluster tests' kill hook).
    """
    by = ("conversationId", "createdAt", "id") if f.table == "messages" else ()
    batches = Prefetch(ingest.partition_batches(file_at(root, f.path), f.table, by, f.sha256,
                                                f.partition))
    try:
        return ingest.ingest_unit(conn, schema, Unit(f.table, partition=f.partition),
                                  batches if tap is None else tap(batches), f.rows, on_rows)
    finally:
        batches.close()


def _run_streams(dsn: str, streams: list[Stream], jobs: int,
                 load: Callable[[Connection, Stream, threading.Event], None],
                 cancel: threading.Event | None = None) -> None:
    """Load streams over ``jobs`` connections; the first error cancels the rest."""
    if not streams:
        return
    cancel = threading.Event() if cancel is None else cancel
    n = min(jobs, len(streams))
    conns: queue.Queue[Connection] = queue.Queue()
    for _ in range(n):
        conns.put(connect(dsn))

    def work(s: Stream) -> None:
        if cancel.is_set():
            return
        conn = conns.get()
        try:
            load(conn, s, cancel)
        except BaseException:
            cancel.set()
            raise
        finally:
            conns.put(conn)

    try:
        if n == 1:
            for s in streams:
                work(s)
        else:
            with ThreadPoolExecutor(max_workers=n) as pool:
                futures = [pool.submit(work, s) for s in streams]
                errors = [f.exception() for f in futures]
                first = next((e for e in errors if e is not None), None)
                if first is not None:
                    raise first
    finally:
        while not conns.empty():
            conns.get().close()


def _table_report(table: str, manifest: Manifest, tally: Tally, done: Done, count: int,
                  post: dict[str, dict[str, float]]) -> dict[str, Any]:
    secs = tally.busy_seconds
    mb = tally.arrow_bytes / 1e6
    return {
        "rows": tally.rows, "rows_total": count, "rows_resumed": done.rows.get(table, 0),
        "units": tally.units, "seconds": round(secs, 3),
        "wall_seconds": round(tally.last - tally.first, 3) if tally.units else 0.0,
        "arrow_mb": round(mb, 2),
        "parquet_mb": round(sum(f.bytes for f in manifest.table_files(table)) / 1e6, 2),
        "rows_per_s": round(tally.rows / secs, 1) if secs else 0.0,
        "mb_per_s": round(mb / secs, 2) if secs else 0.0,
        "post_load_seconds": {k: round(v, 3) for k, v in post.get(table, {}).items()},
    }
