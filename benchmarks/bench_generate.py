"""Generation speed against a reference measured in the same run.

Generates a band to Parquet, then times DuckDB rewriting the very same files
(`COPY (SELECT * FROM read_parquet(...)) TO ... (FORMAT parquet, COMPRESSION zstd)`) with the
same number of threads. Prints rows/s per table, wall time, peak RSS, and the ratio
generation / rewrite (goal: <= 2). Machines are shared and noisy: compare ratios, not seconds.

    python benchmarks/bench_generate.py --band dev --workers 2 --out /tmp/bench-dev

``--sample N`` generates only N evenly spaced conversation partitions (and the first users
partition) of a band too big to generate whole here (perf), one at a time in this process,
and projects the whole band from the measured CPU seconds and bytes per row:

    python benchmarks/bench_generate.py --band perf --sample 4 --out /tmp/bench-perf
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np

from synthgen.dataset import read_manifest, table_glob
from synthgen.generate import generate_dataset
from synthgen.generate.check import spec_check
from synthgen.generate.driver import _task
from synthgen.generate.feasibility import estimate_rows
from synthgen.spec import spec_to_dict


def rewrite_seconds(root: Path, workers: int) -> dict[str, float]:
    """DuckDB re-encoding each table's Parquet (read + decode + encode + compress + write)."""
    con = duckdb.connect(config={"threads": workers})
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for table in read_manifest(root).tables:
            t0 = time.perf_counter()
            con.execute(f"COPY (SELECT * FROM read_parquet('{table_glob(root, table)}')) TO "
                        f"'{tmp}/{table}.parquet' (FORMAT parquet, COMPRESSION zstd)")
            out[table] = time.perf_counter() - t0
    return out


def sample(band: str, seed: str, count: int, out: Path) -> dict[str, Any]:
    """Generate `count` evenly spaced partitions; measured rates and the whole-band projection."""
    check = spec_check(band, None, seed=seed)
    plan, spec_json = check.plan, spec_to_dict(check.spec)
    parts = sorted({int(p) for p in np.linspace(0, plan.partitions - 1, count).round()})
    rows: dict[str, int] = {}
    nbytes: dict[str, int] = {}
    cpu_s = wall_s = 0.0
    for kind, part in [("users", 0)] + [("conversations", p) for p in parts]:
        t0 = time.perf_counter()
        files, sec = _task(seed, check.band, spec_json, str(out), kind, part, 65_536)  # type: ignore[arg-type]
        wall_s += time.perf_counter() - t0
        cpu_s += sec
        for f in files:
            rows[f.table] = rows.get(f.table, 0) + f.rows
            nbytes[f.table] = nbytes.get(f.table, 0) + f.bytes
    est = estimate_rows(plan)
    total_rows = sum(est.values())
    sampled = sum(rows.values())
    cpu_per_row = cpu_s / sampled
    pq_bytes = sum(est[t] * nbytes[t] / rows[t] for t in est if rows.get(t))
    return {"band": band, "partitions_sampled": parts, "of_partitions": plan.partitions,
            "rows_sampled": rows, "bytes_sampled": nbytes, "cpu_s": round(cpu_s, 2),
            "wall_s": round(wall_s, 2), "cpu_rows_per_s": round(sampled / cpu_s),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "projection": {"rows": total_rows, "cpu_s": round(total_rows * cpu_per_row),
                           "parquet_bytes": round(pq_bytes),
                           "estimated_parquet_bytes": sum(
                               v.parquet for v in check.estimates.values()),
                           "estimated_postgres_bytes": sum(
                               v.postgres for v in check.estimates.values())}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--band", default="dev")
    ap.add_argument("--seed", default="bench")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "synthgen-bench")
    ap.add_argument("--keep", action="store_true", help="keep the generated dataset")
    ap.add_argument("--sample", type=int, default=0,
                    help="generate only this many partitions and project the band")
    args = ap.parse_args()
    if args.sample:
        print(json.dumps(sample(args.band, args.seed, args.sample, args.out), indent=1))
        if not args.keep:
            shutil.rmtree(args.out, ignore_errors=True)
        return
    report = generate_dataset(args.out, args.band, args.seed, workers=args.workers, force=True)
    gen = report["timings_s"]["wall"]
    ref = rewrite_seconds(args.out, args.workers)
    ref_total = sum(ref.values())
    rows = report["rows"]
    print(f"band {args.band}: {report['total_rows']:,} rows, {report['bytes'] / 1e6:,.0f} MB "
          f"Parquet, workers {args.workers}")
    print(f"{'table':<20}{'rows':>14}{'rewrite s':>11}")
    for table, n in rows.items():
        print(f"{table:<20}{n:>14,}{ref[table]:>11.2f}")
    print(f"generation wall {gen:.1f} s ({report['rows_per_s']:,} rows/s), "
          f"peak RSS {report['peak_rss_mb']:.0f} MB")
    print(f"reference (DuckDB rewrite of the same files) {ref_total:.1f} s")
    print(f"ratio generation / rewrite = {gen / ref_total:.2f} (goal <= 2)")
    print(json.dumps({"band": args.band, "workers": args.workers, "generation_s": gen,
                      "rewrite_s": round(ref_total, 2), "ratio": round(gen / ref_total, 3),
                      "rows": report["total_rows"], "peak_rss_mb": report["peak_rss_mb"]}))
    if not args.keep:
        shutil.rmtree(args.out)


if __name__ == "__main__":
    main()
