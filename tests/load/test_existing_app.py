"""--existing into the app's schema as Prisma Migrate writes it (tests/load/fixtures/app_migration.sql).

Enum types carry the app's names ("ParticipantRole", "DeliveryState", ...), ids sit on a
domain, email is varchar(255), the app has columns synthgen does not know, and every key,
foreign key and index is in place while the data is copied in. A decoy schema holds enum
types with synthgen's names and the wrong labels: only the column's own type may count.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from synthgen.cli import app
from synthgen.dataset import Manifest, read_manifest
from synthgen.errors import InputError
from synthgen.load import load_dataset
from synthgen.pg.sql import qualified, quote_ident
from synthgen.schema import ENUMS, TABLES
from tests.fixtures.db import pg_exec

pytestmark = pytest.mark.db

MIGRATION = Path(__file__).parent / "fixtures" / "app_migration.sql"


def migrate(dsn: str, schema: str, sql: str | None = None) -> None:
    """Run the app's migration into ``schema`` the way Prisma does (through search_path)."""
    from synthgen.pg.connect import connect, execute

    text = MIGRATION.read_text() if sql is None else sql
    body = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    conn = connect(dsn)
    try:
        execute(conn, f"CREATE SCHEMA {quote_ident(schema)}")
        execute(conn, f"SET search_path TO {quote_ident(schema)}")
        for statement in body.split(";"):
            if statement.strip():
                execute(conn, statement)
        conn.commit()
    finally:
        conn.close()


@pytest.fixture
def decoy(pg_dsn: str, fresh_schema: str) -> str:
    """A schema holding synthgen's enum names with one label each (the old check read these)."""
    name = f"{fresh_schema}_decoy"
    pg_exec(pg_dsn, f"CREATE SCHEMA {quote_ident(name)}")
    for enum in ENUMS:
        pg_exec(pg_dsn, f"CREATE TYPE {qualified(name, enum)} AS ENUM ('X')")
    yield name
    pg_exec(pg_dsn, f"DROP SCHEMA {quote_ident(name)} CASCADE")


def _counts(dsn: str, schema: str) -> dict[str, int]:
    return {t: int(pg_exec(dsn, f"SELECT count(*) FROM {qualified(schema, t)}")[0][0])
            for t in TABLES}


def test_existing_loads_into_the_apps_prisma_schema(
        pg_dsn: str, fresh_schema: str, decoy: str,
        small_dataset: tuple[Path, Manifest]) -> None:
    root, manifest = small_dataset
    migrate(pg_dsn, fresh_schema)
    report = load_dataset(root, pg_dsn, fresh_schema, existing=True, jobs=2)
    assert report["existing"]
    assert _counts(pg_dsn, fresh_schema) == {t: manifest.table_rows(t) for t in TABLES}
    # the app's own defaults filled the columns synthgen does not know
    assert pg_exec(pg_dsn, f'SELECT count(*) FROM {qualified(fresh_schema, "users")} '
                           'WHERE "loginCount" = 0 AND "timezone" IS NULL') == [
        (manifest.table_rows("users"),)]


# (replace in the migration, with) → the difference named
FAULTS = [
    ("""CREATE TYPE "DeliveryState" AS ENUM ('SENT', 'DELIVERED', 'READ')""",
     """CREATE TYPE "DeliveryState" AS ENUM ('SENT', 'DELIVERED')""",
     """message_receipts.state: enum "{s}"."DeliveryState" lacks labels ['READ']"""),
    ('"email" VARCHAR(255)', '"email" VARCHAR(8)',
     "users.email: character varying(8) is too short for the dataset's longest value"),
    ('CREATE DOMAIN "Cuid" AS TEXT', 'CREATE DOMAIN "Cuid" AS VARCHAR(3)',
     "(domain over character varying(3)) is too short"),
    ('"content" TEXT,', '"content" TEXT NOT NULL,',
     "messages.content: NOT NULL in the app, but the dataset holds NULLs"),
    ('"timezone" TEXT,', '"timezone" TEXT NOT NULL,',
     "users.timezone: NOT NULL column without default"),
    ('"metadata" JSONB', '"metadata" JSON', "messages.metadata: expected jsonb, found json"),
    ('''"type" "MessageType" NOT NULL DEFAULT 'TEXT\'''', '"type" TEXT NOT NULL',
     "messages.type: expected an enum with labels"),
    ('"readAt" TIMESTAMP(3)', '"readAt" TIMESTAMPTZ(3)',
     "message_reads.readAt: expected timestamp(3) without time zone, found timestamp(3) with "
     "time zone"),
    ('"lastSeenAt" TIMESTAMP(3)', '"lastSeenAt" TIMESTAMP(0)',
     "users.lastSeenAt: expected timestamp(3), found timestamp(0) without time zone"),
    ('"size" INTEGER NOT NULL', '"size" BIGINT NOT NULL',
     "attachments.size: expected integer, found bigint"),
    ('"idempotencyKey" TEXT NOT NULL,', '', 'messages.idempotencyKey: column missing'),
]


@pytest.mark.parametrize(("old", "new", "message"), FAULTS, ids=[f[2][:28] for f in FAULTS])
def test_existing_names_what_differs_in_the_apps_schema(
        pg_dsn: str, fresh_schema: str, small_dataset: tuple[Path, Manifest], old: str,
        new: str, message: str) -> None:
    text = MIGRATION.read_text()
    assert text.count(old) == 1, old
    if not new:  # a dropped column: its indexes go too
        text = "\n".join(line for line in text.replace(old, "").splitlines()
                         if '"idempotencyKey")' not in line)
    else:
        text = text.replace(old, new)
    migrate(pg_dsn, fresh_schema, text)
    with pytest.raises(InputError, match="do not match the dataset") as info:
        load_dataset(small_dataset[0], pg_dsn, fresh_schema, existing=True)
    assert message.format(s=fresh_schema) in str(info.value)
    assert str(info.value).count("\n") == 1, "exactly one difference planted"
    assert _counts(pg_dsn, fresh_schema)["users"] == 0


@pytest.mark.slow
def test_cli_load_existing_ci_band_exact_counts(pg_dsn: str, fresh_schema: str,
                                                ci_dataset: Path) -> None:
    """`synthgen load DATA --existing` into the app's schema: every row, every constraint on."""
    migrate(pg_dsn, fresh_schema)
    result = CliRunner().invoke(app, ["load", str(ci_dataset), "--existing", "--dsn", pg_dsn,
                                      "--schema", fresh_schema, "--jobs", "2"])
    assert result.exit_code == 0, result.output
    manifest = read_manifest(ci_dataset)
    assert _counts(pg_dsn, fresh_schema) == {t: manifest.table_rows(t) for t in TABLES}
    fks = pg_exec(pg_dsn, "SELECT count(*) FROM pg_constraint c JOIN pg_namespace n ON "
                          "n.oid = c.connamespace WHERE n.nspname = $1 AND c.contype = 'f' "
                          "AND c.convalidated", (fresh_schema,))
    assert fks == [(12,)]
