"""Assemble the export document from raw measurements, with or without DP noise."""

from __future__ import annotations

from typing import Any

from synthgen.sample.measures import HOUR_OF_WEEK_EDGES
from synthgen.sample.privacy import (
    NoiseBudget,
    interpolate_quantiles,
    noisy_counts,
    publish_one,
    publish_quantiles,
    sig,
)
from synthgen.sample.queries import Cat, Hist, Measure, Quant, Raw, RawCounts, RawQuantiles
from synthgen.sample.sources import HEAVY_ROOM_MIN_MESSAGES

FORMAT = "synthgen.shape-metrics"
FORMAT_VERSION = 1

# Under DP, quantiles come from the noisy histogram of the same values (post-processing).
DP_QUANTILE_SOURCES: dict[str, str] = {
    "messages_per_conversation.quantiles": "messages_per_conversation.histogram",
    "content_length.quantiles": "content_length.histogram",
    "read_latency.quantiles_s": "read_latency.histogram",
}
# Under DP, population totals are the totals of noisy histograms.
DP_POPULATION_SOURCES: dict[str, str] = {
    "population.users": "users.username_length",
    "population.active_conversations": "conversation_size.classes",
    "population.messages": "message_type.mix",
    "population.attachments": "attachment_type.mix",
    "population.reads": "read_latency.histogram",
}


def _dp_scalar(name: str, noisy: dict[str, RawCounts], edges: dict[str, tuple[float, ...]],
               k: int) -> float | None:
    if name in DP_POPULATION_SOURCES:
        h = noisy[DP_POPULATION_SOURCES[name]]
        return sig(float(sum(h.counts)), 2) if sum(h.entities) >= k else None
    if name.startswith("heavy_rooms."):
        src = "messages_per_conversation.histogram"
        h, e = noisy[src], edges[src]
        heavy = [i for i, lo in enumerate(e) if lo >= HEAVY_ROOM_MIN_MESSAGES]
        rooms = sum(h.counts[i] for i in heavy)
        if name == "heavy_rooms.count":
            return float(rooms) if rooms == 0 or rooms >= k else None
        return None  # the traffic share needs message sums, which have no bounded sensitivity
    if name.startswith("time."):
        grid = noisy["activity.hour_of_week"].counts
        assert len(grid) == len(HOUR_OF_WEEK_EDGES)
        if sum(noisy["activity.hour_of_week"].entities) < k:
            return None
        if name == "time.hourly_peak_to_trough":
            hours = [sum(grid[d * 24 + h] for d in range(7)) for h in range(24)]
            return sig(max(hours) / min(hours), 3) if min(hours) > 0 else None
        days = [sum(grid[d * 24:(d + 1) * 24]) for d in range(7)]
        weekend = sum(days[5:]) / 2
        return sig(sum(days[:5]) / 5 / weekend, 3) if weekend > 0 else None
    return None


def build_metrics(measures: tuple[Measure, ...], raw: dict[str, Raw], k: int,
                  budget: NoiseBudget | None) -> dict[str, Any]:
    """Every published metric by name; under a budget, only noisy or post-processed values."""
    if budget is None:
        return {m.name: publish_one(m, raw[m.name], k) for m in measures}
    out: dict[str, Any] = {}
    noisy: dict[str, RawCounts] = {}
    edges: dict[str, tuple[float, ...]] = {}
    for m in measures:
        if isinstance(m, Hist | Cat):
            r = raw[m.name]
            assert isinstance(r, RawCounts)
            released = noisy_counts(m, r, budget)
            out[m.name] = publish_one(m, released, k)
            # derivations only see cells whose noisy entity count clears k (post-processing):
            # otherwise noise on empty cells invents heavy rooms and fattens the tails
            noisy[m.name] = RawCounts([c if e >= k else 0 for c, e in zip(
                released.counts, released.entities, strict=True)], released.entities, 0)
            if isinstance(m, Hist):
                edges[m.name] = m.edges
    for m in measures:
        if isinstance(m, Quant):
            src = DP_QUANTILE_SOURCES.get(m.name)
            if src is None:
                out[m.name] = {"probs": list(m.probs), "values": [None] * len(m.probs),
                               "mean": None}
                continue
            h = noisy[src]
            values = interpolate_quantiles(edges[src], h.counts, m.probs)
            out[m.name] = publish_quantiles(
                m.probs, RawQuantiles(values, sum(h.counts), sum(h.entities), None), k)
        elif not isinstance(m, Hist | Cat):
            out[m.name] = _dp_scalar(m.name, noisy, edges, k)
    return {m.name: out[m.name] for m in measures}


def build_export(measures: tuple[Measure, ...], raw: dict[str, Raw], planner: dict[str, Any], *,
                 window_days: int, k: int, epsilon: float | None) -> tuple[dict[str, Any],
                                                                            NoiseBudget | None]:
    """The whole export document and the DP ledger (None without epsilon)."""
    budget = None
    if epsilon is not None:
        budget = NoiseBudget(epsilon, sum(isinstance(m, Hist | Cat) for m in measures))
    metrics = build_metrics(measures, raw, k, budget)
    doc = {"format": FORMAT, "format_version": FORMAT_VERSION, "window_days": window_days,
           "k": k, "epsilon": epsilon,
           "epsilon_spent": None if budget is None else round(budget.total_spent, 6),
           "heavy_room_min_messages": HEAVY_ROOM_MIN_MESSAGES, "metrics": metrics,
           "planner": planner}
    return doc, budget


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
