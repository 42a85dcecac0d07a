"""Partitioned Parquet: temporary name, fixed row groups, rename when complete.

Row groups are always ROW_GROUP_ROWS rows whatever the Arrow batch size, so the bytes (and
the manifest checksums) depend only on the data, never on how it was batched.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyarrow as pa
import pyarrow.parquet as pq

from synthgen.dataset import FileEntry, partition_file
from synthgen.generate import output
from synthgen.schema import TABLES, arrow_schema

ROW_GROUP_ROWS = 65_536
_DICTIONARY_COLUMNS = {"mimeType", "metadata"}


def dictionary_columns(table: str) -> list[str]:
    """Low-cardinality columns worth dictionary encoding (enums and a few others)."""
    return [c.name for c in TABLES[table] if c.enum or c.name in _DICTIONARY_COLUMNS]


def write_partition(out: str, table: str, partition: int,
                    batches: Iterable[pa.RecordBatch]) -> FileEntry:
    """Write one partition file atomically into `out` (path or URL); its manifest entry."""
    rel = partition_file(table, partition)
    target, final = output.atomic_target(out, rel)
    fs = output.resolve(out)[0]
    schema = arrow_schema(table)
    rows = 0
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    with pq.ParquetWriter(target, schema, filesystem=fs, compression="zstd",
                          use_dictionary=dictionary_columns(table),
                          write_statistics=True) as writer:

        def flush(final_flush: bool) -> None:
            nonlocal pending, pending_rows
            if not pending:
                return
            table_ = pa.Table.from_batches(pending, schema=schema)
            full = (pending_rows // ROW_GROUP_ROWS) * ROW_GROUP_ROWS
            cut = pending_rows if final_flush else full
            if cut:
                # one chunk per column: page boundaries must not follow batch boundaries
                writer.write_table(table_.slice(0, cut).combine_chunks(),
                                   row_group_size=ROW_GROUP_ROWS)
            rest = table_.slice(cut)
            pending = rest.to_batches() if rest.num_rows else []
            pending_rows = rest.num_rows

        for batch in batches:
            pending.append(batch)
            pending_rows += batch.num_rows
            rows += batch.num_rows
            if pending_rows >= ROW_GROUP_ROWS:
                flush(False)
        flush(True)
    if final is not None:
        fs.move(target, final)  # a local rename: atomic
    size, sha = output.digest(out, rel)  # what the filesystem holds, read back
    return FileEntry(table=table, partition=partition, path=rel, rows=rows, bytes=size,
                     sha256=sha)
