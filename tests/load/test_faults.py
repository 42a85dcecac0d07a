"""Failure paths: killed loads resume exactly, failed units vanish, unsafe targets are refused."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from synthgen.cli import app
from synthgen.dataset import Manifest, read_manifest
from synthgen.errors import InputError, TargetRefused
from synthgen.load import ingest, load_dataset
from synthgen.load.ingest import LoadFailed
from synthgen.pg.sql import qualified, quote_ident
from synthgen.schema import TABLES
from tests.fixtures.db import pg_exec
from tests.fixtures.parquet import build_tables, write_dataset

pytestmark = pytest.mark.db
HOSTILE = 'x"; drop table users; --'


def _counts(dsn: str, schema: str) -> dict[str, tuple[int, int]]:
    return {t: pg_exec(dsn, f"SELECT count(*), count(DISTINCT id) FROM {qualified(schema, t)}")[0]
            for t in TABLES}


def _ledger_units(dsn: str, schema: str) -> int:
    rows = pg_exec(dsn, "SELECT to_regclass($1) IS NOT NULL",
                   (f'{quote_ident(schema)}."_synthgen_load_ledger"',))
    if not rows[0][0]:
        return 0
    return int(pg_exec(dsn, f'SELECT count(*) FROM {qualified(schema, "_synthgen_load_ledger")}')[0][0])


def _slices(dsn: str, schema: str) -> int:
    if not _ledger_units(dsn, schema):
        return 0
    return int(pg_exec(dsn, f"SELECT count(*) FROM {qualified(schema, '_synthgen_load_ledger')} "
                            "WHERE unit LIKE 'messages/slice=%'")[0][0])


@pytest.mark.slow  # loads the generated ci dataset
@pytest.mark.parametrize("jobs", [1, 2])
def test_sigkill_mid_load_then_resume_gives_exact_counts_and_no_duplicates(
        pg_dsn: str, fresh_schema: str, ci_dataset: Path, jobs: int) -> None:
    root, manifest = ci_dataset, read_manifest(ci_dataset)
    cmd = [sys.executable, "-m", "synthgen", "load", str(root), "--dsn", pg_dsn, "--schema",
           fresh_schema, "--slice-rows", "400", "--jobs", str(jobs)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        # kill once some time slices of messages are in: the resume must continue the
        # globally ordered stream from its last key, not restart it
        while _slices(pg_dsn, fresh_schema) < 3 and time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            time.sleep(0.01)
        assert proc.poll() is None, "the load finished before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        if proc.stderr:
            proc.stderr.close()
    killed_at = _ledger_units(pg_dsn, fresh_schema)
    total_units = -(-manifest.table_rows("messages") // 400) + sum(
        1 for f in manifest.files if f.table != "messages")
    assert 3 <= killed_at < total_units
    partial = _counts(pg_dsn, fresh_schema)
    assert any(n < manifest.table_rows(t) for t, (n, _) in partial.items())

    report = load_dataset(root, pg_dsn, fresh_schema, resume=True, jobs=jobs, slice_rows=400)
    assert report["resumed"]
    assert 0 < report["tables"]["messages"]["rows_resumed"] < manifest.table_rows("messages")
    for t, (n, distinct) in _counts(pg_dsn, fresh_schema).items():
        assert n == distinct == manifest.table_rows(t), t
        assert report["tables"][t]["rows"] + report["tables"][t]["rows_resumed"] == n
    statuses = pg_exec(pg_dsn, "SELECT status FROM _synthgen.load_audit WHERE schema_name = $1 "
                               "ORDER BY id", (fresh_schema,))
    assert [s for (s,) in statuses] == ["running", "done"]  # the killed run never finished


def _bad_json_dataset(root: Path) -> Manifest:
    """Messages partition 2 holds one invalid JSON value in its last row group."""
    tables = build_tables(n_users=100, n_conversations=20, n_messages=3000)
    m = tables["messages"]
    part2 = [i for i, p in enumerate(m.column("_part").to_pylist()) if p == 2]
    meta = m.column("metadata").to_pylist()
    meta[part2[-3]] = "{not json"
    tables["messages"] = m.set_column(m.schema.get_field_index("metadata"), "metadata",
                                      pa.array(meta, pa.string()))
    return write_dataset(root, tables, row_group_rows=100)


@pytest.mark.parametrize("order", ["conversation", "time"])
def test_a_failing_batch_leaves_no_partial_unit(pg_dsn: str, fresh_schema: str, tmp_path: Path,
                                                order: str) -> None:
    manifest = _bad_json_dataset(tmp_path / "bad")
    with pytest.raises(LoadFailed, match="jsonb|json") as info:
        load_dataset(tmp_path / "bad", pg_dsn, fresh_schema, order=order, slice_rows=1000)
    assert info.value.exit_code == 3
    ledger = dict(pg_exec(pg_dsn, f"SELECT unit, rows FROM "
                                  f"{qualified(fresh_schema, '_synthgen_load_ledger')}"))
    n = pg_exec(pg_dsn, f"SELECT count(*) FROM {qualified(fresh_schema, 'messages')}")[0][0]
    assert n == sum(v for k, v in ledger.items() if k.startswith("messages/"))
    if order == "conversation":
        assert "messages/part=00002" not in ledger
        assert n < manifest.table_rows("messages")
    else:
        assert n % 1000 == 0
        assert n < manifest.table_rows("messages")
    status = pg_exec(pg_dsn, "SELECT status, error FROM _synthgen.load_audit "
                             "WHERE schema_name = $1", (fresh_schema,))
    assert status[0][0] == "failed"
    assert "json" in status[0][1].lower()


def test_an_error_raised_inside_the_stream_rolls_the_unit_back(
        pg_dsn: str, fresh_schema: str, small_dataset: tuple[Path, Manifest],
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = ingest.conform
    seen = {"n": 0}

    def flaky(batch: pa.RecordBatch, table: str) -> pa.RecordBatch:
        if table == "message_reads":
            seen["n"] += 1
            if seen["n"] == 3:
                raise OSError("disk went away")
        return real(batch, table)

    monkeypatch.setattr(ingest, "conform", flaky)
    monkeypatch.setattr(ingest, "BATCH_ROWS", 200)
    with pytest.raises(LoadFailed, match="disk went away"):
        load_dataset(small_dataset[0], pg_dsn, fresh_schema)
    ledger = dict(pg_exec(pg_dsn, f"SELECT unit, rows FROM "
                                  f"{qualified(fresh_schema, '_synthgen_load_ledger')}"))
    n = pg_exec(pg_dsn, f"SELECT count(*) FROM {qualified(fresh_schema, 'message_reads')}")[0][0]
    assert n == sum(v for k, v in ledger.items() if k.startswith("message_reads/"))
    assert n < small_dataset[1].table_rows("message_reads")


@pytest.mark.parametrize("var", ["SYNTHGEN_ENV", "APP_ENV", "NODE_ENV"])
def test_production_environment_is_refused_with_exit_3(
        pg_dsn: str, fresh_schema: str, small_dataset: tuple[Path, Manifest], var: str) -> None:
    result = CliRunner().invoke(app, ["load", str(small_dataset[0]), "--dsn", pg_dsn,
                                      "--schema", fresh_schema], env={var: "production"})
    assert result.exit_code == 3, result.output
    assert "production" in result.output
    assert pg_exec(pg_dsn, "SELECT count(*) FROM pg_namespace WHERE nspname = $1",
                   (fresh_schema,)) == [(0,)]
    teardown = CliRunner().invoke(app, ["teardown", "--dsn", pg_dsn, "--yes"],
                                  env={var: "Production"})
    assert teardown.exit_code == 3


@pytest.fixture
def unmarked_db(pg_dsn: str) -> Iterator[str]:
    """A new database on the same server holding one user table, not marked."""
    parts = urlsplit(pg_dsn)
    if parts.scheme not in ("postgresql", "postgres"):
        pytest.skip("needs a URL DSN")
    name = f"synthgen_unmarked_{uuid.uuid4().hex[:8]}"
    from synthgen.pg.connect import execute_autocommit

    execute_autocommit(pg_dsn, [f"CREATE DATABASE {quote_ident(name)}"])
    dsn = urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))
    try:
        pg_exec(dsn, "CREATE TABLE public.customers (id int)")
        yield dsn
    finally:
        execute_autocommit(pg_dsn, [f"DROP DATABASE {quote_ident(name)} WITH (FORCE)"])


def test_unmarked_non_empty_database_is_refused_until_forced(
        unmarked_db: str, small_dataset: tuple[Path, Manifest]) -> None:
    root, manifest = small_dataset
    result = CliRunner().invoke(app, ["load", str(root), "--dsn", unmarked_db])
    assert result.exit_code == 3
    assert "not marked" in result.output
    assert "public.customers" in result.output
    assert pg_exec(unmarked_db, "SELECT to_regnamespace('perf_synthetic') IS NULL, "
                                "to_regnamespace('_synthgen') IS NULL") == [(True, True)]
    with pytest.raises(TargetRefused):
        load_dataset(root, unmarked_db)
    report = load_dataset(root, unmarked_db, force=True)
    assert report["tables"]["users"]["rows_total"] == manifest.table_rows("users")
    assert pg_exec(unmarked_db, "SELECT count(*) FROM _synthgen.marker") == [(1,)]


def test_teardown_refuses_an_unmarked_database(unmarked_db: str) -> None:
    pg_exec(unmarked_db, "CREATE SCHEMA perf_synthetic")
    pg_exec(unmarked_db, "CREATE TABLE perf_synthetic.users (id int)")
    result = CliRunner().invoke(app, ["teardown", "--dsn", unmarked_db, "--yes"])
    assert result.exit_code == 3, result.output
    assert "not marked as a synthgen target" in result.output
    assert pg_exec(unmarked_db, "SELECT to_regclass('perf_synthetic.users') IS NOT NULL, "
                                "to_regclass('public.customers') IS NOT NULL") == [(True, True)]


def test_hostile_schema_name_is_rejected_before_any_sql(
        pg_dsn: str, small_dataset: tuple[Path, Manifest]) -> None:
    before = pg_exec(pg_dsn, "SELECT count(*) FROM pg_namespace")
    result = CliRunner().invoke(app, ["load", str(small_dataset[0]), "--dsn", pg_dsn,
                                      "--schema", HOSTILE])
    assert result.exit_code == 2
    assert "refused" in result.output
    with pytest.raises(InputError):
        load_dataset(small_dataset[0], pg_dsn, HOSTILE)
    teardown = CliRunner().invoke(app, ["teardown", "--dsn", pg_dsn, "--schema", HOSTILE, "--yes"])
    assert teardown.exit_code == 2
    assert pg_exec(pg_dsn, "SELECT count(*) FROM pg_namespace") == before


def test_passwords_never_reach_the_output(small_dataset: tuple[Path, Manifest]) -> None:
    dsn = "postgresql://app:s3cr3t-pw@127.0.0.1:1/nowhere?connect_timeout=2"
    result = CliRunner().invoke(app, ["load", str(small_dataset[0]), "--dsn", dsn])
    assert result.exit_code == 3
    assert "s3cr3t-pw" not in result.output
    assert "app:***@" in result.output


def test_a_dataset_with_a_changed_file_is_rejected(tmp_path: Path, pg_dsn: str,
                                                   fresh_schema: str) -> None:
    root = tmp_path / "ds"
    manifest = write_dataset(root, build_tables(n_users=20, n_conversations=4, n_messages=50))
    path = root / manifest.table_files("users")[0].path
    pq.write_table(pq.read_table(path).slice(0, 5), path)
    result = CliRunner().invoke(app, ["load", str(root), "--dsn", pg_dsn, "--schema", fresh_schema])
    assert result.exit_code == 2
    assert "manifest" in result.output
    assert os.path.exists(root / "manifest.json")


@pytest.mark.parametrize("before", ["nothing", "read", "read+rollback", "commit"])
def test_driver_keeps_ingest_inside_the_open_transaction(pg_dsn: str, fresh_schema: str,
                                                         before: str) -> None:
    """Regression guard for the ADBC driver (arrow-adbc#4695: after a COPY-based read, 1.12
    ran the next transaction in autocommit, so rollback kept ingested rows)."""
    from synthgen.pg.connect import connect, execute

    pg_exec(pg_dsn, f"CREATE SCHEMA {quote_ident(fresh_schema)}")
    pg_exec(pg_dsn, f"CREATE TABLE {qualified(fresh_schema, 'probe')} (x int)")
    conn = connect(pg_dsn)
    try:
        if before != "nothing":
            execute(conn, "SELECT 1" if before != "commit" else "SELECT 2")
            if before == "read+rollback":
                conn.rollback()
            elif before == "commit":
                conn.commit()
        with conn.cursor() as cur:
            cur.adbc_ingest("probe", pa.table({"x": pa.array([1, 2], pa.int32())}),
                            mode="append", db_schema_name=fresh_schema)
        execute(conn, f"INSERT INTO {qualified(fresh_schema, 'probe')} VALUES (3)")
        conn.rollback()
    finally:
        conn.close()
    assert pg_exec(pg_dsn, f"SELECT count(*) FROM {qualified(fresh_schema, 'probe')}") == [(0,)]


def test_resume_finishes_an_interrupted_constraint_phase(
        pg_dsn: str, fresh_schema: str, small_dataset: tuple[Path, Manifest]) -> None:
    """Killed between "FK added NOT VALID" and its validation, and before an index."""
    from synthgen import ddl
    from synthgen.load.post_load import plan

    root, manifest = small_dataset
    load_dataset(root, pg_dsn, fresh_schema)
    fk = next(f for f in ddl.FOREIGN_KEYS if f.name == "messages_senderId_fkey")
    index = ddl.INDEXES[0]
    pg_exec(pg_dsn, f"ALTER TABLE {qualified(fresh_schema, fk.table)} DROP CONSTRAINT "
                    f"{quote_ident(fk.name)}")
    pg_exec(pg_dsn, ddl.foreign_key_sql(fresh_schema, fk) + " NOT VALID")
    pg_exec(pg_dsn, f"DROP INDEX {qualified(fresh_schema, index.name)}")
    pg_exec(pg_dsn, f"DELETE FROM {qualified(fresh_schema, '_synthgen_load_ledger')} "
                    "WHERE unit = 'step:post_load'")
    todo = [s.name for s in plan(fresh_schema, {fk.name}, set(), {fk.name})]
    assert fk.name in todo  # a NOT VALID foreign key is validated, not skipped
    report = load_dataset(root, pg_dsn, fresh_schema, resume=True)
    assert report["tables"]["messages"]["rows"] == 0
    assert pg_exec(pg_dsn, "SELECT convalidated FROM pg_constraint WHERE conname = $1 AND "
                           "connamespace = to_regnamespace($2)", (fk.name, fresh_schema)) == [(True,)]
    assert pg_exec(pg_dsn, "SELECT to_regclass($1) IS NOT NULL",
                   (f'{fresh_schema}."{index.name}"',)) == [(True,)]
    assert pg_exec(pg_dsn, "SELECT count(*) FROM pg_constraint WHERE NOT convalidated AND "
                           "connamespace = to_regnamespace($1)", (fresh_schema,)) == [(0,)]


def test_database_errors_become_exit_3_without_credentials(pg_dsn: str) -> None:
    from synthgen.errors import EnvironmentProblem
    from synthgen.pg.connect import connect, driver_errors, execute

    fake = pg_dsn.replace("postgres@", "postgres:hunter2@", 1)
    conn = connect(pg_dsn)
    try:
        with pytest.raises(EnvironmentProblem, match="no_such_table") as info, \
                driver_errors(fake, "probing"):
            execute(conn, "SELECT * FROM no_such_table /* hunter2 */")
    finally:
        conn.close()
    assert info.value.exit_code == 3
    assert "hunter2" not in str(info.value)
