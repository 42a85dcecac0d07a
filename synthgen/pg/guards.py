"""Safety before any write: not production, and a marked synthgen target.

A database becomes a synthgen target when synthgen writes its marker (``pg.marker``) at the
first load. A first load into a database that already holds user tables needs ``force``: it
may be somebody's real database. Every refusal is a ``TargetRefused`` (exit 3) with a message
that says what to do.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from synthgen.errors import TargetRefused
from synthgen.pg.connect import execute
from synthgen.pg.marker import META_SCHEMA, is_marked, mark, meta_sql

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection

    from synthgen.pg.target import Target

ENV_VARS = ("SYNTHGEN_ENV", "APP_ENV", "NODE_ENV")
_SYSTEM_SCHEMAS = ("pg_catalog", "information_schema", "pg_toast", META_SCHEMA)


def refuse_production(environ: dict[str, str] | None = None) -> None:
    """TargetRefused when any of SYNTHGEN_ENV / APP_ENV / NODE_ENV says production."""
    env = os.environ if environ is None else environ
    for var in ENV_VARS:
        value = env.get(var, "").strip().lower()
        if value in {"production", "prod"}:
            raise TargetRefused(f"{var}={env[var]} says this is production: synthgen never "
                                "writes to production. Unset it to target a test database.")


def user_tables(conn: Connection, limit: int = 5) -> list[str]:
    """A few user tables (schema.table) outside system schemas and synthgen's own."""
    rows = execute(conn, "SELECT n.nspname || '.' || c.relname FROM pg_class c "
                         "JOIN pg_namespace n ON n.oid = c.relnamespace "
                         "WHERE c.relkind IN ('r', 'p') AND n.nspname <> ALL($1) "
                         "AND n.nspname NOT LIKE 'pg_temp%' ORDER BY 1 LIMIT $2",
                   (list(_SYSTEM_SCHEMAS), limit))
    conn.rollback()
    return [str(r[0]) for r in rows]


def check_target(conn: Connection, target: Target, *, force: bool) -> None:
    """Refuse an unmarked database unless it is empty or ``force``; mark it otherwise."""
    refuse_production()
    if is_marked(conn):
        for sql in meta_sql():  # older markers may predate a bookkeeping table
            execute(conn, sql)
        conn.commit()
        return
    existing = user_tables(conn)
    if existing and not force:
        shown = ", ".join(existing)
        raise TargetRefused(
            f"database {target.database!r} on {target.dsn_redacted} is not marked as a synthgen "
            f"target and already holds tables ({shown}{', ...' if len(existing) >= 5 else ''}). "
            "If it really is a disposable test database, load once with --force to mark it.")
    mark(conn, target, "marked at first load" + (" (forced, database was not empty)"
                                                 if existing else ""))


def check_marked(conn: Connection, action: str) -> None:
    """Refuse production and any database without synthgen's marker (no ``force`` here).

    The commands that write to a loaded target (``verify baseline`` creates an extension and
    prewarms, ``indexes apply/rollback`` build and drop indexes) act only where ``load`` has
    already written: a database synthgen marked. Nothing is marked here.
    """
    refuse_production()
    if not is_marked(conn):
        db = execute(conn, "SELECT current_database()")[0][0]
        conn.rollback()
        raise TargetRefused(f"database {db!r} is not marked as a synthgen target: refusing to "
                            f"{action}. synthgen acts only on databases it loaded (synthgen load "
                            "marks them).")


def check_marked_dsn(dsn: str, action: str) -> None:
    """``check_marked`` on its own short transaction (callers may hold autocommit sessions)."""
    from synthgen.pg.connect import connect

    refuse_production()
    conn = connect(dsn)
    try:
        check_marked(conn, action)
    finally:
        conn.close()
