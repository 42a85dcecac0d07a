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

from synthgen.errors import EnvironmentProblem, TargetRefused
from synthgen.pg.connect import execute
from synthgen.pg.sql import redact_dsn

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection


def resolve(dsn: str | None) -> str:
    """The DSN to use: the given one, else the embedded server's (started, and said so, when
    down)."""
    if dsn:
        return dsn
    import sys

    from synthgen.pg.server import ensure_server

    return ensure_server(announce=lambda line: print(line, file=sys.stderr, flush=True))


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


def inspect_target(conn: Connection, dsn: str, *, forwarded_ok: bool = False) -> Target:
    """Ask the server who it is; refuse when it is not the host, port and database the DSN
    names.

    A proxy, tunnel or container port mapping makes the server's own address differ from
    the DSN's (a pgbouncer on localhost may lead to any server): refused unless
    ``forwarded_ok`` (the loader's ``--force``).
    """
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
    hosts, port = dsn_address(dsn)
    why = address_difference(hosts, port, target.server_addr, target.server_port)
    if why is not None and not forwarded_ok:
        raise TargetRefused(f"{target.dsn_redacted}: {why}. A proxy, tunnel or port mapping "
                            "may lead anywhere, so synthgen refuses to write; if this one is "
                            "expected, pass --force")
    if target.in_recovery:
        raise EnvironmentProblem(f"{target.dsn_redacted} is a read-only standby (in recovery)")
    return target


DEFAULT_PORT = 5432


def dsn_address(dsn: str) -> tuple[list[str], int | None]:
    """The TCP hosts and port a DSN names ([] for none or a unix socket directory).

    >>> dsn_address("postgresql://u:pw@db.example:6432/chat")
    (['db.example'], 6432)
    >>> dsn_address("host=a,b port=5433 dbname=chat")
    (['a', 'b'], 5433)
    >>> dsn_address("postgresql:///chat?host=/var/run/postgresql")
    ([], None)
    """
    hosts: list[str] = []
    port: str | None = None
    if "://" in dsn:
        parts = urlsplit(dsn)
        netloc = parts.netloc.rpartition("@")[2]
        query = parse_qs(parts.query)
        for item in (netloc.split(",") if netloc else []):
            host, _, p = item.rpartition(":") if not item.endswith("]") else (item, "", "")
            if not host:
                host, p = item, ""
            hosts.append(host.strip("[]"))
            port = port or p or None
        hosts += [h for v in query.get("host", []) for h in v.split(",")]
        port = query.get("port", [port or ""])[0] or port
    else:
        for token in dsn.split():
            key, _, value = token.partition("=")
            value = value.strip("'\"")
            if key.strip() in ("host", "hostaddr"):
                hosts += value.split(",")
            elif key.strip() == "port":
                port = value
    tcp = [h for h in hosts if h and not h.startswith("/") and not h.startswith("@")]
    if not tcp:
        return [], None
    return tcp, int(port.split(",")[0]) if port else DEFAULT_PORT


def _addresses(host: str) -> set[str]:
    import ipaddress
    import socket

    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return set()
    out = set()
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        out.add("loopback" if ip.is_loopback else str(ip))
    return out


def address_difference(hosts: list[str], port: int | None, server_addr: str | None,
                       server_port: int | None) -> str | None:
    """Why the server that answered is not at the address the DSN names; None when it is.

    Nothing to compare (a unix socket, no host in the DSN) is not a difference.

    >>> address_difference(["localhost"], 5432, "127.0.0.1", 5432) is None
    True
    >>> address_difference(["127.0.0.1"], 6432, "127.0.0.1", 5432)
    'the DSN names port 6432, the server that answered listens on 5432'
    """
    import ipaddress

    if not hosts or server_addr is None:
        return None
    if port is not None and server_port is not None and port != server_port:
        return f"the DSN names port {port}, the server that answered listens on {server_port}"
    ip = ipaddress.ip_address(server_addr)
    server = "loopback" if ip.is_loopback else str(ip)
    named = set().union(*(_addresses(h) for h in hosts))
    if named and server not in named:
        return (f"the DSN names host {', '.join(hosts)} ({', '.join(sorted(named))}), the "
                f"server that answered is at {server_addr}")
    return None


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
