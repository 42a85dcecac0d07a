"""Writes leave no trace: a state row per schema, a receipts snapshot, and exact cleanup.

Before a run, ``begin`` snapshots the receipts the Q5 upsert can touch (those of every
drawable conversation's latest message) and the read markers of the memberships MR can
touch, and records the run as ``running`` — both committed
before pgbench starts, so a crash leaves everything the next ``workload`` (or ``teardown``)
needs: ``cleanup`` deletes the messages whose ``idempotencyKey`` carries the marker (their
reads, receipts and attachments go with them by the foreign keys' cascade), deletes the
receipts whose id carries it, restores the ``timestamp``/``updatedAt`` of upserted receipts
and the ``lastReadAt``/``lastReadMessageId``/``updatedAt`` of memberships from the
snapshots, then drops the snapshots and records the schema ``clean``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from synthgen.pg.connect import connect, driver_errors, execute
from synthgen.pg.marker import META_SCHEMA
from synthgen.pg.sql import qualified
from synthgen.schema import TABLE_NAMES
from synthgen.workload.draw import KINDS, helper_table
from synthgen.workload.scripts import MARKER_ID_PREFIX, MARKER_KEY_PREFIX

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection

STATE = qualified(META_SCHEMA, "workload_state")


def _like(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def ensure_state(conn: Connection) -> None:
    """Create the state table when missing (the caller commits)."""
    execute(conn, f"CREATE TABLE IF NOT EXISTS {STATE} (schema_name text PRIMARY KEY, "
                  "status text NOT NULL, run_id text NOT NULL, "
                  "updated_at timestamptz NOT NULL DEFAULT now())")


def pending(conn: Connection, schema: str) -> str | None:
    """The run id of an unfinished run on ``schema`` (None when clean or never run)."""
    exists = execute(conn, "SELECT to_regclass($1) IS NOT NULL", (f"{META_SCHEMA}.workload_state",))
    if not exists[0][0]:
        conn.rollback()
        return None
    rows = execute(conn, f"SELECT run_id FROM {STATE} WHERE schema_name = $1 AND status <> 'clean'",
                   (schema,))
    conn.rollback()
    return str(rows[0][0]) if rows else None


def begin(conn: Connection, schema: str, run_id: str) -> int:
    """Snapshot the receipts Q5 may change and mark the run ``running``; rows snapshotted."""
    ensure_state(conn)
    snap, conv = helper_table(schema, "receipts"), helper_table(schema, "conv")
    execute(conn, f"DROP TABLE IF EXISTS {snap}")
    execute(conn, f"""CREATE TABLE {snap} AS
        SELECT r."id", r."timestamp", r."updatedAt"
        FROM {qualified(schema, 'message_receipts')} AS r
        WHERE r."messageId" IN (SELECT last_msg FROM {conv})""")
    execute(conn, f"ALTER TABLE {snap} ADD PRIMARY KEY (\"id\")")
    n = int(execute(conn, f"SELECT count(*) FROM {snap}")[0][0])
    reads = helper_table(schema, "reads")
    execute(conn, f"DROP TABLE IF EXISTS {reads}")
    execute(conn, f"""CREATE TABLE {reads} AS
        SELECT cu."id", cu."lastReadAt", cu."lastReadMessageId", cu."updatedAt"
        FROM {qualified(schema, 'conversation_users')} AS cu
        WHERE cu."conversationId" IN (SELECT cid FROM {conv})""")
    execute(conn, f"ALTER TABLE {reads} ADD PRIMARY KEY (\"id\")")
    execute(conn, f"INSERT INTO {STATE} (schema_name, status, run_id) VALUES ($1, 'running', $2) "
                  "ON CONFLICT (schema_name) DO UPDATE SET status = 'running', "
                  "run_id = EXCLUDED.run_id, updated_at = now()", (schema, run_id))
    conn.commit()
    return n


def clean_schema(dsn: str, schema: str) -> dict[str, int]:
    """Remove what the workload wrote in ``schema`` and restore what it changed (one commit)."""
    with driver_errors(dsn, "cleaning up the workload's rows"):
        conn = connect(dsn)
        try:
            return _cleanup(conn, schema)
        finally:
            conn.close()


def _cleanup(conn: Connection, schema: str) -> dict[str, int]:
    msg, rcp = qualified(schema, "messages"), qualified(schema, "message_receipts")
    snap = helper_table(schema, "receipts")
    execute(conn, "SET LOCAL lock_timeout = '30s'")
    removed_messages = len(execute(conn, f"DELETE FROM {msg} WHERE \"idempotencyKey\" LIKE $1 "
                                         "RETURNING 1", (_like(MARKER_KEY_PREFIX),)))
    removed_receipts = len(execute(conn, f"DELETE FROM {rcp} WHERE \"id\" LIKE $1 RETURNING 1",
                                   (_like(MARKER_ID_PREFIX),)))
    restored = restored_reads = 0
    has_snap = execute(conn, "SELECT to_regclass($1) IS NOT NULL",
                       (snap.replace('"', ""),))[0][0]
    if has_snap:
        restored = len(execute(conn, f"""UPDATE {rcp} AS r
            SET "timestamp" = s."timestamp", "updatedAt" = s."updatedAt"
            FROM {snap} AS s
            WHERE r."id" = s."id" AND (r."timestamp", r."updatedAt")
                  IS DISTINCT FROM (s."timestamp", s."updatedAt")
            RETURNING 1"""))
        execute(conn, f"DROP TABLE {snap}")
    reads = helper_table(schema, "reads")
    if execute(conn, "SELECT to_regclass($1) IS NOT NULL", (reads,))[0][0]:
        restored_reads = len(execute(conn, f"""UPDATE {qualified(schema, 'conversation_users')} AS c
            SET "lastReadAt" = s."lastReadAt", "lastReadMessageId" = s."lastReadMessageId",
                "updatedAt" = s."updatedAt"
            FROM {reads} AS s
            WHERE c."id" = s."id" AND (c."lastReadAt", c."lastReadMessageId", c."updatedAt")
                  IS DISTINCT FROM (s."lastReadAt", s."lastReadMessageId", s."updatedAt")
            RETURNING 1"""))
        execute(conn, f"DROP TABLE {reads}")
    ensure_state(conn)
    execute(conn, f"UPDATE {STATE} SET status = 'clean', updated_at = now() WHERE schema_name = $1",
            (schema,))
    conn.commit()
    return {"messages_removed": removed_messages, "receipts_removed": removed_receipts,
            "receipts_restored": restored, "memberships_restored": restored_reads}


def table_counts(conn: Connection, schema: str) -> dict[str, int]:
    """Exact row counts of the seven app tables."""
    parts = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM {qualified(schema, t)}"
                               for t in TABLE_NAMES)
    rows = execute(conn, parts)
    conn.rollback()
    return {str(t): int(n) for t, n in rows}


def ledger_counts(conn: Connection, schema: str) -> dict[str, int] | None:
    """Row counts per table the load ledger recorded (None without a ledger)."""
    from synthgen.load.ledger import read_done

    per_table = read_done(conn, schema).rows
    return dict(per_table) if per_table else None


def verify_counts(before: dict[str, int], after: dict[str, int],
                  ledger: dict[str, int] | None) -> dict[str, Any]:
    """Whether the counts after cleanup equal those before the run (and the ledger's)."""
    diff = {t: after.get(t, 0) - before.get(t, 0) for t in before if after.get(t) != before.get(t)}
    ledger_diff = ({t: after.get(t, 0) - n for t, n in ledger.items() if after.get(t) != n}
                   if ledger else None)
    return {"before": before, "after": after, "ledger": ledger, "equal": not diff,
            "differences": diff, "equal_to_ledger": None if ledger is None else not ledger_diff,
            "ledger_differences": ledger_diff}


def forget_schema(dsn: str, schema: str) -> dict[str, int] | None:
    """For teardown: clean up an interrupted run, drop the helper tables, forget the schema.

    Returns what the cleanup removed (None when no run was pending).
    """
    with driver_errors(dsn, "removing the workload's traces"):
        conn = connect(dsn)
        try:
            done = None
            if pending(conn, schema) is not None and execute(
                    conn, "SELECT to_regclass($1) IS NOT NULL",
                    (qualified(schema, "messages"),))[0][0]:
                conn.rollback()
                done = _cleanup(conn, schema)
            conn.rollback()
            tables = ", ".join(helper_table(schema, k) for k in KINDS)
            execute(conn, f"DROP TABLE IF EXISTS {tables}")
            if execute(conn, "SELECT to_regclass($1) IS NOT NULL",
                       (f"{META_SCHEMA}.workload_state",))[0][0]:
                execute(conn, f"DELETE FROM {STATE} WHERE schema_name = $1", (schema,))
            conn.commit()
            return done
        finally:
            conn.close()
