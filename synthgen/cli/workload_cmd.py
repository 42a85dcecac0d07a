"""``synthgen workload``: the app's mix with many clients through pgbench, at production skew.

Exit codes: 0 done (counts equal before and after), 2 bad input (unknown transaction type,
weights without a positive total, clients <= 0, a schema without data), 3 environment
(server unreachable, refused target, pgbench missing or failing, counts differ after
cleanup), 130 interrupted (pgbench stopped, rows cleaned up).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from synthgen.cli import options as opt
from synthgen.cli.guard import guarded
from synthgen.errors import InputError


def _say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def parse_clients(text: str) -> tuple[int, ...]:
    """``1,4,16`` → (1, 4, 16); InputError for anything but positive integers.

    >>> parse_clients("1, 4,16")
    (1, 4, 16)
    """
    try:
        levels = tuple(int(p) for p in text.split(",") if p.strip())
    except ValueError:
        raise InputError(f"--clients takes positive integers like 1,4,16; got {text!r}") from None
    if not levels or any(c <= 0 for c in levels):
        raise InputError(f"--clients must be positive integers (> 0), got {text!r}")
    return levels


@guarded
def workload(
    dsn: opt.Dsn = None,
    schema: opt.Schema = "perf_synthetic",
    clients: Annotated[str, typer.Option(
        "--clients", "-c", help="Client levels, one closed-loop step each (e.g. 1,4,16,64).")] = "1,4,16",
    seconds: Annotated[int, typer.Option("--seconds", "-T",
                                         help="Length of each step in seconds.")] = 20,
    rate: Annotated[float | None, typer.Option(
        "--rate", "-R", help="Open loop: fixed arrival rate in transactions per second "
                             "(latency counts schedule lag).")] = None,
    seed: Annotated[int | None, typer.Option(
        "--seed", "-s", help="pgbench --random-seed (default: random, recorded).")] = None,
    mix: Annotated[str | None, typer.Option(
        "--mix", help="Override weights, e.g. Q1=20,Q2=9 (types: Q1 Q1b Q3 Q4 Q6 Q2 Q5, and MR "
                      "= mark a conversation read, off unless named; unnamed types keep the "
                      "spec's weight).")] = None,
    spec: opt.Spec = None,
    work_dir: Annotated[Path | None, typer.Option(
        "--work-dir", help="Keep the generated scripts and pgbench logs here.")] = None,
    repeats: Annotated[int, typer.Option(
        "--repeats", min=1, max=100, help="Run every client level this many times "
        "(round-robin over the levels), for intervals in `verify compare --workload`.")] = 1,
    control_seconds: Annotated[int, typer.Option(
        "--control-seconds", min=0, max=600, help="Before each step, run the parameter draw "
        "alone at the same client count this long: the machine's speed, which `verify "
        "compare --workload` divides out (0: no control steps).")] = 0,
    out: Annotated[Path, opt.out("Where to write workload.json.")] = Path("workload.json"),
    as_json: Annotated[bool, opt.as_json("Print workload.json instead of the tables.")] = False,
    cleanup_only: Annotated[bool, opt.flag(
        "--cleanup", help="Only remove what an earlier (interrupted) run wrote, then exit.")] = False,
    merge: Annotated[list[Path] | None, typer.Option(
        "--merge", metavar="DIR", help="Instead of running: merge the pgbench logs (tx.*) of several drivers "
                        "of one step, one directory per driver; type names from --out "
                        "(the coordinating run's workload.json).")] = None,
) -> None:
    """Replay the hot queries and write paths with many clients; p50/p95/p99 and tps per level."""
    from synthgen.dataset import write_json
    from synthgen.pg.sql import check_schema_name, redact_dsn
    from synthgen.pg.target import resolve
    from synthgen.spec import load_spec
    from synthgen.workload import (
        WorkloadOptions,
        clean_schema,
        make_mix,
        parse_override,
        run_workload,
        spec_weights,
    )
    from synthgen.workload.render import render_text

    check_schema_name(schema)
    if merge:
        _merge(merge, out, as_json)
        return
    if cleanup_only:
        from synthgen.pg.guards import check_marked_dsn

        target = resolve(dsn)
        check_marked_dsn(target, "clean up a workload")
        done = clean_schema(target, schema)
        _say(f"cleanup on {redact_dsn(target)} schema {schema}: {done['messages_removed']} messages "
             f"and {done['receipts_removed']} receipts removed, {done['receipts_restored']} "
             f"receipts and {done['memberships_restored']} read markers restored")
        return
    levels = parse_clients(clients)
    weights = spec_weights(load_spec(spec).workload)
    if mix:
        weights.update(parse_override(mix))
    options = WorkloadOptions(make_mix(weights), levels, seconds, rate, seed, work_dir,
                              repeats=repeats, control_seconds=control_seconds)
    options.check()
    target = resolve(dsn)
    _say(f"workload on {redact_dsn(target)} schema {schema}: clients {list(levels)}, "
         f"{seconds} s each")
    doc = run_workload(target, schema, options, progress=_say)
    write_json(out, doc)
    print(json.dumps(doc, indent=1) if as_json else render_text(doc))
    _say(f"wrote {out}")


def _merge(dirs: list[Path], workload_json: Path, as_json: bool) -> None:
    """Print the combined throughput and percentiles of several drivers' logs of one step."""
    from synthgen.dataset import read_json
    from synthgen.workload.pglog import merge_dirs

    doc = read_json(workload_json)
    try:
        names, with_lag = list(doc["mix"]["weights"]), doc["rate_tps"] is not None
        merged = merge_dirs(dirs, names, with_lag=with_lag)
    except (KeyError, TypeError):
        raise InputError(f"{workload_json} is not a synthgen-workload/1 document") from None
    except ValueError as e:
        raise InputError(str(e)) from None
    if as_json:
        print(json.dumps(merged, indent=1))
        return
    print(f"{merged['drivers']} drivers, common window {merged['seconds']:.2f} s")
    for name, f in [*merged["per_type"].items(), ("all", merged["all"])]:
        print(f"  {name:<5} tps {f['tps'] or 0:>9.1f}  p50 {f['p50_ms']}  p95 {f['p95_ms']}  "
              f"p99 {f['p99_ms']} ms  n {f['transactions']}")
