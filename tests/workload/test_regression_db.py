"""The workload criterion fails on a planted fault against a real server, and names it.

Between the two replays the app's history indexes on ``messages`` are dropped (the
``(conversationId, createdAt)`` index and the ``(conversationId, id)`` key): Q1 must then
read the whole table for each request. The criterion must say NO-GO naming Q1's p95 at
every level, and Q1 must carry the blame, not Q3, which never touches ``messages``.
"""

from __future__ import annotations

import pytest

from synthgen.verify.workload_compare import compare_workloads
from synthgen.workload import WorkloadOptions, make_mix, run_workload
from tests.fixtures.db import drop_history_indexes
from tests.verify import minidata

pytestmark = [pytest.mark.db, pytest.mark.slow]  # two replays with repeats and controls


def test_dropping_the_history_index_is_a_workload_regression_by_name(
        pg_dsn: str, fresh_schema: str) -> None:
    minidata.build(pg_dsn, fresh_schema, users=150, conversations=60, messages=40_000)
    options = WorkloadOptions(make_mix({"Q1": 1.0, "Q3": 4.0}), (1, 2), 2, seed=11, repeats=2,
                              control_seconds=1)
    pre = run_workload(pg_dsn, fresh_schema, options)
    drop_history_indexes(pg_dsn, fresh_schema)
    post = run_workload(pg_dsn, fresh_schema, options)
    assert all(lv["control"]["transactions"] > 0 for lv in pre["levels"] + post["levels"])
    r = compare_workloads(pre, post)
    text = r["criterion"]["text"]
    assert r["criterion"]["passed"] is False, text
    assert "1 clients: Q1 p95 +" in text
    assert "2 clients: Q1 p95 +" in text
    q1 = [lv["types"]["Q1"] for lv in r["levels"]]
    assert all(c["class"] == "degraded" and c["ratio"] > 3 for c in q1), q1
    # the blame lands on Q1: Q3 never touches messages. It is not asserted unchanged: on a
    # server shared with a concurrent 5M-row load, Q3's p95 at one client was flagged in 3
    # of 5 runs (a slowdown the CPU-bound control step did not capture; cause not pinned
    # down), while Q1's p95 moved more than 10x in every run
    q3 = r["levels"][0]["types"]["Q3"]
    assert q3["ratio"] < q1[0]["ratio"] / 2, (q3, q1[0])
