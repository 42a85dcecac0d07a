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


CONVERSATION_TABLES = {"conversations": "id", "conversation_users": "conversationId",
                       "messages": "conversationId"}
MESSAGE_TABLES = ("message_reads", "message_receipts", "attachments")


def split_by_conversation(root: Path, parts: int) -> None:
    """Spread the conversation-keyed tables over ``parts`` partitions the way synthgen writes
    them: a conversation, its members, its messages and their reads, receipts and attachments
    in one partition (conversation i of the sorted ids in partition i mod parts); rows keep
    their order. Users stay where they are."""
    manifest = read_manifest(root)
    split = (*CONVERSATION_TABLES, *MESSAGE_TABLES)
    tables = {t: read(root, t) for t in split}
    part_of = {c: i % parts for i, c in enumerate(sorted(tables["conversations"]["id"]
                                                         .to_pylist()))}
    messages = tables["messages"]
    msg_part = dict(zip(messages["id"].to_pylist(),
                        (part_of.get(c, 0) for c in messages["conversationId"].to_pylist()),
                        strict=True))
    for f in manifest.files:
        if f.table in split:
            (root / f.path).unlink()
    files = [f for f in manifest.files if f.table not in split]
    for table, data in tables.items():
        key = ([part_of.get(v, 0) for v in data[CONVERSATION_TABLES[table]].to_pylist()]
               if table in CONVERSATION_TABLES
               else [msg_part.get(v, 0) for v in data["messageId"].to_pylist()])
        where = pa.array(key)
        for p in range(parts):
            rows = data.filter(pc.equal(where, p))
            if rows.num_rows:
                files.append(write_file(root, table, rows, partition=p))
    write_manifest(root, dataclasses.replace(manifest, files=tuple(files)))


def move_first_row(root: Path, table: str, to: int, row_id: str | None = None) -> str:
    """Move the first row of ``table``'s lowest partition (or the row ``row_id`` of that
    partition) to the end of partition ``to`` (a row stored away from its message's
    partition: valid data, unusual layout); its id."""
    manifest = read_manifest(root)
    files = sorted(manifest.table_files(table), key=lambda f: f.partition)
    src = files[0]
    dst = next(f for f in files if f.partition == to)
    a, b = pq.ParquetFile(root / src.path).read(), pq.ParquetFile(root / dst.path).read()
    at = 0 if row_id is None else a["id"].to_pylist().index(row_id)
    moved = a.slice(at, 1)
    rest = pa.concat_tables([a.slice(0, at), a.slice(at + 1)])
    new = {src.path: write_file(root, table, rest, partition=src.partition),
           dst.path: write_file(root, table, pa.concat_tables([b, moved]), partition=to)}
    write_manifest(root, dataclasses.replace(
        manifest, files=tuple(new.get(f.path, f) for f in manifest.files)))
    return str(moved["id"][0])
