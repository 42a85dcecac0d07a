"""The samplers: heavy-tailed counts, clipped log-normals, group sizes, bursty gaps, time warp.

Every function takes an explicit Generator and is vectorised over its output size.
"""

from __future__ import annotations

import math

import numpy as np

from synthgen.predict import Z95


def lognormal_from_median_p95(median: float, p95: float) -> tuple[float, float]:
    """(mu, sigma) of the log-normal with this median and 95th percentile.

    >>> mu, sigma = lognormal_from_median_p95(15, 500)
    >>> round(math.exp(mu), 6), round(sigma, 3)
    (15.0, 2.132)
    """
    return math.log(median), math.log(p95 / median) / Z95


def clipped_lognormal(rng: np.random.Generator, mu: float, sigma: float, lo: float, hi: float,
                      size: int) -> np.ndarray:
    """exp(Normal(mu, sigma)) clipped to [lo, hi]."""
    return np.clip(rng.lognormal(mu, sigma, size), lo, hi)


def truncated_lognormal_counts(rng: np.random.Generator, mu: float, sigma: float, lo: int,
                               hi: int, size: int) -> np.ndarray:
    """Integer counts round(LogNormal) restricted to [lo, hi] by resampling (not clipping).

    Resampling keeps the body's shape (no spike at the bound).
    """
    out = np.rint(rng.lognormal(mu, sigma, size)).astype(np.int64)
    bad = (out < lo) | (out > hi)
    while bad.any():  # each round redraws only the rejected draws; terminates fast
        out[bad] = np.rint(rng.lognormal(mu, sigma, int(bad.sum()))).astype(np.int64)
        bad = (out < lo) | (out > hi)
    return out


def truncated_geometric(rng: np.random.Generator, p: float, lo: int, hi: int,
                        size: int) -> np.ndarray:
    """lo + Geometric(p) - 1, truncated to [lo, hi] by inverse CDF."""
    n = hi - lo + 1
    if p >= 1.0:
        return np.full(size, lo, dtype=np.int64)
    q = 1.0 - p
    u = rng.random(size)
    k = np.floor(np.log1p(-u * (1.0 - q**n)) / math.log(q)).astype(np.int64)
    return lo + np.minimum(k, n - 1)


def discrete_power_law(rng: np.random.Generator, alpha: float, lo: int, hi: int,
                       size: int) -> np.ndarray:
    """P(k) proportional to k^-alpha on the integers [lo, hi]."""
    support = np.arange(lo, hi + 1)
    w = support.astype(np.float64) ** -alpha
    return rng.choice(support, size=size, p=w / w.sum())


def shares_to_counts(shares: np.ndarray, total: int) -> np.ndarray:
    """Largest-remainder rounding of shares to integer counts summing to total.

    >>> shares_to_counts(np.array([0.7, 0.25, 0.05]), 10).tolist()
    [7, 3, 0]
    """
    w = np.asarray(shares, dtype=np.float64)
    s = float(w.sum())
    if not s > 0:
        raise ValueError("shares must have a positive sum")
    raw = (w / s) * total
    base = np.floor(raw).astype(np.int64)
    rest = total - int(base.sum())
    if rest > 0:  # at most len(shares) in exact arithmetic; spread evenly if rounding says more
        base += rest // len(base)
        order = np.argsort(-(raw - np.floor(raw)), kind="stable")
        base[order[: rest % len(base)]] += 1
    return base


def hyperexponential_ratio(cv: float, burst_share: float = 0.9) -> float:
    """Mean of the long-gap exponential (burst gaps have mean 1) that gives this CV.

    A two-phase hyper-exponential: with probability ``burst_share`` a gap is Exp(1), else
    Exp(r). Solves CV(r) = cv for r >= 1 (cv = 1 gives r = 1, a Poisson stream).

    >>> round(hyperexponential_ratio(2.5), 2)
    12.74
    """
    pi = burst_share
    c2 = cv * cv
    # 2(pi + (1-pi) r^2) = (c2 + 1)(pi + (1-pi) r)^2, a quadratic in r
    a = 2 * (1 - pi) - (c2 + 1) * (1 - pi) ** 2
    b = -2 * (c2 + 1) * pi * (1 - pi)
    c = 2 * pi - (c2 + 1) * pi * pi
    if abs(a) < 1e-12:
        return max(1.0, -c / b)
    disc = max(b * b - 4 * a * c, 0.0)
    roots = [(-b + s * math.sqrt(disc)) / (2 * a) for s in (1, -1)]
    return max(r for r in roots if r > 0) if any(r > 0 for r in roots) else 1.0


def bursty_gaps(rng: np.random.Generator, cv: float, size: int,
                burst_share: float = 0.9) -> np.ndarray:
    """Inter-arrival gaps (arbitrary unit) with the given coefficient of variation."""
    r = hyperexponential_ratio(cv, burst_share)
    scale = np.where(rng.random(size) < burst_share, 1.0, r)
    out: np.ndarray = rng.exponential(1.0, size) * scale
    return out


def segment_ids(counts: np.ndarray) -> np.ndarray:
    """For group sizes [2, 3] returns [0, 0, 1, 1, 1]."""
    out: np.ndarray = np.repeat(np.arange(len(counts)), counts)
    return out


def segment_starts(counts: np.ndarray) -> np.ndarray:
    """Start offset of each group in the flattened array."""
    starts = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=starts[1:])
    return starts


def segment_positions(counts: np.ndarray) -> np.ndarray:
    """Position of each element inside its group: [2, 3] -> [0, 1, 0, 1, 2]."""
    total = int(np.sum(counts))
    out: np.ndarray = np.arange(total) - np.repeat(segment_starts(counts), counts)
    return out


def segment_cumsum(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Cumulative sum restarting at each group."""
    c = np.cumsum(values)
    starts = segment_starts(counts)
    before = np.where(starts > 0, c[np.maximum(starts - 1, 0)], 0.0)
    out: np.ndarray = c - np.repeat(before, counts)
    return out


def strictly_increasing(times_ms: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Smallest change making integer times strictly increase inside each group.

    t'_i = i + cummax(t_i - i) within the group; groups never interact because each group
    is lifted by a multiple of a bound larger than any value.
    """
    pos = segment_positions(counts)
    seg = segment_ids(counts).astype(np.int64)
    shifted = times_ms.astype(np.int64) - pos
    lo = int(shifted.min()) if len(shifted) else 0
    span = (int(shifted.max()) - lo + 1) if len(shifted) else 1
    lifted = (shifted - lo) + seg * span
    out: np.ndarray = np.maximum.accumulate(lifted) - seg * span + lo + pos
    return out
