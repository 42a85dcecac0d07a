"""What the spec predicts (synthgen.predict): simulation checks and invariants."""

from __future__ import annotations

import dataclasses
import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import synthgen.predict as predict
from synthgen.metrics import CONTENT_LENGTH_EDGES
from synthgen.predict import (
    ATTACHMENT_KINDS,
    latency_cdf,
    latency_component_cdfs,
    lognormal_clipped_cdf,
    lognormal_clipped_mean,
    lognormal_clipped_median,
    lognormal_clipped_shares,
    normal_cdf,
)
from synthgen.schema import ENUMS
from synthgen.spec import load_spec
from synthgen.spec_model import Delayed, Immediate, Latency, LogNormalClipped, NearTerm, SizeKb, TypeMix

RNG = np.random.default_rng(1)


def test_doctests() -> None:
    assert doctest.testmod(predict).failed == 0


@pytest.mark.parametrize("d", [
    LogNormalClipped(4.5, 1.2, 1, 5000), LogNormalClipped(8.0, 1.5, 500, 50000),
    LogNormalClipped(5.0, 1.0, 10, 5000), LogNormalClipped(2.0, 2.5, 5, 30),
    LogNormalClipped(9.0, 0.5, 10, 100),  # median clipped at the top
])
def test_clipped_lognormal_moments_match_simulation(d: LogNormalClipped) -> None:
    x = np.clip(np.exp(RNG.normal(d.mu, d.sigma, 400_000)), d.min, d.max)
    assert lognormal_clipped_mean(d) == pytest.approx(x.mean(), rel=0.02)
    assert lognormal_clipped_median(d) == pytest.approx(np.median(x), rel=0.02)
    edges = CONTENT_LENGTH_EDGES
    observed = np.histogram(x, bins=edges)[0] / x.size
    assert lognormal_clipped_shares(d, edges) == pytest.approx(observed, abs=0.005)


def test_latency_mixture_matches_simulation() -> None:
    lat = load_spec().reads.latency
    shares = np.array([lat.immediate.share, lat.near_term.share, lat.delayed.share])
    n = 400_000
    which = RNG.choice(3, n, p=shares / shares.sum())
    x = np.select([which == 0, which == 1], [
        RNG.uniform(0, lat.immediate.max_seconds, n),
        RNG.exponential(lat.near_term.mean_minutes * 60, n)],
        np.exp(RNG.normal(lat.delayed.mu, lat.delayed.sigma, n)) * 60)
    for edge in (30, 3600, 21600):
        assert latency_cdf(lat, edge) == pytest.approx((x < edge).mean(), abs=0.005)


def test_attachment_kinds_name_the_spec_fields_and_enum_values() -> None:
    fields = tuple(f.name for f in dataclasses.fields(TypeMix))
    assert ATTACHMENT_KINDS == fields == tuple(f.name for f in dataclasses.fields(SizeKb))
    assert {predict.attachment_type(k) for k in ATTACHMENT_KINDS} < set(ENUMS["AttachmentType"])


finite = st.floats(-50, 50, allow_nan=False)
positive = st.floats(1e-3, 1e6, allow_nan=False)


@st.composite
def lognormals(draw: st.DrawFn) -> LogNormalClipped:
    lo = draw(st.floats(0, 1e4, allow_nan=False))
    hi = draw(st.floats(max(lo, 1e-3), 1e5, allow_nan=False))
    return LogNormalClipped(draw(st.floats(-5, 12)), draw(st.floats(0.05, 4)), lo, hi)


@st.composite
def latencies(draw: st.DrawFn) -> Latency:
    share = st.floats(0, 1)
    shares = [draw(share) for _ in range(3)]
    if sum(shares) <= 0:
        shares[0] = 1.0
    return Latency(Immediate(shares[0], draw(st.floats(0.1, 600))),
                   NearTerm(shares[1], draw(st.floats(0.1, 1_000))),
                   Delayed(shares[2], draw(st.floats(-2, 12)), draw(st.floats(0.05, 4))))


@given(finite, finite)
def test_normal_cdf_is_a_monotone_probability(a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert 0.0 <= normal_cdf(lo) <= normal_cdf(hi) <= 1.0


@given(lognormals(), positive, positive)
def test_clipped_cdf_is_monotone_and_zero_below_the_clip(d: LogNormalClipped, a: float,
                                                        b: float) -> None:
    lo, hi = sorted((a, b))
    assert 0.0 <= lognormal_clipped_cdf(d, lo) <= lognormal_clipped_cdf(d, hi) <= 1.0
    assert lognormal_clipped_cdf(d, d.min) == 0.0
    assert lognormal_clipped_cdf(d, d.max * 2 + 1) == 1.0


@given(lognormals())
def test_clipped_median_and_mean_lie_in_the_clip_range(d: LogNormalClipped) -> None:
    assert d.min <= lognormal_clipped_median(d) <= d.max
    mean = lognormal_clipped_mean(d)
    assert d.min * (1 - 1e-9) <= mean <= d.max * (1 + 1e-9)


@given(lognormals())
def test_shares_over_edges_covering_the_clip_range_sum_to_1(d: LogNormalClipped) -> None:
    edges = (0.0, d.min / 2 + d.max / 2, d.max * 2 + 1)
    shares = lognormal_clipped_shares(d, edges)
    assert all(s >= 0 for s in shares)
    assert sum(shares) == pytest.approx(1.0)


@settings(max_examples=200)
@given(latencies(), st.floats(-1e3, 1e8), st.floats(-1e3, 1e8))
def test_latency_cdf_is_a_monotone_probability(lat: Latency, a: float, b: float) -> None:
    lo, hi = sorted((a, b))
    assert 0.0 <= latency_cdf(lat, lo) <= latency_cdf(lat, hi) <= 1.0 + 1e-12
    assert latency_cdf(lat, 0) == 0.0
    assert latency_cdf(lat, math.inf) == pytest.approx(1.0)


@given(latencies())
def test_latency_cdf_at_the_immediate_bound_covers_the_immediate_share(lat: Latency) -> None:
    total = lat.immediate.share + lat.near_term.share + lat.delayed.share
    assert latency_cdf(lat, lat.immediate.max_seconds) >= lat.immediate.share / total - 1e-12
    assert all(c == 1.0 for c in latency_component_cdfs(lat, math.inf))
