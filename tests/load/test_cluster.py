"""``load --cluster``: partition units on Dask workers under the ledger; a killed worker's unit is
re-run and never doubled; the guards run on the worker too; the cluster's failures are one line."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from synthgen.dataset import Manifest, read_manifest
from synthgen.errors import TargetRefused
from synthgen.load import load_dataset
from synthgen.load.cluster import KILL_WORKER_ENV, Dsn, load_unit_task
from synthgen.load.ingest import UnitResult
from synthgen.load.ledger import LEDGER_TABLE
from synthgen.pg.sql import qualified, quote_ident
from tests.fixtures.db import pg_exec

NO_SERVER = "postgresql://app:s3cret@127.0.0.1:1/nowhere"


def table_sums(dsn: str, schema: str, tables: list[str]) -> dict[str, tuple[int, int]]:
    """Per table: (rows, an order-independent checksum of every row's text)."""
    out = {}
    for t in tables:
        row = pg_exec(dsn, f"SELECT count(*), coalesce(sum(('x' || left(md5(r::text), 15))"
                           f"::bit(60)::bigint), 0) FROM {qualified(schema, t)} r")[0]
        out[t] = (int(row[0]), int(row[1]))
    return out


@pytest.fixture(scope="module")
def plain_sums(ci_dataset: Path, pg_dsn: str) -> dict[str, tuple[int, int]]:
    """The ci band loaded here, over two connections: what a cluster load must equal."""
    schema = f"t_plain_{uuid.uuid4().hex[:12]}"
    tables = read_manifest(ci_dataset).tables
    try:
        load_dataset(ci_dataset, pg_dsn, schema, jobs=2, force=True)
        return table_sums(pg_dsn, schema, tables)
    finally:
        pg_exec(pg_dsn, f"DROP SCHEMA IF EXISTS {quote_ident(schema)} CASCADE")
        pg_exec(pg_dsn, "DELETE FROM _synthgen.schemas WHERE schema_name = $1", (schema,))



@pytest.mark.db
@pytest.mark.slow
def test_cluster_appends_into_the_apps_tables_parents_first(ci_dataset: Path, pg_dsn: str,
                                                            fresh_schema: str,
                                                            plain_sums: Any) -> None:
    """--existing --cluster: the app's tables keep their live keys and foreign keys, so the
    workers load one table after another, parents first; the rows equal a plain load's."""
    pytest.importorskip("distributed")
    from synthgen import ddl

    for sql in [*ddl.create_sql(fresh_schema), *ddl.post_load_sql(fresh_schema)]:
        pg_exec(pg_dsn, sql)  # what the app's migrations leave
    report = load_dataset(ci_dataset, pg_dsn, fresh_schema, existing=True, cluster="local:2")
    assert report["existing"]
    assert report["cluster"] == "local:2"
    assert table_sums(pg_dsn, fresh_schema, read_manifest(ci_dataset).tables) == plain_sums
    with pytest.raises(TargetRefused, match="duplicate"):  # a second append is refused
        load_dataset(ci_dataset, pg_dsn, fresh_schema, existing=True, cluster="local:2")


@pytest.mark.db
@pytest.mark.slow
@pytest.mark.parametrize("order", ["time", "conversation"])
def test_killed_worker_unit_is_rerun_never_doubled(ci_dataset: Path, pg_dsn: str,
                                                   fresh_schema: str, plain_sums: Any,
                                                   order: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed")
    manifest = read_manifest(ci_dataset)
    flag = tmp_path / "killed"
    # the worker processes inherit it: the first unit to send all its rows SIGKILLs its
    # own worker before commit (after creating the flag, so the re-run goes through)
    monkeypatch.setenv(KILL_WORKER_ENV, str(flag))
    report = load_dataset(ci_dataset, pg_dsn, fresh_schema, order=order, cluster="local:2")

    killed = flag.read_text()
    assert killed.split("/")[0] in manifest.tables  # a worker died holding this unit
    assert report["cluster"] == "local:2"
    assert {t: v["rows_total"] for t, v in report["tables"].items()} == \
        {t: manifest.table_rows(t) for t in manifest.tables}
    ledger = qualified(fresh_schema, LEDGER_TABLE)
    units, distinct = pg_exec(pg_dsn, f"SELECT count(*), count(DISTINCT unit) FROM {ledger} "
                                      "WHERE table_name <> ''")[0]
    files = [f for f in manifest.files if order == "conversation" or f.table != "messages"]
    slices = 0 if order == "conversation" else pg_exec(
        pg_dsn, f"SELECT count(*) FROM {ledger} WHERE unit LIKE 'messages/slice=%'")[0][0]
    assert units == distinct == len(files) + slices
    f = next(f for f in manifest.files if f"{f.table}/part={f.partition:05d}" == killed)
    assert pg_exec(pg_dsn, f"SELECT rows FROM {ledger} WHERE unit = $1", (killed,)) == [(f.rows,)]
    assert table_sums(pg_dsn, fresh_schema, manifest.tables) == plain_sums


def _running_load(dsn: str, schema: str, manifest: Manifest, root: Path) -> int:
    from synthgen.load.ledger import audit_start
    from synthgen.pg.connect import connect

    conn = connect(dsn)
    try:
        return audit_start(conn, schema, manifest, str(root), {}, {"test": "cluster"})
    finally:
        conn.close()


@pytest.mark.db
def test_a_unit_the_ledger_holds_is_not_loaded_again(small_dataset: tuple[Path, Manifest],
                                                     pg_dsn: str, fresh_schema: str) -> None:
    root, manifest = small_dataset
    load_dataset(root, pg_dsn, fresh_schema)
    audit_id = _running_load(pg_dsn, fresh_schema, manifest, root)
    f = manifest.files[0]
    before = pg_exec(pg_dsn, f"SELECT count(*) FROM {qualified(fresh_schema, f.table)}")

    got = load_unit_task(Dsn(pg_dsn), fresh_schema, root, f, audit_id, False)

    assert isinstance(got, UnitResult)
    assert (got.rows, got.arrow_bytes) == (f.rows, 0)  # the ledger's rows; nothing sent
    assert pg_exec(pg_dsn, f"SELECT count(*) FROM {qualified(fresh_schema, f.table)}") == before


@pytest.mark.db
def test_a_worker_refuses_a_database_without_this_load(small_dataset: tuple[Path, Manifest],
                                                       pg_dsn: str, fresh_schema: str) -> None:
    root, manifest = small_dataset
    got = load_unit_task(Dsn(pg_dsn), fresh_schema, root, manifest.files[0], -1, False)
    assert isinstance(got, TargetRefused)  # returned, so the scheduler does not retry it
    assert "no running load #-1" in str(got)


def test_a_worker_in_production_refuses_before_connecting(small_dataset: tuple[Path, Manifest],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    root, manifest = small_dataset
    monkeypatch.setenv("APP_ENV", "production")
    got = load_unit_task(Dsn(NO_SERVER), "s", root, manifest.files[0], 1, False)
    assert isinstance(got, TargetRefused)
    assert "production" in str(got)


def test_the_dsn_in_a_task_shows_no_password() -> None:
    for shown in (repr(Dsn(NO_SERVER)), str(Dsn(NO_SERVER)), repr((Dsn(NO_SERVER), "s"))):
        assert "s3cret" not in shown
        assert "app:***@127.0.0.1:1" in shown


def _load_cli(root: Path, *extra: str) -> Any:
    from synthgen.cli import app

    return CliRunner().invoke(app, ["load", str(root), "--dsn", NO_SERVER, *extra])


def test_unreachable_scheduler_is_one_line_exit_3(small_dataset: tuple[Path, Manifest],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("distributed")
    import synthgen.cluster

    monkeypatch.setattr(synthgen.cluster, "CONNECT_TIMEOUT_S", 1)
    got = _load_cli(small_dataset[0], "--cluster", "tcp://127.0.0.1:9")
    # before the database is reached: it would say "cannot connect to postgresql://..."
    assert got.exit_code == 3, got.output
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in got.output
    assert len(got.output.strip().splitlines()) <= 2  # the size note, then the one error line
    assert "s3cret" not in got.output


@pytest.mark.parametrize(("address", "code", "says"), [
    ("local:2", 2, "--cluster needs Dask distributed: pip install 'synthgen[cluster]'"),
    ("scheduler:8786", 2, "expected a scheduler address"),
    ("local:0", 2, "expected local:N with N >= 1"),
])
def test_cluster_without_dask_or_with_a_bad_address(small_dataset: tuple[Path, Manifest],
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    address: str, code: int, says: str) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    got = _load_cli(small_dataset[0], "--cluster", address)
    assert got.exit_code == code, got.output
    assert says in " ".join(got.output.split())
