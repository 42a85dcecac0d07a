"""The query catalogue: built-in files, user files, and what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthgen.errors import InputError
from synthgen.verify.catalogue import load_catalogue, parse_query


def test_builtin_queries() -> None:
    qs = {q.name: q for q in load_catalogue()}
    assert set(qs) == {"Q1", "Q1b", "Q2", "Q3", "Q4", "Q5", "Q6"}
    assert {q.name for q in qs.values() if q.kind == "write"} == {"Q2", "Q5"}
    assert '"idempotencyKey"' in qs["Q2"].template
    assert "ON CONFLICT" in qs["Q5"].template
    assert qs["Q1"].params == ("conversation_id",)
    assert qs["Q3"].params == ("user_id",)
    assert qs["Q4"].params == ("conversation_id", "member_id")
    assert "LIMIT 50" in qs["Q1"].template
    assert "LIMIT 100" in qs["Q1b"].template
    assert qs["Q1"].sql("perf_synthetic").count('"perf_synthetic"."messages"') == 1
    assert all(q.serves for q in qs.values())
    # every built-in query has a workload weight in the spec, and every weight a query
    from synthgen.spec import load_spec

    assert set(load_spec().workload.shares()) == set(qs)


def test_user_queries_add_and_replace(tmp_path: Path) -> None:
    (tmp_path / "mine.sql").write_text("-- name: Q9\n-- params: user_id\n"
                                       "SELECT 1 FROM {schema}.\"users\" WHERE \"id\" = $1\n")
    (tmp_path / "q1.sql").write_text("-- name: Q1\n-- params: conversation_id\n"
                                     "SELECT 2 FROM {schema}.\"messages\" WHERE \"id\" = $1\n")
    qs = {q.name: q for q in load_catalogue(tmp_path)}
    assert set(qs) == {"Q1", "Q1b", "Q2", "Q3", "Q4", "Q5", "Q6", "Q9"}
    assert qs["Q1"].template.startswith("SELECT 2")


def test_schema_name_is_checked() -> None:
    q = parse_query("-- params: user_id\nSELECT 1 FROM {schema}.t WHERE a = $1", "x.sql")
    with pytest.raises(InputError, match="refused"):
        q.sql('x"; DROP TABLE users; --')


@pytest.mark.parametrize(("text", "match"), [
    ("-- params: user_id\nDELETE FROM {schema}.t WHERE a = $1", "one SELECT"),
    ("-- params: user_id\nSELECT 1 WHERE $1 = 'a'; DROP TABLE x", "read-only"),
    ("-- params: user_id\nWITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d WHERE $1 = ''",
     "read-only"),
    ("-- params: user_id\nSELECT * FROM t WHERE a = $1 FOR UPDATE", "read-only"),
    ("-- params: nobody\nSELECT 1 WHERE $1 = 'a'", "unknown parameter"),
    ("-- params: user_id\nSELECT 1 WHERE $2 = 'a'", "placeholders"),
    ("-- params: user_id, conversation_id\nSELECT 1 WHERE $1 = 'a'", "placeholders"),
    ("-- name: bad name!\nSELECT 1", "query name"),
    ("-- kind: write\n-- params: new_id\nDELETE FROM {schema}.t WHERE a = $1", "one INSERT"),
    ("-- kind: write\n-- params: new_id\nINSERT INTO t VALUES ($1); DROP TABLE t", "one INSERT"),
    ("-- kind: write\n-- params: new_id\nINSERT INTO t SELECT $1 RETURNING *", "one INSERT"),
    ("-- kind: write\n-- params: new_id\nINSERT INTO t (a) SELECT 1 FROM (INSERT INTO u VALUES "
     "($1)) x", "exactly one INSERT"),
    ("-- kind: delete\nSELECT 1", "kind"),
])
def test_bad_query_files_are_refused(text: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        parse_query(text, "bad.sql")


def test_words_inside_quotes_are_not_mistaken_for_writes() -> None:
    q = parse_query("-- params: user_id\nSELECT \"createdAt\", 'delete me' FROM {schema}.t "
                    "WHERE \"update\" = $1", "ok.sql")
    assert q.params == ("user_id",)


def test_missing_or_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        load_catalogue(tmp_path / "nope")
    with pytest.raises(InputError, match="no \\*.sql"):
        load_catalogue(tmp_path)


def test_a_write_path_with_an_upsert_is_accepted() -> None:
    q = parse_query("-- kind: write\n-- params: new_id, member_id\nINSERT INTO {schema}.t "
                    "(a, b) VALUES ($1, $2) ON CONFLICT (a) DO UPDATE SET b = EXCLUDED.b", "w.sql")
    assert (q.kind, q.params) == ("write", ("new_id", "member_id"))
