"""Assemble the export document: exact measurements k-suppressed, or user-level DP releases."""

from __future__ import annotations

import math
from typing import Any

from synthgen.sample import UNIT
from synthgen.sample.bounded import RELEASES
from synthgen.sample.measures import HOUR_OF_WEEK_EDGES
from synthgen.sample.privacy import (
    Noised,
    interpolate_quantiles,
    publish_one,
    publish_quantiles,
    sig,
)
from synthgen.sample.queries import Cat, Hist, Measure, Quant, Raw, RawCounts, RawQuantiles, Scalar
from synthgen.sample.sources import HEAVY_ROOM_MIN_MESSAGES

FORMAT = "synthgen.shape-metrics"
FORMAT_VERSION = 1

# Under DP, quantiles come from the noisy histogram of the same values (post-processing).
DP_QUANTILE_SOURCES: dict[str, str] = {
    "content_length.quantiles": "content_length.histogram",
    "read_latency.quantiles_s": "read_latency.histogram",
}
# Under DP, the one population total that is not biased by bounding: one row per user.
DP_POPULATION_SOURCES: dict[str, str] = {"population.users": "users.username_length"}

FALSE_CELL_RATE = 1e-5
"""Under DP a cell is shown only if its noisy distinct-entity count clears k plus the noise
level that an empty cell exceeds with this probability (post-processing, no extra ε): a
cell with no users behind it almost never shows, whatever the population size."""
NOISE_FLOOR_SCALES = math.log(1 / (2 * FALSE_CELL_RATE))
"""The floor above k in noise scales (~10.8): the Laplace tail P(noise >= t) ~ e^(-t/b) / 2."""


MIN_COVERAGE = 0.95
"""A value derived from a noisy histogram needs its shown cells to hold this share of the
noisy total: hidden cells would otherwise bend the quantiles and ratios read off it."""


def _covered(h: RawCounts, total: int) -> bool:
    return total > 0 and sum(h.counts) >= MIN_COVERAGE * total


def _dp_scalar(name: str, noisy: dict[str, RawCounts], totals: dict[str, int],
               k: int) -> float | None:
    if name in DP_POPULATION_SOURCES:  # the unclipped noisy total, hidden cells included
        total = totals[DP_POPULATION_SOURCES[name]]
        return sig(float(total), 2) if total >= k else None
    if name.startswith("time.") and _covered(noisy["activity.hour_of_week"],
                                             totals["activity.hour_of_week"]):
        grid = noisy["activity.hour_of_week"].counts
        assert len(grid) == len(HOUR_OF_WEEK_EDGES)
        if name == "time.hourly_peak_to_trough":
            hours = [sum(grid[d * 24 + h] for d in range(7)) for h in range(24)]
            return sig(max(hours) / min(hours), 3) if min(hours) > 0 else None
        days = [sum(grid[d * 24:(d + 1) * 24]) for d in range(7)]
        weekend = sum(days[5:]) / 2
        return sig(sum(days[:5]) / 5 / weekend, 3) if weekend > 0 else None
    return None


def publish_noisy(m: Hist | Cat, got: RawCounts, noisy_total: int, scale: float,
                  k: int) -> dict[str, Any]:
    """A noisy release: cells under the noise floor are null; shares are of the whole (the
    unclipped noisy total, hidden cells included), so shown shares stay unbiased."""
    floor = k + NOISE_FLOOR_SCALES * scale
    hidden = [e < floor for e in got.entities]
    shown = sum(0 if h else c for c, h in zip(got.counts, hidden, strict=True))
    total = max(noisy_total, shown)
    key = "edges" if isinstance(m, Hist) else "labels"
    axis: list[Any] = list(m.edges) if isinstance(m, Hist) else list(m.labels)
    if shown == 0:
        n = len(axis)
        return {key: axis, "counts": [None] * n, "shares": [None] * n, "total": None,
                "suppressed": n}
    return {key: axis,
            "counts": [None if h else c for c, h in zip(got.counts, hidden, strict=True)],
            "shares": [None if h else round(c / total, 4)
                       for c, h in zip(got.counts, hidden, strict=True)],
            "total": total, "suppressed": int(sum(hidden))}


def _withheld_value(m: Measure) -> Any:
    if isinstance(m, Hist | Cat):
        n = len(m.edges) if isinstance(m, Hist) else len(m.labels)
        return {("edges" if isinstance(m, Hist) else "labels"):
                list(m.edges) if isinstance(m, Hist) else list(m.labels),
                "counts": [None] * n, "shares": [None] * n, "total": None, "suppressed": n}
    if isinstance(m, Quant):
        return {"probs": list(m.probs), "values": [None] * len(m.probs), "mean": None}
    return None


def build_dp_metrics(measures: tuple[Measure, ...], noised: Noised, k: int) -> dict[str, Any]:
    """Every metric under DP: a noisy release, post-processed from them, or withheld."""
    releases = {r.measure.name: r for r in RELEASES}
    scales = {e["release"]: float(e["scale"]) for e in noised.ledger}
    out: dict[str, Any] = {}
    shown: dict[str, RawCounts] = {}
    for name, r in releases.items():
        out[name] = publish_noisy(r.measure, noised.counts[name], noised.totals[name],
                                  scales[name], k)
        cells = out[name]["counts"]
        shown[name] = RawCounts([c or 0 for c in cells], noised.counts[name].entities, 0)
    for m in measures:
        if m.name in out:
            continue
        src = DP_QUANTILE_SOURCES.get(m.name)
        if isinstance(m, Quant) and src is not None and _covered(shown[src],
                                                                 noised.totals[src]):
            h, hist = shown[src], releases[src].measure
            assert isinstance(hist, Hist)
            values = interpolate_quantiles(hist.edges, h.counts, m.probs)
            out[m.name] = publish_quantiles(
                m.probs, RawQuantiles(values, sum(h.counts), sum(h.counts), None), k)
        elif isinstance(m, Scalar):
            out[m.name] = _dp_scalar(m.name, shown, noised.totals, k)
        else:
            out[m.name] = _withheld_value(m)
    return {m.name: out[m.name] for m in measures}


def build_export(measures: tuple[Measure, ...], raw: dict[str, Raw], *, window_days: int,
                 k: int, noised: Noised | None) -> dict[str, Any]:
    """The whole export document: exact and k-suppressed, or (with ``noised``) DP."""
    if noised is None:
        metrics = {m.name: publish_one(m, raw[m.name], k) for m in measures}
    else:
        metrics = build_dp_metrics(measures, noised, k)
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "window_days": window_days,
            "k": k, "epsilon": None if noised is None else noised.requested,
            "epsilon_spent": None if noised is None else round(noised.epsilon_total, 6),
            "unit_of_privacy": None if noised is None else UNIT,
            "heavy_room_min_messages": HEAVY_ROOM_MIN_MESSAGES, "metrics": metrics}


def withheld(doc: dict[str, Any]) -> list[str]:
    """Names of metrics that were published as null (entirely withheld)."""
    out = []
    for name, v in doc["metrics"].items():
        if v is None or (isinstance(v, dict) and v.get("total", 0) is None) or (
                isinstance(v, dict) and "values" in v and all(x is None for x in v["values"])):
            out.append(name)
    return out


def suppressed_cells(doc: dict[str, Any]) -> int:
    """How many histogram cells were suppressed in total."""
    return sum(int(v.get("suppressed", 0)) for v in doc["metrics"].values() if isinstance(v, dict))
