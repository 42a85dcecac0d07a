"""Generation speed against a reference measured in the same run.

Generates a band to Parquet, then times DuckDB rewriting the very same files
(`COPY (SELECT * FROM read_parquet(...)) TO ... (FORMAT parquet, COMPRESSION zstd)`) with the
same number of threads. Prints rows/s per table, wall time, peak RSS, and the ratio
generation / rewrite (goal: <= 2). Machines are shared and noisy: compare ratios, not seconds.

    python benchmarks/bench_generate.py --band dev --workers 2 --out /tmp/bench-dev
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from synthgen.dataset import read_manifest, table_glob
from synthgen.generate import generate_dataset


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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--band", default="dev")
    ap.add_argument("--seed", default="bench")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "synthgen-bench")
    ap.add_argument("--keep", action="store_true", help="keep the generated dataset")
    args = ap.parse_args()
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
