"""Validation speed against a reference measured in the same run.

Reference: one DuckDB scan that reads every column of every table of the dataset
(``count(column)`` for each column, all cores) — what any gate that looks at every row must
at least pay. Then ``synthgen validate`` in a child process (so its peak RSS is its own),
then the scan again; the ratio is validate / mean of the two scans (goal: <= 2), printed
with the load average, the peak RSS (goal: <= 1 GB) and validate's own per-group times.

    python benchmarks/bench_validate.py /work/data/dev --repeat 2

Machines are shared and noisy: compare ratios, not seconds. Not a test: run it alone.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from synthgen.dataset import read_manifest

CHILD = """
import json, sys, time
from synthgen.fidelity import validate_dataset
marks = []
t0 = time.perf_counter()
def progress(p):
    marks.append((p.group, time.perf_counter() - t0))
doc = validate_dataset(sys.argv[1], out=sys.argv[2], progress=progress)
total = time.perf_counter() - t0
groups = {}
for (g, at), (_, nxt) in zip(marks, marks[1:] + [(None, total)]):
    groups[g] = groups.get(g, 0.0) + nxt - at
print(json.dumps({"wall": total, "decision": doc["decision"], "groups": groups}))
"""


def scan_seconds(root: Path) -> float:
    """Every column of every table, read and decoded once by DuckDB on all cores."""
    manifest = read_manifest(root)
    con = duckdb.connect(config={"threads": os.cpu_count() or 1})
    t0 = time.perf_counter()
    for table in manifest.tables:
        files = [str(root / f.path) for f in manifest.table_files(table)]
        src = "read_parquet([" + ", ".join(f"'{p}'" for p in files) + "])"
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
        aggs = ", ".join('count("' + c.replace('"', '""') + '")' for c in cols)
        con.execute(f"SELECT {aggs} FROM {src}").fetchall()
    return time.perf_counter() - t0


def validate_once(root: Path, out: Path) -> tuple[dict[str, object], float]:
    """One validation in a child process: its report line and its peak RSS in MB."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run([sys.executable, "-c", CHILD, str(root), str(out)],
                          capture_output=True, text=True, check=True)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far: only trust it when it grew.
    return json.loads(proc.stdout.strip().splitlines()[-1]), max(peak, before) / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("/tmp/bench-validate-fidelity.json"))
    args = ap.parse_args()
    for i in range(args.repeat):
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        before = scan_seconds(args.dataset)
        report, rss = validate_once(args.dataset, args.out)
        after = scan_seconds(args.dataset)
        ref = (before + after) / 2
        wall = float(report["wall"])  # type: ignore[arg-type]
        groups = ", ".join(f"{g} {s:.2f}" for g, s in report["groups"].items())  # type: ignore[attr-defined]
        print(f"round {i + 1}: load {load} | scan {before:.2f} / {after:.2f} s | validate "
              f"{wall:.2f} s ({report['decision']}) | ratio {wall / ref:.2f} | peak RSS "
              f"{rss:,.0f} MB | {groups}", flush=True)


if __name__ == "__main__":
    main()
