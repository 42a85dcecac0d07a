"""``load s3://...``: the loader reads a dataset where ``generate --out s3://...`` put it (a local moto
server) and lands the same rows as from the identical local copy; a missing or tampered object at
the URL is refused by name and nothing of it lands."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from synthgen.dataset import Manifest, read_manifest
from synthgen.errors import DatasetError
from synthgen.load import load_dataset
from synthgen.pg.sql import qualified, quote_ident
from synthgen.schema import TABLES
from tests.fixtures.db import pg_exec
from tests.fixtures.s3 import S3, s3_env  # noqa: F401  (the fixture)

pytestmark = pytest.mark.db
SEED = "url_load_v1"


def _sums(dsn: str, schema: str) -> dict[str, tuple[int, int]]:
    """Per table: (rows, an order-independent checksum of every row's text)."""
    out = {}
    for t in TABLES:
        row = pg_exec(dsn, f"SELECT count(*), coalesce(sum(('x' || left(md5(r::text), 15))"
                           f"::bit(60)::bigint), 0) FROM {qualified(schema, t)} AS r")[0]
        out[t] = (int(row[0]), int(row[1]))
    return out


def _drop(dsn: str, schema: str) -> None:
    """What ``fresh_schema`` does after a test, for a second schema."""
    from synthgen.pg.marker import META_SCHEMA

    pg_exec(dsn, f"DROP SCHEMA IF EXISTS {quote_ident(schema)} CASCADE")
    pg_exec(dsn, f"DELETE FROM {qualified(META_SCHEMA, 'schemas')} WHERE schema_name = $1",
            (schema,))


def _rows(dsn: str, schema: str, table: str) -> int:
    return int(pg_exec(dsn, f"SELECT count(*) FROM {qualified(schema, table)}")[0][0])


@pytest.fixture(scope="module")
def small_url(s3_env: S3, small_dataset: tuple[Path, Manifest]) -> str:  # noqa: F811
    return s3_env.put_tree(small_dataset[0], "small")


def test_small_from_a_url_lands_as_from_disk(pg_dsn: str, fresh_schema: str, s3_env: S3,  # noqa: F811
                                            small_dataset: tuple[Path, Manifest],
                                            small_url: str) -> None:
    other = f"t_{uuid.uuid4().hex[:12]}"
    try:
        load_dataset(small_dataset[0], pg_dsn, other)
        report = load_dataset(small_url, pg_dsn, fresh_schema, jobs=2)
        assert report["dataset"] == small_url
        here, there = _sums(pg_dsn, other), _sums(pg_dsn, fresh_schema)
        assert there == here
        assert all(there[t][0] == small_dataset[1].table_rows(t) for t in TABLES)
    finally:
        _drop(pg_dsn, other)


@pytest.mark.parametrize(("fault", "says"), [
    ("missing", "is listed in the manifest but missing"),
    ("tampered", "its sha256 is"),
])
def test_a_broken_object_is_refused_by_name(pg_dsn: str, fresh_schema: str, s3_env: S3,  # noqa: F811
                                           small_url: str, fault: str, says: str) -> None:
    prefix = s3_env.copy_prefix("small")
    manifest = read_manifest(s3_env.url(prefix))
    bad = manifest.table_files("message_reads")[1]
    if fault == "missing":
        s3_env.delete(prefix, bad.path)
    else:
        s3_env.flip_byte(prefix, bad.path)
    with pytest.raises(DatasetError, match=says) as info:
        load_dataset(s3_env.url(prefix), pg_dsn, fresh_schema, order="conversation")
    assert f"{s3_env.url(prefix)}/{bad.path}" in str(info.value)
    if fault == "tampered":  # other files may have landed; never a row of this one
        ledger = qualified(fresh_schema, "_synthgen_load_ledger")
        units = {str(r[0]) for r in pg_exec(pg_dsn, f"SELECT unit FROM {ledger}")}
        assert f"message_reads/part={bad.partition:05d}" not in units, units
        assert _rows(pg_dsn, fresh_schema, "message_reads") < manifest.table_rows(
            "message_reads")


@pytest.fixture(scope="module")
def ci_at_url(s3_env: S3, tmp_path_factory: pytest.TempPathFactory  # noqa: F811
              ) -> tuple[str, Path]:
    """The ci band generated straight to the server (the CLI), and its identical local copy."""
    url = s3_env.url("ci-load")
    made = subprocess.run([sys.executable, "-m", "synthgen", "generate", "--band", "ci",
                           "--seed", SEED, "--out", url], capture_output=True, text=True,
                          check=False, env=s3_env.env)
    assert made.returncode == 0, made.stderr
    return url, s3_env.get_tree("ci-load", tmp_path_factory.mktemp("ci-load") / "ci")


@pytest.mark.slow
def test_ci_generated_to_s3_loads_as_its_local_copy(pg_dsn: str, fresh_schema: str,
                                                    ci_at_url: tuple[str, Path]) -> None:
    url, local = ci_at_url
    other = f"t_{uuid.uuid4().hex[:12]}"
    try:
        load_dataset(local, pg_dsn, other)
        load_dataset(url, pg_dsn, fresh_schema)  # order=time: the global messages sort
        here, there = _sums(pg_dsn, other), _sums(pg_dsn, fresh_schema)
        assert there == here
        manifest = read_manifest(local)
        assert {t: n for t, (n, _) in there.items()} == {t: manifest.table_rows(t)
                                                         for t in TABLES}
    finally:
        _drop(pg_dsn, other)
