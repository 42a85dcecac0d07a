"""Connections for verification: ADBC PostgreSQL, autocommit, plain (non-COPY) result fetching.

Autocommit because CREATE INDEX CONCURRENTLY refuses to run in a transaction block, and so a
failed statement never poisons the session. The driver normally wraps a query in
``COPY (…) TO STDOUT`` to fetch results, which EXPLAIN, SHOW and utility statements cannot
be; every cursor here turns that off. DSNs only ever reach output through ``redact_dsn``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from synthgen.errors import EnvironmentProblem
from synthgen.pg.sql import redact_dsn

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection

_NO_COPY = {"adbc.postgresql.use_copy": "false"}


def resolve_dsn(dsn: str | None) -> str:
    """The DSN to use: the given one, else the embedded server's (started when down)."""
    if dsn:
        return dsn
    from synthgen.pg.server import ensure_server

    return ensure_server()


def connect(dsn: str) -> Connection:
    """An autocommit ADBC connection; EnvironmentProblem (exit 3) when unreachable."""
    import adbc_driver_postgresql.dbapi as pg

    try:
        return pg.connect(dsn, autocommit=True)
    except Exception as e:  # the driver's own hierarchy; its message may hold the DSN
        msg = str(e).replace(dsn, redact_dsn(dsn))
        raise EnvironmentProblem(f"cannot connect to {redact_dsn(dsn)}: {msg}") from None


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


def first_line(error: BaseException) -> str:
    """The server's message without the driver's prefix and the echoed query."""
    text = str(error).strip()
    for marker in ("Failed to execute query: ", "ERROR:  "):
        if marker in text:
            text = text.split(marker, 1)[1]
    return text.splitlines()[0] if text else type(error).__name__
