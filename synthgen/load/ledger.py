"""Bookkeeping: the per-schema load ledger, the registry of schemas, the load audit.

The ledger (``<schema>._synthgen_load_ledger``) holds one row per loaded unit — a
``(table, partition)`` or a time slice of messages — inserted in the same transaction as the
unit's rows, so after a crash the ledger says exactly what is in the tables. Database-wide
tables live in the ``_synthgen`` schema next to the marker (``pg.marker`` creates them):
``schemas`` (which dataset each schema holds, and whether synthgen created the schema) and
``load_audit`` (one row per load attempt: seed, spec hash, band, counts, timings, status).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from synthgen.dataset import Manifest
from synthgen.pg.connect import connect, execute
from synthgen.pg.marker import META_SCHEMA
from synthgen.pg.sql import qualified, quote_ident

if TYPE_CHECKING:
    from adbc_driver_postgresql.dbapi import Connection

LEDGER_TABLE = "_synthgen_load_ledger"


# -- the schema registry -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SchemaRecord:
    """Which dataset a schema holds, and whether synthgen created the schema."""

    schema: str
    created_by_synthgen: bool
    seed: str
    band: str
    spec_hash: str
    order: str

    def same_dataset_as(self, other: SchemaRecord) -> bool:
        return (self.seed, self.band, self.spec_hash) == (other.seed, other.band, other.spec_hash)


def get_schema_record(conn: Connection, schema: str) -> SchemaRecord | None:
    rows = execute(conn, "SELECT created_by_synthgen, seed, band, spec_hash, load_order FROM "
                         f"{qualified(META_SCHEMA, 'schemas')} WHERE schema_name = $1", (schema,))
    if not rows:
        return None
    r = rows[0]
    return SchemaRecord(schema, bool(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]))


def put_schema_record(conn: Connection, record: SchemaRecord, dataset: str) -> None:
    execute(conn, f"DELETE FROM {qualified(META_SCHEMA, 'schemas')} WHERE schema_name = $1",
            (record.schema,))
    execute(conn, f"INSERT INTO {qualified(META_SCHEMA, 'schemas')} (schema_name, "
                  "created_by_synthgen, seed, band, spec_hash, load_order, dataset) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7)",
            (record.schema, record.created_by_synthgen, record.seed, record.band,
             record.spec_hash, record.order, dataset))


def delete_schema_record(conn: Connection, schema: str) -> None:
    execute(conn, f"DELETE FROM {qualified(META_SCHEMA, 'schemas')} WHERE schema_name = $1",
            (schema,))


# -- the ledger ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unit:
    """One atomically loaded piece: a partition file, or a time slice of messages."""

    table: str
    partition: int | None = None
    slice: int | None = None

    @property
    def key(self) -> str:
        if self.slice is not None:
            return f"{self.table}/slice={self.slice:06d}"
        return f"{self.table}/part={self.partition:05d}"


@dataclass(frozen=True, slots=True)
class Done:
    """What the ledger says is loaded."""

    units: frozenset[str]
    rows: dict[str, int]
    """Rows per table."""
    last_slice: int
    """Highest committed messages time slice (-1: none)."""
    last_key: tuple[dt.datetime, str] | None
    """(createdAt, id) of the last row of that slice."""
    steps: frozenset[str]
    """Completed post-data steps (``post_load``, ``analyze``)."""


def ledger_sql(schema: str) -> str:
    return (f"CREATE TABLE IF NOT EXISTS {qualified(schema, LEDGER_TABLE)} ("
            "unit text PRIMARY KEY, table_name text NOT NULL, rows bigint NOT NULL, "
            "last_created_at timestamp(3), last_id text, "
            "committed_at timestamptz NOT NULL DEFAULT clock_timestamp())")


def record_unit(conn: Connection, schema: str, unit: Unit | str, rows: int,
                last_key: tuple[Any, str] | None = None) -> None:
    """Insert the unit's ledger row; the caller commits it with the unit's data."""
    key, table = (unit.key, unit.table) if isinstance(unit, Unit) else (unit, "")
    ts, last_id = last_key if last_key is not None else (None, None)
    execute(conn, f"INSERT INTO {qualified(schema, LEDGER_TABLE)} "
                  "(unit, table_name, rows, last_created_at, last_id) VALUES ($1, $2, $3, $4, $5)",
            (key, table, rows, ts, last_id))


def read_done(conn: Connection, schema: str) -> Done:
    """The ledger's state (empty when the ledger does not exist)."""
    exists = execute(conn, "SELECT to_regclass($1) IS NOT NULL",
                     (f"{quote_ident(schema)}.{quote_ident(LEDGER_TABLE)}",))[0][0]
    if not exists:
        conn.rollback()
        return Done(frozenset(), {}, -1, None, frozenset())
    rows = execute(conn, f"SELECT unit, table_name, rows, last_created_at, last_id "
                         f"FROM {qualified(schema, LEDGER_TABLE)} ORDER BY unit")
    conn.rollback()
    units = frozenset(str(r[0]) for r in rows)
    per_table: dict[str, int] = {}
    last_slice, last_key = -1, None
    for unit, table, n, ts, last_id in rows:
        if not table:
            continue
        per_table[table] = per_table.get(table, 0) + int(n)
        if "/slice=" in unit:
            number = int(str(unit).rsplit("=", 1)[1])
            if number > last_slice:
                last_slice, last_key = number, (ts, str(last_id))
    steps = frozenset(u for u in units if u.startswith("step:"))
    return Done(units, per_table, last_slice, last_key, steps)


# -- the audit -----------------------------------------------------------------------------


def audit_start(conn: Connection, schema: str, manifest: Manifest, dataset: str,
                target: dict[str, Any], options: dict[str, Any]) -> int:
    """Insert a ``running`` audit row (committed at once) and return its id."""
    row = execute(conn, f"INSERT INTO {qualified(META_SCHEMA, 'load_audit')} (schema_name, seed, "
                        "band, spec_hash, dataset, target, options, status) "
                        "VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb, 'running') RETURNING id",
                  (schema, manifest.seed, manifest.band, manifest.spec_hash, dataset,
                   json.dumps(target), json.dumps(options)))
    conn.commit()
    return int(row[0][0])


def audit_finish(dsn: str, audit_id: int, status: str, counts: dict[str, int] | None,
                 timings: dict[str, Any] | None, error: str | None) -> None:
    """Close an audit row on a fresh connection (the loader's may be broken).

    ``error`` must already be scrubbed of credentials (``pg.sql.scrub``).
    """
    conn = connect(dsn)
    try:
        execute(conn, f"UPDATE {qualified(META_SCHEMA, 'load_audit')} SET status = $2, "
                      "finished_at = now(), counts = $3::jsonb, timings = $4::jsonb, error = $5 "
                      "WHERE id = $1",
                (audit_id, status, json.dumps(counts), json.dumps(timings), error))
        conn.commit()
    finally:
        conn.close()
