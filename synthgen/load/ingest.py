"""Arrow → PostgreSQL over ADBC bulk ingest (binary COPY), one atomic unit at a time.

A unit is one partition file, or one time slice of the globally ``createdAt``-ordered
messages. Its batches stream from Parquet through ``conform`` (bounded memory) into one
``adbc_ingest(mode="append")``; its ledger row is inserted in the same transaction, and the
transaction commits only when the ingested row count is the one expected.

Driver traps handled in ``conform``:

- jsonb: binary COPY of a text value into ``jsonb`` is rejected ("unsupported jsonb
  version number"), because jsonb's binary format starts with a version byte. We send the
  JSON text as Arrow binary prefixed with that byte (``\\x01``): the server parses it as
  jsonb, no staging table and no ``ALTER ... TYPE jsonb`` rewrite.
- dictionary / string_view / large_string columns (what some readers produce) are cast
  to plain ``string``; binary COPY cannot take dictionary<string_view>.
- integer widths are cast with overflow checks (uint64 would otherwise wrap silently).
- timestamps: DuckDB hands ``timestamp[ms]`` back as ``timestamp[us]``; cast to the
  schema's ``timestamp[ms]`` (exact: the values are whole milliseconds).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import pyarrow as pa
import pyarrow.compute as pc

from synthgen.errors import DatasetError, SynthgenError
from synthgen.load.ledger import Unit, record_unit
from synthgen.pg.connect import first_line
from synthgen.pg.sql import quote_ident
from synthgen.schema import TABLES, arrow_schema

if TYPE_CHECKING:
    import duckdb
    from adbc_driver_postgresql.dbapi import Connection

    from synthgen.generate.output import RemoteFile

BATCH_ROWS = 65_536
JSONB_VERSION = b"\x01"
Source: TypeAlias = "Path | RemoteFile"
"""A Parquet file to read: local, or of a dataset at a URL (``dataset.file_at``)."""
OnRows = Callable[[str, int, int], None]
"""Progress callback: (table, rows, arrow_bytes) after each batch."""


class LoadFailed(SynthgenError):
    """A unit could not be loaded; its transaction was rolled back (exit 3)."""

    exit_code = 3


def _jsonb_columns(table: str) -> frozenset[str]:
    return frozenset(c.name for c in TABLES[table] if c.pg == "jsonb")


def ingest_schema(table: str) -> pa.Schema:
    """The Arrow schema sent to PostgreSQL: the table's, with jsonb columns as binary."""
    jsonb = _jsonb_columns(table)
    return pa.schema([pa.field(f.name, pa.binary(), f.nullable) if f.name in jsonb else f
                      for f in arrow_schema(table)])


def _plain(arr: pa.Array) -> pa.Array:
    if pa.types.is_dictionary(arr.type):  # decode by hand: take() has no string_view kernel
        arr = _plain(arr.dictionary).take(arr.indices)
    if pa.types.is_string_view(arr.type) or pa.types.is_large_string(arr.type):
        arr = arr.cast(pa.string())
    return arr


def conform(batch: pa.RecordBatch, table: str) -> pa.RecordBatch:
    """Select, order and cast a batch's columns to what the COPY into ``table`` expects."""
    jsonb = _jsonb_columns(table)
    columns = []
    for f in arrow_schema(table):
        try:
            arr = _plain(batch.column(f.name))
        except KeyError:
            raise DatasetError(f"{table}: Parquet data lacks column {f.name!r}",
                               table=table) from None
        if arr.type != f.type:
            arr = arr.cast(f.type, safe=True)
        if f.name in jsonb:
            arr = pc.binary_join_element_wise(JSONB_VERSION, arr.cast(pa.binary()), b"")
        columns.append(arr)
    return pa.RecordBatch.from_arrays(columns, schema=ingest_schema(table))


# -- sources -------------------------------------------------------------------------------


def _select_list(table: str) -> str:
    return ", ".join(quote_ident(c.name) for c in TABLES[table])


def duckdb_connection() -> duckdb.DuckDBPyConnection:
    """A private in-memory DuckDB with bounded memory, for sorting while reading."""
    import tempfile

    import duckdb

    con = duckdb.connect(":memory:")
    # The time-ordered messages sort holds ~2 GB of Arrow on dev: capped lower it spills to
    # disk (dev: peak RSS 2.3 GB -> 0.9 GB for the sort, a little slower), keeping the
    # whole load under the 1.5 GB budget (issue 15).
    con.execute("SET memory_limit = '512MB'")
    con.execute("SET preserve_insertion_order = true")
    spill = f"{tempfile.gettempdir()}/synthgen-duckdb".replace("'", "''")
    con.execute(f"SET temp_directory = '{spill}'")
    return con


def read_verified(path: Source, sha256: str, *, table: str | None = None,
                  partition: int | None = None, chunk_bytes: int = 4 << 20) -> pa.Buffer:
    """The whole file in memory, hashed as it is read (one sequential read, no second pass).

    ``path`` is a local file or a file of a dataset at a URL (``dataset.file_at``), read the
    same way through its filesystem. DatasetError naming the file when its sha256 is not the
    manifest's: nothing of it is loaded, since the caller parses the returned buffer only
    after this check.
    """
    import contextlib
    import hashlib

    digest = hashlib.sha256()
    with contextlib.ExitStack() as stack:
        fh: Any
        if isinstance(path, Path):
            size = path.stat().st_size
            fh = stack.enter_context(path.open("rb", buffering=0))
        else:
            from synthgen.generate import output

            stack.enter_context(output.reading(path.out))
            fh = stack.enter_context(output.open_input(path))
            size = fh.size()
        data = bytearray(size)
        view = memoryview(data)
        got = 0
        while got < size:
            n = fh.readinto(view[got:got + chunk_bytes])
            if not n:
                break
            digest.update(view[got:got + n])  # hashlib releases the GIL on big updates
            got += n
    if got != size or digest.hexdigest() != sha256:
        raise DatasetError(f"{path}: its sha256 is {digest.hexdigest()[:16]}..., the manifest "
                           f"says {sha256[:16]}...: the file changed after generation (or is "
                           "damaged); regenerate the dataset, nothing of this file was loaded",
                           table=table, partition=partition)
    return pa.py_buffer(data)


def _file_batches(path: Source, table: str, sha256: str | None,
                  partition: int | None = None) -> Iterator[pa.RecordBatch]:
    import pyarrow.parquet as pq

    source: Any = path
    if sha256 is not None:
        source = pa.BufferReader(read_verified(path, sha256, table=table, partition=partition))
    elif not isinstance(path, Path):  # unverified, at a URL: a random-access reader
        from synthgen.generate.output import open_input

        source = open_input(path)
    with pq.ParquetFile(source) as pf:
        yield from pf.iter_batches(batch_size=BATCH_ROWS, columns=[c.name for c in TABLES[table]])


def partition_batches(path: Source, table: str, order_by: tuple[str, ...] = (),
                      sha256: str | None = None,
                      partition: int | None = None) -> Iterator[pa.RecordBatch]:
    """Batches of one partition file, optionally sorted (DuckDB, spilling if needed).

    With ``sha256`` the file is verified while it is read, before any batch is yielded.
    """
    if not order_by:
        yield from _file_batches(path, table, sha256, partition)
        return
    con = duckdb_connection()
    try:
        keys = ", ".join(quote_ident(k) for k in order_by)
        failed: list[BaseException] = []
        source = pa.RecordBatchReader.from_batches(ingest_source_schema(table), _remember(
            _normalized(_file_batches(path, table, sha256, partition), table), failed))
        con.register("source", source)
        try:
            reader: pa.RecordBatchReader = con.sql(
                f"SELECT {_select_list(table)} FROM source ORDER BY {keys}"
            ).to_arrow_reader(BATCH_ROWS)
            yield from reader
        except Exception:
            if failed:  # DuckDB re-raises our DatasetError as its own error: raise ours
                raise failed[0] from None
            raise
    finally:
        con.close()


def _remember(batches: Iterator[pa.RecordBatch],
              failed: list[BaseException]) -> Iterator[pa.RecordBatch]:
    """Pass batches through; keep the error that stopped them (DuckDB replaces it)."""
    try:
        yield from batches
    except BaseException as e:
        failed.append(e)
        raise


def ingest_source_schema(table: str) -> pa.Schema:
    """The Arrow schema DuckDB sorts: the table's own (``_normalized`` batches)."""
    return arrow_schema(table)


def _normalized(batches: Iterator[pa.RecordBatch], table: str) -> Iterator[pa.RecordBatch]:
    """Batches cast to the table's Arrow schema (files from other writers may differ)."""
    schema = arrow_schema(table)
    for b in batches:
        if b.schema.equals(schema):
            yield b
            continue
        yield pa.RecordBatch.from_arrays(
            [_plain(b.column(f.name)).cast(f.type, safe=True) for f in schema], schema=schema)


def time_ordered_batches(files: list[tuple[Source, str | None]], table: str,
                         after: tuple[dt.datetime, str] | None) -> Iterator[pa.RecordBatch]:
    """All of a table's rows in global ("createdAt", "id") order, after a resume key.

    ``files`` are (path, sha256 or None). DuckDB sorts a stream of the files read one by one
    and verified as read: the sort consumes every file before the first row comes out, so a
    damaged file stops the load before any of the table's rows are sent.
    """
    failed: list[BaseException] = []

    def every_file() -> Iterator[pa.RecordBatch]:
        for path, sha256 in files:
            yield from _normalized(_file_batches(path, table, sha256), table)

    con = duckdb_connection()
    try:
        con.register("source", pa.RecordBatchReader.from_batches(
            ingest_source_schema(table), _remember(every_file(), failed)))
        where = ""
        params: list[Any] = []
        if after is not None:
            where = 'WHERE "createdAt" > $1 OR ("createdAt" = $1 AND "id" > $2)'
            params = [after[0], after[1]]
        try:
            reader: pa.RecordBatchReader = con.sql(
                f'SELECT {_select_list(table)} FROM source {where} ORDER BY "createdAt", "id"',
                params=params or None).to_arrow_reader(BATCH_ROWS)
            yield from reader
        except Exception:
            if failed:  # DuckDB re-raises our DatasetError as its own error: raise ours
                raise failed[0] from None
            raise
    finally:
        con.close()


def slices(batches: Iterator[pa.RecordBatch], slice_rows: int) -> Iterator[Iterator[pa.RecordBatch]]:
    """Cut a batch stream into consecutive sub-streams of ``slice_rows`` rows (last: fewer).

    Each sub-stream must be consumed before the next is requested.
    """
    pending: list[pa.RecordBatch] = []
    source = iter(batches)

    def take() -> Iterator[pa.RecordBatch]:
        need = slice_rows
        while need > 0:
            if pending:
                b = pending.pop()
            else:
                try:
                    b = next(source)
                except StopIteration:
                    return
            if b.num_rows > need:
                pending.append(b.slice(need))
                b = b.slice(0, need)
            need -= b.num_rows
            if b.num_rows:
                yield b

    while True:
        first = pending.pop() if pending else next(source, None)
        while first is not None and first.num_rows == 0:
            first = next(source, None)
        if first is None:
            return
        pending.append(first)
        yield take()


# -- one unit ------------------------------------------------------------------------------


@dataclass(slots=True)
class UnitResult:
    """What one committed unit did."""

    unit: Unit
    rows: int
    arrow_bytes: int
    seconds: float
    last_key: tuple[Any, str] | None


def ingest_unit(conn: Connection, schema: str, unit: Unit, batches: Iterator[pa.RecordBatch],
                expected_rows: int | None, on_rows: OnRows | None = None,
                keep_last_key: bool = False) -> UnitResult:
    """Stream ``batches`` into ``schema.table`` with its ledger row, in one transaction.

    Rolls back and raises LoadFailed on any error, or DatasetError when the row count is
    not ``expected_rows``; nothing of the unit is then visible.
    """
    table = unit.table
    started = time.perf_counter()
    state: dict[str, Any] = {"rows": 0, "bytes": 0, "last": None, "error": None}
    target_schema = ingest_schema(table)

    def stream() -> Iterator[pa.RecordBatch]:
        try:
            for raw in batches:
                b = conform(raw, table)
                state["rows"] += b.num_rows
                state["bytes"] += b.nbytes
                if keep_last_key and b.num_rows:
                    state["last"] = (b.column("createdAt")[-1].as_py(), b.column("id")[-1].as_py())
                if on_rows is not None:
                    on_rows(table, b.num_rows, b.nbytes)
                yield b
        except Exception as e:  # surfaced after the driver gives up on the stream
            state["error"] = e
            raise

    reader = pa.RecordBatchReader.from_batches(target_schema, stream())
    try:
        with conn.cursor() as cur:
            n = cur.adbc_ingest(table, reader, mode="append", db_schema_name=schema)
        if n >= 0 and n != state["rows"]:
            raise LoadFailed(f"{unit.key}: the server reports {n} rows, the stream had "
                             f"{state['rows']}", table=table, partition=unit.partition)
        if expected_rows is not None and state["rows"] != expected_rows:
            raise DatasetError(f"{unit.key}: {state['rows']} rows read, the manifest says "
                               f"{expected_rows}", table=table, partition=unit.partition)
        record_unit(conn, schema, unit, state["rows"], state["last"])
        conn.commit()
    except SynthgenError:
        conn.rollback()
        raise
    except Exception as e:
        conn.rollback()
        cause = state["error"] if state["error"] is not None else e
        if isinstance(cause, SynthgenError):
            raise cause from None
        raise LoadFailed(f"loading {schema}.{unit.key} failed, nothing of it was kept: "
                         f"{first_line(cause)}", table=table, partition=unit.partition) from None
    return UnitResult(unit, state["rows"], state["bytes"], time.perf_counter() - started,
                      state["last"])

