"""Whole-distribution distances on categorical mixes and CDFs: invariants, brute-force
agreement, and agreement of the spec-side predictions with simulated samples."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from synthgen.fidelity.distances import ks_critical, ks_discrete, mix_tv, total_variation
from synthgen.predict import (
    attachments_per_message_mean,
    latency_cdf,
    latency_cdf_in_window,
    lognormal_rounded_cdf,
    message_type_shares,
)
from synthgen.spec_model import AttachmentCount, Latency, LogNormalClipped, MediaSpec, Spec

counts = st.dictionaries(st.sampled_from("ABCDEF"), st.integers(0, 1000), min_size=1)
lognormals = st.builds(lambda mu, s, lo, span: LogNormalClipped(mu, s, lo, lo + span),
                       st.floats(1.0, 5.0), st.floats(0.2, 2.0), st.integers(1, 5),
                       st.integers(5, 500))


def _rounded_sample(d: LogNormalClipped, n: int, seed: int) -> np.ndarray:
    """The generator's content-length draw: clip(rint(lognormal))."""
    r = np.random.default_rng(seed)
    return np.clip(np.rint(r.lognormal(d.mu, d.sigma, n)), d.min, d.max).astype(np.int64)


def _ks_of(sample: np.ndarray, d: LogNormalClipped) -> float:
    values, n_each = np.unique(sample, return_counts=True)
    return ks_discrete([int(v) for v in values], [int(c) for c in n_each],
                       lambda k: lognormal_rounded_cdf(d, k))[0]


@given(counts, counts)
def test_mix_tv_is_total_variation_over_the_union_of_categories(
        a: dict[str, int], b: dict[str, int]) -> None:
    total = sum(b.values())
    if total == 0 or sum(a.values()) == 0:
        return
    want = {k: v / total for k, v in b.items()}
    tv, n = mix_tv(a, want)
    keys = sorted(set(a) | set(b))
    assert n == sum(a.values())
    assert 0.0 <= tv <= 1.0 + 1e-12
    assert math.isclose(tv, total_variation([a.get(k, 0) / n for k in keys],
                                            [want.get(k, 0.0) for k in keys]), abs_tol=1e-12)
    assert mix_tv(b, want)[0] < 1e-12


def test_mix_tv_of_nothing_is_infinite() -> None:
    assert mix_tv({}, {"A": 1.0}) == (math.inf, 0)


@settings(max_examples=60, deadline=None)
@given(lognormals, st.integers(1, 400), st.integers(0, 2**32 - 1))
def test_ks_discrete_equals_brute_force_sup_over_every_integer(
        d: LogNormalClipped, n: int, seed: int) -> None:
    sample = _rounded_sample(d, n, seed)
    brute = max(abs(float(np.mean(sample <= k)) - lognormal_rounded_cdf(d, k))
                for k in range(int(d.min) - 1, int(d.max) + 2))
    assert math.isclose(_ks_of(sample, d), brute, abs_tol=1e-12)


@settings(max_examples=20, deadline=None)
@given(lognormals, st.integers(0, 2**32 - 1))
def test_rounded_lognormal_cdf_matches_the_generators_draw(d: LogNormalClipped,
                                                           seed: int) -> None:
    n = 20_000
    assert _ks_of(_rounded_sample(d, n, seed), d) <= ks_critical(n, 1e-6)


def test_ks_critical_is_conservative_for_the_discrete_content_length() -> None:
    """At alpha = 0.05, at most ~5% of correct samples exceed it (fewer: the CDF is discrete)."""
    d = Spec().content.length
    n = 2_000
    hits = sum(_ks_of(_rounded_sample(d, n, seed), d) > ks_critical(n, 0.05)
               for seed in range(400))
    assert hits <= 0.05 * 400 + 2 * math.sqrt(400 * 0.05 * 0.95)


@given(st.integers(1, 10**9), st.floats(1e-9, 0.5))
def test_ks_critical_falls_as_n_and_alpha_grow(n: int, alpha: float) -> None:
    assert ks_critical(4 * n, alpha) < ks_critical(n, alpha)
    assert ks_critical(n, min(2 * alpha, 0.99)) < ks_critical(n, alpha)
    assert ks_critical(0, alpha) == math.inf


@settings(max_examples=10, deadline=None)
@given(st.floats(0.5, 60.0), st.integers(0, 2**32 - 1))
def test_latency_cdf_in_window_matches_censored_simulation(days: float, seed: int) -> None:
    """Sends uniform over the window, the spec's mixture, reads after the end dropped."""
    lat, window_s, n = Latency(), days * 86_400, 200_000
    r = np.random.default_rng(seed)
    shares = np.array([lat.immediate.share, lat.near_term.share, lat.delayed.share])
    kind = r.choice(3, n, p=shares / shares.sum())
    latency = np.select([kind == 0, kind == 1],
                        [r.random(n) * lat.immediate.max_seconds,
                         r.exponential(lat.near_term.mean_minutes * 60, n)],
                        r.lognormal(lat.delayed.mu, lat.delayed.sigma, n) * 60)
    kept = latency[r.random(n) * window_s + latency < window_s]
    grid = [1.0, 30.0, 600.0, 3_600.0, 21_600.0, 86_400.0, 604_800.0]
    want = latency_cdf_in_window(lat, grid, window_s)
    ks = max(abs(float(np.mean(kept < x)) - f) for x, f in zip(grid, want, strict=True))
    assert ks <= ks_critical(len(kept), 1e-6)
    assert want == sorted(want)
    assert 0.0 <= want[0]
    assert want[-1] <= 1.0


def test_latency_cdf_in_window_tends_to_the_uncut_mixture() -> None:
    lat = Latency()
    for x, f in zip([10.0, 3_600.0], latency_cdf_in_window(lat, [10.0, 3_600.0], 1e13),
                    strict=True):
        assert abs(f - latency_cdf(lat, x)) < 1e-3


@given(st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.integers(2, 9))
def test_message_type_shares_sum_to_one_and_attachments_mean_matches_draws(
        none: float, one_part: float, several_max: int) -> None:
    one = (1 - none) * one_part
    apm = AttachmentCount(none=none, one=one, several=1 - none - one, several_max=several_max)
    spec = Spec(media=MediaSpec(attachments_per_message=apm))
    shares = message_type_shares(spec)
    assert math.isclose(sum(shares.values()), 1.0, abs_tol=1e-9)
    assert math.isclose(shares["TEXT"], none, abs_tol=1e-9)
    exact = one + sum(k for k in range(2, several_max + 1)) / (several_max - 1) * apm.several
    assert math.isclose(attachments_per_message_mean(spec), exact, abs_tol=1e-9)


def _size_grid(kb: np.ndarray, d: LogNormalClipped, g: int) -> dict[str, object]:
    """What the validator's grouped pass counts: sizes stored as rounded bytes, bucketed on
    log-spaced sizes between min and max (the same formula as the SQL)."""
    size = np.rint(kb * 1024) / 1024
    b = np.clip(np.floor(g * np.log(size / d.min) / math.log(d.max / d.min)), 0, g).astype(int)
    per = np.bincount(b, minlength=g + 1)
    return {"edges_kb": [d.min * (d.max / d.min) ** (j / g) for j in range(1, g + 1)],
            "below": np.cumsum(per)[:-1].tolist(), "n": int(per.sum())}


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(1.5, 3.0))
def test_attachment_size_ks_passes_the_generators_draw_and_fails_a_scaled_one(
        seed: int, factor: float) -> None:
    from synthgen.bands import load_band
    from synthgen.fidelity.distances import attachment_size_checks
    from synthgen.fidelity.distributions import SIZE_GRID

    spec, band = Spec(), load_band("ci")
    r = np.random.default_rng(seed)
    good, scaled = {}, {}
    for kind in ("image", "video", "document", "audio"):
        d = getattr(spec.media.size_kb, kind)
        kb = np.clip(r.lognormal(d.mu, d.sigma, 20_000), d.min, d.max)
        good[kind.upper()] = _size_grid(kb, d, SIZE_GRID)
        scaled[kind.upper()] = _size_grid(np.minimum(kb * factor, d.max), d, SIZE_GRID)
    ok = attachment_size_checks(good, spec, band, 1.0)
    assert [c.name for c in ok] == [f"distance.attachment_size_ks.{k}"
                                    for k in ("image", "video", "document", "audio")]
    assert all(c.achieved is not None and c.achieved <= ks_critical(20_000, 1e-6) for c in ok)
    assert all(c.severity == "ok" for c in ok)
    bad = attachment_size_checks(scaled, spec, band, 1.0)
    assert all(c.severity == "critical" for c in bad), [(c.name, c.achieved, c.band) for c in bad]


def test_attachment_size_ks_grid_is_within_its_stated_resolution_of_the_full_sup() -> None:
    from synthgen.fidelity.distributions import SIZE_GRID
    from synthgen.predict import lognormal_clipped_cdf

    spec = Spec()
    for kind in ("image", "video", "document", "audio"):
        d = getattr(spec.media.size_kb, kind)
        kb = np.sort(np.clip(np.random.default_rng(7).lognormal(d.mu + 0.3, d.sigma, 5_000),
                             d.min, d.max))
        g = _size_grid(kb, d, SIZE_GRID)
        on_grid = max(abs(b / g["n"] - lognormal_clipped_cdf(d, e))  # type: ignore[operator]
                      for e, b in zip(g["edges_kb"], g["below"], strict=True))  # type: ignore[call-overload]
        values, counts = np.unique(kb, return_counts=True)  # the clips are ties
        after = np.cumsum(counts) / len(kb)
        full = max(max(abs(a - lognormal_clipped_cdf(d, x * (1 + 1e-12))),
                       abs(a - c / len(kb) - lognormal_clipped_cdf(d, x)))
                   for x, c, a in zip(values, counts, after, strict=True))
        assert on_grid <= full + 1e-9
        assert full - on_grid <= 0.007 + 1e-3, (kind, full, on_grid)
