"""Percentiles from pgbench per-transaction logs, checked against hand-computed values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from synthgen.workload.pglog import merge_drivers, nearest_rank, parse_text, read_logs, summarize

# Script 0: latencies 1..20 ms in a scrambled order; script 1: 7 ms and 3 ms plus one failure.
# Hand-computed, nearest rank (the ceil(p/100*n)-th smallest):
#   script 0, n=20: p50 -> 10th = 10 ms, p95 -> 19th = 19 ms, p99 -> 20th = 20 ms
#   script 1, n=2:  p50 -> 1st = 3 ms, p95 -> 2nd = 7 ms
#   all, n=22 (1..20, 3, 7): sorted 1,2,3,3,4,5,6,7,7,8,9,10,... p50 -> 11th = 9 ms,
#   p95 -> ceil(20.9)=21st = 19 ms, p99 -> 22nd = 20 ms
_ORDER = [7, 1, 20, 3, 15, 11, 2, 19, 5, 13, 8, 17, 4, 10, 16, 6, 12, 18, 9, 14]


def _hand_log() -> str:
    lines = [f"{i % 4} {i} {ms * 1000} 0 1700000000 {i * 1000}" for i, ms in enumerate(_ORDER)]
    lines += ["1 90 7000 1 1700000001 5", "2 91 3000 1 1700000001 6",
              "3 92 failed 1 1700000001 7"]
    return "\n".join(lines) + "\n"


def test_percentiles_match_hand_computed_values() -> None:
    summary = summarize(parse_text(_hand_log()), ["QA", "QB"], seconds=2.0)
    a, b, total = summary["per_type"]["QA"], summary["per_type"]["QB"], summary["all"]
    assert (a["p50_ms"], a["p95_ms"], a["p99_ms"]) == (10.0, 19.0, 20.0)
    assert (b["p50_ms"], b["p95_ms"], b["p99_ms"]) == (3.0, 7.0, 7.0)
    assert (total["p50_ms"], total["p95_ms"], total["p99_ms"]) == (9.0, 19.0, 20.0)
    assert (a["transactions"], b["transactions"], b["failed"], total["failed"]) == (20, 2, 1, 1)
    assert (a["tps"], total["tps"]) == (10.0, 11.0)


def test_interpolating_percentile_would_not_match() -> None:
    """The planted fault: numpy's default (linear) rule gives another p95, which the test sees."""
    values = np.arange(1.0, 21.0)
    assert nearest_rank(values, 95) == 19.0
    assert float(np.percentile(values, 95)) != 19.0


def test_rate_log_reads_schedule_lag(tmp_path: Path) -> None:
    (tmp_path / "tx.1").write_text("0 0 5000 0 1700000000 0 4000\n0 1 1000 0 1700000000 9 0\n")
    (tmp_path / "tx.1.1").write_text("1 0 3000 0 1700000000 5 2000\n")
    log = read_logs(sorted(tmp_path.glob("tx.*")), with_lag=True)
    s = summarize(log, ["Q"], 1.0)["all"]
    assert (s["transactions"], s["p50_ms"], s["lag_p50_ms"], s["lag_p99_ms"]) == (3, 3.0, 2.0, 4.0)
    closed = read_logs(sorted(tmp_path.glob("tx.*")), with_lag=False)
    assert "lag_p50_ms" not in summarize(closed, ["Q"], 1.0)["all"]


def test_merge_keeps_only_the_common_window_and_renumbers_clients() -> None:
    # driver A's transactions end at +1..+10 s, driver B's (3 ms each) at +6..+15 s: the
    # common window runs from B's first start (+5.997 s) to A's last end (+10 s)
    a = parse_text("".join(f"0 {i} 1000 0 {1700000000 + i} 0\n1 {i} 2000 0 {1700000000 + i} 0\n"
                           for i in range(1, 11)))
    b = parse_text("".join(f"0 {i} 3000 0 {1700000005 + i} 0\n" for i in range(1, 11)))
    merged, seconds = merge_drivers([a, b])
    assert seconds == pytest.approx(4.003, abs=1e-9)
    assert sorted(set(merged.client.tolist())) == [0, 1, 2]
    assert np.all(np.diff(merged.end_us) >= 0)
    # A ends at 6..10 (5 seconds x 2 clients), B at 6..10 (5 transactions)
    assert len(merged) == 15


def test_bad_log_line_is_refused() -> None:
    with pytest.raises(ValueError, match="not a pgbench"):
        parse_text("hello world\n")
    assert nearest_rank(np.zeros(0), 50) is None
