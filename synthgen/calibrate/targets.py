"""Production shape metrics as fidelity targets (``synthgen validate --against``)."""

from __future__ import annotations

from typing import Any

from synthgen.calibrate.reader import Metrics
from synthgen.metrics import LATENCY_EDGES_S, METRICS, READ_FAN_OUT, SIZE_CLASSES
from synthgen.predict import ATTACHMENT_KINDS, attachment_type


def fidelity_targets(metrics: dict[str, Any]) -> dict[str, float]:
    """Target values by ``synthgen.metrics`` name from a shape-metrics export.

    Metrics the export withheld (suppressed, too few entities, or DP) are left out, so the
    gate falls back to the spec's own target for them. ``heavy_rooms.count`` is left out on
    purpose: it is an absolute count that depends on the production population, not a shape.
    """
    m = Metrics(metrics)
    out: dict[str, float | None] = {}
    for cls, (lo, _) in SIZE_CLASSES.items():
        out[f"conversation_size.{cls}_share"] = m.share("conversation_size.classes", lo)
    for p in (50, 95, 99):
        out[f"messages_per_conversation.p{p}"] = m.quantile(
            "messages_per_conversation.quantiles", p / 100)
    out["heavy_rooms.traffic_share"] = m.scalar("heavy_rooms.traffic_share")
    out["content_length.mean"] = m.mean("content_length.quantiles")
    out["content_length.median"] = m.quantile("content_length.quantiles", 0.5)
    text = m.share("message_type.mix", "TEXT")
    out["media.ratio"] = None if text is None else 1 - text
    for kind in ATTACHMENT_KINDS:
        out[f"attachment_type.{kind}_share"] = m.share("attachment_type.mix", attachment_type(kind))
        out[f"attachment_size_kb.{kind}_median"] = m.quantile(f"attachment_size_kb.{kind}", 0.5)
    for name in ("time.hourly_peak_to_trough", "time.weekday_to_weekend",
                 "burstiness.interarrival_cv", "burstiness.goh_barabasi",
                 "reads.delivery_rate", "reads.read_rate"):
        out[name] = m.scalar(name)
    lat = "read_latency.histogram"
    edges = LATENCY_EDGES_S  # [0, 30 s), [0, 1 h), [6 h, inf)
    out["read_latency.immediate_share"] = m.shares_between(lat, edges[0], edges[1])
    out["read_latency.within_1h_share"] = m.shares_between(lat, edges[0], edges[3])
    out["read_latency.over_6h_share"] = m.shares_between(lat, edges[4], edges[-1])
    # compared by validate --against only (synthgen.fidelity.reads); calibration ignores it
    out["reads.heavy_room_member_coverage"] = m.scalar("reads.heavy_room_member_coverage")
    return {k: float(v) for k, v in out.items()
            if v is not None and (k in METRICS or k in READ_FAN_OUT)}
