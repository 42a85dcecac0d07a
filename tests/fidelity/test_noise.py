"""Distances and sampling allowances: invariants, and agreement with simulated samples."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from synthgen.fidelity.distances import total_variation, tv_noise
from synthgen.fidelity.noise import (
    binomial_sd,
    count_ratio_sd,
    extreme_shift,
    lognormal_median_sd,
)
from synthgen.predict import lognormal_clipped_mean, lognormal_clipped_sd
from synthgen.spec_model import LogNormalClipped

weights = st.lists(st.floats(0.01, 10.0), min_size=2, max_size=30)


def norm(w: list[float]) -> list[float]:
    s = sum(w)
    return [x / s for x in w]


@given(weights, weights)
def test_tv_is_a_distance_in_unit_interval(a: list[float], b: list[float]) -> None:
    k = min(len(a), len(b))
    p, q = norm(a[:k]), norm(b[:k])
    d = total_variation(p, q)
    assert 0.0 <= d <= 1.0 + 1e-12
    assert d == total_variation(q, p)
    assert total_variation(p, p) == 0.0


@settings(max_examples=25, deadline=None)
@given(weights, st.integers(500, 20_000), st.integers(0, 2**32 - 1))
def test_tv_noise_matches_multinomial_samples(w: list[float], n: int, seed: int) -> None:
    p = np.array(norm(w))
    draws = np.random.default_rng(seed).multinomial(n, p, size=400) / n
    observed = 0.5 * np.abs(draws - p).sum(axis=1)
    mean, sd = tv_noise(list(p), n, 1.0)
    assert abs(observed.mean() - mean) < 0.15 * mean + 3 * observed.std() / math.sqrt(400)
    assert observed.std() <= 1.2 * sd + 1e-9


@given(weights, st.integers(10, 10**7), st.floats(1.0, 100.0))
def test_tv_noise_scales_with_n_and_fano(w: list[float], n: int, fano: float) -> None:
    p = norm(w)
    m1, s1 = tv_noise(p, n, 1.0)
    mf, sf = tv_noise(p, n, fano)
    m4, s4 = tv_noise(p, 4 * n, 1.0)
    assert math.isclose(mf, m1 * math.sqrt(fano), rel_tol=1e-9)
    assert math.isclose(m4, m1 / 2, rel_tol=1e-9)
    assert math.isclose(sf, s1 * math.sqrt(fano), rel_tol=1e-9)
    assert tv_noise(p, 0, fano) == (0.0, 0.0)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.02, 0.98), st.integers(200, 50_000), st.integers(0, 2**32 - 1))
def test_binomial_sd_matches_samples(p: float, n: int, seed: int) -> None:
    shares = np.random.default_rng(seed).binomial(n, p, size=2000) / n
    rel = shares.std() / p
    assert abs(rel - binomial_sd(p, n)) < 0.1 * binomial_sd(p, n)


@given(st.floats(0.01, 0.99), st.integers(1, 10**6))
def test_binomial_sd_shrinks_with_n(p: float, n: int) -> None:
    assert binomial_sd(p, 4 * n) == binomial_sd(p, n) / 2 or math.isclose(
        binomial_sd(p, 4 * n), binomial_sd(p, n) / 2, rel_tol=1e-9)


@settings(max_examples=15, deadline=None)
@given(st.floats(0.3, 2.0), st.integers(400, 20_000), st.integers(0, 2**32 - 1))
def test_lognormal_median_sd_matches_samples(sigma: float, n: int, seed: int) -> None:
    x = np.random.default_rng(seed).lognormal(3.0, sigma, size=(300, n))
    rel = np.median(x, axis=1).std() / math.exp(3.0)
    assert abs(rel - lognormal_median_sd(sigma, n)) < 0.2 * lognormal_median_sd(sigma, n)


@settings(max_examples=25, deadline=None)
@given(st.floats(200, 1e5), st.floats(200, 1e5), st.integers(0, 2**32 - 1))
def test_count_ratio_sd_matches_poisson_samples(a: float, b: float, seed: int) -> None:
    r = np.random.default_rng(seed)
    ratio = r.poisson(a, 4000) / r.poisson(b, 4000)
    rel = ratio.std() / (a / b)
    assert abs(rel - count_ratio_sd(a, b, 1.0)) < 0.12 * count_ratio_sd(a, b, 1.0)


@given(st.integers(2, 10_000))
def test_extreme_shift_grows_slowly(k: int) -> None:
    assert 0 < extreme_shift(k) < extreme_shift(k + 1) < math.sqrt(2 * math.log(k + 1)) + 1e-12


@settings(max_examples=20, deadline=None)
@given(st.floats(0.0, 6.0), st.floats(0.2, 1.5), st.integers(0, 2**32 - 1))
def test_clipped_lognormal_sd_matches_samples(mu: float, sigma: float, seed: int) -> None:
    d = LogNormalClipped(mu, sigma, math.exp(mu - 2 * sigma), math.exp(mu + 2 * sigma))
    x = np.clip(np.random.default_rng(seed).lognormal(mu, sigma, 400_000), d.min, d.max)
    assert math.isclose(x.mean(), lognormal_clipped_mean(d), rel_tol=0.01)
    assert math.isclose(x.std(), lognormal_clipped_sd(d), rel_tol=0.02)
