"""Arrow-side loader logic, no database: type conformance, slicing, stream planning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthgen.dataset import FORMAT, FileEntry, Manifest
from synthgen.errors import DatasetError
from synthgen.load.ingest import conform, ingest_schema, slices
from synthgen.load.ledger import Done
from synthgen.load.loader import plan_streams
from synthgen.pg.target import dsn_database
from synthgen.schema import arrow_schema
from tests.fixtures.parquet import build_tables


def _messages(n: int = 5) -> pa.RecordBatch:
    t = build_tables(n_users=10, n_conversations=2, n_messages=n)["messages"]
    return t.drop_columns(["_part"]).cast(arrow_schema("messages")).to_batches()[0]


def test_conform_prefixes_jsonb_with_its_binary_version_byte_and_keeps_nulls() -> None:
    out = conform(_messages(), "messages")
    assert out.schema == ingest_schema("messages")
    meta = out.column("metadata").to_pylist()
    assert meta[0] is None
    assert meta[1] == b'\x01{"a": 1}'


@pytest.mark.parametrize("convert", [
    lambda a: a.dictionary_encode(),
    lambda a: a.cast(pa.large_string()),
    lambda a: a.cast(pa.string_view()),
    lambda a: a.cast(pa.string_view()).dictionary_encode(),
], ids=["dictionary", "large_string", "string_view", "dictionary<string_view>"])
def test_conform_turns_reader_string_variants_into_plain_strings(convert) -> None:  # type: ignore[no-untyped-def]
    batch = _messages()
    idx = batch.schema.get_field_index("type")
    odd = batch.set_column(idx, "type", convert(batch.column("type")))
    assert conform(odd, "messages").column("type").type == pa.string()
    assert conform(odd, "messages").column("type").to_pylist() == batch.column("type").to_pylist()


def test_conform_casts_microseconds_back_to_milliseconds_exactly() -> None:
    batch = _messages()
    idx = batch.schema.get_field_index("createdAt")
    us = batch.set_column(idx, "createdAt", batch.column("createdAt").cast(pa.timestamp("us")))
    assert conform(us, "messages").column("createdAt") == batch.column("createdAt")


def test_conform_refuses_integer_overflow_instead_of_wrapping() -> None:
    t = build_tables(n_users=3, n_conversations=1, n_messages=10)["attachments"]
    batch = t.drop_columns(["_part"]).to_batches()[0]
    idx = batch.schema.get_field_index("size")
    huge = batch.set_column(idx, "size", pa.array([2**40] * batch.num_rows, pa.uint64()))
    with pytest.raises(pa.ArrowInvalid):
        conform(huge, "attachments")


def test_conform_names_a_missing_column() -> None:
    batch = _messages().drop_columns(["status"])
    with pytest.raises(DatasetError, match="status"):
        conform(batch, "messages")


@settings(max_examples=60, deadline=None)
@given(sizes=st.lists(st.integers(0, 40), max_size=12), slice_rows=st.integers(1, 50))
def test_slices_cut_a_stream_into_exact_consecutive_pieces(sizes: list[int], slice_rows: int) -> None:
    start, batches = 0, []
    for n in sizes:
        batches.append(pa.record_batch({"x": pa.array(range(start, start + n), pa.int64())}))
        start += n
    pieces = [list(piece) for piece in slices(iter(batches), slice_rows)]
    flat = [v for piece in pieces for b in piece for v in b.column(0).to_pylist()]
    assert flat == list(range(start))
    counts = [sum(b.num_rows for b in piece) for piece in pieces]
    assert all(c == slice_rows for c in counts[:-1])
    assert not counts or 0 < counts[-1] <= slice_rows


def _manifest() -> Manifest:
    files = [FileEntry("users", 0, "users/part=00000/data.parquet", 10, 1, ""),
             FileEntry("messages", 0, "messages/part=00000/data.parquet", 30, 1, ""),
             FileEntry("messages", 1, "messages/part=00001/data.parquet", 50, 1, "")]
    return Manifest(FORMAT, "s", "b", "h", "0", tuple(files))


def test_plan_streams_time_order_makes_messages_one_stream_first_and_skips_done_units() -> None:
    done = Done(frozenset({"users/part=00000"}), {"users": 10, "messages": 20}, 3,
                (dt.datetime(2025, 1, 1), "m1"), frozenset())
    streams = plan_streams(_manifest(), done, "time")
    assert [(s.table, s.rows, s.time_ordered) for s in streams] == [("messages", 60, True)]
    by_partition = plan_streams(_manifest(), Done(frozenset(), {}, -1, None, frozenset()),
                                "conversation")
    assert [(s.table, s.rows) for s in by_partition] == [("messages", 50), ("messages", 30),
                                                         ("users", 10)]


@pytest.mark.parametrize(("dsn", "db"), [
    ("postgresql://u:pw@h:5432/chat", "chat"),
    ("postgresql://u@h/chat?sslmode=require", "chat"),
    ("postgresql://u@h:5432", None),
    ("host=h dbname=chat password=x", "chat"),
    ("host=h user=u", None),
])
def test_dsn_database(dsn: str, db: str | None) -> None:
    assert dsn_database(dsn) == db


def test_prefetch_yields_everything_in_order_and_hands_errors_over() -> None:
    from synthgen.load.prefetch import Prefetch

    assert list(Prefetch(iter(range(100)), depth=3)) == list(range(100))

    def failing() -> Iterator[int]:
        yield 1
        raise OSError("read failed")

    it = Prefetch(failing())
    assert next(it) == 1
    with pytest.raises(OSError, match="read failed"):
        next(it)
    with pytest.raises(StopIteration):
        next(it)


def test_prefetch_close_stops_the_reader_and_releases_it() -> None:
    from synthgen.load.prefetch import Prefetch

    closed = []

    def endless() -> Iterator[int]:
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.append(True)

    it = Prefetch(endless(), depth=2)
    assert next(it) == 0
    it.close()
    assert closed == [True]
