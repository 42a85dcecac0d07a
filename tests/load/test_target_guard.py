"""The live-target guard: the server that answers must be the host, port and database named."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest

from synthgen.errors import TargetRefused
from synthgen.pg.connect import connect
from synthgen.pg.target import address_difference, dsn_address, inspect_target


@pytest.mark.parametrize(("dsn", "hosts", "port"), [
    ("postgresql://postgres@127.0.0.1:5432/test", ["127.0.0.1"], 5432),
    ("postgresql://u:p%40ss@db.internal/chat", ["db.internal"], 5432),
    ("postgresql://u@[::1]:6000/chat", ["::1"], 6000),
    ("postgresql://u@a:1,b:2/chat", ["a", "b"], 1),
    ("host=h1 port=7000 dbname=x", ["h1"], 7000),
    ("host=/tmp dbname=x", [], None),
    ("postgresql:///chat", [], None),
])
def test_dsn_address(dsn: str, hosts: list[str], port: int | None) -> None:
    assert dsn_address(dsn) == (hosts, port)


@pytest.mark.parametrize(("hosts", "port", "addr", "server_port", "differs"), [
    (["127.0.0.1"], 5432, "127.0.0.1", 5432, False),
    (["localhost"], 5432, "::1", 5432, False),          # loopback is loopback
    (["127.0.0.1"], 6432, "127.0.0.1", 5432, True),     # a pgbouncer on 6432 → elsewhere
    (["127.0.0.1"], 5432, "10.1.2.3", 5432, True),      # a tunnel to another machine
    ([], None, "10.1.2.3", 5432, False),                 # unix socket: nothing named
    (["127.0.0.1"], 5432, None, None, False),           # server on a unix socket
])
def test_address_difference(hosts: list[str], port: int | None, addr: str | None,
                            server_port: int | None, differs: bool) -> None:
    assert (address_difference(hosts, port, addr, server_port) is not None) is differs


@pytest.fixture
def forwarder(pg_dsn: str) -> Iterator[str]:
    """A TCP forwarder on another port to the test server: what a proxy looks like."""
    parts = urlsplit(pg_dsn)
    upstream = (parts.hostname or "127.0.0.1", parts.port or 5432)
    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def pump(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            b.close()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            server = socket.create_connection(upstream)
            threading.Thread(target=pump, args=(client, server), daemon=True).start()
            threading.Thread(target=pump, args=(server, client), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    netloc = f"{parts.username}@127.0.0.1:{listener.getsockname()[1]}"
    try:
        yield urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    finally:
        stop.set()
        listener.close()


@pytest.mark.db
def test_a_forwarded_connection_is_refused_unless_forced(pg_dsn: str, forwarder: str) -> None:
    conn = connect(pg_dsn)
    try:
        assert inspect_target(conn, pg_dsn).database  # the direct DSN is what it names
    finally:
        conn.close()
    conn = connect(forwarder)
    try:
        with pytest.raises(TargetRefused, match="the DSN names port .* the server that answered "
                                                "listens on"):
            inspect_target(conn, forwarder)
        assert inspect_target(conn, forwarder, forwarded_ok=True).server_port == urlsplit(
            pg_dsn).port
    finally:
        conn.close()
