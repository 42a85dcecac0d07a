"""Index files: statement splitting, schema substitution, and what is refused (no database)."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthgen.errors import InputError
from synthgen.verify.indexes import parse_file, split_sql

ROOT = Path(__file__).resolve().parents[2]
PHASE2 = ROOT / "indexes" / "phase-2.sql"
ROLLBACK = ROOT / "indexes" / "phase-2.rollback.sql"


def test_phase2_file_is_three_concurrent_creates_without_transaction() -> None:
    stmts = parse_file(PHASE2, "perf_synthetic")
    assert [s["action"] for s in stmts] == ["create"] * 3
    assert all(s["concurrently"] for s in stmts)
    assert all("IF NOT EXISTS" in s["sql"] for s in stmts)
    assert {s["table"] for s in stmts} == {"messages", "conversation_users", "conversations"}
    assert all('"perf_synthetic".' in s["sql"] for s in stmts)
    text = PHASE2.read_text().upper()
    assert "BEGIN" not in split_sql(text)
    assert "COMMIT" not in split_sql(text)


def test_rollback_drops_exactly_what_apply_creates() -> None:
    created = {s["index"] for s in parse_file(PHASE2, "s")}
    dropped = parse_file(ROLLBACK, "s")
    assert {s["index"] for s in dropped} == created
    assert all(s["action"] == "drop" and s["concurrently"] for s in dropped)


def test_phase2_indexes_match_the_design() -> None:
    sql = " ".join(s["sql"] for s in parse_file(PHASE2, "s"))
    assert '("conversationId", "createdAt" DESC)' in sql
    assert '("userId", "isActive") INCLUDE ("conversationId")' in sql
    assert '("updatedAt" DESC)' in sql


@pytest.mark.parametrize("txn", ["BEGIN;", "START TRANSACTION;", "COMMIT;", "begin ;"])
def test_transaction_control_is_refused(tmp_path: Path, txn: str) -> None:
    f = tmp_path / "bad.sql"
    f.write_text(f"{txn}\nCREATE INDEX CONCURRENTLY x ON {{schema}}.t (a);\n")
    with pytest.raises(InputError, match="transaction"):
        parse_file(f, "s")


def test_hostile_schema_is_refused_before_any_sql() -> None:
    with pytest.raises(InputError, match="refused"):
        parse_file(PHASE2, 'public"; DROP SCHEMA x; --')


def test_only_the_placeholder_is_substituted(tmp_path: Path) -> None:
    f = tmp_path / "x.sql"
    f.write_text("CREATE INDEX CONCURRENTLY IF NOT EXISTS \"a{b}\" ON {schema}.\"t\" (\"c\");")
    (st,) = parse_file(f, "s")
    assert st["sql"] == 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "a{b}" ON "s"."t" ("c")'
    assert st["index"] == "a{b}"


@pytest.mark.parametrize(("text", "expected"), [
    ("SELECT 1; SELECT 2", ["SELECT 1", "SELECT 2"]),
    ("SELECT ';'; -- x; y\nSELECT 2;", ["SELECT ';'", "SELECT 2"]),
    ("SELECT 'it''s; fine'", ["SELECT 'it''s; fine'"]),
    ('CREATE INDEX "a;b" ON t (c)', ['CREATE INDEX "a;b" ON t (c)']),
    ("/* ; */ ;;", []),
])
def test_split_sql(text: str, expected: list[str]) -> None:
    assert split_sql(text) == expected


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        parse_file(tmp_path / "nope.sql", "s")
    (tmp_path / "empty.sql").write_text("-- nothing\n")
    with pytest.raises(InputError, match="no SQL"):
        parse_file(tmp_path / "empty.sql", "s")
