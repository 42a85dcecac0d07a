"""The EXPLAIN parser on plans captured from PostgreSQL 15 (see capture_fixtures.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from synthgen.verify.plan import load_explain, render_tree, summarize

FIXTURES = Path(__file__).parent / "fixtures"


def plan(name: str) -> dict:
    return summarize((FIXTURES / f"{name}.json").read_text())


def test_topn_sort_over_seq_scan() -> None:
    s = plan("sort_topn")
    assert s["shape"] == "Limit(Sort(Seq Scan on messages))"
    assert [(x["node_type"], x["method"], x["spilled"]) for x in s["sorts"]] == [
        ("Sort", "top-N heapsort", False)]
    assert s["sorts"][0]["sort_key"] == ['"createdAt" DESC']
    assert s["indexes_used"] == []
    assert s["scans"][0]["node_type"] == "Seq Scan"
    assert s["rows"] == 50


def test_spilled_sort_is_detected() -> None:
    s = plan("sort_spill")
    (sort,) = s["sorts"]
    assert sort["method"] == "external merge"
    assert sort["space_type"] == "Disk"
    assert sort["spilled"] is True
    assert s["temp_written"] > 0


def test_incremental_sort_counts_as_a_sort() -> None:
    s = plan("incremental_sort")
    (sort,) = s["sorts"]
    assert sort["node_type"] == "Incremental Sort"
    assert sort["presorted_key"]  # the index supplies the leading order
    assert sort["spilled"] is False
    assert s["indexes_used"] == ["messages_conversationId_createdAt_idx"]


def test_index_only_scan_backward() -> None:
    s = plan("index_only_backward")
    (scan,) = s["scans"]
    assert scan["node_type"] == "Index Only Scan"
    assert scan["direction"] == "Backward"
    assert scan["index"] == "messages_conversationId_createdAt_idx"
    assert "Backward" in s["shape"]
    assert s["sorts"] == []


def test_bitmap_heap_and_index_scans() -> None:
    s = plan("bitmap")
    kinds = {x["node_type"]: x for x in s["scans"]}
    assert set(kinds) == {"Bitmap Heap Scan", "Bitmap Index Scan"}
    assert kinds["Bitmap Heap Scan"]["relation"] == "messages"
    assert kinds["Bitmap Index Scan"]["index"] == "messages_conversationId_createdAt_idx"
    assert s["node_types"]["Aggregate"] == 1


def test_parallel_plan() -> None:
    s = plan("parallel_gather_merge")
    assert s["parallel"] is True
    assert "Gather Merge" in s["node_types"]
    assert "Parallel Seq Scan on messages" in s["shape"]
    assert len(s["sorts"]) == 1
    assert plan("sort_topn")["parallel"] is False


def test_nested_loop() -> None:
    s = plan("nested_loop")
    assert s["tree"]["node"] == "Nested Loop"
    assert s["node_types"]["Nested Loop"] == 1
    assert "users_pkey" in s["indexes_used"]


def test_buffers_and_timings_come_from_the_top() -> None:
    raw = load_explain((FIXTURES / "bitmap.json").read_text())
    s = plan("bitmap")
    assert s["shared_hit"] == raw["Plan"]["Shared Hit Blocks"]
    assert s["shared_read"] == raw["Plan"]["Shared Read Blocks"]
    assert s["execution_ms"] == raw["Execution Time"]
    assert s["planning_ms"] == raw["Planning Time"]


def test_render_tree_indents_children() -> None:
    lines = render_tree(plan("sort_topn")["tree"])
    assert lines[0].startswith("Limit")
    assert lines[1].startswith("  ->  Sort")
    assert lines[2].startswith("    ->  Seq Scan on messages")


def test_spill_in_a_parallel_worker_counts() -> None:
    raw = json.loads((FIXTURES / "parallel_gather_merge.json").read_text())
    sort = raw[0]["Plan"]["Plans"][0]["Plans"][0]
    assert sort["Node Type"] == "Sort"
    sort["Sort Space Type"] = "Memory"
    sort["Workers"] = [{"Worker Number": 0, "Sort Space Type": "Disk"}]
    assert summarize(raw)["sorts"][0]["spilled"] is True


@pytest.mark.parametrize("bad", ["[]", "{}", '[{"Plan": {}}, {"Plan": {}}]', '{"x": 1}'])
def test_not_explain_json_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="plan|Plan"):
        summarize(bad)
