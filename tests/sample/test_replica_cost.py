"""The sampler is gentle on the replica: each table is scanned once per sample (plans)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from synthgen.sample.bounded import releases_sql
from synthgen.sample.measures import MEASURES, window_measures
from synthgen.sample.queries import measures_sql
from synthgen.sample.sources import with_clause
from tests.fixtures.db import pg_exec

pytestmark = pytest.mark.db

TABLES = ("users", "conversations", "conversation_users", "messages", "message_reads",
          "message_receipts", "attachments")


def scans(dsn: str, sql: str) -> Counter[str]:
    """Scan nodes per table in the statement's plan (EXPLAIN, not run)."""
    ((plan,),) = pg_exec(dsn, "EXPLAIN (FORMAT JSON) " + sql)
    out: Counter[str] = Counter()

    def walk(node: dict[str, Any]) -> None:
        if "Relation Name" in node:
            out[node["Relation Name"]] += 1
        for child in node.get("Plans", []):
            walk(child)

    walk((json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"])
    return out


def test_one_scan_of_each_table_per_sample(pg_dsn: str, prod_schema: str) -> None:
    measures = MEASURES + window_measures(30)
    exact = scans(pg_dsn, measures_sql(measures, with_clause(prod_schema, 30)))
    bounded = scans(pg_dsn, releases_sql(prod_schema, 30))
    for t in TABLES:
        assert exact[t] <= 1, (t, exact)
        assert bounded[t] <= 1, (t, bounded)
    assert exact["messages"] == bounded["messages"] == 1
    assert exact["messages"] + bounded["messages"] <= 2


def test_the_old_statement_per_measure_would_rescan_messages(pg_dsn: str,
                                                             prod_schema: str) -> None:
    """The check bites: one statement per measurement (the old sampler) scans messages in
    nearly every statement."""
    clause = with_clause(prod_schema, 30)
    per_measure = sum(scans(pg_dsn, measures_sql([m], clause))["messages"]
                      for m in MEASURES + window_measures(30))
    assert per_measure > 30
