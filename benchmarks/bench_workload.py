"""The workload driver's overhead and the throughput curve, against same-run references.

Against an already loaded schema (default: the embedded server of the working directory):

1. reference: pgbench running ``SELECT 1`` with one client — the floor of one prepared
   round trip through pgbench and the server;
2. the parameter draw alone (``DRAW`` script, one client): what each transaction pays to
   draw its parameters at production skew, as a multiple of the reference and as a share
   of each transaction type's p50 at one client;
3. ``synthgen workload`` at each client level: tps and p50/p95/p99 per type.

    python benchmarks/bench_workload.py --clients 1,4,16 --seconds 20 [--dsn ...] [--schema ...]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Any

from synthgen.pg.target import resolve
from synthgen.spec import load_spec
from synthgen.workload import WorkloadOptions, make_mix, run_workload, spec_weights
from synthgen.workload.driver import Step, find_pgbench, run_step
from synthgen.workload.pglog import read_logs, summarize


def select1(dsn: str, seconds: int) -> dict[str, Any]:
    """p50/p95 and tps of ``SELECT 1`` through pgbench, one client."""
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "select1.sql"
        script.write_text("SELECT 1;\n")
        res = run_step(find_pgbench(), Step([(script, 1)], 1, seconds, 1, Path(tmp) / "tx"), dsn)
        return summarize(read_logs(res.logs, with_lag=False), ["SELECT1"], float(seconds))["all"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dsn")
    ap.add_argument("--schema", default="perf_synthetic")
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--seconds", type=int, default=20)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--out", type=Path, default=Path("bench-workload.json"))
    args = ap.parse_args()
    dsn = resolve(args.dsn)
    ref = select1(dsn, min(args.seconds, 5))
    levels = tuple(int(c) for c in args.clients.split(","))
    doc = run_workload(dsn, args.schema, WorkloadOptions(
        make_mix(spec_weights(load_spec().workload)), levels, args.seconds, seed=args.seed))
    draw = doc["draw_overhead"]
    first = doc["levels"][0]["summary"]["per_type"]
    print(f"reference SELECT 1 (1 client): p50 {ref['p50_ms']} ms, {ref['tps']} tps")
    print(f"parameter draw alone (1 client): p50 {draw['p50_ms']} ms = "
          f"{draw['p50_ms'] / ref['p50_ms']:.2f}x the SELECT 1 round trip")
    for name, f in first.items():
        print(f"  {name:<4} p50 {f['p50_ms']:.3f} ms at {levels[0]} client(s): draw is "
              f"{100 * draw['p50_ms'] / f['p50_ms']:.1f}% of it")
    for level in doc["levels"]:
        s = level["summary"]["all"]
        print(f"clients {level['clients']:>3}: {s['tps']:>9.1f} tps  p50 {s['p50_ms']:.3f}  "
              f"p95 {s['p95_ms']:.3f}  p99 {s['p99_ms']:.3f} ms")
    args.out.write_text(json.dumps({"reference_select1": ref, "workload": doc}, indent=1) + "\n")


if __name__ == "__main__":
    main()
