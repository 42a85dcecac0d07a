"""Every gate-2 command that writes refuses production and unmarked databases, as load does;
``load --force`` drops synthgen's objects by name, never with CASCADE."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from synthgen.errors import TargetRefused
from synthgen.pg.connect import connect, execute
from synthgen.verify import apply_indexes, baseline, rollback_indexes
from tests.verify import minidata

ROOT = Path(__file__).resolve().parents[2]
PHASE2 = ROOT / "indexes" / "phase-2.sql"
ROLLBACK = ROOT / "indexes" / "phase-2.rollback.sql"


@pytest.mark.parametrize("var", ["SYNTHGEN_ENV", "APP_ENV", "NODE_ENV"])
def test_production_is_refused_before_connecting(monkeypatch: pytest.MonkeyPatch,
                                                 var: str) -> None:
    monkeypatch.setenv(var, "production")
    dsn = "postgresql://nobody@127.0.0.1:1/none"  # never reached: the guard comes first
    with pytest.raises(TargetRefused, match="production"):
        baseline(dsn, "s", "pre", runs=1)
    with pytest.raises(TargetRefused, match="production"):
        apply_indexes(dsn, "s", PHASE2)
    with pytest.raises(TargetRefused, match="production"):
        rollback_indexes(dsn, "s", ROLLBACK)


@pytest.fixture
def unmarked_dsn(pg_dsn: str) -> Iterator[str]:
    """A fresh database on the same server, without synthgen's marker, holding a chat schema."""
    name = f"unmarked_{uuid.uuid4().hex[:8]}"
    admin = connect(pg_dsn, autocommit=True)
    try:
        execute(admin, f'CREATE DATABASE "{name}"')
    finally:
        admin.close()
    parts = urlsplit(pg_dsn)
    dsn = urlunsplit(parts._replace(path=f"/{name}"))
    minidata.build(dsn, "chat", users=50, conversations=60, messages=2_000)
    try:
        yield dsn
    finally:
        admin = connect(pg_dsn, autocommit=True)
        try:
            execute(admin, f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            admin.close()


@pytest.mark.db
def test_unmarked_database_is_refused_by_baseline_and_index_files(unmarked_dsn: str) -> None:
    with pytest.raises(TargetRefused, match="not marked as a synthgen target.*take a baseline"):
        baseline(unmarked_dsn, "chat", "pre", runs=1)
    with pytest.raises(TargetRefused, match="not marked.*phase-2.sql"):
        apply_indexes(unmarked_dsn, "chat", PHASE2)
    with pytest.raises(TargetRefused, match="not marked.*phase-2.rollback.sql"):
        rollback_indexes(unmarked_dsn, "chat", ROLLBACK)
    conn = connect(unmarked_dsn, autocommit=True)
    try:  # nothing was written: no extension, no index, no marker
        assert execute(conn, "SELECT count(*) FROM pg_extension WHERE extname = 'pg_prewarm'"
                       )[0][0] == 0
        assert execute(conn, "SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%_desc_idx'"
                       )[0][0] == 0
        assert execute(conn, "SELECT to_regclass('_synthgen.marker') IS NULL")[0][0]
    finally:
        conn.close()


@pytest.mark.db
def test_force_drop_never_cascades_into_other_schemas(pg_dsn: str, fresh_schema: str) -> None:
    from synthgen.load.schema_ops import drop_own_objects

    minidata.build(pg_dsn, fresh_schema, users=30, conversations=20, messages=300)
    other = f"{fresh_schema}_other"
    conn = connect(pg_dsn, autocommit=True)
    try:
        execute(conn, f'CREATE SCHEMA "{other}"')
        execute(conn, f'CREATE VIEW "{other}"."v" AS SELECT "id" FROM "{fresh_schema}"."messages"')
    finally:
        conn.close()
    conn = connect(pg_dsn)
    try:
        with pytest.raises(Exception, match="depend"):
            drop_own_objects(conn, fresh_schema)
        conn.rollback()
    finally:
        conn.close()
    conn = connect(pg_dsn, autocommit=True)
    try:  # the other schema's view survived, and so did our schema
        assert execute(conn, "SELECT to_regclass($1) IS NOT NULL", (f'"{other}"."v"',))[0][0]
        execute(conn, f'DROP VIEW "{other}"."v"')
        execute(conn, f'DROP SCHEMA "{other}"')
    finally:
        conn.close()
    conn = connect(pg_dsn)
    try:
        drop_own_objects(conn, fresh_schema)
        conn.commit()
        assert execute(conn, "SELECT count(*) FROM pg_namespace WHERE nspname = $1",
                       (fresh_schema,))[0][0] == 0
    finally:
        conn.close()
