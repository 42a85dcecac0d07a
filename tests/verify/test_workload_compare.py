"""Gate 2 under load: workload p95 and throughput pre vs post, with the control steps' drift.

Every verdict here is exact, and each rule is shown failing on a planted fault beside its
passing twin.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from synthgen.verify.compare import compare
from synthgen.verify.workload_compare import MIN_TRANSACTIONS, compare_workloads
from tests.verify.fakes import doc, result

TYPES = {"Q1": 6.0, "Q4": 40.0, "Q2": 9.0}
"""p95 in ms of each transaction type at one client."""


def _level(clients: int, repeat: int, rng: np.random.Generator, *, slow: float = 1.0,
           slower: dict[str, float] | None = None, tps_factor: float = 1.0,
           control: float | None = 0.09, n: int = 200) -> dict[str, Any]:
    """One workload step: p95 per type with 3 % noise, ``slow`` the whole machine's factor."""
    def jitter() -> float:
        return float(np.exp(rng.normal(0, 0.03)))

    per = {name: {"transactions": n, "failed": 0, "tps": n / 5,
                  "p95_ms": p95 * clients ** 0.5 * slow * (slower or {}).get(name, 1.0)
                  * jitter()}
           for name, p95 in TYPES.items()}
    tps = 150.0 * clients ** 0.8 / slow * tps_factor * jitter()
    level: dict[str, Any] = {"clients": clients, "repeat": repeat,
                             "summary": {"all": {"tps": tps, "transactions": int(tps * 5)},
                                         "per_type": per}}
    if control is not None:
        level["control"] = {"p50_ms": control * slow * jitter(), "transactions": 20_000}
    return level


def _doc(seed: int, **kw: Any) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    return {"format": "synthgen-workload/1", "seed": 7, "seconds_per_step": 5, "mode": "closed",
            "rate_tps": None, "mix": {"weights": {"Q1": 1, "Q4": 1, "Q2": 1}},
            "levels": [_level(c, r, rng, **kw) for r in range(3) for c in (1, 4)]}


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_the_same_workload_again_is_not_a_regression(seed: int) -> None:
    r = compare_workloads(_doc(seed), _doc(seed + 100))
    assert r["criterion"]["passed"], r["criterion"]["text"]
    assert r["judged"] == 2 * (1 + len(TYPES))
    assert not any(c["class"] == "degraded" for lv in r["levels"] for c in lv["types"].values())


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_slower_transaction_type_is_no_go_by_name(seed: int) -> None:
    r = compare_workloads(_doc(seed), _doc(seed + 100, slower={"Q2": 1.5}))
    assert not r["criterion"]["passed"]
    assert "1 clients: Q2 p95 +" in r["criterion"]["text"]
    assert "4 clients: Q2 p95 +" in r["criterion"]["text"]
    assert "Q1 p95" not in r["criterion"]["text"]
    assert [lv["types"]["Q2"]["ratio"] for lv in r["levels"]] == [
        pytest.approx(1.5, rel=0.1)] * 2


def test_lost_throughput_is_no_go() -> None:
    r = compare_workloads(_doc(1), _doc(2, tps_factor=0.7))
    assert not r["criterion"]["passed"]
    assert "1 clients: time per transaction +4" in r["criterion"]["text"]  # 1/0.7 = +43 %


def test_a_slower_machine_is_divided_out_by_the_control_steps() -> None:
    r = compare_workloads(_doc(1), _doc(2, slow=1.4))
    assert r["criterion"]["passed"], r["criterion"]["text"]
    assert all(lv["drift"]["applied"] for lv in r["levels"])
    assert r["drift"]["median"] == pytest.approx(1.4, rel=0.05)
    # the same drift with no control steps: the machine's slowdown reads as a regression
    blind = compare_workloads(_doc(1, control=None), _doc(2, slow=1.4, control=None))
    assert not blind["criterion"]["passed"]
    assert not any(lv["drift"]["applied"] for lv in blind["levels"])


def test_a_real_regression_is_found_through_the_drift() -> None:
    r = compare_workloads(_doc(1), _doc(2, slow=1.4, slower={"Q4": 1.5}))
    assert not r["criterion"]["passed"]
    q4 = r["levels"][0]["types"]["Q4"]
    assert q4["ratio"] == pytest.approx(1.5, rel=0.08)


def test_too_few_transactions_are_shown_not_judged() -> None:
    few = compare_workloads(_doc(1, n=MIN_TRANSACTIONS - 1),
                            _doc(2, n=MIN_TRANSACTIONS - 1, slower={"Q2": 3.0}))
    assert few["criterion"]["passed"]  # nothing judgeable but the throughput
    assert few["judged"] == 2
    assert "too few transactions to judge: Q1@1" in few["criterion"]["text"]
    assert few["levels"][0]["types"]["Q2"]["class"] == "too few"


def test_a_different_seed_or_level_set_is_not_like_for_like() -> None:
    other = _doc(2)
    other["seed"] = 8
    r = compare_workloads(_doc(1), other)
    assert not r["criterion"]["passed"]
    assert "seed differs" in r["criterion"]["text"]
    fewer = _doc(2)
    fewer["levels"] = [lv for lv in fewer["levels"] if lv["clients"] == 1]
    r = compare_workloads(_doc(1), fewer)
    assert not r["criterion"]["passed"]
    assert "client levels differ" in r["criterion"]["text"]


def test_the_workload_criterion_decides_with_the_others() -> None:
    pre = doc("pre", [result("Q1", "a", 4.0, sorts=1, indexes=("old",))])
    post = doc("post", [result("Q1", "a", 1.0, indexes=("old",))])
    w = {"Q1": 1.0}
    base = compare(pre, post, weights=w)
    assert base["decision"] == "GO", base["reasons"]
    assert base["workload"] is None
    ok = compare(pre, post, weights=w, workload=(_doc(1), _doc(2)))
    assert ok["decision"] == "GO"
    assert ok["criteria"][-1]["name"] == "workload_no_regression"
    bad = compare(pre, post, weights=w, workload=(_doc(1), _doc(2, slower={"Q1": 2.0})))
    assert bad["decision"] == "NO-GO"
    assert [c["name"] for c in bad["criteria"] if not c["passed"]] == ["workload_no_regression"]
    assert set(bad["workload"]["curves"]["pre"]) == set(TYPES)
    assert copy.deepcopy(bad)  # JSON-shaped
