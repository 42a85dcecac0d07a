"""Server-side facts per step: cache hits, temp bytes, WAL bytes, lock waits.

``snapshot`` reads the cumulative counters of ``pg_stat_database`` (this database) and
``pg_stat_wal`` before and after a step; ``delta`` turns two snapshots into the step's
figures (buffer hit ratio, temp bytes, WAL bytes, commits, rollbacks, deadlocks).
``lock_waits`` counts ungranted locks in ``pg_locks`` now; the runner samples it about once
a second while the drivers run and reports the peak and the mean.
Backends flush their counters when they exit; the runner waits ``SETTLE_S`` after pgbench
ends before the second snapshot, so the drivers' sessions have gone and reported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from synthgen.pg.connect import execute

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection

SETTLE_S = 0.5
"""Seconds to let the drivers' backends exit and flush their statistics."""
_DB_COLS = ("blks_hit", "blks_read", "temp_bytes", "temp_files", "xact_commit",
            "xact_rollback", "deadlocks", "tup_inserted", "tup_updated", "tup_deleted")


def snapshot(conn: Connection) -> dict[str, int | None]:
    """The cumulative counters now (``wal_bytes`` None when pg_stat_wal lacks it)."""
    execute(conn, "SELECT pg_stat_clear_snapshot()")
    row = execute(conn, f"SELECT {', '.join(_DB_COLS)} FROM pg_stat_database "
                        "WHERE datname = current_database()")[0]
    out: dict[str, int | None] = {c: int(v or 0) for c, v in zip(_DB_COLS, row, strict=True)}
    try:
        out["wal_bytes"] = int(execute(conn, "SELECT wal_bytes FROM pg_stat_wal")[0][0])
    except Exception:  # pg_stat_wal appeared in PostgreSQL 14; a pooler may hide it
        conn.rollback()
        out["wal_bytes"] = None
    conn.rollback()
    return out


def delta(before: dict[str, int | None], after: dict[str, int | None]) -> dict[str, Any]:
    """The step's figures from two snapshots.

    >>> delta({"blks_hit": 90, "blks_read": 10, "wal_bytes": 5},
    ...       {"blks_hit": 180, "blks_read": 20, "wal_bytes": 105})["buffer_hit_ratio"]
    0.9
    """
    d: dict[str, Any] = {}
    for key, a in after.items():
        b = before.get(key)
        d[key] = None if a is None or b is None else a - b
    hit, read = d.get("blks_hit") or 0, d.get("blks_read") or 0
    d["buffer_hit_ratio"] = round(hit / (hit + read), 6) if hit + read else None
    return d


def lock_waits(conn: Connection) -> int:
    """Ungranted lock requests on the server right now."""
    # row-lock waits are waits on a transaction id, whose pg_locks row has no database
    n = execute(conn, "SELECT count(*) FROM pg_locks WHERE NOT granted")[0][0]
    conn.rollback()
    return int(n)
