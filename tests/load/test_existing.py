"""--existing: append into tables the app's migrations created, after checking them."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from synthgen import ddl
from synthgen.cli import app
from synthgen.dataset import Manifest
from synthgen.errors import InputError, TargetRefused
from synthgen.load import load_dataset
from synthgen.pg.sql import qualified
from synthgen.schema import TABLES
from tests.fixtures.db import pg_exec

pytestmark = pytest.mark.db


def _migrate(dsn: str, schema: str) -> None:
    """What the app's migrations leave: tables with keys, foreign keys and indexes."""
    for sql in [*ddl.create_sql(schema), *ddl.post_load_sql(schema)]:
        pg_exec(dsn, sql)


def test_existing_appends_into_the_apps_tables_with_live_constraints(
        pg_dsn: str, fresh_schema: str, small_dataset: tuple[Path, Manifest]) -> None:
    root, manifest = small_dataset
    _migrate(pg_dsn, fresh_schema)
    report = load_dataset(root, pg_dsn, fresh_schema, existing=True, jobs=2)
    assert report["existing"]
    for t in TABLES:
        n = pg_exec(pg_dsn, f"SELECT count(*) FROM {qualified(fresh_schema, t)}")[0][0]
        assert n == manifest.table_rows(t), t
    # a second append would duplicate: refused
    with pytest.raises(TargetRefused, match="duplicate"):
        load_dataset(root, pg_dsn, fresh_schema, existing=True)
    # teardown keeps the app's tables and rows, drops only the ledger
    result = CliRunner().invoke(app, ["teardown", "--dsn", pg_dsn, "--schema", fresh_schema,
                                      "--yes"])
    assert result.exit_code == 0, result.output
    assert "belongs to the app" in result.output
    assert pg_exec(pg_dsn, f"SELECT count(*) FROM {qualified(fresh_schema, 'messages')}")[0][0] \
        == manifest.table_rows("messages")
    assert pg_exec(pg_dsn, "SELECT to_regclass($1)",
                   (f'{fresh_schema}."_synthgen_load_ledger"',)) == [(None,)]


@pytest.mark.parametrize(("alter", "message"), [
    ('ALTER TABLE {s}."messages" ALTER COLUMN "metadata" TYPE text', "messages.metadata: expected "
                                                                     "jsonb, found text"),
    ('ALTER TABLE {s}."users" DROP COLUMN "bio"', "users.bio: column missing"),
    ('ALTER TABLE {s}."users" ADD COLUMN "tenantId" text NOT NULL', "users.tenantId: NOT NULL"),
    ('ALTER TABLE {s}."attachments" ALTER COLUMN "size" TYPE bigint', "expected integer, found "
                                                                      "bigint"),
    ('DROP TABLE {s}."message_receipts"', "message_receipts is missing"),
])
def test_existing_names_every_incompatibility_before_writing(
        pg_dsn: str, fresh_schema: str, small_dataset: tuple[Path, Manifest], alter: str,
        message: str) -> None:
    for sql in ddl.create_sql(fresh_schema):
        pg_exec(pg_dsn, sql)
    pg_exec(pg_dsn, alter.format(s=f'"{fresh_schema}"'))
    with pytest.raises(InputError, match="do not match the dataset") as info:
        load_dataset(small_dataset[0], pg_dsn, fresh_schema, existing=True)
    assert message in str(info.value)
    assert pg_exec(pg_dsn, f"SELECT count(*) FROM {qualified(fresh_schema, 'users')}") == [(0,)]


def test_existing_needs_the_schema(pg_dsn: str, fresh_schema: str,
                                   small_dataset: tuple[Path, Manifest]) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_dataset(small_dataset[0], pg_dsn, fresh_schema, existing=True)
