"""From raw aggregates to publishable ones: k-suppression, coarsening, optional DP noise.

The rules (documented in the README, applied to every measurement):

- **Cells.** A histogram or mix cell counted over 1..k-1 distinct entities (users or
  conversations) is suppressed (``null``). If any cell is suppressed, the smallest non-zero
  cell that was not suppressed is suppressed too: the published total then only reveals the
  sum of a group that includes a cell of at least k entities, so no small cell can be derived
  by subtraction. If no such cell exists, the whole histogram (and its total) is withheld.
  When another metric publishes the totals of groups of cells (the size classes over the
  member-count histogram, the heavy-room count over the message-count histogram), the rule
  is applied inside each group.
- **Quantiles.** Quantile p over n entities is published only when min(p, 1-p) * n >= k
  (a p99 needs 100 k entities), rounded to 2 significant digits; a maximum is never measured.
- **Scalars** (rates, ratios, Gini, means) need at least k entities behind them (or none at
  all: "no heavy rooms" is a publishable 0) and are rounded to 3 significant digits;
  population totals are rounded to 2.
- **Epsilon.** With ``epsilon``, only the user-level releases of ``sample.bounded`` are
  measured (each user's contribution bounded in SQL); every cell of their count and
  distinct-entity vectors gets OpenDP discrete Laplace noise scaled to the release's derived
  sensitivity (the budget split evenly, half per vector), and the total is OpenDP's
  composition. Everything else is post-processed from the noisy histograms or withheld.
  The unit of privacy is one user and everything they did in the window.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from synthgen.errors import EnvironmentProblem, InputError
from synthgen.sample import UNIT
from synthgen.sample.bounded import Release
from synthgen.sample.queries import Cat, Hist, Measure, Quant, Raw, RawCounts, RawQuantiles, RawScalar


def sig(x: float, digits: int) -> float:
    """Round to significant digits.

    >>> sig(4327.0, 2)
    4300.0
    >>> sig(0.012345, 3)
    0.0123
    """
    if x == 0 or not math.isfinite(x):
        return 0.0 if x == 0 else x
    return float(f"{x:.{digits}g}")


def suppress(counts: Sequence[int], entities: Sequence[int], k: int) -> list[bool]:
    """Which cells to hide: small ones, plus the complementary cell that protects them.

    >>> suppress([50, 3, 40], [20, 2, 15], k=10)
    [False, True, True]
    >>> suppress([50, 0, 40], [20, 0, 15], k=10)
    [False, False, False]
    >>> suppress([5, 0, 0], [4, 0, 0], k=10)
    [True, True, True]
    """
    hidden = [0 < e < k for e in entities]
    if not any(hidden):
        return hidden
    free = [i for i, c in enumerate(counts) if c > 0 and not hidden[i]]
    if not free:
        return [True] * len(counts)
    hidden[min(free, key=lambda i: (counts[i], i))] = True
    return hidden


def suppress_grouped(counts: Sequence[int], entities: Sequence[int], k: int,
                     groups: Sequence[int] = ()) -> list[bool]:
    """``suppress`` inside each group (group totals are published elsewhere).

    >>> suppress_grouped([50, 3, 40, 30, 20], [20, 2, 15, 12, 11], 10, groups=[0, 0, 0, 1, 1])
    [False, True, True, False, False]
    """
    if not groups:
        return suppress(counts, entities, k)
    hidden = [False] * len(counts)
    for g in set(groups):
        cells = [i for i, gi in enumerate(groups) if gi == g]
        for i, h in zip(cells, suppress([counts[i] for i in cells], [entities[i] for i in cells], k),
                        strict=True):
            hidden[i] = h
    return hidden


def publish_counts(counts: Sequence[int], entities: Sequence[int], k: int,
                   groups: Sequence[int] = ()) -> dict[str, Any]:
    """Counts, shares and total with the suppression rule applied."""
    hidden = suppress_grouped(counts, entities, k, groups)
    if all(hidden) and any(c > 0 for c in counts):
        return {"counts": [None] * len(counts), "shares": [None] * len(counts), "total": None,
                "suppressed": len(counts)}
    total = int(sum(counts))
    return {"counts": [None if h else int(c) for c, h in zip(counts, hidden, strict=True)],
            "shares": [None if h or total == 0 else round(c / total, 4)
                       for c, h in zip(counts, hidden, strict=True)],
            "total": total, "suppressed": int(sum(hidden))}


def publish_quantiles(probs: Sequence[float], raw: RawQuantiles, k: int) -> dict[str, Any]:
    """Quantiles with enough entities on both sides, 2 significant digits; the mean, 3."""
    n = raw.entities
    values = [None if v is None or min(p, 1 - p) * n < k else sig(v, 2)
              for p, v in zip(probs, raw.values, strict=True)]
    mean = None if raw.mean is None or n < k else sig(raw.mean, 3)
    return {"probs": list(probs), "values": values, "mean": mean}


def publish_scalar(name: str, raw: RawScalar, k: int) -> float | None:
    """A scalar with no entities or at least k behind it, coarsened."""
    if raw.value is None or 0 < raw.entities < k or not math.isfinite(raw.value):
        return None
    return sig(raw.value, 2 if name.startswith("population.") else 3)


def interpolate_quantiles(edges: Sequence[float], counts: Sequence[float],
                          probs: Sequence[float]) -> list[float | None]:
    """Quantiles of a histogram, linear inside a bucket (the open last bucket: its lower edge).

    >>> interpolate_quantiles([0, 10, 20], [50, 50, 0], [0.25, 0.5, 0.75])
    [5.0, 10.0, 15.0]
    """
    total = float(sum(counts))
    if total <= 0:
        return [None] * len(probs)
    out: list[float | None] = []
    for p in probs:
        target, acc = p * total, 0.0
        value: float | None = float(edges[-1])
        for i, c in enumerate(counts):
            if c > 0 and acc + c >= target:
                lo = float(edges[i])
                hi = float(edges[i + 1]) if i + 1 < len(edges) else lo
                value = lo + (hi - lo) * (target - acc) / c
                break
            acc += c
        out.append(value)
    return out


@dataclass(frozen=True, slots=True)
class Noised:
    """The noisy releases, the per-release ledger and the composed epsilon (from OpenDP)."""

    counts: dict[str, RawCounts]
    """Noisy count and entity vectors, each cell clipped at 0."""
    totals: dict[str, int]
    """Sum of each release's noisy counts before clipping: an unbiased total."""
    ledger: list[dict[str, Any]]
    epsilon_total: float
    requested: float


def _loss(measurement: Any) -> float:
    """OpenDP's privacy map at one user added or removed."""
    return float(measurement.map(1))


def check_epsilon(epsilon: float) -> None:
    if not (epsilon > 0 and math.isfinite(epsilon)):
        raise InputError(f"--epsilon must be a positive number, got {epsilon}")


def add_noise(releases: Sequence[Release], raw: dict[str, RawCounts], epsilon: float) -> Noised:
    """Discrete Laplace on every cell of every release's count and entity vectors.

    Each vector is an OpenDP measurement on the dataset of users (symmetric distance: one
    user added or removed) whose first step is the bounded SQL, declared with its derived,
    property-tested sensitivity; the total is OpenDP's composition of them all at d_in = 1.
    """
    check_epsilon(epsilon)
    try:
        import opendp.prelude as dp
    except ImportError:
        raise EnvironmentProblem("--epsilon needs the 'opendp' package "
                                 "(pip install opendp)") from None
    # honest-but-curious: the SQL ran inside PostgreSQL, so the transformation's function
    # returns its result; its stability map is the sensitivity derived in sample.bounded
    dp.enable_features("contrib", "honest-but-curious")
    users = dp.vector_domain(dp.atom_domain(T=str)), dp.symmetric_distance()
    vec = dp.vector_domain(dp.atom_domain(T="i64")), dp.l1_distance(T="i64")
    eps_each = epsilon / (2 * len(releases))
    measurements, ledger = [], []
    for r in releases:
        scale = r.sensitivity / eps_each
        got = raw[r.measure.name]
        pair = []
        for values in (got.counts, got.entities):
            step = dp.t.make_user_transformation(
                *users, *vec, lambda _u, v=[int(x) for x in values]: v,
                lambda d_in, s=r.sensitivity: d_in * s)
            pair.append(step >> dp.m.make_laplace(*vec, scale=scale))
        measurements.extend(pair)
        ledger.append({"release": r.measure.name, "unit": UNIT, "bound": r.bound,
                       "sensitivity": r.sensitivity, "derivation": r.derivation,
                       "scale": round(scale, 6),
                       "epsilon": round(sum(_loss(m) for m in pair), 9),
                       "vectors": "counts and distinct entities, each at half the share"})
    composed = dp.c.make_composition(measurements)
    out = composed([])
    noisy = {r.measure.name: RawCounts([max(0, int(v)) for v in out[2 * i]],
                                       [max(0, int(v)) for v in out[2 * i + 1]], 0)
             for i, r in enumerate(releases)}
    totals = {r.measure.name: int(sum(out[2 * i])) for i, r in enumerate(releases)}
    return Noised(noisy, totals, ledger, _loss(composed), float(epsilon))


def publish_one(m: Measure, raw: Raw, k: int) -> Any:
    """Publish one measurement without noise."""
    if isinstance(m, Hist | Cat):
        assert isinstance(raw, RawCounts)
        key = "edges" if isinstance(m, Hist) else "labels"
        axis: list[Any] = list(m.edges) if isinstance(m, Hist) else list(m.labels)
        return {key: axis, **publish_counts(raw.counts, raw.entities, k, m.groups)}
    if isinstance(m, Quant):
        assert isinstance(raw, RawQuantiles)
        return publish_quantiles(m.probs, raw, k)
    assert isinstance(raw, RawScalar)
    return publish_scalar(m.name, raw, k)
