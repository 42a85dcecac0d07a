"""The arithmetic of gate 2: per-case ratios with rank intervals, weighted geometric means.

One sign convention everywhere: a **ratio** is post / pre, so below 1 is faster and above 1
is slower; a **change** is ratio − 1 (negative = faster, shown ``-35%``); an
**improvement** is 1 − ratio (only in the headline, positive = better).

A case's ratio and interval come from a rank test on the log samples: the Hodges–Lehmann
estimate (median of all n·m differences log post_j − log pre_i) and its distribution-free
95 % interval from the Mann–Whitney critical value (order statistics k and n·m + 1 − k of
those differences). With few runs a bootstrap of the median is erratic (one slow sample
decides it); the rank interval is not. The aggregate's interval is a seeded bootstrap of the
same estimate (samples resampled with replacement, the seed derived from the case name), so
the same two baselines always give the same numbers.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np

B = 2000
"""Bootstrap resamples per case."""
LEVEL = 0.95
"""Two-sided confidence level of the intervals."""
BAND = 0.10
"""A ratio within [1 − BAND, 1 + BAND] is no change."""


def _rng(key: str) -> np.random.Generator:
    return np.random.default_rng(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))


def _log(values: list[float]) -> np.ndarray:
    return np.log(np.maximum(np.asarray(values, dtype=np.float64), 1e-9))


def rank_k(n: int, m: int, level: float = LEVEL) -> int:
    """The order statistic (1-based) bounding the Hodges–Lehmann interval (normal approx).

    >>> rank_k(5, 5), rank_k(10, 10), rank_k(3, 3)
    (3, 24, 1)
    """
    z = {0.90: 1.6449, 0.95: 1.96, 0.99: 2.5758}[level]
    k = math.floor(n * m / 2 - z * math.sqrt(n * m * (n + m + 1) / 12))
    return max(1, k)


def hl_interval(pre: list[float], post: list[float], level: float = LEVEL
                ) -> tuple[float, float, float]:
    """(ratio, low, high): Hodges–Lehmann estimate of post/pre and its rank interval.

    >>> r, lo, hi = hl_interval([1.0, 1.1, 0.9, 1.0, 1.05], [0.5, 0.55, 0.45, 0.5, 0.52])
    >>> round(r, 3), lo < r < hi < 0.9
    (0.5, True)
    """
    d = np.sort((_log(post)[None, :] - _log(pre)[:, None]).ravel())
    k = rank_k(len(pre), len(post), level)
    return (math.exp(float(np.median(d))), math.exp(float(d[k - 1])),
            math.exp(float(d[len(d) - k])))


def bootstrap_log_ratio(pre: list[float], post: list[float], key: str,
                        b: int = B) -> np.ndarray:
    """``b`` bootstrap draws of the Hodges–Lehmann log ratio, seeded by ``key``."""
    a, c = _log(pre), _log(post)
    rng = _rng(key)
    ra = a[rng.integers(0, len(a), (b, len(a)))]
    rc = c[rng.integers(0, len(c), (b, len(c)))]
    diffs = (rc[:, None, :] - ra[:, :, None]).reshape(b, -1)
    return np.asarray(np.median(diffs, axis=1))


def interval(draws: np.ndarray, level: float = LEVEL) -> tuple[float, float]:
    """The percentile interval of log-ratio draws, as ratios."""
    lo, hi = np.percentile(draws, [50 * (1 - level), 100 - 50 * (1 - level)])
    return math.exp(float(lo)), math.exp(float(hi))


def classify(lo: float, hi: float, band: float = BAND) -> str:
    """improved / degraded / unchanged / inconclusive from a ratio interval.

    >>> classify(0.40, 0.60), classify(1.2, 1.5), classify(0.95, 1.08), classify(0.85, 1.02)
    ('improved', 'degraded', 'unchanged', 'inconclusive')
    """
    if hi < 1 - band:
        return "improved"
    if lo > 1 + band:
        return "degraded"
    if lo >= 1 - band and hi <= 1 + band:
        return "unchanged"
    return "inconclusive"


def weighted_geomean(per_query: dict[str, list[float]], weights: dict[str, float]
                     ) -> dict[str, Any]:
    """exp(Σ_q w_q · mean_q log r) over the queries with a weight, weights renormalised.

    ``per_query`` maps a query to its points' log ratios (each point already averaged over
    its cases). Returns the ratio, the normalised weights and each query's term, so the
    arithmetic can be printed.

    >>> r = weighted_geomean({"A": [math.log(0.5)], "B": [0.0]}, {"A": 1.0, "B": 1.0})
    >>> round(r["ratio"], 4), r["weights"]
    (0.7071, {'A': 0.5, 'B': 0.5})
    """
    used = {q: w for q, w in weights.items() if w > 0 and per_query.get(q)}
    total = sum(used.values())
    if total <= 0:
        return {"ratio": float("nan"), "weights": {}, "terms": {}}
    norm = {q: w / total for q, w in used.items()}
    terms = {q: float(np.mean(per_query[q])) for q in norm}
    log_g = sum(norm[q] * terms[q] for q in norm)
    return {"ratio": math.exp(log_g), "weights": {q: round(w, 6) for q, w in norm.items()},
            "terms": {q: round(t, 6) for q, t in terms.items()}}


def pct(change: float) -> str:
    """A change as signed percent: ``+12.3%`` slower, ``-40.0%`` faster.

    >>> pct(0.123), pct(-0.4)
    ('+12.3%', '-40.0%')
    """
    return f"{change * 100:+.1f}%"
