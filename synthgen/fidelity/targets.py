"""Expected metric values, derived from the spec and the band alone.

Most targets follow analytically from the spec (``synthgen.predict``: a clipped log-normal's
median and mean, the read-latency mixture's bucket shares ...). The plan-decided ones
(messages per conversation, heavy rooms, size mix) are resolved for the band by spec check
(``synthgen.generate.feasibility``: closed form, or the median of independent plans whose
seeds are not the dataset's) and stored in ``feasibility.json``; the gate judges those
resolved values, always, and flags the ones that differ from the spec as infeasible. Never
does the judged dataset or its own plan set a target. A targets override (production shape
metrics, ``validate --against``) replaces targets by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from synthgen.bands import Band
from synthgen.errors import InputError
from synthgen.metrics import COLUMN_SHARES, LATENCY_EDGES_S, METRICS, READ_FAN_OUT
from synthgen.predict import (
    ATTACHMENT_KINDS,
    latency_cdf,
    lognormal_clipped_mean,
    lognormal_clipped_median,
    media_ratio,
    size_kb,
    type_share,
)
from synthgen.spec_model import Spec

STRICT, NORMAL, RELAXED = "strict", "normal", "relaxed"

LEVEL: dict[str, str] = {
    "conversation_size.direct_share": STRICT,
    "conversation_size.small_group_share": STRICT,
    "conversation_size.large_group_share": STRICT,
    "messages_per_conversation.p50": NORMAL,
    "messages_per_conversation.p95": RELAXED,
    "messages_per_conversation.p99": RELAXED,
    "heavy_rooms.count": STRICT,
    "heavy_rooms.traffic_share": NORMAL,
    "content_length.mean": NORMAL,
    "content_length.median": NORMAL,
    "media.ratio": NORMAL,
    "attachment_type.image_share": NORMAL,
    "attachment_type.video_share": NORMAL,
    "attachment_type.document_share": NORMAL,
    "attachment_type.audio_share": NORMAL,
    "attachment_size_kb.image_median": NORMAL,
    "attachment_size_kb.video_median": NORMAL,
    "attachment_size_kb.document_median": NORMAL,
    "attachment_size_kb.audio_median": NORMAL,
    "time.hourly_peak_to_trough": NORMAL,
    "time.weekday_to_weekend": NORMAL,
    "burstiness.interarrival_cv": RELAXED,
    "burstiness.goh_barabasi": RELAXED,
    "reads.delivery_rate": NORMAL,
    "reads.read_rate": NORMAL,
    "read_latency.immediate_share": NORMAL,
    "read_latency.within_1h_share": NORMAL,
    "read_latency.over_6h_share": NORMAL,
}
"""Declared tolerance level per metric: strict for what is exact by construction, relaxed for
tail statistics (high quantiles, burstiness), normal for the rest."""

EXACT: frozenset[str] = frozenset({"heavy_rooms.count", "conversation_size.direct_share",
                                   "conversation_size.small_group_share",
                                   "conversation_size.large_group_share"})
"""Metrics the plan makes exact by construction (whole-number shares of the band's totals):
they get no sampling allowance."""


@dataclass(frozen=True, slots=True)
class Target:
    """What one metric is judged against."""

    metric: str
    value: float
    level: str
    source: str
    """``spec`` (derived from the spec), ``feasibility`` (resolved for the band by spec check)
    or ``override`` (``validate --against``)."""
    spec_value: float | None = None
    infeasible: bool = False
    reason: str = ""
    spread: float = 0.0
    """Standard deviation of a resolved target across independent plans (absolute)."""
    log_spread: float = 0.0
    """Standard deviation of its natural log across those plans (0: not recorded)."""
    exact: bool = False
    """Exact by construction: no sampling allowance."""


def spec_targets(spec: Spec, conversations: int) -> dict[str, float]:
    """Every metric's expected value from the spec alone (band only for the heavy-room count)."""
    mix, counts, lat = spec.conversations.size_mix, spec.messages.targets, spec.reads.latency
    body = spec.messages.per_conversation
    cv = spec.time.interarrival_cv
    out = {
        "conversation_size.direct_share": mix.direct,
        "conversation_size.small_group_share": mix.small_group,
        "conversation_size.large_group_share": mix.large_group,
        "messages_per_conversation.p50": body.median,
        "messages_per_conversation.p95": body.p95,
        "messages_per_conversation.p99": counts.p99,
        "heavy_rooms.count": float(round(spec.messages.heavy_rooms.share * conversations)),
        "heavy_rooms.traffic_share": counts.heavy_traffic_share,
        "content_length.mean": lognormal_clipped_mean(spec.content.length),
        "content_length.median": lognormal_clipped_median(spec.content.length),
        "media.ratio": media_ratio(spec),
        "time.hourly_peak_to_trough": spec.time.diurnal_peak_to_trough,
        "time.weekday_to_weekend": spec.time.weekday_to_weekend,
        "burstiness.interarrival_cv": cv,
        "burstiness.goh_barabasi": (cv - 1) / (cv + 1),
        "reads.delivery_rate": spec.reads.delivery_rate,
        "reads.read_rate": spec.reads.read_rate,
        "read_latency.immediate_share": latency_cdf(lat, LATENCY_EDGES_S[1]),
        "read_latency.within_1h_share": latency_cdf(lat, LATENCY_EDGES_S[3]),
        "read_latency.over_6h_share": 1 - latency_cdf(lat, LATENCY_EDGES_S[4]),
    }
    for kind in ATTACHMENT_KINDS:
        out[f"attachment_type.{kind}_share"] = type_share(spec.media, kind)
        out[f"attachment_size_kb.{kind}_median"] = lognormal_clipped_median(
            size_kb(spec.media, kind))
    return out


def parse_feasibility(raw: Any, where: str = "feasibility.json") -> dict[str, dict[str, Any]]:
    """Validate ``{"targets": [{metric, target, resolved, spread, feasible, reason}]}``."""
    if not isinstance(raw, dict) or not isinstance(raw.get("targets"), list):
        raise InputError(f"{where}: expected an object with a 'targets' list")

    def number(x: Any) -> bool:
        return isinstance(x, int | float) and not isinstance(x, bool)

    out: dict[str, dict[str, Any]] = {}
    for i, t in enumerate(raw["targets"]):
        ok = (isinstance(t, dict) and isinstance(t.get("metric"), str)
              and isinstance(t.get("feasible"), bool)
              and number(t.get("resolved")) and number(t.get("spread")) and t["spread"] >= 0
              and (number(t.get("log_spread", 0.0)) and t.get("log_spread", 0.0) >= 0))
        if not ok:
            raise InputError(f"{where}: targets[{i}] needs metric (str), feasible (bool), "
                             "resolved (number), spread and log_spread (numbers >= 0); "
                             "regenerate it with this synthgen version")
        out[t["metric"]] = t
    return out


def band_feasibility(spec: Spec, band: Band) -> dict[str, Any]:
    """The band's feasibility document, computed now (a dataset without feasibility.json)."""
    from synthgen.generate.feasibility import resolve_targets as resolve_plan_targets

    return resolve_plan_targets(spec, band).to_json()


def parse_calendar_fano(raw: Any, where: str = "feasibility.json") -> float:
    """The calendar's Fano factor spec check measured (>= 1)."""
    fano = raw.get("calendar_fano") if isinstance(raw, dict) else None
    if not isinstance(fano, int | float) or isinstance(fano, bool) or not fano >= 1:
        raise InputError(f"{where}: calendar_fano must be a number >= 1, got {fano!r}; "
                         "regenerate it with this synthgen version")
    return float(fano)


def resolve_targets(spec: Spec, conversations: int,
                    feasibility: dict[str, dict[str, Any]] | None = None,
                    override: dict[str, float] | None = None) -> dict[str, Target]:
    """The target of every metric: override, else the band's resolved target, else the spec."""
    unknown = sorted(set(override or {}) - set(METRICS) - set(READ_FAN_OUT) - set(COLUMN_SHARES))
    if unknown:
        raise InputError(f"targets override names unknown metrics: {', '.join(unknown)}")
    derived = spec_targets(spec, conversations)
    out: dict[str, Target] = {}
    for metric, level in LEVEL.items():
        value = derived[metric]
        f = (feasibility or {}).get(metric)
        exact = metric in EXACT
        if override and metric in override:
            out[metric] = Target(metric, float(override[metric]), level, "override", value)
        elif f is not None:
            out[metric] = Target(metric, float(f["resolved"]), level, "feasibility",
                                 float(f.get("target", value)), infeasible=not f["feasible"],
                                 reason=str(f.get("reason", "")), spread=float(f["spread"]),
                                 log_spread=float(f.get("log_spread", 0.0)), exact=exact)
        else:
            out[metric] = Target(metric, value, level, "spec", value, exact=exact)
    return out
