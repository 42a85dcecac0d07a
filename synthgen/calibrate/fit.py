"""Fit spec parameters to production shape metrics, one small estimator per spec section.

Each ``fit_*`` reads the metrics it needs, returns the spec with the parameters it can inform
replaced (specs are frozen: ``dataclasses.replace``) and appends table rows ``(metric,
measured, parameter, fitted, predicted)``; whatever a metric does not inform (or that
production withheld) keeps the base spec's value. Predictions come from ``synthgen.predict``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from synthgen.calibrate.reader import Metrics
from synthgen.metrics import LATENCY_EDGES_S, SIZE_CLASSES
from synthgen.predict import (
    ATTACHMENT_KINDS,
    Z75,
    attachment_type,
    hour_of_week_shares,
    large_group_share_below,
    latency_component_cdfs,
    lognormal_clipped_median,
    lognormal_quartile_ratio,
    media_ratio,
    size_kb,
    small_group_min_share,
    type_share,
)
from synthgen.spec_model import Latency, SizeMix, Spec

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Row = tuple[str, float | None, str, Any, float | None]
D = TypeVar("D", bound="DataclassInstance")

LARGE_GROUP_HEAD_MEMBERS = 31
"""The export's member histogram splits large groups at 21-30 members vs 31 and more."""


def put(obj: D, path: str, value: Any) -> D:
    """A copy of a frozen spec section with the field at dotted ``path`` replaced.

    >>> put(Spec(), "content.length.mu", 3.0).content.length.mu
    3.0
    """
    name, _, rest = path.partition(".")
    if rest:
        value = put(getattr(obj, name), rest, value)
    return dataclasses.replace(obj, **{name: value})


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


def fit_conversations(m: Metrics, spec: Spec, rows: list[Row]) -> Spec:
    conv = spec.conversations
    shares = {c: m.share("conversation_size.classes", lo) for c, (lo, _) in SIZE_CLASSES.items()}
    if all(v is not None for v in shares.values()):
        total = sum(v for v in shares.values() if v is not None)
        mix = {c: round((v or 0.0) / total, 6) for c, v in shares.items()}
        for c, v in shares.items():
            rows.append((f"conversation_size.{c}_share", v, f"conversations.size_mix.{c}",
                         mix[c], mix[c]))
        mix["direct"] = round(1 - mix["small_group"] - mix["large_group"], 6)
        conv = dataclasses.replace(conv, size_mix=SizeMix(**mix))
    # small groups: share of exactly-min_members among small groups pins the geometric p
    first, body = m.share("conversation_size.members", 3), shares["small_group"]
    if first is not None and body:
        sg = conv.small_group
        measured = first / body

        def min_share(p: float) -> float:
            return small_group_min_share(dataclasses.replace(sg, geometric_p=p))

        p = _bisect(lambda p: min_share(p) - measured, 1e-4, 1.0)
        conv = put(conv, "small_group.geometric_p", round(p, 4))
        rows.append(("share of small groups at min size", measured,
                     "conversations.small_group.geometric_p", conv.small_group.geometric_p,
                     min_share(p)))
    head, large = m.share("conversation_size.members", 21), shares["large_group"]
    if head is not None and large:
        lg = conv.large_group
        measured = head / large

        def head_share(a: float) -> float:
            return large_group_share_below(dataclasses.replace(lg, power_law_alpha=a),
                                           LARGE_GROUP_HEAD_MEMBERS)

        alpha = _bisect(lambda a: head_share(a) - measured, 1.01, 8.0)
        conv = put(conv, "large_group.power_law_alpha", round(alpha, 3))
        rows.append(("share of large groups with 21-30 members", measured,
                     "conversations.large_group.power_law_alpha",
                     conv.large_group.power_law_alpha, head_share(alpha)))
    channel = _channel_share(m)
    if channel is not None:
        conv = dataclasses.replace(conv, channel_share=round(channel, 4))
        rows.append(("CHANNEL share of large groups", channel, "conversations.channel_share",
                     conv.channel_share, channel))
    return dataclasses.replace(spec, conversations=conv)


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


def fit_messages(m: Metrics, spec: Spec, rows: list[Row]) -> Spec:
    q = "messages_per_conversation.quantiles"
    p50, p95, p99 = (m.quantile(q, p) for p in (0.5, 0.95, 0.99))
    if p50 is not None and p95 is not None and p95 > p50:
        median = max(1.0, p50)
        spec = put(spec, "messages.per_conversation.median", median)
        spec = put(spec, "messages.per_conversation.p95", p95)
        rows.append(("messages_per_conversation.p50", p50, "messages.per_conversation.median",
                     median, median))
        rows.append(("messages_per_conversation.p95", p95, "messages.per_conversation.p95",
                     p95, p95))
    if p99 is not None:  # a gate target: the generator does not read it, so it is not "fitted"
        spec = put(spec, "messages.targets.p99", p99)
        rows.append(("messages_per_conversation.p99", p99, "messages.targets.p99 (target only)",
                     None, None))
    heavy = m.scalar("heavy_rooms.count")
    active = m.scalar("population.active_conversations")
    if heavy is not None and active:
        share = round(min(heavy / active, 0.5), 6)
        spec = put(spec, "messages.heavy_rooms.share", share)
        rows.append(("heavy_rooms.count / conversations", heavy / active,
                     "messages.heavy_rooms.share", share, share))
    traffic = m.scalar("heavy_rooms.traffic_share")
    if traffic is not None:
        spec = put(spec, "messages.targets.heavy_traffic_share", traffic)
        rows.append(("heavy_rooms.traffic_share", traffic,
                     "messages.targets.heavy_traffic_share (target only)", None, None))
    return spec


def fit_content(m: Metrics, spec: Spec, rows: list[Row]) -> Spec:
    q = "content_length.quantiles"
    q25, q50, q75 = (m.quantile(q, p) for p in (0.25, 0.5, 0.75))
    if q25 and q50 and q75 and q75 > q25:
        mu, sigma = lognormal_from_quantiles(q25, q50, q75)
        length = dataclasses.replace(spec.content.length, mu=round(mu, 4),
                                     sigma=round(sigma, 4))
        spec = put(spec, "content.length", length)
        rows.append(("content_length.median", q50, "content.length.mu", length.mu,
                     lognormal_clipped_median(length)))
        rows.append(("content_length IQR ratio p75/p25", q75 / q25, "content.length.sigma",
                     length.sigma, lognormal_quartile_ratio(length.sigma)))
    return spec


def fit_media(m: Metrics, spec: Spec, rows: list[Row]) -> Spec:
    text = m.share("message_type.mix", "TEXT")
    one, several = (m.shares_between("attachments_per_message.histogram", lo, hi)
                    for lo, hi in ((1, 2), (2, math.inf)))
    if text is not None:
        ratio = 1 - text
        base = spec.media.attachments_per_message
        split = one / (one + several) if one is not None and several is not None and (
            one + several) > 0 else base.one / max(1e-9, 1 - base.none)
        n_one = round(ratio * split, 6)
        n_several = round(ratio - n_one, 6)
        apm = dataclasses.replace(base, one=n_one, several=n_several,
                                  none=round(1 - n_one - n_several, 6))
        spec = put(spec, "media.attachments_per_message", apm)
        rows.append(("media.ratio", ratio, "media.attachments_per_message.none", apm.none,
                     media_ratio(spec)))
    kinds = ATTACHMENT_KINDS
    mix = {k: m.share("attachment_type.mix", attachment_type(k)) for k in kinds}
    if all(v is not None for v in mix.values()) and sum(v or 0 for v in mix.values()) > 0:
        total = sum(v or 0 for v in mix.values())
        fitted = {k: round((mix[k] or 0) / total, 6) for k in kinds}
        fitted[kinds[0]] = round(1 - sum(fitted[k] for k in kinds[1:]), 6)
        spec = put(spec, "media.type_mix", dataclasses.replace(spec.media.type_mix, **fitted))
        for k in kinds:
            rows.append((f"attachment_type.{k}_share", mix[k], f"media.type_mix.{k}",
                         fitted[k], type_share(spec.media, k)))
    for k in kinds:
        q = f"attachment_size_kb.{k}"
        q25, q50, q75 = (m.quantile(q, p) for p in (0.25, 0.5, 0.75))
        if q25 and q50 and q75 and q75 > q25:
            mu, sigma = lognormal_from_quantiles(q25, q50, q75)
            d = dataclasses.replace(size_kb(spec.media, k), mu=round(mu, 4),
                                    sigma=round(sigma, 4))
            spec = put(spec, f"media.size_kb.{k}", d)
            rows.append((f"attachment_size_kb.{k}_median", q50, f"media.size_kb.{k}.mu/sigma",
                         f"{d.mu}/{d.sigma}", lognormal_clipped_median(d)))
    return spec


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


def fit_time(m: Metrics, spec: Spec, rows: list[Row]) -> Spec:
    fitted_rows = []
    for metric, key, floor in (("time.hourly_peak_to_trough", "diurnal_peak_to_trough", 1.0),
                               ("time.weekday_to_weekend", "weekday_to_weekend", 1e-3),
                               ("burstiness.interarrival_cv", "interarrival_cv", 1.0)):
        v = m.scalar(metric)
        if v is not None:
            fitted = round(max(v, floor), 4)
            spec = put(spec, f"time.{key}", fitted)
            fitted_rows.append((metric, v, key, fitted))
    predicted = calendar_predictions(spec, int(m.doc.get("window_days") or 30))
    for metric, v, key, fitted in fitted_rows:
        # the calendar's own hour-of-week intensity, not the fitted knob: the two differ
        # when the diurnal and weekly shapes interact; burstiness has no closed form (None)
        rows.append((metric, v, f"time.{key}", fitted, predicted.get(metric)))
    grid = m.counts("activity.hour_of_week")
    # suppressed cells are small by definition: read them as 0 unless too many are hidden
    if grid is not None and sum(c is None for c in grid[1]) <= len(grid[1]) // 4:
        counts = [float(c or 0) for c in grid[1]]
        hours = [sum(counts[d * 24 + h] for d in range(7)) for h in range(24)]
        spec = put(spec, "time.peak_hours_utc", peak_windows(hours))
        rows.append(("hour-of-day profile", None, "time.peak_hours_utc",
                     json_compact(spec.time.peak_hours_utc), None))
    return spec


CALENDAR_START = dt.datetime(2026, 10, 5)
"""A Monday: the predicted calendar ratios are over whole weeks from here."""


def calendar_predictions(spec: Spec, window_days: int) -> dict[str, float]:
    """Hourly peak/trough and weekday/weekend of the spec's calendar (synthgen.predict).

    >>> p = calendar_predictions(Spec(), 28)
    >>> p["time.hourly_peak_to_trough"] > 1, round(p["time.weekday_to_weekend"], 1) > 0
    (True, True)
    """
    grid = hour_of_week_shares(spec.time, CALENDAR_START, max(7, window_days // 7 * 7))
    hours = [sum(grid[d * 24 + h] for d in range(7)) for h in range(24)]
    days = [sum(grid[d * 24:(d + 1) * 24]) for d in range(7)]
    return {"time.hourly_peak_to_trough": max(hours) / min(hours),
            "time.weekday_to_weekend": (sum(days[:5]) / 5) / (sum(days[5:]) / 2)}


def json_compact(v: Any) -> str:
    return json.dumps(v, separators=(",", ":"))


def _latency_component_probs(lat: Latency) -> np.ndarray:
    """P(bucket) of each latency component (rows: immediate, near-term, delayed)."""
    cdfs = np.array([latency_component_cdfs(lat, e) for e in LATENCY_EDGES_S]).T
    return np.diff(cdfs, axis=1)


def _mixture_shares(probs: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Least squares shares summing to 1 (last share eliminated), clipped and renormalised."""
    a = (probs[:2] - probs[2]).T
    x, *_ = np.linalg.lstsq(a, target - probs[2], rcond=None)
    shares = np.clip(np.array([x[0], x[1], 1 - x[0] - x[1]]), 0, None)
    return shares / shares.sum() if shares.sum() > 0 else np.full(3, 1 / 3)


def _fit_latency(lat: Latency, keep: list[int], target: np.ndarray) -> tuple[Latency, np.ndarray]:
    """Grid search of the component parameters; least-squares shares at each grid point."""
    best: tuple[float, Latency, np.ndarray] | None = None
    for mean_minutes, mu, sigma in itertools.product(
            np.geomspace(1, 480, 28), np.linspace(3.0, 9.0, 13), (1.0, 1.5, 2.0)):
        trial = dataclasses.replace(
            lat, near_term=dataclasses.replace(lat.near_term,
                                               mean_minutes=round(float(mean_minutes), 2)),
            delayed=dataclasses.replace(lat.delayed, mu=round(float(mu), 2), sigma=sigma))
        probs = _latency_component_probs(trial)[:, keep]
        shares = _mixture_shares(probs, target)
        err = float(((shares @ probs - target) ** 2).sum())
        if best is None or err < best[0]:
            best = (err, trial, shares)
    assert best is not None
    _, fitted, shares = best
    return dataclasses.replace(
        fitted,
        immediate=dataclasses.replace(fitted.immediate, share=round(float(shares[0]), 4)),
        near_term=dataclasses.replace(fitted.near_term, share=round(float(shares[1]), 4)),
        delayed=dataclasses.replace(fitted.delayed, share=round(float(shares[2]), 4))), shares


def fit_reads(m: Metrics, spec: Spec, rows: list[Row]) -> Spec:
    delivery, read = m.scalar("reads.delivery_rate"), m.scalar("reads.read_rate")
    if delivery is not None:
        spec = put(spec, "reads.delivery_rate", round(min(delivery, 1.0), 4))
        rows.append(("reads.delivery_rate", delivery, "reads.delivery_rate",
                     spec.reads.delivery_rate, spec.reads.delivery_rate))
    if read is not None:
        spec = put(spec, "reads.read_rate", round(min(read, spec.reads.delivery_rate), 4))
        rows.append(("reads.read_rate", read, "reads.read_rate", spec.reads.read_rate,
                     spec.reads.read_rate))
    hist = m.counts("read_latency.histogram")
    if hist is None:
        return spec
    counts = hist[1]
    keep = [i for i, c in enumerate(counts) if c is not None]
    total = sum(c or 0 for c in counts)
    if len(keep) < 3 or total <= 0:
        return spec
    target = np.array([(counts[i] or 0) / total for i in keep])
    lat, shares = _fit_latency(spec.reads.latency, keep, target)
    spec = put(spec, "reads.latency", lat)
    predicted = shares @ _latency_component_probs(lat)
    for label, lo, hi in (("immediate", 0, 1), ("within_1h", 0, 3), ("over_6h", 4, 6)):
        measured = m.shares_between("read_latency.histogram", LATENCY_EDGES_S[lo],
                                    LATENCY_EDGES_S[hi])
        rows.append((f"read_latency.{label}_share", measured, "reads.latency.*.share",
                     "/".join(f"{float(s):.3f}" for s in shares)
                     + f" ({lat.near_term.mean_minutes} min; "
                     f"mu {lat.delayed.mu} sd {lat.delayed.sigma})",
                     float(predicted[lo:hi].sum())))
    return spec


def fit_users(m: Metrics, spec: Spec, rows: list[Row]) -> Spec:
    mean, sd = m.scalar("users.username_length_mean"), m.scalar("users.username_length_sd")
    if mean is not None and sd is not None and sd > 0:
        spec = put(spec, "users.username_length",
                   dataclasses.replace(spec.users.username_length, mean=round(mean, 3),
                                       sd=round(sd, 3)))
        rows.append(("users.username_length_mean", mean, "users.username_length.mean",
                     spec.users.username_length.mean, mean))
    hist = m.counts("users.profile_fields_set")
    if hist is None or any(c is None for c in hist[1]):
        return spec
    counts = np.array([float(c or 0) for c in hist[1]])
    n = len(counts) - 1
    k = np.arange(len(counts))
    total = counts.sum()
    if total <= 0 or n < 2:
        return spec
    mean_k = float((k * counts).sum() / total)
    var_k = float(((k - mean_k) ** 2 * counts).sum() / total)
    p = mean_k / n
    if not 0 < p < 1:
        return spec
    rho = var_k / (n * p * (1 - p))  # beta-binomial over-dispersion (s + n) / (s + 1)
    if rho <= 1 or rho >= n:
        return spec
    s = (n - rho) / (rho - 1)
    alpha, beta = round(p * s, 4), round((1 - p) * s, 4)
    spec = put(spec, "users.profile_completeness",
               dataclasses.replace(spec.users.profile_completeness, alpha=alpha, beta=beta))
    rows.append(("mean profile fields set / 4", p, "users.profile_completeness.alpha/beta",
                 f"{alpha}/{beta}", alpha / (alpha + beta)))
    return spec


FITS: tuple[Callable[[Metrics, Spec, list[Row]], Spec], ...] = (
    fit_conversations, fit_messages, fit_content, fit_media, fit_time, fit_reads, fit_users)
"""The estimators in order; each returns the spec with what it could fit replaced."""
