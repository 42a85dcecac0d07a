"""Gate 2 proves its rule on a real generated and loaded `ci` band dataset (embedded server).

Three candidates, each with one exact verdict:

- redundant only (the app's ``(conversationId, createdAt)`` already serves Q1 backward) →
  NO-GO naming the redundancy;
- an index no hot query uses → NO-GO with its write cost (size, the Q2 insert's change);
- a schema variant missing the app's indexes by user on ``message_reads`` (Q4's anti join)
  and on ``conversation_users`` (Q3's list), and a candidate restoring one of each → GO.
  No measured write touches those tables (Q2 inserts into ``messages``, Q5 into
  ``message_receipts``), so the restored indexes have no write cost to weigh and the verdict
  does not hang on timing noise; restoring an index on ``messages`` would add to the Q2
  insert path and make the verdict a coin toss under ``no_degradation``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from synthgen.pg.connect import connect, execute
from synthgen.verify import apply_indexes, baseline, compare, rollback_indexes
from synthgen.verify.explain import schema_indexes
from synthgen.verify.indexes import build_seconds, candidate_names

pytestmark = [pytest.mark.db, pytest.mark.slow]  # loads the generated ci dataset
RUNS = 6


def _names(dsn: str, schema: str) -> set[str]:
    conn = connect(dsn, autocommit=True)
    try:
        return {i["name"] for i in schema_indexes(conn, schema)}
    finally:
        conn.close()


def _files(tmp: Path, name: str, create: str, index: str) -> tuple[Path, Path]:
    f, back = tmp / f"{name}.sql", tmp / f"{name}.rollback.sql"
    f.write_text(create + "\n")
    back.write_text(f'DROP INDEX CONCURRENTLY IF EXISTS {{schema}}."{index}";\n')
    return f, back


def _gate(dsn: str, schema: str, pre: dict, file: Path) -> dict:
    applied = apply_indexes(dsn, schema, file)
    post = baseline(dsn, schema, "post", runs=RUNS, warmup=1, param_sets=pre["param_sets"])
    return compare(pre, post, candidate=candidate_names(file, schema),
                   builds=build_seconds(applied))


def test_redundant_and_unused_candidates_are_no_go(pg_dsn: str, fresh_schema: str,
                                                   ci_dataset: Path, tmp_path: Path) -> None:
    from synthgen.load import load_dataset

    load_dataset(ci_dataset, pg_dsn, fresh_schema)
    before = _names(pg_dsn, fresh_schema)
    pre = baseline(pg_dsn, fresh_schema, "pre", runs=RUNS, warmup=1)
    kinds = {(r["query"], r["kind"]) for r in pre["results"]}
    assert kinds == {("Q1", "read"), ("Q1b", "read"), ("Q3", "read"), ("Q4", "read"),
                     ("Q6", "read"), ("Q2", "write"), ("Q5", "write")}
    points = {p["point"] for p in pre["param_sets"] if p["kind"] == "conversation"}
    assert points == {"p10", "p50", "p90", "p99", "max"}

    red, red_back = _files(tmp_path, "redundant",
                           'CREATE INDEX CONCURRENTLY "m_conv_created_desc" ON {schema}."messages" '
                           '("conversationId", "createdAt" DESC);', "m_conv_created_desc")
    r = _gate(pg_dsn, fresh_schema, pre, red)
    assert r["decision"] == "NO-GO", r["reasons"]
    fails = [x for x in r["reasons"] if x.startswith("FAIL")]
    assert any("m_conv_created_desc: redundant" in x and "backward scan" in x for x in fails)
    rollback_indexes(pg_dsn, fresh_schema, red_back)

    unused, unused_back = _files(tmp_path, "unused",
                                 'CREATE INDEX CONCURRENTLY "m_type_sender_corr" ON '
                                 '{schema}."messages" ("type", "senderId", "correlationId");',
                                 "m_type_sender_corr")
    r = _gate(pg_dsn, fresh_schema, pre, unused)
    assert r["decision"] == "NO-GO"
    (idx,) = r["new_indexes"]
    assert idx["used_by"] == []
    assert idx["credited"] is False
    fail = next(x for x in r["reasons"] if x.startswith("FAIL") and "m_type_sender_corr" in x)
    assert "unused" in fail
    assert " MB" in fail
    assert "built in" in fail
    assert "Q2/write_heavy" in fail
    assert "Q2/write_typical" in fail
    assert "WAL" in fail
    rollback_indexes(pg_dsn, fresh_schema, unused_back)
    assert _names(pg_dsn, fresh_schema) == before


def test_restoring_a_missing_app_index_is_go(pg_dsn: str, fresh_schema: str, ci_dataset: Path,
                                             tmp_path: Path) -> None:
    from synthgen.load import load_dataset

    load_dataset(ci_dataset, pg_dsn, fresh_schema)
    # the variant: the indexes leading with userId on message_reads and conversation_users
    # are missing (keys and plain indexes), and message_reads' messageId index too, so Q4's
    # anti join and Q3's list must scan those tables for the user's rows
    conn = connect(pg_dsn, autocommit=True)
    try:
        for table, key in (("message_reads", "message_reads_userId_messageId_key"),
                           ("conversation_users", "conversation_users_userId_conversationId_key")):
            execute(conn, f'ALTER TABLE "{fresh_schema}"."{table}" DROP CONSTRAINT "{key}"')
        for name in ("message_reads_messageId_idx", "message_reads_userId_idx",
                     "conversation_users_userId_conversationId_idx",
                     "conversation_users_userId_isActive_idx"):
            execute(conn, f'DROP INDEX "{fresh_schema}"."{name}"')
    finally:
        conn.close()
    pre = baseline(pg_dsn, fresh_schema, "pre", runs=RUNS, warmup=1)
    fix = tmp_path / "restore.sql"
    fix.write_text('CREATE UNIQUE INDEX CONCURRENTLY "message_reads_userId_messageId_key" ON '
                   '{schema}."message_reads" ("userId", "messageId");\n'
                   'CREATE INDEX CONCURRENTLY "conversation_users_userId_isActive_idx" ON '
                   '{schema}."conversation_users" ("userId", "isActive");\n')
    r = _gate(pg_dsn, fresh_schema, pre, fix)
    assert r["decision"] == "GO", [x for x in r["reasons"] if x.startswith("FAIL")]
    improved = {i["index"]: i["improved_cases"] for i in r["new_indexes"] if i["credited"]}
    assert set(improved) == {"message_reads_userId_messageId_key",
                             "conversation_users_userId_isActive_idx"}
    assert any(c.startswith("Q4/") for c in improved["message_reads_userId_messageId_key"])
    assert any(c.startswith("Q3/") for c in improved["conversation_users_userId_isActive_idx"])
    assert r["aggregate"]["time"]["ratio"] < 0.7
