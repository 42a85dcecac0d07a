"""Take an EXPLAIN baseline: every catalogue query × every parameter set it can take, N runs.

Baseline JSON (``format: "synthgen-baseline/1"``)::

    {
      "format": "synthgen-baseline/1",
      "label": "pre",                      # --label
      "taken_at": "2026-11-24T17:30:00Z",  # UTC
      "schema": "perf_synthetic",
      "dsn": "postgresql://app:***@host/db",   # redacted
      "server": {"version": "PostgreSQL 15.20 …", "database": "test", "active_backends": 1},
      "settings": {"jit": "off", "max_parallel_workers_per_gather": "2", "work_mem": "4096kB", …},
      "conditions": {"runs": 10, "warmup": 2, "parallel_workers": 2,
                     "prewarm": {"used": true, "blocks": 1234, "seconds": 0.4}
                                 | {"used": false, "reason": "permission denied …"},
                     "timing": "EXPLAIN (ANALYZE, TIMING OFF, BUFFERS)", "batch_target_ms": 2.0},
      "params_seed": "gate2",              # null when the sets were reused (post reuses pre's)
      "row_counts": {"messages": 50000, …},        # pg_class.reltuples estimates
      "queries": [{"name": "Q1", "title": …, "serves": …, "params": ["conversation_id"],
                   "sql": "<template with {schema}>", "path": …}],
      "param_sets": [{"name": "conv_p50_1", "kind": "conversation", "point": "p50",
                      "chosen_by": "message count near the p50 (15)",
                      "values": {"conversation_id": "…", "member_id": "…"},
                      "stats": {"messages": 15, "active_members": 2}}, …,
                     {"name": "write_heavy", "kind": "write_room", "point": "heavy", …}],
      "indexes": [{"name", "table", "method", "keys": [{"column", "desc"}], "include": […],
                   "unique", "primary", "valid", "predicate", "size_bytes", "definition"}],
      "results": [{
          "query": "Q1", "param_set": "conv_p50_1", "kind": "read" | "write",
          "batch": 50,                         # executions per timed sample
          "execution_ms": {"p25", "p50", "p75", "p95", "min", "max"},  # ms per execution
          "planning_ms": {"p50", "p95"},
          "runs_ms": [ … one sample (mean over its batch) per run … ],
          "buffers_runs": [ … shared hit + read of one execution per run … ],
          "cache": {"executions": 500, "read_blocks": 0},   # blocks read from outside
          "wal_bytes_per_exec": {"p50", "min", "runs"},      # writes only
          "plan_stable": true,                 # same plan shape in every run
          "plan": {                            # the median run's plan (synthgen.verify.plan)
              "rows", "shared_hit", "shared_read", "temp_written", "node_types": {type: n},
              "parallel", "sorts": [{"node_type", "sort_key", "presorted_key", "method",
                                     "space_type", "space_kb", "spilled"}],
              "scans": [{"node_type", "relation", "index", "direction", "rows", "loops",
                         "heap_fetches"}],
              "indexes_used": […], "tree": {…compact node tree…}, "shape": "Limit(…)"}
      }, …]
    }

A query runs with every parameter set that provides all the parameters it names. Parameter
sets are chosen from the data (``synthgen.verify.params``), so pre and post baselines of the
same data use the same values; ``compare`` checks that they did.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from synthgen.dataset import write_json
from synthgen.errors import InputError
from synthgen.pg.connect import connect, execute
from synthgen.pg.guards import check_marked_dsn
from synthgen.pg.sql import check_schema_name, redact_dsn
from synthgen.verify import explain
from synthgen.verify.catalogue import load_catalogue
from synthgen.verify.params import DEFAULT_SEED, choose_params
from synthgen.verify.writes import measure_writes

FORMAT = "synthgen-baseline/1"
TABLES = ("users", "conversations", "conversation_users", "messages", "message_reads")


def _row_counts(conn: Any, schema: str) -> dict[str, int]:
    rows = execute(conn, """SELECT c.relname, c.reltuples::bigint FROM pg_class AS c
                            JOIN pg_namespace AS n ON n.oid = c.relnamespace
                            WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')
                            ORDER BY c.relname""", (schema,))
    return {str(k): int(v) for k, v in rows}


def _check_tables(conn: Any, schema: str) -> None:
    present = set(_row_counts(conn, schema))
    missing = [t for t in TABLES if t not in present]
    if missing:
        raise InputError(f"schema {schema!r} lacks table(s) {', '.join(missing)}: load a "
                         "dataset first (synthgen load)")


def baseline(dsn: str, schema: str, label: str, *, runs: int = 10, warmup: int = 2,
             parallel_workers: int = 2, queries_dir: Path | str | None = None,
             param_sets: list[dict[str, Any]] | None = None, seed: str = DEFAULT_SEED,
             progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Measure every query × parameter set ``runs`` times; the baseline dict (module doc).

    ``param_sets`` (e.g. the pre baseline's) replaces the selection from the data, which
    otherwise draws with ``seed``; ``dsn`` is resolved (``pg.target.resolve``). The write
    paths run first (rolled back, then vacuumed), so the reads see the table state they
    would see without them.
    """
    check_schema_name(schema)
    if runs < 1 or warmup < 0:
        raise InputError(f"runs must be ≥ 1 and warm-up ≥ 0, got runs={runs}, warmup={warmup}")
    queries = load_catalogue(queries_dir)
    # the baseline writes (CREATE EXTENSION, prewarm, rolled-back write probes): same guard
    check_marked_dsn(dsn, "take a baseline")
    conn = connect(dsn, autocommit=True)
    try:
        _check_tables(conn, schema)
        settings = explain.pin_session(conn, parallel_workers)
        sets = param_sets if param_sets is not None else choose_params(conn, schema, seed)
        rooms = [p for p in sets if p.get("kind") == "write_room"]
        reads = [p for p in sets if p.get("kind") != "write_room"]
        writes = measure_writes(dsn, schema, [q for q in queries if q.kind == "write"], rooms,
                                runs=runs, warmup=warmup, progress=progress)
        warm = explain.prewarm(conn, schema)
        if progress:
            progress("prewarm: " + (f"{warm['blocks']} blocks" if warm["used"]
                                    else f"skipped ({warm['reason']})"))
        explain.read_only(conn)
        cases = [{"query": q.name, "param_set": p["name"], "sql": q.sql(schema),
                  "values": tuple(p["values"][k] for k in q.params)}
                 for q in queries if q.kind == "read"
                 for p in reads if all(k in p["values"] for k in q.params)]
        if not cases:
            raise InputError("no query can run: no parameter set could be chosen from the data")
        results = explain.measure(conn, cases, runs=runs, warmup=warmup, progress=progress)
        return {
            "format": FORMAT, "label": label,
            "taken_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "schema": schema, "dsn": redact_dsn(dsn),
            "server": explain.server_facts(conn), "settings": settings,
            "conditions": {"runs": runs, "warmup": warmup, "parallel_workers": parallel_workers,
                           "prewarm": warm, "timing": "EXPLAIN (ANALYZE, TIMING OFF, BUFFERS)",
                           "batch_target_ms": explain.BATCH_TARGET_MS},
            "params_seed": None if param_sets is not None else seed,
            "row_counts": _row_counts(conn, schema),
            "queries": [{"name": q.name, "title": q.title, "serves": q.serves, "kind": q.kind,
                         "params": list(q.params), "sql": q.template, "path": q.path}
                        for q in queries],
            "param_sets": sets,
            "indexes": explain.schema_indexes(conn, schema),
            "results": results + writes,
        }
    finally:
        conn.close()


def save(doc: dict[str, Any], path: Path) -> Path:
    """Write a baseline atomically (temp file + rename: a crash never leaves half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, doc)
    return path


def load(path: Path | str) -> dict[str, Any]:
    """Read a baseline file; InputError when it is not one."""
    p = Path(path)
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"baseline {p} does not exist") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"baseline {p} is not JSON: {e}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or "results" not in doc:
        raise InputError(f"{p} is not a synthgen baseline (format {FORMAT!r})")
    return doc
