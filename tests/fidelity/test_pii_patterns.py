"""The PII patterns from tables of cases: what each kind must flag, and what it must not."""

from __future__ import annotations

import duckdb
import pytest

from synthgen.fidelity.pii import predicates, trigger

FLAGGED = [
    ("email", "content", "write to bob.smith@gmail.com today"),
    ("email", "content", "a@example.com.evil.org"),
    ("email", "email", "user@corp.io"),
    ("url", "content", "see https://tracker.io/x"),
    ("url", "content", "WWW.Google.com/maps"),
    ("url", "url", "https://cdn.example.com.attacker.io/a/1"),
    ("url", "avatarUrl", "ftp://files.corp.net/a.png"),
    ("phone", "content", "call +44 20 7946 0958"),
    ("phone", "content", "(555) 123-4567"),
    ("phone", "content", "555-123-4567"),
    ("phone", "content", "555 123 4567"),
    ("phone", "content", "030 1234 5678"),
    ("phone", "content", "ring 07700900123"),
    ("phone", "metadata", '{"note": "+1 415 555 0134"}'),
    ("card", "content", "4111 1111 1111 1111"),
    ("card", "content", "4111-1111-1111-1111"),
    ("card", "content", "4111111111111111"),
    ("person_name", "content", "hello Jennifer how are you"),
    ("person_name", "content", "MULLER and SCHMIDT"),
    ("person_name", "bio", "smith"),
]

CLEAN = [
    ("content", "zolakem vupe drai skonfegrom"),
    ("content", "mail me at zorb@example.com or zorb@chat.test or x@users.invalid."),
    ("content", "https://files.example.com/a/c48a5qg588794vgbmlr44u33v and www.example.org"),
    ("content", "http://localhost:8080/x https://user@www.example.net/y"),
    ("content", "jenniferx annabelle smithson"),      # names only as whole words
    ("content", "on 2026-10-05 at 12:30, 3 of 4"),
    ("filename", "ca2393e6gfabhukddtq3egpvf.mp4"),
    ("url", "https://files.example.com/a/ca2393e6gfabhukddtq3egpvf"),
    ("email", "usbrumlousdoulou00@users.invalid"),
    ("idempotencyKey", "a6072d7d-da40-4a20-2925-442320731435"),
    ("metadata", '{"size": 5551234567, "ts": 1793491200000, "ids": [4111111111111111]}'),
]


def _run(column: str, value: str) -> tuple[bool, set[str]]:
    con = duckdb.connect()
    con.execute(f'CREATE TABLE t ("{column}" VARCHAR)')
    con.execute("INSERT INTO t VALUES (?)", [value])
    row = con.execute(f"SELECT {trigger(column)} FROM t").fetchone()
    assert row is not None
    kinds = {k for k, p in predicates(column).items()
             if (r := con.execute(f"SELECT {p} FROM t").fetchone()) is not None and r[0]}
    return bool(row[0]), kinds


@pytest.mark.parametrize(("kind", "column", "value"), FLAGGED,
                         ids=[f"{k}:{v[:24]}" for k, _, v in FLAGGED])
def test_flagged(kind: str, column: str, value: str) -> None:
    triggered, kinds = _run(column, value)
    assert triggered, "the cheap trigger must select every row an exact pattern would flag"
    assert kind in kinds


@pytest.mark.parametrize(("column", "value"), CLEAN, ids=[v[:24] for _, v in CLEAN])
def test_clean(column: str, value: str) -> None:
    _, kinds = _run(column, value)
    assert kinds == set()
