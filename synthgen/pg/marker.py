"""The ``_synthgen`` bookkeeping schema and its marker: what makes a database a synthgen target.

The schema holds the marker (one row, written at the first load), the registry of loaded
schemas and the load audit; the loader's ledger (``load/ledger.py``) reads and writes
the last two. The guards read the marker before any write.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from synthgen.pg.connect import execute
from synthgen.pg.sql import qualified, quote_ident

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection

    from synthgen.pg.target import Target

META_SCHEMA = "_synthgen"
MARKER_TABLE = "marker"


def meta_sql() -> list[str]:
    """CREATE statements of the database-wide bookkeeping schema (idempotent)."""
    s = META_SCHEMA
    return [
        f"CREATE SCHEMA IF NOT EXISTS {quote_ident(s)}",
        f"CREATE TABLE IF NOT EXISTS {qualified(s, MARKER_TABLE)} ("
        "marked_at timestamptz NOT NULL DEFAULT now(), database text NOT NULL, "
        "synthgen_version text NOT NULL, note text NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS {qualified(s, 'schemas')} ("
        "schema_name text PRIMARY KEY, created_by_synthgen boolean NOT NULL, "
        "seed text NOT NULL, band text NOT NULL, spec_hash text NOT NULL, "
        "load_order text NOT NULL, dataset text NOT NULL, "
        "registered_at timestamptz NOT NULL DEFAULT now())",
        f"CREATE TABLE IF NOT EXISTS {qualified(s, 'load_audit')} ("
        "id bigserial PRIMARY KEY, schema_name text NOT NULL, seed text NOT NULL, "
        "band text NOT NULL, spec_hash text NOT NULL, dataset text NOT NULL, "
        "target jsonb NOT NULL, options jsonb NOT NULL, "
        "started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz, "
        "status text NOT NULL, counts jsonb, timings jsonb, error text)",
    ]


def is_marked(conn: Connection) -> bool:
    """True when the database carries the synthgen marker."""
    rows = execute(conn, "SELECT to_regclass($1) IS NOT NULL", (f"{META_SCHEMA}.{MARKER_TABLE}",))
    if not rows[0][0]:
        conn.rollback()
        return False
    n = execute(conn, f"SELECT count(*) FROM {qualified(META_SCHEMA, MARKER_TABLE)}")[0][0]
    conn.rollback()
    return int(n) > 0


def mark(conn: Connection, target: Target, note: str = "marked at first load") -> None:
    """Write the marker (and the bookkeeping tables); committed at once."""
    from synthgen import __version__

    for sql in meta_sql():
        execute(conn, sql)
    marker = qualified(META_SCHEMA, MARKER_TABLE)
    if not int(execute(conn, f"SELECT count(*) FROM {marker}")[0][0]):
        execute(conn, f"INSERT INTO {marker} (database, synthgen_version, note) "
                      "VALUES ($1, $2, $3)", (target.database, __version__, note))
    conn.commit()
