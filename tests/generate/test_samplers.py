"""Property tests of the samplers: shapes land within honest statistical tolerance."""

from __future__ import annotations

import math
import statistics

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from synthgen.generate import distributions as d
from synthgen.generate.plan import allocate

SEEDS = st.integers(min_value=0, max_value=2**32 - 1)


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, median=st.floats(2, 200), ratio=st.floats(2, 100))
def test_lognormal_from_median_p95_hits_both_quantiles(seed: int, median: float,
                                                       ratio: float) -> None:
    mu, sigma = d.lognormal_from_median_p95(median, median * ratio)
    x = np.random.default_rng(seed).lognormal(mu, sigma, 200_000)
    # 200k draws: quantile standard errors are well under 2% of the value here
    assert abs(np.median(x) / median - 1) < 0.03
    assert abs(np.percentile(x, 95) / (median * ratio) - 1) < 0.05


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, mu=st.floats(0, 8), sigma=st.floats(0.1, 2.0), lo=st.integers(2, 50),
       width=st.integers(10, 10_000))
def test_truncated_counts_respect_bounds_and_median(seed: int, mu: float, sigma: float, lo: int,
                                                    width: int) -> None:
    hi = lo + width
    nd = statistics.NormalDist(mu, sigma)
    f_lo, f_hi = nd.cdf(math.log(lo - 0.5)), nd.cdf(math.log(hi + 0.5))
    assume(f_hi - f_lo > 0.05)  # resampling needs real mass inside the bounds
    x = d.truncated_lognormal_counts(np.random.default_rng(seed), mu, sigma, lo, hi, 20_000)
    assert x.min() >= lo
    assert x.max() <= hi
    # the median of the truncated law: invert the CDF at the middle of [F(lo), F(hi)]
    want = math.exp(nd.inv_cdf((f_lo + f_hi) / 2))
    got = float(np.median(x))
    assert abs(got - want) <= max(1.0, 0.06 * want)


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, p=st.floats(0.05, 0.95), lo=st.integers(3, 10), width=st.integers(0, 40))
def test_truncated_geometric_shape(seed: int, p: float, lo: int, width: int) -> None:
    hi = lo + width
    x = d.truncated_geometric(np.random.default_rng(seed), p, lo, hi, 50_000)
    assert x.min() >= lo
    assert x.max() <= hi
    # P(X = lo) of a geometric truncated to n values is p / (1 - q^n)
    n = hi - lo + 1
    want = p / (1 - (1 - p) ** n)
    assert abs(float((x == lo).mean()) - want) < 5 * math.sqrt(max(want * (1 - want), 0) / 50_000) + 1e-3


@settings(max_examples=20, deadline=None)
@given(seed=SEEDS, alpha=st.floats(1.5, 3.5))
def test_power_law_pmf_ratio(seed: int, alpha: float) -> None:
    x = d.discrete_power_law(np.random.default_rng(seed), alpha, 21, 256, 200_000)
    assert x.min() >= 21
    assert x.max() <= 256
    p21, p22 = float((x == 21).mean()), float((x == 22).mean())
    assert abs(p21 / p22 - (22 / 21) ** alpha) < 0.12 * (22 / 21) ** alpha


@settings(max_examples=30, deadline=None)
@given(seed=SEEDS, cv=st.floats(1.0, 4.0))
def test_bursty_gaps_coefficient_of_variation(seed: int, cv: float) -> None:
    g = d.bursty_gaps(np.random.default_rng(seed), cv, 400_000)
    assert (g >= 0).all()
    assert abs(g.std() / g.mean() / cv - 1) < 0.06


@given(counts=st.lists(st.integers(0, 30), min_size=1, max_size=40), seed=SEEDS)
def test_strictly_increasing_per_group_and_minimal(counts: list[int], seed: int) -> None:
    c = np.array(counts)
    rng = np.random.default_rng(seed)
    t = rng.integers(0, 50, int(c.sum()))
    out = d.strictly_increasing(t, c)
    assert (out >= t).all()
    pos = d.segment_positions(c)
    same = (pos[1:] > 0)
    assert (np.diff(out)[same] > 0).all()
    # already increasing input is left alone
    inc = d.segment_positions(c) * 3 + 7
    assert (d.strictly_increasing(inc, c) == inc).all()


@given(shares=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=8),
       total=st.integers(0, 10_000))
def test_shares_to_counts_sums_exactly(shares: list[float], total: int) -> None:
    s = np.array(shares)
    if s.sum() == 0:
        return
    out = d.shares_to_counts(s, total)
    assert out.sum() == total
    assert (out >= 0).all()
    assert (np.abs(out - s / s.sum() * total) < 1.0 + 1e-9).all()


@given(weights=st.lists(st.floats(0.01, 100), min_size=1, max_size=30), seed=SEEDS,
       cap=st.integers(1, 500))
def test_allocate_respects_caps_and_total(weights: list[float], seed: int, cap: int) -> None:
    w = np.array(weights)
    caps = np.full(len(w), cap, dtype=np.int64)
    total = int(np.random.default_rng(seed).integers(0, cap * len(w) + 1))
    out = allocate(total, w, caps)
    assert out.sum() == total
    assert (out <= caps).all()
    assert (out >= 0).all()
