"""Fault injection helpers: change one property of a dataset copy, keeping the manifest true.

Every rewrite updates the manifest's rows, bytes and sha256, so only the intended check can
fail (unless a test wants a stale checksum on purpose).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from synthgen.dataset import read_manifest, write_manifest
from tests.fixtures.parquet import write_file


def read(root: Path, table: str) -> pa.Table:
    """All partitions of one table, concatenated (no hive column)."""
    files = read_manifest(root).table_files(table)
    return pa.concat_tables(pq.ParquetFile(root / f.path).read() for f in files)


def rewrite(root: Path, table: str, fn: Callable[[pa.Table], pa.Table]) -> None:
    """Apply ``fn`` to each partition of a table; rewrite files and manifest entries."""
    manifest = read_manifest(root)
    files = list(manifest.files)
    for i, f in enumerate(files):
        if f.table != table:
            continue
        data = fn(pq.ParquetFile(root / f.path).read())
        files[i] = write_file(root, table, data, partition=f.partition)
    write_manifest(root, dataclasses.replace(manifest, files=tuple(files)))


def set_where(table: str, column: str, key: str, key_value: Any, value: Any
              ) -> Callable[[pa.Table], pa.Table]:
    """A rewrite that sets ``column = value`` on rows where ``key == key_value``."""
    def fn(t: pa.Table) -> pa.Table:
        idx = t.schema.get_field_index(column)
        col = t.column(column)
        mask = pc.equal(t.column(key), pa.scalar(key_value, t.schema.field(key).type))
        new = pc.if_else(mask, pa.scalar(value, col.type), col)
        return t.set_column(idx, t.schema.field(column), new)
    return fn
