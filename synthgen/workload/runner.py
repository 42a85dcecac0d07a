"""``synthgen workload``: replay the app's mix at production skew, level by level.

Order of a run: guards (not production, a marked database, a schema with data) → clean up
what an interrupted earlier run left → row counts → draw tables and the receipts snapshot
(the run is now ``running``) → the draw-only step (what drawing a parameter costs) → one
pgbench step per client level (closed loop) or at ``rate_tps`` (open loop), all levels
``repeats`` times over (round-robin, so drift spreads over every level), each optionally
preceded by a *control* step: the draw-only script at the same client count, which touches
only synthgen's draw tables, so its latency measures the machine, not the app's indexes
(gate 2 divides it out, see ``synthgen.verify.workload_compare``) → cleanup →
counts again, which must equal those before (and the load ledger's). Ctrl-C or any error
stops pgbench and still cleans up.
"""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from synthgen.errors import EnvironmentProblem, InputError
from synthgen.pg.connect import connect, driver_errors, execute
from synthgen.pg.guards import check_marked, refuse_production
from synthgen.pg.sql import check_schema_name, qualified
from synthgen.pg.target import inspect_target
from synthgen.verify.catalogue import load_catalogue
from synthgen.workload import cleanup as wl_cleanup
from synthgen.workload import serverstats
from synthgen.workload.draw import build_draw_tables, drop_draw_tables
from synthgen.workload.driver import Step, find_pgbench, pgbench_version, run_step
from synthgen.workload.mix import Mix
from synthgen.workload.pglog import read_logs, summarize
from synthgen.workload.scripts import DRAW, Script, build_scripts, draw_script
from synthgen.workload.skew import heavy_share

FORMAT = "synthgen-workload/1"
DRAW_SECONDS = 3
"""Length of the draw-only step (one client)."""


@dataclass(frozen=True, slots=True)
class WorkloadOptions:
    """What to replay and how hard."""

    mix: Mix
    clients: tuple[int, ...] = (1, 4, 16)
    seconds: int = 20
    rate_tps: float | None = None
    seed: int | None = None
    work_dir: Path | None = None
    """Where scripts and pgbench logs go (default: a temporary directory, removed)."""
    repeats: int = 1
    """Each client level is run this many times (round-robin over the levels)."""
    control_seconds: int = 0
    """Length of the draw-only control step before each level's step (0: none)."""

    def check(self) -> None:
        if not self.clients or any(c <= 0 for c in self.clients):
            raise InputError(f"--clients must be positive integers, got {list(self.clients)}")
        if self.seconds <= 0:
            raise InputError(f"--seconds must be > 0, got {self.seconds}")
        if self.repeats < 1 or self.control_seconds < 0:
            raise InputError(f"repeats must be >= 1 and control seconds >= 0, got "
                             f"{self.repeats} and {self.control_seconds}")
        if self.rate_tps is not None and not self.rate_tps > 0:
            raise InputError(f"--rate must be > 0 transactions per second, got {self.rate_tps}")


def run_workload(dsn: str, schema: str, options: WorkloadOptions,
                 progress: Callable[[str], None] = lambda _m: None) -> dict[str, Any]:
    """Run the workload and return the ``synthgen-workload/1`` document."""
    options.check()
    check_schema_name(schema)
    refuse_production()
    binary = find_pgbench()
    seed = options.seed if options.seed is not None else secrets.randbelow(2**31)
    with driver_errors(dsn, "the workload"):
        conn = connect(dsn)
        try:
            target = _checked_target(conn, dsn, schema)
            leftover = None
            if wl_cleanup.pending(conn, schema) is not None:
                leftover = wl_cleanup.clean_schema(dsn, schema)
                progress(f"cleaned up an interrupted earlier run: {_said(leftover)}")
            t0 = time.monotonic()
            before = wl_cleanup.table_counts(conn, schema)
            ledger = wl_cleanup.ledger_counts(conn, schema)
            progress(f"row counts before: {time.monotonic() - t0:.1f} s; building draw tables")
            t0 = time.monotonic()
            totals = build_draw_tables(conn, schema)
            progress(f"draw tables: {totals.conversations} conversations, {totals.users} users "
                     f"({time.monotonic() - t0:.1f} s); snapshotting what the writes may change")
            run_id = f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{seed}"
            snapshotted = wl_cleanup.begin(conn, schema, run_id)
        finally:
            conn.close()
    doc: dict[str, Any] = {
        "format": FORMAT, "run_id": run_id, "created_at": datetime.now(UTC).isoformat(),
        "target": target.to_json(), "schema": schema,
        "pgbench": {"binary": str(binary), "version": pgbench_version(binary)},
        "seed": seed, "mode": "open" if options.rate_tps is not None else "closed",
        "rate_tps": options.rate_tps, "seconds_per_step": options.seconds,
        "repeats": options.repeats, "control_seconds": options.control_seconds,
        "mix": {"weights": options.mix.weights, "pgbench_weights": options.mix.pgbench_weights,
                "shares": options.mix.shares()},
        "draw": totals.to_json(), "leftover_cleanup": leftover,
        "percentile_rule": "nearest rank over pgbench's per-transaction log (-l); latency in ms "
                           "from the scheduled start (includes schedule lag under --rate)",
    }
    interrupted = False
    try:
        _run_steps(doc, dsn, schema, options, binary, seed, totals.to_json(), progress)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        doc["cleanup"] = _finish(dsn, schema, before, ledger, snapshotted, progress, interrupted)
    if not doc["cleanup"]["counts"]["equal"]:
        raise EnvironmentProblem(f"row counts after cleanup differ from before the run: "
                                 f"{doc['cleanup']['counts']['differences']}")
    return doc


def _checked_target(conn: Any, dsn: str, schema: str) -> Any:
    target = inspect_target(conn, dsn)
    check_marked(conn, "replay a workload (it writes rows and cleans them up)")
    missing = [t for t in ("messages", "conversations", "conversation_users", "users",
                           "message_receipts")
               if not execute(conn, "SELECT to_regclass($1) IS NOT NULL",
                              (qualified(schema, t),))[0][0]]
    conn.rollback()
    if missing:
        raise InputError(f"schema {schema!r} has no loaded data (missing {', '.join(missing)}): "
                         "run synthgen load first")
    return target


def _said(c: dict[str, int]) -> str:
    return (f"{c['messages_removed']} messages and {c['receipts_removed']} receipts removed, "
            f"{c['receipts_restored']} receipts and {c['memberships_restored']} read markers "
            "restored")


def _write_scripts(work: Path, scripts: list[Script]) -> list[Path]:
    paths = []
    for s in scripts:
        path = work / f"{s.name}.sql"
        path.write_text(s.text)
        paths.append(path)
    return paths


def _run_steps(doc: dict[str, Any], dsn: str, schema: str, options: WorkloadOptions,
               binary: Path, seed: int, totals: dict[str, int],
               progress: Callable[[str], None]) -> None:
    names = options.mix.names
    scripts = build_scripts(load_catalogue(), schema, names)
    variables = {"conv_total": totals["conv_total"], "user_total": totals["user_total"]}
    with tempfile.TemporaryDirectory(prefix="synthgen-workload-") as tmp:
        work = (options.work_dir or Path(tmp)).absolute()  # pgbench runs in the log dir
        work.mkdir(parents=True, exist_ok=True)
        paths = _write_scripts(work, scripts)
        doc["scripts"] = {s.name: s.text for s in scripts}
        weighted = [(p, options.mix.pgbench_weights[n]) for p, n in zip(paths, names, strict=True)]
        draw_path = _write_scripts(work, [draw_script(schema)])[0]
        progress(f"draw-only step: 1 client, {min(DRAW_SECONDS, options.seconds)} s")
        draw = _step(dsn, binary, Step([(draw_path, 1)], 1, min(DRAW_SECONDS, options.seconds),
                                       seed, work / "draw" / "tx", variables=variables), [DRAW])
        doc["draw_overhead"] = draw["summary"]["all"]
        doc["levels"] = []
        total, done = options.repeats * len(options.clients), 0
        for rep in range(options.repeats):
            for clients in options.clients:
                done += 1
                mode = f"at {options.rate_tps:g} tps" if options.rate_tps else "closed loop"
                tag = f"r{rep}-c{clients}" if options.repeats > 1 else f"c{clients}"
                threads = min(clients, os.cpu_count() or 1)
                level: dict[str, Any] = {"clients": clients, "repeat": rep}
                if options.control_seconds:
                    progress(f"step {done}/{total}: control, {clients} client(s), "
                             f"{options.control_seconds} s")
                    ctl = Step([(draw_path, 1)], clients, options.control_seconds, seed,
                               work / tag / "control", variables=variables, threads=threads)
                    level["control"] = _control(dsn, binary, ctl)
                progress(f"step {done}/{total}: {clients} client(s), {options.seconds} s, {mode}")
                step = Step(weighted, clients, options.seconds, seed, work / tag / "tx",
                            options.rate_tps, variables, threads=threads)
                doc["levels"].append({**level, **_step(dsn, binary, step, names)})


def _control(dsn: str, binary: Path, step: Step) -> dict[str, Any]:
    """A control step's figures: the draw alone, no server facts (nothing reads them)."""
    result = run_step(binary, step, dsn)
    if not result.logs:
        raise EnvironmentProblem("pgbench wrote no per-transaction log")
    figures: dict[str, Any] = summarize(read_logs(result.logs, with_lag=False), [DRAW],
                                        float(step.seconds))["all"]
    return figures


def _step(dsn: str, binary: Path, step: Step, names: list[str]) -> dict[str, Any]:
    """One pgbench step with server facts before/after and lock waits sampled during it."""
    conn = connect(dsn, autocommit=True)
    try:
        before = serverstats.snapshot(conn)
        result = run_step(binary, step, dsn, on_tick=lambda: serverstats.lock_waits(conn))
        time.sleep(serverstats.SETTLE_S)
        after = serverstats.snapshot(conn)
    finally:
        conn.close()
    if not result.logs:
        raise EnvironmentProblem("pgbench wrote no per-transaction log")
    log = read_logs(result.logs, with_lag=step.rate_tps is not None)
    waits = result.samples
    return {"summary": summarize(log, names, float(step.seconds)),
            "server": serverstats.delta(before, after),
            "lock_waits": {"samples": len(waits), "max": max(waits, default=0),
                           "mean": round(sum(waits) / len(waits), 3) if waits else 0.0},
            "wall_seconds": round(result.wall_seconds, 3),
            "pgbench_argv": [a for a in result.argv[1:] if not a.startswith("--log-prefix")]}


def _finish(dsn: str, schema: str, before: dict[str, int], ledger: dict[str, int] | None,
            snapshotted: int, progress: Callable[[str], None], interrupted: bool) -> dict[str, Any]:
    """Judge the skew from the inserts, clean up, drop the draw tables, compare the counts."""
    skew = None
    try:
        conn = connect(dsn)
        try:
            skew = heavy_share(conn, schema)
        finally:
            conn.close()
    except Exception:  # the skew figure must never stand in the way of the cleanup
        skew = None
    done = wl_cleanup.clean_schema(dsn, schema)
    conn = connect(dsn)
    try:
        drop_draw_tables(conn, schema)
        conn.commit()
        after = wl_cleanup.table_counts(conn, schema)
    finally:
        conn.close()
    counts = wl_cleanup.verify_counts(before, after, ledger)
    word = "interrupted: pgbench stopped; " if interrupted else ""
    progress(f"{word}cleanup: {_said(done)}; counts "
             f"{'equal' if counts['equal'] else 'DIFFER from'} those before the run")
    if skew is not None and skew["inserts"]:
        progress(f"skew: the heaviest {skew['heavy_conversations']} conversations got "
                 f"{100 * skew['observed_share']:.1f}% of {skew['inserts']} inserts; their "
                 f"traffic share is {100 * skew['expected_share']:.1f}%")
    return {**done, "receipts_snapshotted": snapshotted, "counts": counts,
            "skew": skew if skew is not None and skew["inserts"] else None}
