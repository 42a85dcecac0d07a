"""The measurement runner without a database: fault injection through a fake ``execute``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from synthgen.verify import explain

FIXTURES = Path(__file__).parent / "fixtures"


class Refused(Exception):
    pass


def test_prewarm_refused_is_recorded_not_fatal(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(conn: Any, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        if "CREATE EXTENSION" in sql:
            raise Refused("Failed to execute query: ERROR:  permission denied to create "
                          "extension \"pg_prewarm\"\nQuery was: CREATE EXTENSION …")
        raise AssertionError("nothing else may run after a refusal")

    monkeypatch.setattr(explain, "execute", fake)
    got = explain.prewarm(object(), "s")
    assert got == {"used": False, "reason": 'permission denied to create extension "pg_prewarm"'}


def test_measure_takes_the_median_run_and_flags_plan_changes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    a = json.loads((FIXTURES / "index_backward.json").read_text())
    b = json.loads((FIXTURES / "sort_topn.json").read_text())
    times = iter([9.0, 1.0, 2.0, 3.0, 50.0])   # first is the warm-up
    plans = iter([a, a, b, a, a])

    def fake(conn: Any, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
        doc = next(plans)
        doc[0]["Execution Time"] = next(times)
        return [(json.dumps(doc),)]

    monkeypatch.setattr(explain, "execute", fake)
    (out,) = explain.measure(object(), [{"query": "Q1", "param_set": "p", "sql": "SELECT",
                                         "values": ("c",)}], runs=4, warmup=1)
    assert out["runs_ms"] == [1.0, 2.0, 3.0, 50.0]
    assert out["execution_ms"]["p50"] == 2.5
    assert out["execution_ms"]["max"] == 50.0
    assert out["plan_stable"] is False
    assert out["plan"]["shape"] == "Limit(Index Scan Backward using " \
                                   "messages_conversationId_createdAt_idx on messages)"
