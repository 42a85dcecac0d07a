"""The gate-2 rule from tables of (pre, post) numbers, noise included."""

from __future__ import annotations

import pytest

from synthgen.errors import InputError
from synthgen.verify.compare import classify, compare, sorts_rule
from tests.verify.fakes import doc, index, result


@pytest.mark.parametrize(("pre50", "pre_iqr", "post50", "post_iqr", "expected"), [
    (10.0, 0.5, 5.0, 0.2, "improved"),         # -50 %, far beyond the spread
    (10.0, 0.5, 9.2, 0.2, "unchanged"),        # -8 %: inside ±10 %
    (10.0, 0.5, 8.9, 0.1, "improved"),         # -11 %, saved 1.1 ms > spread 0.5 ms
    (10.0, 3.0, 8.5, 0.1, "unchanged"),        # -15 % but pre runs spread over 3 ms: noise
    (10.0, 0.2, 8.5, 3.5, "unchanged"),        # -15 % but post runs spread over 3.5 ms: noise
    (10.0, 0.5, 12.0, 0.2, "degraded"),        # +20 %, beyond the spread
    (10.0, 0.5, 10.9, 0.1, "unchanged"),       # +9 %
    (10.0, 2.5, 11.5, 0.1, "unchanged"),       # +15 % inside a 2.5 ms spread
    (0.030, 0.001, 0.026, 0.0, "unchanged"),   # -13 % of 30 µs: under the 50 µs noise floor
    (0.078, 0.002, 0.106, 0.002, "unchanged"),  # +36 %, 28 µs: the drift seen between baselines
    (0.300, 0.001, 0.100, 0.001, "improved"),  # sub-millisecond but a real 3x
    (0.041, 0.004, 1.93, 0.2, "degraded"),     # 47x slower (an index dropped)
    (0.0, 0.0, 0.0, 0.0, "unchanged"),         # nothing measured: no division by zero
])
def test_classify(pre50: float, pre_iqr: float, post50: float, post_iqr: float,
                  expected: str) -> None:
    assert classify(pre50, pre_iqr, post50, post_iqr)["class"] == expected


def test_one_slow_run_does_not_hide_a_regression() -> None:
    # observed: one 4.4 ms hiccup among five post runs; p95 - p50 would have been 2.5 ms
    pre = doc("pre", [result("Q1", "a", 0.041, 0.048, iqr=0.004)])
    post = doc("post", [result("Q1", "a", 1.93, 4.41, iqr=0.05)])
    assert compare(pre, post)["cases"][0]["class"] == "degraded"


@pytest.mark.parametrize(("pre", "post", "applicable", "passed"), [
    (5, 0, True, True), (5, 2, True, True), (5, 3, True, False), (10, 4, True, True),
    (3, 4, True, False),            # sorts added: negative elimination
    (0, 0, False, True),            # nothing to eliminate: not applicable, passes
    (0, 1, False, False),           # sorts appeared from none: fails
])
def test_sorts_rule(pre: int, post: int, applicable: bool, passed: bool) -> None:
    r = sorts_rule(pre, post)
    assert (r["applicable"], r["passed"]) == (applicable, passed)


def _pair(rows: list[tuple[str, str, float, float, int, int]]) -> tuple[dict, dict]:
    pre = [result(q, p, a, a * 1.01, sorts=s0) for q, p, a, _b, s0, _s1 in rows]
    post = [result(q, p, b, b * 1.01, sorts=s1) for q, p, _a, b, _s0, s1 in rows]
    return doc("pre", pre), doc("post", post)


def test_go_when_everything_improves_and_sorts_go() -> None:
    pre, post = _pair([("Q1", "a", 10, 2, 1, 0), ("Q1", "b", 20, 5, 1, 0),
                       ("Q3", "u", 8, 4, 1, 1)])
    r = compare(pre, post)
    assert r["decision"] == "GO"
    assert r["counts"] == {"improved": 3, "degraded": 0, "unchanged": 0}
    assert r["sorts"]["eliminated"] == 2
    assert all(x.startswith("ok:") for x in r["reasons"])


def test_no_go_on_small_mean_improvement() -> None:
    pre, post = _pair([("Q1", "a", 10, 8, 0, 0), ("Q3", "u", 10, 8, 0, 0)])
    r = compare(pre, post)
    assert r["decision"] == "NO-GO"
    assert any("mean improvement 20.0%" in x for x in r["reasons"])
    assert r["sorts"]["applicable"] is False


def test_noise_counts_as_zero_in_the_mean() -> None:
    # Q1 a real 50 % gain; Q3 -25 % but its runs spread over 4 ms: counted as 0, not 25 %
    pre = doc("pre", [result("Q1", "a", 10, sorts=1), result("Q3", "u", 10, iqr=4.0)])
    post = doc("post", [result("Q1", "a", 5), result("Q3", "u", 7.5, iqr=0.1)])
    (crit, *_) = compare(pre, post)["criteria"]
    assert crit["value"] == pytest.approx(0.25)
    assert crit["raw"] == pytest.approx(0.375)


def test_one_degraded_query_is_tolerated_two_are_not() -> None:
    rows = [("Q1", "a", 10, 1, 0, 0), ("Q1b", "a", 10, 1, 0, 0), ("Q4", "a", 10, 1, 0, 0),
            ("Q3", "u", 10, 12, 0, 0)]
    assert compare(*_pair(rows))["decision"] == "GO"
    rows.append(("Q6", "a", 10, 13, 0, 0))
    r = compare(*_pair(rows))
    assert r["decision"] == "NO-GO"
    assert any("2 queries degraded (Q3, Q6)" in x for x in r["reasons"])


def test_two_degraded_sets_of_one_query_count_once() -> None:
    rows = [("Q1", "a", 10, 1, 0, 0), ("Q1b", "a", 10, 1, 0, 0), ("Q4", "a", 10, 1, 0, 0),
            ("Q3", "u", 10, 12, 0, 0), ("Q3", "v", 10, 12, 0, 0)]
    r = compare(*_pair(rows))
    assert r["counts"]["degraded"] == 2
    assert r["decision"] == "GO"


def test_no_go_when_too_few_sorts_eliminated() -> None:
    rows = [("Q1", "a", 10, 1, 1, 1), ("Q1", "b", 10, 1, 1, 1), ("Q3", "u", 10, 1, 1, 0)]
    r = compare(*_pair(rows))
    assert r["decision"] == "NO-GO"
    assert r["sorts"]["share"] == pytest.approx(1 / 3, abs=1e-3)


def test_noise_only_change_is_not_credited() -> None:
    pre = doc("pre", [result("Q1", "a", 10.0, 14.0, iqr=3.0)])
    post = doc("post", [result("Q1", "a", 8.0, 8.1, iqr=0.1)])
    r = compare(pre, post)
    assert r["cases"][0]["class"] == "unchanged"


def test_different_parameter_values_are_not_like_for_like() -> None:
    pre = doc("pre", [result("Q1", "a", 10, sorts=1)], param_values={"a": "c1"})
    post = doc("post", [result("Q1", "a", 1)], param_values={"a": "c2"})
    r = compare(pre, post)
    assert r["decision"] == "NO-GO"
    assert any("different parameters" in x for x in r["reasons"])
    assert any("different values" in w for w in r["warnings"])


def test_missing_cases_are_warned_and_disjoint_baselines_refused() -> None:
    pre = doc("pre", [result("Q1", "a", 10), result("Q3", "u", 10)])
    post = doc("post", [result("Q1", "a", 1)])
    assert any("Q3/u" in w for w in compare(pre, post)["warnings"])
    with pytest.raises(InputError, match="nothing|no query"):
        compare(doc("pre", [result("Q1", "a", 1)]), doc("post", [result("Q9", "z", 1)]))


def test_redundant_index_is_reported_and_not_credited() -> None:
    old = index("m_conv_created", "messages", "conversationId", "createdAt")
    new = index("m_conv_created_desc", "messages", "conversationId", "createdAt DESC")
    pre = doc("pre", [result("Q1", "a", 10, indexes=("m_conv_created",))], [old])
    post = doc("post", [result("Q1", "a", 2, indexes=("m_conv_created_desc",))], [old, new])
    r = compare(pre, post)
    (f,) = r["new_indexes"]
    assert f["verdict"] == "redundant"
    assert f["existing"] == "m_conv_created"
    assert f["credited"] is False
    assert r["cases"][0]["class"] == "improved"
    assert any("REDUNDANT" in x and "not credited" in x for x in r["reasons"])
    assert any(h.startswith("Drop m_conv_created_desc") for h in r["hints"])


def test_useful_new_index_is_credited() -> None:
    new = index("cu_user_active", "conversation_users", "userId", "isActive")
    pre = doc("pre", [result("Q3", "u", 10, sorts=1)], [])
    post = doc("post", [result("Q3", "u", 2, indexes=("cu_user_active",))], [new])
    (f,) = compare(pre, post)["new_indexes"]
    assert (f["verdict"], f["credited"], f["used_by"]) == ("new", True, ["Q3/u"])


def test_plan_diff_kept_in_text_and_json() -> None:
    pre = doc("pre", [result("Q1", "a", 10, sorts=1)])
    post = doc("post", [result("Q1", "a", 1, indexes=("i",))])
    case = compare(pre, post)["cases"][0]
    assert case["plan"]["changed"] is True
    assert any(line.startswith("-  ->  Sort") for line in case["plan"]["diff"])
    assert case["plan"]["pre_tree"]["children"][0]["node"] == "Sort"
