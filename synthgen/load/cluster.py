"""``load --cluster``: every partition file is one Dask task that loads one ledger unit.

A task runs what the local path runs for a partition (``loader.load_file_unit``: the file
verified against its sha256, COPY, the unit's ledger row in the same transaction), on its
own connection from the worker. So a worker killed mid-COPY leaves nothing: its open
transaction dies with its connection and the scheduler re-runs the task elsewhere. A task
that finds its unit in the ledger (an earlier attempt committed it, then died before
reporting) loads nothing; two attempts racing on one unit cannot both commit, because the
ledger's primary key lets only one ledger row in.

The time-ordered messages stream (``--order time``) is one sequence by nature: its slices are
cut from one global sort and must commit in order, so it is not spread over workers. It
runs here, on one connection of the client, while the workers load every other partition.

Before writing, each task checks, from the worker: not production (the worker's own
environment), the server that answers is the one the DSN names, the database carries the
synthgen marker, and it holds this very load (its ``running`` audit row for the schema): a
worker whose DSN reaches another server or database refuses instead of loading there.

The DSN travels in the task's arguments, wrapped in ``Dsn`` whose repr is redacted: Dask
logs a failed task's arguments.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synthgen.errors import InputError, SynthgenError, TargetRefused
from synthgen.load.ledger import LEDGER_TABLE, Unit
from synthgen.schema import TABLE_NAMES

if TYPE_CHECKING:
    import pyarrow as pa
    from adbc_driver_postgresql.dbapi import Connection

    from synthgen.dataset import FileEntry
    from synthgen.load.ingest import UnitResult
    from synthgen.load.loader import Stream

KILL_WORKER_ENV = "SYNTHGEN_TEST_KILL_WORKER"
"""Test hook: a file path; the first task to send all its rows creates it (holding its unit
key) and SIGKILLs its own worker before commit. Never set outside the tests."""


@dataclass(frozen=True, slots=True, repr=False)
class Dsn:
    """A DSN in transit to the workers: its repr (what Dask logs) has no password.

    >>> Dsn("postgresql://app:s3cret@db/chat")
    Dsn('postgresql://app:***@db/chat')
    """

    value: str

    def __repr__(self) -> str:
        from synthgen.pg.sql import redact_dsn

        return f"Dsn({redact_dsn(self.value)!r})"

    __str__ = __repr__


def load_on_cluster(address: str, dsn: str, schema: str, root: Path | str,
                    streams: list[Stream], *,
                    audit_id: int, force: bool, existing: bool,
                    on_unit: Callable[[UnitResult], None],
                    here: Callable[[Stream, threading.Event], None]) -> None:
    """Load the partition streams on the cluster and the time stream ``here``, concurrently.

    ``on_unit`` is called (on this thread) with each unit a worker committed. With
    ``existing`` the tables go one after the other, parents first, as the local path does.
    """
    from synthgen.cluster import client

    waves = [[s for s in streams if s.table == t] for t in TABLE_NAMES] if existing else [streams]
    secret = Dsn(dsn)
    with client(address) as c:
        for wave in waves:
            calls = [(secret, schema, root, s.files[0], audit_id, force)
                     for s in wave if not s.time_ordered]
            _run_wave(c, calls, [s for s in wave if s.time_ordered], on_unit, here)


def _run_wave(c: Any, calls: list[tuple[Any, ...]], local: list[Stream],
              on_unit: Callable[[UnitResult], None],
              here: Callable[[Stream, threading.Event], None]) -> None:
    """``calls`` on the workers and ``local`` streams on threads here; the first error stops all."""
    from synthgen.cluster import completed, submit

    cancel = threading.Event()
    failed: list[BaseException] = []
    futures = submit(c, load_unit_task, calls)

    def run_here(s: Stream) -> None:
        try:
            here(s, cancel)
        except BaseException as e:  # stop the workers too; raised below
            failed.append(e)
            c.cancel(futures)

    threads = [threading.Thread(target=run_here, args=(s,), name="synthgen-time-stream")
               for s in local]
    for t in threads:
        t.start()
    try:
        for result in completed(futures):
            if isinstance(result, SynthgenError):
                raise result
            on_unit(result)
    except BaseException:
        cancel.set()
        if failed:
            raise failed[0] from None
        raise
    finally:
        c.cancel(futures)
        for t in threads:
            t.join()
    if failed:
        raise failed[0]


# -- on the worker -------------------------------------------------------------------------


def load_unit_task(dsn: Dsn, schema: str, root: Path | str, f: FileEntry, audit_id: int,
                   force: bool) -> UnitResult | SynthgenError:
    """One partition file as one ledger unit, on a worker; idempotent.

    A refusal or a bad file is returned, not raised: the scheduler would retry it in vain.
    Anything else raises, so the scheduler re-runs the task.
    """
    from synthgen.load.ingest import LoadFailed
    from synthgen.load.loader import load_file_unit
    from synthgen.pg.connect import connect, driver_errors
    from synthgen.pg.guards import refuse_production

    unit = Unit(f.table, partition=f.partition)
    try:
        refuse_production()  # the worker's own environment, before it connects
        with driver_errors(dsn.value, f"loading {schema}.{unit.key} on a Dask worker"):
            conn = connect(dsn.value)
            try:
                _check_same_load(conn, dsn.value, schema, audit_id, force)
                done = _committed(conn, schema, unit)
                if done is not None:
                    return done
                try:
                    return load_file_unit(conn, schema, root, f, tap=_kill_hook(unit))
                except LoadFailed:
                    done = _committed(conn, schema, unit)  # another attempt won the ledger row
                    if done is not None:
                        return done
                    raise
            finally:
                conn.close()
    except (InputError, TargetRefused) as e:
        return e


def _check_same_load(conn: Connection, dsn: str, schema: str, audit_id: int, force: bool) -> None:
    """The guards the client ran, again from this worker, plus: this load is running here."""
    from synthgen.pg.connect import execute
    from synthgen.pg.guards import check_marked
    from synthgen.pg.marker import META_SCHEMA
    from synthgen.pg.sql import qualified
    from synthgen.pg.target import inspect_target

    target = inspect_target(conn, dsn, forwarded_ok=force)
    check_marked(conn, f"load {schema!r} from a Dask worker")
    rows = execute(conn, f"SELECT status FROM {qualified(META_SCHEMA, 'load_audit')} "
                         "WHERE id = $1 AND schema_name = $2", (audit_id, schema))
    conn.rollback()
    if not rows or rows[0][0] != "running":
        raise TargetRefused(f"{target.dsn_redacted}: no running load #{audit_id} of schema "
                            f"{schema!r} in database {target.database!r} as this Dask worker "
                            "sees it (another server, or the load has ended): refusing to write")


def _committed(conn: Connection, schema: str, unit: Unit) -> UnitResult | None:
    """The unit's result when the ledger already holds it (an earlier attempt committed)."""
    from synthgen.load.ingest import UnitResult
    from synthgen.pg.connect import execute
    from synthgen.pg.sql import qualified

    rows = execute(conn, f"SELECT rows FROM {qualified(schema, LEDGER_TABLE)} WHERE unit = $1",
                   (unit.key,))
    conn.rollback()
    return UnitResult(unit, int(rows[0][0]), 0, 0.0, None) if rows else None


def _kill_hook(unit: Unit) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]] | None:
    """The ``KILL_WORKER_ENV`` test hook, or None (always, outside the tests)."""
    flag = os.environ.get(KILL_WORKER_ENV)
    if not flag:
        return None

    def tap(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        yield from batches  # every row is in the COPY; nothing is committed yet
        try:
            fd = os.open(flag, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(fd, unit.key.encode())
        os.close(fd)
        import signal

        os.kill(os.getpid(), signal.SIGKILL)

    return tap
