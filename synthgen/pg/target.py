"""Which server we talk to: the DSN (given, or the embedded server's) and who answers on it.

``resolve`` is the one place that decides "no DSN means the embedded server"; the CLI and
the ``run`` pipeline call it at their entry and pass the resolved DSN down, so every library
function takes a ``dsn: str``. ``inspect_target`` asks the live server who it is before
anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from synthgen.errors import EnvironmentProblem
from synthgen.pg.connect import execute
from synthgen.pg.sql import redact_dsn

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection


def resolve(dsn: str | None) -> str:
    """The DSN to use: the given one, else the embedded server's (started when down)."""
    if dsn:
        return dsn
    from synthgen.pg.server import ensure_server

    return ensure_server()


def is_embedded(dsn: str) -> bool:
    """True when ``dsn`` is the running embedded server's (the default data directory)."""
    from synthgen.pg.server import status

    st = status()
    return st.running and st.dsn == dsn


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
