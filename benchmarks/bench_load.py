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
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--json", type=Path, default=None, help="write all numbers here")
    args = p.parse_args()

    from synthgen.pg import server as embedded
    from synthgen.pg.connect import connect
    from synthgen.pg.guards import check_target
    from synthgen.pg.sql import redact_dsn
    from synthgen.pg.target import inspect_target

    root = Path(args.dataset)
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
            r = one_round(dsn, root, args.jobs)
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
