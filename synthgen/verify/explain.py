"""Measured EXPLAIN ANALYZE runs under pinned, recorded conditions.

The session is pinned before anything is measured: ``jit = off`` (JIT compile time is noise
for millisecond queries), a fixed ``max_parallel_workers_per_gather``, and
``default_transaction_read_only = on`` (EXPLAIN ANALYZE executes the statement; nothing
measured may write). The settings that shape plans are read back and recorded with the
server version. The cache is warmed with pg_prewarm when the extension can be had (indexes
into shared buffers, tables into the OS cache), then by warm-up runs of every case; runs
are interleaved round-robin over the cases, so a slow minute hurts all cases alike.
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

EXPLAIN = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) "
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

    ``CREATE EXTENSION`` may be refused (no privilege, contrib not installed): the outcome is
    recorded and the warm-up runs do the warming alone.
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
    """One EXPLAIN ANALYZE run, summarised."""
    rows = execute(conn, EXPLAIN + sql, values)
    return summarize(str(rows[0][0]))


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile, rounded to microseconds.

    >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
    2.5
    """
    return round(float(np.percentile(np.asarray(values, dtype=np.float64), q)), 4)


def measure(conn: Connection, cases: list[dict[str, Any]], *, runs: int, warmup: int,
            progress: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Run every case ``warmup`` then ``runs`` times, round-robin; summarise each case.

    A case is ``{"query", "param_set", "sql", "values"}``. The recorded plan is the one of
    the run whose execution time is the median; ``plan_stable`` says whether every run had
    the same plan shape.
    """
    samples: list[list[dict[str, Any]]] = [[] for _ in cases]
    for r in range(warmup + runs):
        for i, case in enumerate(cases):
            summary = explain_once(conn, case["sql"], case["values"])
            if r >= warmup:
                samples[i].append(summary)
        if progress:
            phase = "warm-up" if r < warmup else "run"
            n = r + 1 if r < warmup else r - warmup + 1
            progress(f"{phase} {n}/{warmup if r < warmup else runs} over {len(cases)} cases")
    out = []
    for case, runs_ in zip(cases, samples, strict=True):
        exec_ms = [s["execution_ms"] for s in runs_]
        plan_ms = [s["planning_ms"] for s in runs_]
        median_run = runs_[int(np.argsort(exec_ms, kind="stable")[len(exec_ms) // 2])]
        plan = {k: v for k, v in median_run.items() if k not in ("execution_ms", "planning_ms")}
        out.append({
            "query": case["query"], "param_set": case["param_set"],
            "execution_ms": {"p25": percentile(exec_ms, 25), "p50": percentile(exec_ms, 50),
                             "p75": percentile(exec_ms, 75), "p95": percentile(exec_ms, 95),
                             "min": round(min(exec_ms), 4), "max": round(max(exec_ms), 4)},
            "planning_ms": {"p50": percentile(plan_ms, 50), "p95": percentile(plan_ms, 95)},
            "runs_ms": [round(x, 4) for x in exec_ms],
            "plan_stable": len({s["shape"] for s in runs_}) == 1,
            "plan": plan,
        })
    return out


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

