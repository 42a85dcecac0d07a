"""Measured EXPLAIN ANALYZE runs under pinned, recorded conditions.

The session is pinned before anything is measured: ``jit = off`` (JIT compile time is noise
for millisecond queries), a fixed ``max_parallel_workers_per_gather``, and
``default_transaction_read_only = on`` (EXPLAIN ANALYZE executes the statement; nothing
measured may write). The settings that shape plans are read back and recorded with the
server version. The cache is warmed with pg_prewarm when the extension can be had (indexes
into shared buffers, tables into the OS cache), then by warm-up runs of every case; samples
are interleaved round-robin over the cases, so a slow minute hurts all cases alike. Timing
is ``EXPLAIN (ANALYZE, TIMING OFF, BUFFERS)``: no per-node clock overhead; a fast query's
sample is the mean of a batch of executions long enough to measure.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from synthgen.pg.connect import execute, first_line
from synthgen.verify.plan import summarize

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection

EXPLAIN = "EXPLAIN (ANALYZE, TIMING OFF, BUFFERS, FORMAT JSON) "
"""TIMING OFF: no per-node clock reads (their overhead grows with rows, biasing row-heavy
plans); the statement's total Execution Time and per-node rows and buffers remain."""
BATCH_TARGET_MS = 2.0
"""A timed sample spans about this long (fast queries run several times per sample)."""
MAX_BATCH = 200
RECORDED_SETTINGS = (
    "server_version", "server_version_num", "jit", "max_parallel_workers_per_gather",
    "max_parallel_workers", "work_mem", "shared_buffers", "effective_cache_size",
    "random_page_cost", "seq_page_cost", "effective_io_concurrency", "default_statistics_target",
    "plan_cache_mode", "enable_incremental_sort", "enable_indexonlyscan", "enable_bitmapscan",
    "enable_seqscan", "enable_sort", "enable_hashjoin", "enable_mergejoin", "enable_nestloop",
)


def pin_session(conn: Connection, parallel_workers: int) -> dict[str, str]:
    """Fix the conditions that move timings; return the settings that were in force."""
    execute(conn, "SET jit = off")
    execute(conn, f"SET max_parallel_workers_per_gather = {int(parallel_workers)}")
    names = ",".join(f"'{n}'" for n in RECORDED_SETTINGS)
    rows = execute(conn, "SELECT name, current_setting(name) FROM pg_settings "
                         f"WHERE name IN ({names}) ORDER BY name")
    return {str(k): str(v) for k, v in rows}


def read_only(conn: Connection) -> None:
    """From here on the session cannot write (measured statements are executed for real)."""
    execute(conn, "SET default_transaction_read_only = on")


def prewarm(conn: Connection, schema: str) -> dict[str, Any]:
    """Load the schema's indexes into shared buffers and its tables into the OS cache.

    Called only after the marker guard (``pg.guards.check_marked``): the extension is created
    only in a database synthgen may write to. ``CREATE EXTENSION`` may still be refused (no
    privilege, contrib not installed): the outcome is recorded as a note and the warm-up runs
    do the warming alone.
    """
    try:
        execute(conn, "CREATE EXTENSION IF NOT EXISTS pg_prewarm")
    except Exception as e:  # driver errors: refused or unavailable
        return {"used": False, "reason": first_line(e)}
    t0 = time.perf_counter()
    try:
        rows = execute(conn, """
            SELECT coalesce(sum(pg_prewarm(c.oid, CASE c.relkind WHEN 'i' THEN 'buffer'
                                                               ELSE 'read' END)), 0)::bigint
            FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
            WHERE n.nspname = $1 AND c.relkind IN ('r', 'i', 'm')""", (schema,))
    except Exception as e:  # e.g. the function lives in a schema not on the search_path
        return {"used": False, "reason": first_line(e)}
    return {"used": True, "blocks": int(rows[0][0]),
            "seconds": round(time.perf_counter() - t0, 3)}


def explain_once(conn: Connection, sql: str, values: tuple[Any, ...]) -> dict[str, Any]:
    """One EXPLAIN (ANALYZE, TIMING OFF, BUFFERS) run, summarised."""
    rows = execute(conn, EXPLAIN + sql, values)
    return summarize(str(rows[0][0]))


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile, rounded to microseconds.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
    2.5
    """
    return round(float(np.percentile(np.asarray(values, dtype=np.float64), q)), 4)


def batch_size(warm_ms: list[float], target_ms: float = BATCH_TARGET_MS,
               most: int = MAX_BATCH) -> int:
    """Executions per timed sample, so one sample lasts about ``target_ms``.

    >>> batch_size([0.05, 0.04]), batch_size([12.0]), batch_size([0.0001])
    (50, 1, 200)
    """
    fastest = max(min(warm_ms), 1e-6)
    return int(min(most, max(1, np.ceil(target_ms / fastest))))


def measure(conn: Connection, cases: list[dict[str, Any]], *, runs: int, warmup: int,
            progress: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Warm every case, then take ``runs`` timed samples of each, round-robin; summarise.

    A case is ``{"query", "param_set", "sql", "values"}``. Warm-up runs (at least one) set
    each case's batch size (``batch_size``): a sample is the mean execution time of that many
    consecutive executions, so a 40 µs query is timed over ~2 ms instead of against a clock
    floor. Buffers (shared hit + read) are recorded per execution of the sample's last run;
    the recorded plan is the one of the median sample; ``plan_stable`` says whether every
    sample had the same plan shape.
    """
    warm: list[list[float]] = [[] for _ in cases]
    for r in range(max(1, warmup)):
        for i, case in enumerate(cases):
            warm[i].append(explain_once(conn, case["sql"], case["values"])["execution_ms"])
        if progress:
            progress(f"warm-up {r + 1}/{max(1, warmup)} over {len(cases)} cases")
    sizes = [batch_size(w) for w in warm]
    samples: list[list[dict[str, Any]]] = [[] for _ in cases]
    for r in range(runs):
        for i, case in enumerate(cases):
            total_ms, plan_total_ms, read = 0.0, 0.0, 0
            for _ in range(sizes[i]):
                one = explain_once(conn, case["sql"], case["values"])
                total_ms += one["execution_ms"]
                plan_total_ms += one["planning_ms"]
                read += one["shared_read"]
            samples[i].append({**one, "execution_ms": total_ms / sizes[i],
                               "planning_ms": plan_total_ms / sizes[i], "batch_read": read})
        if progress:
            progress(f"run {r + 1}/{runs} over {len(cases)} cases")
    return [summarize_case(case, runs_, k) for case, runs_, k in zip(cases, samples, sizes, strict=True)]


def summarize_case(case: dict[str, Any], runs_: list[dict[str, Any]], k: int) -> dict[str, Any]:
    """One case of a baseline: timing percentiles, samples, buffers, the median sample's plan."""
    exec_ms = [s["execution_ms"] for s in runs_]
    plan_ms = [s["planning_ms"] for s in runs_]
    median_run = runs_[int(np.argsort(exec_ms, kind="stable")[len(exec_ms) // 2])]
    plan = {k_: v for k_, v in median_run.items()
            if k_ not in ("execution_ms", "planning_ms", "batch_read")}
    return {
        "query": case["query"], "param_set": case["param_set"], "kind": case.get("kind", "read"),
        "batch": k,
        "execution_ms": {"p25": percentile(exec_ms, 25), "p50": percentile(exec_ms, 50),
                         "p75": percentile(exec_ms, 75), "p95": percentile(exec_ms, 95),
                         "min": round(min(exec_ms), 4), "max": round(max(exec_ms), 4)},
        "planning_ms": {"p50": percentile(plan_ms, 50), "p95": percentile(plan_ms, 95)},
        "runs_ms": [round(x, 5) for x in exec_ms],
        "buffers_runs": [int(s["shared_hit"]) + int(s["shared_read"]) for s in runs_],
        "cache": {"executions": k * len(runs_), "read_blocks": sum(s["batch_read"] for s in runs_)},
        "plan_stable": len({s["shape"] for s in runs_}) == 1,
        "plan": plan,
    }


def schema_indexes(conn: Connection, schema: str) -> list[dict[str, Any]]:
    """Every index of the schema's tables: key columns with direction, INCLUDE columns, flags."""
    rows = execute(conn, """
        SELECT i.relname, t.relname, am.amname, x.indisunique, x.indisprimary, x.indisvalid,
               pg_get_expr(x.indpred, x.indrelid), pg_relation_size(i.oid), x.indnkeyatts,
               pg_get_indexdef(i.oid),
               (SELECT string_agg(pg_get_indexdef(i.oid, k, true) || chr(30) ||
                                  CASE WHEN k <= x.indnkeyatts
                                       THEN (x.indoption[k - 1] & 1)::text ELSE '0' END,
                                  chr(31) ORDER BY k)
                FROM generate_series(1, x.indnatts) AS k)
        FROM pg_index AS x
        JOIN pg_class AS i ON i.oid = x.indexrelid
        JOIN pg_class AS t ON t.oid = x.indrelid
        JOIN pg_namespace AS n ON n.oid = t.relnamespace
        JOIN pg_am AS am ON am.oid = i.relam
        WHERE n.nspname = $1
        ORDER BY t.relname, i.relname""", (schema,))
    out = []
    for name, table, method, unique, primary, valid, pred, size, nkey, ddl, cols in rows:
        parts = [c.split("\x1e") for c in str(cols or "").split("\x1f") if c]
        keys = [{"column": _unquote(c), "desc": d == "1"} for c, d in parts[:int(nkey)]]
        out.append({"name": str(name), "table": str(table), "method": str(method),
                    "keys": keys, "include": [_unquote(c) for c, _ in parts[int(nkey):]],
                    "unique": bool(unique), "primary": bool(primary), "valid": bool(valid),
                    "predicate": pred, "size_bytes": int(size), "definition": str(ddl)})
    return out


def _unquote(col: str) -> str:
    """A column as pg_get_indexdef prints it, without identifier quoting.

    >>> _unquote('"conversationId"'), _unquote('id')
    ('conversationId', 'id')
    """
    if len(col) >= 2 and col[0] == col[-1] == '"':
        return col[1:-1].replace('""', '"')
    return col


def server_facts(conn: Connection) -> dict[str, Any]:
    """Who the server is, for the record."""
    row = execute(conn, "SELECT version(), current_database(), "
                        "(SELECT count(*) FROM pg_stat_activity WHERE state = 'active')")[0]
    return {"version": str(row[0]), "database": str(row[1]), "active_backends": int(row[2])}

