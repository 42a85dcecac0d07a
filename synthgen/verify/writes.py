"""The write paths (Q2 message insert, Q5 receipt upsert), measured and rolled back.

Each sample is one transaction on a write room (``params`` chose a typical and a heavy one):
``BATCH`` executions of the statement under ``EXPLAIN (ANALYZE, TIMING OFF, BUFFERS, WAL)`` —
server-side time, index maintenance and foreign-key checks included — then ``ROLLBACK``.
Samples are interleaved round-robin over the write cases like the reads. Inserted ids and
idempotency keys are derived from the round and execution number, so pre and post insert
the same values; Q5 acknowledges the room's newest messages for its recipient, DELIVERED and
READ in turn (an existing receipt takes the upsert's update path, as in the app).

WAL bytes per execution are the statement's own (EXPLAIN's WAL option), median over the
samples; full-page images (the first change of a page after a checkpoint) are counted
apart, since a checkpoint between pre and post moves them, not the index set.

Rolled-back rows leave dead tuples behind; the touched tables are vacuumed afterwards, so the
reads measured next (and the other baseline) see the same table state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from synthgen.pg.connect import connect, execute
from synthgen.pg.sql import qualified
from synthgen.verify.explain import summarize_case
from synthgen.verify.plan import load_explain, summarize

if TYPE_CHECKING:
    from synthgen.verify.catalogue import Query

EXPLAIN_WAL = "EXPLAIN (ANALYZE, TIMING OFF, BUFFERS, WAL, FORMAT JSON) "
"""WAL: the WAL records, full-page images and bytes this statement generated (PostgreSQL
13+), so other sessions' WAL never lands in the measurement."""
BATCH = 40
"""Executions per rolled-back transaction (one timed sample)."""
CONTENT = "synthgen gate-2 write probe: a message of typical length, never committed."


def _values(q: Query, room: dict[str, Any], r: int, i: int) -> tuple[Any, ...]:
    """The bound values of execution ``i`` of round ``r`` (deterministic)."""
    v = room["values"]
    pool = v["message_ids"] or [""]
    made = {"new_id": f"sgw{r:04d}x{i:04d}", "idempotency_key": f"sg-probe-{r:04d}-{i:04d}",
            "content": CONTENT, "conversation_id": v["conversation_id"],
            "member_id": v["member_id"] if q.name != "Q5" else v["recipient_id"],
            "message_id": pool[(i // 2) % len(pool)],
            "receipt_state": ("DELIVERED", "READ")[i % 2]}
    return tuple(made[p] for p in q.params)


def measure_writes(dsn: str, schema: str, queries: list[Query], rooms: list[dict[str, Any]], *,
                   runs: int, warmup: int, batch: int = BATCH,
                   progress: Callable[[str], None] | None = None) -> list[dict[str, Any]]:
    """Every write query × write room, ``warmup`` + ``runs`` rolled-back samples each."""
    cases = [(q, room) for q in queries for room in rooms
             if all(p in _PROVIDED for p in q.params)]
    if not cases:
        return []
    conn = connect(dsn)  # not autocommit: each sample is one transaction, rolled back
    samples: list[list[dict[str, Any]]] = [[] for _ in cases]
    wal: list[list[tuple[float, float]]] = [[] for _ in cases]
    try:
        execute(conn, "SET jit = off")
        conn.commit()
        for r in range(max(1, warmup) + runs):
            for c, (q, room) in enumerate(cases):
                sql = EXPLAIN_WAL + q.sql(schema)
                total_ms, wal_bytes, fpi, last = 0.0, 0, 0, None
                for i in range(batch):
                    raw = str(execute(conn, sql, _values(q, room, r, i))[0][0])
                    last = summarize(raw)
                    top = load_explain(raw)["Plan"]
                    total_ms += last["execution_ms"]
                    wal_bytes += int(top.get("WAL Bytes", 0))
                    fpi += int(top.get("WAL FPI", 0))
                conn.rollback()
                if r >= max(1, warmup) and last is not None:
                    samples[c].append({**last, "execution_ms": total_ms / batch,
                                       "planning_ms": last["planning_ms"], "batch_read": 0})
                    wal[c].append((wal_bytes / batch, fpi / batch))
            if progress:
                progress(f"writes {r + 1}/{max(1, warmup) + runs} over {len(cases)} cases")
        conn.commit()
    finally:
        conn.close()
    vacuum(dsn, schema, sorted({_table(q) for q, _ in cases}))
    out = []
    for (q, room), runs_, w in zip(cases, samples, wal, strict=True):
        res = summarize_case({"query": q.name, "param_set": room["name"], "kind": "write"}, runs_, batch)
        b_ = [x[0] for x in w]
        res["wal_bytes_per_exec"] = {"p50": round(float(np.median(b_)), 1),
                                     "min": round(min(b_), 1), "runs": [round(x, 1) for x in b_],
                                     "fpi_per_exec_p50": round(float(np.median([x[1] for x in w])),
                                                               3)}
        out.append(res)
    return out


_PROVIDED = ("new_id", "idempotency_key", "content", "conversation_id", "member_id",
             "message_id", "receipt_state")


def _table(q: Query) -> str:
    """The table a write query inserts into (``INSERT INTO {schema}."t"``)."""
    after = q.template.split("{schema}.", 1)[1]
    return after.split('"')[1]


def vacuum(dsn: str, schema: str, tables: list[str]) -> None:
    """VACUUM the tables the probes wrote (autocommit: VACUUM refuses a transaction)."""
    conn = connect(dsn, autocommit=True)
    try:
        for t in tables:
            execute(conn, f"VACUUM {qualified(schema, t)}")
    finally:
        conn.close()
