"""The loader checks each file's sha256 from the manifest as it streams it, and names a bad one."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from synthgen.dataset import Manifest
from synthgen.errors import DatasetError
from synthgen.load import load_dataset
from synthgen.load.ingest import read_verified
from synthgen.pg.sql import qualified
from synthgen.schema import TABLES
from tests.fixtures.db import pg_exec


def _flip_one_byte(path: Path) -> None:
    """Same size, different content: what a size check cannot see."""
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle] ^= 0xFF
    path.write_bytes(bytes(data))


def test_read_verified_returns_the_bytes_and_refuses_a_changed_file(tmp_path: Path) -> None:
    path = tmp_path / "f.parquet"
    path.write_bytes(bytes(range(256)) * 50_000)  # several read chunks
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert read_verified(path, digest, chunk_bytes=1 << 20).to_pybytes() == path.read_bytes()
    _flip_one_byte(path)
    with pytest.raises(DatasetError, match=rf"{path}: its sha256 is .* the manifest says "
                                           rf"{digest[:16]}"):
        read_verified(path, digest)


def _copy(small: tuple[Path, Manifest], tmp_path: Path) -> tuple[Path, Manifest]:
    root = tmp_path / "data"
    shutil.copytree(small[0], root)
    return root, small[1]


def _rows(dsn: str, schema: str, table: str) -> int:
    return int(pg_exec(dsn, f"SELECT count(*) FROM {qualified(schema, table)}")[0][0])


@pytest.mark.db
@pytest.mark.parametrize(("table", "order"), [("messages", "time"), ("messages", "conversation"),
                                              ("message_reads", "time")])
def test_a_changed_file_is_refused_by_name_and_nothing_of_it_lands(
        pg_dsn: str, fresh_schema: str, small_dataset: tuple[Path, Manifest], tmp_path: Path,
        table: str, order: str) -> None:
    root, manifest = _copy(small_dataset, tmp_path)
    bad = manifest.table_files(table)[1]
    _flip_one_byte(root / bad.path)
    with pytest.raises(DatasetError, match=rf"{root / bad.path}: its sha256") as info:
        load_dataset(root, pg_dsn, fresh_schema, order=order)
    assert "changed after generation" in str(info.value)
    ledger = qualified(fresh_schema, "_synthgen_load_ledger")
    units = {str(r[0]) for r in pg_exec(pg_dsn, f"SELECT unit FROM {ledger}")}
    assert not any(u.startswith(f"{table}/part={bad.partition:05d}") for u in units), units
    if table == "messages" and order == "time":  # the sort reads every file first
        assert _rows(pg_dsn, fresh_schema, "messages") == 0
    # the file restored, --resume finishes with exact counts
    shutil.copyfile(small_dataset[0] / bad.path, root / bad.path)
    load_dataset(root, pg_dsn, fresh_schema, order=order, resume=True)
    for t in TABLES:
        assert _rows(pg_dsn, fresh_schema, t) == manifest.table_rows(t), t
