"""Load benchmark: synthgen's loader against the driver's own speed, in the same run.

Reference: a plain ``adbc_ingest(mode="create")`` of each table's Parquet into a bare logged
table (no constraints, no indexes, one transaction per table) — what the ADBC driver does
with no ledger, no ordering, no type conformance. Then ``load_dataset`` with each ``--jobs``
value. Prints rows/s and MB/s per table, the data-phase ratio to the reference (goal ≥ 0.9),
and the constraint/index and ANALYZE seconds separately.

    python benchmarks/bench_load.py                      # dev band, embedded server
    python benchmarks/bench_load.py DATASET --dsn postgresql://... --jobs 1 2 --json out.json

Every schema it creates is dropped at the end (``--keep`` keeps the last load). Not a test:
numbers depend on the machine; run it alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REF_SCHEMA = "bench_reference"


def ensure_dataset(args: argparse.Namespace) -> Path:
    if args.dataset is not None:
        return Path(args.dataset)
    from synthgen.dataset import is_complete

    out = Path(".synthgen") / "bench" / f"{args.band}-{args.seed}"
    if not is_complete(out):
        from synthgen.generate import generate_dataset

        print(f"generating the {args.band} band into {out} ...", file=sys.stderr)
        started = time.perf_counter()
        generate_dataset(out, args.band, args.seed, workers=args.workers, force=True)
        print(f"  generated in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    return out


def reference(dsn: str, root: Path) -> dict[str, dict[str, float]]:
    """Plain ADBC ingest of every table's Parquet into bare tables it creates."""
    import pyarrow as pa
    import pyarrow.dataset as pads

    from synthgen.dataset import read_manifest
    from synthgen.pg.connect import connect, execute
    from synthgen.pg.sql import quote_ident

    manifest = read_manifest(root)
    conn = connect(dsn)
    out: dict[str, dict[str, float]] = {}
    try:
        execute(conn, f"DROP SCHEMA IF EXISTS {quote_ident(REF_SCHEMA)} CASCADE")
        execute(conn, f"CREATE SCHEMA {quote_ident(REF_SCHEMA)}")
        conn.commit()
        for table in manifest.tables:
            files = [str(root / f.path) for f in manifest.table_files(table)]
            data = pads.dataset(files, format="parquet")
            nbytes = 0

            def batches(d: Any = data) -> Iterator[pa.RecordBatch]:
                nonlocal nbytes
                for b in d.to_batches(batch_size=65_536):
                    nbytes += b.nbytes
                    yield b

            reader = pa.RecordBatchReader.from_batches(data.schema, batches())
            started = time.perf_counter()
            with conn.cursor() as cur:
                rows = cur.adbc_ingest(table, reader, mode="create", db_schema_name=REF_SCHEMA)
            conn.commit()
            secs = time.perf_counter() - started
            out[table] = {"rows": rows, "seconds": secs, "rows_per_s": rows / secs,
                          "mb_per_s": nbytes / 1e6 / secs}
        execute(conn, f"DROP SCHEMA {quote_ident(REF_SCHEMA)} CASCADE")
        conn.commit()
    finally:
        conn.close()
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("dataset", nargs="?", help="dataset directory (default: generate the band)")
    p.add_argument("--band", default="dev")
    p.add_argument("--seed", default="bench")
    p.add_argument("--workers", type=int, default=2, help="generator workers")
    p.add_argument("--dsn", default=None, help="target (default: the embedded server)")
    p.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    p.add_argument("--order", default="time")
    p.add_argument("--json", type=Path, default=None, help="write all numbers here")
    p.add_argument("--keep", action="store_true", help="keep the last loaded schema")
    args = p.parse_args()

    from synthgen.load.schema_ops import drop_schema
    from synthgen.pg import load_dataset
    from synthgen.pg import server as embedded
    from synthgen.pg.connect import connect, inspect_target
    from synthgen.pg.guards import check_target
    from synthgen.pg.sql import redact_dsn

    root = ensure_dataset(args)
    dsn = args.dsn or embedded.ensure_server()
    conn = connect(dsn)
    try:  # the same safety as a load, before the reference writes anything
        check_target(conn, inspect_target(conn, dsn), force=False)
    finally:
        conn.close()
    print(f"target {redact_dsn(dsn)}, dataset {root}", file=sys.stderr)

    ref = reference(dsn, root)
    runs: dict[int, dict[str, Any]] = {}
    for i, jobs in enumerate(args.jobs):
        schema = f"bench_jobs{jobs}"
        runs[jobs] = load_dataset(root, dsn, schema, order=args.order, jobs=jobs, force=True)
        if not (args.keep and i == len(args.jobs) - 1):
            conn = connect(dsn)
            try:
                drop_schema(conn, schema)
            finally:
                conn.close()

    ref_total = sum(r["seconds"] for r in ref.values())
    print(f"\n{'table':<20}{'rows':>12}{'ref rows/s':>13}{'ref MB/s':>10}"
          + "".join(f"{f'j{j} rows/s':>13}{f'j{j} MB/s':>10}{f'j{j} ratio':>10}" for j in runs))
    for table, r in ref.items():
        line = f"{table:<20}{int(r['rows']):>12,}{r['rows_per_s']:>13,.0f}{r['mb_per_s']:>10.1f}"
        for rep in runs.values():
            t = rep["tables"][table]
            line += f"{t['rows_per_s']:>13,.0f}{t['mb_per_s']:>10.1f}" \
                    f"{t['rows_per_s'] / r['rows_per_s']:>10.2f}"
        print(line)
    print(f"\nreference data phase: {ref_total:.2f}s (sum over tables)")
    for jobs, rep in runs.items():
        print(f"jobs={jobs}: data {rep['data_seconds']:.2f}s (ratio to reference "
              f"{ref_total / rep['data_seconds']:.2f}), keys+FKs+indexes "
              f"{rep['post_load_seconds']:.2f}s, VACUUM (ANALYZE) {rep['analyze_seconds']:.2f}s, "
              f"total {rep['total_seconds']:.2f}s")
    if args.json is not None:
        args.json.write_text(json.dumps({"dataset": str(root), "dsn": redact_dsn(dsn),
                                         "reference": ref, "reference_seconds": ref_total,
                                         "runs": {str(k): v for k, v in runs.items()}},
                                        indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
