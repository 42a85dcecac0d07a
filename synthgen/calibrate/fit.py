"""Fit spec parameters to production shape metrics, one small estimator per spec section.

Each ``fit_*`` reads the metrics it needs, writes the parameters it can inform into the spec
dict and appends table rows ``(metric, measured, parameter, fitted, predicted)``; whatever a
metric does not inform (or that production withheld) keeps the base spec's value.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from synthgen.calibrate.reader import Metrics
from synthgen.metrics import LATENCY_EDGES_S, SIZE_CLASSES

Row = tuple[str, float | None, str, Any, float | None]
Spec = dict[str, Any]

Z75 = 0.6744897501960817  # standard normal quantile at 0.75
Z95 = 1.6448536269514722


def _phi(x: float) -> float:
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def _bisect(f: Callable[[float], float], lo: float, hi: float, iters: int = 80) -> float:
    """Root of a monotone f on [lo, hi] (clamped to an end when there is no sign change)."""
    flo, fhi = f(lo), f(hi)
    if flo * fhi > 0:
        return lo if abs(flo) < abs(fhi) else hi
    for _ in range(iters):
        mid = (lo + hi) / 2
        if f(mid) * flo > 0:
            lo, flo = mid, f(mid)
        else:
            hi = mid
    return (lo + hi) / 2


def lognormal_from_quantiles(q25: float, q50: float, q75: float) -> tuple[float, float]:
    """mu, sigma of a log-normal with these quartiles.

    >>> [round(x, 3) for x in lognormal_from_quantiles(math.exp(4.5 - 1.2 * Z75), 90.017,
    ...                                                 math.exp(4.5 + 1.2 * Z75))]
    [4.5, 1.2]
    """
    return math.log(q50), max((math.log(q75) - math.log(q25)) / (2 * Z75), 1e-3)


def fit_conversations(m: Metrics, spec: Spec, rows: list[Row]) -> None:
    conv = spec["conversations"]
    shares = {c: m.share("conversation_size.classes", lo) for c, (lo, _) in SIZE_CLASSES.items()}
    if all(v is not None for v in shares.values()):
        total = sum(v for v in shares.values() if v is not None)
        for c, v in shares.items():
            assert v is not None
            conv["size_mix"][c] = round(v / total, 6)
            rows.append((f"conversation_size.{c}_share", v, f"conversations.size_mix.{c}",
                         conv["size_mix"][c], conv["size_mix"][c]))
        conv["size_mix"]["direct"] = round(1 - conv["size_mix"]["small_group"]
                                           - conv["size_mix"]["large_group"], 6)
    # small groups: share of exactly-min_members among small groups pins the geometric p
    sg = conv["small_group"]
    first, body = m.share("conversation_size.members", 3), shares["small_group"]
    if first is not None and body:
        span = sg["max_members"] - sg["min_members"] + 1
        measured = first / body
        p = _bisect(lambda p: p / (1 - (1 - p) ** span) - measured, 1e-4, 1.0)
        sg["geometric_p"] = round(p, 4)
        rows.append(("share of small groups at min size", measured,
                     "conversations.small_group.geometric_p", sg["geometric_p"],
                     p / (1 - (1 - p) ** span)))
    lg = conv["large_group"]
    head, large = m.share("conversation_size.members", 21), shares["large_group"]
    if head is not None and large:
        ks = np.arange(lg["min_members"], lg["max_members"] + 1, dtype=float)
        measured = head / large

        def head_share(a: float) -> float:
            w = ks ** -a
            return float(w[ks < 31].sum() / w.sum())

        alpha = _bisect(lambda a: head_share(a) - measured, 1.01, 8.0)
        lg["power_law_alpha"] = round(alpha, 3)
        rows.append(("share of large groups with 21-30 members", measured,
                     "conversations.large_group.power_law_alpha", lg["power_law_alpha"],
                     head_share(alpha)))
    channel = _channel_share(m)
    if channel is not None:
        conv["channel_share"] = round(channel, 4)
        rows.append(("CHANNEL share of large groups", channel, "conversations.channel_share",
                     conv["channel_share"], channel))


def _channel_share(m: Metrics) -> float | None:
    """CHANNEL share of large groups from the size class x type cross-tab (None if hidden)."""
    mix = m.counts("conversation_type.by_size_class")
    if mix is None:
        return None
    large = {str(label): c for label, c in zip(mix[0], mix[1], strict=True)
             if str(label).startswith("large_group__")}
    if not large or any(c is None for c in large.values()):
        return None
    total = sum(c or 0 for c in large.values())
    return (large.get("large_group__CHANNEL") or 0) / total if total else None


def fit_messages(m: Metrics, spec: Spec, rows: list[Row]) -> None:
    msg = spec["messages"]
    q = "messages_per_conversation.quantiles"
    p50, p95, p99 = (m.quantile(q, p) for p in (0.5, 0.95, 0.99))
    pc = msg["per_conversation"]
    if p50 is not None and p95 is not None and p95 > p50:
        pc["median"], pc["p95"] = max(1.0, p50), p95
        rows.append(("messages_per_conversation.p50", p50, "messages.per_conversation.median",
                     pc["median"], pc["median"]))
        rows.append(("messages_per_conversation.p95", p95, "messages.per_conversation.p95",
                     pc["p95"], pc["p95"]))
    if p99 is not None:
        msg["targets"]["p99"] = p99
        rows.append(("messages_per_conversation.p99", p99, "messages.targets.p99", p99, p99))
    heavy = m.scalar("heavy_rooms.count")
    active = m.scalar("population.active_conversations")
    if heavy is not None and active:
        msg["heavy_rooms"]["share"] = round(min(heavy / active, 0.5), 6)
        rows.append(("heavy_rooms.count / conversations", heavy / active,
                     "messages.heavy_rooms.share", msg["heavy_rooms"]["share"],
                     msg["heavy_rooms"]["share"]))
    traffic = m.scalar("heavy_rooms.traffic_share")
    if traffic is not None:
        msg["targets"]["heavy_traffic_share"] = traffic
        rows.append(("heavy_rooms.traffic_share", traffic, "messages.targets.heavy_traffic_share",
                     traffic, traffic))


def fit_content(m: Metrics, spec: Spec, rows: list[Row]) -> None:
    q = "content_length.quantiles"
    q25, q50, q75 = (m.quantile(q, p) for p in (0.25, 0.5, 0.75))
    if q25 and q50 and q75 and q75 > q25:
        mu, sigma = lognormal_from_quantiles(q25, q50, q75)
        length = spec["content"]["length"]
        length["mu"], length["sigma"] = round(mu, 4), round(sigma, 4)
        rows.append(("content_length.median", q50, "content.length.mu", length["mu"],
                     math.exp(length["mu"])))
        rows.append(("content_length IQR ratio p75/p25", q75 / q25, "content.length.sigma",
                     length["sigma"], math.exp(2 * Z75 * length["sigma"])))


def fit_media(m: Metrics, spec: Spec, rows: list[Row]) -> None:
    media = spec["media"]
    text = m.share("message_type.mix", "TEXT")
    one, several = (m.shares_between("attachments_per_message.histogram", lo, hi)
                    for lo, hi in ((1, 2), (2, math.inf)))
    if text is not None:
        ratio = 1 - text
        split = one / (one + several) if one is not None and several is not None and (
            one + several) > 0 else media["attachments_per_message"]["one"] / max(
            1e-9, 1 - media["attachments_per_message"]["none"])
        apm = media["attachments_per_message"]
        apm["one"] = round(ratio * split, 6)
        apm["several"] = round(ratio - apm["one"], 6)
        apm["none"] = round(1 - apm["one"] - apm["several"], 6)
        rows.append(("media.ratio", ratio, "media.attachments_per_message.none", apm["none"],
                     1 - apm["none"]))
    kinds = ("image", "video", "document", "audio")
    mix = {k: m.share("attachment_type.mix", k.upper()) for k in kinds}
    if all(v is not None for v in mix.values()) and sum(v or 0 for v in mix.values()) > 0:
        total = sum(v or 0 for v in mix.values())
        for k in kinds:
            media["type_mix"][k] = round((mix[k] or 0) / total, 6)
        media["type_mix"]["image"] = round(1 - sum(media["type_mix"][k] for k in kinds[1:]), 6)
        for k in kinds:
            rows.append((f"attachment_type.{k}_share", mix[k], f"media.type_mix.{k}",
                         media["type_mix"][k], media["type_mix"][k]))
    for k in kinds:
        q = f"attachment_size_kb.{k}"
        q25, q50, q75 = (m.quantile(q, p) for p in (0.25, 0.5, 0.75))
        if q25 and q50 and q75 and q75 > q25:
            mu, sigma = lognormal_from_quantiles(q25, q50, q75)
            d = media["size_kb"][k]
            d["mu"], d["sigma"] = round(mu, 4), round(sigma, 4)
            rows.append((f"attachment_size_kb.{k}_median", q50, f"media.size_kb.{k}.mu/sigma",
                         f"{d['mu']}/{d['sigma']}", min(max(math.exp(d["mu"]), d["min"]), d["max"])))


def peak_windows(hours: list[float]) -> list[list[int]]:
    """Contiguous runs of hours above the midpoint between the quietest and busiest hour.

    >>> peak_windows([1.0] * 9 + [3.0] * 3 + [1.0] * 6 + [3.0] * 3 + [1.0] * 3)
    [[9, 12], [18, 21]]
    """
    lo, hi = min(hours), max(hours)
    cut = lo + (hi - lo) / 2
    out: list[list[int]] = []
    start: int | None = None
    for h, v in enumerate([*hours, -math.inf]):
        if v > cut and start is None:
            start = h
        elif v <= cut and start is not None:
            out.append([start, h])
            start = None
    return out or [[0, 24]]


def fit_time(m: Metrics, spec: Spec, rows: list[Row]) -> None:
    t = spec["time"]
    for metric, key, floor in (("time.hourly_peak_to_trough", "diurnal_peak_to_trough", 1.0),
                               ("time.weekday_to_weekend", "weekday_to_weekend", 1e-3),
                               ("burstiness.interarrival_cv", "interarrival_cv", 1.0)):
        v = m.scalar(metric)
        if v is not None:
            t[key] = round(max(v, floor), 4)
            rows.append((metric, v, f"time.{key}", t[key], t[key]))
    grid = m.counts("activity.hour_of_week")
    # suppressed cells are small by definition: read them as 0 unless too many are hidden
    if grid is not None and sum(c is None for c in grid[1]) <= len(grid[1]) // 4:
        counts = [float(c or 0) for c in grid[1]]
        hours = [sum(counts[d * 24 + h] for d in range(7)) for h in range(24)]
        t["peak_hours_utc"] = peak_windows(hours)
        rows.append(("hour-of-day profile", None, "time.peak_hours_utc",
                     json_compact(t["peak_hours_utc"]), None))


def json_compact(v: Any) -> str:
    return json.dumps(v, separators=(",", ":"))


def _latency_component_probs(lat: Spec) -> np.ndarray:
    """P(bucket) of each latency component (rows: immediate, near-term, delayed)."""
    edges = list(LATENCY_EDGES_S)
    def immediate(s: float) -> float:
        return min(1.0, s / float(lat["immediate"]["max_seconds"]))

    def near_term(s: float) -> float:
        return 1 - math.exp(-s / (lat["near_term"]["mean_minutes"] * 60))

    def delayed(s: float) -> float:
        d = lat["delayed"]
        return _phi((math.log(s / 60) - d["mu"]) / d["sigma"]) if s > 0 else 0.0

    cdfs: tuple[Callable[[float], float], ...] = (immediate, near_term, delayed)
    out = np.zeros((3, len(edges) - 1))
    for i, cdf in enumerate(cdfs):
        vals = [1.0 if math.isinf(e) else cdf(e) for e in edges]
        out[i] = np.diff(vals)
    return out


def _mixture_shares(probs: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Least squares shares summing to 1 (last share eliminated), clipped and renormalised."""
    a = (probs[:2] - probs[2]).T
    x, *_ = np.linalg.lstsq(a, target - probs[2], rcond=None)
    shares = np.clip(np.array([x[0], x[1], 1 - x[0] - x[1]]), 0, None)
    return shares / shares.sum() if shares.sum() > 0 else np.full(3, 1 / 3)


def fit_reads(m: Metrics, spec: Spec, rows: list[Row]) -> None:
    r = spec["reads"]
    delivery, read = m.scalar("reads.delivery_rate"), m.scalar("reads.read_rate")
    if delivery is not None:
        r["delivery_rate"] = round(min(delivery, 1.0), 4)
        rows.append(("reads.delivery_rate", delivery, "reads.delivery_rate", r["delivery_rate"],
                     r["delivery_rate"]))
    if read is not None:
        r["read_rate"] = round(min(read, r["delivery_rate"]), 4)
        rows.append(("reads.read_rate", read, "reads.read_rate", r["read_rate"], r["read_rate"]))
    hist = m.counts("read_latency.histogram")
    if hist is None:
        return
    counts = hist[1]
    keep = [i for i, c in enumerate(counts) if c is not None]
    total = sum(c or 0 for c in counts)
    if len(keep) < 3 or total <= 0:
        return
    lat = r["latency"]
    target = np.array([(counts[i] or 0) / total for i in keep])
    best: tuple[float, Spec, np.ndarray] | None = None
    for mean_minutes, mu, sigma in itertools.product(
            np.geomspace(1, 480, 28), np.linspace(3.0, 9.0, 13), (1.0, 1.5, 2.0)):
        trial = copy.deepcopy(lat)
        trial["near_term"]["mean_minutes"] = round(float(mean_minutes), 2)
        trial["delayed"]["mu"] = round(float(mu), 2)
        trial["delayed"]["sigma"] = sigma
        probs = _latency_component_probs(trial)[:, keep]
        shares = _mixture_shares(probs, target)
        err = float(((shares @ probs - target) ** 2).sum())
        if best is None or err < best[0]:
            best = (err, trial, shares)
    assert best is not None
    _, fitted, shares = best
    lat["near_term"]["mean_minutes"] = fitted["near_term"]["mean_minutes"]
    lat["delayed"]["mu"] = fitted["delayed"]["mu"]
    lat["delayed"]["sigma"] = fitted["delayed"]["sigma"]
    for name, s in zip(("immediate", "near_term", "delayed"), shares, strict=True):
        lat[name]["share"] = round(float(s), 4)
    predicted = shares @ _latency_component_probs(lat)
    for label, lo, hi in (("immediate", 0, 1), ("within_1h", 0, 3), ("over_6h", 4, 6)):
        measured = m.shares_between("read_latency.histogram", LATENCY_EDGES_S[lo],
                                    LATENCY_EDGES_S[hi])
        rows.append((f"read_latency.{label}_share", measured, "reads.latency.*.share",
                     "/".join(f"{float(s):.3f}" for s in shares)
                     + f" ({lat['near_term']['mean_minutes']} min; "
                     f"mu {lat['delayed']['mu']} sd {lat['delayed']['sigma']})",
                     float(predicted[lo:hi].sum())))


def fit_users(m: Metrics, spec: Spec, rows: list[Row]) -> None:
    u = spec["users"]
    mean, sd = m.scalar("users.username_length_mean"), m.scalar("users.username_length_sd")
    if mean is not None and sd is not None and sd > 0:
        u["username_length"]["mean"], u["username_length"]["sd"] = round(mean, 3), round(sd, 3)
        rows.append(("users.username_length_mean", mean, "users.username_length.mean",
                     u["username_length"]["mean"], mean))
    hist = m.counts("users.profile_fields_set")
    if hist is None or any(c is None for c in hist[1]):
        return
    counts = np.array([float(c or 0) for c in hist[1]])
    n = len(counts) - 1
    k = np.arange(len(counts))
    total = counts.sum()
    if total <= 0 or n < 2:
        return
    mean_k = float((k * counts).sum() / total)
    var_k = float(((k - mean_k) ** 2 * counts).sum() / total)
    p = mean_k / n
    if not 0 < p < 1:
        return
    rho = var_k / (n * p * (1 - p))  # beta-binomial over-dispersion (s + n) / (s + 1)
    if rho <= 1 or rho >= n:
        return
    s = (n - rho) / (rho - 1)
    bc = u["profile_completeness"]
    bc["alpha"], bc["beta"] = round(p * s, 4), round((1 - p) * s, 4)
    rows.append(("mean profile fields set / 4", p, "users.profile_completeness.alpha/beta",
                 f"{bc['alpha']}/{bc['beta']}", bc["alpha"] / (bc["alpha"] + bc["beta"])))


FITS = (fit_conversations, fit_messages, fit_content, fit_media, fit_time, fit_reads, fit_users)
