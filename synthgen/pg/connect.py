"""Connections and statements: the one way synthgen opens an ADBC session and runs SQL.

``connect`` opens a session in one of three shapes: transactional (the loader: a partition's
rows and its ledger row commit together or not at all), autocommit (verification: CREATE
INDEX CONCURRENTLY refuses a transaction block) or read-only (the sampler, the only session
synthgen opens against production). ``execute`` runs one statement and returns its rows;
driver errors never carry the DSN's password.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from synthgen.errors import EnvironmentProblem
from synthgen.pg.sql import redact_dsn, scrub

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection

READ_ONLY_STATEMENT_TIMEOUT_S = 600
"""Default per-statement time box of a read-only session (the sampler's --statement-timeout)."""
READ_ONLY_LOCK_TIMEOUT_MS = 5000
"""A read-only session gives up rather than queue behind production's writers."""
READ_ONLY_APPLICATION_NAME = "synthgen sample (read-only)"
"""What a DBA sees in pg_stat_activity: only the sampler opens read-only sessions."""

# The driver fetches a result by wrapping the query in ``COPY (…) TO STDOUT``, which EXPLAIN,
# SHOW and utility statements cannot be. Turned off for every statement: ``execute`` only
# fetches small results (bulk data goes through ``adbc_ingest``), and without COPY the whole
# result is read at execute time, so no half-read COPY ever blocks the next statement.
_NO_COPY = {"adbc.postgresql.use_copy": "false"}


def connect(dsn: str, *, autocommit: bool = False, read_only: bool = False,
            statement_timeout_s: int = READ_ONLY_STATEMENT_TIMEOUT_S) -> Connection:
    """An ADBC connection; EnvironmentProblem (exit 3) when unreachable.

    ``read_only`` makes a session that cannot write: every transaction read-only (checked
    with the server), every statement time-boxed to ``statement_timeout_s``, lock waits
    bounded. A read-only session is autocommit, so the settings hold for every statement.
    """
    import adbc_driver_postgresql.dbapi as pg

    try:
        conn = pg.connect(dsn, autocommit=autocommit or read_only)
    except Exception as e:  # the driver raises its own hierarchy; the message may hold the DSN
        raise EnvironmentProblem(f"cannot connect to {redact_dsn(dsn)}: "
                                 f"{scrub(str(e), dsn)}") from None
    if read_only:
        _make_read_only(conn, dsn, statement_timeout_s)
    return conn


def _make_read_only(conn: Connection, dsn: str, statement_timeout_s: int) -> None:
    try:
        for stmt in ("SET default_transaction_read_only = on",
                     f"SET statement_timeout = {int(statement_timeout_s) * 1000}",
                     f"SET lock_timeout = {READ_ONLY_LOCK_TIMEOUT_MS}",
                     f"SET application_name = '{READ_ONLY_APPLICATION_NAME}'"):
            execute(conn, stmt)
        rows = execute(conn, "SELECT current_setting('transaction_read_only')")
        state = rows[0][0] if rows else "off"
        if state != "on":
            raise EnvironmentProblem("could not make the sampling session read-only")
    except EnvironmentProblem:
        conn.close()
        raise
    except Exception as e:  # only the type: the message could echo what the session holds
        conn.close()
        raise EnvironmentProblem(f"cannot prepare a read-only session on {redact_dsn(dsn)}: "
                                 f"{type(e).__name__}") from None


def execute(conn: Connection, sql: str,
            params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
    """Run one statement and return its rows (empty for statements without a result)."""
    with conn.cursor() as cur:
        cur.adbc_statement.set_options(**_NO_COPY)
        cur.execute(sql, params)
        if cur.description is None:
            return []
        rows: list[tuple[Any, ...]] = cur.fetchall()
        return rows


def execute_autocommit(dsn: str, statements: list[str]) -> None:
    """Statements that cannot run in a transaction block (VACUUM, CREATE DATABASE)."""
    conn = connect(dsn, autocommit=True)
    try:
        for sql in statements:
            execute(conn, sql)
    finally:
        conn.close()


def first_line(error: BaseException) -> str:
    """The server's message of a driver error, without the driver's prefix and echoed query.

    >>> first_line(RuntimeError("INVALID_DATA: [libpq] Failed to execute query 'SELECT 1/0': "
    ...                         "ERROR:  division by zero\\n. SQLSTATE: 22012"))
    'division by zero'
    >>> first_line(RuntimeError(""))
    'RuntimeError'
    """
    text = str(error).strip()
    for marker in ("Failed to execute query: ", "ERROR:  "):
        if marker in text:
            text = text.split(marker, 1)[1]
    return text.splitlines()[0].strip() if text else type(error).__name__


@contextmanager
def driver_errors(dsn: str, what: str) -> Iterator[None]:
    """Turn a database error escaping ``what`` into EnvironmentProblem (exit 3), scrubbed."""
    import adbc_driver_manager

    try:
        yield
    except adbc_driver_manager.Error as e:
        raise EnvironmentProblem(f"{what} failed on {redact_dsn(dsn)}: "
                                 f"{scrub(first_line(e), dsn)}") from None
