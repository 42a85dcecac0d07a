"""The target schema before the data: create it, or check the app's own tables.

Fresh loads run ``ddl.create_sql`` (schema, enums, bare tables) in one transaction with the
ledger table and the schema's registry row. ``--existing`` loads run no DDL on the app's
tables: their columns are checked first (``load.existing``), and a mismatch is a clear
error listing every difference.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from synthgen import ddl
from synthgen.dataset import is_remote
from synthgen.errors import InputError, TargetRefused
from synthgen.load.existing import check_existing
from synthgen.load.ledger import (
    LEDGER_TABLE,
    SchemaRecord,
    delete_schema_record,
    get_schema_record,
    ledger_sql,
    put_schema_record,
)
from synthgen.pg.connect import execute
from synthgen.pg.sql import qualified, quote_ident
from synthgen.schema import ENUMS, TABLES

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection


def schema_exists(conn: Connection, schema: str) -> bool:
    rows = execute(conn, "SELECT 1 FROM pg_namespace WHERE nspname = $1", (schema,))
    conn.rollback()
    return bool(rows)


def prepare(conn: Connection, schema: str, record: SchemaRecord, dataset: str, *,
            resume: bool, force: bool, existing: bool) -> bool:
    """Make ``schema`` ready to receive the dataset; True when this continues a load.

    Refuses (TargetRefused) a schema synthgen did not create (unless ``existing``), and a
    schema already holding a dataset unless resuming the same one or ``force``.
    """
    present = schema_exists(conn, schema)
    previous = get_schema_record(conn, schema)
    conn.rollback()
    if existing:
        if not present:
            raise InputError(f"--existing: schema {schema!r} does not exist; run the app's "
                             "migrations first, or load without --existing")
        check_existing(conn, schema, dataset if is_remote(dataset) else Path(dataset))
        if previous is not None:
            if resume and previous.same_dataset_as(record):
                return True
            raise TargetRefused(
                f"schema {schema!r} already received a synthgen dataset (seed "
                f"{previous.seed!r}); appending again would duplicate rows. Use --resume to "
                "finish an interrupted load of the same dataset, or empty the app's tables "
                "and run synthgen teardown first")
        execute(conn, ledger_sql(schema))
        put_schema_record(conn, SchemaRecord(schema, False, record.seed, record.band,
                                             record.spec_hash, record.order), dataset)
        conn.commit()
        return False
    if present and (previous is None or not previous.created_by_synthgen):
        raise TargetRefused(f"schema {schema!r} exists and was not created by synthgen; choose "
                            "another --schema, or use --existing to append into the app's "
                            "own tables")
    if previous is not None and resume and previous.same_dataset_as(record):
        return True
    if previous is not None and not force:
        if previous.same_dataset_as(record):
            raise TargetRefused(f"schema {schema!r} already holds this dataset (seed "
                                f"{previous.seed!r}); use --resume to finish an interrupted "
                                "load, or --force to drop and reload it")
        raise TargetRefused(_other_dataset(schema, previous))
    if present:
        drop_own_objects(conn, schema)
    for sql in ddl.create_sql(schema):
        execute(conn, sql)
    execute(conn, ledger_sql(schema))
    put_schema_record(conn, record, dataset)
    conn.commit()
    return False


def _other_dataset(schema: str, previous: SchemaRecord) -> str:
    return (f"schema {schema!r} holds another dataset (seed {previous.seed!r}, band "
            f"{previous.band!r}); use --force to replace it, or choose another --schema")


def drop_own_objects(conn: Connection, schema: str) -> None:
    """Drop synthgen's tables, ledger, enum types and the schema by name, never CASCADE.

    PostgreSQL itself then refuses when anything else depends on them (a view, a foreign key
    from another schema, a table someone added), instead of silently taking it along.
    """
    tables = ", ".join(qualified(schema, t) for t in (*TABLES, LEDGER_TABLE))
    execute(conn, f"DROP TABLE IF EXISTS {tables}")
    for e in ENUMS:
        execute(conn, f"DROP TYPE IF EXISTS {qualified(schema, e)}")
    execute(conn, f"DROP SCHEMA IF EXISTS {quote_ident(schema)}")


def drop_schema(conn: Connection, schema: str) -> None:
    """Drop a schema synthgen created, and forget it."""
    drop_own_objects(conn, schema)
    delete_schema_record(conn, schema)
    conn.commit()
