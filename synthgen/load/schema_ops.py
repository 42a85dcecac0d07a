"""The target schema before the data: create it, or check the app's own tables.

Fresh loads run ``ddl.create_sql`` (schema, enums, bare tables) in one transaction with the
ledger table and the schema's registry row. ``--existing`` loads run no DDL on the app's
tables: their columns are checked against ``synthgen.schema`` first, and a mismatch is a
clear error listing every difference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from synthgen import ddl
from synthgen.errors import InputError, TargetRefused
from synthgen.load.ledger import (
    SchemaRecord,
    delete_schema_record,
    get_schema_record,
    ledger_sql,
    put_schema_record,
)
from synthgen.pg.connect import execute
from synthgen.pg.sql import quote_ident
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
        check_existing(conn, schema)
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
        execute(conn, f"DROP SCHEMA {quote_ident(schema)} CASCADE")
    for sql in ddl.create_sql(schema):
        execute(conn, sql)
    execute(conn, ledger_sql(schema))
    put_schema_record(conn, record, dataset)
    conn.commit()
    return False


def _other_dataset(schema: str, previous: SchemaRecord) -> str:
    return (f"schema {schema!r} holds another dataset (seed {previous.seed!r}, band "
            f"{previous.band!r}); use --force to replace it, or choose another --schema")


def drop_schema(conn: Connection, schema: str) -> None:
    """Drop a schema synthgen created, and forget it."""
    execute(conn, f"DROP SCHEMA IF EXISTS {quote_ident(schema)} CASCADE")
    delete_schema_record(conn, schema)
    conn.commit()


# -- --existing: column compatibility ------------------------------------------------------


def check_existing(conn: Connection, schema: str) -> None:
    """InputError listing every way the app's tables differ from what we would load."""
    rows = execute(conn, """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               a.atthasdef, t.typtype, t.typname
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid
        WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND a.attnum > 0
          AND NOT a.attisdropped AND c.relname = ANY($2)""", (schema, list(TABLES)))
    labels = execute(conn, """
        SELECT t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
        JOIN pg_namespace n ON n.oid = t.typnamespace WHERE t.typname = ANY($1)
        GROUP BY t.typname""", (list(ENUMS),))
    conn.rollback()
    enum_labels = {str(name): set(values) for name, values in labels}
    found: dict[str, dict[str, tuple[str, bool, bool, str, str]]] = {}
    for rel, col, typ, notnull, hasdef, typtype, typname in rows:
        found.setdefault(str(rel), {})[str(col)] = (str(typ), bool(notnull), bool(hasdef),
                                                     str(typtype), str(typname))
    problems: list[str] = []
    for table, columns in TABLES.items():
        have = found.get(table)
        if have is None:
            problems.append(f"table {schema}.{table} is missing")
            continue
        ours = {c.name for c in columns}
        for c in columns:
            if c.name not in have:
                problems.append(f"{table}.{c.name}: column missing")
                continue
            typ, _, _, typtype, typname = have[c.name]
            if c.enum is not None:
                if typtype != "e":
                    problems.append(f"{table}.{c.name}: expected enum {c.enum}, found {typ}")
                elif not set(ENUMS[c.enum]) <= enum_labels.get(typname, set()):
                    missing = sorted(set(ENUMS[c.enum]) - enum_labels.get(typname, set()))
                    problems.append(f"{table}.{c.name}: enum {typname} lacks labels {missing}")
            elif not _same_type(c.pg, typ):
                problems.append(f"{table}.{c.name}: expected {c.pg}, found {typ}")
        for name, (_, notnull, hasdef, _, _) in have.items():
            if name not in ours and notnull and not hasdef:
                problems.append(f"{table}.{name}: NOT NULL column without default that the "
                                "dataset does not provide")
    if problems:
        raise InputError(f"--existing: the tables in schema {schema!r} do not match the "
                         "dataset:\n  " + "\n  ".join(problems))


def _same_type(ours: str, theirs: str) -> bool:
    """Compare our PG type with ``format_type`` output (timestamp precision may differ)."""
    aliases = {"timestamp(3)": "timestamp(3) without time zone"}
    if ours.startswith("timestamp"):
        return theirs.startswith("timestamp") and "with time zone" not in theirs
    return aliases.get(ours, ours) == theirs
