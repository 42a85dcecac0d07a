"""Planner-relevant facts from the catalog: pg_stats for the hot columns, table sizes.

Only ``n_distinct``, ``correlation`` and ``null_frac`` are read from ``pg_stats`` (never
``most_common_vals`` or ``histogram_bounds``, which hold row values), and the catalog rows
are matched against our own constant list inside SQL, so not even a column name is fetched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from synthgen.pg.connect import execute
from synthgen.pg.sql import check_schema_name
from synthgen.sample.privacy import sig
from synthgen.schema import TABLE_NAMES

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection

HOT_COLUMNS: tuple[str, ...] = (
    "messages.conversationId", "messages.createdAt", "messages.senderId", "messages.threadId",
    "messages.replyToId", "messages.type", "messages.isDeleted", "messages.correlationId",
    "conversation_users.userId", "conversation_users.conversationId",
    "conversation_users.isActive", "conversations.updatedAt", "conversations.type",
    "conversations.isActive", "conversations.creatorId", "message_reads.messageId",
    "message_reads.userId", "message_receipts.messageId", "message_receipts.userId",
    "message_receipts.state", "attachments.messageId", "attachments.uploaderId",
    "attachments.type", "users.isOnline", "users.lastSeenAt",
)


def _array(items: tuple[str, ...]) -> str:
    return "ARRAY[" + ", ".join(f"'{x}'" for x in items) + "]::text[]"


def planner_facts(conn: Connection, schema: str) -> dict[str, Any]:
    """n_distinct / correlation / null_frac per hot column, row estimate and size per table."""
    s = check_schema_name(schema)  # a checked name is safe as a SQL literal
    col_rows = execute(conn, f"""
        SELECT array_position({_array(HOT_COLUMNS)}, tablename::text || '.' || attname::text),
               n_distinct::float8, correlation::float8, null_frac::float8
        FROM pg_stats WHERE schemaname = '{s}'
          AND array_position({_array(HOT_COLUMNS)}, tablename::text || '.' || attname::text)
              IS NOT NULL""")
    columns: dict[str, Any] = {c: {"n_distinct": None, "correlation": None, "null_frac": None}
                               for c in HOT_COLUMNS}
    for pos, nd, corr, nf in col_rows:
        columns[HOT_COLUMNS[int(pos) - 1]] = {
            "n_distinct": None if nd is None else sig(float(nd), 2),
            "correlation": None if corr is None else round(float(corr), 2),
            "null_frac": None if nf is None else round(float(nf), 3)}
    table_rows = execute(conn, f"""
        SELECT array_position({_array(TABLE_NAMES)}, c.relname::text), c.reltuples::float8,
               pg_total_relation_size(c.oid)::float8
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = '{s}' AND c.relkind IN ('r', 'p')
          AND array_position({_array(TABLE_NAMES)}, c.relname::text) IS NOT NULL""")
    tables: dict[str, Any] = {t: {"rows_estimate": None, "total_bytes": None} for t in TABLE_NAMES}
    for pos, tuples, size in table_rows:
        tables[TABLE_NAMES[int(pos) - 1]] = {
            "rows_estimate": None if tuples is None or tuples < 0 else sig(float(tuples), 2),
            "total_bytes": None if size is None else sig(float(size), 2)}
    return {"columns": columns, "tables": tables}
