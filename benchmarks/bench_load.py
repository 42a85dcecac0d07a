"""Load benchmark: synthgen's loader against what one would do by hand, in the same run.

References, measured in the same run on the same server:

- **plain ingest**: one ``adbc_ingest(mode="append")`` per table of its Parquet files, in
  file order, into the app's bare tables (``ddl.create_sql``), one connection, one
  transaction per table — the driver's own speed, no ledger, no ordering;
- **hand-built post-load**: on those tables, the same keys, foreign keys and indexes by
  plain SQL in two sessions with generous ``maintenance_work_mem`` (2 GB): whole tables
  shared between the sessions (biggest first, to the less loaded one), ``ADD PRIMARY KEY``
  / ``ADD UNIQUE`` / ``CREATE INDEX``; then the foreign keys (plain, validating) shared the
  same way; then ``VACUUM (ANALYZE)`` in two sessions — what a DBA would script.

Then ``load_dataset(jobs=2)``. Prints data phase vs plain ingest (speed ratio, goal ≥ 0.9),
post-load vs the hand-built reference (time ratio, goal ≤ 1.2) and total vs the sum of
the references, with the load average, for every server and repetition.

    python benchmarks/bench_load.py DATASET --dsn embedded --dsn postgresql://... --repeat 2

``--jobs 1,2,4 --data-only`` measures how the data phase scales with the number of
connections: per round one plain ingest (the reference), then ``load_dataset(jobs=N)`` for
each N with keys, indexes and VACUUM stubbed out, each sampled every 0.5 s for the load
average, the CPU of this process (the client: Parquet decoding, the messages sort, COPY
encoding) and of the server's processes (the postmaster's children, backends that exit
included), the WAL the server wrote (``pg_current_wal_lsn()`` difference: server-wide, so
other sessions' WAL counts too) and the bytes the disk wrote (``/proc/diskstats``).

Every schema it creates is dropped at the end. Not a test: run it alone.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

REF_SCHEMA, LOAD_SCHEMA = "i15b_ref", "i15b_load"
DBA_MAINTENANCE_WORK_MEM = "2GB"
SESSIONS = 2


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(pid: int | str) -> float:
    """utime + stime of a process (all its threads), seconds; 0 when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _children(ppid: int) -> list[int]:
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if Path(d, "stat").read_text().rsplit(")", 1)[1].split()[1] == str(ppid):
                    out.append(int(d.name))
            except OSError:
                continue
    return out


def _disk_written_bytes() -> int:
    """Bytes written by every whole disk (``/proc/diskstats`` sectors x 512)."""
    total = 0
    for line in Path("/proc/diskstats").read_text().splitlines():
        f = line.split()
        if f[2].startswith(("vd", "sd", "nvme")) and not f[2][-1].isdigit() or \
                (f[2].startswith("nvme") and "p" not in f[2].split("n", 2)[-1]):
            total += int(f[9]) * 512
    return total


class Sampler:
    """Load average and CPU of the client and of the server's processes, every 0.5 s."""

    def __init__(self, postmaster: int | None) -> None:
        self.postmaster = postmaster
        self.start_cpu: dict[int, float] = {}
        self.last_cpu: dict[int, float] = {}
        self.loads: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _server_pids(self) -> list[int]:
        return [] if self.postmaster is None else [self.postmaster,
                                                   *_children(self.postmaster)]

    def _sample(self) -> None:
        self.loads.append(os.getloadavg()[0])
        for pid in self._server_pids():
            cpu = _cpu_s(pid)
            if cpu:
                self.last_cpu[pid] = cpu
                self.start_cpu.setdefault(pid, 0.0)

    def __enter__(self) -> Sampler:
        for pid in self._server_pids():
            self.start_cpu[pid] = self.last_cpu[pid] = _cpu_s(pid)
        self.client0, self.disk0, self.t0 = _cpu_s("self"), _disk_written_bytes(), time.time()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()
        self.wall = time.time() - self.t0
        self.client_cpu = _cpu_s("self") - self.client0
        self.server_cpu = sum(self.last_cpu[p] - self.start_cpu[p] for p in self.last_cpu)
        self.disk_bytes = _disk_written_bytes() - self.disk0

    def _run(self) -> None:
        while not self._stop.wait(0.5):
            self._sample()

    def to_json(self) -> dict[str, float]:
        return {"wall_s": self.wall, "client_cpu_s": self.client_cpu,
                "server_cpu_s": self.server_cpu, "disk_written_mb": self.disk_bytes / 1e6,
                "load_avg_mean": sum(self.loads) / max(len(self.loads), 1),
                "load_avg_max": max(self.loads, default=0.0)}


def _server_facts(dsn: str) -> tuple[int | None, str]:
    """The postmaster's pid (when the server runs on this machine) and the WAL position."""
    from synthgen.pg.connect import connect, execute

    conn = connect(dsn)
    try:
        pid, lsn = execute(conn, "SELECT pg_backend_pid(), pg_current_wal_lsn()::text")[0]
        conn.rollback()
    finally:
        conn.close()
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        ppid = int(next(line.split()[1] for line in status.splitlines()
                        if line.startswith("PPid:")))
    except (OSError, StopIteration):
        ppid = None
    return ppid, str(lsn)


def _wal_bytes(dsn: str, since: str) -> int:
    from synthgen.pg.connect import connect, execute

    conn = connect(dsn)
    try:
        n = execute(conn, "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::bigint",
                    (since,))[0][0]
        conn.rollback()
    finally:
        conn.close()
    return int(n)


def measured(dsn: str, fn: Any) -> tuple[Any, dict[str, float]]:
    """fn() under a Sampler, with the server's WAL bytes."""
    postmaster, lsn = _server_facts(dsn)
    with Sampler(postmaster) as s:
        out = fn()
    facts = s.to_json()
    facts["wal_mb"] = _wal_bytes(dsn, lsn) / 1e6
    return out, facts


def data_only_load(root: Path, dsn: str, schema: str, jobs: int) -> dict[str, Any]:
    """``load_dataset`` with keys, indexes and VACUUM stubbed out: the data phase alone."""
    import synthgen.load.loader as loader

    names = vars(loader)
    saved = {k: names[k] for k in ("post_load", "vacuum_analyze")}
    names.update(post_load=lambda *a, **k: {}, vacuum_analyze=lambda *a, **k: 0.0)
    try:
        return loader.load_dataset(root, dsn, schema, jobs=jobs, force=True)
    finally:
        names.update(saved)


def jobs_round(dsn: str, root: Path, jobs: list[int]) -> dict[str, Any]:
    """Plain ingest once, then the data phase at each --jobs N, all sampled."""
    from synthgen.dataset import read_manifest

    rows = sum(f.rows for f in read_manifest(root).files)
    ingest, ref = measured(dsn, lambda: reference_ingest(dsn, root, REF_SCHEMA))
    drop(dsn, REF_SCHEMA)
    ref_s = sum(ingest.values())
    out: dict[str, Any] = {"rows": rows, "reference": {"data": ref_s, "rows_per_s": rows / ref_s,
                                                       **ref}, "jobs": {}}
    for n in jobs:
        rep, facts = measured(dsn, lambda n=n: data_only_load(root, dsn, LOAD_SCHEMA, n))
        drop(dsn, LOAD_SCHEMA)
        out["jobs"][n] = {"data_seconds": rep["data_seconds"],
                          "rows_per_s": rows / rep["data_seconds"],
                          "ratio_to_plain": ref_s / rep["data_seconds"],
                          "busy_seconds": {t: v["seconds"] for t, v in rep["tables"].items()},
                          **facts}
    return out


def print_jobs_round(r: dict[str, Any]) -> None:
    ref = r["reference"]
    print(f"  plain ingest  {ref['data']:6.1f}s {ref['rows_per_s'] / 1e3:7.0f}k rows/s  "
          f"client {ref['client_cpu_s']:5.1f} CPU-s  server {ref['server_cpu_s']:5.1f} CPU-s  "
          f"WAL {ref['wal_mb']:6.0f} MB  disk {ref['disk_written_mb']:6.0f} MB  "
          f"load avg {ref['load_avg_mean']:.1f} (max {ref['load_avg_max']:.1f})", flush=True)
    for n, j in r["jobs"].items():
        print(f"  --jobs {n:<5}  {j['data_seconds']:6.1f}s {j['rows_per_s'] / 1e3:7.0f}k rows/s  "
              f"x{j['ratio_to_plain']:.2f} of plain  client {j['client_cpu_s']:5.1f} CPU-s  "
              f"server {j['server_cpu_s']:5.1f} CPU-s  WAL {j['wal_mb']:6.0f} MB  "
              f"disk {j['disk_written_mb']:6.0f} MB  load avg {j['load_avg_mean']:.1f} "
              f"(max {j['load_avg_max']:.1f})", flush=True)


def reference_ingest(dsn: str, root: Path, schema: str) -> dict[str, float]:
    """Plain ADBC ingest of every table into the app's bare tables; seconds per table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from synthgen import ddl
    from synthgen.dataset import read_manifest
    from synthgen.load.ingest import conform, ingest_schema
    from synthgen.pg.connect import connect, execute
    from synthgen.pg.sql import quote_ident

    manifest = read_manifest(root)
    conn = connect(dsn)
    out: dict[str, float] = {}
    try:
        execute(conn, f"DROP SCHEMA IF EXISTS {quote_ident(schema)} CASCADE")
        for sql in ddl.create_sql(schema):
            execute(conn, sql)
        conn.commit()
        for table in manifest.tables:
            files = [root / f.path for f in manifest.table_files(table)]

            def batches(t: str = table, fs: list[Path] = files) -> Any:
                for path in fs:
                    with pq.ParquetFile(path) as pf:
                        for b in pf.iter_batches(batch_size=65_536):
                            yield conform(b, t)

            reader = pa.RecordBatchReader.from_batches(ingest_schema(table), batches())
            started = time.perf_counter()
            with conn.cursor() as cur:
                cur.adbc_ingest(table, reader, mode="append", db_schema_name=schema)
            conn.commit()
            out[table] = time.perf_counter() - started
    finally:
        conn.close()
    return out


def _share(items: list[tuple[float, list[str]]], sessions: int) -> list[list[str]]:
    """Whole work items to the least loaded session, biggest first (by hand, roughly)."""
    loads = [0.0] * sessions
    scripts: list[list[str]] = [[] for _ in range(sessions)]
    for weight, sqls in sorted(items, key=lambda x: -x[0]):
        i = loads.index(min(loads))
        loads[i] += weight
        scripts[i].extend(sqls)
    return scripts


def _run_sessions(dsn: str, scripts: list[list[str]], setup: list[str]) -> None:
    from synthgen.pg.connect import connect, execute

    errors: list[BaseException] = []

    def session(script: list[str]) -> None:
        conn = connect(dsn, autocommit=True)
        try:
            for sql in [*setup, *script]:
                execute(conn, sql)
        except BaseException as e:
            errors.append(e)
        finally:
            conn.close()

    threads = [threading.Thread(target=session, args=(s,)) for s in scripts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]


def reference_post_load(dsn: str, schema: str, rows: dict[str, int]) -> dict[str, float]:
    """Keys + indexes, then foreign keys, then VACUUM (ANALYZE), in two plain sessions."""
    from synthgen import ddl
    from synthgen.load.post_load import vacuum_analyze
    from synthgen.schema import TABLES

    setup = [f"SET maintenance_work_mem = '{DBA_MAINTENANCE_WORK_MEM}'"]
    per_table = []
    for t in TABLES:
        sqls = [*ddl.key_sql(schema, t), *(ddl.index_sql(schema, i) for i in ddl.INDEXES
                                           if i.table == t)]
        per_table.append((rows[t] * len(sqls), sqls))
    fks = [(float(rows[fk.table]), [ddl.foreign_key_sql(schema, fk)]) for fk in ddl.FOREIGN_KEYS]
    started = time.perf_counter()
    _run_sessions(dsn, _share(per_table, SESSIONS), setup)
    keys = time.perf_counter() - started
    _run_sessions(dsn, _share(fks, SESSIONS), setup)
    post = time.perf_counter() - started
    analyze = vacuum_analyze(dsn, schema, list(TABLES), SESSIONS)
    return {"keys_indexes": keys, "foreign_keys": post - keys, "post_load": post,
            "analyze": analyze}


def drop(dsn: str, schema: str) -> None:
    from synthgen.load.schema_ops import drop_schema
    from synthgen.pg.connect import connect

    conn = connect(dsn)
    try:
        drop_schema(conn, schema)
    finally:
        conn.close()


def one_round(dsn: str, root: Path, jobs: int) -> dict[str, Any]:
    """Reference ingest + hand-built post-load, then synthgen's load; all seconds and ratios."""
    from synthgen.dataset import read_manifest
    from synthgen.load.loader import load_dataset

    rows = {t: read_manifest(root).table_rows(t) for t in read_manifest(root).tables}
    la0 = load_average()
    ingest = reference_ingest(dsn, root, REF_SCHEMA)
    ref = reference_post_load(dsn, REF_SCHEMA, rows)
    drop(dsn, REF_SCHEMA)
    la1 = load_average()
    rep = load_dataset(root, dsn, LOAD_SCHEMA, jobs=jobs, force=True)
    drop(dsn, LOAD_SCHEMA)
    ref_data = sum(ingest.values())
    ref_total = ref_data + ref["post_load"] + ref["analyze"]
    return {
        "load_average": [la0, la1, load_average()],
        "reference": {"ingest_seconds": ingest, "data": ref_data, **ref, "total": ref_total},
        "synthgen": {k: rep[k] for k in ("data_seconds", "post_load_seconds", "analyze_seconds",
                                         "total_seconds")},
        "post_load_steps": {t: v["post_load_seconds"] for t, v in rep["tables"].items()},
        "ratios": {"data_speed": ref_data / rep["data_seconds"],
                   "post_load_time": rep["post_load_seconds"] / ref["post_load"],
                   "total_time": rep["total_seconds"] / ref_total},
    }


def main() -> int:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("dataset", help="dataset directory (synthgen generate --band dev ...)")
    p.add_argument("--dsn", action="append", default=None,
                   help="target; 'embedded' = the server under ./.synthgen/pg (repeatable)")
    p.add_argument("--jobs", default="2", help="connections; a list (1,2,4) runs each")
    p.add_argument("--data-only", action="store_true",
                   help="the data phase only, sampled (CPU, WAL, disk), at each --jobs")
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--json", type=Path, default=None, help="write all numbers here")
    args = p.parse_args()

    from synthgen.pg import server as embedded
    from synthgen.pg.connect import connect
    from synthgen.pg.guards import check_target
    from synthgen.pg.sql import redact_dsn
    from synthgen.pg.target import inspect_target

    root = Path(args.dataset)
    jobs = [int(j) for j in str(args.jobs).split(",")]
    results: list[dict[str, Any]] = []
    for given in args.dsn or ["embedded"]:
        dsn = embedded.ensure_server() if given == "embedded" else given
        conn = connect(dsn)
        try:  # the same safety as a load, before the reference writes anything
            target = inspect_target(conn, dsn)
            check_target(conn, target, force=True)
        finally:
            conn.close()
        version = target.server_version.split()[0]
        for i in range(args.repeat):
            print(f"[{time.strftime('%H:%M:%S')}] {redact_dsn(dsn)} (PostgreSQL {version}) "
                  f"round {i + 1}", file=sys.stderr, flush=True)
            if args.data_only:
                r = jobs_round(dsn, root, jobs)
                r.update(server=redact_dsn(dsn), version=version, round=i + 1)
                results.append(r)
                print(f"PG {version} round {i + 1}, data phase only, {r['rows']:,} rows")
                print_jobs_round(r)
                if args.json is not None:
                    args.json.write_text(json.dumps(results, indent=1) + "\n")
                continue
            r = one_round(dsn, root, jobs[0])
            r.update(server=redact_dsn(dsn), version=version, round=i + 1)
            results.append(r)
            ref, ours, q = r["reference"], r["synthgen"], r["ratios"]
            print(f"PG {version} round {i + 1}  load avg {' / '.join(r['load_average'])}\n"
                  f"  data       {ours['data_seconds']:7.1f}s  plain ingest   {ref['data']:7.1f}s"
                  f"  speed ratio {q['data_speed']:.2f} (goal >= 0.9)\n"
                  f"  post-load  {ours['post_load_seconds']:7.1f}s  by hand        "
                  f"{ref['post_load']:7.1f}s  time ratio  {q['post_load_time']:.2f} (goal <= 1.2)"
                  f"  [by hand: keys+indexes {ref['keys_indexes']:.1f}s, FKs "
                  f"{ref['foreign_keys']:.1f}s]\n"
                  f"  analyze    {ours['analyze_seconds']:7.1f}s  by hand        "
                  f"{ref['analyze']:7.1f}s\n"
                  f"  total      {ours['total_seconds']:7.1f}s  references     {ref['total']:7.1f}s"
                  f"  time ratio  {q['total_time']:.2f}", flush=True)
            if args.json is not None:
                args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
