"""ADBC connections to the target, and a look at what is really on the other end.

Every connection is opened with autocommit off, so a partition's rows and its ledger row
commit together or not at all. Errors never carry the DSN's password.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from synthgen.errors import EnvironmentProblem
from synthgen.pg.sql import redact_dsn

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection


@dataclass(frozen=True, slots=True)
class Target:
    """The live server behind a DSN, as the server itself reports it."""

    dsn_redacted: str
    database: str
    user: str
    server_addr: str | None
    """``inet_server_addr()``: None over a unix socket."""
    server_port: int | None
    server_version: str
    in_recovery: bool

    def to_json(self) -> dict[str, Any]:
        return {"dsn": self.dsn_redacted, "database": self.database, "user": self.user,
                "server_addr": self.server_addr, "server_port": self.server_port,
                "server_version": self.server_version}


def connect(dsn: str) -> Connection:
    """An ADBC connection with autocommit off; EnvironmentProblem (exit 3) when unreachable."""
    import adbc_driver_postgresql.dbapi as pg

    try:
        return pg.connect(dsn, autocommit=False)
    except Exception as e:  # the driver raises its own hierarchy; the message may hold the DSN
        raise EnvironmentProblem(f"cannot connect to {redact_dsn(dsn)}: "
                                 f"{scrub(str(e), dsn)}") from None


@contextmanager
def driver_errors(dsn: str, what: str) -> Iterator[None]:
    """Turn a database error escaping ``what`` into EnvironmentProblem (exit 3), scrubbed."""
    import adbc_driver_manager

    try:
        yield
    except adbc_driver_manager.Error as e:
        first = next((line.strip() for line in str(e).splitlines() if "ERROR" in line),
                     str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__)
        raise EnvironmentProblem(f"{what} failed on {redact_dsn(dsn)}: "
                                 f"{scrub(first, dsn)}") from None


def scrub(text: str, dsn: str) -> str:
    """``text`` with the DSN, and its password anywhere, replaced by their redacted forms.

    >>> scrub("failed for postgresql://u:pw1@h/db (pw1)", "postgresql://u:pw1@h/db")
    'failed for postgresql://u:***@h/db (***)'
    """
    if not dsn:
        return text
    text = text.replace(dsn, redact_dsn(dsn))
    password = _password(dsn)
    return text.replace(password, "***") if password else text


def _password(dsn: str) -> str | None:
    if "://" in dsn:
        parts = urlsplit(dsn)
        if parts.password:
            return parts.password
        return parse_qs(parts.query).get("password", [None])[0]
    for token in dsn.split():
        key, _, value = token.partition("=")
        if key.strip() == "password":
            return value.strip("'\"") or None
    return None


def execute(conn: Connection, sql: str, params: tuple[Any, ...] | None = None) -> list[tuple[Any, ...]]:
    """Run one statement and drain its result (an undrained cursor blocks the next COPY)."""
    with conn.cursor() as cur:
        cur.execute(sql, params)
        try:
            rows: list[tuple[Any, ...]] = cur.fetchall()
        except Exception:  # statements without a result set
            rows = []
        return rows


def execute_autocommit(dsn: str, statements: list[str]) -> None:
    """Statements that cannot run in a transaction block (VACUUM, CREATE DATABASE)."""
    conn = connect(dsn)
    try:
        conn.adbc_connection.set_autocommit(True)
        for sql in statements:
            execute(conn, sql)
    finally:
        conn.close()


def inspect_target(conn: Connection, dsn: str) -> Target:
    """Ask the server who it is; refuse when it is not the database the DSN names."""
    row = execute(conn, "SELECT current_database(), current_user, inet_server_addr()::text, "
                        "inet_server_port(), current_setting('server_version'), pg_is_in_recovery()")[0]
    conn.rollback()
    target = Target(redact_dsn(dsn), str(row[0]), str(row[1]),
                    None if row[2] is None else str(row[2]).split("/")[0],
                    None if row[3] is None else int(row[3]), str(row[4]), bool(row[5]))
    wanted = dsn_database(dsn)
    if wanted is not None and wanted != target.database:
        raise EnvironmentProblem(f"the DSN names database {wanted!r} but the server says "
                                 f"current_database() = {target.database!r}; refusing to write")
    if target.in_recovery:
        raise EnvironmentProblem(f"{target.dsn_redacted} is a read-only standby (in recovery)")
    return target


def dsn_database(dsn: str) -> str | None:
    """The database a DSN names, when it names one (URL path or ``dbname=``).

    >>> dsn_database("postgresql://u@h:5432/chat?sslmode=require")
    'chat'
    >>> dsn_database("host=h dbname=chat user=u")
    'chat'
    """
    if "://" in dsn:
        parts = urlsplit(dsn)
        db = parts.path.lstrip("/") or parse_qs(parts.query).get("dbname", [""])[0]
        return db or None
    for token in dsn.split():
        key, _, value = token.partition("=")
        if key.strip() == "dbname":
            return value.strip("'\"") or None
    return None
