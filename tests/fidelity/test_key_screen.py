"""The uniqueness screen counts each key's repeated hashes, whichever key repeats: the sorts run
in a thread beside the next key's fetch, and every count lands on its own key."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synthgen.fidelity import integrity

KEYS = [("id",), ("a",), ("a", "b")]


def _table(con: duckdb.DuckDBPyConnection, rows: list[tuple[int, int, int]]) -> None:
    con.execute("CREATE OR REPLACE TABLE t (id VARCHAR, a VARCHAR, b INTEGER)")
    con.executemany("INSERT INTO t VALUES (?, ?, ?)",
                    [(f"r{i}", f"a{a}", b) for i, a, b in rows])


def _expected(rows: list[tuple[int, int, int]]) -> list[int]:
    cols: list[list[tuple[int, ...]]] = [[(i,) for i, _, _ in rows], [(a,) for _, a, _ in rows],
                                         [(a, b) for _, a, b in rows]]
    return [len(c) - len(set(c)) for c in cols]


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 12), st.integers(0, 3)),
                min_size=1, max_size=60))
def test_each_key_gets_its_own_repeats(rows: list[tuple[int, int, int]]) -> None:
    con = duckdb.connect()
    try:
        _table(con, rows)
        with integrity._distinct_shortfall(con, "t", KEYS, len(rows)) as shortfall:
            inside = con.execute("SELECT count(*) FROM t").fetchone()  # overlaps the sorts
            got = shortfall()
        assert inside == (len(rows),)
        assert got == _expected(rows)
    finally:
        con.close()


@pytest.mark.parametrize("numpy_rows", [10**9, 0])
def test_a_repeat_in_the_first_key_only(numpy_rows: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Sorted in numpy (first) or counted by DuckDB beyond NUMPY_KEY_MAX_ROWS (second)."""
    monkeypatch.setattr(integrity, "NUMPY_KEY_MAX_ROWS", numpy_rows)
    rows = [(1, 1, 0), (2, 2, 0), (1, 3, 0)]
    con = duckdb.connect()
    try:
        _table(con, rows)
        with integrity._distinct_shortfall(con, "t", KEYS, len(rows)) as shortfall:
            assert shortfall() == [1, 0, 0]
    finally:
        con.close()
