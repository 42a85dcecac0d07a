"""Gate 2 on a real generated and loaded `ci` band dataset (the pipeline's own data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from synthgen.pg.connect import connect
from synthgen.verify import apply_indexes, baseline, compare, rollback_indexes
from synthgen.verify.explain import schema_indexes

pytestmark = [pytest.mark.db, pytest.mark.slow]  # loads the generated ci dataset
ROOT = Path(__file__).resolve().parents[2]


def test_ci_band_pre_apply_post_compare_rollback(pg_dsn: str, fresh_schema: str,
                                                 ci_dataset: Path) -> None:
    from synthgen.load import load_dataset

    load_dataset(ci_dataset, pg_dsn, fresh_schema)
    conn = connect(pg_dsn, autocommit=True)
    try:
        before = {i["name"]: i["definition"] for i in schema_indexes(conn, fresh_schema)}
    finally:
        conn.close()

    pre = baseline(pg_dsn, fresh_schema, "pre", runs=3, warmup=1)
    assert {r["query"] for r in pre["results"]} == {"Q1", "Q1b", "Q3", "Q4", "Q6"}
    assert len(pre["results"]) == 4 * 4 + 2
    assert all(r["plan"]["tree"] and r["plan"]["scans"] for r in pre["results"])
    stats = {p["name"]: p["stats"] for p in pre["param_sets"]}
    assert stats["conv_heaviest_1"]["messages"] > 10 * stats["conv_typical"]["messages"]

    applied = apply_indexes(pg_dsn, fresh_schema, ROOT / "indexes/phase-2.sql")
    assert all(s["valid"] for s in applied["statements"])
    post = baseline(pg_dsn, fresh_schema, "post", runs=3, warmup=1,
                    param_sets=pre["param_sets"])
    report = compare(pre, post)
    assert report["decision"] in ("GO", "NO-GO")
    assert report["reasons"]
    verdicts = {i["index"]: i["verdict"] for i in report["new_indexes"]}
    assert verdicts["messages_conversationId_createdAt_desc_idx"] == "redundant"
    assert verdicts["conversations_updatedAt_desc_idx"] == "redundant"

    rollback_indexes(pg_dsn, fresh_schema, ROOT / "indexes/phase-2.rollback.sql")
    conn = connect(pg_dsn, autocommit=True)
    try:
        after = {i["name"]: i["definition"] for i in schema_indexes(conn, fresh_schema)}
    finally:
        conn.close()
    assert after == before
