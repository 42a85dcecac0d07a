"""Loading into a real PostgreSQL: counts, constraints, row-by-row equality, heap order."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pytest

from synthgen import ddl
from synthgen.dataset import Manifest, read_manifest
from synthgen.errors import TargetRefused
from synthgen.load import load_dataset
from synthgen.pg.connect import connect
from synthgen.pg.sql import qualified, quote_ident
from synthgen.schema import TABLES
from tests.fixtures.db import pg_exec

pytestmark = pytest.mark.db


def fetch_arrow(dsn: str, sql: str, params: tuple[Any, ...] | None = None) -> pa.Table:
    conn = connect(dsn)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            table: pa.Table = cur.fetch_arrow_table()
        conn.rollback()
        return table
    finally:
        conn.close()


def _select(table: str) -> str:
    """Columns as comparable Arrow: enums and jsonb as text (the driver returns them opaque)."""
    parts = []
    for c in TABLES[table]:
        q = quote_ident(c.name)
        parts.append(f"{q}::text AS {q}" if c.enum or c.pg == "jsonb" else q)
    return ", ".join(parts)


def assert_rows_equal_parquet(dsn: str, schema: str, root: Path, table: str, every: int) -> int:
    """A sample of rows (every n-th id) equals its Parquet rows, column by column."""
    want = duckdb.sql(f"SELECT * EXCLUDE (part) FROM read_parquet('{root}/{table}/*/*.parquet', "
                      "hive_partitioning = true) ORDER BY id").to_arrow_table()
    want = want.take(list(range(0, want.num_rows, every)))
    ids = want.column("id").to_pylist()
    got = fetch_arrow(dsn, f"SELECT {_select(table)} FROM {qualified(schema, table)} "
                           "WHERE id = ANY($1) ORDER BY id", (ids,))
    assert got.num_rows == len(ids)
    for c in TABLES[table]:
        w, g = want.column(c.name), got.column(c.name)
        if c.pg.startswith("timestamp"):
            assert g.type.unit in ("ms", "us")
            assert g.type.tz is None
            assert g.cast(pa.timestamp("ms")).equals(w.cast(pa.timestamp("ms"))), c.name
        elif c.pg == "jsonb":
            assert [None if v is None else json.loads(v) for v in g.to_pylist()] == \
                   [None if v is None else json.loads(v) for v in w.to_pylist()], c.name
        else:
            assert g.to_pylist() == w.to_pylist(), c.name
        assert g.null_count == w.null_count, c.name
    return len(ids)


@pytest.mark.parametrize("which", ["small_dataset",
                                   pytest.param("ci_dataset", marks=pytest.mark.slow)])
def test_load_gives_manifest_counts_valid_constraints_and_equal_rows(
        pg_dsn: str, fresh_schema: str, request: pytest.FixtureRequest, which: str) -> None:
    """Built-by-hand data (edge cases) and a generated ci band dataset (the real shape)."""
    data = request.getfixturevalue(which)
    root = data[0] if isinstance(data, tuple) else Path(data)
    manifest = read_manifest(root)
    report = load_dataset(root, pg_dsn, fresh_schema, jobs=2)
    for t in TABLES:
        n = pg_exec(pg_dsn, f"SELECT count(*), count(DISTINCT id) FROM {qualified(fresh_schema, t)}")
        assert n[0] == (manifest.table_rows(t), manifest.table_rows(t)), t
        assert report["tables"][t]["rows_total"] == manifest.table_rows(t)
        assert report["tables"][t]["rows_per_s"] > 0
    constraints = pg_exec(pg_dsn, "SELECT conname, convalidated FROM pg_constraint WHERE "
                                  "connamespace = to_regnamespace($1) AND conname <> $2 "
                                  "AND contype IN ('p', 'u', 'f')",
                          (fresh_schema, "_synthgen_load_ledger_pkey"))
    expected = {*(f"{t}_pkey" for t in TABLES), *(fk.name for fk in ddl.FOREIGN_KEYS),
                *(f"{t}_{'_'.join(cols)}_key" for t, u in ddl.UNIQUE.items() for cols in u)}
    assert {name for name, _ in constraints} == expected
    assert all(valid for _, valid in constraints)
    indexes = pg_exec(pg_dsn, "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c "
                              "ON c.oid = i.indexrelid WHERE c.relnamespace = to_regnamespace($1)",
                      (fresh_schema,))
    assert {i.name for i in ddl.INDEXES} <= {name for name, _ in indexes}
    assert all(valid for _, valid in indexes)
    types = dict(pg_exec(pg_dsn, "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM "
                                 "pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0",
                         (f"{fresh_schema}.messages",)))
    assert types["createdAt"] == "timestamp(3) without time zone"
    assert types["metadata"] == "jsonb"
    assert types["type"] == f'{fresh_schema}."MessageType"'
    for t in TABLES:
        assert assert_rows_equal_parquet(pg_dsn, fresh_schema, root, t, every=7) >= 5
    audit = pg_exec(pg_dsn, "SELECT status, seed, band, spec_hash, counts->>'messages' FROM "
                            "_synthgen.load_audit WHERE id = $1", (report["audit_id"],))
    assert audit == [("done", manifest.seed, manifest.band, manifest.spec_hash,
                      str(manifest.table_rows("messages")))]


def _runs(values: list[Any]) -> int:
    """How many runs of equal consecutive values."""
    return 1 + sum(a != b for a, b in zip(values, values[1:], strict=False))


@pytest.mark.parametrize(("order", "jobs"), [("time", 1), ("time", 2), ("conversation", 1)])
def test_order_decides_the_physical_order_of_messages(
        pg_dsn: str, fresh_schema: str, small_dataset: tuple[Path, Manifest], order: str,
        jobs: int) -> None:
    root, manifest = small_dataset
    load_dataset(root, pg_dsn, fresh_schema, order=order, jobs=jobs, slice_rows=1000)
    messages = qualified(fresh_schema, "messages")
    assert pg_exec(pg_dsn, f"SELECT count(*) FROM {messages}")[0][0] == \
        manifest.table_rows("messages")
    rows = pg_exec(pg_dsn, f'SELECT "createdAt", id, "conversationId" FROM {messages} ORDER BY ctid')
    conversations = len({r[2] for r in rows})
    corr = dict(pg_exec(pg_dsn, "SELECT attname::text, correlation FROM pg_stats WHERE "
                                "schemaname = $1 AND tablename = 'messages'", (fresh_schema,)))
    # PostgreSQL may tuck a short row into an earlier page's free space: allow a little noise
    if order == "time":  # as production inserts them: (createdAt, id) order
        assert corr["createdAt"] > 0.99
        in_order = sum(a[:2] <= b[:2] for a, b in zip(rows, rows[1:], strict=False))
        assert in_order >= 0.98 * (len(rows) - 1)
        assert _runs([r[2] for r in rows]) > 10 * conversations
    else:  # clustered: each conversation's messages together, in time order
        assert _runs([r[2] for r in rows]) < 2 * conversations
        assert corr["createdAt"] < 0.5


def test_a_second_load_into_the_schema_needs_resume_or_force(
        pg_dsn: str, fresh_schema: str, small_dataset: tuple[Path, Manifest],
        tmp_path: Path) -> None:
    root, manifest = small_dataset
    load_dataset(root, pg_dsn, fresh_schema)
    with pytest.raises(TargetRefused, match="already holds this dataset"):
        load_dataset(root, pg_dsn, fresh_schema)
    from tests.fixtures.parquet import make_dataset

    other = tmp_path / "other"
    make_dataset(other, n_users=50, n_conversations=10, n_messages=100, seed=3)
    (other / "manifest.json").write_text((other / "manifest.json").read_text()
                                         .replace('"test-seed"', '"another-seed"'))
    with pytest.raises(TargetRefused, match="another dataset"):
        load_dataset(other, pg_dsn, fresh_schema)
    report = load_dataset(other, pg_dsn, fresh_schema, force=True)
    assert report["tables"]["messages"]["rows_total"] == 100
    # resuming a complete load is a no-op that still ends in exact counts
    again = load_dataset(other, pg_dsn, fresh_schema, resume=True)
    assert again["resumed"]
    assert again["tables"]["messages"]["rows"] == 0
    assert again["tables"]["messages"]["rows_total"] == 100


def test_a_schema_synthgen_did_not_create_is_refused(pg_dsn: str, fresh_schema: str,
                                                     small_dataset: tuple[Path, Manifest]) -> None:
    pg_exec(pg_dsn, f"CREATE SCHEMA {quote_ident(fresh_schema)}")
    pg_exec(pg_dsn, f"CREATE TABLE {qualified(fresh_schema, 'precious')} (x int)")
    with pytest.raises(TargetRefused, match="not created by synthgen"):
        load_dataset(small_dataset[0], pg_dsn, fresh_schema, force=True)
    assert pg_exec(pg_dsn, f"SELECT count(*) FROM {qualified(fresh_schema, 'precious')}") == [(0,)]
